"""Lists' routes that name an object, for the resolver-wide access test (docs/api.md)."""

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from accounts.tests.factories import UserFactory
from cards.tests.factories import CardFactory
from core.tests.access import OWNER, PUBLIC, AccessRoute, Target
from lists.enums import ImportStatus
from lists.models import ListImport

from .factories import HaveItemFactory, WantItemFactory

ITEM_FORM = {"quantity": 2, "condition": "NM", "finish": "nonfoil", "language": "en", "note": ""}


def _have_item():
    item = HaveItemFactory()
    return Target(kwargs={"kind": "have", "pk": item.pk}, owners=[item.owner])


def _want_item():
    item = WantItemFactory()
    return Target(kwargs={"kind": "want", "pk": item.pk}, owners=[item.owner])


def _api_have():
    item = HaveItemFactory()
    return Target(kwargs={"pk": item.pk}, owners=[item.owner])


def _api_want():
    item = WantItemFactory()
    return Target(kwargs={"pk": item.pk}, owners=[item.owner])


def _import():
    """An import waiting for review, with its upload really stored (the file route serves it)."""
    owner = UserFactory()
    name = default_storage.save("list-imports/access/haves.csv", ContentFile(b"Count,Name\n1,Sol Ring\n"))
    list_import = ListImport.objects.create(
        owner=owner,
        kind="have",
        file=name,
        original_filename="haves.csv",
        status=ImportStatus.PREVIEW,
        matched=[{"row": 2, "card_id": CardFactory().pk, "quantity": 1, "condition": "NM", "finish": "nonfoil"}],
        matched_rows=1,
    )
    return Target(kwargs={"pk": list_import.pk}, owners=[owner])


def _trader():
    return Target(kwargs={"username": UserFactory().username})


ROUTES = [
    AccessRoute("lists:list_item_edit", _have_item, OWNER, payload=ITEM_FORM),
    AccessRoute("lists:list_item_row", _want_item, OWNER),
    AccessRoute("lists:list_item_remove", _have_item, OWNER),
    AccessRoute("api-haves-detail", _api_have, OWNER, payload={"quantity": 3}),
    AccessRoute("api-wants-detail", _api_want, OWNER, payload={"quantity": 3}),
    AccessRoute("lists:list_import", _import, OWNER),
    AccessRoute("lists:list_import_file", _import, OWNER),
    AccessRoute("lists:list_import_commit", _import, OWNER, payload={"replace_existing": ""}),
    AccessRoute("lists:list_import_discard", _import, OWNER),
    AccessRoute("lists:public_lists", _trader, PUBLIC),
]

NOT_OBJECT_ROUTES = {
    "lists:list_item_add": "kind is have or want: the signed-in trader's own list, not an object",
    "lists:list_export": "kind is have or want: the signed-in trader's own list, not an object",
}
