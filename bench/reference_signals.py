"""Reference views for the signals pages (bench/signals_pages.py): the rows each page shows, read
with one indexed query and rendered in bench/reference.py's one-table template (APIs: JsonResponse).

Like the real pages they need a signed-in user (`login_required`: the session row and the user
row) and apply the visibility rule — public and shown, followers-only of a creator the viewer
follows, or the viewer's own — in the query itself:
- list: the viewer's 26 newest visible signals (25 shown plus one to know there is a next page),
  a walk down `signal_newest_idx` with card, creator and tier joined;
- detail: one visible signal with its card, creator, tier and current price;
- leaderboard: a period's 100 precomputed standings with the creators' usernames.
"""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, JsonResponse

from bench.reference import PAGE, _rows

SIGNAL_COLUMNS = """
    r.id, c.name AS card_name, c.set_code, r.finish, r.action, r.entry_price, r.target_price, r.currency,
    r.target_date, u.username AS creator, rep.reputation_tier AS tier, r.follower_count, r.status, r.hit,
    r.visibility, r.created_at
"""

VISIBLE = """
    (r.created_by_id = %(viewer)s OR (NOT r.is_hidden AND (r.visibility = 'public' OR (r.visibility = 'followers'
     AND EXISTS (SELECT 1 FROM signals_creatorfollow f WHERE f.follower_id = %(viewer)s
                 AND f.creator_id = r.created_by_id)))))
"""

LIST_SQL = f"""
    SELECT {SIGNAL_COLUMNS}
    FROM signals_recommendation r JOIN cards_card c ON c.id = r.card_id
    LEFT JOIN accounts_user u ON u.id = r.created_by_id
    LEFT JOIN accounts_userreputation rep ON rep.user_id = r.created_by_id
    WHERE {VISIBLE} ORDER BY r.created_at DESC, r.id DESC LIMIT %(limit)s
"""

DETAIL_SQL = f"""
    SELECT {SIGNAL_COLUMNS}, r.user_rationale, r.evaluated_at, r.price_at_end, r.accuracy, r.profit_pct,
           rep.author_hits, rep.signals_authored_evaluated, rep.author_accuracy_pct, p.price AS current_price
    FROM signals_recommendation r JOIN cards_card c ON c.id = r.card_id
    LEFT JOIN accounts_user u ON u.id = r.created_by_id
    LEFT JOIN accounts_userreputation rep ON rep.user_id = r.created_by_id
    LEFT JOIN cards_cardprice p ON p.card_id = r.card_id AND p.finish = r.finish AND p.currency = r.currency
    WHERE r.id = %(pk)s AND {VISIBLE}
"""

LEADERBOARD_SQL = """
    SELECT s.rank, u.username, s.is_system, s.tier, s.evaluated, s.hits, s.hit_rate, s.wilson_lower_bound,
           s.mean_profit_pct, s.followers
    FROM signals_leaderboardstanding s LEFT JOIN accounts_user u ON u.id = s.creator_id
    WHERE s.period = %(period)s ORDER BY s.rank LIMIT 100
"""


def _signal_rows(request) -> tuple[list[str], list[tuple]]:
    return _rows(LIST_SQL, {"viewer": request.user.pk, "limit": 26})


@login_required
def signal_list(request):
    _, rows = _signal_rows(request)
    return HttpResponse(PAGE.render({"title": "Signals", "rows": rows[:25]}, request))


def _detail_rows(request, pk: int) -> tuple[list[str], list[tuple]]:
    columns, rows = _rows(DETAIL_SQL, {"viewer": request.user.pk, "pk": pk})
    if not rows:
        raise Http404
    return columns, rows


@login_required
def signal_detail(request, pk: int):
    _, rows = _detail_rows(request, pk)
    return HttpResponse(PAGE.render({"title": f"Signal {pk}", "rows": rows}, request))


def _period(request) -> str:
    return request.GET.get("period", "30d")


@login_required
def leaderboard(request):
    _, rows = _rows(LEADERBOARD_SQL, {"period": _period(request)})
    return HttpResponse(PAGE.render({"title": "Leaderboard", "rows": rows}, request))


@login_required
def api_signal_list(request):
    columns, rows = _signal_rows(request)
    return JsonResponse(
        {"next": None, "previous": None, "results": [dict(zip(columns, row, strict=True)) for row in rows[:25]]}
    )


@login_required
def api_signal_detail(request, pk: int):
    columns, rows = _detail_rows(request, pk)
    return JsonResponse(dict(zip(columns, rows[0], strict=True)))


@login_required
def api_leaderboard(request):
    columns, rows = _rows(LEADERBOARD_SQL, {"period": _period(request)})
    return JsonResponse({"period": _period(request), "results": [dict(zip(columns, row, strict=True)) for row in rows]})
