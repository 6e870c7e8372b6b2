"""Business time. Timestamps are stored in UTC; business dates are dates in the office's zone (Asia/Shanghai)."""
from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

DEFAULT_TZ = "Asia/Shanghai"


_ZONES: dict = {}


def office_tz() -> ZoneInfo:
    name = current_app.config.get("COUNTER_TIMEZONE", DEFAULT_TZ) if has_app_context() else DEFAULT_TZ
    zone = _ZONES.get(name)  # called per row by validation: ZoneInfo(name)'s own cache costs more
    if zone is None:
        zone = _ZONES[name] = ZoneInfo(name)
    return zone


def utcnow() -> datetime:
    """Aware UTC now (stored as naive UTC by the models' UTCDateTime type)."""
    return datetime.now(timezone.utc)


def business_today() -> date:
    """Today's business date at the window (营业日), in the office's time zone."""
    return datetime.now(office_tz()).date()


def to_local(dt: datetime | None) -> datetime | None:
    if dt is None:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.astimezone(office_tz())
