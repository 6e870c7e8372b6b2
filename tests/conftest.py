"""Test fixtures: every database test runs on SQLite and, when TEST_DATABASE_URL is set, on PostgreSQL.

- ``database`` (session, parametrised): a migrated schema per backend (Alembic ``upgrade``). On
  PostgreSQL the migrations run as the owner (the ``TEST_DATABASE_URL`` user) and
  :func:`counter.core.privileges.grant_app_role` then grants the application's role (``counter_app``,
  cluster-wide, created when missing): the app under test connects as that role, like production.
- ``app``: the application bound to that backend, with a clean database for every test
  (SQLite: a fresh copy of the migrated template file; PostgreSQL: TRUNCATE with triggers off, as owner).
- ``db_owner``: an engine connected as the owner (PostgreSQL) or to the same file (SQLite), for tests that
  do what the application may not (tamper with rows, create probe tables).
- ``users``: a clerk, a supervisor and a finance user in two streets, and a district admin.
- ``login(client, username)`` logs a test client in through the real login form.

With CI set, an unreachable PostgreSQL fails the run instead of skipping it, and a run in which no
PostgreSQL test executed fails at the end.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")
IN_CI = bool(os.environ.get("CI"))
_ran_on = set()


def _backends():
    backends = ["sqlite"]
    if TEST_DATABASE_URL:
        backends.append("postgresql")
    return backends


def pytest_configure(config):
    if TEST_DATABASE_URL:
        try:
            from counter.config import normalise_database_url

            eng = create_engine(normalise_database_url(TEST_DATABASE_URL))
            with eng.connect() as conn:
                conn.execute(text("SELECT 1"))
            eng.dispose()
        except Exception as exc:  # noqa: BLE001
            msg = f"PostgreSQL at TEST_DATABASE_URL is unreachable: {exc}"
            if IN_CI:
                raise pytest.UsageError(msg) from exc
            config._pg_unreachable = msg
    elif IN_CI:
        raise pytest.UsageError("CI is set but TEST_DATABASE_URL is not: the PostgreSQL run would be skipped")


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if _ran_on:
        terminalreporter.write_line(f"database backends exercised: {', '.join(sorted(_ran_on))}")


def pytest_sessionfinish(session, exitstatus):
    if IN_CI and "postgresql" not in _ran_on and session.testscollected and exitstatus == 0:
        session.exitstatus = 1
        print("\nERROR: CI run finished without running any PostgreSQL test")


APP_ROLE = "counter_app"
BASE_CONFIG = {
    "TESTING": True,
    "SECRET_KEY": "test-secret-key-not-for-production",
    "WTF_CSRF_ENABLED": False,
    "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
    "LEDGER_HMAC_KEY": "test-ledger-key-not-for-production",
}


def _migrate(app):
    from flask_migrate import upgrade

    with app.app_context():
        upgrade()


def _reference(app):
    from counter.extensions import db
    from counter.reference import ensure_reference_data

    with app.app_context():
        ensure_reference_data(samples=True)  # the tests run on the sample rates (a demo install)
        db.session.commit()


@pytest.fixture(scope="session", params=_backends())
def database(request, tmp_path_factory):
    """A migrated database per backend: yields (backend, the app's url, template path or None, owner url)."""
    from counter import create_app

    backend = request.param
    if backend == "sqlite":
        template = tmp_path_factory.mktemp("sqlite") / "template.db"
        url = f"sqlite:///{template}"
        app = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": url,
                          "INSTANCE_PATH": str(template.parent)})
        _migrate(app)
        _reference(app)
        with app.app_context():
            from counter.extensions import db

            db.engine.dispose()
        yield backend, None, template, None
    else:
        if getattr(request.config, "_pg_unreachable", None):
            pytest.skip(request.config._pg_unreachable)
        from counter.config import normalise_database_url

        url = normalise_database_url(TEST_DATABASE_URL)
        eng = create_engine(url, isolation_level="AUTOCOMMIT")
        with eng.connect() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        eng.dispose()
        app = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": url,
                          "INSTANCE_PATH": str(tmp_path_factory.mktemp("pg"))})
        _migrate(app)
        with app.app_context():
            from counter.extensions import db

            db.engine.dispose()
        from counter.core.privileges import app_url, grant_app_role

        eng = create_engine(url)
        with eng.begin() as conn:  # as the owner: the application's role and its grants
            grant_app_role(conn, APP_ROLE)
        eng.dispose()
        yield backend, app_url(url, APP_ROLE), None, url


def _clean_postgres(url: str) -> None:
    eng = create_engine(url)
    with eng.begin() as conn:
        tables = [r[0] for r in conn.execute(text(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version'"))]
        if tables:
            conn.execute(text("SET LOCAL session_replication_role = replica"))
            conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))
    eng.dispose()


class CommittingClient(FlaskClient):
    """Ends the test's own transaction before each request, as a second window would see the data
    the test set up (SQLite write transactions take the database lock at BEGIN)."""

    def open(self, *args, **kwargs):
        from counter.extensions import db

        db.session.commit()
        try:
            return super().open(*args, **kwargs)
        finally:
            db.session.expire_all()


@pytest.fixture
def app(database, tmp_path):
    """The app on a clean database of the current backend."""
    from counter import create_app
    from counter.extensions import db

    backend, url, template, owner_url = database
    _ran_on.add(backend)
    if backend == "sqlite":
        target = tmp_path / "counter.db"
        shutil.copyfile(template, target)
        url = owner_url = f"sqlite:///{target}"
    else:
        _clean_postgres(owner_url)
    application = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": url, "INSTANCE_PATH": str(tmp_path),
                              "COUNTER_BACKEND": backend, "TEST_OWNER_URL": owner_url})
    application.test_client_class = CommittingClient
    if backend == "postgresql":
        _reference(application)
    with application.app_context():
        yield application
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def backend(app):
    return app.config["COUNTER_BACKEND"]


@pytest.fixture
def db_owner(app):
    """An engine as the database's owner (PostgreSQL; SQLite: the same file). Commit the test's session
    before using it, and grant the app role what a table created through it needs (:func:`grant_to_app`)."""
    eng = create_engine(app.config["TEST_OWNER_URL"])
    if eng.dialect.name == "sqlite":
        from counter.db_setup import configure_engine

        configure_engine(eng)
    yield eng
    eng.dispose()


@pytest.fixture
def owner_table(db_owner):
    """``create(table)``: create a throwaway table as the owner (granted to the app role); dropped afterwards."""
    from counter.extensions import db

    made = []

    def create(table):
        db.session.commit()
        with db_owner.begin() as conn:
            table.create(conn)
            grant_to_app(conn, table.name)
        made.append(table)

    yield create
    db.session.rollback()
    db.session.close()
    for table in reversed(made):
        with db_owner.begin() as conn:
            table.drop(conn)


def grant_to_app(conn, table: str, privileges: str = "SELECT, INSERT, UPDATE, DELETE") -> None:
    """On PostgreSQL, grant the app role ``privileges`` on a table the test created as owner."""
    if conn.dialect.name == "postgresql":
        conn.execute(text(f'GRANT {privileges} ON "{table}" TO {APP_ROLE}'))
        conn.execute(text(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {APP_ROLE}"))


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def streets(app):
    from sqlalchemy import select

    from counter.extensions import db
    from counter.streets.models import Street

    return db.session.scalars(select(Street).order_by(Street.code)).all()


PASSWORD = "correct horse 1"


@pytest.fixture
def users(app, streets):
    """clerk_a, supervisor_a, finance_a in street A (南园); clerk_b, supervisor_b, finance_b in B (园岭); admin."""
    from counter.auth.services import create_user
    from counter.extensions import db

    a, b = streets[0], streets[1]
    made = {}
    for suffix, street in (("a", a), ("b", b)):
        for role in ("clerk", "supervisor", "finance"):
            made[f"{role}_{suffix}"] = create_user(f"{role}_{suffix}", PASSWORD, role, f"{role} {suffix}", street.id)
    made["admin"] = create_user("admin", PASSWORD, "district_admin", "admin", None)
    db.session.commit()
    return made


@pytest.fixture
def login():
    def do_login(client, username, password=PASSWORD):
        resp = client.post("/login", data={"username": username, "password": password})
        assert resp.status_code == 302, resp.get_data(as_text=True)[:500]
        return resp

    return do_login


@pytest.fixture
def clerk_client(app, users, login):
    c = app.test_client()
    login(c, "clerk_a")
    return c


@pytest.fixture
def supervisor_client(app, users, login):
    c = app.test_client()
    login(c, "supervisor_a")
    return c


@pytest.fixture
def finance_client(app, users, login):
    c = app.test_client()
    login(c, "finance_a")
    return c


@pytest.fixture
def admin_client(app, users, login):
    c = app.test_client()
    login(c, "admin")
    return c


@pytest.fixture
def pg_only(backend):
    """Request it for a test that proves concurrency: it runs on PostgreSQL only."""
    if backend != "postgresql":
        pytest.skip("concurrency proof runs on PostgreSQL only")


class QueryCounter:
    """The statements the app's engine sends while active (``with count_queries() as q: ...; q.count``)."""

    def __init__(self, engine):
        self.engine = engine
        self.statements: list[str] = []

    def _on(self, conn, cursor, statement, parameters, context, executemany):
        self.statements.append(statement)

    @property
    def count(self) -> int:
        return len(self.statements)

    def __enter__(self):
        from sqlalchemy import event

        self.statements.clear()
        event.listen(self.engine, "before_cursor_execute", self._on)
        return self

    def __exit__(self, *exc):
        from sqlalchemy import event

        event.remove(self.engine, "before_cursor_execute", self._on)
        return False

    def report(self) -> str:
        return "\n".join(" ".join(s.split())[:160] for s in self.statements)


@pytest.fixture
def count_queries(app):
    """A factory of :class:`QueryCounter` on the app's engine: every round trip (SAVEPOINTs included)."""
    from counter.extensions import db

    with app.app_context():
        engine = db.engine
    return lambda: QueryCounter(engine)
