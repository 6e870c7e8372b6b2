"""Rate limits shared by every worker and server (限流): one small table of counters in the database.

A counter is a row ``(scope, key)`` — e.g. ``("verify", "203.0.113.7")`` or ``("login.account", "nanyuan.clerk")``
— holding the hits of the current fixed window and, once the limit is reached, the time until which the
key is blocked. Each hit is ONE atomic upsert (``INSERT … ON CONFLICT DO UPDATE … RETURNING`` on
PostgreSQL and SQLite alike), so concurrent workers and servers count together and never lose a hit.

API::

    hit(scope, key, limit=..., window=..., block=None) -> Decision   # count one hit (flush only)
    peek(scope, key) -> Decision                                     # is the key blocked now?
    reset(scope, key)                                                # forget the key (admin unlock)
    blocked_keys(scope) -> {key: blocked_until (epoch seconds)}
    client_address() -> str                                          # the client, behind trusted proxies

    @rate_limited("verify", per_minute=30)      # a view decorator: 429 + Retry-After when exceeded
    def check(): ...

Limits are configurable: ``app.config["RATE_LIMITS"]["verify"] = "60/minute"`` (also ``N/second``,
``N/hour``, ``N/day`` or ``N/<seconds>``; env ``COUNTER_RATE_LIMITS="verify=60/minute,estimate=20/minute"``);
``RATELIMIT_ENABLED = False`` switches the decorator off (the login throttle stays on).

The client address is ``request.remote_addr``; behind a reverse proxy set ``COUNTER_TRUSTED_PROXIES``
to the number of proxies in front of the app, and werkzeug's ProxyFix takes the address from that many
``X-Forwarded-For`` hops (never more: a client cannot pick its own address).
"""
from __future__ import annotations

import hashlib
import random
import re
import time
from dataclasses import dataclass
from functools import wraps

from flask import current_app, has_request_context, request
from sqlalchemy import BigInteger, Integer, String, case, delete, select, update
from sqlalchemy.orm import Mapped, mapped_column

from counter.core.db import dialect_insert
from counter.extensions import db

KEY_MAX = 128
PURGE_AFTER = 86_400  # rows idle for a day are deleted now and then
_UNITS = {"second": 1, "minute": 60, "hour": 3600, "day": 86_400}


def now() -> int:
    """Epoch seconds (tests move the clock by replacing this function)."""
    return int(time.time())


class RateCounter(db.Model):
    """限流计数: hits of ``key`` in ``scope`` since ``window_start`` (epoch seconds); blocked until
    ``blocked_until`` once the limit was reached."""

    __tablename__ = "rate_counter"

    scope: Mapped[str] = mapped_column(String(32), primary_key=True)
    key: Mapped[str] = mapped_column(String(KEY_MAX), primary_key=True)
    window_start: Mapped[int] = mapped_column(BigInteger, nullable=False)
    hits: Mapped[int] = mapped_column(Integer, nullable=False)
    blocked_until: Mapped[int | None] = mapped_column(BigInteger, nullable=True)


@dataclass(frozen=True)
class Decision:
    allowed: bool
    hits: int
    limit: int | None
    retry_after: int  # seconds until the key may try again (0 when allowed)
    blocked_until: int | None  # epoch seconds

    @property
    def blocked(self) -> bool:
        return not self.allowed


def _key(key: str) -> str:
    key = str(key)
    if len(key) > KEY_MAX or any(ord(c) < 32 for c in key):
        return "sha256:" + hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()
    return key


def hit(scope: str, key: str, *, limit: int, window: int, block: int | None = None) -> Decision:
    """Count one hit of ``key``. When the window's hits reach ``limit`` the key is blocked for ``block``
    seconds (default: to the end of the window). Refused (``allowed=False``) when the key was already
    blocked or the hit is beyond the limit. Flush only: the caller commits (see :func:`rate_limited`)."""
    t = RateCounter.__table__
    at = now()
    expired = t.c.window_start <= at - window
    stmt = dialect_insert(RateCounter).values(scope=scope, key=_key(key), window_start=at, hits=1, blocked_until=None)
    stmt = stmt.on_conflict_do_update(
        index_elements=[t.c.scope, t.c.key],
        set_={"hits": case((expired, 1), else_=t.c.hits + 1),
              "window_start": case((expired, at), else_=t.c.window_start),
              "blocked_until": case((t.c.blocked_until > at, t.c.blocked_until), else_=None)},
    ).returning(t.c.hits, t.c.window_start, t.c.blocked_until)
    hits, start, blocked_until = db.session.execute(stmt).one()
    was_blocked = blocked_until is not None and blocked_until > at
    if not was_blocked and hits >= limit:
        blocked_until = at + (block if block is not None else max(1, start + window - at))
        db.session.execute(update(t).where(t.c.scope == scope, t.c.key == _key(key))
                           .values(blocked_until=blocked_until))
    if random.random() < 0.01:
        _purge(at)
    allowed = not was_blocked and hits <= limit
    retry = 0 if allowed else max(1, (blocked_until or at) - at)
    return Decision(allowed=allowed, hits=hits, limit=limit, retry_after=retry, blocked_until=blocked_until)


def peek(scope: str, key: str) -> Decision:
    """Whether ``key`` is blocked now (nothing is counted)."""
    row = db.session.execute(select(RateCounter.hits, RateCounter.blocked_until)
                             .where(RateCounter.scope == scope, RateCounter.key == _key(key))).first()
    at = now()
    if row is None or row.blocked_until is None or row.blocked_until <= at:
        return Decision(True, row.hits if row else 0, None, 0, None)
    return Decision(False, row.hits, None, row.blocked_until - at, row.blocked_until)


def reset(scope: str, key: str) -> bool:
    """Forget ``key`` (an administrator unlocks an account). True when there was something to forget."""
    result = db.session.execute(delete(RateCounter).where(RateCounter.scope == scope, RateCounter.key == _key(key)))
    return bool(result.rowcount)


def blocked_keys(scope: str) -> dict[str, int]:
    at = now()
    rows = db.session.execute(select(RateCounter.key, RateCounter.blocked_until)
                              .where(RateCounter.scope == scope, RateCounter.blocked_until > at))
    return {k: until for k, until in rows}


def _purge(at: int) -> None:
    db.session.execute(delete(RateCounter).where(RateCounter.window_start < at - PURGE_AFTER,
                                                 (RateCounter.blocked_until.is_(None))
                                                 | (RateCounter.blocked_until < at)))


def client_address() -> str:
    """The client's address (``request.remote_addr``, which ProxyFix sets from trusted proxies only)."""
    if not has_request_context():
        return "local"
    return (request.remote_addr or "unknown")[:64]


def parse_limit(text: str) -> tuple[int, int]:
    """``"30/minute"``, ``"30 per minute"``, ``"5/900"`` -> (limit, window seconds)."""
    m = re.fullmatch(r"\s*(\d+)\s*(?:/|per)\s*(\d+|second|minute|hour|day)s?\s*", str(text))
    if not m:
        raise ValueError(f"not a rate limit (N/minute): {text!r}")
    unit = m.group(2)
    return int(m.group(1)), int(unit) if unit.isdigit() else _UNITS[unit]


def configured_limit(scope: str, default: tuple[int, int]) -> tuple[int, int]:
    value = (current_app.config.get("RATE_LIMITS") or {}).get(scope)
    if value is None:
        return default
    if isinstance(value, (tuple, list)):
        return int(value[0]), int(value[1])
    return parse_limit(value)


class RateLimited(Exception):
    """Raised by :func:`rate_limited`; the app answers 429 with ``Retry-After`` (see counter.web)."""

    def __init__(self, scope: str, retry_after: int):
        super().__init__(f"rate limit {scope}: retry after {retry_after} s")
        self.scope = scope
        self.retry_after = retry_after


def rate_limited(scope: str, per_minute: int | None = None, *, limit: int | None = None, window: int = 60,
                 key=None):
    """View decorator: at most ``per_minute`` requests a minute (or ``limit`` per ``window`` seconds) per
    client address (or per ``key()``), configurable as ``RATE_LIMITS[scope]``. The counter is committed
    before the view runs (so a refused or failed request still counts); the view must not depend on
    an earlier write of the same request."""
    if per_minute is not None:
        limit, window = per_minute, 60
    if limit is None:
        raise TypeError("give per_minute or limit")
    default = (limit, window)

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if current_app.config.get("RATELIMIT_ENABLED", True):
                n, seconds = configured_limit(scope, default)
                decision = hit(scope, (key or client_address)(), limit=n, window=seconds)
                db.session.commit()
                if not decision.allowed:
                    raise RateLimited(scope, decision.retry_after)
            return view(*args, **kwargs)

        wrapped.rate_limit_scope = scope
        return wrapped

    return decorator


__all__ = ["RateCounter", "Decision", "hit", "peek", "reset", "blocked_keys", "client_address", "parse_limit",
           "configured_limit", "RateLimited", "rate_limited", "now"]
