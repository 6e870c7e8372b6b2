"""Two app servers, one database (PostgreSQL, issue 18): two gunicorn instances (separate processes,
separate caches) on one database, connected as the app role, CSRF on.

- A rate schedule version activated through server A is used by server B on its next request (B had
  parsed and cached the old set just before): the receipt's assessment names the new version.
- Registrations and collections through both servers at once keep registration, receipt and journal
  numbers gap-free, and ``verify_ledger`` (the roll-up included) is clean.

Its own database: the name of ``TEST_DATABASE_URL`` + ``_two``.
"""
from __future__ import annotations

import http.cookiejar
import os
import re
import threading
import urllib.error
import urllib.parse
import urllib.request
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.integrity.pglib import free_port, fresh_database, server_env, sibling_url, start_gunicorn, stop

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")
LEDGER_KEY = "two-servers-ledger-key"
PASSWORD = "two servers 18"
CLIENTS_PER_SERVER = 2
PAIRS = 5  # register + collect per client
ERRORS = re.compile(r'class="[^"]*(?:error|invalid)[^"]*"[^>]*>([^<]+)')

pytestmark = pytest.mark.skipif(not TEST_DATABASE_URL, reason="two servers on one PostgreSQL database")


def _config(url: str, workdir: Path) -> dict:
    return {"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "two", "LEDGER_HMAC_KEY": LEDGER_KEY,
            "INSTANCE_PATH": str(workdir), "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"}


def _prepare(owner_url: str, workdir: Path) -> dict:
    from counter import create_app
    from counter.core.privileges import grant_app_role

    url = fresh_database(owner_url)
    app = create_app(_config(url, workdir))
    with app.app_context():
        from flask_migrate import upgrade
        from sqlalchemy import select

        from counter.auth.services import create_user
        from counter.extensions import db
        from counter.reference import ensure_reference_data
        from counter.streets.models import Street

        from tests.integrity.racelib import make_lease

        upgrade()
        ensure_reference_data(samples=True)
        db.session.commit()
        street_id = db.session.scalars(select(Street.id).order_by(Street.code)).first()
        for i in range(2 * CLIENTS_PER_SERVER):
            create_user(f"two.clerk{i}", PASSWORD, "clerk", f"clerk {i}", street_id)
        create_user("two.admin", PASSWORD, "district_admin", "admin", None)
        db.session.commit()
        lease = make_lease(street_id, start=date(2024, 1, 1), end=date(2026, 12, 31)).id
        db.session.remove()
        with db.engine.begin() as conn:
            grant_app_role(conn, "counter_app")
        db.engine.dispose()
    return {"lease": lease, "street_id": street_id}


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    from counter.core.privileges import app_url

    workdir = tmp_path_factory.mktemp("two")
    owner = sibling_url(TEST_DATABASE_URL, "_two")
    data = _prepare(owner, workdir)
    env = server_env(app_url(owner, "counter_app"), "two-servers", LEDGER_KEY)
    procs, bases = [], []
    try:
        for name in ("a", "b"):
            port = free_port()
            procs.append(start_gunicorn(env, port, workdir / f"gunicorn-{name}.log", workers=1))
            bases.append(f"http://127.0.0.1:{port}")
        yield {"bases": bases, "owner": owner, "workdir": workdir, **data}
    finally:
        for proc in procs:
            stop(proc)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()),
                                                  _NoRedirect)
        self.csrf = None

    def request(self, method: str, path: str, data: dict | None = None) -> tuple[int, str, str | None]:
        body = None if data is None else urllib.parse.urlencode({**data, "csrf_token": self.csrf}).encode()
        req = urllib.request.Request(self.base + path, data=body, method=method)
        try:
            with self.opener.open(req, timeout=60) as resp:
                return resp.status, resp.read().decode("utf-8"), resp.headers.get("Location")
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode("utf-8", "replace"), exc.headers.get("Location")

    def login(self, username: str) -> None:
        _s, html, _l = self.request("GET", "/login")
        self.csrf = _token(html)
        status, _h, _l = self.request("POST", "/login", {"username": username, "password": PASSWORD, "next": ""})
        assert status == 302, f"login of {username}: {status}"
        _s, html, _l = self.request("GET", "/leases/new")
        self.csrf = _token(html)

    def collect(self, lease_id: int, month: str) -> int:
        _s, html, _l = self.request("GET", f"/collection/lease/{lease_id}?first={month}&last={month}")
        key = re.search(r'name="idempotency_key"[^>]*value="([0-9a-f]{32})"', html).group(1)
        status, html, _l = self.request("POST", f"/collection/lease/{lease_id}", {
            "first_month": month, "last_month": month, "method": "cash", "reference": "", "idempotency_key": key,
            "repeat_reason": ""})
        assert status == 302, f"collect {lease_id} {month}: {status} {html[:500]}"
        return status


def _token(html: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def _owner_app(servers):
    from counter import create_app

    from counter.config import normalise_database_url

    return create_app(_config(normalise_database_url(servers["owner"]), servers["workdir"]))


def _last_assessment_versions(owner: str) -> list[int]:
    from counter.config import normalise_database_url

    eng = create_engine(normalise_database_url(owner))
    try:
        with eng.connect() as conn:
            refs = conn.execute(text("SELECT a.schedules FROM receipt r JOIN assessment_record a "
                                     "ON a.id = r.assessment_record_id ORDER BY r.id DESC LIMIT 1")).scalar()
    finally:
        eng.dispose()
    return sorted(ref["version_row_id"] for ref in refs)


def test_activation_on_one_server_is_used_by_the_other(servers):
    a, b = (Browser(base) for base in servers["bases"])
    a.login("two.admin")
    b.login("two.clerk0")
    lease = servers["lease"]
    b.collect(lease, "2024-01")  # server B parses and caches the schedules in force
    before = _last_assessment_versions(servers["owner"])
    base_version = before[0]
    status, html, _l = a.request("GET", f"/tax/schedules/{base_version}/new")
    assert status == 200
    schedule_text = re.search(r"<textarea[^>]*>(.*?)</textarea>", html, flags=re.S).group(1)
    import html as htmllib

    status, _h, location = a.request("POST", f"/tax/schedules/{base_version}/new",
                                     {"text": htmllib.unescape(schedule_text), "note": "two servers"})
    assert status == 302, _h[:800]
    new_id = int(re.search(r"/tax/schedules/(\d+)/preview", location).group(1))
    status, _h, _l = a.request("POST", f"/tax/schedules/{new_id}/activate", {})
    assert status == 302
    b.collect(lease, "2024-02")  # B's next request
    after = _last_assessment_versions(servers["owner"])
    assert new_id in after and base_version not in after, (before, after, new_id)


def _register_form(k: int) -> dict:
    from counter.leases.idnumbers import make_resident_id
    from tests.leases.leases_testlib import form_data

    house = f"4403040019990{k:06d}000101"[:25]
    return form_data(house_code=house, building_code=house[:19], address=f"深圳市福田区南园街道双服路{k}号",
                     **{"landlords-0-id_number": make_resident_id(f"44030419700101{k:03d}"),
                        "tenants-0-id_number": make_resident_id(f"44030419850505{k:03d}")})


def test_registrations_and_collections_through_both_keep_serials_gap_free(servers):
    errors: list[str] = []
    barrier = threading.Barrier(2 * CLIENTS_PER_SERVER)
    month = date.today().strftime("%Y-%m")

    def client(i: int) -> None:
        try:
            b = Browser(servers["bases"][i % 2])
            b.login(f"two.clerk{i}")
            barrier.wait(timeout=60)
            for j in range(PAIRS):
                status, html, location = b.request("POST", "/leases/new", _register_form(i * 100 + j + 1))
                assert status == 302, f"register: {status} {ERRORS.findall(html)[:3]}"
                lease_id = int(location.rstrip("/").rsplit("/", 1)[1])
                b.collect(lease_id, month)
        except Exception as exc:  # noqa: BLE001
            errors.append(f"client {i}: {exc}")

    threads = [threading.Thread(target=client, args=(i,)) for i in range(2 * CLIENTS_PER_SERVER)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    app = _owner_app(servers)
    with app.app_context():
        from counter.collection.integrity import verify_ledger
        from counter.extensions import db

        for sql in ("SELECT count(*), max(reg_seq) FROM lease GROUP BY street_id, reg_year",
                    "SELECT count(*), max(seq) FROM receipt GROUP BY street_id, year",
                    "SELECT count(*), max(seq) FROM journal_entry GROUP BY street_id",
                    "SELECT count(*), max(seq) FROM audit_chain"):
            for n, top in db.session.execute(text(sql)):
                assert n == top, f"{sql}: {n} rows, highest number {top}"
        leases = db.session.scalar(text("SELECT count(*) FROM lease"))
        assert leases >= 1 + 2 * CLIENTS_PER_SERVER * PAIRS
        assert verify_ledger() == []
        db.session.remove()
        db.engine.dispose()
