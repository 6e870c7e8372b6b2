#!/usr/bin/env python3
"""Address search at scale on PostgreSQL: the app's ``search_leases(address=...)`` with and without the
trigram indexes of migration 0013, p50/p95, and the plan PostgreSQL uses.

    .venv/bin/python bench/address_search.py --db-url postgresql://postgres@127.0.0.1:5432/bench_addr \\
        --leases 1000000 [--queries 200]

The database is created and migrated when missing; it is filled up to ``--leases`` by this script's own
COPY loader (``load``: one property and one lease per row — the address search reads nothing else;
``counter generate-data`` writes the full history and is not needed for this figure). Addresses look like
the district's: 深圳市福田区<street>街道<road><no.>号<estate><building>栋, 80 roads x 300 numbers x 160
estates x 40 buildings, rooms 101-3204; a query is two words as a clerk types them: the road with its
number and the estate (``福华路123号 金地花园``), as a clerk of the lease's street.

"without index" is measured after ``DROP INDEX`` of the two trigram indexes (then rebuilt and timed).
"""
from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ROADS = [f"{a}{b}" for a in ("福华", "深南", "红荔", "笋岗", "彩田", "新洲", "皇岗", "益田", "金田", "香蜜")
         for b in ("路", "大道", "一路", "二路", "三路", "四路", "东路", "西路")]  # 80
ESTATES = [f"{a}{b}" for a in ("金地", "万科", "华润", "招商", "中海", "星河", "卓越", "绿景", "天安", "碧海",
                                "锦绣", "翠海", "东方", "南国", "阳光", "百花")
           for b in ("花园", "名苑", "大厦", "公寓", "新村", "华庭", "雅居", "广场", "豪园", "家园")]  # 160
INDEXES = (("ix_property_address_trgm", "address"), ("ix_property_room_trgm", "room"))


def address_of(i: int, street_name: str) -> tuple[str, str, str]:
    """(address, room, the two words a clerk types) of row ``i``, deterministic."""
    r = random.Random(i)
    road, no, estate, bldg = r.choice(ROADS), r.randint(1, 300), r.choice(ESTATES), r.randint(1, 40)
    room = f"{r.randint(1, 32)}{r.randint(1, 4):02d}"
    return f"深圳市福田区{street_name}街道{road}{no}号{estate}{bldg}栋", room, f"{road}{no}号 {estate}"


def load(conn, streets, n: int) -> float:
    """COPY ``n`` properties and leases (one each) after what is there; the registration counters end at
    the last number used. Returns seconds."""
    t0 = time.perf_counter()
    year = date.today().year
    today = date.today()
    with conn.cursor() as cur:
        cur.execute("SELECT coalesce(max(id), 0) FROM property")
        pbase = cur.fetchone()[0]
        cur.execute("SELECT coalesce(max(id), 0) FROM lease")
        lbase = cur.fetchone()[0]
        cur.execute("SELECT street_id, last_value FROM serial_counter WHERE kind = 'registration' AND year = %s",
                    (year,))
        seq = {sid: 0 for sid, *_ in streets}
        seq.update(dict(cur.fetchall()))
        with cur.copy("COPY property (id, street_id, house_code, building_code, address, room, address_key, "
                      "floor_area_centi, design_use, has_title, created_at) FROM STDIN") as cp:
            for i in range(1, n + 1):
                sid, _code, _prefix, name = streets[i % len(streets)]
                address, room, _w = address_of(pbase + i, name)
                hc = f"44030400{(pbase + i) // 1000:011d}{(pbase + i) % 1000:06d}"
                cp.write_row((pbase + i, sid, hc, hc[:19], address, room, None, 8000 + i % 5000, "residential",
                              True, "2026-01-01 00:00:00"))
        with cur.copy("COPY lease (id, street_id, property_id, reg_year, reg_seq, registration_number, "
                      "registration_code, status, version, lease_use, landlord_kind, is_sublease, rented_area_centi, "
                      "signing_date, start_date, end_date, monthly_rent_fen, deposit_fen, payment_cycle, "
                      "registered_on, registered_at) FROM STDIN") as cp:
            for i in range(1, n + 1):
                sid, code, prefix, _name = streets[i % len(streets)]
                seq[sid] += 1
                s = seq[sid]
                start = today - timedelta(days=i % 700)
                cp.write_row((lbase + i, sid, pbase + i, year, s, f"深福{prefix}租备〔{year}〕第{s:06d}号",
                              f"{code}-{year}-{s:06d}", "active", 1, "residential", "individual", False, 8000,
                              start - timedelta(days=3), start, start + timedelta(days=364), 300000 + i % 500000, 0,
                              "monthly", start, "2026-01-01 00:00:00"))
        for table in ("property", "lease"):
            cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
        for sid, last in seq.items():
            cur.execute("INSERT INTO serial_counter (kind, street_id, year, last_value) VALUES ('registration', %s, "
                        "%s, %s) ON CONFLICT (kind, street_id, year) DO UPDATE SET last_value = excluded.last_value",
                        (sid, year, last))
    conn.commit()
    with conn.cursor() as cur:
        cur.execute("ANALYZE property")
        cur.execute("ANALYZE lease")
    conn.commit()
    return time.perf_counter() - t0


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


def measure(db, samples, SearchCriteria, search_leases, scoped_to) -> list[float]:
    out = []
    for sid, words, _lease_id in samples:
        db.session.expunge_all()
        t = time.perf_counter()
        with scoped_to((sid,)):  # as the clerk of the lease's street: the scope hook is part of the cost
            got = db.session.scalars(search_leases(SearchCriteria(address=words)).limit(25)).all()
        out.append(time.perf_counter() - t)
        assert got, words
        db.session.rollback()
    return out


def run(db_url: str, leases: int, queries: int, *, keep_index: bool = True) -> dict:
    """Fill (if needed) and measure; returns the figures (seconds) and the plan."""
    import psycopg
    from sqlalchemy import text

    from counter import create_app
    from counter.config import normalise_database_url

    pg_url = db_url.replace("postgresql+psycopg://", "postgresql://")
    server, _slash, name = pg_url.rpartition("/")
    if name.startswith("test"):
        raise SystemExit("refusing to touch a database named test*")
    with psycopg.connect(f"{server}/postgres", autocommit=True) as c:
        if not c.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            c.execute(f'CREATE DATABASE "{name}"')
    app = create_app({"SQLALCHEMY_DATABASE_URI": normalise_database_url(db_url), "SECRET_KEY": "bench"})
    from flask_migrate import upgrade
    from sqlalchemy import select

    from counter.core.scoping import scoped_to
    from counter.extensions import db
    from counter.leases.services import SearchCriteria, search_leases
    from counter.reference import ensure_reference_data
    from counter.streets.models import Street

    with app.app_context():
        upgrade()
        ensure_reference_data(samples=True)
        db.session.commit()
        streets = [(s.id, s.short_code, s.reg_prefix, s.name_zh.removesuffix("街道"))
                   for s in db.session.scalars(select(Street).order_by(Street.code))]
        have = db.session.scalar(text("SELECT count(*) FROM lease"))
        db.session.commit()
    loaded = None
    if have < leases:
        with psycopg.connect(pg_url) as conn:
            loaded = load(conn, streets, leases - have)
        print(f"loaded {leases - have:,} leases + properties in {loaded:.0f} s", flush=True)
    with app.app_context():
        total = db.session.scalar(text("SELECT count(*) FROM lease"))
        names = {sid: n for sid, _c, _p, n in streets}
        rnd = random.Random(7)
        top = db.session.scalar(text("SELECT max(id) FROM property"))
        picks = db.session.execute(text(
            "SELECT l.id, l.street_id, p.address FROM lease l JOIN property p ON p.id = l.property_id "
            "WHERE p.id = ANY(:ids)"), {"ids": rnd.sample(range(1, top + 1), min(queries, top))}).all()
        db.session.rollback()
        samples = []
        for lease_id, sid, address in picks:
            for road in ROADS:  # the two words of this address, as address_of() wrote it
                at = address.find(road, len(f"深圳市福田区{names[sid]}街道"))
                if at >= 0:
                    rest = address[at + len(road):]
                    no = rest[:rest.index("号") + 1]
                    estate = next(e for e in ESTATES if rest[len(no):].startswith(e))
                    samples.append((sid, f"{road}{no} {estate}", lease_id))
                    break
        compiled = search_leases(SearchCriteria(address=samples[0][1])).limit(25).compile(
            db.engine, compile_kwargs={"literal_binds": True})
        sql = str(compiled)

        def plan() -> str:
            rows = db.session.execute(text("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) " + sql)).all()
            db.session.rollback()
            return "\n".join(r[0] for r in rows)

        def set_index(present: bool) -> float:
            t = time.perf_counter()
            with db.engine.begin() as c:
                for idx, column in INDEXES:
                    c.execute(text(f"CREATE INDEX IF NOT EXISTS {idx} ON property USING gin ({column} gin_trgm_ops)"
                                   if present else f"DROP INDEX IF EXISTS {idx}"))
                if present:
                    c.execute(text("ANALYZE property"))
            return time.perf_counter() - t

        out = {"leases": total, "queries": len(samples), "sql": sql, "loaded_s": loaded}
        bare_sql = [str(search_leases(SearchCriteria(address=w)).limit(25).compile(
            db.engine, compile_kwargs={"literal_binds": True})).replace("%%", "%") for _sid, w, _id in samples]

        def bare() -> list[float]:  # the same SQL straight through psycopg (no ORM, no scope hook)
            ts = []
            with psycopg.connect(pg_url, autocommit=True) as raw:
                for q in bare_sql[:3] + bare_sql:
                    t = time.perf_counter()
                    assert raw.execute(q).fetchall()
                    ts.append(time.perf_counter() - t)
            return ts[3:]

        set_index(False)
        measure(db, samples[:3], SearchCriteria, search_leases, scoped_to)  # warm-up
        out["without"] = measure(db, samples, SearchCriteria, search_leases, scoped_to)
        out["plan_without"] = plan()
        out["build_s"] = set_index(True)
        measure(db, samples[:3], SearchCriteria, search_leases, scoped_to)
        out["with"] = measure(db, samples, SearchCriteria, search_leases, scoped_to)
        out["plan_with"] = plan()
        out["bare_with"] = bare()
        if not keep_index:
            set_index(False)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db-url", required=True, help="PostgreSQL URL of a scratch database (filled)")
    ap.add_argument("--leases", type=int, default=1_000_000)
    ap.add_argument("--queries", type=int, default=200)
    args = ap.parse_args()
    r = run(args.db_url, args.leases, args.queries)
    print(f"\n{r['leases']:,} leases, {r['queries']} address searches (two words), app search_leases(...).limit(25)")
    for kind in ("without", "with"):
        v = r[kind]
        print(f"  {kind:>7} trigram index: median {statistics.median(v) * 1000:.1f} ms, p95 {p95(v) * 1000:.1f} ms")
    b = r["bare_with"]
    print(f"  bare SQL (psycopg), with the index: median {statistics.median(b) * 1000:.1f} ms, p95 {p95(b) * 1000:.1f} ms")
    print(f"  index build: {r['build_s']:.1f} s\n\nplan with the index (EXPLAIN ANALYZE, first query):\n{r['plan_with']}")
    print(f"\nplan without:\n{r['plan_without']}")


if __name__ == "__main__":
    main()
