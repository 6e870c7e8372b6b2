"""PostgreSQL helpers of the integrity tests: a database of their own beside the unit tests' one."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from sqlalchemy import create_engine, text

PROJECT_ROOT = Path(__file__).resolve().parents[2]


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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_env(database_url: str, secret_key: str, ledger_key: str) -> dict:
    """The environment of a gunicorn of the app on ``database_url`` (this checkout first on the path)."""
    env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": secret_key, "LEDGER_HMAC_KEY": ledger_key,
           "PYTHONUNBUFFERED": "1",
           "PYTHONPATH": os.pathsep.join([str(PROJECT_ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])}
    env.pop("FLASK_APP", None)
    return env


def start_gunicorn(env: dict, port: int, log: Path, *, workers: int) -> subprocess.Popen:
    """Start ``wsgi:app`` under gunicorn on 127.0.0.1:``port`` and wait until it answers ``/login``."""
    with open(log, "wb") as fh:
        proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "-w", str(workers), "--threads", "4", "-b",
                                 f"127.0.0.1:{port}", "--timeout", "120", "wsgi:app"],
                                cwd=PROJECT_ROOT, env=env, stdout=fh, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=10).close()
            return proc
        except OSError:  # not listening yet, or still starting its workers
            if proc.poll() is not None or time.monotonic() > deadline:
                stop(proc)
                raise RuntimeError(f"gunicorn did not start:\n{log.read_text()[-3000:]}") from None
            time.sleep(0.2)
