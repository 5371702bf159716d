"""Writes for signals: publish, edit, close, follow and act, follow creators, moderate.

Every rule a person can break answers with a DomainError the API and pages turn into the
right status: not allowed (403, with the reason), bad input (400, per field), a state that
does not allow it (409). The one status move (active → evaluated) is made in
`signals.evaluation`, for the daily job and for closing early alike.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from decimal import Decimal, InvalidOperation

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from cards.models import CardPrice
from cards.selectors import tradable_cards
from core.errors import DomainError, InvalidTransition, NotAllowed

from .enums import SignalAction, SignalEventKind, SignalStatus, SignalVisibility, visibility_rank
from .models import CreatorFollow, Recommendation, SignalEvent, SignalFollower
from .selectors import access_signal
from .visibility import VisibilityUnlocks, can_create_public_signal, can_create_signal

RATIONALE_MIN = 20
RATIONALE_MAX = 5000
TARGET_DAYS_MIN = 1
TARGET_DAYS_MAX = 180
PRICE_MAX = Decimal("9999999999.99")
MARKET_CURRENCY = "USD"
EDITABLE_FIELDS = ("target_price", "target_date", "rationale", "visibility")


class SignalInvalid(DomainError):
    """One or more fields are wrong; `errors` maps each field to its messages (API: 400)."""

    status_code = 400
    code = "invalid"

    def __init__(self, errors: dict[str, list[str]]):
        first = next(iter(errors))
        super().__init__(errors[first][0], field=first)
        self.errors = errors


def _today(now: datetime) -> date:
    return now.astimezone(UTC).date()


def target_datetime(day: date) -> datetime:
    """A target date is the start of that day (UTC): the signal is evaluated once that day arrives."""
    return datetime.combine(day, time.min, tzinfo=UTC)


def _parse_price(value, errors: dict, field: str) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        price = Decimal(str(value))
    except (InvalidOperation, ValueError):
        errors.setdefault(field, []).append("Enter a price such as 12.50.")
        return None
    if not price.is_finite() or price <= 0 or price > PRICE_MAX or price.as_tuple().exponent < -2:
        errors.setdefault(field, []).append("Enter a positive price with at most two decimals.")
        return None
    return price


def _parse_date(value, errors: dict, *, now: datetime) -> date | None:
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value.strip())
        except ValueError:
            errors["target_date"] = ["Enter a date as YYYY-MM-DD."]
            return None
    if not isinstance(value, date):
        errors["target_date"] = ["Enter a target date."]
        return None
    ahead = (value - _today(now)).days
    if ahead < TARGET_DAYS_MIN or ahead > TARGET_DAYS_MAX:
        errors["target_date"] = [f"Pick a date {TARGET_DAYS_MIN} to {TARGET_DAYS_MAX} days from today."]
        return None
    return value


def _clean_rationale(value, errors: dict) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if len(text) < RATIONALE_MIN or len(text) > RATIONALE_MAX:
        errors["rationale"] = [
            f"Explain your call in {RATIONALE_MIN} to {RATIONALE_MAX:,} characters ({len(text):,} now)."
        ]
    return text


def _check_target(*, action: str, entry_price: Decimal | None, price: Decimal | None, errors: dict) -> None:
    if "target_price" in errors or entry_price is None:
        return
    if action == SignalAction.BUY and (price is None or price <= entry_price):
        errors["target_price"] = [f"A BUY target must be above the entry price (${entry_price})."]
    elif action == SignalAction.SELL and (price is None or price >= entry_price):
        errors["target_price"] = [f"A SELL target must be below the entry price (${entry_price})."]


def _check_visibility(*, user, visibility: str, errors: dict) -> None:
    if visibility not in SignalVisibility.values:
        errors["visibility"] = [f"Choose one of {', '.join(SignalVisibility.values)}."]
        return
    if visibility == SignalVisibility.PUBLIC:
        decision = can_create_public_signal(user)
        if not decision:
            errors["visibility"] = [decision.reason]


def _market_price(*, card_id: int, finish: str) -> Decimal | None:
    price = (
        CardPrice.objects.filter(card_id=card_id, finish=finish, currency=MARKET_CURRENCY)
        .values_list("price", flat=True)
        .first()
    )
    return price if price is not None and price > 0 else None


def _event(signal: Recommendation, kind: str, actor=None, **data) -> None:
    SignalEvent.objects.create(signal=signal, kind=kind, actor=actor, data=data)


def _notify_published_on_commit(signal: Recommendation) -> None:
    from .tasks import notify_signal_published

    transaction.on_commit(lambda: notify_signal_published.delay(signal.pk))


@transaction.atomic
def signal_create(
    *,
    creator,
    card_id,
    action: str,
    target_price,
    target_date,
    rationale: str,
    visibility: str,
    finish: str = "nonfoil",
    now: datetime | None = None,
) -> Recommendation:
    """Publish a signal at today's market price for that card and finish (frozen from here on)."""
    now = now or timezone.now()
    decision = can_create_signal(creator)
    if not decision:
        raise NotAllowed(decision.reason, code="not_eligible")
    errors: dict[str, list[str]] = {}
    card = tradable_cards().filter(pk=card_id).first() if str(card_id).isdigit() else None
    if card is None:
        errors["card"] = ["Choose a card (a tradable printing)."]
    action = (action or "").upper()
    if action not in SignalAction.values:
        errors["action"] = [f"Choose one of {', '.join(SignalAction.values)}."]
    entry = None
    if card is not None:
        if finish not in card.finishes:
            errors["finish"] = [f"This printing comes in {', '.join(card.finishes) or 'no finish'}, not {finish}."]
        else:
            entry = _market_price(card_id=card.pk, finish=finish)
            if entry is None:
                errors["card"] = [f"{card.name} has no {finish} market price yet, so there is no entry price."]
    _check_visibility(user=creator, visibility=visibility, errors=errors)
    price = _parse_price(target_price, errors, "target_price")
    _check_target(action=action, entry_price=entry, price=price, errors=errors)
    day = _parse_date(target_date, errors, now=now)
    text = _clean_rationale(rationale, errors)
    if errors:
        raise SignalInvalid(errors)
    # One creator's publishes run one at a time, so the limit holds under concurrent requests.
    get_user_model().objects.select_for_update().filter(pk=creator.pk).first()
    active = Recommendation.objects.filter(created_by=creator, status=SignalStatus.ACTIVE).count()
    if active >= VisibilityUnlocks.MAX_ACTIVE_SIGNALS:
        raise InvalidTransition(
            f"You have {active} active signals; the limit is {VisibilityUnlocks.MAX_ACTIVE_SIGNALS}. "
            "Close one or wait for one to be evaluated.",
            code="limit_reached",
        )
    target_at = target_datetime(day)
    signal = Recommendation.objects.create(
        card=card,
        finish=finish,
        action=action,
        entry_price=entry,
        currency=MARKET_CURRENCY,
        target_price=price,
        target_date=target_at,
        created_by=creator,
        is_user_generated=True,
        visibility=visibility,
        is_public=visibility == SignalVisibility.PUBLIC,
        user_rationale=text,
        user_target_price=price,
        user_target_date=target_at,
    )
    _event(signal, SignalEventKind.CREATED, creator, visibility=visibility, entry_price=str(entry))
    if visibility != SignalVisibility.PRIVATE:
        _notify_published_on_commit(signal)
    return signal


def _lock_own_signal(*, signal_id: int, actor) -> Recommendation:
    signal = access_signal(user=actor, pk=signal_id)  # 404 for what the actor may not see
    if signal.created_by_id != actor.pk:
        raise NotAllowed("Only the signal's creator can change it.")
    return Recommendation.objects.select_for_update().get(pk=signal.pk)


@transaction.atomic
def signal_update(*, signal_id: int, actor, changes: dict, now: datetime | None = None) -> Recommendation:
    """Edit within 15 minutes of publishing; afterwards only a wider visibility is accepted.

    A field sent with its current value is not a change, so re-sending the whole signal
    after the window with only a wider visibility still succeeds.
    """
    now = now or timezone.now()
    signal = _lock_own_signal(signal_id=signal_id, actor=actor)
    if signal.status != SignalStatus.ACTIVE:
        raise InvalidTransition("This signal has been evaluated and can no longer change.", code="not_active")
    if signal.is_hidden:
        raise InvalidTransition("Staff hid this signal; it can no longer change.", code="hidden")
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown and now > signal.editable_until:
        raise InvalidTransition(
            "The 15-minute edit window has closed: only a wider visibility can still be chosen.", code="frozen"
        )
    if unknown:
        raise SignalInvalid({field: ["This field cannot be changed."] for field in sorted(unknown)})
    errors: dict[str, list[str]] = {}
    changed: set[str] = set()
    price, day, text = signal.target_price, signal.target_date.date(), signal.user_rationale or ""
    if "target_price" in changes:
        parsed = _parse_price(changes["target_price"], errors, "target_price")
        if "target_price" in errors or parsed != price:
            changed.add("target_price")
            price = parsed
    if "target_date" in changes:
        raw = changes["target_date"]
        same = raw == day or (isinstance(raw, str) and raw.strip() == day.isoformat())
        if not same:
            changed.add("target_date")
            day = _parse_date(raw, errors, now=now)
    if "rationale" in changes:
        cleaned = changes["rationale"].strip() if isinstance(changes["rationale"], str) else None
        if cleaned != text:
            changed.add("rationale")
            text = _clean_rationale(changes["rationale"], errors)
    visibility = changes.get("visibility", signal.visibility)
    if visibility != signal.visibility:
        changed.add("visibility")
    if now > signal.editable_until:
        narrower = visibility in SignalVisibility.values and visibility_rank(visibility) < visibility_rank(
            signal.visibility
        )
        if changed - {"visibility"} or narrower:
            raise InvalidTransition(
                "The 15-minute edit window has closed: only a wider visibility can still be chosen.",
                code="frozen",
            )
    if "visibility" in changed:
        _check_visibility(user=actor, visibility=visibility, errors=errors)
    if "target_price" in changed and signal.action != SignalAction.HOLD:
        _check_target(action=signal.action, entry_price=signal.entry_price, price=price, errors=errors)
    if errors:
        raise SignalInvalid(errors)
    if not changed:
        return signal
    was_private = signal.visibility == SignalVisibility.PRIVATE
    signal.target_price = signal.user_target_price = price
    signal.target_date = signal.user_target_date = target_datetime(day)
    signal.user_rationale = text
    signal.visibility = visibility
    signal.is_public = visibility == SignalVisibility.PUBLIC
    signal.save(
        update_fields=[
            "target_price",
            "user_target_price",
            "target_date",
            "user_target_date",
            "user_rationale",
            "visibility",
            "is_public",
            "updated_at",
        ]
    )
    _event(signal, SignalEventKind.EDITED, actor, fields=sorted(changed))
    if was_private and visibility != SignalVisibility.PRIVATE:
        _notify_published_on_commit(signal)
    return signal


def signal_close(*, signal_id: int, actor, now: datetime | None = None) -> Recommendation:
    """The creator ends the signal now; it is evaluated at this moment (`closed_early`)."""
    from .evaluation import signals_evaluate, stats_refresh

    now = now or timezone.now()
    with transaction.atomic():
        signal = _lock_own_signal(signal_id=signal_id, actor=actor)
        if signal.status != SignalStatus.ACTIVE:
            raise InvalidTransition("This signal has already been evaluated.", code="not_active")
        result = signals_evaluate(signal_ids=[signal.pk], now=now, actor=actor)
    stats_refresh(author_ids=result.authors, follower_ids=result.followers)
    signal.refresh_from_db()
    return signal


def _lock_for_follow(signal_id: int) -> Recommendation:
    return Recommendation.objects.select_for_update(no_key=True).get(pk=signal_id)


def _acted_price(signal: Recommendation) -> Decimal:
    return _market_price(card_id=signal.card_id, finish=signal.finish) or signal.entry_price


@transaction.atomic
def signal_follow(*, signal_id: int, user, acted_on: bool | None = None) -> tuple[SignalFollower, bool]:
    """Follow a visible signal (again); `acted_on` records or clears "I acted on this" while it is active.

    The follower count moves with F() only when a follow really starts (an insert or a
    re-follow claimed with a conditional UPDATE), so it always equals the number of follows.
    """
    signal = access_signal(user=user, pk=signal_id)
    if signal.created_by_id == user.pk:
        raise NotAllowed("You cannot follow your own signal.")
    # Every follow change locks the signal row first, the evaluation job's order (signal, then
    # follower rows), so they never deadlock and "acted" never lands after evaluation. NO KEY
    # UPDATE still lets follower rows referencing the signal be inserted meanwhile.
    signal = _lock_for_follow(signal.pk)
    if acted_on is not None and signal.status != SignalStatus.ACTIVE:
        raise InvalidTransition("This signal has been evaluated; it is too late to act on it.", code="not_active")
    created = False
    follow = SignalFollower.objects.filter(recommendation_id=signal.pk, user_id=user.pk).first()
    if follow is None:
        try:
            with transaction.atomic():
                follow = SignalFollower.objects.create(recommendation_id=signal.pk, user_id=user.pk)
            created = True
        except IntegrityError:  # a concurrent request inserted it first
            follow = SignalFollower.objects.get(recommendation_id=signal.pk, user_id=user.pk)
    started = created
    if not created:
        started = (
            SignalFollower.objects.filter(pk=follow.pk, unfollowed_at__isnull=False).update(unfollowed_at=None) == 1
        )
    if started:
        Recommendation.objects.filter(pk=signal.pk).update(follower_count=F("follower_count") + 1)
    if acted_on is not None:
        follow = SignalFollower.objects.select_for_update().get(pk=follow.pk)
        if acted_on and not follow.acted_on:
            follow.acted_on, follow.acted_at, follow.acted_price = True, timezone.now(), _acted_price(signal)
        elif not acted_on and follow.acted_on:
            follow.acted_on, follow.acted_at, follow.acted_price = False, None, None
        follow.save(update_fields=["acted_on", "acted_at", "acted_price"])
    follow.refresh_from_db()
    return follow, created


@transaction.atomic
def signal_unfollow(*, signal_id: int, user) -> bool:
    """Stop following; what the user acted on stays in their record. Returns whether a follow ended."""
    signal = _lock_for_follow(access_signal(user=user, pk=signal_id).pk)
    ended = (
        SignalFollower.objects.filter(recommendation_id=signal.pk, user_id=user.pk, unfollowed_at__isnull=True).update(
            unfollowed_at=timezone.now()
        )
        == 1
    )
    if ended:
        Recommendation.objects.filter(pk=signal.pk).update(follower_count=F("follower_count") - 1)
    return ended


def _active_creator(username: str):
    from django.http import Http404

    if not isinstance(username, str) or "\x00" in username or len(username) > 150:
        raise Http404("No such trader.")  # PostgreSQL text cannot hold NUL; no username is longer
    creator = get_user_model().objects.filter(username=username, is_active=True).first()
    if creator is None:
        raise Http404("No such trader.")
    return creator


@transaction.atomic
def creator_follow(*, follower, username: str) -> tuple[CreatorFollow, bool]:
    creator = _active_creator(username)
    if creator.pk == follower.pk:
        raise NotAllowed("You cannot follow yourself.")
    try:
        with transaction.atomic():
            return CreatorFollow.objects.get_or_create(follower=follower, creator=creator)
    except IntegrityError:
        return CreatorFollow.objects.get(follower=follower, creator=creator), False


@transaction.atomic
def creator_unfollow(*, follower, username: str) -> bool:
    creator = _active_creator(username)
    deleted, _ = CreatorFollow.objects.filter(follower=follower, creator=creator).delete()
    return deleted > 0


@transaction.atomic
def signal_hide(*, signal_id: int, actor, reason: str) -> Recommendation:
    """Staff moderation: the signal vanishes for everyone but its creator and staff; its record stays."""
    if not actor.is_staff:
        raise NotAllowed("Only staff can hide signals.")
    reason = (reason or "").strip()
    if not reason:
        raise SignalInvalid({"reason": ["Say why the signal is hidden."]})
    signal = Recommendation.objects.select_for_update().get(pk=signal_id)
    if signal.is_hidden:
        return signal
    signal.is_hidden, signal.hidden_reason, signal.hidden_at = True, reason[:2000], timezone.now()
    signal.save(update_fields=["is_hidden", "hidden_reason", "hidden_at", "updated_at"])
    _event(signal, SignalEventKind.HIDDEN, actor, reason=signal.hidden_reason)
    _leaderboard_on_commit()
    return signal


@transaction.atomic
def signal_unhide(*, signal_id: int, actor) -> Recommendation:
    if not actor.is_staff:
        raise NotAllowed("Only staff can show hidden signals.")
    signal = Recommendation.objects.select_for_update().get(pk=signal_id)
    if not signal.is_hidden:
        return signal
    signal.is_hidden, signal.hidden_at = False, None
    signal.save(update_fields=["is_hidden", "hidden_at", "updated_at"])
    _event(signal, SignalEventKind.UNHIDDEN, actor)
    _leaderboard_on_commit()
    return signal


def _leaderboard_on_commit() -> None:
    from .tasks import recompute_leaderboard

    transaction.on_commit(lambda: recompute_leaderboard.delay())


__all__ = [
    "SignalInvalid",
    "creator_follow",
    "creator_unfollow",
    "signal_close",
    "signal_create",
    "signal_follow",
    "signal_hide",
    "signal_unfollow",
    "signal_unhide",
    "signal_update",
    "target_datetime",
]
