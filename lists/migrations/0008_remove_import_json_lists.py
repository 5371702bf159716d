"""The status constraint with "ready", and the JSON lists go (their rows are in ListImportRow now)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("lists", "0007_import_rows_from_json")]

    operations = [
        migrations.AddConstraint(
            model_name="listimport",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("status__in", ["parsing", "ready", "committing", "committed", "failed", "discarded"])
                ),
                name="list_import_status_valid",
            ),
        ),
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
