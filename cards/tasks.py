"""Daily price imports. Each fetches from a configured URL; with no URL set it logs that and does nothing."""

import logging

import requests
from celery import shared_task
from django.conf import settings

from .importers import mtgjson_prices_import, scryfall_import
from .importers.download import local_copy
from .importers.freshness import scryfall_source

logger = logging.getLogger(__name__)

# Downloads retry on network errors with backoff; a full import may take long but not forever.
IMPORT_TASK_OPTIONS = {
    "autoretry_for": (requests.ConnectionError, requests.Timeout),
    "retry_backoff": 60,
    "max_retries": 3,
    "time_limit": 60 * 60,
    "soft_time_limit": 55 * 60,
}


@shared_task(**IMPORT_TASK_OPTIONS)
def import_scryfall_bulk() -> dict:
    """Idempotent: prices are keyed by day, so a re-delivered task writes nothing new."""
    url = settings.SCRYFALL_BULK_URL
    if not url:
        logger.warning("cards.import_scryfall_bulk: SCRYFALL_BULK_URL is not set; nothing imported")
        return {"skipped": "SCRYFALL_BULK_URL is not set"}
    url, as_of, dated_by = scryfall_source(url)
    with local_copy(url) as path:
        report = scryfall_import(path=path, as_of=as_of, dated_by=dated_by, source_name=url)
    logger.info("cards.import_scryfall_bulk: %s", "; ".join(report.lines()[:20]))
    return report.as_dict()


@shared_task(**IMPORT_TASK_OPTIONS)
def import_mtgjson_prices() -> dict:
    """Idempotent: snapshots are keyed by the dates in the file."""
    prices_url = settings.MTGJSON_PRICES_URL
    if not prices_url:
        logger.warning("cards.import_mtgjson_prices: MTGJSON_PRICES_URL is not set; nothing imported")
        return {"skipped": "MTGJSON_PRICES_URL is not set"}
    identifiers_url = settings.MTGJSON_IDENTIFIERS_URL
    with local_copy(prices_url) as prices_path:
        if identifiers_url:
            with local_copy(identifiers_url) as identifiers_path:
                report = mtgjson_prices_import(prices_path=prices_path, identifiers_path=identifiers_path)
        else:
            report = mtgjson_prices_import(prices_path=prices_path)
    logger.info("cards.import_mtgjson_prices: %s", "; ".join(report.lines()[:20]))
    return report.as_dict()
