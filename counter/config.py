"""Configuration: everything that differs between a window PC and production comes from the environment.

- ``DATABASE_URL``: SQLAlchemy URL. Default: an SQLite file under ``instance/`` (WAL, foreign keys, busy timeout).
  Production: ``postgresql+psycopg://user:pass@host/dbname`` (``postgresql://`` is accepted too).
- ``SECRET_KEY``: when unset, one is generated once into ``instance/secret_key`` and reused.
- ``LEDGER_HMAC_KEY``: the key sealing the ledger and audit chains (:mod:`counter.core.ledger_key`); when
  unset, one is generated once into ``instance/ledger_hmac_key``. Keep it out of the database's reach.
- ``DATABASE_APP_ROLE``: PostgreSQL only, the login role the application connects as
  (``counter db grant-app-role`` creates it and grants it the least it needs; default ``counter_app``).
- ``COUNTER_TIMEZONE``: business dates are taken in this zone (default Asia/Shanghai).
- ``COUNTER_ENV``: ``demo`` (default: a window PC, ``make run``, tests) or ``production`` (a real office).
  Production refuses what only a demo may do (demo users, sample rates, a missing setting); ask
  :func:`is_production` rather than reading the value.
- ``PUBLIC_BASE_URL``: the address printed in every QR code (the public verification page). ``make run``
  sets it from ``HOST`` and ``PORT``; a demo without it uses ``http://$HOST:$PORT`` (default
  127.0.0.1:5000); production refuses to issue documents while it is unset (:func:`public_base_url`).
- ``PDF_SIGNING_P12`` / ``PDF_SIGNING_PASSPHRASE``: the office's PKCS#12 signing certificate of the PDFs
  (production; a demo makes its own CA under ``instance/``, see ``counter/documents/signing.py``).
  :func:`is_production` rather than reading the value. See :mod:`counter.production`.
- ``COUNTER_HTTPS=1`` (or ``PREFERRED_URL_SCHEME=https``): the site is served over HTTPS; session cookies
  are ``Secure`` and every answer carries HSTS.
- ``COUNTER_TRUSTED_PROXIES=N``: N reverse proxies in front of the app; the client address (rate limits,
  login throttling, audit) is taken from their ``X-Forwarded-For`` (werkzeug ProxyFix). Default 0: the
  socket's address, and ``X-Forwarded-For`` is ignored.
- ``COUNTER_RATE_LIMITS="verify=30/minute,estimate=30/minute"``: limits of the public pages per address.
- ``COUNTER_SESSION_IDLE_SECONDS`` (default 1800): idle timeout of a login session.
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_INSTANCE = PROJECT_ROOT / "instance"


def normalise_database_url(url: str) -> str:
    """Use psycopg 3 for ``postgresql://`` URLs (the driver we ship)."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


def load_secret_key(instance_path: Path) -> str:
    """Read ``SECRET_KEY`` from the environment, else from ``instance/secret_key`` (generated once)."""
    env = os.environ.get("SECRET_KEY")
    if env:
        return env
    instance_path.mkdir(parents=True, exist_ok=True)
    key_file = instance_path / "secret_key"
    if not key_file.exists():
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_urlsafe(48))
    return key_file.read_text().strip()


def _env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


def _env_rate_limits() -> dict[str, str]:
    """``COUNTER_RATE_LIMITS="verify=30/minute,estimate=30/minute"`` -> {"verify": "30/minute", ...}."""
    out = {}
    for part in os.environ.get("COUNTER_RATE_LIMITS", "").split(","):
        scope, sep, limit = part.partition("=")
        if sep and scope.strip():
            out[scope.strip()] = limit.strip()
    return out


def default_config(instance_path: Path) -> dict:
    db_url = os.environ.get("DATABASE_URL") or f"sqlite:///{instance_path / 'counter.db'}"
    return {
        "COUNTER_ENV": os.environ.get("COUNTER_ENV", "demo"),
        "SQLALCHEMY_DATABASE_URI": normalise_database_url(db_url),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "COUNTER_TIMEZONE": os.environ.get("COUNTER_TIMEZONE", "Asia/Shanghai"),
        "BABEL_DEFAULT_LOCALE": "zh",
        "BABEL_DEFAULT_TIMEZONE": os.environ.get("COUNTER_TIMEZONE", "Asia/Shanghai"),
        "COUNTER_LOCALES": ("zh", "en"),
        "WTF_CSRF_TIME_LIMIT": None,  # a clerk's form may stay open all morning; the token is bound to the session
        "WTF_I18N_ENABLED": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "PERMANENT_SESSION_LIFETIME": 10 * 3600,  # absolute session lifetime: one working day
        "SESSION_IDLE_TIMEOUT": int(os.environ.get("COUNTER_SESSION_IDLE_SECONDS", 30 * 60)),  # a shared counter PC
        # HTTPS (behind the office's TLS proxy): Secure cookies and HSTS. Also set by PREFERRED_URL_SCHEME=https.
        "COUNTER_HTTPS": _env_flag("COUNTER_HTTPS"),
        "PREFERRED_URL_SCHEME": os.environ.get("PREFERRED_URL_SCHEME", "http"),
        # Reverse proxies in front of the app whose X-Forwarded-For / -Proto are trusted (0: none).
        "COUNTER_TRUSTED_PROXIES": int(os.environ.get("COUNTER_TRUSTED_PROXIES", "0") or 0),
        # Login throttling (per account and per client address, shared by all workers via the database).
        "LOGIN_MAX_FAILURES": 5,
        "LOGIN_FAILURE_WINDOW": 15 * 60,
        "LOGIN_LOCK_SECONDS": 15 * 60,
        "LOGIN_ADDRESS_MAX_FAILURES": 30,
        # Rate limits of public pages per client address (counter.core.ratelimit), e.g. {"verify": "30/minute"}.
        "RATELIMIT_ENABLED": True,
        "RATE_LIMITS": _env_rate_limits(),
        "MAX_CONTENT_LENGTH": 50 * 1024 * 1024,  # bank statements and import files
        # Display form of registration numbers: {prefix} is the street's prefix, {year}, {seq} the serial.
        "REGISTRATION_NUMBER_DISPLAY": "深福{prefix}租备〔{year}〕第{seq:06d}号",
        "REGISTRATION_NUMBER_CODE": "{code}-{year}-{seq:06d}",
        "PUBLIC_BASE_URL": os.environ.get("PUBLIC_BASE_URL", "").strip() or None,
        "DEMO_BASE_URL": f"http://{os.environ.get('HOST') or '127.0.0.1'}:{os.environ.get('PORT') or '5000'}",
        # Printed documents (counter/documents): default paper of 《房屋租赁信息》 ("A4" or "A5"); the Ed25519
        # signing key of the offline tokens (generated once when absent; default instance/signing_key.pem);
        # the key of the verification codes (default: derived from SECRET_KEY).
        "SLIP_PAPER": os.environ.get("SLIP_PAPER", "A4"),
        "SIGNING_KEY_PATH": os.environ.get("SIGNING_KEY_PATH") or None,
        "VERIFY_KEY": os.environ.get("VERIFY_KEY") or None,
        "PDF_SIGNING_P12": os.environ.get("PDF_SIGNING_P12") or None,
        "PDF_SIGNING_PASSPHRASE": os.environ.get("PDF_SIGNING_PASSPHRASE") or None,
        "DATABASE_APP_ROLE": os.environ.get("DATABASE_APP_ROLE", "counter_app"),
    }


def is_production(config) -> bool:
    """True when the configuration (``app.config`` or a dict) is a real office's (``COUNTER_ENV=production``)."""
    return str(config.get("COUNTER_ENV", "demo")).strip().lower() == "production"


def public_base_url(config) -> str | None:
    """The base of the verification URLs printed in QR codes, without a trailing slash: ``PUBLIC_BASE_URL``;
    unset, a demo's ``DEMO_BASE_URL`` (from HOST and PORT) and None in production (nothing may be issued)."""
    base = str(config.get("PUBLIC_BASE_URL") or "").strip()
    if not base and not is_production(config):
        base = str(config.get("DEMO_BASE_URL") or "http://127.0.0.1:5000").strip()
    return base.rstrip("/") or None
