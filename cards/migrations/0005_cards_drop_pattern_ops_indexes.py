"""Drop the `varchar_pattern_ops` twins Django adds to the `name` and `set_code` b-tree indexes on PostgreSQL.

They serve only case-sensitive `LIKE 'prefix%'` (`__startswith`), which no query uses: name
search goes through the trigram indexes (migrations 0002/0003), set codes are matched
exactly. Each one was maintained on every card insert of an import for nothing. They are
not in the model state (Django creates them implicitly), so the state does not change; a
later AlterField drops them with IF EXISTS.
"""

from django.db import migrations

PATTERN_OPS_INDEXES = {
    "cards_card_name_1a0b1bc1_like": "name",
    "cards_card_set_code_11ae575f_like": "set_code",
}


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for index_name in PATTERN_OPS_INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {index_name}")


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for index_name, column in PATTERN_OPS_INDEXES.items():
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {index_name} ON cards_card ({column} varchar_pattern_ops)")


class Migration(migrations.Migration):
    dependencies = [("cards", "0004_cards_drop_redundant_card_indexes")]

    operations = [migrations.RunPython(drop_indexes, create_indexes)]
