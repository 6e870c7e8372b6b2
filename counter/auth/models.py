from __future__ import annotations

import hmac
import secrets
from datetime import datetime

from flask import current_app, has_app_context
from flask_login import UserMixin
from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from counter.auth.roles import DISTRICT_ADMIN, role_can
from counter.core.db import UTCDateTime
from counter.core.timeutil import utcnow
from counter.extensions import db
from counter.streets.models import Street


class User(UserMixin, db.Model):
    """用户: a window clerk, supervisor or finance officer of one street, or a district administrator."""

    __tablename__ = "user_account"
    __table_args__ = (
        CheckConstraint("role IN ('clerk', 'supervisor', 'finance', 'district_admin')", name="role_known"),
        CheckConstraint("(role = 'district_admin') OR (street_id IS NOT NULL)", name="street_bound"),
        Index("ux_user_account_staff_number", "staff_number", unique=True,
              postgresql_where=text("staff_number IS NOT NULL"), sqlite_where=text("staff_number IS NOT NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    display_name: Mapped[str] = mapped_column(String(64), nullable=False)
    staff_number: Mapped[str | None] = mapped_column(String(16), nullable=True)  # 工号 (0015), unique when set
    password_hash: Mapped[str] = mapped_column(String(256), nullable=False)
    role: Mapped[str] = mapped_column(String(16), nullable=False)
    street_id: Mapped[int | None] = mapped_column(ForeignKey("street.id"), nullable=True)
    locale: Mapped[str | None] = mapped_column(String(8), nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    # The per-user session token: part of the login session (``get_id``); a new one (logout, password
    # change, disabling) ends every session of the user, on every browser and worker.
    session_token: Mapped[str] = mapped_column(String(64), nullable=False, default=lambda: secrets.token_hex(16))

    street: Mapped[Street | None] = relationship(lazy="joined")

    @property
    def signature(self) -> str:
        """收款人 as printed: 姓名（工号）, or the name alone when no staff number is set."""
        return f"{self.display_name}（{self.staff_number}）" if self.staff_number else self.display_name

    def set_password(self, password: str) -> None:
        """Set a new password (policy checks: :func:`counter.auth.services.password_problems`); every
        existing session of the user ends."""
        method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt") if has_app_context() else "scrypt"
        self.password_hash = generate_password_hash(password, method=method)
        self.rotate_session_token()

    def rotate_session_token(self) -> None:
        self.session_token = secrets.token_hex(16)

    def get_id(self) -> str:  # flask-login's alternative id: a session is valid only with the current token
        return f"{self.id}:{self.session_token}"

    def token_matches(self, token: str) -> bool:
        return bool(self.session_token) and hmac.compare_digest(self.session_token, token or "")

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def is_active(self) -> bool:  # flask-login
        return self.active

    @property
    def is_district(self) -> bool:
        return self.role == DISTRICT_ADMIN

    def can(self, permission: str) -> bool:
        return role_can(self.role, permission)

    def street_ids(self) -> tuple[int, ...] | None:
        """The streets this user may see; None means all (district admin)."""
        return None if self.is_district else (self.street_id,)

    def __repr__(self) -> str:
        return f"<User {self.username} {self.role}>"
