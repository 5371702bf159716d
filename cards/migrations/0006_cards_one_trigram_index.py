"""One trigram index for card search, and no single-column set_code index.

Search now applies both `icontains` and word similarity to UPPER(name), so the trigram index
on plain `name` (0002) is never used; `set_code` lookups are served by card_set_number_idx,
which starts with it. Each dropped index was maintained on every card an import inserts.
"""

from django.db import migrations, models

NAME_TRGM_INDEX = "card_name_trgm_idx"


def drop_name_trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {NAME_TRGM_INDEX}")


def create_name_trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {NAME_TRGM_INDEX} ON cards_card USING gin (name gin_trgm_ops)"
        )


class Migration(migrations.Migration):
    dependencies = [("cards", "0005_cards_drop_pattern_ops_indexes")]

    operations = [
        migrations.RunPython(drop_name_trigram_index, create_name_trigram_index),
        migrations.AlterField(model_name="card", name="set_code", field=models.CharField(max_length=10)),
    ]
