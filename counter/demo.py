"""Demo data for a new installation: the streets, a clerk, a supervisor and a finance user per
street, and one district administrator. Modules add their own demo data through
``register_seeder(app, fn)``; seeders run in registration order inside one transaction."""
from __future__ import annotations

from flask import Flask, current_app
from sqlalchemy import select

from counter.auth.models import User
from counter.auth.services import create_user
from counter.extensions import db
from counter.reference import ensure_reference_data
from counter.streets.models import Street

DEMO_PASSWORD = "counter-demo"  # printed by `make run`; demo installations only
ROLE_NAMES = {"clerk": "窗口", "supervisor": "主管", "finance": "财务"}


def register_seeder(app: Flask, fn) -> None:
    app.extensions.setdefault("counter_seeders", []).append(fn)


def demo_username(street: Street, role: str) -> str:
    return f"{street.name_en.lower()}.{role}"


def seed_demo() -> bool:
    """Load the demo data when the database has no users yet (the reference data with its samples: sample
    rates and guidance rents). Returns True when it loaded."""
    ensure_reference_data(samples=True)
    if db.session.scalar(select(User.id).limit(1)) is not None:
        return False
    streets = db.session.scalars(select(Street).order_by(Street.code)).all()
    for s_no, street in enumerate(streets, start=1):
        for r_no, (role, label) in enumerate(ROLE_NAMES.items(), start=1):
            # 工号: street number and role number (demo data: a real office enters its own staff numbers)
            create_user(demo_username(street, role), DEMO_PASSWORD, role, f"{street.name_zh}{label}", street.id,
                        check_policy=False, staff_number=f"DEMO{s_no:02d}{r_no}")
    create_user("admin", DEMO_PASSWORD, "district_admin", "区管理员", None, check_policy=False,
                staff_number="DEMO000")
    for seeder in current_app.extensions.get("counter_seeders", []):
        seeder()
    return True


def demo_logins() -> list[tuple[str, str, str]]:
    """(username, role, street) of the demo users, for the start-up banner."""
    rows = db.session.execute(
        select(User.username, User.role, Street.name_zh).outerjoin(Street, User.street_id == Street.id)
        .order_by(Street.code.nulls_first(), User.id)).all()
    return [(u, r, s or "全区") for u, r, s in rows]
