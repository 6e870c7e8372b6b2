#!/usr/bin/env python3
"""Two app servers, one database (issue 18): two gunicorn instances (``-w 2`` each) on one PostgreSQL
database, clients spread over both registering a lease and collecting its tax; then the numbers of the
run are checked gap-free in SQL (registration, receipt and journal serials; the audit chain).

    .venv/bin/python bench/two_servers.py --db bench_2000 [--clients 8] [--ops 20]

Uses a database prepared by ``bench/run`` (``--only http`` is enough: it creates the bench.http.* users).
Prints per server: median / p95 of register and collect, and the throughput of both together.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import suite  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pg", default=os.environ.get("BENCH_PG", "postgresql://postgres@127.0.0.1:5432"))
    ap.add_argument("--db", default="bench_2000")
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--ops", type=int, default=20)
    args = ap.parse_args()
    import psycopg

    from counter.core.timeutil import business_today

    url = f"{args.pg.rstrip('/')}/{args.db}"
    users = suite._bench_users(url, args.clients)
    today = business_today()
    ports = [suite._free_port(), suite._free_port()]
    procs = [suite._gunicorn(url, "wsgi:app", port) for port in ports]
    results = {i: {"register": [], "collect": []} for i in range(2)}
    errors: list[str] = []
    lock = threading.Lock()

    def client(i: int, barrier: threading.Barrier) -> None:
        server = i % 2
        try:
            c = suite.Client(ports[server])
            c.login(users[i])
            token = c.csrf("/leases/new")
            barrier.wait()
            for j in range(args.ops):
                k = i * 100_000 + j + int(time.time()) % 100_000 * 10
                t = time.perf_counter()
                status, headers, _text = c.request("POST", "/leases/new", suite._lease_form(token, k, today))
                t_reg = time.perf_counter() - t
                if status != 302:
                    raise RuntimeError(f"register: {status}")
                lease_id = int(headers["location"].rstrip("/").rsplit("/", 1)[1])
                month = f"{today.year:04d}-{today.month:02d}"
                t = time.perf_counter()
                status, _h, _t = c.request("POST", f"/collection/lease/{lease_id}", {
                    "csrf_token": token, "first_month": month, "last_month": month, "method": "cash",
                    "reference": "", "idempotency_key": uuid.uuid4().hex, "repeat_reason": ""})
                t_col = time.perf_counter() - t
                if status != 302:
                    raise RuntimeError(f"collect: {status}")
                with lock:
                    results[server]["register"].append(t_reg)
                    results[server]["collect"].append(t_col)
        except Exception as exc:  # noqa: BLE001
            errors.append(f"client {i}: {exc}")
            barrier.abort()

    try:
        for port, proc in zip(ports, procs):
            suite._wait_http(port, "/login", proc=proc)
        barrier = threading.Barrier(args.clients + 1)
        threads = [threading.Thread(target=client, args=(i, barrier)) for i in range(args.clients)]
        for t in threads:
            t.start()
        barrier.wait(timeout=300)
        t0 = time.perf_counter()
        for t in threads:
            t.join()
        wall = time.perf_counter() - t0
    finally:
        for proc in procs:
            suite._stop(proc)
    if errors:
        raise SystemExit("; ".join(errors[:3]))
    total = 0
    for server, got in results.items():
        for kind, ts in got.items():
            total += len(ts)
            print(f"server {'AB'[server]} {kind}: {len(ts)} requests, median {suite.ms(statistics.median(ts))}, "
                  f"p95 {suite.ms(suite.p95(ts))}")
    print(f"both servers: {total / wall:.1f} requests/s ({args.clients} clients, {wall:.1f} s)")
    with psycopg.connect(suite._psql_url(url)) as conn:
        for name, sql in (("registration numbers", "SELECT count(*), max(reg_seq) FROM lease GROUP BY street_id, reg_year"),
                          ("receipt numbers", "SELECT count(*), max(seq) FROM receipt GROUP BY street_id, year"),
                          ("journal positions", "SELECT count(*), max(seq) FROM journal_entry GROUP BY street_id"),
                          ("audit chain", "SELECT count(*), max(seq) FROM audit_chain")):
            bad = [(n, top) for n, top in conn.execute(sql) if n != top]
            print(f"{name}: {'gap-free' if not bad else f'GAPS {bad[:3]}'}")


if __name__ == "__main__":
    main()
