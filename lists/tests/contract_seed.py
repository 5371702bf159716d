"""Have and want items for the API contract run (core/tests/contract.py)."""

from cards.models import Card
from lists.enums import ImportRowOutcome, ImportStatus
from lists.models import ListImport, ListImportRow
from lists.tests.factories import HaveItemFactory, WantItemFactory


def seed(*, user, other):
    cards = list(Card.objects.order_by("pk")[:4])
    ids = {"haves": [], "wants": []}
    for index, card in enumerate(cards):
        ids["haves"].append(HaveItemFactory(owner=user if index % 2 else other, card=card, quantity=3).pk)
        ids["wants"].append(WantItemFactory(owner=other if index % 2 else user, card=card, quantity=1).pk)
    imports = []
    for owner in (user, user, other):
        list_import = ListImport.objects.create(
            owner=owner,
            kind="have",
            file="",
            original_filename="haves.csv",
            status=ImportStatus.READY,
            total_rows=2,
            matched_rows=1,
            unmatched_rows=1,
        )
        ListImportRow.objects.create(
            list_import=list_import,
            row=2,
            outcome=ImportRowOutcome.MATCHED,
            card=cards[0],
            quantity=1,
            condition="NM",
            finish="nonfoil",
            language="en",
            set_code=cards[0].set_code,
            collector_number=cards[0].collector_number,
            name=cards[0].name,
        )
        ListImportRow.objects.create(
            list_import=list_import,
            row=3,
            outcome=ImportRowOutcome.UNMATCHED,
            name="Island",
            set_code="woe",
            collector_number="263",
            reason="Printing WOE 263 is not in the catalog.",
        )
        imports.append(list_import.pk)
    ids["list-imports"] = imports
    card_ids = [card.pk for card in cards]
    ids["body"] = {
        **{(f"/api/v1/{kind}/", "card"): card_ids for kind in ("haves", "wants")},
        **{(f"/api/v1/{kind}/bulk/", "items[*].card"): card_ids for kind in ("haves", "wants")},
    }
    return ids
