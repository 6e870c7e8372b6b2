"""The annual report (counter/reports/annual.py, /reports/annual): its money figures equal the journal to the
fen (a direct SUM over journal_entry), documents and reprints are counted, each street sees its own, and the
page, the Excel file and the PDF say the same."""
from __future__ import annotations

import io
import shutil
import subprocess
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select


@pytest.fixture
def year_of_work(app, streets, users, filings):
    """Street A: two leases, three receipts (one voided: a reversal), a receipt of 2025; slips and a reprint.
    Street B: one lease and one receipt."""
    from counter.collection import services as coll
    from counter.documents.services import print_certificate, print_info_slip
    from counter.extensions import db

    a, b = streets[0], streets[1]
    la1 = filings(a.id, rent_fen=350000, registered_on=date(2025, 3, 1), start=date(2025, 3, 1), years=2)
    la2 = filings(a.id, rent_fen=512345, area_centi=7777, registered_on=date(2026, 2, 1))
    lb = filings(b.id, rent_fen=999999, area_centi=12345, registered_on=date(2026, 5, 1))
    db.session.commit()
    clerk_a, clerk_b = users["clerk_a"], users["clerk_b"]
    coll.collect(la1, "2025-03", "2025-03", "cash", None, "k-2025", clerk=clerk_a, business_date=date(2025, 12, 30))
    coll.collect(la1, "2026-03", "2026-04", "cash", None, "k1", clerk=clerk_a, business_date=date(2026, 3, 10))
    r2 = coll.collect(la2, "2026-02", "2026-02", "cash", None, "k2", clerk=clerk_a, business_date=date(2026, 4, 2))
    coll.collect(la2, "2026-03", "2026-03", "cash", None, "k3", clerk=clerk_a, business_date=date(2026, 4, 2))
    coll.collect(lb, "2026-05", "2026-06", "cash", None, "k4", clerk=clerk_b, business_date=date(2026, 7, 1))
    db.session.commit()
    coll.void_receipt(r2, "收错", actor=users["supervisor_a"])
    db.session.commit()
    print_info_slip(la2, la2.tenants[0].party_id, "学位申请", "A4")
    print_info_slip(la2, la2.tenants[0].party_id, "学位申请", "A4", reason="原件遗失")
    print_certificate(lb)
    db.session.commit()
    return a, b


def _journal_sum(street_id=None, year=2026):
    from counter.collection.models import JournalEntry
    from counter.core.scoping import unrestricted
    from counter.extensions import db

    stmt = select(func.coalesce(func.sum(JournalEntry.amount_fen), 0)).where(
        JournalEntry.business_date >= date(year, 1, 1), JournalEntry.business_date <= date(year, 12, 31))
    if street_id is not None:
        stmt = stmt.where(JournalEntry.street_id == street_id)
    with unrestricted():
        return int(db.session.scalar(stmt))


def test_money_equals_the_journal_to_the_fen(app, year_of_work):
    from counter.collection.models import JournalEntry
    from counter.core.scoping import unrestricted
    from counter.extensions import db
    from counter.reports.annual import annual_report

    a, b = year_of_work
    with unrestricted():
        r = annual_report(2026)
        by_item = dict(db.session.execute(
            select(JournalEntry.item, func.sum(JournalEntry.amount_fen))
            .where(JournalEntry.business_date >= date(2026, 1, 1), JournalEntry.business_date <= date(2026, 12, 31))
            .group_by(JournalEntry.item)).all())
    rows = {row.street.id: row for row in r.rows}
    assert len(rows) == 10
    assert rows[a.id].stat.tax_fen == _journal_sum(a.id) > 0
    assert rows[b.id].stat.tax_fen == _journal_sum(b.id) > 0
    assert r.total.stat.tax_fen == _journal_sum() == sum(row.stat.tax_fen for row in r.rows)
    assert _journal_sum(a.id, 2025) > 0  # the 2025 receipt is in the journal, not in the 2026 report
    assert {code: fen for code, _label, fen in r.items} == {k: int(v) for k, v in by_item.items()}
    # filings of the year and their area; valid leases on 31 December
    assert (rows[a.id].stat.filings, rows[a.id].stat.filing_area_centi) == (1, 7777)
    assert (rows[a.id].stat.valid_leases, rows[a.id].stat.valid_area_centi) == (2, 17777)
    assert (rows[b.id].stat.filings, rows[b.id].stat.valid_leases) == (1, 1)
    assert (rows[a.id].slips, rows[a.id].reprints, rows[b.id].certificates) == (1, 1, 1)
    assert (r.total.slips, r.total.certificates, r.total.reprints) == (1, 1, 1)


def test_pages_excel_and_pdf_are_scoped_and_agree(app, year_of_work, login, tmp_path):
    from openpyxl import load_workbook

    a, b = year_of_work
    admin = app.test_client()
    login(admin, "admin")
    page = admin.get("/reports/annual?year=2026")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and f'data-fen="{_journal_sum()}"' in html and "<svg" in html
    assert html.count('<tr data-street="4403040') == 10

    fin = app.test_client()
    login(fin, "finance_a")
    mine = fin.get("/reports/annual?year=2026").get_data(as_text=True)
    assert mine.count('<tr data-street="4403040') == 1 and f'data-fen="{_journal_sum(a.id)}"' in mine
    sup = app.test_client()
    login(sup, "supervisor_b")
    assert f'data-fen="{_journal_sum(b.id)}"' in sup.get("/reports/annual?year=2026").get_data(as_text=True)
    clerk = app.test_client()
    login(clerk, "clerk_a")
    assert clerk.get("/reports/annual?year=2026").status_code == 403
    for bad in ("99999", "1999", "x", "2026.5"):
        assert admin.get(f"/reports/annual?year={bad}").status_code == 422
        assert admin.get(f"/reports/annual.pdf?year={bad}").status_code == 422

    xlsx = admin.get("/reports/annual.xlsx?year=2026")
    ws = load_workbook(io.BytesIO(xlsx.data)).active
    values = [[c.value for c in row] for row in ws.iter_rows(min_row=2, max_row=12)]
    total = values[-1]
    assert Decimal(str(total[5])) == Decimal(_journal_sum()) / 100 and total[1] == 2  # read back as a number
    assert sum(Decimal(str(v[5])) for v in values[:-1]) == Decimal(_journal_sum()) / 100

    pdf = admin.get("/reports/annual.pdf?year=2026")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    if shutil.which("pdftotext"):
        path = tmp_path / "annual.pdf"
        path.write_bytes(pdf.data)
        text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True).stdout.decode()
        assert "2026年度房屋租赁管理工作报表" in text and "全区" in text
        assert f"{Decimal(_journal_sum()) / 100:,.2f}" in text
        out = subprocess.run(["pdfinfo", str(path)], capture_output=True, check=True).stdout.decode()
        assert [ln.split()[-1] for ln in out.splitlines() if ln.startswith("Pages:")] == ["1"], out
