"""PostgreSQL helpers of the integrity tests: a database of their own beside the unit tests' one."""
from __future__ import annotations

import subprocess
from urllib.parse import urlsplit, urlunsplit

from sqlalchemy import create_engine, text


def sibling_url(test_url: str, suffix: str) -> str:
    """``.../test_h11`` -> ``.../test_h11<suffix>``."""
    parts = urlsplit(test_url)
    return urlunsplit(parts._replace(path="/" + (parts.path.lstrip("/") or "postgres") + suffix))


def fresh_database(url: str) -> str:
    """Create the database when missing and give it an empty ``public`` schema; returns the SQLAlchemy URL."""
    from counter.config import normalise_database_url

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = create_engine(normalise_database_url(urlunsplit(parts._replace(path="/postgres"))),
                          isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            if not conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}):
                conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    eng = create_engine(normalise_database_url(url), isolation_level="AUTOCOMMIT")
    try:
        with eng.connect() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    finally:
        eng.dispose()
    return normalise_database_url(url)


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
