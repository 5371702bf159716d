from django.conf import settings
from django.db import migrations, models

# The card's name on each list row (docs/decisions/0036): set on insert and when the row's card
# changes, and rewritten on every row of a card whose name changes; then filled for existing rows.
POSTGRESQL_FORWARD = [
    """CREATE FUNCTION lists_item_card_name() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
           NEW.card_name := (SELECT name FROM cards_card WHERE id = NEW.card_id);
           RETURN NEW;
       END $$""",
    """CREATE FUNCTION lists_card_renamed() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
           UPDATE lists_haveitem SET card_name = NEW.name WHERE card_id = NEW.id;
           UPDATE lists_wantitem SET card_name = NEW.name WHERE card_id = NEW.id;
           RETURN NULL;
       END $$""",
    """CREATE TRIGGER lists_haveitem_card_name BEFORE INSERT OR UPDATE OF card_id ON lists_haveitem
       FOR EACH ROW EXECUTE FUNCTION lists_item_card_name()""",
    """CREATE TRIGGER lists_wantitem_card_name BEFORE INSERT OR UPDATE OF card_id ON lists_wantitem
       FOR EACH ROW EXECUTE FUNCTION lists_item_card_name()""",
    """CREATE TRIGGER cards_card_renamed_lists AFTER UPDATE OF name ON cards_card
       FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name) EXECUTE FUNCTION lists_card_renamed()""",
    "UPDATE lists_haveitem AS item SET card_name = card.name FROM cards_card AS card WHERE card.id = item.card_id",
    "UPDATE lists_wantitem AS item SET card_name = card.name FROM cards_card AS card WHERE card.id = item.card_id",
]
POSTGRESQL_BACKWARD = [
    "DROP TRIGGER IF EXISTS cards_card_renamed_lists ON cards_card",
    "DROP TRIGGER IF EXISTS lists_haveitem_card_name ON lists_haveitem",
    "DROP TRIGGER IF EXISTS lists_wantitem_card_name ON lists_wantitem",
    "DROP FUNCTION IF EXISTS lists_card_renamed()",
    "DROP FUNCTION IF EXISTS lists_item_card_name()",
]
# SQLite (the demo) cannot change NEW in a trigger: the row is corrected right after it is written.
SQLITE_FORWARD = [
    """CREATE TRIGGER lists_haveitem_card_name_insert AFTER INSERT ON lists_haveitem FOR EACH ROW BEGIN
           UPDATE lists_haveitem SET card_name = (SELECT name FROM cards_card WHERE id = NEW.card_id)
           WHERE id = NEW.id;
       END""",
    """CREATE TRIGGER lists_wantitem_card_name_insert AFTER INSERT ON lists_wantitem FOR EACH ROW BEGIN
           UPDATE lists_wantitem SET card_name = (SELECT name FROM cards_card WHERE id = NEW.card_id)
           WHERE id = NEW.id;
       END""",
    """CREATE TRIGGER lists_haveitem_card_name_update AFTER UPDATE OF card_id ON lists_haveitem FOR EACH ROW BEGIN
           UPDATE lists_haveitem SET card_name = (SELECT name FROM cards_card WHERE id = NEW.card_id)
           WHERE id = NEW.id;
       END""",
    """CREATE TRIGGER lists_wantitem_card_name_update AFTER UPDATE OF card_id ON lists_wantitem FOR EACH ROW BEGIN
           UPDATE lists_wantitem SET card_name = (SELECT name FROM cards_card WHERE id = NEW.card_id)
           WHERE id = NEW.id;
       END""",
    """CREATE TRIGGER cards_card_renamed_lists AFTER UPDATE OF name ON cards_card FOR EACH ROW
       WHEN OLD.name IS NOT NEW.name BEGIN
           UPDATE lists_haveitem SET card_name = NEW.name WHERE card_id = NEW.id;
           UPDATE lists_wantitem SET card_name = NEW.name WHERE card_id = NEW.id;
       END""",
    "UPDATE lists_haveitem SET card_name = (SELECT name FROM cards_card WHERE cards_card.id = lists_haveitem.card_id)",
    "UPDATE lists_wantitem SET card_name = (SELECT name FROM cards_card WHERE cards_card.id = lists_wantitem.card_id)",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS cards_card_renamed_lists",
    "DROP TRIGGER IF EXISTS lists_haveitem_card_name_insert",
    "DROP TRIGGER IF EXISTS lists_wantitem_card_name_insert",
    "DROP TRIGGER IF EXISTS lists_haveitem_card_name_update",
    "DROP TRIGGER IF EXISTS lists_wantitem_card_name_update",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        statements = statements_by_vendor.get(schema_editor.connection.vendor)
        if statements is None:
            raise RuntimeError(f"no card-name triggers for {schema_editor.connection.vendor}")
        for statement in statements:
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("cards", "0008_card_tradability_and_oracle_index"),
        ("lists", "0004_want_item_any_printing"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="haveitem",
            name="card_name",
            field=models.CharField(db_default="", editable=False, max_length=300),
        ),
        migrations.AddField(
            model_name="wantitem",
            name="card_name",
            field=models.CharField(db_default="", editable=False, max_length=300),
        ),
        migrations.RunPython(
            _run({"postgresql": POSTGRESQL_FORWARD, "sqlite": SQLITE_FORWARD}),
            _run({"postgresql": POSTGRESQL_BACKWARD, "sqlite": SQLITE_BACKWARD}),
        ),
        migrations.AddIndex(
            model_name="haveitem",
            index=models.Index(fields=["owner", "card_name", "id"], name="have_item_owner_name_idx"),
        ),
        migrations.AddIndex(
            model_name="wantitem",
            index=models.Index(fields=["owner", "card_name", "id"], name="want_item_owner_name_idx"),
        ),
    ]
