"""Where a finder search starts: a US ZIP code (resolved offline) or "lat,lng"."""

import re
from functools import lru_cache

from accounts.services import zip_to_coordinates
from core.errors import DomainError

_LAT_LNG = re.compile(r"^\s*(-?\d{1,2}(?:\.\d+)?)\s*,\s*(-?\d{1,3}(?:\.\d+)?)\s*$")


def parse_near(value: str) -> tuple[float, float]:
    """A US ZIP code or "lat,lng" → coordinates; anything else is a 400 with the reason."""
    value = (value or "").strip()
    if not value:
        raise DomainError("Give a US ZIP code or lat,lng.", field="near")
    match = _LAT_LNG.match(value)
    if match:
        lat, lng = float(match.group(1)), float(match.group(2))
        if not (-90 <= lat <= 90 and -180 <= lng <= 180):
            raise DomainError("Latitude is −90…90 and longitude −180…180.", field="near")
        return lat, lng
    return _zip(value)


@lru_cache(maxsize=4096)
def _zip(value: str) -> tuple[float, float]:
    """The offline ZIP table is scanned in Python (~2 ms a lookup): searches repeat the same ZIPs."""
    try:
        lat, lng = zip_to_coordinates(value)
    except DomainError as error:
        raise DomainError(error.message + " Or give lat,lng.", field="near") from None
    return float(lat), float(lng)
