from rest_framework import serializers

from cards.enums import Finish
from core.api import StrictJSONTypes
from stores.enums import Condition

from .serializers import MAX_ID


class BuylistParamsSerializer(serializers.Serializer):
    card = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID, help_text="Only this card id")


class BreakdownSerializer(serializers.Serializer):
    market = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True)
    buy_pct = serializers.DecimalField(max_digits=6, decimal_places=2, help_text="Incl. the hotlist bonus")
    condition_multiplier = serializers.DecimalField(max_digits=4, decimal_places=2)
    demand_factor = serializers.DecimalField(max_digits=4, decimal_places=3, help_text="0.8–1.5")
    local_demand = serializers.ChoiceField(
        choices=["none", "3-9", "10-24", "25+"], help_text="Nearby traders wanting it, bucketed; under 3 is none"
    )
    signal_demand = serializers.IntegerField(help_text="Followers of active BUY signals on the card")
    momentum = serializers.DecimalField(max_digits=8, decimal_places=4, help_text="7-day price change, a fraction")
    stock_taper = serializers.DecimalField(max_digits=4, decimal_places=3, help_text="1 at no stock … 0 at max qty")
    override = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True)


class BuylistRowSerializer(serializers.Serializer):
    card = serializers.IntegerField(source="card_id")
    card_name = serializers.CharField(source="card.name")
    condition = serializers.ChoiceField(choices=Condition.choices)
    finish = serializers.ChoiceField(choices=Finish.choices)
    cash_price = serializers.DecimalField(max_digits=12, decimal_places=2)
    credit_price = serializers.DecimalField(max_digits=12, decimal_places=2)
    currency = serializers.CharField()
    breakdown = BreakdownSerializer()


class BuylistPageSerializer(serializers.Serializer):
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = BuylistRowSerializer(many=True)


class QuoteLineSerializer(serializers.Serializer):
    have_id = serializers.IntegerField()
    card = serializers.IntegerField()
    card_name = serializers.CharField()
    condition = serializers.ChoiceField(choices=Condition.choices)
    finish = serializers.ChoiceField(choices=Finish.choices)
    quantity = serializers.IntegerField(help_text="What you may offer (available quantity)")
    cash_price = serializers.DecimalField(max_digits=12, decimal_places=2)
    credit_price = serializers.DecimalField(max_digits=12, decimal_places=2)
    cash_total = serializers.DecimalField(max_digits=12, decimal_places=2)
    credit_total = serializers.DecimalField(max_digits=12, decimal_places=2)


class QuoteSerializer(serializers.Serializer):
    lines = QuoteLineSerializer(many=True)
    cash_total = serializers.DecimalField(max_digits=12, decimal_places=2)
    credit_total = serializers.DecimalField(max_digits=12, decimal_places=2)
    currency = serializers.CharField()


class QuoteSendSerializer(StrictJSONTypes, serializers.Serializer):
    body = serializers.CharField(required=False, allow_blank=True, max_length=2000, help_text="A note to the store")


class ThreadCreatedSerializer(serializers.Serializer):
    thread = serializers.IntegerField(help_text="The conversation's id (/stores/threads/{id}/)")


class StoreMatchSerializer(serializers.Serializer):
    username = serializers.CharField()
    distance_km = serializers.FloatField()
    wants_stocked = serializers.IntegerField(help_text="Lines of their want list you have in stock")
    haves_bought = serializers.IntegerField(help_text="Lines of their have list your buylist pays for")
    value = serializers.DecimalField(
        max_digits=12, decimal_places=2, help_text="Your price of the wants you stock + your cash offer for their haves"
    )
    currency = serializers.CharField()


class StoreMatchPageSerializer(serializers.Serializer):
    next = serializers.URLField(allow_null=True, help_text="Always null: one page of at most 200")
    previous = serializers.URLField(allow_null=True)
    results = StoreMatchSerializer(many=True)


class StoreMessageSerializer(StrictJSONTypes, serializers.Serializer):
    body = serializers.CharField(max_length=2000, help_text="1–2,000 characters")


class StockedLineSerializer(serializers.Serializer):
    card = serializers.IntegerField()
    card_name = serializers.CharField()
    quantity = serializers.IntegerField()
    price = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True, help_text="The store's price")
    currency = serializers.CharField()


class StoreForMeSerializer(serializers.Serializer):
    store = serializers.IntegerField(source="store.pk")
    store_name = serializers.CharField(source="store.store_name")
    distance_km = serializers.FloatField()
    stocks = StockedLineSerializer(many=True, help_text="Cards of your want list it has in stock")
    buys = QuoteSerializer(source="quote_dict", help_text="Your haves it buys, priced")


class StoreForMePageSerializer(serializers.Serializer):
    next = serializers.URLField(allow_null=True, help_text="Always null: one page")
    previous = serializers.URLField(allow_null=True)
    results = StoreForMeSerializer(many=True)
