"""Rows of an import move from three JSON lists into ListImportRow; "preview" is now "ready"."""

from django.db import migrations, models

CHUNK = 1000


def rows_from_json(apps, schema_editor):
    ListImport = apps.get_model("lists", "ListImport")
    ListImportRow = apps.get_model("lists", "ListImportRow")
    Card = apps.get_model("cards", "Card")
    if schema_editor.connection.vendor == "postgresql":
        # Check the new rows' keys now: pending checks would block the next ALTER TABLE.
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    ListImport.objects.filter(status="preview").update(status="ready")
    for list_import in ListImport.objects.order_by("pk").iterator(chunk_size=100):
        seen = set()

        matched = list(list_import.matched or [])
        known = set(Card.objects.filter(pk__in={m.get("card_id") for m in matched}).values_list("pk", flat=True))
        objects, counts = [], {"matched": 0, "unmatched": 0, "error": 0}
        for item in matched:
            if item.get("card_id") not in known or int(item.get("quantity") or 0) < 1:
                continue  # a card gone from the catalog: the row can no longer be committed
            number = int(item.get("row") or 0) or -(len(objects) + 1)
            if number in seen:
                continue
            seen.add(number)
            objects.append(
                ListImportRow(
                    list_import_id=list_import.pk,
                    row=abs(number),
                    outcome="matched",
                    name=item.get("name", "")[:300],
                    card_id=item["card_id"],
                    quantity=int(item["quantity"]),
                    condition=item.get("condition") or "",
                    finish=item.get("finish") or "",
                    language=item.get("language") or "",
                )
            )
            counts["matched"] += 1
        for outcome, items in (("unmatched", list_import.unmatched or []), ("error", list_import.errors or [])):
            for item in items:
                number = int(item.get("row") or 0)
                if number in seen:
                    continue
                seen.add(number)
                objects.append(
                    ListImportRow(
                        list_import_id=list_import.pk,
                        row=number,
                        outcome=outcome,
                        name=str(item.get("name", ""))[:300],
                        set_code=str(item.get("set", ""))[:40],
                        reason=str(item.get("reason", ""))[:500],
                    )
                )
                counts[outcome] += 1
        ListImportRow.objects.bulk_create(objects, batch_size=CHUNK)
        ListImport.objects.filter(pk=list_import.pk).update(
            matched_rows=counts["matched"], unmatched_rows=counts["unmatched"], error_rows=counts["error"]
        )


def rows_to_json(apps, schema_editor):
    ListImport = apps.get_model("lists", "ListImport")
    ListImport.objects.filter(status="ready").update(status="preview")
    for list_import in ListImport.objects.order_by("pk").iterator(chunk_size=100):
        matched, unmatched, errors = [], [], []
        for row in list_import.rows.order_by("row"):
            if row.outcome == "matched":
                matched.append(
                    {
                        "row": row.row,
                        "card_id": row.card_id,
                        "name": row.name,
                        "quantity": row.quantity,
                        "condition": row.condition,
                        "finish": row.finish,
                        "language": row.language,
                    }
                )
            elif row.outcome == "unmatched":
                unmatched.append({"row": row.row, "name": row.name, "set": row.set_code, "reason": row.reason})
            elif row.outcome == "error":
                errors.append({"row": row.row, "name": row.name, "reason": row.reason})
        ListImport.objects.filter(pk=list_import.pk).update(matched=matched, unmatched=unmatched, errors=errors)


class Migration(migrations.Migration):
    dependencies = [("lists", "0006_import_rows"), ("cards", "0008_card_tradability_and_oracle_index")]

    operations = [
        migrations.RemoveConstraint(
            model_name="listimport",
            name="list_import_status_valid",
        ),
        migrations.AlterField(
            model_name="listimport",
            name="status",
            field=models.CharField(
                choices=[
                    ("parsing", "Reading file"),
                    ("ready", "Ready to review"),
                    ("committing", "Importing"),
                    ("committed", "Imported"),
                    ("failed", "Failed"),
                    ("discarded", "Discarded"),
                ],
                default="parsing",
                max_length=12,
            ),
        ),
        migrations.RunPython(rows_from_json, rows_to_json),
    ]
