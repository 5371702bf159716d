"""Reference views: the rows a real page shows, fetched with one indexed query, in a minimal template.

Each real page in bench/pages.py is measured back to back with its reference; the ratio says
how much the real page costs beyond reading its rows. Logged-in references keep what every
signed-in request pays (the session row and the user row, through request.user). The search and
matches references get the real page's own result rows by id (`?ids=`, computed by the driver
before the run), so they measure fetching and showing exactly those rows.
"""

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import Http404, HttpResponse, JsonResponse
from django.template import engines

PAGE = engines["django"].from_string(
    "<!doctype html><html><head><title>{{ title }}</title></head><body><h1>{{ title }}</h1><table>"
    "{% for row in rows %}<tr>{% for value in row %}<td>{{ value }}</td>{% endfor %}</tr>{% endfor %}"
    "</table></body></html>"
)


def _rows(sql: str, params=()) -> tuple[list[str], list[tuple]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [column.name for column in cursor.description], cursor.fetchall()


def _html(request, title: str, sql: str, params=()) -> HttpResponse:
    _, rows = _rows(sql, params)
    return HttpResponse(PAGE.render({"title": title, "rows": rows}, request))


def _json(sql: str, params=()) -> JsonResponse:
    columns, rows = _rows(sql, params)
    return JsonResponse(
        {"next": None, "previous": None, "results": [dict(zip(columns, row, strict=False)) for row in rows]}
    )


def _ids(request) -> list[int]:
    return [int(value) for value in request.GET.get("ids", "").split(",") if value.isdigit()]


MOVERS_SQL = """
    (SELECT c.id, c.name, c.set_code, p.finish, p.price, p.currency, p.change_24h_pct
     FROM cards_cardprice p JOIN cards_card c ON c.id = p.card_id
     WHERE p.currency = 'USD' AND p.change_24h_pct > 0 AND p.price >= 1
     ORDER BY p.change_24h_pct DESC, c.name LIMIT %s)
    UNION ALL
    (SELECT c.id, c.name, c.set_code, p.finish, p.price, p.currency, p.change_24h_pct
     FROM cards_cardprice p JOIN cards_card c ON c.id = p.card_id
     WHERE p.currency = 'USD' AND p.change_24h_pct < 0 AND p.price >= 1
     ORDER BY p.change_24h_pct ASC, c.name LIMIT %s)
"""

CARDS_BY_ID_SQL = """
    SELECT c.id, c.name, c.set_code, c.collector_number, c.rarity, p.finish, p.price, p.currency
    FROM cards_card c LEFT JOIN cards_cardprice p ON p.card_id = c.id
    WHERE c.id = ANY(%s) ORDER BY array_position(%s, c.id), p.finish
"""

HAVES_BY_ID_SQL = """
    SELECT h.id, u.username, c.id AS card_id, c.name, c.set_code, h.quantity, h.condition, h.finish, p.price
    FROM lists_haveitem h JOIN accounts_user u ON u.id = h.owner_id JOIN cards_card c ON c.id = h.card_id
    LEFT JOIN cards_cardprice p ON p.card_id = h.card_id AND p.finish = h.finish
    WHERE h.id = ANY(%s) ORDER BY array_position(%s, h.id)
"""

MY_HAVES_SQL = """
    SELECT h.id, c.id AS card_id, c.name, c.set_code, c.collector_number, h.quantity, h.condition, h.finish,
           h.language, p.price, p.currency
    FROM lists_haveitem h JOIN cards_card c ON c.id = h.card_id
    LEFT JOIN cards_cardprice p ON p.card_id = h.card_id AND p.finish = h.finish
    WHERE h.owner_id = %s ORDER BY c.name, h.id LIMIT %s
"""

MY_PROPOSALS_SQL = """
    SELECT t.id, t.status, t.created_at, t.proposer_value, t.recipient_value, t.currency,
           proposer.username AS proposer, recipient.username AS recipient
    FROM trades_tradeproposal t JOIN accounts_user proposer ON proposer.id = t.proposer_id
    JOIN accounts_user recipient ON recipient.id = t.recipient_id
    WHERE t.proposer_id = %s OR t.recipient_id = %s ORDER BY t.created_at DESC, t.id DESC LIMIT %s
"""


@login_required
def home(request):
    return _html(request, "Home", MOVERS_SQL, [5, 5])


def search(request):
    ids = _ids(request)
    return _html(request, "Search", CARDS_BY_ID_SQL, [ids, ids])


def card(request, pk: int):
    _, rows = _rows(
        """SELECT c.name, c.set_code, s.finish, s.captured_at, s.price
           FROM cards_card c JOIN cards_pricesnapshot s ON s.card_id = c.id
           WHERE c.id = %s AND s.captured_at >= now() - interval '30 days' ORDER BY s.finish, s.captured_at""",
        [pk],
    )
    if not rows:
        raise Http404
    return HttpResponse(PAGE.render({"title": rows[0][0], "rows": rows}, request))


def movers(request):
    return _html(request, "Movers", MOVERS_SQL, [25, 25])


@login_required
def lists(request):
    return _html(request, "My lists", MY_HAVES_SQL, [request.user.pk, 50])


@login_required
def matches(request):
    ids = _ids(request)
    return _html(request, "Matches", HAVES_BY_ID_SQL, [ids, ids])


@login_required
def proposal(request, pk: int):
    _, rows = _rows(
        """SELECT t.id, t.status, t.message, i.side, c.name, c.set_code, i.quantity, i.condition, i.unit_value
           FROM trades_tradeproposal t JOIN trades_proposalitem i ON i.proposal_id = t.id
           JOIN cards_card c ON c.id = i.card_id
           WHERE t.id = %s AND (t.proposer_id = %s OR t.recipient_id = %s) ORDER BY i.side, c.name""",
        [pk, request.user.pk, request.user.pk],
    )
    if not rows:
        raise Http404
    return HttpResponse(PAGE.render({"title": f"Proposal {pk}", "rows": rows}, request))


@login_required
def trades(request):
    return _html(request, "Trades", MY_PROPOSALS_SQL, [request.user.pk, request.user.pk, 20])


@login_required
def thread(request, pk: int):
    return _html(
        request,
        f"Thread {pk}",
        """SELECT m.created_at, u.username, m.body
           FROM trades_message m JOIN trades_threadparticipant me ON me.thread_id = m.thread_id AND me.user_id = %s
           LEFT JOIN accounts_user u ON u.id = m.sender_id
           WHERE m.thread_id = %s ORDER BY m.created_at, m.id LIMIT 200""",
        [request.user.pk, pk],
    )


@login_required
def api_cards(request):
    return _json(
        """SELECT c.id, c.name, c.set_code, c.collector_number, c.rarity,
                  (SELECT p.price FROM cards_cardprice p WHERE p.card_id = c.id AND p.finish = 'nonfoil') AS price
           FROM cards_card c ORDER BY c.name, c.set_code, c.collector_number LIMIT 50"""
    )


@login_required
def api_haves(request):
    return _json(MY_HAVES_SQL, [request.user.pk, 50])


@login_required
def api_proposals(request):
    return _json(MY_PROPOSALS_SQL, [request.user.pk, request.user.pk, 50])


@login_required
def api_matches(request):
    ids = _ids(request)
    return _json(HAVES_BY_ID_SQL, [ids, ids])
