"""Database wiring: SQLite pragmas and write transactions, Alembic, append-only tables."""
from __future__ import annotations

from flask import Flask
from sqlalchemy import event

from counter.extensions import db, migrate
from counter.config import PROJECT_ROOT


def _sqlite_connect(dbapi_connection, connection_record):
    # Let SQLAlchemy's "begin" event issue BEGIN IMMEDIATE: a transaction takes the write lock at
    # its start, so two windows never deadlock on a read-then-write upgrade (SQLITE_BUSY).
    dbapi_connection.isolation_level = None
    cur = dbapi_connection.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=15000")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def _sqlite_begin(conn):
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def configure_engine(engine) -> None:
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)


def init_db(app: Flask) -> None:
    import counter.models  # noqa: F401  (register every model)
    import counter.core.scoping  # noqa: F401  (street isolation hook)
    from counter.audit.chain import install as install_audit_chain

    install_audit_chain()  # seals each transaction's audit entries at commit

    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("sqlite:///") and not uri.startswith("sqlite:///:memory:"):
        from pathlib import Path

        Path(uri[len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)
    db.init_app(app)
    with app.app_context():
        configure_engine(db.engine)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True,
                     compare_type=True)
    from counter.core.privileges import register_cli

    register_cli()  # counter db grant-app-role
