"""Pages that only show something answer GET and HEAD; any other method is a 405 that changes nothing."""

import pytest
from django.urls import reverse

from accounts.tests.factories import UserFactory
from cards.tests.factories import CardFactory
from lists.models import HaveItem
from lists.tests.factories import HaveItemFactory

pytestmark = pytest.mark.django_db


def _card_page():
    return reverse("cards:detail", args=[CardFactory().pk])


def _profile():
    return reverse("accounts:profile", args=[UserFactory().username])


def _public_lists():
    item = HaveItemFactory()
    return reverse("lists:public_lists", args=[item.owner.username])


@pytest.mark.parametrize("page", [_card_page, _profile, _public_lists], ids=["card", "profile", "public_lists"])
@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_read_only_pages_refuse_other_methods(client, page, method):
    url = page()
    items_before = HaveItem.objects.count()

    response = getattr(client, method)(url)

    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"
    assert HaveItem.objects.count() == items_before
    assert client.head(url).status_code == 200
    assert client.get(url).status_code == 200
