"""Finder and store page latency as a ratio to a same-rows reference, in-process (same run).

Usage (after bench/stores_finder.py and bench/stores_sync.py filled the scratch database):
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bazaar_bench_stores REDIS_URL=redis://127.0.0.1:6379/4 \
        .venv/bin/python bench/stores_pages.py [--requests 300]

Each page goes through Django's full stack (middleware, view, selectors, templates) with the
test client; its reference renders the same rows with one plain query and a minimal template
loop — what any page listing those rows must pay. Pages and references alternate request by
request, so a change in the machine's load hits both. Ratio = page percentile / reference
percentile. DEBUG off.
"""

import argparse
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")
os.environ["DEBUG"] = "false"

REFERENCE_FINDER = """<ol>{% for s in rows %}<li><h3><a href="/stores/{{ s.user_id }}/">{{ s.store_name }}</a></h3>
<p>{{ s.store_city }}, {{ s.store_state }} {{ s.distance|floatformat:1 }} km</p></li>{% endfor %}</ol>"""
REFERENCE_INVENTORY = """<table>{% for i in rows %}<tr><td><a href="/cards/{{ i.card_id }}/">{{ i.card__name }}</a></td>
<td>{{ i.card__set_code }} {{ i.card__collector_number }}</td><td>{{ i.condition }}</td><td>{{ i.finish }}</td>
<td>{{ i.language }}</td><td>{{ i.quantity }}</td><td>{{ i.price }}</td></tr>{% endfor %}</table>"""


def pct(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    import django

    django.setup()
    import zipcodes
    from django.template import engines
    from django.test import Client

    from stores.models import LGSProfile, StoreInventoryItem
    from stores.selectors import FinderFilters, haversine_km, stores_near

    client = Client()
    rng = random.Random(7)
    zips = [z["zip_code"] for z in zipcodes.filter_by(state="WA") if z["zip_code_type"] == "STANDARD"][:200]
    engine = engines["django"]
    finder_reference = engine.from_string(REFERENCE_FINDER)
    inventory_reference = engine.from_string(REFERENCE_INVENTORY)
    store = LGSProfile.objects.filter(user__username="bench_store").first()
    if store is None:
        raise SystemExit("run bench/stores_sync.py first (it makes the 100,000-item store)")

    def finder_page(zip_code):
        response = client.get("/stores/", {"near": zip_code, "radius_km": "50"})
        assert response.status_code == 200
        return response.content.count(b'store-result"')

    found_ids = {}
    for zip_code in zips:  # the rows each search shows, found outside the timed reference
        zipped = zipcodes.matching(zip_code)[0]
        lat, lng = float(zipped["lat"]), float(zipped["long"])
        found = stores_near(lat=lat, lng=lng, radius_km=50, filters=FinderFilters())
        found_ids[zip_code] = (lat, lng, [entry.store.pk for entry in found])

    def finder_same_rows(zip_code):
        lat, lng, ids = found_ids[zip_code]
        rows = list(
            LGSProfile.objects.filter(pk__in=ids).values(
                "user_id", "store_name", "store_city", "store_state", "latitude", "longitude"
            )
        )
        for row in rows:
            row["distance"] = haversine_km(lat, lng, float(row["latitude"]), float(row["longitude"]))
        return len(finder_reference.render({"rows": rows}))

    def store_page(page):
        response = client.get(f"/stores/{store.pk}/", {"page": page})
        assert response.status_code == 200
        return len(response.content)

    def store_same_rows(page):
        rows = list(
            StoreInventoryItem.objects.filter(store=store, quantity__gt=0)
            .order_by("card__name", "card__set_code", "condition", "finish", "pk")
            .values(
                "card_id",
                "card__name",
                "card__set_code",
                "card__collector_number",
                "condition",
                "finish",
                "language",
                "quantity",
                "price",
            )[(page - 1) * 50 : page * 50]
        )
        return len(inventory_reference.render({"rows": rows}))

    for label, page_fn, reference_fn, arguments in [
        ("finder, 50 km around a WA ZIP (up to 100 stores)", finder_page, finder_same_rows, lambda: rng.choice(zips)),
        ("store page, 50 stock rows of 100,000", store_page, store_same_rows, lambda: rng.randint(1, 200)),
    ]:
        for _ in range(10):  # warm up
            value = arguments()
            page_fn(value)
            reference_fn(value)
        page_times, reference_times = [], []
        for _ in range(args.requests):
            value = arguments()
            started = time.perf_counter()
            page_fn(value)
            page_times.append(time.perf_counter() - started)
            started = time.perf_counter()
            reference_fn(value)
            reference_times.append(time.perf_counter() - started)
        print(
            f"{label}: page p50 {pct(page_times, 0.5):.1f} ms p99 {pct(page_times, 0.99):.1f} ms; "
            f"reference p50 {pct(reference_times, 0.5):.1f} ms p99 {pct(reference_times, 0.99):.1f} ms; "
            f"ratio p50 {pct(page_times, 0.5) / pct(reference_times, 0.5):.2f} "
            f"p99 {pct(page_times, 0.99) / pct(reference_times, 0.99):.2f}; load {os.getloadavg()[0]:.2f}"
        )


if __name__ == "__main__":
    main()
