from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from cards.tests.factories import CardFactory

FIXTURES = Path(__file__).parent / "fixtures"


def upload(name: str, content: bytes | None = None) -> SimpleUploadedFile:
    data = content if content is not None else (FIXTURES / name).read_bytes()
    return SimpleUploadedFile(name, data, content_type="text/csv")


@pytest.fixture
def catalog(db):
    """The printings the fixture files name, with Scryfall's set names."""
    mh2 = {"set_code": "mh2", "set_name": "Modern Horizons 2"}
    return {
        "ragavan": CardFactory(name="Ragavan, Nimble Pilferer", collector_number="138", **mh2),
        "saga": CardFactory(name="Urza's Saga", collector_number="259", **mh2),
        "solitude": CardFactory(name="Solitude", collector_number="32", finishes=["nonfoil", "foil", "etched"], **mh2),
        "bolt": CardFactory(name="Lightning Bolt", set_code="m10", set_name="Magic 2010", collector_number="146"),
        "delver": CardFactory(
            name="Delver of Secrets // Insectile Aberration",
            set_code="isd",
            set_name="Innistrad",
            collector_number="51",
        ),
    }
