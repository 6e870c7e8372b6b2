"""Authentication and user management (services: flush only, the caller commits).

Concurrency: usernames are unique ignoring case in the database (migration 0007; a concurrent second
creation is refused like a sequential one); enabling and disabling lock the actor's and the target's
rows in id order and re-read them, so two administrators cannot disable each other at the same moment
(the second finds their own account disabled) and a change already made is not recorded twice.
Login throttling (登录限制) uses the shared counters of :mod:`counter.core.ratelimit`, so it holds across
workers and servers: ``LOGIN_MAX_FAILURES`` (5) failed logins of one account within
``LOGIN_FAILURE_WINDOW`` seconds (15 minutes) lock the account for ``LOGIN_LOCK_SECONDS`` (15 minutes) —
even the right password is refused then — unless an administrator unlocks it; ``LOGIN_ADDRESS_MAX_FAILURES``
(30) failures from one client address in the same window block that address. Failed and successful logins
are audited with the client address (attempts refused while an address is blocked: the first one only,
so nobody can grow the audit log without limit).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from types import SimpleNamespace

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from counter.audit.service import record
from counter.auth.models import User
from counter.auth.roles import DISTRICT_ADMIN, ROLES
from counter.core import ratelimit
from counter.core.validation import forbidden_character
from counter.extensions import db

PASSWORD_MIN = 10
PASSWORD_MAX = 128
COMMON_PASSWORDS = frozenset({
    "password", "password1", "password123", "passw0rd", "1234567890", "12345678910", "123456789a", "qwertyuiop",
    "qwerty1234", "1q2w3e4r5t", "abc1234567", "abcd123456", "iloveyou12", "admin12345", "administrator",
    "welcome123", "changeme123", "letmein123", "counter123", "counter-demo", "woaini1314", "aa12345678",
    "a123456789", "zxcvbnm123", "1qaz2wsx3edc", "football12", "sunshine12", "princess12", "monkey1234",
})
ACCOUNT_SCOPE = "login.account"
ADDRESS_SCOPE = "login.address"


class UserError(ValueError):
    """A refused user action; ``message`` is for the user (translated), ``field`` the form field."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


# ------------------------------------------------------------------------------------------ passwords

def password_problems(password: str, username: str | None = None) -> list[str]:
    """What is wrong with a new password (empty list: acceptable). The policy: 10 to 128 characters, at
    least two kinds of characters (letters, digits, others), not the user name, not a common or demo
    password, no control characters."""
    problems = []
    password = password or ""
    if len(password) < PASSWORD_MIN or len(password) > PASSWORD_MAX:
        problems.append(_("A password has %(min)s to %(max)s characters.", min=PASSWORD_MIN, max=PASSWORD_MAX))
    kinds = sum((any(c.isalpha() for c in password), any(c.isdigit() for c in password),
                 any(not c.isalnum() for c in password)))
    if kinds < 2:
        problems.append(_("Mix at least two kinds of characters: letters, digits, other characters."))
    if username and len(username) >= 3 and username.lower() in password.lower():
        problems.append(_("The password must not contain the user name."))
    if password.lower() in COMMON_PASSWORDS or len(set(password)) <= 3:
        problems.append(_("This password is too easy to guess."))
    if forbidden_character(password) is not None:
        problems.append(_("The password contains a control character."))
    return problems


def _check_password(password: str, username: str) -> None:
    problems = password_problems(password, username)
    if problems:
        raise UserError(" ".join(problems), "password")


def authenticate(username: str, password: str) -> User | None:
    """The active user with these credentials, or None. Timing does not reveal which part was wrong."""
    user = _find(username)
    if user is None:
        User(password_hash="").set_password(password)  # spend the same hashing time
        return None
    if not user.active or not user.check_password(password):
        return None
    return user


def _find(username: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.username) == (username or "").strip().lower()))


# ------------------------------------------------------------------------------------------ login throttling

@dataclass
class LoginOutcome:
    user: User | None = None
    locked_until: int | None = None  # epoch seconds, when the account or the address is locked
    address_blocked: bool = False

    @property
    def ok(self) -> bool:
        return self.user is not None


def _limits():
    cfg = current_app.config
    return (int(cfg.get("LOGIN_MAX_FAILURES", 5)), int(cfg.get("LOGIN_FAILURE_WINDOW", 900)),
            int(cfg.get("LOGIN_LOCK_SECONDS", 900)), int(cfg.get("LOGIN_ADDRESS_MAX_FAILURES", 30)))


def account_key(username: str) -> str:
    return (username or "").strip().lower()


def attempt_login(username: str, password: str, address: str) -> LoginOutcome:
    """One login attempt: refused while the account or the address is locked, else the password is
    checked; failures are counted and audited. Flush only — the caller commits even when refusing."""
    max_failures, window, lock, address_max = _limits()
    key = account_key(username)
    account = ratelimit.peek(ACCOUNT_SCOPE, key)
    by_address = ratelimit.peek(ADDRESS_SCOPE, address)
    if account.blocked or by_address.blocked:
        counted = ratelimit.hit(ADDRESS_SCOPE, address, limit=address_max, window=window, block=lock)
        if not by_address.blocked or counted.hits <= address_max + 1:
            _audit_failure(username, address, "locked")
        until = max(d.blocked_until for d in (account, by_address) if d.blocked_until)
        return LoginOutcome(locked_until=until, address_blocked=by_address.blocked)
    user = authenticate(username, password)
    if user is not None:
        ratelimit.reset(ACCOUNT_SCOPE, key)
        record("auth.login", obj=user, street_id=user.street_id, actor=user, after={"address": address})
        return LoginOutcome(user=user)
    failures = ratelimit.hit(ACCOUNT_SCOPE, key, limit=max_failures, window=window, block=lock)
    from_address = ratelimit.hit(ADDRESS_SCOPE, address, limit=address_max, window=window, block=lock)
    now_locked = [d.blocked_until for d in (failures, from_address) if d.blocked_until]
    _audit_failure(username, address, "locked" if now_locked else "password", failures=failures.hits)
    if now_locked:
        return LoginOutcome(locked_until=max(now_locked), address_blocked=from_address.blocked_until is not None)
    return LoginOutcome()


def _audit_failure(username: str, address: str, reason: str, failures: int | None = None) -> None:
    user = _find(username)
    actor = SimpleNamespace(id=user.id if user is not None else None, username=(username or "").strip()[:64] or "?")
    after = {"address": address, "reason": reason}
    if failures is not None:
        after["failures"] = failures
    record("auth.login_failed", obj=user, street_id=user.street_id if user is not None else None, actor=actor,
           summary=actor.username, after=after)


def locked_accounts() -> dict[str, int]:
    """{lower-case user name: locked until (epoch seconds)} of the accounts locked now."""
    return ratelimit.blocked_keys(ACCOUNT_SCOPE)


def unlock(user: User) -> bool:
    """An administrator unlocks an account locked by failed logins (解锁)."""
    done = ratelimit.reset(ACCOUNT_SCOPE, account_key(user.username))
    record("user.unlock", obj=user, street_id=user.street_id, summary=user.username)
    return done


# ------------------------------------------------------------------------------------------ users

def create_user(username: str, password: str, role: str, display_name: str, street_id: int | None, *,
                check_policy: bool = True, staff_number: str | None = None) -> User:
    """A new user. ``check_policy=False`` only for the demo data (which production refuses to start with)."""
    if role not in ROLES:
        raise UserError(f"unknown role {role!r}", "role")
    if role != DISTRICT_ADMIN and street_id is None:
        raise UserError(_("Clerks, supervisors and finance users must belong to a street."), "street_id")
    if not re.fullmatch(r"[A-Za-z0-9._-]{1,64}", username or ""):
        raise UserError(_("Letters, digits, dot, dash and underscore only."), "username")
    if check_policy:
        _check_password(password, username)
    if db.session.scalar(select(User).where(func.lower(User.username) == username.lower())):
        raise UserError(_("This username is taken."), "username")
    user = User(username=username, display_name=display_name, role=role, staff_number=_staff_number(staff_number),
                street_id=None if role == DISTRICT_ADMIN else street_id)
    user.set_password(password)
    try:
        with db.session.begin_nested():  # the unique index decides between two windows creating one name
            db.session.add(user)
    except IntegrityError:
        raise UserError(f"user {username!r} exists", "exists") from None
    record("user.create", obj=user, street_id=user.street_id, summary=username,
           after={"username": username, "role": role, "street_id": user.street_id})
    return user


STAFF_NUMBER_MAX = 16


def _staff_number(value: str | None) -> str | None:
    value = (value or "").strip().upper() or None
    if value is not None and not re.fullmatch(r"[A-Z0-9-]{1,%d}" % STAFF_NUMBER_MAX, value):
        raise UserError(_("A staff number has up to 16 letters, digits and dashes."), "staff_number")
    return value


def set_staff_number(user: User, staff_number: str | None) -> User:
    """工号, printed as 收款人 姓名（工号）: unique when set (the unique index decides between two windows)."""
    value = _staff_number(staff_number)
    if value == user.staff_number:
        return user
    before = {"staff_number": user.staff_number}
    try:
        with db.session.begin_nested():
            user.staff_number = value
            db.session.flush()
    except IntegrityError:
        db.session.refresh(user)
        raise UserError(_("This staff number is taken."), "staff_number") from None
    record("user.staff_number", obj=user, street_id=user.street_id, summary=f"{user.username} {value or '-'}",
           before=before, after={"staff_number": value})
    return user


def change_password(user: User, current: str, new: str) -> None:
    """The user's own password change: the current password is required; every session of the user ends
    (the caller starts a new one for the browser that made the change)."""
    if not user.check_password(current or ""):
        raise UserError(_("The current password is wrong."), "current_password")
    if current == new:
        raise UserError(_("Choose a password different from the current one."), "new_password")
    problems = password_problems(new, user.username)
    if problems:
        raise UserError(" ".join(problems), "new_password")
    user.set_password(new)
    record("user.password", obj=user, street_id=user.street_id, summary=user.username)


def reset_password(user: User, new: str) -> None:
    """An administrator sets a user's password (CLI ``counter set-password``); every session ends."""
    _check_password(new, user.username)
    user.set_password(new)
    record("user.password", obj=user, street_id=user.street_id, summary=user.username, after={"reset": True})


def set_active(user: User, active: bool, *, actor: User) -> None:
    """Enable or disable a login (停用/启用); an administrator cannot disable their own account, nor act
    once disabled. Both rows are locked (in id order) and re-read first; a user already in that state is
    refused (nothing recorded). Disabling ends every session of the user at once."""
    if user.id == actor.id and not active:
        raise UserError(_("You cannot disable your own account."))
    for uid in sorted({user.id, actor.id}):
        db.session.execute(select(User.id).where(User.id == uid).with_for_update())
    db.session.refresh(user)
    if actor is not user:
        db.session.refresh(actor)
    if not actor.active:
        raise UserError(_("Your account has been disabled: nothing was changed."))
    if user.active == active:
        raise UserError(_("User %(name)s was changed by someone else a moment ago: nothing was changed.",
                          name=user.username))
    user.active = active
    if not active:
        user.rotate_session_token()
    db.session.flush()
    record("user.active", obj=user, street_id=user.street_id, before={"active": not active}, after={"active": active})
