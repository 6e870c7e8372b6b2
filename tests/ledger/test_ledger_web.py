"""Finance pages: filters, exports equal to the screen, isolation, overview chart, remittance and
reconciliation flows in the browser's terms (forms, 422 on bad input, nothing saved)."""
from __future__ import annotations

import csv
import io
import re
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from counter.audit.models import AuditEntry
from counter.extensions import db
from counter.ledger import services as S
from counter.ledger.models import BankStatement, ReconciliationResolution, Remittance
from ledger_testlib import seed_two_streets
from test_ledger_reconcile import ZH_CSV


@pytest.fixture
def data(app, streets, users):
    return seed_two_streets(streets, users)


def _fen_of(html: str, element_id: str) -> int:
    m = re.search(rf'id="{element_id}" data-fen="(-?\d+)">([^<]*)<', html)
    assert m, f"#{element_id} not in page"
    return int(m.group(1)), m.group(2)


def _yuan_to_fen(value) -> int:
    return int((Decimal(str(value)) * 100).to_integral_value())


def test_ledger_page_filters_and_totals(finance_client, data):
    html = finance_client.get("/ledger/").get_data(as_text=True)
    fen, shown = _fen_of(html, "ledger-total")
    assert fen == 3500 and shown == "¥35.00"
    assert data["r6"].receipt_number not in html  # street B's receipt is not listed
    resp = finance_client.get("/ledger/?date_from=2026-03-01&date_to=2026-03-31&method=card")
    assert resp.status_code == 200
    assert _fen_of(resp.get_data(as_text=True), "ledger-total")[0] == 1500
    bad = finance_client.get("/ledger/?date_from=2026-03-31&date_to=2026-03-01")
    assert bad.status_code == 422
    body = bad.get_data(as_text=True)
    assert "结束日期早于开始日期" in body and 'value="2026-03-31"' in body


def test_exports_equal_the_screen_totals(finance_client, data):
    query = "date_from=2026-03-01&date_to=2026-04-30&item=vat"
    html = finance_client.get(f"/ledger/?{query}").get_data(as_text=True)
    screen = _fen_of(html, "ledger-total")[0]
    service = S.ledger_query(S.LedgerFilters(date_from=date(2026, 3, 1), date_to=date(2026, 4, 30), item="vat",
                                             street_id=data["lease_a"].street_id))
    assert screen == service.total_fen == 1000 + 700 + 900 + 400

    raw = finance_client.get(f"/ledger/export.csv?{query}")
    assert raw.status_code == 200 and raw.mimetype == "text/csv"
    assert raw.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.data.decode("utf-8-sig"))))
    assert rows[0][0] == "营业日" and rows[-1][0] == "合计"
    lines = rows[1:-1]
    assert len(lines) == service.count == 6
    assert sum(_yuan_to_fen(r[-1]) for r in lines) == _yuan_to_fen(rows[-1][-1]) == screen
    assert any("增值税" in r[3] for r in lines)

    x = finance_client.get(f"/ledger/export.xlsx?{query}")
    assert x.status_code == 200
    ws = load_workbook(io.BytesIO(x.data)).active
    values = list(ws.iter_rows(values_only=True))
    assert values[-1][0] == "合计"
    assert sum(_yuan_to_fen(r[-1]) for r in values[1:-1]) == _yuan_to_fen(values[-1][-1]) == screen
    assert ws.cell(row=2, column=8).number_format == "#,##0.00"
    assert isinstance(values[1][-1], (int, float))


def test_monthly_summary_page_and_exports(finance_client, data, streets):
    html = finance_client.get("/ledger/monthly?year=2026&month=3").get_data(as_text=True)
    screen = _fen_of(html, "summary-total")[0]
    s = S.monthly_summary(streets[0].id, 2026, 3)
    assert screen == s.total_fen == 3100
    rows = list(csv.reader(io.StringIO(finance_client.get("/ledger/monthly.csv?year=2026&month=3").data
                                       .decode("utf-8-sig"))))
    assert rows[-1][0] == "合计" and _yuan_to_fen(rows[-1][-1]) == screen and rows[-1][2] == "4"
    item_rows = [r for r in rows if r[0] == "按税目"]
    method_rows = [r for r in rows if r[0] == "按支付方式"]
    assert sum(_yuan_to_fen(r[-1]) for r in item_rows) == screen == sum(_yuan_to_fen(r[-1]) for r in method_rows)
    wb = load_workbook(io.BytesIO(finance_client.get("/ledger/monthly.xlsx?year=2026&month=3").data))
    last = list(wb.active.iter_rows(values_only=True))[-1]
    assert _yuan_to_fen(last[-1]) == screen
    daily = finance_client.get("/ledger/daily?date_from=2026-03-02&date_to=2026-03-02").get_data(as_text=True)
    assert _fen_of(daily, "summary-total")[0] == 2200
    assert finance_client.get("/ledger/monthly?year=1800&month=3").status_code == 422


def test_finance_of_street_b_cannot_see_street_a(app, data, users, login, streets):
    c = app.test_client()
    login(c, "finance_b")
    html = c.get("/ledger/").get_data(as_text=True)
    assert _fen_of(html, "ledger-total")[0] == 2050
    assert data["r1"].receipt_number not in html
    # asking for street A by parameter changes nothing for a street user
    assert _fen_of(c.get(f"/ledger/?street={streets[0].id}").get_data(as_text=True), "ledger-total")[0] == 2050
    rows = list(csv.reader(io.StringIO(c.get("/ledger/export.csv").data.decode("utf-8-sig"))))
    assert {r[2] for r in rows[1:-1]} == {data["r6"].receipt_number, data["r7"].receipt_number}
    st = S.import_bank_statement(streets[0].id, ZH_CSV.encode("utf-8"), "a.csv")
    db.session.commit()
    assert c.get(f"/ledger/reconciliation/{st.id}").status_code == 404
    assert "a.csv" not in c.get("/ledger/reconciliation").get_data(as_text=True)
    assert c.post(f"/ledger/reconciliation/{st.id}/resolve",
                  data={"kind": "bank_line", "target": "1", "note": "x"}).status_code == 404
    assert c.get("/ledger/overview").status_code == 403  # the district overview is the admin's


def test_admin_overview_covers_all_streets_with_a_chart(admin_client, data, streets):
    resp = admin_client.get("/ledger/overview?year=2026")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert "<svg" in html and "<rect" in html and "<script" not in html and "http://cdn" not in html
    assert html.count('<tr data-street="4403040') == 10
    assert _fen_of(html, "overview-total")[0] == 5550
    assert "南园" in html and "园岭" in html
    ledger = admin_client.get("/ledger/").get_data(as_text=True)
    assert _fen_of(ledger, "ledger-total")[0] == 5550
    only_b = admin_client.get(f"/ledger/?street={streets[1].id}").get_data(as_text=True)
    assert _fen_of(only_b, "ledger-total")[0] == 2050
    assert admin_client.get("/ledger/statistics?year=2026").status_code == 200


def test_record_and_reverse_remittance_in_the_browser(finance_client, data, streets):
    page = finance_client.get("/ledger/remittances").get_data(as_text=True)
    assert 'name="period_start"' in page and 'data-date' in page
    form = {"period_start": "2026-03-01", "period_end": "2026-03-31", "amount": "20.00", "reference": "国库-001",
            "remitted_on": "2026-04-02"}
    too_much = finance_client.post("/ledger/remittances", data={**form, "amount": "31.01"})
    assert too_much.status_code == 422
    body = too_much.get_data(as_text=True)
    assert "超过" in body and 'value="31.01"' in body and 'value="国库-001"' in body
    bad = finance_client.post("/ledger/remittances", data={**form, "amount": "1.005"})
    assert bad.status_code == 422
    assert db.session.query(Remittance).count() == 0
    ok = finance_client.post("/ledger/remittances", data=form)
    assert ok.status_code == 302
    html = finance_client.get("/ledger/remittances").get_data(as_text=True)
    a_row = re.search(r'<tr data-street="440304001">(.*?)</tr>', html, re.S).group(1)
    assert re.findall(r'data-fen="(-?\d+)"', a_row) == ["3500", "2000", "1500"]
    r = db.session.scalars(select(Remittance)).one()
    assert finance_client.post(f"/ledger/remittances/{r.id}/reverse", data={"reason": ""}).status_code == 422
    assert finance_client.post(f"/ledger/remittances/{r.id}/reverse", data={"reason": "金额录错"}).status_code == 302
    assert db.session.query(Remittance).count() == 2
    assert S.position(streets[0].id).outstanding_fen == 3500


def test_supervisor_sees_but_cannot_record(supervisor_client, data):
    assert supervisor_client.get("/ledger/remittances").status_code == 200
    assert supervisor_client.post("/ledger/remittances", data={}).status_code == 403
    assert supervisor_client.post("/ledger/reconciliation", data={}).status_code == 403


def test_upload_statement_and_resolve_a_mismatch(finance_client, data, streets):
    page = finance_client.get("/ledger/reconciliation").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in page and 'type="file"' in page and "交易参考号" in page
    empty = finance_client.post("/ledger/reconciliation", data={}, content_type="multipart/form-data")
    assert empty.status_code == 422
    broken = finance_client.post("/ledger/reconciliation", content_type="multipart/form-data",
                                 data={"file": (io.BytesIO("交易日期,金额,交易参考号\nxx,1,A\n".encode("gbk")), "b.csv")})
    assert broken.status_code == 422 and "第 2 行" in broken.get_data(as_text=True)
    assert db.session.query(BankStatement).count() == 0
    resp = finance_client.post("/ledger/reconciliation", content_type="multipart/form-data",
                               data={"file": (io.BytesIO(ZH_CSV.encode("gbk")), "招行3月.csv")})
    assert resp.status_code == 302
    html = finance_client.get(resp.headers["Location"]).get_data(as_text=True)
    missing = re.search(r'id="missing-from-ledger">(.*?)</table>', html, re.S).group(1)
    assert "UNKNOWN9" in missing and "POS001" not in missing
    matched = re.search(r'id="matched">(.*?)</table>', html, re.S).group(1)
    assert data["r1"].receipt_number in matched and data["r4"].receipt_number in matched
    st = db.session.scalars(select(BankStatement)).one()
    line_id = S.reconcile(st).missing_from_ledger[0].target_id
    blank = finance_client.post(f"/ledger/reconciliation/{st.id}/resolve",
                                data={"kind": "bank_line", "target": str(line_id), "note": ""})
    assert blank.status_code == 422 and db.session.query(ReconciliationResolution).count() == 0
    done = finance_client.post(f"/ledger/reconciliation/{st.id}/resolve",
                               data={"kind": "bank_line", "target": str(line_id), "note": "银行误入，已退回"})
    assert done.status_code == 302
    html = finance_client.get(f"/ledger/reconciliation/{st.id}").get_data(as_text=True)
    assert "银行误入，已退回" in html and "已处理" in html
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "ledger.reconcile.resolve")).one()
    assert entry.username == "finance_a" and entry.after["note"] == "银行误入，已退回"


def test_statistics_page_and_navigation(finance_client, data):
    html = finance_client.get("/ledger/statistics?year=2026").get_data(as_text=True)
    row = re.search(r'<tr data-street="440304001">(.*?)</tr>', html, re.S).group(1)
    assert '<td class="num">1</td>' in row and 'data-centi="4550"' in row and 'data-fen="3500"' in row
    assert "45.50" in row
    assert html.count('<tr data-street="4403040') == 1  # finance sees its own street only
    home = finance_client.get("/").get_data(as_text=True)
    assert 'href="/ledger/"' in home and 'href="/ledger/statistics"' in home
    assert 'href="/ledger/overview"' not in home
    assert finance_client.get("/ledger/statistics?year=abc").status_code == 422


def test_english_ui(finance_client, data):
    finance_client.post("/locale", data={"locale": "en", "next": "/ledger/"})
    html = finance_client.get("/ledger/monthly?year=2026&month=3").get_data(as_text=True)
    assert "Monthly summary" in html and "VAT" in html and "CN¥31.00" in html
    rows = list(csv.reader(io.StringIO(finance_client.get("/ledger/export.csv").data.decode("utf-8-sig"))))
    assert rows[0][0] == "Business date" and rows[-1][0] == "Total"
