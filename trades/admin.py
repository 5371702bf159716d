from . import admin_lists, admin_negotiation  # noqa: F401  (registers both areas)
