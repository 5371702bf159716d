from django.apps import AppConfig


class EscrowConfig(AppConfig):
    name = "escrow"
    verbose_name = "Escrow"

    def ready(self):
        from . import stripe_api, webhooks  # noqa: F401  (webhooks connects dj-stripe signal receivers)

        stripe_api.configure()
