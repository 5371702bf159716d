"""Demo accounts: two traders and a staff user. Idempotent: existing users are left as they are."""

from allauth.account.models import EmailAddress

from .models import User
from .services import reputation_recompute, user_create, user_update_settings

DEMO_PASSWORD = "bazaar-demo-123"
DEMO_USERS = [
    {
        "email": "trader@bazaar.test",
        "username": "demo_trader",
        "location": {"country": "US", "postal_code": "98101"},  # Seattle
    },
    {
        "email": "trader2@bazaar.test",
        "username": "second_trader",
        "location": {"country": "US", "postal_code": "98103"},  # Seattle, Fremont
    },
    {
        "email": "staff@bazaar.test",
        "username": "bazaar_staff",
        "staff": True,
        "location": None,
    },
]


def _ensure_user(spec: dict) -> tuple[User, bool]:
    user = User.objects.filter(email__iexact=spec["email"]).first()
    if user is not None:
        return user, False
    staff = spec.get("staff", False)
    user = user_create(
        email=spec["email"], username=spec["username"], password=DEMO_PASSWORD, is_staff=staff, is_superuser=staff
    )
    if spec["location"]:
        user_update_settings(
            user=user,
            username=user.username,
            latitude=None,
            longitude=None,
            trade_radius_km=50,
            match_with_stores=True,
            **spec["location"],
        )
    EmailAddress.objects.update_or_create(user=user, email=user.email, defaults={"verified": True, "primary": True})
    reputation_recompute(user=user)
    return user, True


def seed(stdout) -> None:
    for spec in DEMO_USERS:
        user, created = _ensure_user(spec)
        state = "created" if created else "exists"
        stdout.write(f"  {'staff ' if user.is_staff else 'trader'} {user.email} / {DEMO_PASSWORD}  ({state})\n")
    stdout.write(
        "  Staff must enroll an authenticator app at /accounts/2fa/ (log in as staff@bazaar.test) "
        "before the admin at /admin/ lets them in.\n"
    )
