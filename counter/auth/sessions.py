"""Login sessions (会话): what makes a stolen or forgotten session cookie worthless.

- The session holds ``<user id>:<session token>`` (Flask-Login's alternative id, ``User.get_id``); the token
  is checked against the database on every request. Logout, a password change and disabling the user
  give the user a new token: every session of that user ends, on every browser, worker and server.
- Idle timeout ``SESSION_IDLE_TIMEOUT`` (seconds, default 30 minutes: a counter PC is shared with the
  public) and absolute lifetime ``PERMANENT_SESSION_LIFETIME`` (default one working day, 10 hours) from
  the login, both checked on the server from the signed session's own timestamps.
"""
from __future__ import annotations

import time
from datetime import timedelta

from flask import current_app, flash, session
from flask_babel import gettext as _
from flask_login import login_user, logout_user

from counter.extensions import db


def now() -> float:
    """Epoch seconds (tests move the clock by replacing this function)."""
    return time.time()


def _seconds(value) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def idle_timeout() -> float:
    return _seconds(current_app.config.get("SESSION_IDLE_TIMEOUT", 1800))


def absolute_lifetime() -> float:
    return _seconds(current_app.config.get("PERMANENT_SESSION_LIFETIME", 10 * 3600))


def load_user(alt_id: str):
    """Flask-Login's user loader: the user of a valid, current session, else None (anonymous)."""
    from counter.auth.models import User

    user_id, _sep, token = str(alt_id or "").partition(":")
    if not (user_id.isascii() and user_id.isdigit()) or len(user_id) > 10 or not token:
        return None  # a session from before session tokens, or garbage: log in again
    user = db.session.get(User, int(user_id))
    if user is None or not user.active or not user.token_matches(token):
        return None
    at = now()
    login_at, seen_at = session.get("_login_at"), session.get("_seen_at")
    if not isinstance(login_at, (int, float)) or not isinstance(seen_at, (int, float)):
        return None
    if at - seen_at > idle_timeout() or at - login_at > absolute_lifetime():
        session.clear()
        flash(_("Your session has expired. Please log in again."), "info")
        return None
    if at - seen_at >= 60:  # refresh the idle clock (once a minute is enough)
        session["_seen_at"] = int(at)
    return user


def start(user) -> None:
    """Log ``user`` in on this browser: a fresh session (no fixation) with the session token."""
    if not user.session_token:  # a row written outside the ORM (bulk generator) gets its token now
        user.rotate_session_token()
    session.clear()
    login_user(user)
    session.permanent = True  # the cookie carries an expiry; the server checks the timestamps anyway
    session["_login_at"] = session["_seen_at"] = int(now())


def end(user) -> None:
    """Log out here and everywhere: the user's token changes, so every other session ends too."""
    user.rotate_session_token()
    logout_user()
    session.clear()
