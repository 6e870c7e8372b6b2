#!/usr/bin/env python3
"""Lease search benchmark on PostgreSQL: bulk-load N synthetic leases with COPY, then time the app's
services (``find_by_code``, ``search_leases`` by ID number and house code, as a clerk of one street sees
them) against the bare indexed SQL.

    .venv/bin/python bench/lease_search.py --db-url postgresql://postgres@127.0.0.1:5432/bench_leases \\
        --leases 1000000 [--queries 300] [--reset]

The database is migrated (Alembic) when empty; ``--reset`` drops and recreates the public schema first.
Rows are generated deterministically (valid-checksum resident IDs, 25-character house codes) and loaded
with psycopg COPY: properties, parties (a landlord and a tenant per lease), leases, lease_party.
"""
from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db-url", required=True, help="PostgreSQL URL (a scratch database: it is filled)")
    ap.add_argument("--leases", type=int, default=1_000_000)
    ap.add_argument("--queries", type=int, default=300, help="lookups per measured kind")
    ap.add_argument("--reset", action="store_true", help="drop and recreate the schema first")
    return ap.parse_args()


def resident_id(n: int) -> str:
    from counter.leases.idnumbers import make_resident_id

    born = date(1950, 1, 1) + timedelta(days=n // 1000 % 18000)  # unique: (area, birth date, order) from n
    return make_resident_id(f"{440000 + n // 18_000_000:06d}{born:%Y%m%d}{n % 1000:03d}")


def house_code(n: int) -> str:
    return f"44030400{n // 1000:011d}{n % 1000:06d}"


def load(conn, streets: list[tuple[int, str, str]], n: int) -> None:
    year = date.today().year
    today = date.today()
    t0 = time.perf_counter()
    with conn.cursor() as cur:
        cur.execute("SELECT coalesce(max(id), 0) FROM property")
        base = cur.fetchone()[0]
        with cur.copy("COPY property (id, street_id, house_code, building_code, address, room, floor_area_centi, "
                      "design_use, has_title, created_at) FROM STDIN") as cp:
            for i in range(1, n + 1):
                sid = streets[i % len(streets)][0]
                hc = house_code(base + i)
                cp.write_row((base + i, sid, hc, hc[:19], f"深圳市福田区测试路{i % 997}号{i % 31}栋", f"{i % 40 + 1}0{i % 4 + 1}",
                              8000 + i % 5000, "residential", True, "2026-01-01 00:00:00"))
        with cur.copy("COPY party (id, street_id, kind, name, id_type, id_number, phone, created_at) FROM STDIN") as cp:
            for i in range(1, n + 1):
                sid = streets[i % len(streets)][0]
                cp.write_row((2 * (base + i) - 1, sid, "person", f"房东{i}", "resident_id", resident_id(2 * (base + i) - 1),
                              None, "2026-01-01 00:00:00"))
                cp.write_row((2 * (base + i), sid, "person", f"租客{i}", "resident_id", resident_id(2 * (base + i)),
                              None, "2026-01-01 00:00:00"))
        seq = {st[0]: 0 for st in streets}
        cur.execute("SELECT street_id, coalesce(max(reg_seq), 0) FROM lease WHERE reg_year = %s GROUP BY street_id", (year,))
        seq.update(dict(cur.fetchall()))
        with cur.copy("COPY lease (id, street_id, property_id, reg_year, reg_seq, registration_number, registration_code, "
                      "status, version, lease_use, landlord_kind, is_sublease, rented_area_centi, signing_date, "
                      "start_date, end_date, monthly_rent_fen, deposit_fen, payment_cycle, registered_on, registered_at) "
                      "FROM STDIN") as cp:
            for i in range(1, n + 1):
                sid, code, prefix = streets[i % len(streets)]
                seq[sid] += 1
                s = seq[sid]
                start = today - timedelta(days=i % 700)
                cp.write_row((base + i, sid, base + i, year, s, f"深福{prefix}租备〔{year}〕第{s:06d}号",
                              f"{code}-{year}-{s:06d}" if s < 1_000_000 else f"{code}-{year}-{s}", "active", 1,
                              "residential", "individual", False, 8000, start - timedelta(days=3), start,
                              start + timedelta(days=364), 300000 + i % 500000, 0, "monthly", start, "2026-01-01 00:00:00"))
        with cur.copy("COPY lease_party (id, street_id, lease_id, party_id, role, position) FROM STDIN") as cp:
            for i in range(1, n + 1):
                sid = streets[i % len(streets)][0]
                cp.write_row((2 * (base + i) - 1, sid, base + i, 2 * (base + i) - 1, "landlord", 0))
                cp.write_row((2 * (base + i), sid, base + i, 2 * (base + i), "tenant", 1))
        for table in ("property", "party", "lease", "lease_party"):
            cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
        for sid, last in seq.items():
            cur.execute("INSERT INTO serial_counter (kind, street_id, year, last_value) VALUES ('registration', %s, %s, %s) "
                        "ON CONFLICT (kind, street_id, year) DO UPDATE SET last_value = excluded.last_value", (sid, year, last))
    conn.commit()
    with conn.cursor() as cur:
        cur.execute("ANALYZE")
    conn.commit()
    print(f"loaded {n:,} leases (+{n:,} properties, {2 * n:,} parties) in {time.perf_counter() - t0:.1f} s")


def timed(fn, samples) -> list[float]:
    out = []
    for s in samples:
        t = time.perf_counter()
        fn(s)
        out.append((time.perf_counter() - t) * 1000)
    return out


def main() -> None:
    args = parse_args()
    from sqlalchemy import create_engine, text

    from counter import create_app
    from counter.config import normalise_database_url

    url = normalise_database_url(args.db_url)
    if args.reset:
        eng = create_engine(url, isolation_level="AUTOCOMMIT")
        with eng.connect() as c:
            c.execute(text("DROP SCHEMA public CASCADE"))
            c.execute(text("CREATE SCHEMA public"))
        eng.dispose()
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "INSTANCE_PATH": "/tmp/lease-bench"})
    import psycopg
    from flask_migrate import upgrade
    from sqlalchemy import func, select

    from counter.core.scoping import scoped_to
    from counter.extensions import db
    from counter.leases.models import Lease, LeaseParty, Party
    from counter.leases.services import SearchCriteria, find_by_code, search_leases
    from counter.reference import ensure_reference_data
    from counter.streets.models import Street

    with app.app_context():
        upgrade()
        ensure_reference_data(samples=True)
        db.session.commit()
        streets = [(s.id, s.short_code, s.reg_prefix) for s in db.session.scalars(select(Street).order_by(Street.code))]
        have = db.session.scalar(select(func.count(Lease.id)))
        db.session.commit()
    pg_url = args.db_url.replace("postgresql+psycopg://", "postgresql://")
    if have < args.leases:
        with psycopg.connect(pg_url) as conn:
            load(conn, streets, args.leases - have)
    total = args.leases if have < args.leases else have

    with app.app_context():
        rnd = random.Random(7)
        ids = rnd.sample(range(1, db.session.scalar(select(func.max(Lease.id))) + 1), args.queries)
        rows = db.session.execute(
            select(Lease.id, Lease.street_id, Lease.registration_code, Party.id_number, Lease.property_id)
            .join(LeaseParty, LeaseParty.lease_id == Lease.id).join(Party, Party.id == LeaseParty.party_id)
            .where(Lease.id.in_(ids), LeaseParty.role == "tenant")).all()
        from counter.leases.models import Property

        houses = dict(db.session.execute(select(Property.id, Property.house_code).where(
            Property.id.in_([r.property_id for r in rows]))).all())
        db.session.commit()
        samples = [(r.street_id, r.registration_code, r.id_number, houses[r.property_id], r.id) for r in rows]

        def service(kind):
            def run(sample):
                sid, code, idn, house, lease_id = sample
                db.session.expunge_all()
                with scoped_to((sid,)):  # as the clerk of the lease's street: the scope hook is part of the cost
                    if kind == "code":
                        found = find_by_code(code)
                        assert found is not None and found.id == lease_id
                    elif kind == "id":
                        got = db.session.scalars(search_leases(SearchCriteria(id_number=idn)).limit(25)).all()
                        assert [x.id for x in got] == [lease_id]
                    elif kind == "house":
                        got = db.session.scalars(search_leases(SearchCriteria(house_code=house)).limit(25)).all()
                        assert [x.id for x in got] == [lease_id]
                    elif kind == "q":
                        got = db.session.scalars(search_leases(SearchCriteria(q=idn)).limit(25)).all()
                        assert [x.id for x in got] == [lease_id]
                db.session.rollback()
            return run

        with psycopg.connect(pg_url, autocommit=True) as raw:
            def bare(sql, pick):
                def run(sample):
                    with raw.cursor() as cur:
                        cur.execute(sql, (pick(sample),))
                        assert cur.fetchall()
                return run

            cases = [
                ("registration code", service("code"),
                 bare("SELECT * FROM lease WHERE registration_code = %s", lambda s: s[1])),
                ("ID number", service("id"),
                 bare("SELECT l.* FROM lease l JOIN lease_party lp ON lp.lease_id = l.id JOIN party p ON p.id = lp.party_id "
                      "WHERE p.id_number = %s", lambda s: s[2])),
                ("house code", service("house"),
                 bare("SELECT l.* FROM lease l JOIN property pr ON pr.id = l.property_id WHERE pr.house_code = %s",
                      lambda s: s[3])),
                ("search box (ID number)", service("q"), None),
            ]
            for _name, fn, bfn in cases:  # warm up
                fn(samples[0])
                if bfn:
                    bfn(samples[0])
            print(f"\nPostgreSQL, {total:,} leases, {len(samples)} lookups each (ms)")
            print(f"{'lookup':<24}{'service median':>16}{'service p95':>13}{'bare median':>13}{'bare p95':>10}")
            for name, fn, bfn in cases:
                s = timed(fn, samples)
                b = timed(bfn, samples) if bfn else None

                def p95(v):
                    return statistics.quantiles(v, n=20)[-1]
                print(f"{name:<24}{statistics.median(s):>16.2f}{p95(s):>13.2f}"
                      + (f"{statistics.median(b):>13.2f}{p95(b):>10.2f}" if b else f"{'':>13}{'':>10}"))


if __name__ == "__main__":
    main()
