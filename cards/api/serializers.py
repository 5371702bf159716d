from rest_framework import serializers

from core.pagination import MAX_PAGE_NUMBER

from ..enums import Finish, Rarity
from ..models import Card, CardPrice, PriceSnapshot
from ..selectors import MOVERS_WINDOWS


class CardPriceSerializer(serializers.ModelSerializer):
    class Meta:
        model = CardPrice
        fields = ["finish", "price", "currency", "source", "captured_at", "change_24h_pct", "change_7d_pct"]


class CardSerializer(serializers.ModelSerializer):
    prices = CardPriceSerializer(source="current_prices", many=True, read_only=True)

    class Meta:
        model = Card
        fields = [
            "id",
            "scryfall_id",
            "oracle_id",
            "name",
            "lang",
            "set_code",
            "set_name",
            "collector_number",
            "rarity",
            "finishes",
            "tcgplayer_id",
            "image_url",
            "is_reserved",
            "released_at",
            "layout",
            "digital_only",
            "tradable",
            "prices",
        ]


class PriceSnapshotSerializer(serializers.ModelSerializer):
    class Meta:
        model = PriceSnapshot
        fields = ["finish", "source", "price", "currency", "captured_at"]


class MoverSerializer(serializers.ModelSerializer):
    card_id = serializers.IntegerField()
    card_name = serializers.CharField(source="card.name")
    set_code = serializers.CharField(source="card.set_code")

    class Meta:
        model = CardPrice
        fields = [
            "card_id",
            "card_name",
            "set_code",
            "finish",
            "price",
            "currency",
            "price_24h_ago",
            "price_7d_ago",
            "change_24h_pct",
            "change_7d_pct",
        ]


class MoversSerializer(serializers.Serializer):
    window = serializers.CharField()
    min_price = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True)
    currency = serializers.CharField(help_text="Currency of min_price.")
    gainers = MoverSerializer(many=True)
    losers = MoverSerializer(many=True)


class CardSearchParams(serializers.Serializer):
    q = serializers.CharField(
        required=False, allow_blank=True, max_length=200, default="", help_text="name; typo tolerant"
    )
    set = serializers.CharField(
        required=False, allow_blank=True, max_length=10, default="", help_text="set code, e.g. 2xm"
    )
    rarity = serializers.ChoiceField(choices=Rarity.choices, required=False, allow_blank=True, default="")
    page = serializers.IntegerField(required=False, min_value=1, max_value=MAX_PAGE_NUMBER, default=1)


class PriceHistoryParams(serializers.Serializer):
    """Validated in the view after `from`/`to` are parsed; documented there as query parameters."""

    finish = serializers.ChoiceField(choices=Finish.choices, required=False, default="")
    source = serializers.CharField(required=False, max_length=30, default="")
    currency = serializers.CharField(required=False, max_length=3, default="USD")
    # "from" is a Python keyword: the query parameters are mapped in the view.
    date_from = serializers.DateTimeField(required=False, allow_null=True, default=None)
    date_to = serializers.DateTimeField(required=False, allow_null=True, default=None)

    def validate(self, attrs):
        if attrs["date_from"] and attrs["date_to"] and attrs["date_from"] > attrs["date_to"]:
            raise serializers.ValidationError({"to": "must not be before from"})
        return attrs


class MoversParams(serializers.Serializer):
    window = serializers.ChoiceField(choices=[(w, w) for w in MOVERS_WINDOWS], required=False, default="24h")
    min_price = serializers.DecimalField(
        max_digits=12, decimal_places=2, min_value=0, required=False, default=None, help_text="USD; default 1.00"
    )
    limit = serializers.IntegerField(
        min_value=1, max_value=100, required=False, default=25, help_text="per list (default 25)"
    )
