"""Configuration classes; the environment decides which one runs.

Only deployment facts live here. Policy that staff tune at run time
(eligibility thresholds, the organisation's name, the licensing contact)
lives in the database and is edited in the staff pages.
"""

from __future__ import annotations

import base64
import hashlib
import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import orjson

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = BASE_DIR / "instance"


def _database_url(default: str) -> str:
    url = os.environ.get("DATABASE_URL", default)
    # Hosting platforms hand out postgres:// URLs; SQLAlchemy wants the driver named.
    if url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgres://")
    elif url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return url


def _public_base_url() -> str:
    # BASE_URL was this setting's first name; deployments that still set it keep working.
    return (os.environ.get("PUBLIC_BASE_URL") or os.environ.get("BASE_URL") or "").rstrip("/")


class Config:
    """Development: the embedded SQLite database under instance/."""

    ENV_NAME = "development"
    # Unset, create_app makes a random key on first run and keeps it in
    # instance/secret_key: never a constant anyone could sign a session with.
    SECRET_KEY = os.environ.get("SECRET_KEY")
    SQLALCHEMY_DATABASE_URI = _database_url(f"sqlite:///{INSTANCE_DIR / 'syndication.db'}")
    # orjson reads JSON columns (grant terms, ODRL) several times faster than json.
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True, "json_deserializer": orjson.loads}
    WTF_CSRF_TIME_LIMIT = None  # tokens live as long as the session
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    MAX_CONTENT_LENGTH = 32 * 1024 * 1024  # uploads of feeds and WXR exports
    # An upload (or `flask articles import`) larger than this, or with more items, is imported
    # by a background job, IMPORT_BATCH items per transaction, while its page shows progress.
    IMPORT_INLINE_MAX_BYTES = int(os.environ.get("IMPORT_INLINE_MAX_BYTES", str(2 * 1024 * 1024)))
    IMPORT_INLINE_MAX_ITEMS = int(os.environ.get("IMPORT_INLINE_MAX_ITEMS", "200"))
    IMPORT_BATCH = int(os.environ.get("IMPORT_BATCH", "100"))
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "25"))
    MAIL_USE_TLS = os.environ.get("MAIL_USE_TLS", "") == "1"
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "syndication@localhost")
    # Without an SMTP server (the development default) emails are written to the
    # log, so invitation links still reach the person running the app.
    MAIL_TO_LOG = not MAIL_SERVER
    # Every absolute URL the app writes (emailed links, feed self links, tracking pixels)
    # starts with this, never with the Host a request claims.
    PUBLIC_BASE_URL = _public_base_url() or "http://127.0.0.1:5000"
    # Host names requests may name (Flask refuses others with 400); None accepts any.
    TRUSTED_HOSTS: list[str] | None = None
    # Strict-Transport-Security max-age; 0 sends none (development serves plain http).
    HSTS_SECONDS = 0
    INVITATION_MAX_AGE = 7 * 24 * 3600  # seconds an invitation link stays valid
    DOWNLOAD_LINK_MAX_AGE = 3 * 24 * 3600  # seconds an emailed download link stays valid
    # Built packages, keyed by content hash; defaults to instance/packages.
    PACKAGE_CACHE_DIR = os.environ.get("PACKAGE_CACHE_DIR", "")
    # Image files of assets, stored by content hash; defaults to instance/assets. Shared by
    # every web server and worker in production (like PACKAGE_CACHE_DIR).
    ASSET_STORAGE_DIR = os.environ.get("ASSET_STORAGE_DIR", "")
    ASSET_MAX_BYTES = int(os.environ.get("ASSET_MAX_BYTES", str(20 * 1024 * 1024)))
    # Megabytes of served packages each worker keeps in memory for repeat downloads.
    PACKAGE_MEMORY_MB = float(os.environ.get("PACKAGE_MEMORY_MB", "64"))
    # And of rendered partner feeds, answered again while nothing in them changed.
    FEED_MEMORY_MB = float(os.environ.get("FEED_MEMORY_MB", "16"))
    # And of partner catalogue pages, and apart of their rendered rows (views/catalogue.py).
    CATALOGUE_MEMORY_MB = float(os.environ.get("CATALOGUE_MEMORY_MB", "8"))
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    # With the shared storage (Redis) down, each process counts on its own until it is
    # back, rather than the limited routes (login, the API, feeds) failing: the limits
    # still hold, per process. A storage that does not answer is given up on quickly.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    RATELIMIT_STORAGE_OPTIONS = {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}
    RATELIMIT_HEADERS_ENABLED = True  # X-RateLimit-* and Retry-After on every API answer
    API_RATE_LIMIT = os.environ.get("API_RATE_LIMIT", "120 per minute")
    # Password guessing: login attempts per client address.
    LOGIN_RATE_LIMIT = os.environ.get("LOGIN_RATE_LIMIT", "10 per minute")
    # And per account (known or not): this many failures lock it for LOGIN_LOCKOUT_SECONDS.
    LOGIN_ACCOUNT_FAILURES = int(os.environ.get("LOGIN_ACCOUNT_FAILURES", "5"))
    LOGIN_LOCKOUT_SECONDS = int(os.environ.get("LOGIN_LOCKOUT_SECONDS", "900"))
    # Guesses at the current password when changing it, per logged-in user.
    CURRENT_PASSWORD_RATE_LIMIT = os.environ.get("CURRENT_PASSWORD_RATE_LIMIT", "5 per 15 minutes")
    # Reset links: requests per client address, and how long a link works.
    PASSWORD_RESET_RATE_LIMIT = os.environ.get("PASSWORD_RESET_RATE_LIMIT", "5 per hour")
    PASSWORD_RESET_MAX_AGE = 3600
    # Partner applications per client address.
    APPLY_RATE_LIMIT = os.environ.get("APPLY_RATE_LIMIT", "10 per hour")
    # A remember cookie lasts this long at most (a session unused for 30 days ends anyway).
    REMEMBER_COOKIE_DURATION = timedelta(days=30)
    # Background work (Huey): a SQLite file beside the database by default, so `make run`
    # needs nothing else; redis://host:port/db in production, where any number of worker
    # processes on any number of machines share one queue.
    TASK_QUEUE_URL = os.environ.get("TASK_QUEUE_URL", f"sqlite:///{INSTANCE_DIR / 'tasks.db'}")
    # Apps sharing one Redis db keep apart by queue name.
    TASK_QUEUE_NAME = os.environ.get("TASK_QUEUE_NAME", "syndication")
    # Where pixel hits wait for the flush (services/hit_buffer.py): "memory://" keeps them in
    # the web process and writes them from a thread every PIXEL_FLUSH_INTERVAL seconds;
    # redis://host:port/db (production, a db of its own) shares one list between every web
    # worker, written by the `tracking.flush_hits` task. A batch claimed by a flush that
    # died is claimed again after PIXEL_BATCH_LEASE seconds.
    PIXEL_BUFFER_URL = os.environ.get("PIXEL_BUFFER_URL", "memory://")
    PIXEL_FLUSH_INTERVAL = float(os.environ.get("PIXEL_FLUSH_INTERVAL", "1"))
    PIXEL_BATCH_LEASE = float(os.environ.get("PIXEL_BATCH_LEASE", "30"))
    # Threads per `flask worker` process (each runs one task at a time).
    WORKER_THREADS = int(os.environ.get("WORKER_THREADS", "4"))
    # Staff pages warn when no worker has beaten its heartbeat for this many seconds.
    WORKER_SILENT_AFTER = int(os.environ.get("WORKER_SILENT_AFTER", "120"))
    # Every request to another server (webhooks, asset fetches, copy checks) goes through
    # one client that refuses private, loopback and link-local addresses (delivery/outbound.py).
    OUTBOUND_CONNECT_TIMEOUT = float(os.environ.get("OUTBOUND_CONNECT_TIMEOUT", "5"))
    OUTBOUND_READ_TIMEOUT = float(os.environ.get("OUTBOUND_READ_TIMEOUT", "10"))
    OUTBOUND_TOTAL_TIMEOUT = float(os.environ.get("OUTBOUND_TOTAL_TIMEOUT", "30"))
    # Extra trusted roots (a PEM file) for servers behind a private CA.
    OUTBOUND_CA_BUNDLE = os.environ.get("OUTBOUND_CA_BUNDLE", "")
    # Never in production: the test suite's receivers listen on 127.0.0.1.
    OUTBOUND_ALLOW_LOOPBACK = False
    # Compliance checks of republished copies: the body text's least similarity to ours
    # that still counts as unchanged (style edits only), and the most of a page read.
    COPY_CHECK_MIN_SIMILARITY = float(os.environ.get("COPY_CHECK_MIN_SIMILARITY", "0.97"))
    COPY_CHECK_MAX_BYTES = int(os.environ.get("COPY_CHECK_MAX_BYTES", str(4 * 1024 * 1024)))
    # Fernet keys that encrypt secrets at rest (webhook signing secrets, second-factor
    # secrets), comma-separated: the first encrypts, every one decrypts (so the key can be
    # rotated). Empty in development: a
    # key is generated once and kept under instance/ (services/webhooks.py).
    WEBHOOK_SECRET_KEYS = os.environ.get("WEBHOOK_SECRET_KEYS", "")
    # Where tests and demo loading find the shared corpus (seed article, feeds).
    CORPUS_DIR = Path(os.environ.get("CORPUS_DIR", BASE_DIR.parent / "shared" / "corpus"))


class TestingConfig(Config):
    """The test suite: DATABASE_URL picks SQLite (default) or PostgreSQL."""

    ENV_NAME = "testing"
    TESTING = True
    SECRET_KEY = "testing-secret"
    # The test client's own host: links the suite reads look like those a request would make.
    PUBLIC_BASE_URL = "http://localhost"
    SQLALCHEMY_DATABASE_URI = _database_url(f"sqlite:///{INSTANCE_DIR / 'test.db'}")
    WTF_CSRF_ENABLED = False
    # argon2 at full strength would dominate the suite's run time.
    PASSWORD_HASH_FAST = True
    # The suite starts its own SMTP server and points MAIL_PORT at it.
    MAIL_SERVER = "127.0.0.1"
    MAIL_TO_LOG = False
    MAIL_SUPPRESS_SEND = False  # Flask-Mail would otherwise skip SMTP under TESTING
    # The rate-limit test lowers this for itself; generated API tests must not trip it.
    API_RATE_LIMIT = "100000 per minute"
    LOGIN_RATE_LIMIT = "100000 per minute"
    # The tests flush the pixel's buffer themselves, at the time they choose.
    PIXEL_FLUSH_INTERVAL = 0
    # The suite's HTTP servers (webhook receiver, image host) listen on loopback.
    OUTBOUND_ALLOW_LOOPBACK = True
    CURRENT_PASSWORD_RATE_LIMIT = "100000 per minute"
    PASSWORD_RESET_RATE_LIMIT = "100000 per minute"
    APPLY_RATE_LIMIT = "100000 per minute"
    # Derived from the suite's own secret: fixed, so nothing is written for it.
    WEBHOOK_SECRET_KEYS = base64.urlsafe_b64encode(
        hashlib.sha256(b"testing-webhook-secrets").digest()
    ).decode()


class ProductionConfig(Config):
    """Production: PostgreSQL through psycopg 3, a real secret, secure cookies."""

    ENV_NAME = "production"
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True

    def __init__(self) -> None:
        secret = os.environ.get("SECRET_KEY")
        if not secret:
            raise RuntimeError("SECRET_KEY must be set in production")
        if "DATABASE_URL" not in os.environ:
            raise RuntimeError("DATABASE_URL must be set in production")
        self.SECRET_KEY = secret
        base_url = _public_base_url()
        if not base_url:
            raise RuntimeError("PUBLIC_BASE_URL must be set in production")
        self.PUBLIC_BASE_URL = base_url
        # Only the public host by default; TRUSTED_HOSTS adds others (a load balancer's).
        extra = os.environ.get("TRUSTED_HOSTS", "")
        self.TRUSTED_HOSTS = [urlsplit(base_url).hostname or ""] + [
            host.strip() for host in extra.split(",") if host.strip()
        ]
        self.HSTS_SECONDS = int(os.environ.get("HSTS_SECONDS", str(365 * 24 * 3600)))
        self.SQLALCHEMY_DATABASE_URI = _database_url(os.environ["DATABASE_URL"])
        self.MAIL_SERVER = os.environ.get("MAIL_SERVER", "")
        if not self.MAIL_SERVER:
            raise RuntimeError("MAIL_SERVER must be set in production")
        self.MAIL_TO_LOG = False
        self.WEBHOOK_SECRET_KEYS = os.environ.get("WEBHOOK_SECRET_KEYS", "")
        if not self.WEBHOOK_SECRET_KEYS.strip():
            raise RuntimeError(
                "WEBHOOK_SECRET_KEYS must be set in production (Fernet keys, comma-separated)"
            )
        # Several workers must share one rate-limit count.
        self.RATELIMIT_STORAGE_URI = os.environ.get(
            "RATELIMIT_STORAGE_URI", "redis://127.0.0.1:6379/0"
        )
        # Workers on several machines share one queue; db 1, apart from the rate limits.
        self.TASK_QUEUE_URL = os.environ.get("TASK_QUEUE_URL", "redis://127.0.0.1:6379/1")
        # Pixel hits wait in Redis, shared by every web worker; db 3, apart from the others.
        self.PIXEL_BUFFER_URL = os.environ.get("PIXEL_BUFFER_URL", "redis://127.0.0.1:6379/3")


CONFIGS: dict[str, type[Config]] = {
    "development": Config,
    "testing": TestingConfig,
    "production": ProductionConfig,
}
