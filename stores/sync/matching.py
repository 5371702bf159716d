"""Finding the printing a feed row names.

TCGplayer's `TCGplayer Id` is a SKU (product + condition + language), not a product id, so it
cannot be looked up in our catalog; a row is matched on Set Name + Number + Product Name.
Set names are compared after normalising both sides (case, punctuation, accents, a trailing
"(M10)"-style code) and through aliases for the names TCGplayer spells differently from
Scryfall (built in below, plus `SetNameAlias` rows staff add in admin). A row whose number
names a card of another name stays unmatched with the reason — never another printing.
"""

from __future__ import annotations

import json
import re
import uuid
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache

from django.db.models import TextField
from django.db.models.functions import Cast

from cards.models import Card
from stores.models import SetNameAlias

from .formats import FeedRow, strip_accents

# TCGplayer set name → Scryfall set code, where normalising the names is not enough.
BUILTIN_SET_ALIASES: dict[str, str] = {
    "alpha edition": "lea",
    "beta edition": "leb",
    "unlimited edition": "2ed",
    "revised edition": "3ed",
    "fourth edition": "4ed",
    "fifth edition": "5ed",
    "classic sixth edition": "6ed",
    "seventh edition": "7ed",
    "eighth edition": "8ed",
    "ninth edition": "9ed",
    "tenth edition": "10e",
    "magic 2010 m10": "m10",
    "magic 2011 m11": "m11",
    "magic 2012 m12": "m12",
    "magic 2013 m13": "m13",
    "magic 2014 m14": "m14",
    "magic 2015 m15": "m15",
    "commander 2011": "cmd",
    "commander": "cmd",
    "secret lair drop series": "sld",
    "mystery booster cards": "mb1",
    "the list reprints": "plst",
    "timeshifted": "tsb",
    "time spiral timeshifted": "tsb",
    "duel decks anthology": "dvd",
    "commander legends battle for baldurs gate": "clb",
    "modern horizons 2": "mh2",
    "ravnica remastered": "rvr",
    "universes beyond the lord of the rings tales of middle earth": "ltr",
    "the lord of the rings tales of middle earth": "ltr",
}

_PAREN_CODE = re.compile(r"\s*\(([a-z0-9]{2,5})\)\s*$")
_NON_WORD = re.compile(r"[^a-z0-9]+")


def normalise_set_name(name: str) -> str:
    text = strip_accents(name).lower().replace("&", " and ")
    text = _NON_WORD.sub(" ", text.replace("'", "")).strip()
    return " ".join(text.split())


def _name_without_code(name: str) -> str:
    return _PAREN_CODE.sub("", strip_accents(name).lower())


_NAME_SUFFIX = re.compile(r"\s*[\(\[][^\)\]]*[\)\]]\s*$")


def normalise_card_name(name: str) -> str:
    """Lower-case, accents off, TCGplayer's "(Showcase)"/"(Borderless)"-style suffixes off."""
    if (
        name.isascii()
        and name.isprintable()
        and "  " not in name
        and not name.startswith(" ")
        and not name.endswith((")", "]", " "))
    ):
        return name.lower()  # the common case: nothing to strip, nothing to fold
    text = strip_accents(name).lower().strip()
    while text.endswith((")", "]")) and _NAME_SUFFIX.search(text):
        text = _NAME_SUFFIX.sub("", text)
    text = text.replace("’", "'")
    return " ".join(text.split())


@lru_cache(maxsize=16384)
def normalise_number(number: str) -> str:
    text = number.strip().lower().split("/")[0].strip()
    text = text.lstrip("#")
    return text.lstrip("0") or text


@dataclass(frozen=True, slots=True)
class CardRef:
    id: int
    name: str
    set_code: str
    number: str
    lang: str
    finishes: tuple[str, ...]
    keys: tuple[str, ...] = ()  # the normalised names a row may use for it


_SHARED: dict = {}


def _shared(value):
    """One object per distinct set code, language or finish list: 100,000 cards share a few dozen."""
    return _SHARED.setdefault(value, value)


def card_ref(card_id: int, name: str, set_code: str, number: str, lang: str, finishes) -> CardRef:
    return CardRef(
        card_id,
        name,
        _shared(set_code.lower()),
        number,
        _shared(lang),
        _shared(tuple(finishes or ())),
        tuple(_name_keys(name)),
    )


class SetResolver:
    """Set name or code → our set code, from the catalog's sets, built-in and staff aliases."""

    def __init__(self) -> None:
        self.by_name: dict[str, str] = {}
        self.codes: set[str] = set()
        for code, set_name in Card.objects.order_by().values_list("set_code", "set_name").distinct():
            code = code.lower()
            self.codes.add(code)
            self.by_name.setdefault(normalise_set_name(set_name), code)
            self.by_name.setdefault(normalise_set_name(_name_without_code(set_name)), code)
        for alias, code in BUILTIN_SET_ALIASES.items():
            self.by_name.setdefault(normalise_set_name(alias), code)
        for alias, code in SetNameAlias.objects.values_list("alias", "set_code"):
            self.by_name[normalise_set_name(alias)] = code.lower()
        self.cache: dict[tuple[str, str], str | None] = {}

    def resolve(self, *, set_name: str = "", set_code: str = "") -> str | None:
        """Memoised: a feed names the same few hundred sets on every row."""
        key = (set_name, set_code)
        if key not in self.cache:
            self.cache[key] = self._resolve(set_name=set_name, set_code=set_code)
        return self.cache[key]

    def _resolve(self, *, set_name: str = "", set_code: str = "") -> str | None:
        if set_code and set_code.strip().lower() in self.codes:
            return set_code.strip().lower()
        if set_name:
            key = normalise_set_name(set_name)
            if key in self.by_name:
                return self.by_name[key]
            key = normalise_set_name(_name_without_code(set_name))
            if key in self.by_name:
                return self.by_name[key]
            code = _PAREN_CODE.search(strip_accents(set_name).lower())
            if code and code.group(1) in self.codes:
                return code.group(1)
        return None


class CardIndex:
    """The cards of the sets a feed names, each set loaded once per sync."""

    def __init__(self) -> None:
        # set code → collector number → one card, or a tuple of them (languages of one printing).
        self.by_number: dict[str, dict[str, CardRef | tuple[CardRef, ...]]] = defaultdict(dict)
        self.by_set: dict[str, list[CardRef]] = defaultdict(list)
        self._by_name: dict[str, dict[str, list[CardRef]]] = {}
        self.loaded: set[str] = set()
        self.by_scryfall: dict[str, CardRef] = {}

    def named(self, set_code: str, name_key: str) -> list[CardRef]:
        """Cards of a set by normalised name; the index is built for a set the first time it is asked."""
        index = self._by_name.get(set_code)
        if index is None:
            index = defaultdict(list)
            for ref in self.by_set.get(set_code, ()):
                for key in ref.keys:
                    index[key].append(ref)
            self._by_name[set_code] = index
        return index.get(name_key, [])

    def load_sets(self, codes: set[str]) -> None:
        codes = codes - self.loaded
        if not codes:
            return
        self.loaded |= codes
        # `finishes` as its JSON text: a catalog has a handful of distinct lists, decoded once each.
        query = (
            Card.objects.filter(set_code__in=codes)
            .annotate(finishes_text=Cast("finishes", TextField()))
            .values_list("id", "name", "set_code", "collector_number", "lang", "finishes_text")
        )
        decoded: dict[str | None, list] = {None: []}
        for card_id, name, set_code, number, lang, finishes_text in query.iterator(chunk_size=5000):
            finishes = decoded.get(finishes_text)
            if finishes is None:
                finishes = decoded[finishes_text] = json.loads(finishes_text)
            ref = card_ref(card_id, name, set_code, number, lang, finishes)
            normalised = normalise_number(number)
            numbers = self.by_number[ref.set_code]
            key = number if normalised == number else normalised
            found = numbers.get(key)
            if found is None:
                numbers[key] = ref
            else:
                numbers[key] = (*found, ref) if isinstance(found, tuple) else (found, ref)
            self.by_set[ref.set_code].append(ref)

    def at_number(self, set_code: str, number: str) -> tuple[CardRef, ...]:
        found = self.by_number.get(set_code, {}).get(normalise_number(number))
        if found is None:
            return ()
        return found if isinstance(found, tuple) else (found,)

    def load_scryfall_ids(self, ids: set[str]) -> None:
        wanted = []
        for raw in ids - self.by_scryfall.keys():
            try:
                wanted.append(uuid.UUID(raw))
            except ValueError:
                continue
        if not wanted:
            return
        for card_id, name, set_code, number, lang, finishes, scryfall_id in Card.objects.filter(
            scryfall_id__in=wanted
        ).values_list("id", "name", "set_code", "collector_number", "lang", "finishes", "scryfall_id"):
            self.by_scryfall[str(scryfall_id)] = card_ref(card_id, name, set_code, number, lang, finishes)


def _name_keys(name: str) -> tuple[str, ...]:
    full = normalise_card_name(name)
    if " // " in full:
        return (full, full.split(" // ")[0])
    return (full,)


def _pick_language(candidates: list[CardRef], language: str) -> CardRef:
    for ref in candidates:
        if ref.lang == language:
            return ref
    for ref in candidates:
        if ref.lang == "en":
            return ref
    return candidates[0]


class Matcher:
    def __init__(self) -> None:
        self.sets = SetResolver()
        self.cards = CardIndex()

    def prepare(self, rows: list[FeedRow]) -> None:
        """Load what a chunk of rows needs in as few queries as possible."""
        codes = set()
        scryfall_ids = set()
        for row in rows:
            if row.scryfall_id:
                scryfall_ids.add(row.scryfall_id.strip().lower())
            code = self.sets.resolve(set_name=row.set_name, set_code=row.set_code)
            if code:
                codes.add(code)
        self.cards.load_sets(codes)
        self.cards.load_scryfall_ids(scryfall_ids)

    def match(self, row: FeedRow) -> tuple[CardRef | None, str]:
        """(card, "") or (None, why not)."""
        if row.scryfall_id:
            ref = self.cards.by_scryfall.get(row.scryfall_id.strip().lower())
            if ref is None:
                return None, f"No card has the Scryfall ID {row.scryfall_id}."
            return ref, ""
        set_label = row.set_name or row.set_code
        code = self.sets.resolve(set_name=row.set_name, set_code=row.set_code)
        if code is None:
            return None, f"Unknown set “{set_label}”."
        wanted = normalise_card_name(row.name)
        if row.number:
            candidates = self.cards.at_number(code, row.number)
            if not candidates:
                return None, f"No card number {row.number} in {set_label}."
            named = [ref for ref in candidates if wanted in ref.keys]
            if not named:
                return None, f"Number {row.number} in {set_label} is {candidates[0].name}, not {row.name}."
            return _pick_language(named, row.language), ""
        candidates = self.cards.named(code, wanted)
        if not candidates:
            return None, f"No card named {row.name} in {set_label}."
        numbers = {ref.number for ref in candidates}
        if len(numbers) > 1:
            return None, f"{row.name} has {len(numbers)} printings in {set_label}; give the collector number."
        return _pick_language(candidates, row.language), ""
