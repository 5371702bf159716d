"""The `static` library with cached paths (see core.templatetags.fast_paths); settings map `{% load static %}` here."""

from .fast_paths import static_register as register

__all__ = ["register"]
