"""API shapes for matches, proposals, trades, reviews and messages. Input serializers parse; services decide."""

from django.conf import settings
from django.db.models import QuerySet
from django.utils.module_loading import import_string
from rest_framework import serializers

from core.api import StrictJSONTypes
from trades.models import Message, ProposalItem, Trade, TradeItem, TradeProposal, TradeReview


class ProposalItemSerializer(serializers.ModelSerializer):
    card_name = serializers.CharField(source="card.name", read_only=True)

    class Meta:
        model = ProposalItem
        fields = ["side", "card", "card_name", "quantity", "condition", "finish", "language", "unit_value"]
        read_only_fields = fields

    def to_representation(self, item):
        """The fields above read straight from the row (a page of 50 proposals renders 200 items):
        the same values as ModelSerializer's generic loop (asserted in trades/tests/test_api.py)."""
        return {
            "side": item.side,
            "card": item.card_id,
            "card_name": item.card.name,
            "quantity": item.quantity,
            "condition": item.condition,
            "finish": item.finish,
            "language": item.language,
            "unit_value": self.fields["unit_value"].to_representation(item.unit_value),
        }


class ProposalSerializer(serializers.ModelSerializer):
    proposer = serializers.CharField(source="proposer.username", read_only=True)
    recipient = serializers.CharField(source="recipient.username", read_only=True)
    items = ProposalItemSerializer(many=True, read_only=True)

    def to_representation(self, proposal):
        """Like ModelSerializer's, without its per-field attribute machinery (asserted equal in tests)."""
        fields = self.fields
        items = fields["items"].child

        def when(name):
            value = getattr(proposal, name)
            return None if value is None else fields[name].to_representation(value)

        return {
            "id": proposal.pk,
            "proposer": proposal.proposer.username,
            "recipient": proposal.recipient.username,
            "status": proposal.status,
            "message": proposal.message,
            "cash_from_proposer": fields["cash_from_proposer"].to_representation(proposal.cash_from_proposer),
            "cash_from_recipient": fields["cash_from_recipient"].to_representation(proposal.cash_from_recipient),
            "currency": proposal.currency,
            "proposer_value": fields["proposer_value"].to_representation(proposal.proposer_value),
            "recipient_value": fields["recipient_value"].to_representation(proposal.recipient_value),
            "items": [items.to_representation(item) for item in proposal.items.all()],
            "countered_from": proposal.countered_from_id,
            "thread": proposal.thread_id,
            "expires_at": when("expires_at"),
            "viewed_at": when("viewed_at"),
            "responded_at": when("responded_at"),
            "decline_reason": proposal.decline_reason,
            "created_at": when("created_at"),
        }

    class Meta:
        model = TradeProposal
        fields = [
            "id",
            "proposer",
            "recipient",
            "status",
            "message",
            "cash_from_proposer",
            "cash_from_recipient",
            "currency",
            "proposer_value",
            "recipient_value",
            "items",
            "countered_from",
            "thread",
            "expires_at",
            "viewed_at",
            "responded_at",
            "decline_reason",
            "created_at",
        ]
        read_only_fields = fields


class PickSerializer(StrictJSONTypes, serializers.Serializer):
    have_item = serializers.IntegerField(min_value=1, help_text="Id of a HaveItem")
    quantity = serializers.IntegerField(min_value=1, max_value=9999)


class ProposalTermsSerializer(StrictJSONTypes, serializers.Serializer):
    """Terms from the sender's point of view: `offer` = my have items, `request` = theirs."""

    offer = PickSerializer(many=True, required=False, default=list)
    request = PickSerializer(many=True, required=False, default=list)
    cash_from_proposer = serializers.DecimalField(max_digits=12, decimal_places=2, required=False, default=0)
    cash_from_recipient = serializers.DecimalField(max_digits=12, decimal_places=2, required=False, default=0)
    message = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")

    def terms(self) -> dict:
        data = self.validated_data

        def picks(rows):
            chosen: dict[int, int] = {}
            for row in rows:
                chosen[row["have_item"]] = chosen.get(row["have_item"], 0) + row["quantity"]
            return chosen

        return {
            "offer": picks(data["offer"]),
            "request": picks(data["request"]),
            "cash_from_proposer": data["cash_from_proposer"],
            "cash_from_recipient": data["cash_from_recipient"],
            "message": data["message"],
        }


class ProposalCreateSerializer(ProposalTermsSerializer):
    recipient = serializers.CharField(help_text="Username of the trader you propose to")


class DeclineSerializer(StrictJSONTypes, serializers.Serializer):
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class TradeItemSerializer(serializers.ModelSerializer):
    giver = serializers.CharField(source="giver.username", read_only=True)
    card_name = serializers.CharField(source="card.name", read_only=True)

    class Meta:
        model = TradeItem
        fields = ["giver", "card", "card_name", "quantity", "condition", "finish", "language", "unit_value"]
        read_only_fields = fields


class TradeReviewSerializer(serializers.ModelSerializer):
    reviewer = serializers.CharField(source="reviewer.username", read_only=True)
    reviewee = serializers.CharField(source="reviewee.username", read_only=True)

    class Meta:
        model = TradeReview
        fields = [
            "id",
            "trade",
            "reviewer",
            "reviewee",
            "overall",
            "communication",
            "packaging",
            "accuracy",
            "speed",
            "comment",
            "created_at",
        ]
        read_only_fields = fields


class TradeSerializer(serializers.ModelSerializer):
    party_a = serializers.CharField(source="party_a.username", read_only=True)
    party_b = serializers.CharField(source="party_b.username", read_only=True)
    items = TradeItemSerializer(many=True, read_only=True)
    escrow = serializers.SerializerMethodField(help_text="Id of the trade's live escrow, or null.")

    class Meta:
        model = Trade
        fields = [
            "id",
            "proposal",
            "thread",
            "party_a",
            "party_b",
            "status",
            "cash_a_to_b",
            "cash_b_to_a",
            "currency",
            "value_a_gives",
            "value_b_gives",
            "total_value",
            "a_confirmed_at",
            "b_confirmed_at",
            "completed_at",
            "a_requested_cancel_at",
            "b_requested_cancel_at",
            "cancel_reason",
            "cancelled_at",
            "items",
            "escrow",
            "created_at",
        ]
        read_only_fields = fields

    def get_escrow(self, trade) -> int | None:
        """Filled by the app registered in settings.TRADE_API_FIELDS["escrow"], a page at a time."""
        path = settings.TRADE_API_FIELDS.get("escrow")
        if not path:
            return None
        cache = self.context.setdefault("escrow_by_trade", {})
        if trade.pk not in cache:
            page = self.root.instance if isinstance(self.root.instance, list | tuple | QuerySet) else [trade]
            cache.update(import_string(path)(trade_ids=[item.pk for item in page]))
        return cache.get(trade.pk)


class ReviewCreateSerializer(StrictJSONTypes, serializers.Serializer):
    overall = serializers.IntegerField(min_value=1, max_value=5)
    communication = serializers.IntegerField(min_value=1, max_value=5)
    packaging = serializers.IntegerField(min_value=1, max_value=5)
    accuracy = serializers.IntegerField(min_value=1, max_value=5)
    speed = serializers.IntegerField(min_value=1, max_value=5)
    comment = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class TradeCancelSerializer(StrictJSONTypes, serializers.Serializer):
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class MessageSerializer(StrictJSONTypes, serializers.ModelSerializer):
    sender = serializers.CharField(
        source="sender.username", read_only=True, allow_null=True, default=None, help_text="null for system messages"
    )

    class Meta:
        model = Message
        fields = ["id", "thread", "sender", "body", "is_system", "created_at"]
        read_only_fields = ["id", "thread", "sender", "is_system", "created_at"]


class MatchLineSerializer(serializers.Serializer):
    have_id = serializers.IntegerField(source="have.pk")
    want_id = serializers.IntegerField(source="want.pk")
    card = serializers.IntegerField(source="have.card_id")
    card_name = serializers.CharField(source="have.card.name")
    quantity = serializers.IntegerField()
    condition = serializers.CharField(source="have.condition")
    finish = serializers.CharField(source="have.finish")
    language = serializers.CharField(source="have.language")
    unit_price = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True)
    value = serializers.DecimalField(max_digits=12, decimal_places=2)


class MatchReasonSerializer(serializers.Serializer):
    code = serializers.CharField()
    count = serializers.IntegerField(required=False)
    value = serializers.DecimalField(max_digits=12, decimal_places=2, required=False)
    km = serializers.FloatField(required=False)
    tier = serializers.CharField(required=False)
    percent = serializers.IntegerField(required=False)


class MatchSerializer(serializers.Serializer):
    username = serializers.CharField(source="trader.username")
    tier = serializers.CharField()
    score = serializers.FloatField()
    distance_km = serializers.FloatField()
    balance = serializers.FloatField()
    currency = serializers.CharField()
    get_value = serializers.DecimalField(max_digits=12, decimal_places=2)
    give_value = serializers.DecimalField(max_digits=12, decimal_places=2)
    reasons = MatchReasonSerializer(many=True)
    they_give = MatchLineSerializer(many=True)
    i_give = MatchLineSerializer(many=True)
    offer_ids = serializers.ListField(child=serializers.IntegerField())
    request_ids = serializers.ListField(child=serializers.IntegerField())
    offer = PickSerializer(many=True, help_text="My have items and the matched quantities: POST them as `offer`.")
    request = PickSerializer(many=True, help_text="Their have items and the matched quantities: POST as `request`.")

    def to_representation(self, match):
        """The declared fields, built directly rather than field by field (a page of 50 matches
        is thousands of nested field calls otherwise). The declared fields stay the schema, and
        a test holds this equal to the generic representation."""
        return {
            "username": match.trader.username,
            "tier": match.tier,
            "score": float(match.score),
            "distance_km": float(match.distance_km),
            "balance": float(match.balance),
            "currency": match.currency,
            "get_value": _money(match.get_value),
            "give_value": _money(match.give_value),
            "reasons": [_reason(reason) for reason in match.reasons],
            "they_give": [_line(line) for line in match.they_give],
            "i_give": [_line(line) for line in match.i_give],
            "offer_ids": match.offer_ids,
            "request_ids": match.request_ids,
            "offer": match.offer,
            "request": match.request,
        }


def _money(value):
    """A DecimalField(decimal_places=2)'s output: rounded half-even to cents, as a string."""
    return None if value is None else f"{value:.2f}"


def _reason(reason: dict) -> dict:
    shown = {"code": reason["code"]}
    for key, convert in (("count", int), ("value", _money), ("km", float), ("tier", str), ("percent", int)):
        if key in reason:
            shown[key] = convert(reason[key])
    return shown


def _line(line) -> dict:
    have = line.have
    return {
        "have_id": have.pk,
        "want_id": line.want.pk,
        "card": have.card_id,
        "card_name": have.card.name,
        "quantity": line.quantity,
        "condition": have.condition,
        "finish": have.finish,
        "language": have.language,
        "unit_price": _money(line.unit_price),
        "value": _money(line.value),
    }
