"""Two commits of one import racing (double click, two tabs): exactly one claims it."""

import threading
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from accounts.tests.factories import UserFactory
from core.errors import InvalidTransition
from lists.enums import ImportStatus
from lists.models import HaveItem, ListImport
from lists.services.imports import list_import_request_commit, list_import_start

from .factories import make_catalog

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.mark.django_db(transaction=True)
def test_racing_commits_claim_the_import_once(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    catalog = make_catalog()
    owner = UserFactory()
    list_import = list_import_start(
        owner=owner,
        kind="have",
        uploaded_file=SimpleUploadedFile("x.csv", (FIXTURES / "deckbox_haves.csv").read_bytes()),
    )  # eager Celery: parsed on commit
    assert ListImport.objects.get(pk=list_import.pk).status == ImportStatus.READY
    barrier = threading.Barrier(2)
    outcomes = []

    def commit():
        try:
            barrier.wait()
            list_import_request_commit(owner=owner, list_import_id=list_import.pk, replace_existing=False)
            outcomes.append("committed")
        except InvalidTransition:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=commit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["committed", "refused"]
    assert ListImport.objects.get(pk=list_import.pk).status == ImportStatus.COMMITTED
    assert HaveItem.objects.get(owner=owner, card=catalog["bolt"]).quantity == 4
