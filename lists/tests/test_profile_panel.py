import pytest

from accounts.tests.factories import UserFactory
from lists.tests.factories import HaveItemFactory, ListSettingsFactory, WantItemFactory

pytestmark = pytest.mark.django_db


def test_profile_shows_public_lists_and_a_propose_link_to_other_traders(client):
    owner = UserFactory(username="lister")
    HaveItemFactory.create_batch(2, owner=owner)
    WantItemFactory(owner=owner)
    client.force_login(UserFactory())

    response = client.get("/u/lister/")

    assert response.status_code == 200
    body = response.content.decode()
    assert "<strong>2</strong> cards for trade" in body
    assert "<strong>1</strong> card wanted" in body
    assert "/trades/lists/lister/" in body
    assert "/trades/propose/lister/" in body


def test_profile_hides_a_private_list_from_others_but_not_from_the_owner(client):
    owner = UserFactory(username="secretive")
    ListSettingsFactory(user=owner, haves_public=False, wants_public=False)
    HaveItemFactory(owner=owner)

    client.force_login(UserFactory())
    assert "Trade lists" not in client.get("/u/secretive/").content.decode()

    client.force_login(owner)
    body = client.get("/u/secretive/").content.decode()
    assert "<strong>1</strong> card for trade" in body
    assert "/trades/propose/secretive/" not in body


def test_reserved_words_cannot_be_usernames(client):
    response = client.post(
        "/accounts/signup/",
        {
            "email": "new@example.com",
            "username": "import",
            "password1": "a-Long-pass-123",
            "password2": "a-Long-pass-123",
        },
    )

    assert response.status_code == 200
    assert "username" in response.context["form"].errors
