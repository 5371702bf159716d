"""List rows carry what the page needs to follow live prices; an edited row keeps its price."""

import re

import pytest
from django.urls import reverse

from .factories import HaveItemFactory, priced_card

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def owner(client):
    from accounts.tests.factories import UserFactory

    user = UserFactory()
    client.force_login(user)
    return user


def test_edited_row_shows_its_price_in_place_not_as_an_out_of_band_swap(client, owner):
    item = HaveItemFactory(owner=owner, card=priced_card("3.00"), quantity=1)

    saved = client.post(
        reverse("lists:list_item_edit", args=["have", item.pk]),
        {"quantity": 2, "condition": "NM", "finish": "nonfoil", "language": "en"},
        **HTMX,
    )

    body = saved.content.decode()
    price_span = re.search(rf'<span id="price-{item.card_id}-nonfoil"[^>]*>', body).group(0)
    assert "hx-swap-oob" not in price_span  # an OOB span would leave the new row's cell empty
    assert 'data-price="3.00"' in price_span
    assert (
        f'data-line-card="{item.card_id}" data-line-finish="nonfoil" data-line-quantity="2" data-line-price="3.00"'
        in body
    )
    assert 'id="have-totals" class="list-totals muted" hx-swap-oob="true"' in body


def test_list_page_marks_lines_and_total_for_live_prices(client, owner):
    HaveItemFactory(owner=owner, card=priced_card("3.00"), quantity=2)
    HaveItemFactory(owner=owner, card=priced_card("1.50"), quantity=1)

    html = client.get(reverse("lists:lists")).content.decode()

    assert 'data-list-kind="have"' in html
    assert 'data-list-total="7.50" data-currency="USD"' in html
    assert html.count("data-line-value-text") == 2


def test_add_form_uses_the_shared_combobox_picker(client, owner):
    html = client.get(reverse("lists:lists")).content.decode()

    picker = re.search(r'<input type="text" id="have-card-q"[^>]*>', html, re.S).group(0)
    assert 'role="combobox"' in picker and 'aria-expanded="false"' in picker
    assert 'aria-controls="have-card-q-listbox"' in picker
    assert 'hx-target="#have-card-q-listbox"' in picker
    assert 'hx-swap="innerHTML"' in picker  # never the form's outerHTML
    assert "hx-on" not in html and " oninput=" not in html
    assert '<ul id="have-card-q-listbox" class="card-autocomplete" role="listbox"' in html
