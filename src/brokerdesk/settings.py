"""Django settings. Configuration comes from environment variables only (ARCHITECTURE.md section 5).

Embedded mode (the default) needs nothing: SQLite under var/, Huey on SQLite, in-memory channel layer.
Production sets DATABASE_URL (PostgreSQL), REDIS_URL and BROKERDESK_SECRET_KEY.
"""

import os
import secrets
from pathlib import Path

import dj_database_url


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


PACKAGE_DIR = Path(__file__).resolve().parent
BASE_DIR = PACKAGE_DIR.parent.parent
VAR_DIR = Path(os.environ.get("BROKERDESK_VAR_DIR", BASE_DIR / "var")).resolve()
VAR_DIR.mkdir(parents=True, exist_ok=True)
LAKE_DIR = Path(os.environ.get("BROKERDESK_LAKE_DIR", VAR_DIR / "lake")).resolve()


def _embedded_secret_key() -> str:
    # One random key per installation, kept beside the embedded database so sessions survive restarts.
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = os.environ.get("BROKERDESK_SECRET_KEY") or _embedded_secret_key()
# The client portal signs a client's id with this (HMAC-SHA256) to bind a web-chat session to that client.
BROKERDESK_PORTAL_SECRET = os.environ.get("BROKERDESK_PORTAL_SECRET") or f"portal-identity:{SECRET_KEY}"
DEBUG = env_bool("BROKERDESK_DEBUG", False)
ALLOWED_HOSTS = os.environ.get("BROKERDESK_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")
CSRF_TRUSTED_ORIGINS = [
    o for o in os.environ.get("BROKERDESK_CSRF_TRUSTED_ORIGINS", "").split(",") if o
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "ninja",  # serves Swagger UI from its own static files instead of a CDN (offline intranets)
    "axes",
    "channels",
    "huey.contrib.djhuey",
    "brokerdesk.core",
    "brokerdesk.org",
    "brokerdesk.customers",
    "brokerdesk.knowledge",
    "brokerdesk.messaging",
    "brokerdesk.messaging.web_chat",
    "brokerdesk.messaging.wechat",
    "brokerdesk.intake",
    "brokerdesk.segmentation",
    "brokerdesk.tickets",
    "brokerdesk.service_plans",
    "brokerdesk.visits",
    "brokerdesk.contact_center",
    "brokerdesk.surveys",
    "brokerdesk.synth",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "brokerdesk.core.middleware.ProductLanguageMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "brokerdesk.core.middleware.SessionLifetimeMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "brokerdesk.core.middleware.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "brokerdesk.core.middleware.RequestContextMiddleware",
    # AxesMiddleware must be last: it turns lockouts into responses.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "brokerdesk.urls"
ASGI_APPLICATION = "brokerdesk.asgi.application"
WSGI_APPLICATION = "brokerdesk.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "brokerdesk.core.context_processors.navigation",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------------
DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'brokerdesk.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(DATABASE_URL)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A pool, not persistent connections: under ASGI every request runs in its own thread, so
    # CONN_MAX_AGE would open (and strand) one connection per request until PostgreSQL refuses more.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": int(os.environ.get("BROKERDESK_DB_POOL_MIN", 2)),
        "max_size": int(os.environ.get("BROKERDESK_DB_POOL_MAX", 20)),
        "timeout": 10,
    }
    # Statements that run often on a connection are prepared on it. Only core.rawsql.hot_cursor's
    # server-binding cursors can be prepared (Django's own cursors bind on the client). "none" turns it off,
    # e.g. behind a PgBouncer older than 1.21 in transaction mode.
    _prepare = os.environ.get("BROKERDESK_DB_PREPARE_THRESHOLD", "5")
    DATABASES["default"]["OPTIONS"]["prepare_threshold"] = None if _prepare.lower() == "none" else int(_prepare)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Django's SQLite backend with a per-process pool of idle connections (core/sqlite_pool says why).
    DATABASES["default"]["ENGINE"] = "brokerdesk.core.sqlite_pool"
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets readers run beside the one writer; IMMEDIATE takes the write lock up front so two
        # writers queue on busy_timeout instead of failing half-way through a transaction.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "pool": {"max_idle": int(os.environ.get("BROKERDESK_DB_POOL_MAX", 20))},
    }
    # A file (not :memory:) so live-server threads share it; named after the database so two suites
    # (e.g. the API run and the browser run) never delete each other's test database.
    _db_path = Path(DATABASES["default"]["NAME"])
    DATABASES["default"]["TEST"] = {"NAME": str(_db_path.with_name(f"test_{_db_path.name}"))}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Auth, sessions (OWASP ASVS level 2) ------------------------------------------------------------
AUTH_USER_MODEL = "org.Staff"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

SESSION_IDLE_TIMEOUT_SECONDS = int(os.environ.get("BROKERDESK_SESSION_IDLE_SECONDS", 30 * 60))
SESSION_ABSOLUTE_TIMEOUT_SECONDS = int(os.environ.get("BROKERDESK_SESSION_ABSOLUTE_SECONDS", 12 * 3600))
SESSION_COOKIE_AGE = SESSION_ABSOLUTE_TIMEOUT_SECONDS
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
# Secure cookies by default. Browsers treat http://127.0.0.1 and localhost as secure contexts, so the
# embedded mode works over plain HTTP on loopback; set BROKERDESK_SECURE_COOKIES=0 only for a LAN test.
SESSION_COOKIE_SECURE = env_bool("BROKERDESK_SECURE_COOKIES", True)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_NAME = "brokerdesk_session"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

AXES_FAILURE_LIMIT = int(os.environ.get("BROKERDESK_LOGIN_FAILURE_LIMIT", 5))
AXES_COOLOFF_TIME = 0.5  # hours
# Lock the account, not the address: a call-center floor shares one NAT address, and locking by IP
# would let one mistyped password lock out every agent on it.
AXES_LOCKOUT_PARAMETERS = ["username"]
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False

# --- i18n: Chinese first, English available ----------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
LANGUAGE_COOKIE_NAME = "brokerdesk_language"
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static -------------------------------------------------------------------------------------------
STATIC_URL = "static/"
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

# --- Jobs and realtime ----------------------------------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    HUEY = {"huey_class": "huey.RedisHuey", "name": "brokerdesk", "url": REDIS_URL, "immediate": False}
    CHANNEL_LAYERS = {
        "default": {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": {"hosts": [REDIS_URL]}}
    }
    # Shared by every web process: the public form's rate limit must hold across all of them.
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "brokerdesk",
        "filename": str(VAR_DIR / "huey.sqlite3"),
        "immediate": False,
    }
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
                          "LOCATION": str(VAR_DIR / "cache")}}
# Periodic tasks' crontabs (the 16:30 commission export, the nightly segmentation window) are business hours in
# Shanghai: Huey reads them in local time, which Django sets to TIME_ZONE, instead of UTC.
HUEY["utc"] = False
if env_bool("BROKERDESK_HUEY_IMMEDIATE", False):
    HUEY["immediate"] = True

# --- Personal data ---------------------------------------------------------------------------------------
# Default mainland region for phone numbers typed without +86.
PHONE_DEFAULT_REGION = "CN"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("BROKERDESK_LOG_LEVEL", "WARNING")},
}

# --- Domain defaults (DOMAIN.md); a brokerage may tighten them -----------------------------------------------
# Suitability: reassess at least every 2 years; warn this many days before expiry.
RISK_ASSESSMENT_VALIDITY_DAYS = int(os.environ.get("BROKERDESK_RISK_VALIDITY_DAYS", 730))
RISK_EXPIRY_WARNING_DAYS = int(os.environ.get("BROKERDESK_RISK_EXPIRY_WARNING_DAYS", 30))
# Suitability (DOMAIN.md): which product risk levels are "high risk" for ordinary investors, the highest level the
# lowest category may receive, and the cooling-off after a high-risk sale (or an extra return visit instead).
SUITABILITY_HIGH_RISK_LEVELS = [v.strip() for v in os.environ.get("BROKERDESK_HIGH_RISK_LEVELS", "R5").split(",")]
SUITABILITY_LOWEST_CATEGORY_MAX = os.environ.get("BROKERDESK_LOWEST_CATEGORY_MAX_RISK", "R1")
SUITABILITY_COOLING_OFF_HOURS = int(os.environ.get("BROKERDESK_COOLING_OFF_HOURS", 24))
# Board and margin permissions (exchange rules; DOMAIN.md): average daily assets over the trading days before the
# application, and months of trading experience. Brokerages may tighten them.
TRADING_PERMISSION_RULES = {
    "chinext": {"average_assets": "100000", "trading_days": 20, "months": 24},
    "star": {"average_assets": "500000", "trading_days": 20, "months": 24},
    "bse": {"average_assets": "500000", "trading_days": 20, "months": 24},
    "margin": {"average_assets": "500000", "trading_days": 20, "months": 6},
}
# Where commission change files for the core trading system are written (docs/commission-change-file.md).
COMMISSION_EXPORT_DIR = Path(os.environ.get("BROKERDESK_COMMISSION_EXPORT_DIR", VAR_DIR / "outbound")).resolve()
# Customer 360: how many trading days of asset history the trend chart shows.
ASSET_TREND_DAYS = 250
SEARCH_PAGE_SIZE_MAX = 100
# Intake: where staging files and error reports go; the company that core-system centers belong to.
INTAKE_DIR = Path(os.environ.get("BROKERDESK_INTAKE_DIR", VAR_DIR / "intake")).resolve()
COMPANY_NAME = os.environ.get("BROKERDESK_COMPANY_NAME", "示范证券股份有限公司")

# --- Mail and links ---------------------------------------------------------------------------------------
EMAIL_HOST = os.environ.get("BROKERDESK_SMTP_HOST", "127.0.0.1")
EMAIL_PORT = int(os.environ.get("BROKERDESK_SMTP_PORT", 25))
DEFAULT_FROM_EMAIL = os.environ.get("BROKERDESK_MAIL_FROM", "service@brokerdesk.local")
# Where links in notifications point (the address staff reach the platform at).
BROKERDESK_BASE_URL = os.environ.get("BROKERDESK_BASE_URL", "http://127.0.0.1:8000").rstrip("/")

# --- Inbound email (messaging/email, docs/email-intake.md) ----------------------------------------------------
# Messages up to MAIL_MAX_BYTES are parsed and routed; larger ones, up to MAIL_SMTP_MAX_BYTES (the SIZE the
# listener announces), are stored and quarantined as "oversized"; beyond that the listener answers 552 and the
# sending server returns the mail to its author.
MAIL_MAX_BYTES = int(os.environ.get("BROKERDESK_MAIL_MAX_BYTES", 10 * 1024 * 1024))
MAIL_SMTP_MAX_BYTES = int(os.environ.get("BROKERDESK_MAIL_SMTP_MAX_BYTES", 2 * MAIL_MAX_BYTES))
MAIL_MAX_PARTS = int(os.environ.get("BROKERDESK_MAIL_MAX_PARTS", 100))
# The listener accepts mail for these addresses and for any address at these domains; others get 550.
MAIL_RECIPIENTS = [a.strip().lower() for a in os.environ.get(
    "BROKERDESK_MAIL_RECIPIENTS", "service@brokerdesk.local").split(",") if a.strip()]
MAIL_DOMAINS = [d.strip().lower() for d in os.environ.get("BROKERDESK_MAIL_DOMAINS", "").split(",") if d.strip()]

# WeChat official account (messaging/wechat, docs/wechat.md): the token and AppID set in the account's 服务器配置.
# No token: every callback is refused. Callbacks whose timestamp is further than the window from our clock are
# refused (replay protection); bodies beyond WECHAT_MAX_BYTES are not read.
WECHAT_TOKEN = os.environ.get("BROKERDESK_WECHAT_TOKEN", "")
WECHAT_APP_ID = os.environ.get("BROKERDESK_WECHAT_APP_ID", "")
WECHAT_REPLAY_WINDOW_SECONDS = int(os.environ.get("BROKERDESK_WECHAT_REPLAY_WINDOW_SECONDS", 300))
WECHAT_MAX_BYTES = int(os.environ.get("BROKERDESK_WECHAT_MAX_BYTES", 64 * 1024))

# Web chat (messaging/web_chat): a session nobody has written in for this long is closed by the system (with
# the bot or an agent); one waiting for an agent, after the queue limit.
WEB_CHAT_IDLE_MINUTES = int(os.environ.get("BROKERDESK_WEB_CHAT_IDLE_MINUTES", 30))
WEB_CHAT_QUEUE_MINUTES = int(os.environ.get("BROKERDESK_WEB_CHAT_QUEUE_MINUTES", 60))

# --- Outbound messaging (messaging/outbound, docs/messaging.md) ------------------------------------------------
# The SMS gateway (generic signed-HTTP protocol). The default is the local gateway of `brokerdesk sms-gateway`.
MESSAGING_SMS_GATEWAY_URL = os.environ.get("BROKERDESK_SMS_GATEWAY_URL", "http://127.0.0.1:8025").rstrip("/")
MESSAGING_SMS_KEY_ID = os.environ.get("BROKERDESK_SMS_KEY_ID", "brokerdesk")
MESSAGING_SMS_SECRET = os.environ.get("BROKERDESK_SMS_SECRET", "local-sms-gateway-secret")
MESSAGING_SMS_TIMEOUT_SECONDS = float(os.environ.get("BROKERDESK_SMS_TIMEOUT_SECONDS", 10))
MESSAGING_SMS_SENDER_NAME = os.environ.get("BROKERDESK_SMS_SENDER_NAME", "【BrokerDesk】")
# Signed requests older or newer than this are refused (replay protection), both ways.
MESSAGING_SIGNATURE_MAX_AGE_SECONDS = int(os.environ.get("BROKERDESK_MESSAGING_SIGNATURE_MAX_AGE", 300))
MESSAGING_SMTP_TIMEOUT_SECONDS = float(os.environ.get("BROKERDESK_MESSAGING_SMTP_TIMEOUT_SECONDS", 30))
# Quiet hours (Shanghai time, HH:MM-HH:MM, may wrap midnight): non-urgent messages on these channels wait.
MESSAGING_QUIET_HOURS = os.environ.get("BROKERDESK_MESSAGING_QUIET_HOURS", "21:00-08:00")
MESSAGING_QUIET_HOURS_CHANNELS = [c.strip() for c in os.environ.get(
    "BROKERDESK_MESSAGING_QUIET_HOURS_CHANNELS", "sms").split(",") if c.strip()]
# Frequency caps for survey and marketing messages: at most N per client per channel in a rolling window.
MESSAGING_CAP_MESSAGES = int(os.environ.get("BROKERDESK_MESSAGING_CAP_MESSAGES", 2))
MESSAGING_CAP_WINDOW_HOURS = int(os.environ.get("BROKERDESK_MESSAGING_CAP_WINDOW_HOURS", 7 * 24))
# Retries of temporary failures: the waits between attempts (seconds); after the last one the message fails.
MESSAGING_RETRY_BACKOFF_SECONDS = [int(x) for x in os.environ.get(
    "BROKERDESK_MESSAGING_RETRY_BACKOFF", "60,300,1800,7200").split(",") if x.strip()]
# A message not handed over within this many hours of being asked for is expired (too late to be useful).
MESSAGING_VALIDITY_HOURS = int(os.environ.get("BROKERDESK_MESSAGING_VALIDITY_HOURS", 72))
# A claim ("sending") older than this is a crashed worker's: SMS is retried (the gateway de-duplicates), email is
# failed as ambiguous.
MESSAGING_CLAIM_LEASE_SECONDS = int(os.environ.get("BROKERDESK_MESSAGING_CLAIM_LEASE_SECONDS", 600))
# The number clients are told to call back (visits' "we tried to reach you" SMS).
MESSAGING_SERVICE_NUMBER = os.environ.get("BROKERDESK_SERVICE_NUMBER", "95xxx")

# Telephony (contact_center/telephony, docs/telephony.md): the secret the PBX signs its requests with (HMAC-SHA256),
# and how far a request's timestamp may be from our clock (replay protection). The default is derived from
# SECRET_KEY for development; set BROKERDESK_TELEPHONY_SECRET in production (and the same on the PBX).
def _derived_telephony_secret() -> str:
    import hashlib  # a digest, so that the PBX's configuration never holds SECRET_KEY itself

    return hashlib.sha256(f"brokerdesk-telephony:{SECRET_KEY}".encode()).hexdigest()


TELEPHONY_SECRET = os.environ.get("BROKERDESK_TELEPHONY_SECRET") or _derived_telephony_secret()
TELEPHONY_REPLAY_WINDOW_SECONDS = int(os.environ.get("BROKERDESK_TELEPHONY_REPLAY_WINDOW_SECONDS", 300))
# A command the PBX fetched but has not reported carried out is handed out again after the lease, a few times.
TELEPHONY_COMMAND_LEASE_SECONDS = int(os.environ.get("BROKERDESK_TELEPHONY_COMMAND_LEASE_SECONDS", 15))
TELEPHONY_COMMAND_MAX_DELIVERIES = int(os.environ.get("BROKERDESK_TELEPHONY_COMMAND_MAX_DELIVERIES", 3))

# --- Tickets (DOMAIN.md "Complaints") ------------------------------------------------------------------------
# Attachments are stored by content hash outside the web root and served only through the ticket's access check.
ATTACHMENT_DIR = Path(os.environ.get("BROKERDESK_ATTACHMENT_DIR", VAR_DIR / "attachments")).resolve()
ATTACHMENT_MAX_BYTES = int(os.environ.get("BROKERDESK_ATTACHMENT_MAX_BYTES", 50 * 1024 * 1024))
# Complaint files are kept at least 3 years after closing; nothing younger is ever purged.
TICKET_RETENTION_YEARS = max(3, int(os.environ.get("BROKERDESK_TICKET_RETENTION_YEARS", 3)))
# The public complaint form: submissions per client address per hour, and the least time a person takes to fill it.
PUBLIC_FORM_LIMIT_PER_HOUR = int(os.environ.get("BROKERDESK_PUBLIC_FORM_LIMIT_PER_HOUR", 5))
PUBLIC_FORM_MIN_SECONDS = int(os.environ.get("BROKERDESK_PUBLIC_FORM_MIN_SECONDS", 3))
