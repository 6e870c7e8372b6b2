"""Changing rows behind the application's back, as a database administrator could (tests only).

``tamper(sql, ...)`` runs statements as the database's owner with the triggers out of the way: on
PostgreSQL ``session_replication_role = replica`` (a superuser's power; the app role has none of it),
on SQLite by dropping the tables' triggers and re-creating them from ``sqlite_master`` afterwards."""
from __future__ import annotations

import re

from flask import current_app
from sqlalchemy import create_engine, text

from counter.extensions import db


def owner_engine():
    eng = create_engine(current_app.config["TEST_OWNER_URL"])
    if eng.dialect.name == "sqlite":
        from counter.db_setup import configure_engine

        configure_engine(eng)
    return eng


def tamper(*statements: str, params: dict | None = None) -> None:
    db.session.commit()
    eng = owner_engine()
    try:
        with eng.begin() as conn:
            if eng.dialect.name == "postgresql":
                conn.execute(text("SET LOCAL session_replication_role = replica"))
                for sql in statements:
                    conn.execute(text(sql), params or {})
                return
            tables = {t.lower() for sql in statements
                      for t in re.findall(r"(?:UPDATE|FROM|INTO)\s+([a-z_]+)", sql, flags=re.I)}
            saved = [(name, sql) for name, table, sql in conn.execute(text(
                "SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'trigger'")) if table.lower() in tables]
            for name, _sql in saved:
                conn.execute(text(f'DROP TRIGGER "{name}"'))
            for sql in statements:
                conn.execute(text(sql), params or {})
            for _name, sql in saved:
                conn.execute(text(sql))
    finally:
        eng.dispose()
    db.session.expire_all()
