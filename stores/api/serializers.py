from rest_framework import serializers

from cards.enums import Finish
from stores.enums import Condition, Language, SyncMode, SyncProvider, SyncRunStatus
from stores.models import MAX_ITEM_QUANTITY, MAX_SERVICE_RADIUS_KM, InventorySyncRun, LGSProfile, StoreInventoryItem
from stores.selectors import store_is_open
from stores.services.inventory import MAX_ITEMS_PER_CALL

MAX_ID = 2**63 - 1  # ids are bigint: larger numbers are a 400, not a database error

PUBLIC_FIELDS = [
    "id",
    "status",
    "store_name",
    "store_address",
    "store_city",
    "store_state",
    "store_postal",
    "store_country",
    "store_phone",
    "store_website",
    "latitude",
    "longitude",
    "timezone",
    "service_radius_km",
    "offers_buylist",
    "offers_trades",
    "offers_events",
    "trade_in_bonus_pct",
    "hours",
    "open_now",
    "owner",
    "created_at",
    "updated_at",
]
OWNER_FIELDS = [
    "rejection_reason",
    "inventory_sync_provider",
    "inventory_sync_config",
    "last_sync_at",
    "sync_status",
    "auto_price_adjustment",
    "price_adjustment_pct",
]


class StoreSerializer(serializers.ModelSerializer):
    """A store: the plan's fields. `inventory_sync_config` and `rejection_reason` are blank except to
    the owner and staff."""

    id = serializers.IntegerField(source="pk", read_only=True, help_text="The owner's user id.")
    owner = serializers.CharField(source="user.username", read_only=True)
    open_now = serializers.SerializerMethodField()
    # Blank when not set: documented as such (a blank string is not a URI nor one of the choices).
    store_website = serializers.CharField(read_only=True, help_text="An http(s) URL, or blank")
    inventory_sync_provider = serializers.ChoiceField(
        choices=[*SyncProvider.choices, ("", "Not set")], read_only=True, help_text="Blank until set"
    )
    sync_status = serializers.ChoiceField(
        choices=[*SyncRunStatus.choices, ("", "Never synced")], read_only=True, help_text="Blank before the first sync"
    )

    class Meta:
        model = LGSProfile
        fields = PUBLIC_FIELDS + OWNER_FIELDS
        read_only_fields = fields

    def get_open_now(self, store) -> bool:
        return store_is_open(hours=store.hours, tz_name=store.timezone)

    def to_representation(self, store):
        """The column mapping and a rejection reason are for the owner and staff: blank to others."""
        data = super().to_representation(store)
        user = self.context.get("request").user if self.context.get("request") else None
        if not (user and user.is_authenticated and (user.pk == store.pk or user.is_staff)):
            data["inventory_sync_config"] = {}
            data["rejection_reason"] = ""
        return data


class FoundStoreSerializer(StoreSerializer):
    distance_km = serializers.FloatField(read_only=True)

    class Meta(StoreSerializer.Meta):
        fields = [*PUBLIC_FIELDS, "distance_km"]
        read_only_fields = fields


class FinderParamsSerializer(serializers.Serializer):
    near = serializers.RegexField(
        r"^\s*(\d{5}(-\d{4})?|-?\d{1,2}(\.\d+)?\s*,\s*-?\d{1,3}(\.\d+)?)\s*$",
        max_length=40,
        help_text="A US ZIP code (e.g. 98101) or lat,lng (e.g. 47.61,-122.33)",
    )
    radius_km = serializers.IntegerField(min_value=1, max_value=MAX_SERVICE_RADIUS_KM, default=40)
    buylist = serializers.BooleanField(required=False, default=False, help_text="Only stores that buy cards")
    trades = serializers.BooleanField(required=False, default=False, help_text="Only stores that trade")
    events = serializers.BooleanField(required=False, default=False, help_text="Only stores that run events")
    open_now = serializers.BooleanField(
        required=False, default=False, help_text="Only stores open now, in each store's own time zone"
    )
    stocks = serializers.IntegerField(
        required=False, min_value=1, max_value=MAX_ID, help_text="A card id the store has in stock"
    )
    buys = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_ID,
        help_text="A card id the store buys: its smart buylist pays something for it",
    )


class InventoryParamsSerializer(serializers.Serializer):
    card = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID, help_text="Only this card id")
    q = serializers.CharField(required=False, max_length=100, help_text="Card name contains")


class FinderPageSerializer(serializers.Serializer):
    next = serializers.URLField(allow_null=True, help_text="Always null: one page of at most 100 stores")
    previous = serializers.URLField(allow_null=True)
    results = FoundStoreSerializer(many=True)


class HoursSpanSerializer(serializers.Serializer):
    open = serializers.RegexField(r"^([01]\d|2[0-3]):[0-5]\d$", help_text="HH:MM, 24-hour")
    close = serializers.RegexField(r"^(([01]\d|2[0-3]):[0-5]\d|24:00)$", help_text="HH:MM, after open")


class StoreWriteSerializer(serializers.Serializer):
    """The plan's store fields. A US ZIP (store_postal) fills latitude/longitude offline."""

    store_name = serializers.CharField(max_length=255)
    store_address = serializers.CharField(required=False, allow_blank=True)
    store_city = serializers.CharField(max_length=100, required=False, allow_blank=True)
    store_state = serializers.CharField(max_length=50, required=False, allow_blank=True)
    store_postal = serializers.CharField(max_length=20, required=False, allow_blank=True)
    store_country = serializers.CharField(max_length=2, min_length=2, required=False)
    store_phone = serializers.CharField(max_length=20, required=False, allow_blank=True)
    store_website = serializers.URLField(max_length=500, required=False, allow_blank=True)
    latitude = serializers.DecimalField(
        max_digits=10, decimal_places=8, min_value=-90, max_value=90, required=False, allow_null=True
    )
    longitude = serializers.DecimalField(
        max_digits=11, decimal_places=8, min_value=-180, max_value=180, required=False, allow_null=True
    )
    timezone = serializers.CharField(max_length=64, required=False, help_text="IANA name, e.g. America/Chicago")
    service_radius_km = serializers.IntegerField(min_value=1, max_value=MAX_SERVICE_RADIUS_KM, required=False)
    offers_buylist = serializers.BooleanField(required=False)
    offers_trades = serializers.BooleanField(required=False)
    offers_events = serializers.BooleanField(required=False)
    trade_in_bonus_pct = serializers.DecimalField(
        max_digits=5, decimal_places=2, min_value=0, max_value=100, required=False
    )
    hours = serializers.DictField(
        child=HoursSpanSerializer(),
        required=False,
        help_text='{"monday": {"open": "10:00", "close": "21:00"}}; missing day = closed',
    )
    auto_price_adjustment = serializers.BooleanField(required=False)
    price_adjustment_pct = serializers.DecimalField(
        max_digits=5, decimal_places=2, min_value=-90, max_value=200, required=False
    )


class InventoryItemSerializer(serializers.ModelSerializer):
    card_name = serializers.CharField(source="card.name", read_only=True)
    set_code = serializers.CharField(source="card.set_code", read_only=True)
    collector_number = serializers.CharField(source="card.collector_number", read_only=True)
    tcgplayer_sku = serializers.CharField(source="provider_sku", read_only=True)

    class Meta:
        model = StoreInventoryItem
        fields = [
            "id",
            "card",
            "card_name",
            "set_code",
            "collector_number",
            "condition",
            "finish",
            "language",
            "quantity",
            "price",
            "currency",
            "tcgplayer_sku",
            "updated_at",
        ]
        read_only_fields = fields


class ItemRefSerializer(serializers.Serializer):
    card = serializers.IntegerField(
        required=False, min_value=1, max_value=MAX_ID, help_text="Our card id; or scryfall_id; or tcgplayer_sku"
    )
    scryfall_id = serializers.UUIDField(required=False)
    tcgplayer_sku = serializers.CharField(required=False, max_length=64, help_text="An SKU a TCGplayer sync stored")
    condition = serializers.ChoiceField(choices=Condition.choices, required=False)
    finish = serializers.ChoiceField(choices=Finish.choices, required=False)
    language = serializers.ChoiceField(choices=Language.choices, required=False)
    price = serializers.DecimalField(
        max_digits=12, decimal_places=2, min_value=0, max_value=999999, required=False, allow_null=True
    )


class UpsertItemSerializer(ItemRefSerializer):
    quantity = serializers.IntegerField(min_value=0, max_value=MAX_ITEM_QUANTITY)


class PatchItemSerializer(ItemRefSerializer):
    quantity = serializers.IntegerField(min_value=0, max_value=MAX_ITEM_QUANTITY, required=False)
    quantity_delta = serializers.IntegerField(min_value=-MAX_ITEM_QUANTITY, max_value=MAX_ITEM_QUANTITY, required=False)


class UpsertSerializer(serializers.Serializer):
    items = UpsertItemSerializer(many=True, max_length=MAX_ITEMS_PER_CALL)


class PatchSerializer(serializers.Serializer):
    items = PatchItemSerializer(many=True, max_length=MAX_ITEMS_PER_CALL)


class ItemErrorSerializer(serializers.Serializer):
    index = serializers.IntegerField()
    field = serializers.CharField()
    detail = serializers.CharField()


class InventoryWriteResultSerializer(serializers.Serializer):
    applied = serializers.IntegerField()
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    errors = ItemErrorSerializer(many=True)


class SyncStartSerializer(serializers.Serializer):
    file = serializers.FileField()
    provider = serializers.ChoiceField(choices=SyncProvider.choices)
    mode = serializers.ChoiceField(choices=SyncMode.choices, default=SyncMode.FULL)


class SyncStartedSerializer(serializers.Serializer):
    id = serializers.IntegerField()


class SyncRunSerializer(serializers.ModelSerializer):
    counts = serializers.DictField(child=serializers.IntegerField(), read_only=True)
    duration_seconds = serializers.FloatField(read_only=True, allow_null=True)
    progress_pct = serializers.IntegerField(read_only=True)

    class Meta:
        model = InventorySyncRun
        fields = [
            "id",
            "status",
            "provider",
            "mode",
            "source",
            "original_filename",
            "counts",
            "rows_processed",
            "progress_pct",
            "error_count",
            "errors",
            "unmatched_count",
            "unmatched",
            "failure_message",
            "created_at",
            "started_at",
            "finished_at",
            "duration_seconds",
        ]
        read_only_fields = fields


class SyncRunSummarySerializer(SyncRunSerializer):
    class Meta(SyncRunSerializer.Meta):
        fields = [name for name in SyncRunSerializer.Meta.fields if name not in ("errors", "unmatched")]
        read_only_fields = fields


class InventoryPageSerializer(serializers.Serializer):
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = InventoryItemSerializer(many=True)


class SyncRunPageSerializer(serializers.Serializer):
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = SyncRunSummarySerializer(many=True)
