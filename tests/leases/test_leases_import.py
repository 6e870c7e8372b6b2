"""`counter import-leases`: validation like the form, rejects file, batches, idempotent re-runs."""
from __future__ import annotations

import csv

from sqlalchemy import func, select

from counter.extensions import db
from counter.leases.models import Lease

from leases_testlib import TENANT2_ID, TENANT_ID, csv_row

COLUMNS = list(csv_row().keys())


def _write(path, rows):
    with open(path, "w", newline="", encoding="utf-8-sig") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)


def test_import_is_idempotent_and_writes_rejects(app, streets, tmp_path):
    bad_id = TENANT_ID[:-1] + ("1" if TENANT_ID[-1] != "1" else "2")
    rows = [
        csv_row(external_ref="OLD-2015-0001"),
        csv_row(house_code="4403040010000000001000102", tenant1_id_number=TENANT2_ID),
        csv_row(house_code="4403040010000000001000103", tenant1_id_number=bad_id),  # line 4: bad checksum
        csv_row(house_code="4403040010000000001000104", end_date="2001-01-01"),  # line 5: end before start
        csv_row(house_code="4403040010000000001000105", monthly_rent="3500.555"),  # line 6: bad amount
        csv_row(house_code="4403040020000000001000101", building_code="", street="FT02", tenant1_name="𠮷祥"),
        csv_row(house_code="4403040010000000001000106", street="FT99"),  # line 8: unknown street
    ]
    src, rejects = tmp_path / "register.csv", tmp_path / "rejects.csv"
    _write(src, rows)
    db.session.commit()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["import-leases", str(src), "--rejects", str(rejects), "--batch-size", "2"])
    assert result.exit_code == 0, result.output
    assert "imported 3, skipped (already imported) 0, rejected 4" in result.output
    assert db.session.scalar(select(func.count(Lease.id))) == 3
    with open(rejects, encoding="utf-8-sig") as fh:
        rejected = list(csv.DictReader(fh))
    assert [r["line"] for r in rejected] == ["4", "5", "6", "8"]
    assert "tenant1_id_number" in rejected[0]["reason"] and "校验位不正确" in rejected[0]["reason"]
    assert "end_date" in rejected[1]["reason"] and "租期截止日不能早于起始日" in rejected[1]["reason"]
    assert "monthly_rent" in rejected[2]["reason"]
    assert "FT99" in rejected[3]["reason"]
    assert rejected[0]["house_code"] == "4403040010000000001000103"  # the row itself is kept
    refs = set(db.session.scalars(select(Lease.external_ref)))
    assert "OLD-2015-0001" in refs and all(r == "OLD-2015-0001" or r.startswith("auto:") for r in refs)
    fubao = db.session.scalar(select(Lease).where(Lease.street_id == streets[1].id))
    assert fubao.tenants[0].party.name == "𠮷祥" and fubao.registration_code.startswith("FT02-")

    # re-running the same file creates nothing new
    result = runner.invoke(args=["import-leases", str(src), "--rejects", str(rejects)])
    assert result.exit_code == 0, result.output
    assert "imported 0, skipped (already imported) 3, rejected 4" in result.output
    assert db.session.scalar(select(func.count(Lease.id))) == 3


def test_import_street_option_and_overlaps(app, streets, tmp_path):
    rows = [csv_row(street="", external_ref="A1"),
            csv_row(street="", external_ref="A2", tenant1_id_number=TENANT2_ID)]  # overlaps A1
    src = tmp_path / "r.csv"
    _write(src, rows)
    db.session.commit()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["import-leases", str(src)])
    assert "rejected 2" in result.output  # no street
    result = runner.invoke(args=["import-leases", str(src), "--street", "440304001"])
    assert "imported 1" in result.output and "rejected 1" in result.output
    assert "该房屋已有租期重叠的有效备案" in (tmp_path / "r.rejects.csv").read_text(encoding="utf-8-sig")
    result = runner.invoke(args=["import-leases", str(src), "--street", "FT01", "--allow-overlaps"])
    assert "imported 1, skipped (already imported) 1, rejected 0" in result.output
    assert db.session.scalar(select(Lease.overlap_note).where(Lease.external_ref == "A2"))
