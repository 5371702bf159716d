"""Connect accounts and account links (single-use onboarding links)."""

from __future__ import annotations

import secrets
import time

from .wire import (
    PLATFORM_ACCOUNT_ID,
    StripeError,
    _listing,
    _metadata,
    _new_id,
    _required,
)


class AccountsMixin:
    def _account_object(self, account_id: str, params: dict, *, complete: bool = False) -> dict:
        capabilities = params.get("capabilities") or {}
        requested = [
            name
            for name, value in capabilities.items()
            if isinstance(value, dict) and str(value.get("requested")).lower() == "true"
        ] or ["transfers"]
        return {
            "id": account_id,
            "object": "account",
            "type": params.get("type") or "express",
            "country": params.get("country") or "US",
            "email": params.get("email"),
            "default_currency": "usd",
            "created": int(time.time()),
            "livemode": False,
            "business_type": params.get("business_type") or "individual",
            "business_profile": {
                "name": None,
                "url": None,
                "mcc": None,
                "product_description": None,
                "support_email": None,
                "support_phone": None,
                "support_url": None,
            },
            "capabilities": dict.fromkeys(requested, "active" if complete else "inactive"),
            "charges_enabled": complete,
            "payouts_enabled": complete,
            "details_submitted": complete,
            "requirements": self._requirements(complete),
            "future_requirements": self._requirements(True),
            "metadata": _metadata(params),
            "settings": {"payouts": {"schedule": {"interval": "daily"}}},
            "tos_acceptance": {"date": int(time.time()) if complete else None},
            "external_accounts": {
                "object": "list",
                "data": [],
                "has_more": False,
                "url": f"/v1/accounts/{account_id}/external_accounts",
            },
        }

    @staticmethod
    def _requirements(complete: bool) -> dict:
        due = (
            []
            if complete
            else [
                "business_profile.url",
                "external_account",
                "individual.dob.day",
                "individual.first_name",
                "individual.last_name",
                "tos_acceptance.date",
            ]
        )
        return {
            "currently_due": due,
            "eventually_due": list(due),
            "past_due": list(due),
            "pending_verification": [],
            "errors": [],
            "alternatives": [],
            "current_deadline": None,
            "disabled_reason": None if complete else "requirements.past_due",
        }

    # --- accounts ----------------------------------------------------------------------------
    def account_retrieve_self(self, params, context):
        return self._get(context["account"] or PLATFORM_ACCOUNT_ID, "account")

    def account_create(self, params, context):
        if params.get("type") not in ("express", "standard", "custom", None) and not params.get("controller"):
            raise StripeError(400, "invalid_request_error", f"Invalid type: {params.get('type')}", param="type")
        account = self._put(self._account_object(_new_id("acct")[:21], params))
        self._event("account.updated", account, account=account["id"], request=context["request"])
        return account

    def account_retrieve(self, params, context, account_id):
        return self._get(account_id, "account", param="account")

    def account_update(self, params, context, account_id):
        account = self._get(account_id, "account", param="account")
        previous = {"metadata": dict(account["metadata"])}
        account["metadata"] = _metadata(params, account["metadata"])
        for field in ("email", "default_currency"):
            if field in params:
                previous[field] = account.get(field)
                account[field] = params[field]
        if isinstance(params.get("business_profile"), dict):
            account["business_profile"].update(params["business_profile"])
        self._event("account.updated", account, account=account_id, request=context["request"], previous=previous)
        return account

    def account_list(self, params, context):
        rows = [obj for obj in self.objects.values() if obj["object"] == "account" and obj["id"] != PLATFORM_ACCOUNT_ID]
        return _listing("/v1/accounts", rows, params)

    def complete_onboarding(self, account_id: str) -> dict:
        with self.lock:
            account = self._get(account_id, "account", param="account")
            if account["details_submitted"] and account["payouts_enabled"]:
                return account
            previous = {
                "charges_enabled": account["charges_enabled"],
                "payouts_enabled": account["payouts_enabled"],
                "details_submitted": account["details_submitted"],
            }
            account.update(
                charges_enabled=True,
                payouts_enabled=True,
                details_submitted=True,
                requirements=self._requirements(True),
            )
            account["capabilities"] = dict.fromkeys(account["capabilities"], "active")
            account["tos_acceptance"]["date"] = int(time.time())
            self._event("account.updated", account, account=account_id, previous=previous)
            return account

    def account_link_create(self, params, context):
        account = self._get(_required(params, "account"), "account", param="account")
        link_type = _required(params, "type")
        if link_type not in ("account_onboarding", "account_update"):
            raise StripeError(400, "invalid_request_error", f"Invalid type: {link_type}", param="type")
        refresh_url = _required(params, "refresh_url")
        return_url = _required(params, "return_url")
        token = secrets.token_urlsafe(16)
        now = int(time.time())
        self.account_links[token] = {
            "account": account["id"],
            "refresh_url": refresh_url,
            "return_url": return_url,
            "expires_at": now + self.account_link_ttl,
            "visited": False,
        }
        return {
            "object": "account_link",
            "created": now,
            "expires_at": now + self.account_link_ttl,
            "url": f"{self.base_url}/setup/e/{token}",
        }
