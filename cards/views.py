from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from core.pagination import page_number_from

from . import selectors
from .charts import price_chart
from .forms import CardSearchForm, MoversForm

SEARCH_PER_PAGE = 30
DEFAULT_CHART_RANGE = "30d"


def _page_number(request) -> int:
    """1…MAX_PAGE_NUMBER; anything else is a 404 (a page past bigint used to be a database error)."""
    return page_number_from(request.GET.get("page"))


def _rarity_options(form) -> list[tuple[str, str, bool]]:
    """(value, label, selected) for the rarity select, written out by the template (no widget templates)."""
    current = form["rarity"].value() or ""
    return [(value, label, value == current) for value, label in form.fields["rarity"].choices]


def card_search(request):
    """Search page; as you type, htmx asks for the results partial only."""
    form = CardSearchForm(request.GET)
    page, status = None, 200
    if form.is_valid():
        data = form.cleaned_data
        cards = selectors.card_search_queryset(
            query=data["q"],
            set_code=data["set"] or None,
            rarity=data["rarity"] or None,
            min_price=data["min_price"],
            max_price=data["max_price"],
        )
        page = selectors.card_rows_page(cards, page=_page_number(request), per_page=SEARCH_PER_PAGE)
    else:
        status = 422
    query_string = request.GET.copy()
    query_string.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "query_string": query_string.urlencode(),
        "rarity_options": _rarity_options(form),
    }
    template = "cards/partials/_search_results.html" if request.htmx else "cards/search.html"
    return render(request, template, context, status=status)


@require_safe
def card_detail(request, pk: int):
    card = selectors.card_get(pk=pk)
    chart_range = request.GET.get("range", DEFAULT_CHART_RANGE)
    if chart_range not in selectors.CHART_RANGES:
        chart_range = DEFAULT_CHART_RANGE
    now = timezone.now()
    days = selectors.CHART_RANGES[chart_range]
    chart = price_chart(selectors.card_chart_series(card=card, days=days, now=now), days=days, now=now)
    context = {"card": card, "chart": chart, "chart_range": chart_range, "chart_ranges": list(selectors.CHART_RANGES)}
    if request.htmx and request.htmx.target == "price-chart":
        return render(request, "cards/partials/_chart.html", context)
    context["live_card_ids"] = [card.pk]
    context["other_quotes"] = selectors.card_latest_quotes(card_id=card.pk, now=now)
    return render(request, "cards/detail.html", context)


def movers(request):
    form = MoversForm(request.GET)
    form.is_valid()  # both fields optional; invalid values fall back to defaults
    window = form.cleaned_data.get("window") or "24h"
    min_price = form.cleaned_data.get("min_price")
    if min_price is None and "min_price" not in form.errors and not request.GET.get("min_price"):
        min_price = selectors.MOVERS_DEFAULT_MIN_PRICE
    context = {
        "form": form,
        "window": window,
        "min_price": min_price,
        "gainers": selectors.movers_list(window=window, direction="gainers", min_price=min_price),
        "losers": selectors.movers_list(window=window, direction="losers", min_price=min_price),
    }
    template = "cards/partials/_movers_tables.html" if request.htmx else "cards/movers.html"
    return render(request, template, context, status=422 if form.errors else 200)


def set_list(request):
    return render(request, "cards/sets.html", {"sets": selectors.card_sets_list()})


def autocomplete(request):
    """Card picker options (10 at most) as an HTML list; see cards/partials/_autocomplete.html."""
    cards = selectors.card_autocomplete(query=request.GET.get("q", ""))
    return render(request, "cards/partials/_autocomplete.html", {"cards": cards, "query": request.GET.get("q", "")})
