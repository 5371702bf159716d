"""{% url %} and {% static %} remember their paths and give what Django's tags give."""

import pytest
from django.template import engines
from django.templatetags.static import static
from django.test import override_settings
from django.urls import NoReverseMatch, reverse

from core.templatetags import fast_paths


def render(source: str, **context) -> str:
    return engines["django"].from_string(source).render(context)


def test_url_gives_what_reverse_gives_and_is_reversed_once():
    fast_paths._reverse.cache_clear()
    source = "{% url 'cards:detail' pk %}|{% url 'cards:search' %}|{% url 'cards:detail' pk=pk as link %}[{{ link }}]"

    first = render(source, pk=7)
    again = render(source, pk=7)

    assert first == again == f"{reverse('cards:detail', args=[7])}|{reverse('cards:search')}|[/cards/7/]"
    info = fast_paths._reverse.cache_info()
    assert (info.misses, info.hits) == (3, 3)


def test_url_escapes_and_handles_objects_and_missing_names_like_django():
    class Pk:
        def __str__(self):
            return "8"

    assert render("{% url 'cards:detail' pk %}", pk=Pk()) == "/cards/8/"  # objects are not cached
    assert render("{% url 'no-such-view' as link %}[{{ link }}]") == "[]"
    with pytest.raises(NoReverseMatch):
        render("{% url 'no-such-view' %}")


def test_static_gives_what_django_gives_and_forgets_on_settings_change():
    assert render("{% load static %}{% static 'css/bazaar.css' %}") == static("css/bazaar.css")
    with override_settings(STATIC_URL="/assets/"):
        assert render("{% load static %}{% static 'css/bazaar.css' %}").startswith("/assets/")
    assert render("{% load static %}{% static 'css/bazaar.css' %}") == static("css/bazaar.css")
