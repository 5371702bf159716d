from . import lists, negotiation  # noqa: F401  (Celery autodiscovery imports trades.tasks)
