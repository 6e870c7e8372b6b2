"""Helpers of the migration tests (not a test module): an app on a database migrated to an older revision,
on SQLite and (with ``TEST_DATABASE_URL``) on PostgreSQL, and rows written as the older code wrote them."""
from __future__ import annotations

import warnings

import os
from contextlib import contextmanager
from datetime import date

from sqlalchemy import MetaData

from counter.extensions import db
from tests.integrity.pglib import fresh_database, sibling_url


def backends() -> list[str]:
    return ["sqlite"] + (["postgresql"] if os.environ.get("TEST_DATABASE_URL") else [])


@contextmanager
def app_at(backend: str, tmp_path, revision: str, name: str, key: str, **config):
    """An app (its context pushed) on an empty database migrated to ``revision`` only; ``name`` names the
    SQLite file and the PostgreSQL database's suffix."""
    from flask_migrate import upgrade

    from counter import create_app

    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / (name + '.db')}"
    else:
        url = fresh_database(sibling_url(os.environ["TEST_DATABASE_URL"], f"_{name}"))
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "x", "LEDGER_HMAC_KEY": key,
                      "INSTANCE_PATH": str(tmp_path), "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000", **config})
    with app.app_context():
        upgrade(revision=revision)
        yield app
        db.session.remove()
        db.engine.dispose()


def old_tables(conn) -> dict:
    """The tables as the older revision made them, reflected from the database (the models carry the columns
    of later migrations, with defaults an older schema does not have)."""
    meta = MetaData()
    with warnings.catch_warnings():
        # SQLite's expression index (lower(username)) cannot be reflected; the inserts do not need it
        warnings.filterwarnings("ignore", message="Skipped unsupported reflection of expression-based index")
        meta.reflect(bind=conn)
    return meta.tables


def insert_clerk(conn, street_id: int, now) -> int:
    t = old_tables(conn)["user_account"]
    return conn.execute(t.insert().values(username="old.clerk", display_name="old", password_hash="x", role="clerk",
                                          street_id=street_id, active=True, created_at=now).returning(t.c.id)).scalar()


def insert_lease(conn, street_id: int, property_id: int, now, *, number: int, start: date, end: date,
                 rent_fen: int) -> int:
    """A lease row as the older code wrote it (individual landlord, residential, monthly payment)."""
    t = old_tables(conn)["lease"]
    return conn.execute(t.insert().values(
        street_id=street_id, property_id=property_id, reg_year=start.year, reg_seq=number,
        registration_number=f"OLD-{number}", registration_code=f"FT01-{start.year}-{number:06d}", status="active",
        version=1, lease_use="residential", landlord_kind="individual", is_sublease=False, rented_area_centi=5000,
        signing_date=start.replace(day=1), start_date=start, end_date=end, monthly_rent_fen=rent_fen, deposit_fen=0,
        payment_cycle="monthly", registered_on=start.replace(day=1), registered_at=now).returning(t.c.id)).scalar()
