"""Browser journeys: the app served by gunicorn on a free loopback port, driven by Debian's Chromium
through Playwright (its own browser download does not work here).

- ``live_server`` (session, one per backend): a fresh database — an SQLite file in a temporary folder;
  with ``TEST_DATABASE_URL`` set, also PostgreSQL (a database of its own: the URL's name + ``_e2e``,
  created when missing, its ``public`` schema dropped and re-created) — migrated with
  ``counter db upgrade`` and loaded with ``counter seed-demo`` (as the owner), then served by gunicorn
  until the end of the session; on PostgreSQL the server connects as the app role
  (``counter db grant-app-role``), as in production.
- ``browser`` (session): headless Chromium with the flags this machine needs.
- ``new_page(user=None, locale="zh-CN")``: a fresh context (own cookies) and page, logged in as ``user``.
- ``shots``: saves screenshots under ``test-artifacts/e2e/<backend>/``.
- ``story``: a dict shared by the journeys of one backend (the lease registered by the clerk, ...).

The tests skip with a clear message when /usr/bin/chromium is absent (`make test` installs it as root).
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-quic", "--no-first-run", "--disable-component-update", "--disable-sync",
                 "--lang=en-US"]  # an English browser: the app's Chinese pages (their date inputs too) must not follow it
PROJECT_ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = PROJECT_ROOT / "test-artifacts" / "e2e"
DEMO_PASSWORD = "counter-demo"
SERVER_START_TIMEOUT = 60

HAVE_CHROMIUM = Path(CHROMIUM).exists()


def pytest_collection_modifyitems(config, items):
    if HAVE_CHROMIUM:
        return
    skip = pytest.mark.skip(reason=f"browser journeys need Debian's Chromium at {CHROMIUM} "
                                   "(apt-get install chromium); `make test` installs it when run as root")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


# ------------------------------------------------------------------------------------------ databases

def _backends():
    out = ["sqlite"]
    if os.environ.get("TEST_DATABASE_URL"):
        out.append("postgresql")
    return out


def e2e_postgres_url(test_url: str) -> str:
    """The e2e database beside the unit tests' one: ``.../test`` -> ``.../test_e2e`` (kept when it ends
    with ``_e2e`` already), so that the unit tests' per-test TRUNCATE never hits the live server."""
    parts = urlsplit(test_url)
    name = parts.path.lstrip("/") or "postgres"
    if not name.endswith("_e2e"):
        name += "_e2e"
    return urlunsplit(parts._replace(path="/" + name))


def _prepare_postgres(url: str) -> None:
    from sqlalchemy import create_engine, text

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


def _counter_command() -> list[str]:
    script = Path(sys.executable).with_name("counter")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from counter.cli import main; main()"]


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_until_up(url: str, proc: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except urllib.error.HTTPError:
            return  # it answers (the tests report what)
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer {url} within {SERVER_START_TIMEOUT}s:\n{log.read_text()[-3000:]}")


class LiveServer:
    def __init__(self, backend: str, url: str, database_url: str, workdir: Path):
        self.backend = backend
        self.url = url
        self.database_url = database_url
        self.workdir = workdir
        self._app = None

    @property
    def app(self):
        """The same code base as an in-process app on the same database (url_map checks, services)."""
        if self._app is None:
            from counter import create_app
            from counter.config import normalise_database_url

            self._app = create_app({"SQLALCHEMY_DATABASE_URI": normalise_database_url(self.database_url),
                                    "SECRET_KEY": "e2e-secret-key", "INSTANCE_PATH": str(self.workdir),
                                    "PUBLIC_BASE_URL": self.url})
        return self._app

    def has(self, *endpoints: str) -> bool:
        return all(e in self.app.view_functions for e in endpoints)

    def need(self, *endpoints: str, feature: str) -> None:
        """Every journey's module has landed: a missing endpoint is a failure, not a skip."""
        missing = [e for e in endpoints if e not in self.app.view_functions]
        assert not missing, f"{feature}: no endpoint {', '.join(missing)}"

    def dispose(self):
        if self._app is not None:
            from counter.extensions import db

            with self._app.app_context():
                db.engine.dispose()


def _prepare_database(backend: str, workdir: Path, test_pg_url: str | None) -> tuple[str, dict]:
    """A fresh, migrated database with the demo data: (DATABASE_URL, environment for the server)."""
    if backend == "sqlite":
        database_url = f"sqlite:///{workdir / 'counter.db'}"
    else:
        database_url = e2e_postgres_url(test_pg_url)
        _prepare_postgres(database_url)
    env = {**os.environ, "DATABASE_URL": database_url, "PYTHONUNBUFFERED": "1",
           # this tree first: an editable install made before fees/ had an __init__.py maps it as a namespace
           "PYTHONPATH": os.pathsep.join([str(PROJECT_ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])}
    env.pop("FLASK_APP", None)
    steps = [["db", "upgrade"], ["seed-demo"]] + ([["db", "grant-app-role"]] if backend == "postgresql" else [])
    for args in steps:
        done = subprocess.run(_counter_command() + args, cwd=PROJECT_ROOT, env=env, capture_output=True,
                              text=True, timeout=300)
        if done.returncode != 0:
            raise RuntimeError(f"[{backend}] counter {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    if backend == "postgresql":  # the server runs as the app role: least privilege, as in production
        from counter.core.privileges import app_url

        env = {**env, "DATABASE_URL": app_url(database_url, "counter_app")}
    return database_url, env


@pytest.fixture(scope="session")
def e2e_databases(request, tmp_path_factory):
    """Prepares every backend's database at once, in the background (the seed hashes 31 demo passwords):
    PostgreSQL's is ready by the time the SQLite journeys are done."""
    from concurrent.futures import ThreadPoolExecutor

    pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="e2e-db")
    pg_url = None if getattr(request.config, "_pg_unreachable", None) else os.environ.get("TEST_DATABASE_URL")
    futures = {}
    for backend in _backends():
        if backend == "postgresql" and pg_url is None:
            continue
        workdir = tmp_path_factory.mktemp(f"e2e-{backend}")
        futures[backend] = (workdir, pool.submit(_prepare_database, backend, workdir, pg_url))
    yield futures
    pool.shutdown(wait=True)


@pytest.fixture(scope="session", params=_backends())
def live_server(request, e2e_databases):
    backend = request.param
    if backend not in e2e_databases:
        pytest.skip(getattr(request.config, "_pg_unreachable", "PostgreSQL not configured"))
    workdir, future = e2e_databases[backend]
    database_url, env = future.result()
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**env, "SECRET_KEY": f"e2e-secret-{backend}-{port}", "PUBLIC_BASE_URL": base}
    log = workdir / "gunicorn.log"
    with open(log, "wb") as fh:
        proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-w", "1", "--threads", "4", "-b", f"127.0.0.1:{port}",
             "--access-logfile", "-", "--timeout", "120", "wsgi:app"],
            cwd=PROJECT_ROOT, env=env, stdout=fh, stderr=subprocess.STDOUT)
    server = LiveServer(backend, base, database_url, workdir)
    try:
        _wait_until_up(base + "/login", proc, log)
        yield server
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        server.dispose()
        server_log = ARTIFACTS / backend / "gunicorn.log"
        server_log.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(log, server_log)


# ------------------------------------------------------------------------------------------ browser

@pytest.fixture(scope="session")
def playwright_instance():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright_instance):
    b = playwright_instance.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield b
    b.close()


def login(page, base: str, username: str, password: str = DEMO_PASSWORD, expect_ok: bool = True):
    page.goto(base + "/login")
    page.fill("#username", username)
    page.fill("#password", password)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    if expect_ok:
        assert "/login" not in page.url, f"login as {username} failed: {page.url}"


@pytest.fixture(scope="session")
def login_states(live_server):
    """Cookies of each user's first login (a login costs seconds: the password hash is slow on purpose)."""
    return {}


@pytest.fixture
def new_page(browser, live_server, login_states):
    """Factory: a page in a fresh browser context (own cookies), logged in as ``user`` when given
    (through the login form the first time, with that session's cookies afterwards)."""
    contexts = []

    def make(user: str | None = None, locale: str = "zh-CN"):
        state = login_states.get(user) if user else None
        ctx = browser.new_context(viewport={"width": 1280, "height": 900}, locale=locale,
                                  timezone_id="Asia/Shanghai", accept_downloads=True, storage_state=state)
        ctx.set_default_timeout(15_000)
        contexts.append(ctx)
        page = ctx.new_page()
        if user and state is None:
            login(page, live_server.url, user)
            login_states[user] = ctx.storage_state()
        return page

    yield make
    for ctx in contexts:
        ctx.close()


# Screens shown in the README: refreshed by ``E2E_README_SHOTS=1 pytest tests/e2e`` (SQLite run).
README_SHOTS = {"03-lease": "lease.png", "04-collect": "collect.png", "16-district-overview": "district-overview.png",
                "20-annual-report": "annual-report.png", "21-rent-survey": "rent-survey.png",
                "19-coverage": "coverage.png"}
README_DIR = PROJECT_ROOT / "docs" / "screenshots"


def optimise_png(source: Path, target: Path) -> None:
    """1280 px wide, 256-colour palette: a UI screenshot stays crisp at a fraction of the size."""
    from PIL import Image

    with Image.open(source) as im:
        im = im.convert("RGB")
        if im.width != 1280:
            im = im.resize((1280, round(im.height * 1280 / im.width)), Image.LANCZOS)
        im.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(
            target, optimize=True)


class Shots:
    def __init__(self, folder: Path, readme: bool):
        self.folder = folder
        self.readme = readme
        folder.mkdir(parents=True, exist_ok=True)

    def __call__(self, page, name: str, full_page: bool = True) -> Path:
        path = self.folder / f"{name}.png"
        page.screenshot(path=str(path), full_page=full_page)
        if self.readme and name in README_SHOTS:
            README_DIR.mkdir(parents=True, exist_ok=True)
            optimise_png(path, README_DIR / README_SHOTS[name])
        return path


@pytest.fixture
def shots(live_server):
    readme = bool(os.environ.get("E2E_README_SHOTS")) and live_server.backend == "sqlite"
    return Shots(ARTIFACTS / live_server.backend, readme)


@pytest.fixture(scope="session")
def story(live_server):
    """What one journey leaves for the next, per backend."""
    return {}
