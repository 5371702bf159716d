"""Same-rows reference views for the stores pages (bench/stores_pages.py), in the manner of bench/reference.py.

Each reference fetches the rows its real page shows with one indexed query and renders them
in a minimal template loop. The finder and matches references get the real page's own rows
by id (`?ids=`, computed by the driver before the run): the search and the matching are what
the real page costs beyond that. Signed-in references keep what every signed-in request pays
(the session row and the user row). Registered only by bench.settings (bench/urls.py).
"""

from django.contrib.auth.decorators import login_required
from django.http import Http404

from bench.reference import _html, _ids

PAGE_SIZE = 50

FINDER_SQL = """
    SELECT s.user_id, s.store_name, s.store_city, s.store_state, s.offers_buylist, s.offers_trades,
           2 * 6371.0088 * asin(sqrt(least(1.0,
               power(sin(radians(s.latitude::float - %(lat)s) / 2), 2)
               + cos(radians(%(lat)s)) * cos(radians(s.latitude::float))
                 * power(sin(radians(s.longitude::float - %(lng)s) / 2), 2)))) AS distance_km
    FROM stores_lgsprofile s WHERE s.user_id = ANY(%(ids)s) ORDER BY array_position(%(ids)s, s.user_id)
"""

INVENTORY_SQL = """
    SELECT i.card_id, i.card_name, c.set_code, c.collector_number, i.condition, i.finish, i.language,
           i.quantity, i.price, p.price AS market
    FROM stores_storeinventoryitem i JOIN cards_card c ON c.id = i.card_id
    LEFT JOIN cards_cardprice p ON p.card_id = i.card_id AND p.finish = i.finish
    WHERE i.store_id = %s AND i.quantity > 0 ORDER BY i.card_name, i.card_id, i.id LIMIT %s OFFSET %s
"""

BUYLIST_SQL = """
    SELECT b.card_id, b.card_name, b.condition, b.finish, b.cash_price, b.credit_price, b.breakdown
    FROM stores_buylistentry b WHERE b.store_id = %s ORDER BY b.card_name, b.card_id, b.id LIMIT %s
"""

MATCHES_SQL = """
    SELECT u.id, u.username, u.latitude, u.longitude FROM accounts_user u
    WHERE u.id = ANY(%s) ORDER BY array_position(%s, u.id)
"""


def finder(request):
    ids = _ids(request)
    params = {"lat": float(request.GET.get("lat", 0)), "lng": float(request.GET.get("lng", 0)), "ids": ids}
    return _html(request, "Stores near you", FINDER_SQL, params)


def store_inventory(request, pk: int):
    page = max(1, int(request.GET.get("page", "1") or 1))
    return _html(request, "In stock", INVENTORY_SQL, [pk, PAGE_SIZE, (page - 1) * PAGE_SIZE])


@login_required
def buylist(request):
    if not request.user.is_business:
        raise Http404("No store.")
    return _html(request, "Buylist", BUYLIST_SQL, [request.user.pk, PAGE_SIZE])


@login_required
def matches(request):
    ids = _ids(request)
    return _html(request, "Local matches", MATCHES_SQL, [ids, ids])
