"""Authentication and user management (services: flush only, the caller commits).

Concurrency: usernames are unique ignoring case in the database (migration 0007; a concurrent second
creation is refused like a sequential one); enabling and disabling lock the actor's and the target's
rows in id order and re-read them, so two administrators cannot disable each other at the same moment
(the second finds their own account disabled) and a change already made is not recorded twice.
"""
from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from counter.audit.service import record
from counter.auth.models import User
from counter.auth.roles import DISTRICT_ADMIN, ROLES
from counter.extensions import db


class UserError(ValueError):
    """A refused user action; ``code``: exists, street, password, role, self, inactive_actor, unchanged."""

    def __init__(self, message: str, code: str = ""):
        super().__init__(message)
        self.code = code


def authenticate(username: str, password: str) -> User | None:
    """The active user with these credentials, or None. Timing does not reveal which part was wrong."""
    user = db.session.scalar(select(User).where(func.lower(User.username) == username.strip().lower()))
    if user is None:
        User(password_hash="").set_password(password)  # spend the same hashing time
        return None
    if not user.active or not user.check_password(password):
        return None
    return user


def create_user(username: str, password: str, role: str, display_name: str, street_id: int | None) -> User:
    if role not in ROLES:
        raise UserError(f"unknown role {role!r}", "role")
    if role != DISTRICT_ADMIN and street_id is None:
        raise UserError("this role must be bound to a street", "street")
    if len(password) < 8:
        raise UserError("the password must have at least 8 characters", "password")
    if db.session.scalar(select(User).where(func.lower(User.username) == username.lower())):
        raise UserError(f"user {username!r} exists", "exists")
    user = User(username=username, display_name=display_name, role=role,
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


def set_active(user: User, active: bool, *, actor: User) -> None:
    """Enable or disable a login (停用/启用); an administrator cannot disable their own account, nor act
    once disabled. Both rows are locked (in id order) and re-read first; a user already in that state is
    refused with ``code="unchanged"`` (nothing recorded)."""
    if user.id == actor.id and not active:
        raise UserError("cannot disable yourself", "self")
    for uid in sorted({user.id, actor.id}):
        db.session.execute(select(User.id).where(User.id == uid).with_for_update())
    db.session.refresh(user)
    if actor is not user:
        db.session.refresh(actor)
    if not actor.active:
        raise UserError("your account has been disabled", "inactive_actor")
    if user.active == active:
        raise UserError("already in that state", "unchanged")
    user.active = active
    db.session.flush()
    record("user.active", obj=user, street_id=user.street_id, before={"active": not active}, after={"active": active})
