"""The project's URLs plus /bench/ref/… reference views (registered only by bench.settings)."""

from django.urls import path

from bench import reference, reference_signals, reference_stores
from config.urls import handler400, handler403, handler404, handler500  # noqa: F401
from config.urls import urlpatterns as project_urlpatterns

urlpatterns = [
    path("bench/ref/home/", reference.home),
    path("bench/ref/search/", reference.search),
    path("bench/ref/card/<int:pk>/", reference.card),
    path("bench/ref/movers/", reference.movers),
    path("bench/ref/lists/", reference.lists),
    path("bench/ref/matches/", reference.matches),
    path("bench/ref/proposal/<int:pk>/", reference.proposal),
    path("bench/ref/trades/", reference.trades),
    path("bench/ref/thread/<int:pk>/", reference.thread),
    path("bench/ref/api/cards/", reference.api_cards),
    path("bench/ref/api/haves/", reference.api_haves),
    path("bench/ref/api/proposals/", reference.api_proposals),
    path("bench/ref/api/matches/", reference.api_matches),
    path("bench/ref/signals/", reference_signals.signal_list),
    path("bench/ref/signals/leaderboard/", reference_signals.leaderboard),
    path("bench/ref/signals/<int:pk>/", reference_signals.signal_detail),
    path("bench/ref/api/signals/", reference_signals.api_signal_list),
    path("bench/ref/api/signals/leaderboard/", reference_signals.api_leaderboard),
    path("bench/ref/api/signals/<int:pk>/", reference_signals.api_signal_detail),
    path("bench/ref/stores/finder/", reference_stores.finder),
    path("bench/ref/stores/<int:pk>/inventory/", reference_stores.store_inventory),
    path("bench/ref/stores/buylist/", reference_stores.buylist),
    path("bench/ref/stores/matches/", reference_stores.matches),
    *project_urlpatterns,
]
