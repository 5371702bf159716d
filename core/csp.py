"""Content-Security-Policy with sources other apps add at request time.

The policy itself is `CONTENT_SECURITY_POLICY` in settings. A few sources are only known
while the process runs (escrow's hosted payment pages live wherever STRIPE_API_BASE points,
and the test suite starts its Stripe emulator on a free port), so apps list functions in
`CSP_EXTRA_SOURCES` — f(request) -> {directive: [source, ...]} — and this middleware adds
what they return. core asks the registry and never imports the apps.
"""

from csp.middleware import CSPMiddleware as BaseCSPMiddleware
from csp.middleware import PolicyParts
from django.conf import settings
from django.utils.module_loading import import_string


class CSPMiddleware(BaseCSPMiddleware):
    def get_policy_parts(self, request, response, report_only: bool = False) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only=report_only)
        extra: dict[str, list[str]] = {}
        for path in getattr(settings, "CSP_EXTRA_SOURCES", []):
            for directive, sources in (import_string(path)(request) or {}).items():
                extra.setdefault(directive, []).extend(sources)
        if not extra:
            return parts
        policy = getattr(settings, "CONTENT_SECURITY_POLICY", {}).get("DIRECTIVES", {})
        update = dict(parts.update or {})
        for directive, sources in extra.items():
            # django-csp's update appends to the configured directive; keep what the view updated too.
            base = list(update.get(directive, []))
            update[directive] = [*base, *[source for source in sources if source not in policy.get(directive, [])]]
        parts.update = update
        return parts
