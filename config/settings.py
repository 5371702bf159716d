"""Bazaar settings: one module, read from the environment.

With no environment at all this runs the *embedded default* (SQLite, in-memory channel
layer, Celery worker and beat inside the web process on a memory broker) so that
`make demo` needs nothing but Python. Setting DATABASE_URL / REDIS_URL switches to
PostgreSQL and Redis. BAZAAR_ENV=production turns on the production section at the end,
which refuses to start without secrets.
"""

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONE, SELF

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

BAZAAR_ENV = env("BAZAAR_ENV", default="development")
IS_PRODUCTION = BAZAAR_ENV == "production"

DEBUG = env.bool("DEBUG", default=not IS_PRODUCTION)
SECRET_KEY = env("SECRET_KEY", default="insecure-development-key-change-me-0123456789abcdef")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# Absolute links (emails, the Sites domain) follow where `make demo` listens unless SITE_URL is set.
_DEMO_HOST = env("HOST", default="localhost")
_DEMO_HOST = "localhost" if _DEMO_HOST in ("0.0.0.0", "::", "") else _DEMO_HOST  # noqa: S104 (a name, not a bind)
SITE_URL = env("SITE_URL", default=f"http://{_DEMO_HOST}:{env('PORT', default='8000')}")
# Client identity: how many reverse proxies under our control sit in front of the app. 0 (the
# default, `make demo`) = none: X-Forwarded-* headers are ignored everywhere and the client is
# the socket's peer. N = the client is the N-th address from the right of X-Forwarded-For
# (each proxy appends the peer it saw). One number feeds DRF's throttles (NUM_PROXIES),
# allauth's rate limits (ALLAUTH_TRUSTED_PROXY_COUNT), gunicorn (config/gunicorn.py) and
# uvicorn (core/asgi_server.py): FORWARDED_ALLOW_IPS is whom those two take the headers from
# ("*" by default behind proxies: then only the proxies may reach the app's ports).
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
FORWARDED_ALLOW_IPS = (env("FORWARDED_ALLOW_IPS", default="") or "*") if TRUSTED_PROXY_COUNT > 0 else ""
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.sites",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "allauth",
    "accounts.apps.AllauthAccountConfig",  # allauth.account, renamed in the admin
    "allauth.mfa",
    "django_htmx",
    "django_celery_beat",
    "channels",
    "csp",
    "core",
    "accounts",
    "cards",
    "lists",
    "trades",
    "notifications",
    "signals",
    "djstripe",
    "escrow",
    "stores",
    "django_filters",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "core.csp.CSPMiddleware",
    # Outside the middleware that answers early (the API's 413), so those answers get it too.
    "core.middleware.SecurityHeadersMiddleware",
    "core.middleware.ApiBodySizeMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "core.context_processors.site",
            ],
            # {% url %} remembers its paths (core/templatetags/fast_paths.py).
            "builtins": ["core.templatetags.fast_paths"],
        },
    },
]

# --- Database -----------------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded default runs web, worker and beat threads against one file.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 30,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: cache, channel layer, Celery broker -------------------------------------
REDIS_URL = env("REDIS_URL", default="")

if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env("CACHE_KEY_PREFIX", default="bazaar"),
        }
    }
    CHANNEL_LAYERS = {
        "default": {
            # Measured (SPEC §7): the pub/sub layer has the lower tail latency at 1,000 clients.
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {
                "hosts": [{"address": REDIS_URL}],
                "prefix": env("CHANNEL_PREFIX", default="bazaar"),
            },
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "bazaar",
        }
    }
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# --- Celery --------------------------------------------------------------------------
# Embedded default: a memory broker shared by the web process and the worker/beat threads
# that `manage.py run_demo` starts. With REDIS_URL, worker and beat are separate processes.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL or "memory://")
# Prefix for every broker key (kombu's global_keyprefix), so two processes sharing one Redis
# database (a test worker beside a running demo) never see each other's queues.
CELERY_BROKER_TRANSPORT_OPTIONS = {"global_keyprefix": env("CELERY_BROKER_KEY_PREFIX", default="")}
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 30 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 25 * 60
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# The one place periodic jobs are declared; the DatabaseScheduler mirrors it into the DB.
# BEAT_FAST_SECONDS (tests of the embedded runner only) makes the nightly jobs run every N seconds.
BEAT_FAST_SECONDS = env.float("BEAT_FAST_SECONDS", default=0.0)
CELERY_BEAT_SCHEDULE = {
    "accounts.recompute_reputations": {
        "task": "accounts.tasks.recompute_all_reputations",
        "schedule": BEAT_FAST_SECONDS or crontab(minute=15, hour=3),
    },
    # Trades (negotiation): pending/viewed proposals past expires_at become expired.
    "trades.expire_due_proposals": {
        "task": "trades.tasks.expire_due_proposals",
        "schedule": BEAT_FAST_SECONDS or crontab(minute="*/10"),
    },
    # Lists: unfinished imports older than LIST_IMPORT_RETENTION_HOURS are discarded, files deleted.
    "lists.purge_stale_list_imports": {
        "task": "lists.purge_stale_list_imports",
        "schedule": BEAT_FAST_SECONDS or crontab(minute=20),
    },
    # Cards (market data): daily price imports from SCRYFALL_BULK_URL / MTGJSON_PRICES_URL;
    # with no URL set they log a warning and do nothing.
    "cards.import_scryfall_bulk": {
        "task": "cards.tasks.import_scryfall_bulk",
        "schedule": crontab(minute=30, hour=10),
    },
    "cards.import_mtgjson_prices": {
        "task": "cards.tasks.import_mtgjson_prices",
        "schedule": crontab(minute=0, hour=11),
    },
    # Signals: evaluate those whose target date has arrived (hourly, so none waits long past
    # its day; the daily pass is the one at 00:05), rebuild the leaderboard; system momentum signals daily.
    "signals.evaluate_signals": {
        "task": "signals.tasks.evaluate_signals",
        "schedule": BEAT_FAST_SECONDS or crontab(minute=5),
    },
    "signals.generate_system_signals": {
        "task": "signals.tasks.generate_system_signals",
        "schedule": BEAT_FAST_SECONDS or crontab(minute=30, hour=6),
    },
    # Escrow: unpaid escrows past expires_at are cancelled (the trade stays active).
    "escrow.expire_unpaid": {
        "task": "escrow.tasks.expire_unpaid_escrows",
        "schedule": BEAT_FAST_SECONDS or crontab(minute="*/5"),
    },
    # Escrow: recipients past the inspection window are deemed to confirm (then release), the
    # 3-day and 1-day reminders, and releases Stripe refused to answer earlier.
    "escrow.auto_confirm": {
        "task": "escrow.tasks.auto_confirm_receipts",
        "schedule": BEAT_FAST_SECONDS or crontab(minute="*/15"),
    },
    # Stores: claim stores whose scheduled URL sync is due (docs/decisions/0013); reprice
    # auto-adjusted stores in batches after price imports (never per tick).
    "stores.sync_due_stores": {
        "task": "stores.tasks.sync_due_stores",
        "schedule": BEAT_FAST_SECONDS or crontab(minute="*/5"),
    },
    "stores.recompute_all_buylists": {
        "task": "stores.tasks.recompute_all_buylists",
        "schedule": BEAT_FAST_SECONDS or crontab(minute=15, hour=4),
    },
    "stores.reprice_auto_adjusted_stores": {
        "task": "stores.tasks.reprice_auto_adjusted_stores",
        "schedule": BEAT_FAST_SECONDS or crontab(minute="*/15"),
    },
}

# --- Auth ------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
SITE_ID = 1
LOGIN_REDIRECT_URL = "/"
LOGIN_URL = "account_login"

ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "username*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Bazaar] "
ACCOUNT_USERNAME_MIN_LENGTH = 3
# Usernames appear in URLs (/u/<name>/, /trades/lists/<name>/): keep the fixed path words free.
ACCOUNT_USERNAME_BLACKLIST = ["admin", "api", "import", "settings", "staff", "support", "bazaar", "me", "new"]
ACCOUNT_RATE_LIMITS = {
    # allauth's defaults, spelled out so they are visible and tunable.
    "change_password": "5/m/user",
    "manage_email": "10/m/user",
    "reset_password": "20/m/ip,5/m/key",
    "reauthenticate": "10/m/user",
    "reset_password_from_key": "20/m/ip",
    "signup": "20/m/ip",
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "confirm_email": "1/3m/key",
}
if env.bool("DISABLE_RATE_LIMITS", default=False):
    ACCOUNT_RATE_LIMITS = False
# --- Accounts (accounts engineer) ------------------------------------------------------
# Signups go through accounts.services.user_create (user + reputation row in one transaction).
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
# Signup with a taken email says so plainly (issue 2: "clear form errors"); allauth's
# enumeration guard would instead pretend success and email the owner. Rate limits above
# bound how fast anyone can probe addresses.
ACCOUNT_PREVENT_ENUMERATION = False
# Public-profile panels other apps add, like DASHBOARD_PANELS:
# f(*, profile_user, viewer) -> {"template": ..., ...} | None.
PROFILE_PANELS: list[str] = [
    "lists.selectors.profile_panel",  # lists: visible lists, propose a trade
    "trades.selectors.trades.profile_panel",  # trades: reviews received
    "signals.selectors.profile_panel",  # signals: the creator's record and recent signals
]
# Settings-page sections other apps add: f(*, user) -> {"template": ..., ...} | None.
SETTINGS_PANELS: list[str] = [
    "escrow.selectors.settings_panel",  # escrow: payout account status and what is missing
]
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Bazaar"

# --- Email -----------------------------------------------------------------------------
EMAIL_BACKEND = env(
    "EMAIL_BACKEND",
    default="django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = env("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Bazaar <noreply@bazaar.localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- API -------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "core.pagination.DefaultCursorPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    # The client a throttle counts is the one TRUSTED_PROXY_COUNT says (never a client-sent header).
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
    "DEFAULT_THROTTLE_RATES": {
        "anon": env("API_THROTTLE_ANON", default="60/min"),
        "user": env("API_THROTTLE_USER", default="600/min"),
    },
    "DEFAULT_SCHEMA_CLASS": "core.schema.AutoSchema",
    "EXCEPTION_HANDLER": "core.api.exception_handler",
    # API conventions (docs/api.md): JSON in and out; bounded bodies; errors in one shape.
    "DEFAULT_PARSER_CLASSES": ["core.parsers.JSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Bazaar API",
    "DESCRIPTION": (
        "Magic: The Gathering cards and prices, have and want lists, matching, trade proposals, "
        "trades, reviews, notifications, and local game stores with their inventory."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        # Stores: their statuses, sources and providers share field names with other apps' enums.
        "StoreStatusEnum": "stores.enums.StoreStatus",
        "SyncRunStatusEnum": "stores.enums.SyncRunStatus",
        "SyncSourceEnum": "stores.enums.SyncSource",
        "SyncProviderEnum": "stores.enums.SyncProvider",
        "PriceSourceEnum": "cards.enums.PriceSource",
    },
}
API_TOKEN_PREFIX = "bz"

# --- Browser security headers --------------------------------------------------------------
# Content-Security-Policy (django-csp): scripts and styles only from our own static files —
# no inline <script>, no on*= / hx-on attributes, no style="" (docs/decisions/0014). Card
# images come from the catalog's image host; data: is for the TOTP QR code and Swagger's icons.
CARD_IMAGE_HOSTS = env.list("CARD_IMAGE_HOSTS", default=["https://cards.scryfall.io"])
_site_url = SITE_URL.rstrip("/")
_websocket_origin = _site_url.replace("https://", "wss://", 1).replace("http://", "ws://", 1)
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:", *CARD_IMAGE_HOSTS],
        "font-src": [SELF],
        # 'self' covers same-origin ws(s): in current browsers; the explicit origin is for older ones.
        "connect-src": [SELF, _websocket_origin],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}
# Sources known only at run time, added per request by core.csp.CSPMiddleware:
# f(request) -> {directive: [source, ...]}.
CSP_EXTRA_SOURCES: list[str] = [
    "escrow.stripe_api.csp_sources",  # Stripe's hosted onboarding and Checkout pages (form-action)
]
# Browser features Bazaar never uses stay off; geolocation only for "Use my location" in settings.
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(self), gyroscope=(), magnetometer=(), microphone=(), payment=(), usb=()"
)

# --- i18n, static ------------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# Served by whitenoise; outside production straight from static/ (no collectstatic needed).
WHITENOISE_USE_FINDERS = not IS_PRODUCTION
WHITENOISE_AUTOREFRESH = DEBUG
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploads are private in every environment: kept under MEDIA_ROOT, which no URL serves (no
# MEDIA_URL, no /media/ route), by a default storage that has no URL at all. A file a user
# may fetch goes through an access-checked view (core.storage, core.files).
MEDIA_ROOT = env("MEDIA_ROOT", default=str(BASE_DIR / "private-media"))
STORAGES = {
    "default": {"BACKEND": "core.storage.PrivateFileSystemStorage"},
    "staticfiles": {
        "BACKEND": "core.storage.CachedManifestStaticFilesStorage"
        if IS_PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# List imports (lists.services.imports): a file is refused above 20 MB (413) or 200,000 rows
# (400), and a trader keeps at most 10 unfinished imports (409). An upload's file is deleted
# when it is committed or discarded; an import left unfinished for a day is discarded and its
# file deleted by the hourly beat job.
LIST_IMPORT_MAX_BYTES = 20 * 1024 * 1024
LIST_IMPORT_MAX_ROWS = 200_000
LIST_IMPORTS_KEPT_MAX = 10
LIST_IMPORT_RETENTION_HOURS = 24
# Dispute evidence (escrow.evidence): at most 5 images of up to 5 MB and 40 megapixels each,
# JPEG, PNG or WebP by content, re-encoded before they are kept (docs/decisions/0025).
DISPUTE_EVIDENCE_MAX_FILES = 5
DISPUTE_EVIDENCE_MAX_BYTES = 5 * 1024 * 1024
DISPUTE_EVIDENCE_MAX_PIXELS = 40_000_000
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}, "stripe": {"level": "WARNING"}},
}

# --- Product settings ----------------------------------------------------------------------
# Signed-in home page: each app contributes a panel, f(*, user) -> {"template": ..., ...} | None.
DASHBOARD_PANELS = [
    "accounts.selectors.dashboard_panel",
    "cards.selectors.dashboard_panel",
    "trades.selectors.dashboard_panel",
    "notifications.selectors.dashboard_panel",
    "stores.selectors.dashboard_panel",
    "escrow.selectors.dashboard_panel",  # escrow: your escrows, what each waits for
]
# Public home page and dashboard: strips other apps add above the content, f(*, user) -> {...} | None.
HOME_PANELS = [
    "signals.selectors.home_panel",  # signals: featured signals
]
# Counts in the signed-in nav (the bell and icons): each app adds its own,
# f(*, user) -> {"<badge name>": int}; notifications merges them (it imports no app above it).
NAV_BADGES = [
    "notifications.selectors.nav_badges",
    "trades.selectors.threads.nav_badges",
]
# What `run_demo` starts besides web, worker, beat and feed: f(*, site_url, stdout) -> stop callable | None.
DEMO_SERVICES = [
    "escrow.demo.start_stripe_emulator",  # the Stripe emulator, unless real Stripe is configured
]
# Sections of the trade page other apps add:
# f(*, trade, viewer) -> {"template": ..., ...} | None, rendered in this order.
TRADE_PANELS = [
    "escrow.selectors.trade_panel",  # escrow: fee, pay, live status, addresses once paid
]
# Checks other apps run before a trade is confirmed or cancelled: f(*, trade, action) with
# action "confirm" or "cancel"; raising a core DomainError (e.g. Conflict, 409) refuses it.
TRADE_GUARDS: list[str] = [
    "escrow.selectors.trade_guard",  # a live escrow owns the trade's end: confirm/cancel answer 409
]
# Extra fields of the trade API other apps fill in batches: name -> f(*, trade_ids) -> {trade_id: value}.
TRADE_API_FIELDS: dict[str, str] = {
    "escrow": "escrow.selectors.trade_escrow_ids",  # id of the trade's live escrow, or null
}
REPUTATION_INACTIVITY_DAYS_PER_MONTH = 30
# Trades (negotiation): an unanswered proposal expires after this many days; reviews stay
# open this long after a trade completes.
PROPOSAL_EXPIRY_DAYS = env.int("PROPOSAL_EXPIRY_DAYS", default=7)
TRADE_REVIEW_WINDOW_DAYS = env.int("TRADE_REVIEW_WINDOW_DAYS", default=30)
SESSION_COOKIE_AGE = int(timedelta(days=14).total_seconds())

# --- Cards (market data) ---------------------------------------------------------------
# Daily imports fetch these; empty = the beat job logs a warning and imports nothing.
# SCRYFALL_BULK_URL may be the bulk-data API object (https://api.scryfall.com/bulk-data/default-cards)
# or a direct file URL; MTGJSON files may be .json, .json.gz, .json.bz2 or .json.xz.
SCRYFALL_BULK_URL = env("SCRYFALL_BULK_URL", default="")

# Notifications: message emails are coalesced to one per conversation per quiet period; a
# conversation open in a tab (its socket refreshes a cache key with this TTL) gets no bell or email.
NOTIFICATION_EMAIL_QUIET_SECONDS = env.int("NOTIFICATION_EMAIL_QUIET_SECONDS", default=300)
THREAD_PRESENCE_TTL_SECONDS = env.int("THREAD_PRESENCE_TTL_SECONDS", default=30)
MTGJSON_PRICES_URL = env("MTGJSON_PRICES_URL", default="")
MTGJSON_IDENTIFIERS_URL = env("MTGJSON_IDENTIFIERS_URL", default="")

# --- Escrow (Stripe Connect through dj-stripe) -----------------------------------------------
# With no keys set, Bazaar talks to the bundled Stripe emulator (tools/stripe_emulator) at
# STRIPE_API_BASE, which `make demo` and the test suite start. Real Stripe: real keys, an unset
# STRIPE_API_BASE, then `python manage.py stripe_setup` (README).
STRIPE_SECRET_KEY = env("STRIPE_SECRET_KEY", default="") or "sk_test_bazaarEmulator000000000000"
STRIPE_WEBHOOK_SECRET = env("STRIPE_WEBHOOK_SECRET", default="") or "whsec_bazaarEmulator000000000000"
STRIPE_API_BASE = env("STRIPE_API_BASE", default="")
STRIPE_LIVE_MODE = STRIPE_SECRET_KEY.startswith("sk_live_")
STRIPE_TIMEOUT_SECONDS = env.float("STRIPE_TIMEOUT_SECONDS", default=30.0)
STRIPE_MAX_NETWORK_RETRIES = env.int("STRIPE_MAX_NETWORK_RETRIES", default=2)
STRIPE_EMULATOR_PORT = env.int("STRIPE_EMULATOR_PORT", default=0)  # make demo: 0 = a free port
DJSTRIPE_FOREIGN_KEY_TO_FIELD = "id"
DJSTRIPE_WEBHOOK_VALIDATION = "verify_signature"
# SPEC §6: the payer pays the fee; total = amount + fee (percent of the amount, clamped).
ESCROW_FEE_PERCENT = Decimal(env("ESCROW_FEE_PERCENT", default="3"))
ESCROW_FEE_MIN = Decimal(env("ESCROW_FEE_MIN", default="1.00"))
ESCROW_FEE_MAX = Decimal(env("ESCROW_FEE_MAX", default="50.00"))
ESCROW_SUGGEST_ABOVE = Decimal(env("ESCROW_SUGGEST_ABOVE", default="100"))  # trade value that suggests escrow
ESCROW_PAYMENT_HOURS = env.int("ESCROW_PAYMENT_HOURS", default=48)  # unpaid escrows cancel after this
# A recipient who neither confirms receipt nor disputes this long after the other side shipped
# is deemed to have received (reminders 3 days and 1 day before).
ESCROW_INSPECTION_DAYS = env.int("ESCROW_INSPECTION_DAYS", default=14)
# --- Stores ----------------------------------------------------------------------------------
# Inventory sync files (uploads and URL fetches): size and time caps.
STORE_SYNC_MAX_BYTES = env.int("STORE_SYNC_MAX_BYTES", default=100 * 1024 * 1024)
STORE_SYNC_FETCH_TIMEOUT_SECONDS = env.int("STORE_SYNC_FETCH_TIMEOUT_SECONDS", default=120)
# Smart buylist demand factor (docs/stores.md): clamp(1 + a·local + b·signal + c·momentum, 0.8, 1.5).
BUYLIST_DEMAND_A_LOCAL = Decimal("0.05")  # per trader nearby wanting the card (counted only from 3 up)
BUYLIST_DEMAND_B_SIGNAL = Decimal("0.01")  # per follower of an active BUY signal on the card
BUYLIST_DEMAND_C_MOMENTUM = Decimal("0.5")  # times the 7-day price change as a fraction
BUYLIST_DEMAND_MIN_TRADERS = 3  # fewer wanting traders count as none (never identifies a trader)
STORE_MATCH_MESSAGES_PER_HOUR = 20

# Under ASGI (the demo, /ws/ in production) no request body may exceed this: the largest
# upload (a store inventory file, or a dispute's evidence images) plus its form;
# core.asgi_limits refuses it before Django buffers it. Each upload view still applies its own,
# smaller cap.
REQUEST_BODY_MAX_BYTES = (
    max(LIST_IMPORT_MAX_BYTES, STORE_SYNC_MAX_BYTES, DISPUTE_EVIDENCE_MAX_FILES * DISPUTE_EVIDENCE_MAX_BYTES)
    + 1024 * 1024
)

# --- Production ----------------------------------------------------------------------------
if IS_PRODUCTION:
    # Refuse to start without real secrets and hosts.
    SECRET_KEY = env("SECRET_KEY")
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
    if not ALLOWED_HOSTS or "insecure" in SECRET_KEY or len(SECRET_KEY) < 50:
        raise environ.ImproperlyConfigured("Production needs SECRET_KEY (50+ chars) and ALLOWED_HOSTS.")
    DEBUG = False
    # Only a trusted proxy's X-Forwarded-Proto says the request came over HTTPS.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if TRUSTED_PROXY_COUNT > 0 else None
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_CONTENT_TYPE_NOSNIFF = True
    SECURE_REFERRER_POLICY = "same-origin"
    ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https"
