"""Server-rendered price chart: turns price series into SVG geometry for templates/cards/partials/_chart.html.

No JavaScript and no charting library: the chart is part of the HTML, so it shows without
scripts, prints, and costs nothing on the client.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from core.money import format_money

WIDTH = 640
HEIGHT = 240
PAD_LEFT = 64
PAD_RIGHT = 12
PAD_TOP = 12
PAD_BOTTOM = 28
MAX_POINTS = 360
FINISH_COLOURS = {"nonfoil": "#1f5fa8", "foil": "#b7791f", "etched": "#6b46c1"}


def _nice_ticks(low: Decimal, high: Decimal, count: int = 4) -> list[Decimal]:
    if high <= low:
        high = low + Decimal("1")
    step = (high - low) / count
    return [low + step * index for index in range(count + 1)]


def price_chart(
    series: dict[str, list[tuple[datetime, Decimal]]], *, days: int, now: datetime, currency: str = "USD"
) -> dict:
    """Geometry of a line chart with one line per finish over [now - days, now]."""
    start = now - timedelta(days=days)
    span = (now - start).total_seconds() or 1.0
    prices = [price for points in series.values() for _, price in points]
    if not prices:
        return {"is_empty": True, "width": WIDTH, "height": HEIGHT, "days": days}
    low, high = min(prices), max(prices)
    margin = (high - low) * Decimal("0.08") or (high * Decimal("0.05")) or Decimal("0.5")
    low, high = max(Decimal(0), low - margin), high + margin
    plot_width = WIDTH - PAD_LEFT - PAD_RIGHT
    plot_height = HEIGHT - PAD_TOP - PAD_BOTTOM

    def x_of(moment: datetime) -> float:
        return PAD_LEFT + plot_width * max(0.0, min(1.0, (moment - start).total_seconds() / span))

    def y_of(price: Decimal) -> float:
        return PAD_TOP + plot_height * (1 - float((price - low) / (high - low)))

    lines = []
    for finish, points in sorted(series.items()):
        if len(points) > MAX_POINTS:  # a live feed can add thousands of points; keep the shape and the end
            stride = -(-len(points) // MAX_POINTS)
            points = points[::stride] + ([points[-1]] if (len(points) - 1) % stride else [])
        coordinates = [(x_of(moment), y_of(price)) for moment, price in points]
        if len(coordinates) == 1:  # a single observation: draw it as a short flat line
            x, y = coordinates[0]
            coordinates = [(max(PAD_LEFT, x - 4), y), (x, y)]
        lines.append(
            {
                "finish": finish,
                "colour": FINISH_COLOURS.get(finish, "#444"),
                "points": " ".join(f"{x:.1f},{y:.1f}" for x, y in coordinates),
                "first": format_money(points[0][1], currency),
                "last": format_money(points[-1][1], currency),
                "count": len(points),
            }
        )
    y_ticks = [{"y": f"{y_of(value):.1f}", "label": format_money(value, currency)} for value in _nice_ticks(low, high)]
    x_ticks = []
    for index in range(5):
        moment = start + (now - start) * index / 4
        x_ticks.append({"x": f"{x_of(moment):.1f}", "label": f"{moment:%b} {moment.day}"})
    return {
        "is_empty": False,
        "width": WIDTH,
        "height": HEIGHT,
        "days": days,
        "lines": lines,
        "y_ticks": y_ticks,
        "x_ticks": x_ticks,
        "plot_left": PAD_LEFT,
        "plot_right": WIDTH - PAD_RIGHT,
        "plot_top": PAD_TOP,
        "plot_bottom": HEIGHT - PAD_BOTTOM,
    }
