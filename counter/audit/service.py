"""The one helper every write action calls: :func:`record`.

It adds an :class:`AuditEntry` to the current transaction (flush only), so the entry is committed
with the change it describes, or not at all; at commit time the entry is sealed into the audit chain
(:mod:`counter.audit.chain`).
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import Enum

from flask import has_request_context, request
from flask_login import current_user
from sqlalchemy import select

from counter.audit.models import AuditEntry
from counter.core.validation import startswith
from counter.extensions import db


def _jsonable(value):
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    return value


def _actor():
    if has_request_context() and current_user and current_user.is_authenticated:
        return current_user.id, current_user.username
    return None, "system"


def record(action: str, *, obj=None, street_id: int | None = None, summary: str | None = None,
           before: dict | None = None, after: dict | None = None, actor=None, flush: bool = True) -> AuditEntry:
    """Record one write action. ``obj`` gives object type/id and, when it has one, the street.
    ``flush=False``: the entry is written with the next flush (several entries in one INSERT)."""
    user_id, username = (actor.id, actor.username) if actor is not None else _actor()
    if street_id is None and obj is not None:
        street_id = getattr(obj, "street_id", None)
    entry = AuditEntry(
        user_id=user_id,
        username=username,
        street_id=street_id,
        action=action,
        object_type=type(obj).__name__ if obj is not None else None,
        object_id=str(getattr(obj, "id", "")) if obj is not None else None,
        summary=summary,
        before=_jsonable(before) if before is not None else None,
        after=_jsonable(after) if after is not None else None,
        remote_addr=request.remote_addr if has_request_context() else None,
    )
    db.session.add(entry)
    if flush:
        db.session.flush()
    from counter.audit.chain import note_pending

    note_pending(db.session(), entry)
    return entry


def snapshot(obj, fields) -> dict:
    """The values of ``fields`` of ``obj``, for before/after."""
    return {f: _jsonable(getattr(obj, f)) for f in fields}


def entries_query(street_ids=None, action=None, username=None):
    """Audit entries visible to a user whose streets are ``street_ids`` (None = all), newest first."""
    q = select(AuditEntry).order_by(AuditEntry.id.desc())
    if street_ids is not None:
        q = q.where(AuditEntry.street_id.in_(street_ids))
    if action:
        q = q.where(startswith(AuditEntry.action, action))
    if username:
        q = q.where(AuditEntry.username == username)
    return q
