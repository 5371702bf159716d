"""Copies promised in agreed trades: reserve on accept, release on cancel, move on completion.

`trades` calls these inside its own transaction, after it has locked the proposal and the
trade, so the lock order is always: proposal, trade, have rows (by id), want rows (by id),
reputations. List edits lock only the have rows they change (by id), so an accept and an edit
of the same row serialise on that row: whichever commits first wins, the other sees the new
quantity and is refused. Nothing here knows what a trade is: callers pass the printings and
quantities that move (`HaveMove`), and `lists` never imports `trades`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import reduce
from operator import or_

from django.db.models import Q

from core.errors import Conflict
from lists.enums import CONDITION_ORDER, ListKind
from lists.models import HaveItem, WantItem
from lists.selectors import lists_visible_to, want_accepts, wants_filled_by

from .changes import list_changed_on_commit


class NotAvailable(Conflict):
    """More copies asked for than are left once agreed trades are counted (409)."""

    code = "not_available"


class ReservedCopies(Conflict):
    """A list change would break a promise made in an agreed trade (409)."""

    code = "reserved"


@dataclass(frozen=True)
class HaveMove:
    """`quantity` copies of one printing from `owner_id`'s have list."""

    owner_id: int
    card_id: int
    condition: str
    finish: str
    language: str
    quantity: int

    @property
    def key(self) -> tuple:
        return (self.owner_id, self.card_id, self.condition, self.finish, self.language)


@dataclass(frozen=True)
class ListMove:
    """What one call changed on one list row, for the caller's audit trail."""

    kind: str  # "have" or "want"
    owner_id: int
    item_id: int
    card_id: int
    quantity: int
    before: int
    after: int

    @property
    def removed(self) -> bool:
        return self.after == 0


def _key(item) -> tuple:
    return (item.owner_id, item.card_id, item.condition, item.finish, item.language)


def _locked_haves(moves: list[HaveMove]) -> dict[tuple, HaveItem]:
    """The have rows these moves name, locked in id order (one query)."""
    if not moves:
        return {}
    keys = {move.key for move in moves}
    match = reduce(
        or_,
        (
            Q(owner_id=owner_id, card_id=card_id, condition=condition, finish=finish, language=language)
            for owner_id, card_id, condition, finish, language in keys
        ),
    )
    rows = HaveItem.objects.select_for_update(of=("self",)).select_related("card", "owner").filter(match).order_by("pk")
    return {_key(row): row for row in rows}


def _merged(moves) -> list[HaveMove]:
    """One move per printing (a proposal may name the same printing twice)."""
    totals: dict[tuple, int] = {}
    for move in moves:
        totals[move.key] = totals.get(move.key, 0) + move.quantity
    return [HaveMove(*key, quantity=quantity) for key, quantity in totals.items()]


def haves_reserve(*, moves: list[HaveMove], viewer=None) -> None:
    """Promise these copies, or refuse (NotAvailable, nothing written) if any is not available.

    The refusal says how many are left only to whoever may see the list (`viewer`: the owner,
    or anyone if the have list is public); a private list's counts stay private. Must run
    inside the caller's transaction: the reservation commits or rolls back with the trade that
    makes it.
    """
    moves = _merged(moves)
    rows = _locked_haves(moves)
    visible = lists_visible_to(viewer=viewer, owner_ids={move.owner_id for move in moves}) if moves else {}
    for move in moves:
        row = rows.get(move.key)
        if row is None:
            raise NotAvailable("One of the cards is no longer on the have list. Counter or decline instead.")
        if row.available < move.quantity:
            if ListKind.HAVE not in visible[move.owner_id]:
                raise NotAvailable(
                    f"{move.quantity} × {row.card.name} is no longer available on {row.owner.username}'s "
                    "have list. Counter or decline instead."
                )
            promised = f" ({row.reserved} promised in other agreed trades)" if row.reserved else ""
            raise NotAvailable(
                f"{move.quantity} × {row.card.name} is no longer on {row.owner.username}'s have list: "
                f"only {row.available} left{promised}. Counter or decline instead."
            )
    for move in moves:
        row = rows[move.key]
        row.reserved += move.quantity
        row.save(update_fields=["reserved", "updated_at"])


def haves_release(*, moves: list[HaveMove]) -> None:
    """Give back promised copies (the trade was cancelled). Rows gone meanwhile are skipped."""
    moves = _merged(moves)
    rows = _locked_haves(moves)
    for move in moves:
        row = rows.get(move.key)
        if row is None or row.reserved == 0:
            continue
        row.reserved -= min(row.reserved, move.quantity)
        row.save(update_fields=["reserved", "updated_at"])


def haves_give(*, moves: list[HaveMove]) -> list[ListMove]:
    """The copies left their owner: quantity and reserved drop together; a row at 0 is removed.

    Tolerates rows that hold less than the move (a trade agreed before reservations existed):
    it takes what is there.
    """
    moves = _merged(moves)
    rows = _locked_haves(moves)
    done = []
    for move in moves:
        row = rows.get(move.key)
        if row is None:
            continue
        taken = min(row.quantity, move.quantity)
        before, item_id = row.quantity, row.pk
        row.quantity -= taken
        row.reserved = max(0, row.reserved - move.quantity)
        row.reserved = min(row.reserved, row.quantity)
        if row.quantity == 0:
            row.delete()
        else:
            row.save(update_fields=["quantity", "reserved", "updated_at"])
        list_changed_on_commit(owner_id=row.owner_id, kind=ListKind.HAVE)
        done.append(ListMove("have", row.owner_id, item_id, row.card_id, taken, before, before - taken))
    return done


def wants_receive(*, owner_id: int, moves: list[HaveMove]) -> list[ListMove]:
    """Received copies fill the owner's wants that accept them; rows reaching 0 are removed.

    Which wants a copy fills is decided by `lists.selectors.wants_filled_by` and
    `want_accepts` (same card, finish and language, a condition the want accepts), so a new
    kind of want extends those two and nothing here. A copy fills the strictest accepting
    want first: a looser want is easier to fill later.
    """
    if not moves:
        return []
    wants = list(wants_filled_by(owner_id=owner_id, printings=moves).select_for_update())
    left = {want.pk: want.quantity for want in wants}
    done = []
    for move in moves:
        remaining = move.quantity
        for want in sorted(
            (want for want in wants if left[want.pk] > 0 and want_accepts(want, move)),
            key=lambda want: (want_strictness(want), want.pk),
        ):
            if remaining == 0:
                break
            taken = min(left[want.pk], remaining)
            done.append(ListMove("want", owner_id, want.pk, want.card_id, taken, left[want.pk], left[want.pk] - taken))
            left[want.pk] -= taken
            remaining -= taken
    for want in wants:
        if left[want.pk] == want.quantity:
            continue
        list_changed_on_commit(owner_id=owner_id, kind=ListKind.WANT)
        if left[want.pk] == 0:
            WantItem.objects.filter(pk=want.pk).delete()
        else:
            want.quantity = left[want.pk]
            want.save(update_fields=["quantity", "updated_at"])
    return done


def want_strictness(want: WantItem) -> int:
    """Lower is stricter: a want for NM only comes before a want that accepts MP."""
    return CONDITION_ORDER.index(want.condition)


def check_not_below_reserved(*, item: HaveItem, quantity: int | None = None, printing_changed: bool = False) -> None:
    """Refuse a change to a locked have row that would break what agreed trades promised."""
    if not item.reserved:
        return
    if printing_changed:
        raise ReservedCopies(
            f"{item.reserved} × {item.card.name} in this condition, finish and language "
            "are promised in agreed trades; change them after those trades complete or are cancelled.",
            field="condition",
        )
    if quantity is not None and quantity < item.reserved:
        raise ReservedCopies(
            f"{item.reserved} × {item.card.name} are promised in agreed trades; "
            f"the quantity cannot go below {item.reserved} until those trades complete or are cancelled.",
            field="quantity",
        )
