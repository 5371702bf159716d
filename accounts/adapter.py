"""allauth hooks: signups go through accounts.services so every user has a reputation row."""

from allauth.account.adapter import DefaultAccountAdapter

from .services import user_create


class AccountAdapter(DefaultAccountAdapter):
    def save_user(self, request, user, form, commit=True):
        if not commit:
            return super().save_user(request, user, form, commit=False)
        data = form.cleaned_data
        return user_create(
            email=data["email"],
            username=data["username"],
            password=data.get("password1") or data.get("password"),
        )
