#!/usr/bin/env python3
"""Profile one HTTP registration and collection in-process (Flask test client, the production app's code
path, CSRF off) and count their database round trips.

    .venv/bin/python bench/profile_http.py --db bench_2000 [--n 20] [--html /tmp/profile.html]

Needs a database prepared by ``bench/run`` (its bench.http.* users). Prints the statements per request
(first request excluded: caches warm) and pyinstrument's text profile of the ``n`` pairs (``pip install
-e '.[bench]'``).
"""
from __future__ import annotations

import argparse
import os
import sys
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pg", default=os.environ.get("BENCH_PG", "postgresql://postgres@127.0.0.1:5432"))
    ap.add_argument("--db", default="bench_2000")
    ap.add_argument("--n", type=int, default=20)
    ap.add_argument("--html")
    ap.add_argument("--sql", action="store_true", help="print the statements of the last pair")
    ap.add_argument("--no-profile", action="store_true", help="time the pairs only (wall and this process's CPU)")
    args = ap.parse_args()
    from sqlalchemy import event

    import suite
    from counter import create_app
    from counter.config import normalise_database_url
    from counter.core.timeutil import business_today
    from counter.extensions import db

    url = f"{args.pg.rstrip('/')}/{args.db}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": normalise_database_url(url), "SECRET_KEY": "bench-secret-key",
                      "WTF_CSRF_ENABLED": False})
    statements: list[str] = []
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute",
                     lambda conn, cursor, stmt, params, context, many: statements.append(stmt))
    client = app.test_client()
    r = client.post("/login", data={"username": "bench.http.0", "password": suite.PASSWORD, "next": ""})
    assert r.status_code == 302, r.status_code
    today = business_today()
    first = f"{today.year:04d}-{today.month:02d}"
    lm = today.month + 2
    last = f"{today.year + (lm - 1) // 12:04d}-{(lm - 1) % 12 + 1:02d}"
    counts = {"register": [], "collect": []}
    logs = {}

    def pair(k: int) -> None:
        statements.clear()
        r = client.post("/leases/new", data=suite._lease_form("", k, today))
        assert r.status_code == 302, (r.status_code, r.get_data(as_text=True)[:2000])
        counts["register"].append(len(statements))
        logs["register"] = list(statements)
        lease_id = int(r.headers["location"].rstrip("/").rsplit("/", 1)[1])
        statements.clear()
        r = client.post(f"/collection/lease/{lease_id}", data={
            "first_month": first, "last_month": last, "method": "cash", "reference": "",
            "idempotency_key": uuid.uuid4().hex, "repeat_reason": ""})
        assert r.status_code == 302, (r.status_code, r.get_data(as_text=True)[:2000])
        counts["collect"].append(len(statements))
        logs["collect"] = list(statements)

    base = uuid.uuid4().int % 10 ** 6 * 10
    pair(base)  # warm-up
    if args.no_profile:
        import time

        walls = {"register": [], "collect": []}
        cpu0 = time.process_time()
        t0 = time.perf_counter()
        for i in range(args.n):
            pair(base + 1 + i)
        wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
        for name, c in counts.items():
            print(f"{name}: {c[1:]} statements (first: {c[0]})")
        print(f"{args.n} pairs: {wall / args.n * 1000:.1f} ms wall, {cpu / args.n * 1000:.1f} ms CPU per pair "
              "(register + collect, in-process)")
        return
    from pyinstrument import Profiler

    profiler = Profiler(interval=0.0005)
    profiler.start()
    for i in range(args.n):
        pair(base + 1 + i)
    profiler.stop()
    for name, c in counts.items():
        print(f"{name}: {c[1:]} statements (first: {c[0]})")
    if args.sql:
        for name, stmts in logs.items():
            print(f"--- {name}")
            for s in stmts:
                print("  " + " ".join(s.split())[:220])
    print(profiler.output_text(unicode=True, color=False, show_all=False))
    if args.html:
        Path(args.html).write_text(profiler.output_html())


if __name__ == "__main__":
    main()
