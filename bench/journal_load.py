#!/usr/bin/env python3
"""Journal rows at city scale for the summary benchmarks (issue 18): a bulk loader of ``journal_entry``
and its daily roll-ups (``journal_rollup``, ``journal_day_total``, migration 0014), then the monthly summary and the district
overview timed against the bare SQL over the journal (``bench/suite.py``'s ``bench_summary``).

    .venv/bin/python bench/journal_load.py --rows 10000000            # database bench_journal_10000000
    .venv/bin/python bench/journal_load.py --rows 1000000 --only-time  # reuse a loaded database

The rows are for timing summaries only: one line per tax item of synthetic receipts (3 lines each, 0.5 %
voided with reversal lines) over the last ``--years`` years of business days, spread over the streets,
``COPY``-ed with the foreign-key and roll-up triggers off (``session_replication_role = replica``): their
``receipt_id`` / ``lease_id`` name no rows and their hashes are placeholders, so ``counter ledger verify``
does not apply to this database. The roll-up is summed in Python while the rows are made and ``COPY``-ed
too (the trigger's result, without 10 M trigger calls); ``counter.collection.rollup.verify_rollup`` checks it
against the journal with ``--check``.
"""
from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import suite  # noqa: E402

ITEMS = (("vat", "增值税", 0.50), ("urban_construction", "城市维护建设税", 0.035), ("individual_income_tax", "个人所得税", 0.10))
METHODS = ("cash", "card", "mobile", "transfer")
COLUMNS = ("street_id", "seq", "receipt_id", "lease_id", "clerk_id", "business_date", "item", "item_name_zh",
           "amount_fen", "method", "kind", "reverses_id", "created_at", "prev_hash", "row_hash", "seal_version",
           "period_start", "period_end")


def load(url: str, rows: int, years: int, seed: int) -> None:
    import psycopg

    from counter.core.timeutil import business_today

    rng = random.Random(seed)
    with psycopg.connect(suite._psql_url(url)) as conn:
        streets = [r[0] for r in conn.execute("SELECT id FROM street ORDER BY id")]
        have = conn.execute("SELECT count(*) FROM journal_entry").fetchone()[0]
        if have >= rows:
            print(f"   {have:,} journal rows already: nothing loaded")
            return
        rows -= have
        heads = dict(conn.execute("SELECT street_id, coalesce(max(seq), 0) FROM journal_entry GROUP BY street_id"))
        next_receipt = conn.execute("SELECT coalesce(max(receipt_id), 0) + 1 FROM journal_entry").fetchone()[0]
        next_id = conn.execute("SELECT coalesce(max(id), 0) + 1 FROM journal_entry").fetchone()[0]
        today = business_today()
        days = [today - timedelta(days=d) for d in range(365 * years, -1, -1)]
        days = [d for d in days if d.weekday() < 5 or rng.random() < 0.25]
        per_day = max(1, -(-rows // len(days)))
        rollup: dict[tuple, list[int]] = {}
        placeholder = "0" * 64
        t0 = time.time()
        written = 0
        conn.execute("SET session_replication_role = replica")
        with conn.cursor() as cur:
            with cur.copy(f"COPY journal_entry (id, {', '.join(COLUMNS)}) FROM STDIN") as copy:
                for day in days:
                    if written >= rows:
                        break
                    created = f"{day.isoformat()} 03:00:00"
                    n_day = min(per_day, rows - written)
                    while n_day > 0:
                        street = streets[rng.randrange(len(streets))]
                        method = METHODS[min(3, int(rng.random() * 4))]
                        rent = rng.randint(150_000, 3_000_000)
                        receipt = next_receipt
                        next_receipt += 1
                        void = rng.random() < 0.005
                        lines = [(item, name, max(1, int(rent * share * 0.05))) for item, name, share in ITEMS]
                        kinds = [("collection", 1)] + ([("void", -1)] if void else [])
                        for kind, sign in kinds:
                            first = True
                            for item, name, amount in lines:
                                seq = heads.get(street, 0) + 1
                                heads[street] = seq
                                copy.write_row((next_id, street, seq, receipt, receipt, 1, day, item, name,
                                                sign * amount, method, kind, None, created, placeholder,
                                                placeholder, 2, day, day + timedelta(days=30)))
                                next_id += 1
                                key = (street, day, item, name, method, kind)
                                agg = rollup.setdefault(key, [0, 0, 0])
                                agg[0] += sign * amount
                                agg[1] += 1
                                agg[2] += 1 if first else 0
                                first = False
                                written += 1
                                n_day -= 1
        print(f"   {written:,} journal rows copied in {time.time() - t0:.0f} s", flush=True)
        t1 = time.time()
        conn.execute("CREATE TEMP TABLE rollup_load (LIKE journal_rollup INCLUDING DEFAULTS) ON COMMIT DROP")
        with conn.cursor() as cur:
            with cur.copy("COPY rollup_load (street_id, business_date, item, item_name_zh, method, kind, amount_fen, "
                          "lines, receipts) FROM STDIN") as copy:
                for (street, day, item, name, method, kind), (amount, n, receipts) in rollup.items():
                    copy.write_row((street, day, item, name, method, kind, amount, n, receipts))
        conn.execute(  # added to what is there (the trigger's arithmetic)
            "INSERT INTO journal_rollup (street_id, business_date, item, item_name_zh, method, kind, amount_fen, "
            "lines, receipts) SELECT street_id, business_date, item, item_name_zh, method, kind, amount_fen, lines, "
            "receipts FROM rollup_load ON CONFLICT (street_id, business_date, item, item_name_zh, method, kind) "
            "DO UPDATE SET amount_fen = journal_rollup.amount_fen + excluded.amount_fen, "
            "lines = journal_rollup.lines + excluded.lines, receipts = journal_rollup.receipts + excluded.receipts")
        conn.execute(
            "INSERT INTO journal_day_total (street_id, business_date, amount_fen, lines) SELECT street_id, "
            "business_date, sum(amount_fen), sum(lines) FROM rollup_load GROUP BY street_id, business_date "
            "ON CONFLICT (street_id, business_date) DO UPDATE SET amount_fen = journal_day_total.amount_fen + "
            "excluded.amount_fen, lines = journal_day_total.lines + excluded.lines")
        for street, seq in heads.items():  # the journal serials end at the last number used
            conn.execute("INSERT INTO serial_counter (kind, street_id, year, last_value) VALUES ('journal', %s, 0, %s) "
                         "ON CONFLICT (kind, street_id, year) DO UPDATE SET last_value = excluded.last_value",
                         (street, seq))
        conn.execute("SELECT setval(pg_get_serial_sequence('journal_entry', 'id'), %s)", (next_id,))
        conn.commit()
        print(f"   {len(rollup):,} roll-up rows in {time.time() - t1:.0f} s", flush=True)
        t2 = time.time()
        conn.autocommit = True
        conn.execute("VACUUM ANALYZE journal_entry")
        conn.execute("VACUUM ANALYZE journal_rollup")
        conn.execute("VACUUM ANALYZE journal_day_total")
        print(f"   vacuum analyze in {time.time() - t2:.0f} s", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--years", type=int, default=3)
    ap.add_argument("--seed", type=int, default=18)
    ap.add_argument("--pg", default=os.environ.get("BENCH_PG", "postgresql://postgres@127.0.0.1:5432"))
    ap.add_argument("--db", help="database name (default bench_journal_<rows>)")
    ap.add_argument("--only-time", action="store_true", help="no load: time the summaries of the database")
    ap.add_argument("--check", action="store_true", help="verify the roll-up against the journal afterwards")
    ap.add_argument("--repeat", type=int, default=7)
    args = ap.parse_args()
    url = f"{args.pg.rstrip('/')}/{args.db or f'bench_journal_{args.rows}'}"
    if not args.only_time:
        suite._create_db(url)
        suite._counter(url, "db", "upgrade", capture=True)
        suite._counter(url, "load-reference", "--samples", capture=True)
        t0 = time.time()
        load(url, args.rows, args.years, args.seed)
        print(f"   loaded in {time.time() - t0:.0f} s", flush=True)
    if args.check:
        app = suite._app(url)
        with app.app_context():
            from counter.extensions import db
            from counter.collection.rollup import verify_rollup

            t0 = time.time()
            problems = verify_rollup(db.session)
            print(f"   roll-up check: {len(problems)} problems in {time.time() - t0:.0f} s", flush=True)
    rows = suite.bench_summary(url, repeat=args.repeat)
    print(suite.table(rows))


if __name__ == "__main__":
    main()
