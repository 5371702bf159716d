"""The move of the list models from `trades` to `lists` keeps every row and content type.

Builds the schema as it was before the split (trades.0001, no lists app), writes rows there,
migrates to the head and reads them back through today's models.
"""

import pytest
from django.contrib.admin.models import ADDITION, LogEntry
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from accounts.tests.factories import UserFactory
from cards.tests.factories import CardFactory
from lists.models import HaveItem, ListImport, ListSettings, WantItem

BEFORE_SPLIT = [("trades", "0001_initial")]
MODELS = ["haveitem", "wantitem", "listsettings", "listimport"]


def _migrate(targets):
    """Migrate to `targets`; the models as every installed app had them at that point."""
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()
    moved = {app for app, _ in targets}
    others = [node for node in executor.loader.graph.leaf_nodes() if node[0] not in moved | {"lists"}]
    return executor.loader.project_state([*others, *targets]).apps


@pytest.mark.django_db(transaction=True)
def test_forward_migration_keeps_list_rows_and_their_content_types():
    owner, card = UserFactory(username="keeper"), CardFactory(finishes=["nonfoil", "foil"])
    old_apps = _migrate(BEFORE_SPLIT)
    ContentType.objects.clear_cache()
    OldContentType = old_apps.get_model("contenttypes", "ContentType")
    # Models born after the split (ListImportRow) got their content type when the test database
    # was made, not from a migration: they did not exist before the split.
    OldContentType.objects.filter(app_label="lists").exclude(model__in=MODELS).delete()
    assert not OldContentType.objects.filter(app_label="lists").exists()
    old_types = {model: OldContentType.objects.get_or_create(app_label="trades", model=model)[0].pk for model in MODELS}
    OldPermission = old_apps.get_model("auth", "Permission")
    OldPermission.objects.filter(content_type_id=old_types["haveitem"], codename="change_haveitem").delete()
    permission = OldPermission.objects.create(
        content_type_id=old_types["haveitem"], codename="change_haveitem", name="Can change have item"
    )
    have = old_apps.get_model("trades", "HaveItem").objects.create(
        owner_id=owner.pk, card_id=card.pk, quantity=3, condition="LP", finish="foil", note="binder 2"
    )
    want = old_apps.get_model("trades", "WantItem").objects.create(owner_id=owner.pk, card_id=card.pk, quantity=2)
    visibility = old_apps.get_model("trades", "ListSettings").objects.create(user_id=owner.pk, wants_public=False)
    upload = old_apps.get_model("trades", "ListImport").objects.create(
        owner_id=owner.pk, kind="have", format="deckbox", file="list-imports/x.csv", original_filename="x.csv",
        status="committed", total_rows=1, matched_rows=1, matched=[{"card_id": card.pk, "quantity": 3}],
    )  # fmt: skip
    log = old_apps.get_model("admin", "LogEntry").objects.create(
        user_id=owner.pk, content_type_id=old_types["haveitem"], object_id=str(have.pk), object_repr="have",
        action_flag=ADDITION,
    )  # fmt: skip

    _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
    ContentType.objects.clear_cache()

    moved = HaveItem.objects.get(pk=have.pk)
    assert (moved.owner_id, moved.card_id, moved.quantity, moved.condition, moved.finish, moved.note) == (
        owner.pk,
        card.pk,
        3,
        "LP",
        "foil",
        "binder 2",
    )
    assert WantItem.objects.get(pk=want.pk).quantity == 2
    assert ListSettings.objects.get(pk=visibility.pk).wants_public is False
    committed = ListImport.objects.get(pk=upload.pk)
    assert (committed.status, committed.matched_rows) == ("committed", 1)
    assert list(committed.rows.values_list("row", "outcome", "card_id", "quantity")) == [(1, "matched", card.pk, 3)]
    for model, type_id in old_types.items():
        content_type = ContentType.objects.get(pk=type_id)
        assert (content_type.app_label, content_type.model) == ("lists", model)
    assert not ContentType.objects.filter(app_label="trades", model__in=MODELS).exists()
    assert ContentType.objects.get_for_model(HaveItem).pk == old_types["haveitem"]
    assert Permission.objects.get(pk=permission.pk).content_type.app_label == "lists"
    assert LogEntry.objects.get(pk=log.pk).get_edited_object() == moved
    assert HaveItem._meta.db_table == "lists_haveitem"


@pytest.mark.django_db(transaction=True)
def test_import_rows_move_from_json_into_the_row_table():
    owner = UserFactory(username="importer")
    card = CardFactory(finishes=["nonfoil", "foil"])
    old_apps = _migrate([("lists", "0005_item_card_name")])
    OldImport = old_apps.get_model("lists", "ListImport")
    ready = OldImport.objects.create(
        owner_id=owner.pk, kind="want", format="moxfield", file="list-imports/y.csv", original_filename="y.csv",
        status="preview", total_rows=4, matched_rows=1,
        matched=[{"row": 2, "card_id": card.pk, "name": card.name, "quantity": 2, "condition": "LP",
                  "finish": "foil", "language": "de"},
                 {"row": 5, "card_id": 987654321, "name": "Gone", "quantity": 1, "condition": "NM",
                  "finish": "nonfoil", "language": "en"}],
        unmatched=[{"row": 3, "name": "Forest", "set": "neo", "reason": "2 printings of this card in NEO."}],
        errors=[{"row": 4, "name": "Bolt", "reason": "Unknown condition 'x'."}],
    )  # fmt: skip

    _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())

    migrated = ListImport.objects.get(pk=ready.pk)
    assert (migrated.status, migrated.matched_rows, migrated.unmatched_rows, migrated.error_rows) == ("ready", 1, 1, 1)
    assert list(
        migrated.rows.order_by("row").values_list(
            "row", "outcome", "card_id", "quantity", "condition", "finish", "language", "set_code", "reason"
        )
    ) == [
        (2, "matched", card.pk, 2, "LP", "foil", "de", "", ""),
        (3, "unmatched", None, 0, "", "", "", "neo", "2 printings of this card in NEO."),
        (4, "error", None, 0, "", "", "", "", "Unknown condition 'x'."),
    ]  # a matched row whose card left the catalog cannot be committed any more: dropped
