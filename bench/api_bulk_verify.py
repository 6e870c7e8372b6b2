"""Benchmark: bulk verification of 1,000 proof codes in one API request (issue 17). Target: < 1 s.

    .venv/bin/python bench/api_bulk_verify.py                       # a scratch SQLite file
    createdb -h 127.0.0.1 -U postgres bench_api
    .venv/bin/python bench/api_bulk_verify.py --db-url postgresql://postgres@127.0.0.1:5432/bench_api

Migrates the database when empty, loads the reference data, fills it with ``counter generate-data``
(``--leases``, default 20,000: about as many printed proofs) unless it holds enough documents, issues
an API key, then times ``POST /api/v1/proofs/verify`` with ``--codes`` codes (90 % of them codes of
random documents, 10 % unknown) through the whole app (WSGI, key check, rate limit, audit, the
verification counts' upsert, the commit) ``--rounds`` times with fresh codes, and the service
``counter.api.services.verify_codes`` alone; prints min / median / max and the number of SQL statements
of one request.
"""
from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

SECRET = "bench-api-secret-key-not-for-production"


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--db-url", default=None, help="database (default: a scratch SQLite file)")
    p.add_argument("--leases", type=int, default=20_000)
    p.add_argument("--codes", type=int, default=1000)
    p.add_argument("--rounds", type=int, default=7)
    return p.parse_args()


def main() -> None:
    args = parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-api-"))
    url = args.db_url or f"sqlite:///{tmp / 'bench.db'}"
    from flask_migrate import upgrade
    from sqlalchemy import event, func, select

    from counter import create_app
    from counter.api import services
    from counter.api.models import ApiClient
    from counter.documents.models import PrintedDocument
    from counter.extensions import db
    from counter.reference import ensure_reference_data

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET, "INSTANCE_PATH": str(tmp),
                      "LEDGER_HMAC_KEY": "bench-ledger-key", "RATELIMIT_ENABLED": False})
    with app.app_context():
        upgrade()
        ensure_reference_data(samples=True)
        db.session.commit()
        have = db.session.scalar(select(func.count()).select_from(PrintedDocument))
        if have < args.codes:
            from counter_dev.generate import generate

            print(f"generating {args.leases} leases ...", flush=True)
            generate(args.leases, years=1, seed=7, progress=False)
        codes_all = list(db.session.scalars(select(PrintedDocument.verify_code)))
        client_row = db.session.scalar(select(ApiClient).where(ApiClient.name == "bench"))
        if client_row is None:
            client_row = services.create_client("bench")
        _key, token = services.issue_key(client_row, ["proofs:verify"], days=1)
        db.session.commit()
        n_docs = len(codes_all)
        backend = db.engine.dialect.name

    rng = random.Random(1)

    def batch():
        known = rng.sample(codes_all, int(args.codes * 0.9))
        unknown = ["".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") for _ in range(20))
                   for _ in range(args.codes - len(known))]
        codes = known + unknown
        rng.shuffle(codes)
        return codes

    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    client.post("/api/v1/proofs/verify", json={"codes": batch()}, headers=headers)  # warm-up
    http_times, statements = [], []
    for i in range(args.rounds):
        codes = batch()
        counted = []
        if i == 0:
            with app.app_context():
                engine = db.engine
            listener = lambda *a, **k: counted.append(1)  # noqa: E731
            event.listen(engine, "before_cursor_execute", listener)
        t0 = time.perf_counter()
        resp = client.post("/api/v1/proofs/verify", json={"codes": codes}, headers=headers)
        http_times.append(time.perf_counter() - t0)
        if i == 0:
            event.remove(engine, "before_cursor_execute", listener)
            statements = counted
        assert resp.status_code == 200, resp.get_data(as_text=True)[:300]
        assert len(resp.get_json()["results"]) == len(codes)
    service_times = []
    with app.test_request_context():
        for _ in range(args.rounds):
            codes = batch()
            t0 = time.perf_counter()
            services.verify_codes(codes)
            db.session.commit()
            service_times.append(time.perf_counter() - t0)

    def fmt(ts):
        return f"min {min(ts):.3f} s, median {statistics.median(ts):.3f} s, max {max(ts):.3f} s"

    print(f"database: {backend}, {n_docs} printed documents; {args.codes} codes per request "
          f"(90 % known), {args.rounds} rounds")
    print(f"POST /api/v1/proofs/verify (whole request): {fmt(http_times)}; {len(statements)} SQL statements")
    print(f"services.verify_codes (service alone):      {fmt(service_times)}")
    met = statistics.median(http_times) < 1.0
    print(f"target < 1 s (median of the whole request): {'met' if met else 'NOT met'}")


if __name__ == "__main__":
    main()
