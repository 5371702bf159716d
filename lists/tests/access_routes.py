"""Lists' routes that name an object, for the resolver-wide access test (docs/api.md)."""

from django.core.files.base import ContentFile

from accounts.tests.factories import UserFactory
from core.tests.access import OWNER, PUBLIC, AccessRoute, Target
from lists.enums import ImportStatus
from lists.models import ListImport

from .factories import HaveItemFactory, WantItemFactory


def _have_row():
    item = HaveItemFactory(quantity=2)
    return Target(kwargs={"kind": "have", "pk": item.pk}, owners=[item.owner])


def _have():
    item = HaveItemFactory(quantity=2)
    return Target(kwargs={"pk": item.pk}, owners=[item.owner])


def _want():
    item = WantItemFactory(quantity=2)
    return Target(kwargs={"pk": item.pk}, owners=[item.owner])


def _import():
    owner = UserFactory()
    list_import = ListImport.objects.create(
        owner=owner,
        kind="have",
        original_filename="haves.csv",
        file=ContentFile(b"Count,Name\n1,Sol Ring\n", name="haves.csv"),
        status=ImportStatus.PREVIEW,
        matched=[],
    )
    return Target(kwargs={"pk": list_import.pk}, owners=[owner])


def _trader():
    return Target(kwargs={"username": HaveItemFactory().owner.username})


EDIT = {"quantity": 3, "condition": "NM", "finish": "nonfoil", "language": "en"}

ROUTES = [
    AccessRoute("lists:list_item_edit", _have_row, OWNER, payload=EDIT),
    AccessRoute("lists:list_item_row", _have_row, OWNER),
    AccessRoute("lists:list_item_remove", _have_row, OWNER),
    AccessRoute("lists:list_import", _import, OWNER),
    AccessRoute("lists:list_import_commit", _import, OWNER),
    AccessRoute("lists:list_import_discard", _import, OWNER),
    AccessRoute("api-haves-detail", _have, OWNER, payload={"quantity": 3}),
    AccessRoute("api-wants-detail", _want, OWNER, payload={"quantity": 3}),
    AccessRoute("lists:public_lists", _trader, PUBLIC),
]
NOT_OBJECT_ROUTES = {
    "lists:list_item_add": "kind is have or want, not an object; the item is added to the caller's own list",
    "lists:list_export": "kind is have or want, not an object; the export is the caller's own list",
}
