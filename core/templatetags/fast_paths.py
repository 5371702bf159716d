"""`{% url %}` that remembers its answers: every page's layout reverses the same dozen URLs
(navigation, forms), and reversing them again on every request was a large part of rendering a
short page (bench/README.md, search page; docs/decisions/0032).

URLs do not change while a process runs; the cache keys on everything the answer depends on
(URL name, plain str/int arguments, URL conf, script prefix, current app) and is cleared when
a test changes ROOT_URLCONF. Installed as a template builtin, so it replaces Django's `url` and
templates keep writing `{% url %}`. (Static paths are remembered by the static files storage,
core.storage.CachedManifestStaticFilesStorage.)
"""

from __future__ import annotations

from functools import lru_cache

from django import template
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template.defaulttags import URLNode
from django.template.defaulttags import url as django_url
from django.urls import get_script_prefix, get_urlconf, reverse
from django.urls.exceptions import NoReverseMatch
from django.utils.html import conditional_escape

register = template.Library()
PLAIN = (str, int)


@lru_cache(maxsize=4096)
def _reverse(view_name: str, args: tuple, kwargs: tuple, current_app, urlconf, prefix: str) -> str:
    return reverse(view_name, args=args, kwargs=dict(kwargs), current_app=current_app)


class CachedURLNode(URLNode):
    def render(self, context):
        args = tuple(arg.resolve(context) for arg in self.args)
        kwargs = tuple(sorted((key, value.resolve(context)) for key, value in self.kwargs.items()))
        if not all(type(value) in PLAIN for value in (*args, *(value for _, value in kwargs))):
            return super().render(context)  # objects (str() may change): reverse as Django does
        view_name = self.view_name.resolve(context)
        try:
            current_app = context.request.current_app
        except AttributeError:
            try:
                current_app = context.request.resolver_match.namespace
            except AttributeError:
                current_app = None
        url = ""
        try:
            url = _reverse(view_name, args, kwargs, current_app, get_urlconf(), get_script_prefix())
        except NoReverseMatch:
            if self.asvar is None:
                raise
        if self.asvar:
            context[self.asvar] = url
            return ""
        if context.autoescape:
            url = conditional_escape(url)
        return url


@register.tag
def url(parser, token):
    node = django_url(parser, token)
    return CachedURLNode(node.view_name, node.args, node.kwargs, node.asvar)


@receiver(setting_changed)
def _forget(*, setting, **kwargs):
    if setting in ("ROOT_URLCONF", "FORCE_SCRIPT_NAME"):
        _reverse.cache_clear()
