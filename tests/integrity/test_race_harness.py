"""The race harness (PostgreSQL): a real gunicorn server (2 workers × 4 threads, CSRF on, connected as the
app role) and 10 threads of real HTTP clients that log in through the login form and post the real forms:
at least 1,000 operations of a random mix of collect (same and different months; two tabs of one clerk
sharing a login; the same form posted twice), void, refund, day close (with its note), sign, reopen and
remittance over a handful of leases, clerks and supervisors. Afterwards every invariant is checked in SQL
and ``counter ledger verify`` must pass; the counts are printed (``-s`` shows them).

Its own database: the name of ``TEST_DATABASE_URL`` + ``_race`` (created when missing, schema re-created).
"""
from __future__ import annotations

import http.cookiejar
import os
import random
import re
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from counter.core.timeutil import business_today
from tests.integrity.pglib import PROJECT_ROOT, free_port, fresh_database, server_env, sibling_url, start_gunicorn, stop

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")
OPERATIONS = int(os.environ.get("RACE_OPERATIONS", "1000"))
THREADS = 10
SEED = int(os.environ.get("RACE_SEED", "11"))
LEDGER_KEY = "race-harness-ledger-key"
PASSWORD = "race horse 11"
MONTHS = [f"{y}-{m:02d}" for y in (2024, 2025) for m in range(1, 13)]
REFUSALS = {"day closed": "已日结，不能再入账", "paid already": "已缴期间", "reversed already": "该收据已作废或已退税",
            "more than outstanding": "超过该所属期的未解缴金额", "not closed": "该营业日未日结",
            "signed or reopened": "只有已日结的营业日才能签字", "already signed": "该日结已签字",
            "variance note": "现金差异须先填写说明", "own close": "本人的日结须由另一位主管签字",
            "note too late": "说明不能再修改", "closed already": "该营业日已日结。",
            "expected changed": "请重新核对"}

pytestmark = pytest.mark.skipif(not TEST_DATABASE_URL, reason="the race harness runs on PostgreSQL only")


# ------------------------------------------------------------------------------------------ the server

def _prepare(owner_url: str, workdir: Path) -> dict:
    """A migrated database with streets, users and leases; returns the people and leases by name."""
    from counter import create_app
    from counter.core.privileges import grant_app_role

    url = fresh_database(owner_url)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "race", "LEDGER_HMAC_KEY": LEDGER_KEY,
                      "INSTANCE_PATH": str(workdir), "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
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
        street = db.session.scalars(select(Street).order_by(Street.code)).first()
        people = {}
        for name, role in (("clerk1", "clerk"), ("clerk2", "clerk"), ("clerk3", "clerk"), ("sup1", "supervisor"),
                           ("sup2", "supervisor"), ("fin1", "finance"), ("fin2", "finance")):
            people[name] = create_user(f"race.{name}", PASSWORD, role, name, street.id).id
        db.session.commit()
        leases = [make_lease(street.id).id for _ in range(8)]
        db.session.remove()
        with db.engine.begin() as conn:
            grant_app_role(conn, "counter_app")
        db.engine.dispose()
    return {"people": people, "leases": leases}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    from counter.core.privileges import app_url

    workdir = tmp_path_factory.mktemp("race")
    owner = sibling_url(TEST_DATABASE_URL, "_race")
    data = _prepare(owner, workdir)
    port = free_port()
    env = server_env(app_url(owner, "counter_app"), f"race-{port}", LEDGER_KEY)
    log = workdir / "gunicorn.log"
    proc = start_gunicorn(env, port, log, workers=2)
    base = f"http://127.0.0.1:{port}"
    try:
        yield {"base": base, "owner": owner, "env": env, "log": log, **data}
    finally:
        stop(proc)


# ------------------------------------------------------------------------------------------ clients

class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """One login (cookie jar) over real HTTP; tabs of one clerk share it."""

    def __init__(self, base: str):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect)
        self.csrf = None

    def request(self, method: str, path: str, data: dict | None = None) -> tuple[int, str, str | None]:
        body = None
        if data is not None:
            body = urllib.parse.urlencode({**data, "csrf_token": self.csrf}).encode()
        req = urllib.request.Request(self.base + path, data=body, method=method)
        try:
            with self.opener.open(req, timeout=60) as resp:
                return resp.status, resp.read().decode("utf-8"), resp.headers.get("Location")
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode("utf-8", "replace"), exc.headers.get("Location")

    def login(self, username: str) -> None:
        _s, html, _l = self.request("GET", "/login")
        self.csrf = _token(html)
        status, _html, _loc = self.request("POST", "/login", {"username": username, "password": PASSWORD, "next": ""})
        assert status == 302, f"login of {username}: {status}"
        _s, html, _l = self.request("GET", "/collection/" if not username.startswith("race.fin") else "/ledger/")
        self.csrf = _token(html)  # the session was renewed at login


def _messages(html: str) -> list[str]:
    return re.findall(r'<li class="error"[^>]*>(.*?)</li>|<ul class="errors"[^>]*><li>(.*?)</li>', html, flags=re.S)


def _token(html: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


# ------------------------------------------------------------------------------------------ the run

class Shared:
    def __init__(self):
        self.lock = threading.Lock()
        self.receipts: list[int] = []
        self.closes: list[int] = []
        self.outcomes: Counter = Counter()
        self.errors: list[str] = []
        self.done = 0

    def note(self, op: str, status: int, text_: str = "") -> None:
        why = next((tag for tag, phrase in REFUSALS.items() if status == 422 and phrase in text_), "")
        with self.lock:
            self.done += 1
            self.outcomes[(op, f"{status}{' ' + why if why else ''}")] += 1
            if status >= 500 or status not in (200, 302, 422):
                self.errors.append(f"{op}: HTTP {status} {text_[:300]}")
            elif status == 422 and not why and op != "collect-page":  # a refusal the user could not read
                self.errors.append(f"{op}: a refusal without a known message: {_messages(text_)}")


def _collect(b: Browser, rng: random.Random, shared: Shared, leases: list[int], twice: bool) -> None:
    lease = rng.choice(leases[:3] if rng.random() < 0.6 else leases)  # some leases hot: same months collide
    i = rng.randrange(len(MONTHS))
    first, last = MONTHS[i], MONTHS[min(len(MONTHS) - 1, i + rng.randrange(2))]
    _s, html, _l = b.request("GET", f"/collection/lease/{lease}?first={first}&last={last}")
    m = re.search(r'name="idempotency_key"[^>]*value="([0-9a-f]{32})"', html)
    if m is None:
        shared.note("collect-page", _s, html)
        return
    method = rng.choice(["cash", "cash", "card", "mobile"])
    form = {"first_month": first, "last_month": last, "method": method,
            "reference": "" if method == "cash" else f"R{rng.randrange(10 ** 9)}", "idempotency_key": m.group(1),
            "repeat_reason": "补缴" if rng.random() < 0.15 else ""}
    for _ in range(2 if twice else 1):  # the same form posted again (a double click): the same receipt
        status, html, loc = b.request("POST", f"/collection/lease/{lease}", form)
        shared.note("collect", status, html)
        if status == 302 and loc and "/receipt/" in loc:
            with shared.lock:
                shared.receipts.append(int(loc.rstrip("/").split("/")[-1]))


def _reverse(b: Browser, rng: random.Random, shared: Shared) -> None:
    with shared.lock:
        if not shared.receipts:
            return
        rid = rng.choice(shared.receipts[-30:])
    kind = rng.choice(["void", "refund"])
    status, html, _loc = b.request("POST", f"/collection/receipt/{rid}/{kind}", {"reason": "更正"})
    shared.note(kind, status, html)


def _close(b: Browser, shared: Shared) -> None:
    # two steps: the count shows the expected cash, the confirmation closes with it (refused if it changed)
    status, html, loc = b.request("POST", "/collection/day-close", {"counted_cash": "0", "action": "review"})
    m = re.search(r'name="expected_cash" type="hidden" value="(\d+)"', html or "")
    if status == 200 and m:
        status, html, loc = b.request("POST", "/collection/day-close", {
            "counted_cash": "0", "action": "confirm", "expected_cash": m.group(1), "note": "未点现金",
            "confirm_shortfall": "y"})
    shared.note("close", status, html)
    if status == 302 and loc and "/day-close/" in loc:
        dc = int(loc.rstrip("/").split("/")[-1])
        with shared.lock:
            shared.closes.append(dc)
        status, html, _loc = b.request("POST", f"/collection/day-close/{dc}/note", {"note": "未点现金"})
        shared.note("note", status, html)


def _reopen_or_sign(b: Browser, rng: random.Random, shared: Shared) -> None:
    with shared.lock:
        if not shared.closes:
            return
        dc = rng.choice(shared.closes[-5:])
    if rng.random() < 0.5:
        status, html, _loc = b.request("POST", f"/collection/day-close/{dc}/sign", {})
        shared.note("sign", status, html)
    else:
        status, html, _loc = b.request("POST", f"/collection/day-close/{dc}/reopen", {"reason": "复核"})
        shared.note("reopen", status, html)


def _remit(b: Browser, rng: random.Random, shared: Shared) -> None:
    today = business_today().isoformat()
    form = {"period_start": today, "period_end": today, "remitted_on": today,
            "amount": f"{rng.choice([1, 5, 20, 100, 500])}.00", "reference": f"JK{rng.randrange(10 ** 8)}"}
    status, html, _loc = b.request("POST", "/ledger/remittances", form)
    shared.note("remit", status, html)


def _worker(role: str, browser: Browser, seed: int, shared: Shared, leases: list[int], quota: int,
            barrier: threading.Barrier) -> None:
    rng = random.Random(seed)
    barrier.wait()
    try:
        while True:
            with shared.lock:
                if shared.done >= quota:
                    return
            x = rng.random()
            if role == "clerk":
                if x < 0.03:
                    _close(browser, shared)
                else:
                    _collect(browser, rng, shared, leases, twice=x > 0.95)
            elif role == "supervisor":
                if x < 0.45:
                    _reverse(browser, rng, shared)
                elif x < 0.6:
                    _reopen_or_sign(browser, rng, shared)
                elif x < 0.63:
                    _close(browser, shared)
                else:
                    _collect(browser, rng, shared, leases, twice=False)
            else:
                _remit(browser, rng, shared)
                time.sleep(0.6)  # finance remits now and then, the windows work all day
    except Exception as exc:  # noqa: BLE001 - reported by the test
        with shared.lock:
            shared.errors.append(f"{role}: {exc!r}")


def test_race_harness(server):
    started = time.monotonic()
    base = server["base"]
    browsers = {}
    for name in ("clerk1", "clerk2", "clerk3", "sup1", "sup2", "fin1", "fin2"):
        browsers[name] = Browser(base)
        browsers[name].login(f"race.{name}")
    tab = Browser(base)  # clerk1's second tab: the same login
    tab.jar, tab.opener, tab.csrf = browsers["clerk1"].jar, browsers["clerk1"].opener, browsers["clerk1"].csrf
    plan = [("clerk", browsers["clerk1"]), ("clerk", tab), ("clerk", browsers["clerk2"]), ("clerk", browsers["clerk3"]),
            ("clerk", browsers["clerk3"]), ("supervisor", browsers["sup1"]), ("supervisor", browsers["sup2"]),
            ("supervisor", browsers["sup1"]), ("finance", browsers["fin1"]), ("finance", browsers["fin2"])]
    assert len(plan) == THREADS
    shared = Shared()
    barrier = threading.Barrier(THREADS)
    threads = [threading.Thread(target=_worker, args=(role, b, SEED * 100 + i, shared, server["leases"], OPERATIONS,
                                                      barrier)) for i, (role, b) in enumerate(plan)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(300)
    elapsed = time.monotonic() - started
    log = server["log"].read_text()
    assert not shared.errors, shared.errors[:5] + [log[-3000:]]
    assert shared.done >= OPERATIONS >= 1000 or os.environ.get("RACE_OPERATIONS")
    assert "Traceback" not in log, log[-3000:]

    counts = _check_invariants(server["owner"])
    counter = Path(sys.executable).with_name("counter")
    command = [str(counter)] if counter.exists() else [sys.executable, "-c", "from counter.cli import main; main()"]
    verify = subprocess.run(command + ["ledger", "verify"], cwd=PROJECT_ROOT,
                            env=server["env"], capture_output=True, text=True, timeout=120)
    assert verify.returncode == 0, verify.stdout + verify.stderr
    by_op = Counter()
    for (op, outcome), n in shared.outcomes.items():
        by_op[f"{op} {outcome}"] += n
    print(f"\nrace harness: {shared.done} operations by {THREADS} threads in {elapsed:.1f} s "
          f"({shared.done / elapsed:.0f}/s); outcomes {dict(sorted(by_op.items()))}; database {counts}; "
          f"`counter ledger verify` (as the app role): {verify.stdout.strip()}")


def _check_invariants(owner_url: str) -> dict:
    """Every invariant, in SQL, as the owner (independent of the application's own checks)."""
    from counter.config import normalise_database_url

    eng = create_engine(normalise_database_url(owner_url))
    with eng.connect() as conn:
        q = lambda sql: conn.execute(text(sql)).all()  # noqa: E731
        one = lambda sql: conn.execute(text(sql)).scalar()  # noqa: E731
        # journal sum = issued receipts (a void or refund nets its receipt to zero)
        assert q("SELECT r.street_id FROM receipt r GROUP BY r.street_id HAVING SUM(CASE WHEN r.status = 'issued' "
                 "THEN r.total_fen ELSE 0 END) <> (SELECT COALESCE(SUM(j.amount_fen), 0) FROM journal_entry j "
                 "WHERE j.street_id = r.street_id)") == []
        assert q("SELECT r.id FROM receipt r LEFT JOIN journal_entry j ON j.receipt_id = r.id GROUP BY r.id, r.status, "
                 "r.total_fen HAVING COALESCE(SUM(j.amount_fen), 0) <> CASE WHEN r.status = 'issued' THEN r.total_fen "
                 "ELSE 0 END") == []
        # no receipt reversed twice
        assert q("SELECT reverses_id FROM journal_entry WHERE reverses_id IS NOT NULL GROUP BY reverses_id "
                 "HAVING COUNT(*) > 1") == []
        assert q("SELECT receipt_id FROM journal_entry GROUP BY receipt_id HAVING SUM(CASE WHEN kind <> 'collection' "
                 "THEN 1 ELSE 0 END) NOT IN (0, SUM(CASE WHEN kind = 'collection' THEN 1 ELSE 0 END))") == []
        # no month paid twice without a reason, from the receipts themselves (not the coverage table)
        paid = Counter()
        for lease_id, first, last in q("SELECT lease_id, first_month, last_month FROM receipt "
                                       "WHERE status = 'issued' AND repeat_reason IS NULL"):
            for m in MONTHS:
                if first <= m <= last:
                    paid[(lease_id, m)] += 1
        assert [k for k, n in paid.items() if n > 1] == []
        # each (closed) day close equals its journal
        closes = q("SELECT d.id, (d.totals::jsonb ->> 'total_fen')::bigint, d.expected_cash_fen, d.receipt_count, "
                   "(SELECT COALESCE(SUM(amount_fen), 0) FROM journal_entry j WHERE j.street_id = d.street_id "
                   " AND j.clerk_id = d.clerk_id AND j.business_date = d.business_date), "
                   "(SELECT COALESCE(SUM(amount_fen), 0) FROM journal_entry j WHERE j.street_id = d.street_id "
                   " AND j.clerk_id = d.clerk_id AND j.business_date = d.business_date AND j.method = 'cash'), "
                   "(SELECT COUNT(*) FROM receipt r WHERE r.street_id = d.street_id AND r.clerk_id = d.clerk_id "
                   " AND r.business_date = d.business_date) FROM day_close d WHERE d.status = 'closed'")
        assert [c for c in closes if (c[1], c[2], c[3]) != (c[4], c[5], c[6])] == []
        # serials gap-free: receipts, journal, audit chain
        assert q("SELECT street_id, year FROM receipt GROUP BY street_id, year HAVING COUNT(*) <> MAX(seq)") == []
        assert q("SELECT street_id FROM journal_entry GROUP BY street_id HAVING COUNT(*) <> MAX(seq)") == []
        assert one("SELECT COUNT(*) = COALESCE(MAX(seq), 0) FROM audit_chain")
        assert one("SELECT COUNT(*) FROM audit_entry") == one("SELECT COUNT(*) FROM audit_chain")
        # remittances never exceed what was collected
        assert q("SELECT m.street_id FROM remittance m GROUP BY m.street_id HAVING SUM(m.amount_fen) > "
                 "(SELECT COALESCE(SUM(j.amount_fen), 0) FROM journal_entry j WHERE j.street_id = m.street_id "
                 "AND j.kind = 'collection')") == []
        counts = {
            "receipts": one("SELECT COUNT(*) FROM receipt"),
            "issued": one("SELECT COUNT(*) FROM receipt WHERE status = 'issued'"),
            "void": one("SELECT COUNT(*) FROM receipt WHERE status = 'void'"),
            "refunded": one("SELECT COUNT(*) FROM receipt WHERE status = 'refunded'"),
            "repeat_receipts": one("SELECT COUNT(*) FROM receipt WHERE repeat_reason IS NOT NULL"),
            "journal_lines": one("SELECT COUNT(*) FROM journal_entry"),
            "day_closes": one("SELECT COUNT(*) FROM day_close"),
            "closed_now": one("SELECT COUNT(*) FROM day_close WHERE status = 'closed'"),
            "reopenings": one("SELECT COUNT(*) FROM audit_entry WHERE action = 'dayclose.reopen'"),
            "signatures": one("SELECT COUNT(*) FROM audit_entry WHERE action = 'dayclose.sign'"),
            "remittances": one("SELECT COUNT(*) FROM remittance"),
            "audit_entries": one("SELECT COUNT(*) FROM audit_entry"),
            "anchors": one("SELECT COUNT(*) FROM ledger_anchor"),
        }
    eng.dispose()
    return counts
