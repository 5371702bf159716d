from django.apps import AppConfig


class StoresConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "stores"
    verbose_name = "Local game stores"

    def ready(self):
        from . import receivers  # noqa: F401  (want-list changes queue a debounced buylist recompute)
