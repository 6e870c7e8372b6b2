"""Access checks, in one place: the ``require`` decorator for permissions, and ``get_or_404`` that
loads a street-owned row through the street scope (another street's row is simply not found)."""
from __future__ import annotations

from functools import wraps

from flask import abort
from flask_login import current_user, login_required

from counter.core.db import StreetScoped
from counter.core.scoping import can_see_street
from counter.extensions import db


def require(permission: str):
    """Login required, and the user's role must hold ``permission`` (see :mod:`counter.auth.roles`)."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not current_user.can(permission):
                abort(403)
            return view(*args, **kwargs)

        wrapped.permission = permission
        return wrapped

    return decorator


def get_or_404(model, ident):
    """Load by primary key through the street scope; 404 when absent or belonging to another street."""
    obj = db.session.get(model, ident)
    if obj is None or (isinstance(obj, StreetScoped) and not can_see_street(obj.street_id)):
        abort(404)  # the identity map may hold a row loaded outside the scope: check again
    return obj
