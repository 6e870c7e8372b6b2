"""The registry coverage report at district scale (issue 19): 779,000 registry units, 73,000 valid leases.

    .venv/bin/python bench/registry_coverage.py --db-url postgresql://postgres@127.0.0.1:5432/bench_registry \
        [--units 779000] [--leases 73000] [--repeat 3]

The database is migrated and filled here when it holds no registry yet (SQL ``generate_series``, a couple of
minutes): ten streets, units spread over their communities, 90 % of the leases on registry house codes
(1 % of them with another address, 1 % filed at another street), 10 % on codes the registry lacks, 1 % on
old UUID building codes. Then it times :func:`counter.registry.services.coverage` (the counts) and the first
page of each list, for the district (all streets) and for one street (the scope hook), best of ``--repeat``.
"""
from __future__ import annotations

import argparse
import time

from sqlalchemy import create_engine, text

FILL = """
INSERT INTO registry_import (version, imported_at, business_date, file_name, encoding, content_sha256, units,
                             rejected, provenance, imported_by)
VALUES (1, now(), current_date, 'bench.csv', 'utf-8', repeat('0', 64), :units, 0, 'import', 'bench');

INSERT INTO registry_unit (version_id, line, building_code, house_code, address, address_norm, community,
                           design_use, floor_area_centi, street_id)
SELECT (SELECT id FROM registry_import WHERE version = 1), g + 1,
       '440304' || lpad(((g % 10) + 1)::text, 3, '0') || lpad((g / 40)::text, 10, '0'),
       '440304' || lpad(((g % 10) + 1)::text, 3, '0') || lpad((g / 40)::text, 10, '0') || lpad((g % 40)::text, 6, '0'),
       '福田区样例路' || (g / 40) || '号', '福田区样例路' || (g / 40) || '号',
       '440304' || lpad(((g % 10) + 1)::text, 3, '0') || lpad(((g / 40) % 12 + 1)::text, 3, '0'),
       'residential', 6000, (SELECT id FROM street WHERE code = '440304' || lpad(((g % 10) + 1)::text, 3, '0'))
FROM generate_series(0, :units - 1) g;

INSERT INTO property (street_id, house_code, building_code, address, room, address_key, floor_area_centi,
                      design_use, has_title, created_at)
SELECT (SELECT id FROM street WHERE code = '440304' || lpad(((g * 7 % 10) + 1)::text, 3, '0')),
       CASE WHEN g % 100 = 99 THEN NULL
            WHEN g % 10 = 9 THEN '440304' || lpad(((g * 7 % 10) + 1)::text, 3, '0') || '9' || lpad(g::text, 9, '0') || '000001'
            ELSE '440304' || lpad(((g * 7 % 10) + 1)::text, 3, '0') || lpad((g * 7 / 40)::text, 10, '0') || lpad((g * 7 % 40)::text, 6, '0') END,
       CASE WHEN g % 100 = 99 THEN '3F2504E0-4F89-11D3-9A0C-' || lpad(g::text, 12, '0') END,
       CASE WHEN g % 100 = 50 THEN '福田区别的路1号' ELSE '福田区样例路' || (g * 7 / 40) || '号' END, '101',
       (CASE WHEN g % 100 = 50 THEN '福田区别的路1号' ELSE '福田区样例路' || (g * 7 / 40) || '号' END) || '#101',
       6000, 'residential', true, now()
FROM generate_series(0, :leases - 1) g;

INSERT INTO lease (street_id, property_id, reg_year, reg_seq, registration_number, registration_code, status, version,
                   lease_use, landlord_kind, is_sublease, rented_area_centi, signing_date, start_date, end_date,
                   monthly_rent_fen, deposit_fen, payment_cycle, registered_on, registered_at)
SELECT CASE WHEN p.id % 100 = 12 THEN (SELECT min(id) FROM street) ELSE p.street_id END, p.id, 2099, p.id,
       'BENCH-' || p.id, 'BENCH-' || p.id, 'active', 1, 'residential', 'individual', false, 6000,
       current_date - 30, current_date - 30, current_date + 300, 300000, 0, 'monthly', current_date - 30, now()
FROM property p;
"""


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db-url", required=True)
    ap.add_argument("--units", type=int, default=779_000)
    ap.add_argument("--leases", type=int, default=73_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()

    from counter import create_app
    from counter.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": args.db_url, "SECRET_KEY": "bench", "LEDGER_HMAC_KEY": "bench"})
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        from counter.reference import ensure_reference_data

        ensure_reference_data()
        db.session.commit()
        if not db.session.scalar(text("SELECT count(*) FROM registry_import")):
            t0 = time.perf_counter()
            eng = create_engine(args.db_url)
            with eng.begin() as conn:
                for stmt in FILL.split(";\n"):
                    if stmt.strip():
                        conn.execute(text(stmt), {"units": args.units, "leases": args.leases})
                conn.execute(text("ANALYZE"))
            eng.dispose()
            print(f"filled in {time.perf_counter() - t0:.0f} s")
        from counter.core.pagination import paginate
        from counter.core.scoping import scoped_to
        from counter.registry import services

        counts = db.session.execute(text("SELECT (SELECT count(*) FROM registry_unit), (SELECT count(*) FROM lease)")).one()
        print(f"registry units {counts[0]:,}, leases {counts[1]:,}")
        street = db.session.scalar(text("SELECT id FROM street ORDER BY code LIMIT 1"))

        def best(fn):
            times = []
            for _ in range(args.repeat):
                t0 = time.perf_counter()
                out = fn()
                times.append(time.perf_counter() - t0)
                db.session.rollback()
            return min(times), out

        for label, scope in (("district", None), ("one street", (street,))):
            with scoped_to(scope):
                seconds, cov = best(services.coverage)
                print(f"{label}: counts {seconds * 1000:.0f} ms  totals {cov.totals}")
                for category in services.CATEGORIES:
                    seconds, page = best(lambda: paginate(services.listing(category), 1, per_page=25))
                    print(f"{label}: {category} page 1 {seconds * 1000:.0f} ms ({page.total:,} rows, count capped at 10,000)")


if __name__ == "__main__":
    main()
