"""Traders near me: mutual have/want matches, best first."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from trades.selectors.matching import matches_for

PAGE_LIMIT = 20


@login_required
def matches(request):
    context = {
        "has_location": request.user.has_location,
        "matches": matches_for(user=request.user, limit=PAGE_LIMIT),
    }
    return render(request, "trades/matching/matches.html", context)
