"""Serializers for list items: shape and input validation only (rules in services)."""

from rest_framework import serializers

from cards.enums import Finish
from core.api import StrictJSONTypes
from core.money import DEFAULT_CURRENCY
from lists.enums import Condition, Language
from lists.services.items import MAX_QUANTITY


class ListItemSerializer(StrictJSONTypes, serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    card = serializers.IntegerField(source="card_id", min_value=1, help_text="Card id (one printing).")
    card_name = serializers.CharField(source="card.name", read_only=True)
    set_code = serializers.CharField(source="card.set_code", read_only=True)
    collector_number = serializers.CharField(source="card.collector_number", read_only=True)
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_QUANTITY, default=1)
    condition = serializers.ChoiceField(choices=Condition.choices, required=False)
    finish = serializers.ChoiceField(choices=Finish.choices, default=Finish.NONFOIL)
    language = serializers.ChoiceField(choices=Language.choices, default=Language.ENGLISH)
    note = serializers.CharField(max_length=200, allow_blank=True, default="")
    created_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)
    currency = serializers.SerializerMethodField(help_text="Currency of the item's amounts.")

    def get_currency(self, item) -> str:
        return DEFAULT_CURRENCY  # list amounts are kept in the platform currency


class HaveItemSerializer(ListItemSerializer):
    reserved = serializers.IntegerField(read_only=True, help_text="Copies promised in agreed trades.")
    available = serializers.IntegerField(read_only=True, help_text="quantity − reserved: what proposals may use.")
    min_trade_value = serializers.DecimalField(
        max_digits=12, decimal_places=2, min_value=0, allow_null=True, required=False
    )
    trade_for_wants_only = serializers.BooleanField(default=False)


class WantItemSerializer(ListItemSerializer):
    max_price = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0, allow_null=True, required=False)
    any_printing = serializers.BooleanField(
        default=False, help_text="Any printing of the card (same oracle id) satisfies it; `card` is the one shown."
    )
