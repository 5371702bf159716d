"""The dashboard inventory change list's filters and sorting (django-filter)."""

import django_filters
from django.db.models import Q

from cards.enums import Finish

from .enums import Condition, Language
from .models import StoreInventoryItem


class InventoryFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Search")
    condition = django_filters.ChoiceFilter(choices=Condition.choices, empty_label="Any condition")
    finish = django_filters.ChoiceFilter(choices=Finish.choices, empty_label="Any finish")
    language = django_filters.ChoiceFilter(choices=Language.choices, empty_label="Any language")
    stock = django_filters.ChoiceFilter(
        choices=[("in", "In stock"), ("out", "Quantity 0")],
        method="filter_stock",
        empty_label="Any stock",
        label="Stock",
    )
    priced = django_filters.ChoiceFilter(
        choices=[("yes", "Has a price"), ("no", "No price")],
        method="filter_priced",
        empty_label="Any price",
        label="Price",
    )
    o = django_filters.OrderingFilter(
        fields=(
            ("card_name", "name"),
            ("card__set_code", "set"),
            ("condition", "condition"),
            ("quantity", "quantity"),
            ("price", "price"),
            ("feed_price", "feed_price"),
            ("updated_at", "updated"),
        )
    )

    class Meta:
        model = StoreInventoryItem
        fields = ["q", "condition", "finish", "language", "stock", "priced"]

    def search(self, queryset, name, value):
        value = value.replace("\x00", "").strip()[:100]
        if not value:
            return queryset
        return queryset.filter(Q(card_name__icontains=value) | Q(provider_sku=value) | Q(card__set_code__iexact=value))

    def filter_stock(self, queryset, name, value):
        return queryset.filter(quantity__gt=0) if value == "in" else queryset.filter(quantity=0)

    def filter_priced(self, queryset, name, value):
        return queryset.filter(price__isnull=value == "no")
