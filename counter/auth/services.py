"""Authentication and user management (services: flush only, the caller commits)."""
from __future__ import annotations

from sqlalchemy import func, select

from counter.audit.service import record
from counter.auth.models import User
from counter.auth.roles import DISTRICT_ADMIN, ROLES
from counter.extensions import db


class UserError(ValueError):
    pass


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
        raise UserError(f"unknown role {role!r}")
    if role != DISTRICT_ADMIN and street_id is None:
        raise UserError("this role must be bound to a street")
    if len(password) < 8:
        raise UserError("the password must have at least 8 characters")
    if db.session.scalar(select(User).where(func.lower(User.username) == username.lower())):
        raise UserError(f"user {username!r} exists")
    user = User(username=username, display_name=display_name, role=role,
                street_id=None if role == DISTRICT_ADMIN else street_id)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    record("user.create", obj=user, street_id=user.street_id, summary=username,
           after={"username": username, "role": role, "street_id": user.street_id})
    return user


def set_active(user: User, active: bool, *, actor: User) -> None:
    """Enable or disable a login (停用/启用); an administrator cannot disable their own account."""
    if user.id == actor.id and not active:
        raise UserError("cannot disable yourself")
    before = user.active
    user.active = active
    record("user.active", obj=user, street_id=user.street_id, before={"active": before}, after={"active": active})
