"""Trades agreed before reservations existed promise their copies now (what fits on the list)."""

from django.db import migrations
from django.db.models import F


def reserve_active(apps, schema_editor):
    HaveItem = apps.get_model("lists", "HaveItem")
    TradeItem = apps.get_model("trades", "TradeItem")
    for item in TradeItem.objects.filter(trade__status="active").order_by("pk").iterator():
        have = HaveItem.objects.filter(
            owner_id=item.giver_id,
            card_id=item.card_id,
            condition=item.condition,
            finish=item.finish,
            language=item.language,
        ).first()
        if have is None:
            continue
        extra = min(item.quantity, have.quantity - have.reserved)
        if extra > 0:
            HaveItem.objects.filter(pk=have.pk).update(reserved=F("reserved") + extra)


def release_all(apps, schema_editor):
    apps.get_model("lists", "HaveItem").objects.update(reserved=0)


class Migration(migrations.Migration):
    dependencies = [
        ("lists", "0002_haveitem_reserved"),
        ("trades", "0002_move_lists_to_lists_app"),
    ]

    operations = [migrations.RunPython(reserve_active, release_all)]
