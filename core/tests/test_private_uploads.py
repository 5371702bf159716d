"""Uploaded files have no public URL in any environment: private storage, no /media/ route."""

import importlib
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import override_settings
from django.urls import Resolver404, clear_url_caches, get_resolver

from core.storage import PrivateFileSystemStorage


def test_the_default_storage_is_private_and_has_no_urls(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    assert settings.STORAGES["default"]["BACKEND"] == "core.storage.PrivateFileSystemStorage"
    name = default_storage.save("list-imports/2026/01/secret.csv", ContentFile(b"Count,Name\n4,Black Lotus\n"))
    assert Path(tmp_path, name).read_bytes().startswith(b"Count")
    with pytest.raises(ValueError, match="private upload"):
        default_storage.url(name)


def test_private_storage_refuses_urls_directly():
    with pytest.raises(ValueError):
        PrivateFileSystemStorage().url("anything.csv")


def test_the_private_root_is_outside_every_static_directory():
    root = Path(settings.MEDIA_ROOT).resolve()
    static_roots = [Path(settings.STATIC_ROOT).resolve(), *(Path(path).resolve() for path in settings.STATICFILES_DIRS)]
    for static_root in static_roots:
        assert not root.is_relative_to(static_root)
        assert not static_root.is_relative_to(root)


@pytest.mark.parametrize("debug", [False, True])
def test_no_url_serves_uploads_in_any_environment(debug):
    """The URLconf is built at import: rebuild it under each DEBUG value and look for /media/."""
    import config.urls

    try:
        with override_settings(DEBUG=debug):
            importlib.reload(config.urls)
            clear_url_caches()
            resolver = get_resolver("config.urls")
            for path in ["/media/list-imports/2026/01/secret.csv", "/private-media/list-imports/x.csv"]:
                with pytest.raises(Resolver404):
                    resolver.resolve(path)
    finally:
        importlib.reload(config.urls)
        clear_url_caches()
