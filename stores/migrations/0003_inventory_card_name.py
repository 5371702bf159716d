from django.db import migrations, models


def fill_card_names(apps, schema_editor):
    """Existing rows get their card's name (one set-based UPDATE per table)."""
    for table in ("stores_storeinventoryitem", "stores_buylistentry"):
        schema_editor.execute(
            f"UPDATE {table} SET card_name = (SELECT name FROM cards_card WHERE cards_card.id = {table}.card_id)"  # noqa: S608
        )


class Migration(migrations.Migration):
    dependencies = [
        ("cards", "0008_card_tradability_and_oracle_index"),
        ("stores", "0002_buylist_threads"),
    ]

    operations = [
        migrations.AddField(
            model_name="storeinventoryitem",
            name="card_name",
            field=models.CharField(blank=True, default="", max_length=300),
        ),
        migrations.AddField(
            model_name="buylistentry",
            name="card_name",
            field=models.CharField(blank=True, default="", max_length=300),
        ),
        migrations.AddField(
            model_name="buylistrules",
            name="entry_count",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.RunPython(fill_card_names, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="storeinventoryitem",
            index=models.Index(fields=["store", "card_name", "card", "id"], name="store_item_by_name_idx"),
        ),
        migrations.AddIndex(
            model_name="buylistentry",
            index=models.Index(fields=["store", "card_name", "card", "id"], name="buylist_entry_by_name_idx"),
        ),
    ]
