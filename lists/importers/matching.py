"""The matching rules of list imports, in one place (docs/imports.md says the same in prose).

A row that names a printing — a Scryfall id, or a set and a collector number — matches that
printing or nothing: when the catalog lacks it, the row is unmatched with the reason, never
matched to another printing. Only rows that name no printing fall back: name + set to the one
printing of that name in the set (several: unmatched, candidates listed), and the name alone
to an any-printing want (a have needs a printing: one printing of the name, or unmatched).

Sets resolve by the set name the row carries (case-insensitive, against the catalog's set
names), then by code through the format's alias table (lists.importers.set_aliases), then by
the code itself. Cards that are not `tradable` (digital-only, tokens, emblems, art cards…)
are never picked by a fallback, and a row that names one is unmatched with that reason.

Reads only; a handful of queries per chunk of rows: Scryfall ids and exact (set, number)
pairs are looked up as such, sets for the name fallback are fetched once per import.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.db import connection
from django.db.models import CharField, F, Func, Q, Value
from django.db.models.functions import Lower

from cards.enums import Finish
from cards.models import Card

from .csv_formats import ParsedRow
from .set_aliases import SET_ALIASES

CARD_COLUMNS = (
    "id",
    "name",
    "set_code",
    "collector_number",
    "lang",
    "finishes",
    "tradable",
    "layout",
    "digital_only",
    "released_at",
)
_COLUMNS_SQL = ", ".join(f'"{column}"' for column in CARD_COLUMNS)
CANDIDATES_SHOWN = 5
NOT_TRADABLE_LAYOUTS = {
    "token": "a token",
    "double_faced_token": "a token",
    "emblem": "an emblem",
    "art_series": "an art card",
    "planar": "a planar card",
    "scheme": "a scheme card",
    "vanguard": "a Vanguard card",
}


@dataclass(frozen=True)
class CardRef:
    id: int
    name: str
    set_code: str
    collector_number: str
    lang: str
    finishes: tuple[str, ...]
    tradable: bool
    layout: str
    digital_only: bool
    released_at: date | None

    @property
    def printing(self) -> str:
        return f"{self.set_code.upper()} {self.collector_number}"


def _ref(values) -> CardRef:
    card_id, name, set_code, number, lang, finishes, tradable, layout, digital_only, released_at = values
    if isinstance(finishes, str):  # a raw cursor hands jsonb over as text
        finishes = json.loads(finishes)
    return CardRef(
        card_id,
        name,
        set_code.lower(),
        number,
        lang,
        tuple(finishes or ()),
        tradable,
        layout,
        digital_only,
        released_at,
    )


@dataclass(frozen=True)
class Match:
    """What a row becomes: a card (matched) or a reason (unmatched, or an error in the row)."""

    card: CardRef | None
    reason: str = ""  # why unmatched / the error; on a matched row, a note (e.g. the finish taken)
    finish: str = ""
    any_printing: bool = False
    is_error: bool = False


def front_name(name: str) -> str:
    """Exports write double-faced cards as 'Front // Back' or just 'Front'; compare the front."""
    return name.lower().split(" // ")[0].strip()


def not_tradable_reason(card: CardRef) -> str:
    what = (
        "digital-only (Arena/MTGO)" if card.digital_only else NOT_TRADABLE_LAYOUTS.get(card.layout, "not a paper card")
    )
    return f"{card.name} ({card.printing}) is {what}, not a card to trade."


@dataclass
class Matcher:
    """Matches the rows of one import, chunk by chunk, keeping what it learnt about sets."""

    file_format: str
    for_wants: bool
    aliases: dict[str, str] = field(init=False)
    _set_names: dict[str, str] | None = field(default=None, init=False)
    _set_codes: set[str] = field(default_factory=set, init=False)
    _by_set: dict[str, dict[str, list[CardRef]]] = field(default_factory=dict, init=False)

    def __post_init__(self) -> None:
        self.aliases = SET_ALIASES.get(self.file_format, {})

    # Sets -------------------------------------------------------------------------------
    def _load_sets(self) -> None:
        if self._set_names is not None:
            return
        self._set_names = {}
        for code, name in Card.objects.values_list("set_code", "set_name").distinct():
            self._set_codes.add(code.lower())
            self._set_names.setdefault(name.strip().lower(), code.lower())

    def resolve_set(self, row: ParsedRow) -> str | None:
        """The catalog's set code for the row's set: by name, then alias, then the code itself."""
        self._load_sets()
        if row.set_name and (code := self._set_names.get(row.set_name.strip().lower())):
            return code
        if row.set_code:
            alias = self.aliases.get(row.set_code)
            if alias and alias in self._set_codes:
                return alias
            if row.set_code in self._set_codes:
                return row.set_code
        return None

    def _cards_of_sets(self, codes: set[str]) -> None:
        missing = codes - set(self._by_set)
        if not missing:
            return
        for code in missing:
            self._by_set[code] = defaultdict(list)
        for values in Card.objects.filter(set_code__in=missing).values_list(*CARD_COLUMNS):
            card = _ref(values)
            self._by_set[card.set_code][front_name(card.name)].append(card)

    # Lookups ----------------------------------------------------------------------------
    @staticmethod
    def _by_scryfall_id(ids: set[str]) -> dict[str, CardRef]:
        if not ids:
            return {}
        if connection.vendor == "postgresql":
            # A join on unnest, not `IN (…1,000 ids…)`, which the planner answers with a scan of the catalog.
            with connection.cursor() as cursor:
                cursor.execute(
                    f'SELECT "scryfall_id", {_COLUMNS_SQL} FROM "{Card._meta.db_table}" '  # noqa: S608 (names are ours)
                    'WHERE "scryfall_id" IN (SELECT unnest(%s::uuid[]))',
                    [sorted(ids)],
                )
                found = cursor.fetchall()
        else:
            found = Card.objects.filter(scryfall_id__in=ids).values_list("scryfall_id", *CARD_COLUMNS)
        return {str(values[0]): _ref(values[1:]) for values in found}

    @staticmethod
    def _by_printing(pairs: set[tuple[str, str]]) -> dict[tuple[str, str], list[CardRef]]:
        """Exact (set code, collector number) pairs: one index probe per pair."""
        found: dict[tuple[str, str], list[CardRef]] = defaultdict(list)
        if not pairs:
            return found
        codes, numbers = zip(*sorted(pairs), strict=True)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    f'SELECT {_COLUMNS_SQL} FROM "{Card._meta.db_table}" WHERE ("set_code", "collector_number") IN '  # noqa: S608
                    "(SELECT * FROM unnest(%s::varchar[], %s::varchar[]))",
                    [list(codes), list(numbers)],
                )
                rows = cursor.fetchall()
        else:
            condition = Q()
            for code, number in pairs:
                condition |= Q(set_code=code, collector_number=number)
            rows = Card.objects.filter(condition).values_list(*CARD_COLUMNS)
        for values in rows:
            card = _ref(values)
            found[(card.set_code, card.collector_number)].append(card)
        return found

    @staticmethod
    def _by_name(names: set[str]) -> dict[str, list[CardRef]]:
        found: dict[str, list[CardRef]] = defaultdict(list)
        if not names:
            return found
        if connection.vendor == "postgresql":
            key = Lower(Func(F("name"), Value(" // "), Value(1), function="split_part", output_field=CharField()))
        else:
            key = Lower("name")
        for values in Card.objects.annotate(front=key).filter(front__in=names).values_list(*CARD_COLUMNS):
            card = _ref(values)
            found[front_name(card.name)].append(card)
        return found

    # Rules ------------------------------------------------------------------------------
    def match(self, rows: list[ParsedRow]) -> list[Match]:
        by_id = self._by_scryfall_id({row.scryfall_id for row in rows if row.scryfall_id})
        numbered: dict[int, str | None] = {}
        set_only: dict[int, str | None] = {}
        for row in rows:
            if row.scryfall_id in by_id:
                continue
            if row.collector_number and (row.set_code or row.set_name):
                numbered[row.row] = self.resolve_set(row)
            elif row.set_code or row.set_name:
                set_only[row.row] = self.resolve_set(row)
        by_printing = self._by_printing(
            {(code, row.collector_number) for row in rows if (code := numbered.get(row.row))}
        )
        self._cards_of_sets({code for code in set_only.values() if code})
        by_name = self._by_name(
            {
                front_name(row.name)
                for row in rows
                if row.row not in numbered and row.row not in set_only and not row.scryfall_id
            }
        )
        results = []
        for row in rows:
            if row.scryfall_id and (card := by_id.get(row.scryfall_id)):
                results.append(self._accept(card, row))
            elif row.row in numbered:
                results.append(self._named_printing(row, numbered[row.row], by_printing))
            elif row.scryfall_id:
                results.append(Match(None, f"Printing {row.scryfall_id} (Scryfall id) is not in the catalog."))
            elif row.row in set_only:
                results.append(self._name_in_set(row, set_only[row.row]))
            else:
                results.append(self._name_only(row, by_name.get(front_name(row.name), [])))
        return results

    def _named_printing(self, row: ParsedRow, code: str | None, by_printing) -> Match:
        if code is None:
            label = row.set_code.upper() or row.set_name
            return Match(
                None, f"Printing {label} {row.collector_number} is not in the catalog (it has no set {label})."
            )
        cards = by_printing.get((code, row.collector_number))
        if not cards:
            return Match(None, f"Printing {code.upper()} {row.collector_number} is not in the catalog.")
        return self._accept(_prefer_language(cards, row.language), row)

    def _name_in_set(self, row: ParsedRow, code: str | None) -> Match:
        if code is None:
            label = row.set_name or row.set_code.upper()
            return Match(None, f"Set {label} is not in the catalog.")
        cards = self._by_set.get(code, {}).get(front_name(row.name), [])
        choices = _one_per_printing(card for card in cards if card.tradable)
        if len(choices) == 1:
            return self._accept(_prefer_language(_same_printing(cards, choices[0]), row.language), row)
        if choices:
            return Match(
                None,
                f"{len(choices)} printings of {row.name} in {code.upper()} "
                f"({_listed(choices, with_set=False)}); add the collector number.",
            )
        if cards:
            return Match(None, not_tradable_reason(cards[0]))
        return Match(None, f"No printing of {row.name} in {code.upper()} is in the catalog.")

    def _name_only(self, row: ParsedRow, cards: list[CardRef]) -> Match:
        tradable = [card for card in cards if card.tradable]
        choices = _one_per_printing(tradable)
        if not choices:
            if cards:
                return Match(None, not_tradable_reason(cards[0]))
            return Match(None, f"No card named {row.name} in the catalog.")
        if self.for_wants:
            # Any printing satisfies the want; show the newest paper printing, in the row's finish if there is one.
            finish = row.finish or Finish.NONFOIL
            fitting = [card for card in choices if not card.finishes or finish in card.finishes] or choices
            shown = max(fitting, key=lambda card: (card.released_at or date.min, -card.id))
            return Match(shown, "", finish, any_printing=True)
        if len(choices) == 1:
            return self._accept(_prefer_language(_same_printing(tradable, choices[0]), row.language), row)
        return Match(
            None,
            f"{len(choices)} printings of {row.name} ({_listed(choices, with_set=True)}); "
            "add the set and collector number.",
        )

    @staticmethod
    def _accept(card: CardRef, row: ParsedRow) -> Match:
        if not card.tradable:
            return Match(None, not_tradable_reason(card))
        if row.finish:
            if card.finishes and row.finish not in card.finishes:
                return Match(None, f"{card.name} ({card.printing}) is not printed in {row.finish}.", is_error=True)
            return Match(card, "", row.finish)
        if not card.finishes or Finish.NONFOIL in card.finishes:
            return Match(card, "", Finish.NONFOIL)
        only = Finish.FOIL if Finish.FOIL in card.finishes else card.finishes[0]
        return Match(card, f"Taken as {only}: this printing exists only in {'/'.join(card.finishes)}.", only)


def _one_per_printing(cards) -> list[CardRef]:
    """Language copies of one printing are one choice, not an ambiguity."""
    printings: dict[tuple[str, str], CardRef] = {}
    for card in sorted(cards, key=lambda c: (c.lang != "en", c.id)):
        printings.setdefault((card.set_code, card.collector_number), card)
    return sorted(printings.values(), key=lambda c: (c.set_code, c.collector_number.zfill(6), c.id))


def _same_printing(cards, chosen: CardRef) -> list[CardRef]:
    return [c for c in cards if (c.set_code, c.collector_number) == (chosen.set_code, chosen.collector_number)]


def _listed(cards: list[CardRef], *, with_set: bool) -> str:
    shown = [card.printing if with_set else card.collector_number for card in cards[:CANDIDATES_SHOWN]]
    more = len(cards) - len(shown)
    return ", ".join(shown) + (f" and {more} more" if more > 0 else "")


def _prefer_language(cards: list[CardRef], language: str) -> CardRef:
    for card in cards:
        if card.lang == language:
            return card
    for card in cards:
        if card.lang == "en":
            return card
    return min(cards, key=lambda c: c.id)
