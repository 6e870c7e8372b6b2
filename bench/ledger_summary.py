"""Benchmark: one street's monthly summary over ~1,000,000 journal rows on PostgreSQL.

    createdb -h 127.0.0.1 -U postgres bench_ledger
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bench_ledger .venv/bin/counter db upgrade
    .venv/bin/python bench/ledger_summary.py --db-url postgresql://postgres@127.0.0.1:5432/bench_ledger

Loads (once; ``--rows``, default 1,000,000) a hash-chained journal spread over the 10 streets and three
years of business dates with COPY, then times ``counter.collection.services.journal_summary`` (sum by
item and by method for one street and one month, the ORM path the app uses) against the bare SQL
aggregate, and prints the plan. Target: < 0.5 s. The index that makes it fast is
``ix_journal_street_date (street_id, business_date)`` (migration 0004).
"""
from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

ITEMS = [("vat", "增值税"), ("urban_maintenance", "城市维护建设税"), ("education", "教育费附加"),
         ("local_education", "地方教育附加"), ("property", "房产税"), ("iit", "个人所得税")]
METHODS = ("cash", "card", "mobile", "transfer")
START = date(2024, 1, 1)
DAYS = 3 * 365


def _setup_rows(db, streets):
    """One clerk, lease and receipt per street (the journal rows point to them)."""
    from counter.auth.models import User
    from counter.collection.models import Receipt
    from counter.leases.models import Lease, Property

    out = {}
    for s in streets:
        user = User(username=f"bench.{s.short_code}", display_name="bench", password_hash="x", role="clerk",
                    street_id=s.id)
        prop = Property(street_id=s.id, address="bench", floor_area_centi=1, design_use="residential")
        db.session.add_all([user, prop])
        db.session.flush()
        lease = Lease(street_id=s.id, property_id=prop.id, reg_year=2024, reg_seq=999999,
                      registration_number=f"bench-{s.short_code}", registration_code=f"bench-{s.short_code}",
                      lease_use="residential", landlord_kind="individual", rented_area_centi=1,
                      signing_date=START, start_date=START, end_date=START + timedelta(days=DAYS),
                      monthly_rent_fen=100, registered_on=START)
        db.session.add(lease)
        db.session.flush()
        receipt = Receipt(street_id=s.id, lease_id=lease.id, year=2024, seq=999999,
                          receipt_number=f"{s.short_code}-BENCH", payer_name="bench", first_month="2024-01",
                          last_month="2024-01", period_start=date(2024, 1, 1), period_end=date(2024, 1, 31),
                          total_fen=0, method="cash", business_date=START,
                          clerk_id=user.id, idempotency_key=f"bench-{s.short_code}")
        db.session.add(receipt)
        db.session.flush()
        out[s.id] = (user.id, lease.id, receipt.id)
    return out


def load(app, rows: int) -> None:
    from sqlalchemy import func, select, text

    from counter.collection.models import GENESIS_HASH, JournalEntry
    from counter.collection.services import row_hash
    from counter.extensions import db
    from counter.reference import ensure_reference_data
    from counter.streets.models import Street

    ensure_reference_data(samples=True)
    db.session.commit()
    have = db.session.scalar(select(func.count()).select_from(JournalEntry))
    if have >= rows:
        print(f"journal already holds {have:,} rows: not loading")
        return
    if have:
        sys.exit("journal_entry is not empty: use a fresh database")
    streets = db.session.scalars(select(Street).order_by(Street.id)).all()
    refs = _setup_rows(db, streets)
    db.session.commit()
    rng = random.Random(5)
    created = datetime(2024, 1, 1, tzinfo=timezone.utc)
    per_street = rows // len(streets)
    t0 = time.perf_counter()
    raw = db.engine.raw_connection()
    try:
        cur = raw.cursor()
        cols = ("street_id", "seq", "receipt_id", "lease_id", "clerk_id", "business_date", "item",
                "item_name_zh", "amount_fen", "method", "kind", "reverses_id", "created_at", "prev_hash", "row_hash")
        with cur.copy(f"COPY journal_entry ({', '.join(cols)}) FROM STDIN") as copy:
            for s in streets:
                clerk_id, lease_id, receipt_id = refs[s.id]
                prev = GENESIS_HASH
                for seq in range(1, per_street + 1):
                    day = START + timedelta(days=(seq - 1) * DAYS // per_street)
                    item, name = ITEMS[seq % len(ITEMS)]
                    values = {"street_id": s.id, "seq": seq, "receipt_id": receipt_id, "lease_id": lease_id,
                              "clerk_id": clerk_id, "business_date": day, "item": item, "item_name_zh": name,
                              "amount_fen": rng.randint(100, 500_000), "method": METHODS[rng.randrange(4)],
                              "kind": "collection", "reverses_id": None,
                              "created_at": created + timedelta(seconds=seq), "prev_hash": prev}
                    h = row_hash(values)
                    copy.write_row([values[c] for c in cols[:12]]
                                   + [values["created_at"].replace(tzinfo=None), prev, h])  # stored as naive UTC
                    prev = h
        for s in streets:  # the journal serial counters, as collect() would have left them
            cur.execute("INSERT INTO serial_counter (kind, street_id, year, last_value) VALUES "
                        "('journal', %s, 0, %s) ON CONFLICT (kind, street_id, year) "
                        "DO UPDATE SET last_value = EXCLUDED.last_value", (s.id, per_street))
        raw.commit()
        cur.execute("ANALYZE journal_entry")
        raw.commit()
    finally:
        raw.close()
    print(f"loaded {per_street * len(streets):,} journal rows in {time.perf_counter() - t0:.1f} s")


def bench(app, repeat: int) -> None:
    from sqlalchemy import select, text

    from counter.collection.services import journal_summary
    from counter.extensions import db
    from counter.streets.models import Street

    street = db.session.scalar(select(Street).order_by(Street.id).offset(3).limit(1))
    start, end = date(2025, 6, 1), date(2025, 6, 30)
    sql = text("SELECT item, method, sum(amount_fen), count(*) FROM journal_entry "
               "WHERE street_id = :s AND business_date BETWEEN :a AND :b GROUP BY item, method")
    params = {"s": street.id, "a": start, "b": end}

    def timed(fn):
        times = []
        for _ in range(repeat):
            t = time.perf_counter()
            result = fn()
            times.append(time.perf_counter() - t)
        return result, times

    summary, t_service = timed(lambda: journal_summary(street.id, start, end))
    rows, t_sql = timed(lambda: db.session.execute(sql, params).all())
    assert summary["total_fen"] == sum(int(r[2]) for r in rows), "service and SQL disagree"
    total_rows = db.session.scalar(text("SELECT count(*) FROM journal_entry"))
    print(f"journal rows: {total_rows:,}; street {street.code}, {start:%Y-%m}: {summary['lines']:,} lines, "
          f"total {summary['total_fen']:,} fen")
    for name, ts in (("service journal_summary", t_service), ("bare SQL aggregate", t_sql)):
        print(f"{name:24} first {ts[0] * 1000:7.1f} ms   median {statistics.median(ts) * 1000:7.1f} ms   "
              f"max {max(ts) * 1000:7.1f} ms")
    plan = db.session.execute(text("EXPLAIN (ANALYZE, BUFFERS) " + sql.text), params).scalars().all()
    print("\n".join(plan))
    worst = max(max(t_service), max(t_sql))
    print(("PASS" if worst < 0.5 else "FAIL") + f": worst {worst * 1000:.1f} ms (target < 500 ms)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db-url", required=True)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    from counter import create_app
    from counter.config import normalise_database_url

    app = create_app({"SQLALCHEMY_DATABASE_URI": normalise_database_url(args.db_url)})
    with app.app_context():
        load(app, args.rows)
        bench(app, args.repeat)


if __name__ == "__main__":
    main()
