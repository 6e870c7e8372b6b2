"""The benchmarks of ``bench/run`` (each returns table rows: the app's figure next to its floor's)."""
from __future__ import annotations

import csv
import http.client
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
PASSWORD = "bench-password-1"


@dataclass
class Row:
    benchmark: str
    app: str
    floor: str
    ratio: float | None
    target: str
    met: bool | None


def table(rows: list[Row]) -> str:
    head = ("benchmark", "app", "floor", "ratio", "target", "met?")
    cells = [head] + [(r.benchmark, r.app, r.floor, "" if r.ratio is None else f"{r.ratio:.2f}", r.target,
                       "—" if r.met is None else ("yes" if r.met else "NO")) for r in rows]
    widths = [max(len(c[i]) for c in cells) for i in range(len(head))]
    line = "| " + " | ".join(h.ljust(w) for h, w in zip(head, widths)) + " |"
    sep = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    body = ["| " + " | ".join(c.ljust(w) for c, w in zip(row, widths)) + " |" for row in cells[1:]]
    return "\n".join([line, sep, *body])


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1] if len(values) >= 2 else values[0]


def ms(v: float) -> str:
    return f"{v * 1000:.1f} ms"


def _env(url: str) -> dict:
    return {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "bench-secret-key", "PYTHONUNBUFFERED": "1"}


def _counter(url: str, *args, check=True, capture=False):
    return subprocess.run([str(VENV_BIN / "counter"), *args], env=_env(url), cwd=ROOT, check=check,
                          capture_output=capture, text=True)


def _psql_url(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


def _server_and_db(url: str) -> tuple[str, str]:
    server, _slash, name = _psql_url(url).rpartition("/")
    return server, name


def _create_db(url: str, drop: bool = False) -> bool:
    """Create the database if missing (drop it first with ``drop``); True when it was created."""
    import psycopg

    server, name = _server_and_db(url)
    if name.startswith("test"):
        raise SystemExit("refusing to touch a database named test*")
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if exists and drop:
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            exists = None
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')
            return True
    return False


def _app(url: str):
    from counter import create_app
    from counter.config import normalise_database_url

    return create_app({"SQLALCHEMY_DATABASE_URI": normalise_database_url(url), "SECRET_KEY": "bench-secret-key"})


# ------------------------------------------------------------------------------------------- the data

def ensure_database(url: str, leases: int, years: int) -> str:
    """Create, migrate, load reference data and generate until the database holds ``leases`` leases."""
    import psycopg

    _create_db(url)
    _counter(url, "db", "upgrade", capture=True)
    _counter(url, "load-reference", "--samples", capture=True)
    with psycopg.connect(_psql_url(url)) as conn:
        have = conn.execute("SELECT count(*) FROM lease").fetchone()[0]
    if have < leases:
        t0 = time.time()
        out = _counter(url, "generate-data", "--leases", str(leases - have), "--years", str(years), "--quiet",
                       "--batch", "10000", capture=True)
        print("   " + out.stdout.strip(), flush=True)
        print(f"   generated in {time.time() - t0:.0f} s (wall, with start-up)", flush=True)
        # the generator's COPY skips the triggers (session_replication_role = replica), the journal's
        # daily roll-ups (migration 0014) too: set them from the journal, as the owner
        from sqlalchemy import create_engine

        from counter.config import normalise_database_url
        from counter.ledger.rollup import rebuild_rollup

        t0 = time.time()
        eng = create_engine(normalise_database_url(url))
        with eng.begin() as conn:
            rebuild_rollup(conn)
        eng.dispose()
        print(f"   journal roll-ups rebuilt in {time.time() - t0:.0f} s", flush=True)
    with psycopg.connect(_psql_url(url)) as conn:
        n = conn.execute("SELECT count(*) FROM lease").fetchone()[0]
        j = conn.execute("SELECT count(*) FROM journal_entry").fetchone()[0]
    return f"{n:,} leases, {j:,} journal rows"


# ------------------------------------------------------------------------------------------- 1. search

def bench_search(url: str, queries: int) -> list[Row]:
    import psycopg
    from sqlalchemy import text

    app = _app(url)
    from counter.core.scoping import scoped_to
    from counter.extensions import db
    from counter.leases.services import SearchCriteria, find_by_code, search_leases

    rnd = random.Random(7)
    with app.app_context():
        max_id = db.session.scalar(text("SELECT max(id) FROM lease"))
        ids = rnd.sample(range(1, max_id + 1), min(queries * 2, max_id))
        rows = db.session.execute(text(
            "SELECT l.id, l.street_id, l.registration_code, p.id_number, pr.house_code, pr.address "
            "FROM lease l JOIN lease_party lp ON lp.lease_id = l.id AND lp.role = 'tenant' AND lp.position = 1 "
            "JOIN party p ON p.id = lp.party_id JOIN property pr ON pr.id = l.property_id "
            "WHERE l.id = ANY(:ids) AND pr.house_code IS NOT NULL"), {"ids": ids}).all()[:queries]
        db.session.rollback()
    samples = []
    for r in rows:
        # two address words as a clerk types them: the road with its number, and the estate's name
        m = re.search(r"街道(\S+?路|\S+?大道)(\d+号)(\S+?)(\d+栋)", r.address)
        words = f"{m.group(1)}{m.group(2)} {m.group(3)}" if m else r.address[-8:]
        samples.append((r.street_id, r.registration_code, r.id_number, r.house_code, words, r.id))

    def service(kind):
        def run(s):
            sid, code, idn, house, words, lease_id = s
            db.session.expunge_all()
            with scoped_to((sid,)):  # as the clerk of the lease's street: the scope hook is part of the cost
                if kind == "code":
                    found = find_by_code(code)
                    assert found is not None and found.id == lease_id
                elif kind == "id":
                    got = db.session.scalars(search_leases(SearchCriteria(id_number=idn)).limit(25)).all()
                    assert lease_id in [x.id for x in got]
                elif kind == "house":
                    got = db.session.scalars(search_leases(SearchCriteria(house_code=house)).limit(25)).all()
                    assert lease_id in [x.id for x in got]
                else:
                    got = db.session.scalars(search_leases(SearchCriteria(address=words)).limit(25)).all()
                    assert got
            db.session.rollback()
        return run

    out = []
    with app.app_context(), psycopg.connect(_psql_url(url), autocommit=True) as raw:
        def bare(sql, pick):
            def run(s):
                with raw.cursor() as cur:
                    cur.execute(sql, pick(s))
                    assert cur.fetchall()
            return run

        def like_params(s):
            return (s[0], *[f"%{w}%" for w in s[4].split()])

        cases = [
            ("registration code", service("code"),
             bare("SELECT * FROM lease WHERE registration_code = %s", lambda s: (s[1],))),
            ("ID number", service("id"),
             bare("SELECT l.* FROM lease l WHERE l.street_id = %s AND EXISTS (SELECT 1 FROM lease_party lp "
                  "JOIN party p ON p.id = lp.party_id WHERE lp.lease_id = l.id AND p.id_number = %s) "
                  "ORDER BY l.id DESC LIMIT 25", lambda s: (s[0], s[2]))),
            ("house code", service("house"),
             bare("SELECT l.* FROM lease l WHERE l.street_id = %s AND l.property_id IN "
                  "(SELECT id FROM property WHERE house_code = %s) ORDER BY l.id DESC LIMIT 25",
                  lambda s: (s[0], s[3]))),
            ("address words", service("address"),
             bare("SELECT l.* FROM lease l JOIN property pr ON pr.id = l.property_id WHERE l.street_id = %s "
                  "AND pr.address LIKE %s AND pr.address LIKE %s ORDER BY l.id DESC LIMIT 25", like_params)),
        ]
        for _name, fn, bfn in cases:  # warm-up
            for s in samples[:3]:
                fn(s)
                bfn(s)
        for name, fn, bfn in cases:
            ts, tb = [], []
            for s in samples:  # interleaved: the same load for both
                t = time.perf_counter()
                fn(s)
                ts.append(time.perf_counter() - t)
                t = time.perf_counter()
                bfn(s)
                tb.append(time.perf_counter() - t)
            out.append(Row(f"search {name} (median / p95)", f"{ms(statistics.median(ts))} / {ms(p95(ts))}",
                           f"{ms(statistics.median(tb))} / {ms(p95(tb))}", p95(ts) / p95(tb), "p95 < 50 ms",
                           p95(ts) < 0.050))
    return out


# ------------------------------------------------------------------------------------------- 3. summaries

def bench_summary(url: str, repeat: int = 7) -> list[Row]:
    from sqlalchemy import text

    app = _app(url)
    from counter.core.timeutil import business_today
    from counter.extensions import db
    from counter.ledger.services import district_overview, month_bounds, monthly_summary

    out = []
    with app.app_context():
        today = business_today()
        year, month = (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)
        street_id = db.session.scalar(text("SELECT street_id FROM journal_entry GROUP BY street_id "
                                           "ORDER BY count(*) DESC LIMIT 1"))
        total = db.session.scalar(text("SELECT count(*) FROM journal_entry"))
        db.session.rollback()
        first, last = month_bounds(year, month)
        bare_month = text("SELECT business_date, method, kind, sum(amount_fen), count(DISTINCT receipt_id) "
                          "FROM journal_entry WHERE street_id = :s AND business_date BETWEEN :a AND :b "
                          "GROUP BY business_date, method, kind")
        bare_overview = text("SELECT street_id, extract(month FROM business_date), sum(amount_fen) FROM journal_entry "
                             "WHERE business_date BETWEEN :a AND :b GROUP BY 1, 2")

        def timed(fn):
            fn()  # warm-up
            ts = []
            for _ in range(repeat):
                t = time.perf_counter()
                fn()
                ts.append(time.perf_counter() - t)
                db.session.rollback()
            return ts

        s_app = timed(lambda: monthly_summary(street_id, year, month))
        s_bare = timed(lambda: db.session.execute(bare_month, {"s": street_id, "a": first, "b": last}).all())
        o_app = timed(lambda: district_overview(today.year))
        o_bare = timed(lambda: db.session.execute(bare_overview, {"a": date(today.year, 1, 1),
                                                                  "b": date(today.year, 12, 31)}).all())
        summary = monthly_summary(street_id, year, month)
        db.session.rollback()
    for name, a, b in ((f"monthly summary {year}-{month:02d} ({summary.receipts:,} receipts; {total:,} journal rows)",
                        s_app, s_bare),
                       (f"district overview {today.year} (10 streets x 12 months)", o_app, o_bare)):
        out.append(Row(f"{name} (median / max)", f"{ms(statistics.median(a))} / {ms(max(a))}",
                       f"{ms(statistics.median(b))} / {ms(max(b))}", statistics.median(a) / statistics.median(b),
                       "< 0.5 s", max(a) < 0.5))
    return out


# ------------------------------------------------------------------------------------------- 2. HTTP

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_http(port: int, path: str = "/", timeout: float = 120, proc=None) -> None:
    end = time.time() + timeout
    while time.time() < end:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            c.request("GET", path)
            r = c.getresponse()
            r.read()
            c.close()
            if r.status < 500:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise TimeoutError(f"nothing served on port {port} after {timeout} s")


def _gunicorn(url: str, target: str, port: int, workers: int = 2):
    return subprocess.Popen([str(VENV_BIN / "gunicorn"), "-w", str(workers), "-b", f"127.0.0.1:{port}", "--log-level",
                             "warning", target], env=_env(url), cwd=ROOT, start_new_session=True)


def _stop(proc) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


class Client:
    """A browser-like HTTP client: keep-alive connection, session cookie, CSRF token."""

    def __init__(self, port: int):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form: dict | None = None) -> tuple[int, dict, str]:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        self.conn.request(method, path, body=body, headers=headers)
        r = self.conn.getresponse()
        text = r.read().decode("utf-8", "replace")
        for k, v in r.getheaders():
            if k.lower() == "set-cookie":
                name, _eq, rest = v.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
        return r.status, dict((k.lower(), v) for k, v in r.getheaders()), text

    def csrf(self, path: str) -> str:
        status, _h, text = self.request("GET", path)
        m = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', text) or re.search(
            r'value="([^"]+)"[^>]*name="csrf_token"', text)
        if not m:
            raise RuntimeError(f"no CSRF token on {path} ({status})")
        return m.group(1)

    def login(self, username: str) -> None:
        token = self.csrf("/login")
        status, headers, _t = self.request("POST", "/login", {"csrf_token": token, "username": username,
                                                              "password": PASSWORD, "next": ""})
        if status != 302:
            raise RuntimeError(f"login of {username} failed: {status}")


def _bench_users(url: str, n: int) -> list[str]:
    from sqlalchemy import select

    app = _app(url)
    from counter.auth.models import User
    from counter.auth.services import create_user
    from counter.extensions import db
    from counter.streets.models import Street

    names = []
    with app.app_context():
        streets = db.session.scalars(select(Street).order_by(Street.code)).all()
        for i in range(n):
            st = streets[i % len(streets)]
            name = f"bench.http.{i}"
            if db.session.scalar(select(User).where(User.username == name)) is None:
                create_user(name, PASSWORD, "clerk", f"bench {i}", st.id)
            names.append(name)
        db.session.commit()
    return names


def _lease_form(token: str, k: int, today: date) -> dict:
    from counter.generate import resident_id_for

    start = today.replace(day=1)
    building = f"440304001999{k % 1_000_000:07d}"
    uniq = uuid.uuid4().int % 10 ** 6
    return {
        "csrf_token": token, "house_code": f"{building}{uniq:06d}", "building_code": building,
        "address": f"深圳市福田区南园街道测试路{k % 500}号压测大厦", "room": f"{uniq % 3000}", "floor_area": "65.00",
        "design_use": "residential", "has_title": "y", "lease_use": "residential", "rented_area": "65.00",
        "signing_date": (start - timedelta(days=2)).isoformat(), "start_date": start.isoformat(),
        "end_date": (start.replace(year=start.year + 1) - timedelta(days=1)).isoformat(),
        "monthly_rent": "5200.00", "deposit": "10400.00", "payment_cycle": "quarterly",
        "landlords-0-name": "王压测", "landlords-0-id_type": "resident_id",
        "landlords-0-id_number": resident_id_for(900_000_000 + 2 * k + uniq * 7919),
        "tenants-0-name": "李压测", "tenants-0-id_type": "resident_id",
        "tenants-0-id_number": resident_id_for(900_000_001 + 2 * k + uniq * 7919),
    }


def bench_http(url: str, clients: int, ops: int) -> list[Row]:
    from counter.core.timeutil import business_today

    users = _bench_users(url, clients)
    today = business_today()
    results: dict[str, list[float]] = {"register": [], "collect": [], "minimal": []}
    errors: list[str] = []
    lock = threading.Lock()

    def app_client(i: int, barrier: threading.Barrier) -> None:
        try:
            c = Client(app_port)
            c.login(users[i])
            token = c.csrf("/leases/new")
            barrier.wait()
            for j in range(ops):
                k = i * 100_000 + j + int(time.time()) % 100_000 * 10
                t = time.perf_counter()
                status, headers, text = c.request("POST", "/leases/new", _lease_form(token, k, today))
                t_reg = time.perf_counter() - t
                if status != 302:
                    raise RuntimeError(f"register: {status} {re.findall(r'invalid-feedback[^>]*>([^<]+)', text)[:3]}")
                lease_id = int(headers["location"].rstrip("/").rsplit("/", 1)[1])
                first = f"{today.year:04d}-{today.month:02d}"
                last_month = today.month + 2
                last = f"{today.year + (last_month - 1) // 12:04d}-{(last_month - 1) % 12 + 1:02d}"
                t = time.perf_counter()
                status, headers, text = c.request("POST", f"/collection/lease/{lease_id}", {
                    "csrf_token": token, "first_month": first, "last_month": last, "method": "cash",
                    "reference": "", "idempotency_key": uuid.uuid4().hex, "repeat_reason": ""})
                t_col = time.perf_counter() - t
                if status != 302:
                    raise RuntimeError(f"collect: {status}")
                with lock:
                    results["register"].append(t_reg)
                    results["collect"].append(t_col)
        except Exception as exc:  # noqa: BLE001
            errors.append(f"client {i}: {exc}")
            try:
                barrier.abort()
            except Exception:  # noqa: BLE001
                pass

    def minimal_client(i: int, barrier: threading.Barrier) -> None:
        try:
            c = Client(min_port)
            barrier.wait()
            for j in range(ops * 2):
                t = time.perf_counter()
                status, _h, _t = c.request("POST", "/insert", {"payload": f"{i}-{j}"})
                dt = time.perf_counter() - t
                if status != 201:
                    raise RuntimeError(f"minimal: {status}")
                with lock:
                    results["minimal"].append(dt)
        except Exception as exc:  # noqa: BLE001
            errors.append(f"minimal client {i}: {exc}")

    def run_clients(fn) -> float:
        barrier = threading.Barrier(clients + 1)
        threads = [threading.Thread(target=fn, args=(i, barrier)) for i in range(clients)]
        for t in threads:
            t.start()
        try:
            barrier.wait(timeout=300)
        except threading.BrokenBarrierError:
            pass
        t0 = time.perf_counter()
        for t in threads:
            t.join()
        return time.perf_counter() - t0

    app_port, min_port = _free_port(), _free_port()
    app_proc = _gunicorn(url, "wsgi:app", app_port)
    try:
        _wait_http(app_port, "/login", proc=app_proc)
        app_wall = run_clients(app_client)
    finally:
        _stop(app_proc)
    min_proc = _gunicorn(url, "bench.minimal_app:app", min_port)
    try:
        _wait_http(min_port, "/", proc=min_proc)
        min_wall = run_clients(minimal_client)
    finally:
        _stop(min_proc)
    if errors:
        raise RuntimeError("; ".join(errors[:3]))
    reg, col, mini = results["register"], results["collect"], results["minimal"]
    app_rps = (len(reg) + len(col)) / app_wall
    min_rps = len(mini) / min_wall
    return [
        Row(f"HTTP register lease, {clients} clients (median / p95)", f"{ms(statistics.median(reg))} / {ms(p95(reg))}",
            f"{ms(statistics.median(mini))} / {ms(p95(mini))}", p95(reg) / p95(mini), "<= 3 x minimal",
            p95(reg) <= 3 * p95(mini)),
        Row(f"HTTP collect tax, {clients} clients (median / p95)", f"{ms(statistics.median(col))} / {ms(p95(col))}",
            f"{ms(statistics.median(mini))} / {ms(p95(mini))}", p95(col) / p95(mini), "<= 3 x minimal",
            p95(col) <= 3 * p95(mini)),
        Row("HTTP throughput (requests/s, gunicorn -w 2)", f"{app_rps:.1f} req/s ({len(reg)} leases + receipts)",
            f"{min_rps:.1f} req/s", min_rps / app_rps, "<= 3 x minimal", min_rps / app_rps <= 3),
    ]


# ------------------------------------------------------------------------------------------- 4. PDF

def bench_pdf(n: int, batch_docs: int) -> list[Row]:
    import printing_bench as pb

    cert = pb.median_pair(lambda i: pb.samples.sample_certificate(doc_number=f"DOC-FT01-2026-{100000 + i:06d}"),
                          pb.render_certificate, pb.render_certificate_html, n)
    slip = pb.median_pair(lambda i: pb.samples.sample_info_slip(doc_number=f"DOC-FT01-2026-{200000 + i:06d}"),
                          pb.render_info_slip, pb.render_info_slip_html, n)
    signing = pb.sign_costs(max(3, n // 4))
    total_rate, steady_rate, startup, _work = pb.batch(batch_docs, 2, 25)
    rows = [Row(f"PDF {name} (median render)", f"{ours * 1000:.0f} ms", f"{alone * 1000:.0f} ms (WeasyPrint alone)",
                ours / alone, "<= 1.3 x", ours / alone <= 1.3)
            for name, (ours, alone) in (("certificate", cert), ("info slip", slip))]
    for kind, (render_s, sign_s, _size) in signing.items():
        rows.append(Row(f"PDF {kind}: PAdES signing (median)", f"{sign_s * 1000:.1f} ms",
                        f"{render_s * 1000:.0f} ms (its render)", sign_s / render_s, "<= 0.10 x render",
                        sign_s / render_s <= 0.10))
    rows.append(Row(f"PDF batch {batch_docs} slips, 2 processes", f"{total_rate:.1f} docs/s (incl. {startup:.1f} s start-up)",
                    f"{steady_rate:.1f} docs/s steady", None, ">= 4.5 docs/s", total_rate >= 4.5))
    return rows


# ------------------------------------------------------------------------------------------- 5. import

def write_import_csv(path: Path, rows: int, seed: int = 11) -> None:
    """``rows`` leases in the importer's documented columns (counter/leases/importer.py)."""
    from counter.generate import credit_code_for, resident_id_for

    rnd = random.Random(seed)
    streets = [f"44030400{i}" if i < 10 else "440304010" for i in range(1, 11)]
    today = date.today()
    cols = ["external_ref", "street", "house_code", "building_code", "address", "room", "floor_area", "design_use",
            "has_title", "lease_use", "is_sublease", "rented_area", "signing_date", "start_date", "end_date",
            "monthly_rent", "deposit", "payment_cycle", "landlord1_name", "landlord1_id_type", "landlord1_id_number",
            "landlord1_phone", "tenant1_name", "tenant1_id_type", "tenant1_id_number", "tenant1_phone",
            "agent_name", "agent_id_number"]
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(cols)
        for i in range(rows):
            street = streets[i % 10]
            building = f"{street[:6]}{street[-3:]}{800 + i // 100_000:03d}{i // 50:07d}"
            start = today - timedelta(days=rnd.randrange(30, 700))
            area = f"{rnd.randrange(2000, 15000) / 100:.2f}"
            use = rnd.choices(("residential", "commercial", "office", "mixed"), weights=(80, 8, 7, 5))[0]
            agent = rnd.random() < 0.15
            w.writerow([f"OLD-{seed}-{i:07d}", street, f"{building}{i % 50 + 1:06d}", building,
                        f"深圳市福田区旧登记路{i % 300}号{i // 50 % 40}栋", f"{i % 50 + 1}01", area, use, "1", use, "0",
                        area, (start - timedelta(days=3)).isoformat(), start.isoformat(),
                        (start.replace(year=start.year + 1) - timedelta(days=1)).isoformat(),
                        f"{rnd.randrange(15, 300) * 100}.00", "0", "monthly",
                        "张业主", "resident_id", resident_id_for(700_000_000 + 2 * i), "13800000000",
                        "陈租客", "resident_id", resident_id_for(700_000_001 + 2 * i), "13900000000",
                        "深圳市某某房地产经纪有限公司" if agent else "", credit_code_for(50_000 + i % 200) if agent else ""])


def bench_import(pg: str, rows: int) -> list[Row]:
    url = f"{pg.rstrip('/')}/bench_import"
    _create_db(url, drop=True)
    _counter(url, "db", "upgrade", capture=True)
    _counter(url, "load-reference", "--samples", capture=True)
    tmp = Path(tempfile.mkdtemp(prefix="bench-import-"))
    try:
        path = tmp / "leases.csv"
        write_import_csv(path, rows)
        t0 = time.perf_counter()
        out = _counter(url, "import-leases", str(path), capture=True)
        wall = time.perf_counter() - t0
        print("   " + out.stdout.strip().splitlines()[-1], flush=True)
        m = re.search(r"imported (\d+)", out.stdout)
        imported = int(m.group(1)) if m else 0
        t0 = time.perf_counter()  # the floor: the bulk generator writing as many leases (with all their rows)
        gen = _counter(url, "generate-data", "--leases", str(min(rows, 20_000)), "--quiet", "--seed", "9", capture=True)
        gen_wall = time.perf_counter() - t0
        gm = re.search(r"\(([\d,]+) leases/s", gen.stdout)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    rate = imported / wall
    floor = f"{gm.group(1)} leases/s (generate-data, COPY)" if gm else f"{min(rows, 20_000) / gen_wall:.0f} leases/s"
    return [Row(f"import-leases {rows:,} CSV rows ({imported:,} imported)", f"{rate:,.0f} rows/s ({wall:.0f} s)",
                floor, None, ">= 2,000 rows/s", rate >= 2000 and imported == rows)]


# ------------------------------------------------------------------------------------------- 6. make run

def bench_make_run() -> list[Row]:
    tmp = Path(tempfile.mkdtemp(prefix="bench-clone-"))
    port = _free_port()
    proc = None
    try:
        clone = tmp / "x"
        subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
        env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "VIRTUAL_ENV", "SECRET_KEY")}
        env["PATH"] = ":".join(p for p in env.get("PATH", "").split(":") if not p.startswith(str(ROOT)))
        t0 = time.perf_counter()
        proc = subprocess.Popen(["make", "run", f"PORT={port}"], cwd=clone, env=env, start_new_session=True,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        _wait_http(port, "/login", timeout=900, proc=proc)
        first_page = time.perf_counter() - t0
        # the second start of the same clone: venv and database exist (what a window PC sees every morning)
        _stop(proc)
        t0 = time.perf_counter()
        proc = subprocess.Popen(["make", "run", f"PORT={port}"], cwd=clone, env=env, start_new_session=True,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _wait_http(port, "/login", timeout=300, proc=proc)
        again = time.perf_counter() - t0
    finally:
        if proc is not None:
            _stop(proc)
        shutil.rmtree(tmp, ignore_errors=True)
    return [Row("make run, fresh clone -> first page (pip cache warm)", f"{first_page:.0f} s",
                f"{again:.1f} s (second start, venv built)", first_page / again, "(no target)", None)]
