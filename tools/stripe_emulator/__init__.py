"""A small Stripe-API-compatible server for the endpoints Bazaar and dj-stripe use.

Stripe has no reachable test server here and no installable mock covers Connect, so demo and
tests talk to this instead (SPEC §6). stripe-python points at it through `STRIPE_API_BASE`;
real keys and an unset base switch to real Stripe with no code change.
"""

from .server import Emulator, sign_payload

__all__ = ["Emulator", "sign_payload"]
