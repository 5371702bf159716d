"""Every call Bazaar makes to Stripe goes through here (STYLE: one module, idempotency keys).

Money leaves Decimal only here: amounts become minor units through core.money's per-currency
table. stripe-python points at STRIPE_API_BASE (the emulator in demo and tests) or, unset, at
Stripe itself; nothing else changes between the two.
"""

import logging
from decimal import Decimal

import stripe
from django.conf import settings

from core.errors import DomainError
from core.money import to_minor_units

logger = logging.getLogger(__name__)


class PaymentProviderUnavailable(DomainError):
    """Stripe did not answer (or answered 5xx/409-in-progress); the caller may try again."""

    status_code = 503
    code = "payment_provider_unavailable"


class PaymentProviderRefused(DomainError):
    """Stripe refused the request; the message says why."""

    status_code = 400
    code = "payment_provider_refused"


def configure() -> None:
    """Point stripe-python (and so dj-stripe) at STRIPE_API_BASE, or at Stripe when unset."""
    base = settings.STRIPE_API_BASE.rstrip("/")
    stripe.api_base = base or stripe.DEFAULT_API_BASE
    stripe.connect_api_base = base or stripe.DEFAULT_CONNECT_API_BASE
    stripe.upload_api_base = base or stripe.DEFAULT_UPLOAD_API_BASE
    stripe.api_key = settings.STRIPE_SECRET_KEY
    stripe.max_network_retries = settings.STRIPE_MAX_NETWORK_RETRIES
    stripe.default_http_client = stripe.RequestsClient(timeout=settings.STRIPE_TIMEOUT_SECONDS)


# Stripe's hosted pages that our forms post through to (Account Links, Checkout): a form whose
# POST answers with a redirect there must be allowed by the page's CSP form-action.
STRIPE_HOSTED_ORIGINS = ["https://connect.stripe.com", "https://checkout.stripe.com"]


def csp_sources(request) -> dict[str, list[str]]:
    """CSP_EXTRA_SOURCES entry: the origin of Stripe's hosted pages, or the emulator's.

    Only signed-in pages carry forms that lead there (payout onboarding, paying an escrow);
    every other page keeps form-action 'self' alone.
    """
    from urllib.parse import urlsplit

    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    base = settings.STRIPE_API_BASE.strip()
    if not base:
        return {"form-action": STRIPE_HOSTED_ORIGINS}
    parts = urlsplit(base)
    return {"form-action": [f"{parts.scheme}://{parts.netloc}"]}


def _call(function, /, *args, **kwargs):
    kwargs.setdefault("api_key", settings.STRIPE_SECRET_KEY)
    try:
        return function(*args, **kwargs)
    except stripe.IdempotencyError as error:
        if error.code == "idempotency_key_in_use":  # the same request is in progress: not a failure
            raise PaymentProviderUnavailable("A payment request is already in progress; try again shortly.") from error
        raise
    except (stripe.AuthenticationError, stripe.PermissionError) as error:
        logger.error("Stripe refused our API key (STRIPE_SECRET_KEY): %s", error)
        raise PaymentProviderUnavailable("Payments are not available right now.") from error
    except (stripe.APIConnectionError, stripe.APIError, stripe.RateLimitError) as error:
        raise PaymentProviderUnavailable("The payment provider is not answering right now; try again shortly.") from (
            error
        )
    except stripe.InvalidRequestError as error:
        raise PaymentProviderRefused(error.user_message or str(error)) from error


def minor_units(amount: Decimal, currency: str) -> int:
    return to_minor_units(amount, currency)


# --- Connect accounts -----------------------------------------------------------------------
def account_create(*, user_id: int, email: str, country: str) -> stripe.Account:
    return _call(
        stripe.Account.create,
        type="express",
        country=country or "US",
        email=email,
        capabilities={"transfers": {"requested": True}, "card_payments": {"requested": True}},
        metadata={"bazaar_user_id": str(user_id)},
        idempotency_key=f"payout-account:{user_id}:create",
    )


def account_retrieve(*, account_id: str) -> stripe.Account:
    return _call(stripe.Account.retrieve, account_id)


def account_link_create(*, account_id: str, refresh_url: str, return_url: str) -> stripe.AccountLink:
    """Links are single-use, so each call makes a new one (stripe-python keys its own retries)."""
    return _call(
        stripe.AccountLink.create,
        account=account_id,
        refresh_url=refresh_url,
        return_url=return_url,
        type="account_onboarding",
    )


# --- Checkout -------------------------------------------------------------------------------
def checkout_session_create(
    *, escrow, attempt: int, success_url: str, cancel_url: str, expires_at: int
) -> stripe.checkout.Session:
    """A hosted payment page for the escrow's total, on the platform account (separate charges
    and transfers: the PaymentIntent carries transfer_group for the later Transfer)."""
    metadata = {"escrow_id": str(escrow.pk), "trade_id": str(escrow.trade_id)}
    return _call(
        stripe.checkout.Session.create,
        mode="payment",
        line_items=[
            {
                "price_data": {
                    "currency": escrow.currency.lower(),
                    "unit_amount": minor_units(escrow.total_charged, escrow.currency),
                    "product_data": {"name": f"Bazaar escrow for trade #{escrow.trade_id} (incl. fee)"},
                },
                "quantity": 1,
            }
        ],
        payment_intent_data={"transfer_group": escrow.transfer_group, "metadata": metadata},
        metadata=metadata,
        client_reference_id=str(escrow.pk),
        customer_email=escrow.payer.email or None,
        success_url=success_url,
        cancel_url=cancel_url,
        expires_at=expires_at,
        idempotency_key=f"escrow:{escrow.pk}:checkout-{attempt}",
    )


def checkout_session_retrieve(*, session_id: str) -> stripe.checkout.Session:
    return _call(stripe.checkout.Session.retrieve, session_id, expand=["payment_intent"])


def checkout_session_expire(*, escrow) -> stripe.checkout.Session:
    return _call(
        stripe.checkout.Session.expire,
        escrow.stripe_checkout_session_id,
        idempotency_key=f"escrow:{escrow.pk}:expire-checkout-{escrow.checkout_attempt}",
    )


# --- money out: Transfers, Refunds, reversals -------------------------------------------------
def charge_retrieve(*, charge_id: str) -> stripe.Charge:
    """The charge with its balance transaction (Stripe's processing fee) expanded."""
    return _call(stripe.Charge.retrieve, charge_id, expand=["balance_transaction"])


def payment_intent_retrieve(*, payment_intent_id: str) -> stripe.PaymentIntent:
    return _call(stripe.PaymentIntent.retrieve, payment_intent_id, expand=["latest_charge"])


def transfer_create(*, escrow, amount: Decimal) -> stripe.Transfer:
    """The payee's share, funded by the escrow's charge (separate charges and transfers)."""
    return _call(
        stripe.Transfer.create,
        amount=minor_units(amount, escrow.currency),
        currency=escrow.currency.lower(),
        destination=escrow.payee.payout_account.stripe_account_id,
        source_transaction=escrow.stripe_charge_id,
        transfer_group=escrow.transfer_group,
        metadata={"escrow_id": str(escrow.pk), "trade_id": str(escrow.trade_id)},
        idempotency_key=f"escrow:{escrow.pk}:release",
    )


def refund_create(*, escrow, amount: Decimal) -> stripe.Refund:
    return _call(
        stripe.Refund.create,
        payment_intent=escrow.stripe_payment_intent_id,
        amount=minor_units(amount, escrow.currency),
        reason="requested_by_customer",
        metadata={"escrow_id": str(escrow.pk), "trade_id": str(escrow.trade_id)},
        idempotency_key=f"escrow:{escrow.pk}:refund",
    )


def transfer_reversal_create(*, escrow, amount: Decimal, dispute_id: str) -> stripe.Reversal:
    """Take back what was transferred to the payee after a chargeback (one per chargeback)."""
    return _call(
        stripe.Transfer.create_reversal,
        escrow.stripe_transfer_id,
        amount=minor_units(amount, escrow.currency),
        metadata={"escrow_id": str(escrow.pk), "dispute": dispute_id},
        idempotency_key=f"escrow:{escrow.pk}:reverse-{dispute_id}",
    )


def transfer_retrieve(*, transfer_id: str) -> stripe.Transfer:
    return _call(stripe.Transfer.retrieve, transfer_id)


def refund_retrieve(*, refund_id: str) -> stripe.Refund:
    return _call(stripe.Refund.retrieve, refund_id, expand=["balance_transaction"])


def dispute_retrieve(*, dispute_id: str) -> stripe.Dispute:
    return _call(stripe.Dispute.retrieve, dispute_id, expand=["balance_transactions"])


def transfers_for(*, escrow) -> list:
    """Every Transfer Stripe holds for the escrow's transfer group (reconciliation)."""
    page = _call(stripe.Transfer.list, transfer_group=escrow.transfer_group, limit=100)
    return list(page.auto_paging_iter())


def refunds_for(*, escrow) -> list:
    page = _call(stripe.Refund.list, payment_intent=escrow.stripe_payment_intent_id, limit=100)
    return list(page.auto_paging_iter())
