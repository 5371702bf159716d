"""TRADE_PANELS: sections other apps add to the trade page; the escrow note is one of them."""

import pytest

from trades import services
from trades.tests.factories import trading_pair

pytestmark = pytest.mark.django_db


def viewer_panel(*, trade, viewer):
    """A panel as another app would add one: only for party A."""
    if viewer.pk != trade.party_a_id:
        return None
    return {"template": "trades/tests/_test_panel.html", "greeting": f"Hello {viewer.username}"}


def _trade(cash=""):
    proposer, recipient, mine, theirs = trading_pair()
    proposal = services.proposal_create(
        proposer=proposer, recipient=recipient, offer={mine.pk: 1}, request={theirs.pk: 1}, cash_from_recipient=cash
    )
    return services.proposal_accept(proposal_id=proposal.pk, actor=recipient)


def test_cash_trade_shows_the_escrow_note_and_a_cardless_one_does_not(client):
    cash_trade, plain_trade = _trade(cash="2.00"), _trade()

    client.force_login(cash_trade.party_a)
    cash_page = client.get(f"/trades/{cash_trade.pk}/").content.decode()
    client.force_login(plain_trade.party_a)
    plain_page = client.get(f"/trades/{plain_trade.pk}/").content.decode()

    assert 'id="escrow-title"' in cash_page
    assert f"settle the cash directly with {cash_trade.party_b.username}" in cash_page
    assert 'id="escrow-title"' not in plain_page


def test_a_registered_panel_renders_for_whom_it_says(client, settings, tmp_path):
    (tmp_path / "trades" / "tests").mkdir(parents=True)
    (tmp_path / "trades" / "tests" / "_test_panel.html").write_text(
        '<section data-testid="test-panel">{{ panel.greeting }}</section>'
    )
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}]
    settings.TRADE_PANELS = ["trades.tests.test_trade_panels.viewer_panel"]
    trade = _trade(cash="2.00")

    client.force_login(trade.party_a)
    page_a = client.get(f"/trades/{trade.pk}/").content.decode()
    client.force_login(trade.party_b)
    page_b = client.get(f"/trades/{trade.pk}/").content.decode()

    assert f'<section data-testid="test-panel">Hello {trade.party_a.username}</section>' in page_a
    assert 'data-testid="test-panel"' not in page_b
    assert 'id="escrow-title"' not in page_a  # only the listed panels render
