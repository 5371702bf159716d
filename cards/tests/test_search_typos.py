"""Search finds a card from its name with one typo; exact names first; the name index's cost."""

import random

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bench.typos import KINDS, letter_count, one_edit, one_edit_typos
from cards import selectors
from cards.models import Card
from cards.name_index import NameIndex, name_index, name_index_changed, within_one_edit
from cards.tests.factories import CardFactory

pytestmark = pytest.mark.django_db

FIRST = ["Ember", "Glimmer", "Hollow", "Iron", "Storm", "Verdant", "Silent", "Gilded", "Sunken", "Crimson", "Thorn"]
SECOND = ["Warden", "Drake", "Oracle", "Sentinel", "Revenant", "Familiar", "Colossus", "Herald", "Wurm", "Seer"]
SUFFIX = ["", " of the Vale", " Reborn", " of Tides"]
REAL = [
    "Lightning Bolt",
    "Black Lotus",
    "Jace, the Mind Sculptor",
    "Sol Ring",
    "Counterspell",
    "Urza's Saga",
    "Llanowar Elves",
    "Birds of Paradise",
    "Swords to Plowshares",
    "Ancestral Recall",
    "Opt",
    "Duress",
    "Shock",
]


@pytest.fixture
def catalog():
    """~450 names, two printings each (the typed card must beat its other printings' neighbours too)."""
    names = [f"{a} {b}{suffix}" for a in FIRST for b in SECOND for suffix in SUFFIX] + REAL
    cards = [
        Card(scryfall_id=f"00000000-0000-4000-8000-{i:012d}", name=name, set_code=f"s{i % 2}", collector_number=str(i))
        for i, name in enumerate(name for name in names for _ in range(2))
    ]
    Card.objects.bulk_create(cards)
    name_index_changed()
    return names


def top_names(query, count=5):
    return list(selectors.card_search_queryset(query=query).values_list("name", flat=True)[:count])


def test_one_edit_typos_of_names_find_the_card_in_the_top_five(catalog):
    rng = random.Random(10)
    typos = [(name, typo) for name in catalog if letter_count(name) >= 5 for typo in one_edit_typos(name, rng=rng)]
    assert len(typos) > 1500  # four kinds of edit for each of ~460 names
    missed = [(name, typo) for name, typo in typos if name not in top_names(typo)]
    assert len(missed) / len(typos) <= 0.01, missed[:20]


def test_one_edit_typo_of_a_single_word_finds_names_with_it(catalog):
    rng = random.Random(3)
    for word in ["Sentinel", "Colossus", "Glimmer", "Familiar"]:
        for kind in KINDS:
            typo = one_edit(word, kind, rng)
            assert all(word in name for name in top_names(typo)), (kind, typo)


def test_exact_names_rank_first(catalog):
    for name in catalog:
        assert top_names(name, count=1) == [name], name
        assert top_names(name.lower(), count=1) == [name], name


def test_short_names_by_exact_name_and_prefix(catalog):
    assert top_names("Opt", count=1) == ["Opt"]
    assert "Opt" in top_names("op")
    assert top_names("Sol", count=1) == ["Sol Ring"]
    assert "Shock" in top_names("shoc")


def test_within_one_edit_is_damerau_distance_one():
    assert within_one_edit("drake", "drake")
    assert within_one_edit("drake", "drak") and within_one_edit("drak", "drake")
    assert within_one_edit("drake", "drike") and within_one_edit("drake", "darke")
    assert not within_one_edit("drake", "darek") and not within_one_edit("drake", "dr")
    assert not within_one_edit("drake", "brike")


def test_index_corrects_each_kind_of_edit_and_prefers_common_words():
    index = NameIndex(["Crimson Drake", "Crimson Warden", "Drape of Ash", "Iron Seer"])
    assert index.corrections("crimon") == ["crimson"]
    assert index.corrections("crismon") == ["crimson"]
    assert index.corrections("crimsoon") == ["crimson"]
    assert index.corrections("crimsan") == ["crimson"]
    assert index.corrections("drapke") == ["drake", "drape"]  # both one edit away
    assert index.known("rimso") and not index.known("crimon")
    assert index.corrections("s") == []  # too short to correct
    assert index.corrections("fo") == ["of"]  # swapped
    assert index.corrections("zq") == []
    assert "of" in NameIndex(["Drape of Ash"]).corrections("hf")


def test_the_index_is_one_query_per_catalog_change_and_none_per_search(catalog):
    name_index_changed()
    with CaptureQueriesContext(connection) as built:
        name_index()
    with CaptureQueriesContext(connection) as reused:
        name_index()
        list(selectors.card_search_queryset(query="crimsn drake")[:5])
    assert len(built) == 1
    assert len(reused) == 2  # the page of cards + their prices, as before typo correction


def test_new_names_are_found_after_an_import_changes_the_index(catalog):
    assert top_names("glorbfang") == []
    CardFactory(name="Glorbfang Titan")
    name_index_changed()  # what the Scryfall import and the demo seed call
    assert top_names("glorbfnag") == ["Glorbfang Titan"]


def test_words_no_edit_reaches_still_use_similarity(catalog):
    assert top_names("zzzz qqqq") == []
    assert "Lightning Bolt" in top_names("lightninggg bolt")  # two edits: pg_trgm word similarity


def test_live_price_tag_renders_what_the_price_partial_renders():
    from decimal import Decimal

    from django.template import engines
    from django.template.loader import render_to_string

    tag = engines["django"].from_string('{% load card_prices %}{% live_price 7 "foil" price "USD" %}{{ 7|card_path }}')
    for price in (Decimal("1234.50"), None):
        partial = render_to_string(
            "cards/partials/_price.html", {"card_id": 7, "finish": "foil", "price": price, "currency": "USD"}
        )
        assert tag.render({"price": price}) == partial.rstrip("\n") + "/cards/7/"
