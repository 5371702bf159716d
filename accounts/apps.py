from django.apps import AppConfig


class AccountsConfig(AppConfig):
    default = True  # this module holds two configs; "accounts" in INSTALLED_APPS means this one
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from . import receivers  # noqa: F401  (connects the allauth hooks)


from allauth.account.apps import AccountConfig as AllauthAccountConfigBase  # noqa: E402


class AllauthAccountConfig(AllauthAccountConfigBase):
    """allauth's `account` app is also called "Accounts"; in the admin it is the sign-in email addresses."""

    verbose_name = "Sign-in email addresses"
