from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("lists", "0006_import_rows_from_json")]

    operations = [
        migrations.RemoveField(
            model_name="listimport",
            name="errors",
        ),
        migrations.RemoveField(
            model_name="listimport",
            name="matched",
        ),
        migrations.RemoveField(
            model_name="listimport",
            name="unmatched",
        ),
    ]
