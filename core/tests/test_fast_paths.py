"""{% url %} and the static files storage remember their paths and give what Django gives."""

import pytest
from django.template import engines
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


def test_static_urls_are_remembered_and_missing_names_still_raise(tmp_path):
    from core.storage import CachedManifestStaticFilesStorage

    (tmp_path / "css").mkdir()
    (tmp_path / "css" / "site.css").write_text("body{}")
    (tmp_path / "staticfiles.json").write_text(
        '{"paths": {"css/site.css": "css/site.0123456789ab.css"}, "version": "1.1", "hash": "x"}'
    )
    storage = CachedManifestStaticFilesStorage(location=str(tmp_path), base_url="/static/")

    assert storage.url("css/site.css") == storage.url("css/site.css") == "/static/css/site.0123456789ab.css"
    assert storage._urls == {"css/site.css": "/static/css/site.0123456789ab.css"}
    with pytest.raises(ValueError, match="Missing staticfiles manifest entry"):
        storage.url("css/missing.css")
    assert "css/missing.css" not in storage._urls
