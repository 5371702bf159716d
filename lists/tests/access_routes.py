"""Lists' routes that name an object, for the resolver-wide access test (docs/api.md)."""

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from accounts.tests.factories import UserFactory
from cards.tests.factories import CardFactory
from core.tests.access import OWNER, PUBLIC, AccessRoute, Target
from lists.enums import ImportRowOutcome, ImportStatus
from lists.models import ListImport, ListImportRow
from lists.tests.factories import HaveItemFactory, ListSettingsFactory, WantItemFactory

ITEM_PAYLOAD = {"quantity": 2, "note": "mine now", "condition": "NM", "finish": "nonfoil", "language": "en"}


def _have():
    item = HaveItemFactory()
    return Target(kwargs={"kind": "have", "pk": item.pk}, owners=[item.owner])


def _have_api():
    item = HaveItemFactory()
    return Target(kwargs={"pk": item.pk}, owners=[item.owner])


def _want_api():
    item = WantItemFactory()
    return Target(kwargs={"pk": item.pk}, owners=[item.owner])


def _import():
    owner = UserFactory()
    list_import = ListImport.objects.create(
        owner=owner, kind="have", file="x.csv", original_filename="x.csv", status=ImportStatus.READY
    )
    return Target(kwargs={"pk": list_import.pk}, owners=[owner])


def _import_with_row():
    """A ready import with one matched row: commit and rows have something to act on."""
    owner = UserFactory()
    list_import = ListImport.objects.create(
        owner=owner, kind="have", file="x.csv", original_filename="x.csv", status=ImportStatus.READY, matched_rows=1
    )
    ListImportRow.objects.create(
        list_import=list_import,
        row=2,
        outcome=ImportRowOutcome.MATCHED,
        card=CardFactory(),
        quantity=1,
        condition="NM",
        finish="nonfoil",
        language="en",
    )
    return Target(kwargs={"pk": list_import.pk}, owners=[owner])


def _import_with_file():
    """An import whose upload is really stored: the file route serves it to the owner."""
    owner = UserFactory()
    name = default_storage.save("list-imports/access/haves.csv", ContentFile(b"Count,Name\n1,Sol Ring\n"))
    list_import = ListImport.objects.create(
        owner=owner, kind="have", file=name, original_filename="haves.csv", status=ImportStatus.READY
    )
    return Target(kwargs={"pk": list_import.pk}, owners=[owner])


def _public_lists():
    owner = UserFactory()
    HaveItemFactory(owner=owner)
    return Target(kwargs={"username": owner.username})


def _private_lists():
    settings_row = ListSettingsFactory(haves_public=False, wants_public=False)
    return Target(kwargs={"username": settings_row.user.username}, owners=[settings_row.user])


ROUTES = [
    AccessRoute("lists:list_item_edit", _have, OWNER, payload=ITEM_PAYLOAD),
    AccessRoute("lists:list_item_row", _have, OWNER),
    AccessRoute("lists:list_item_remove", _have, OWNER),
    AccessRoute("lists:list_import", _import, OWNER),
    AccessRoute("lists:list_import_commit", _import, OWNER),
    AccessRoute("lists:list_import_discard", _import, OWNER),
    AccessRoute("lists:list_import_file", _import_with_file, OWNER),
    AccessRoute("lists:public_lists", _public_lists, PUBLIC),
    AccessRoute("lists:public_lists", _private_lists, OWNER, variant="private"),
    AccessRoute("api-haves-detail", _have_api, OWNER, payload=ITEM_PAYLOAD),
    AccessRoute("api-wants-detail", _want_api, OWNER, payload=ITEM_PAYLOAD),
    AccessRoute("api-list-imports-detail", _import_with_row, OWNER),
    AccessRoute("api-list-imports-rows", _import_with_row, OWNER),
    AccessRoute("api-list-imports-commit", _import_with_row, OWNER),
    AccessRoute("api-list-imports-discard", _import_with_row, OWNER),
]
NOT_OBJECT_ROUTES = {
    "lists:list_item_add": "kind is have or want; the item is made for the signed-in trader",
    "lists:list_export": "kind is have or want; exports the signed-in trader's own list",
}
