"""Have and want lists move to the `lists` app: their tables are renamed, no row is touched.

The database side renames the four tables to the names the `lists` app gives them; the
state side forgets the models here. `lists.0001_initial` declares them again (state only)
and renames their content types, so permissions and admin log entries follow.
"""

from django.db import migrations

TABLES = {
    "haveitem": "lists_haveitem",
    "wantitem": "lists_wantitem",
    "listsettings": "lists_listsettings",
    "listimport": "lists_listimport",
}


class Migration(migrations.Migration):
    dependencies = [
        ("trades", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.AlterModelTable(name=name, table=table) for name, table in TABLES.items()],
            state_operations=[
                migrations.RemoveField(
                    model_name="listimport",
                    name="owner",
                ),
                migrations.RemoveField(
                    model_name="listsettings",
                    name="user",
                ),
                migrations.RemoveField(
                    model_name="wantitem",
                    name="card",
                ),
                migrations.RemoveField(
                    model_name="wantitem",
                    name="owner",
                ),
                migrations.DeleteModel(
                    name="HaveItem",
                ),
                migrations.DeleteModel(
                    name="ListImport",
                ),
                migrations.DeleteModel(
                    name="ListSettings",
                ),
                migrations.DeleteModel(
                    name="WantItem",
                ),
            ],
        ),
    ]
