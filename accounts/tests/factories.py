from functools import lru_cache

import factory
from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password

from accounts.models import User, UserReputation


@lru_cache(maxsize=32)
def _hashed(raw: str) -> str:
    """Hash each distinct test password once per run: PBKDF2 per user made suites crawl."""
    return make_password(raw)


class UserFactory(factory.django.DjangoModelFactory):
    """A verified, active trader with a reputation row (as signup + verification leave them)."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"trader{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.com")
    password = factory.Transformer("correct-horse-battery-staple", transform=_hashed)
    country = "US"

    @factory.post_generation
    def reputation(obj, create, extracted, **kwargs):
        if create:
            UserReputation.objects.get_or_create(user=obj, defaults=kwargs)

    @factory.post_generation
    def verified_email(obj, create, extracted, **kwargs):
        if create and extracted is not False:
            EmailAddress.objects.get_or_create(user=obj, email=obj.email, defaults={"verified": True, "primary": True})
