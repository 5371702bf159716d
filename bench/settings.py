"""Benchmark settings: the project's settings plus the reference views of bench/urls.py.

Only bench/pages.py uses this module (DJANGO_SETTINGS_MODULE=bench.settings); production and
tests keep config.settings, so the reference views are never reachable there.
"""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
