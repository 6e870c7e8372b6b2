"""Locale-consistent dates and numbers (issue 15): one date filter in every template, periods shown as
two dates of that filter, date inputs carrying the UI language, Excel exports with real date cells and
numeric money cells in a money format."""
from __future__ import annotations

import io
import re
from datetime import datetime
from pathlib import Path

from openpyxl import load_workbook

from counter.core.timeutil import business_today
from counter.extensions import db

from .test_scan import _lease

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def test_no_template_formats_a_date_by_itself():
    """Screens show dates through the ``date`` filter / ``date_span`` only (printed documents, which are
    official Chinese papers with their own layout, excepted)."""
    raw = re.compile(r"\.isoformat\(\)|strftime|\.year\s*~|~\s*'年'")
    offenders = [f"{p.relative_to(TEMPLATES)}:{i}" for p in TEMPLATES.rglob("*.html") if "print" not in p.parts
                 for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) if raw.search(line)]
    assert offenders == []


def test_dates_periods_and_date_inputs_follow_the_ui_language(app, streets, users, clerk_client):
    from counter.collection import services as collection

    lease = _lease(streets[0].id)
    first, _last = collection.lease_months(lease)
    receipt = collection.collect(lease, str(first), str(first), "cash", None, "locale-1", clerk=users["clerk_a"])
    db.session.commit()
    s, e = receipt.period_start, receipt.period_end
    zh = clerk_client.get(f"/collection/receipt/{receipt.id}").get_data(as_text=True)
    assert f'id="receipt-periods">{s.year}年{s.month}月{s.day}日 至 {e.year}年{e.month}月{e.day}日<' in zh
    form = clerk_client.get("/leases/new").get_data(as_text=True)
    assert '<html lang="zh-CN">' in form
    dates = re.findall(r'<input[^>]*data-date[^>]*>', form)
    # typed in the app's format, not laid out by the browser's locale: text inputs with the UI language
    assert len(dates) == 3 and all('type="text"' in d and 'lang="zh-CN"' in d and 'placeholder="年-月-日"' in d
                                   for d in dates)
    assert 'type="date"' not in form

    clerk_client.post("/locale", data={"locale": "en", "next": "/"})
    en = clerk_client.get(f"/collection/receipt/{receipt.id}").get_data(as_text=True)
    assert f'id="receipt-periods">{s:%b} {s.day}, {s.year} – {e:%b} {e.day}, {e.year}<' in en
    form = clerk_client.get("/leases/new").get_data(as_text=True)
    assert '<html lang="en">' in form
    dates = re.findall(r'<input[^>]*data-date[^>]*>', form)
    assert len(dates) == 3 and all('lang="en"' in d and 'placeholder="YYYY-MM-DD"' in d for d in dates)


def test_a_date_is_typed_year_month_day_in_any_common_form(app):
    """What a clerk types into a date input (the widget is text): year, month, day in this order — with
    dashes, slashes, dots, 年月日, full-width digits or eight bare digits; the English day-first or
    month-first forms are refused rather than guessed."""
    from datetime import date

    from counter.core.validation import InvalidInput, parse_date

    with app.test_request_context():
        for text in ("2026-12-01", "2026-12-1", "2026/12/1", "2026.12.01", "20261201", "2026年12月1日",
                     "２０２６－１２－０１".replace("－", "-"), " 20261201 "):
            assert parse_date(text) == date(2026, 12, 1), text
        for text in ("12/01/2026", "01.12.2026", "2026121", "202612011", "2026-13-01", "20260230", "2026年12月1",
                     "2026-12/01x"):
            try:
                parse_date(text)
            except InvalidInput:
                continue
            raise AssertionError(f"{text!r} was accepted")


def test_excel_exports_hold_date_cells_and_money_numbers(app, streets, users, clerk_client, finance_client):
    from counter.collection import services as collection

    lease = _lease(streets[0].id)
    first, _last = collection.lease_months(lease)
    receipt = collection.collect(lease, str(first), str(first.add(1)), "cash", None, "locale-2", clerk=users["clerk_a"])
    db.session.commit()
    today = business_today()
    x = finance_client.get(f"/ledger/export.xlsx?date_from={today.isoformat()}&date_to={today.isoformat()}")
    ws = load_workbook(io.BytesIO(x.data)).active
    line = ws.cell(row=2, column=1)
    assert isinstance(line.value, datetime) and line.value.date() == today and line.number_format == "yyyy-mm-dd"
    money = ws.cell(row=2, column=8)
    assert isinstance(money.value, (int, float)) and money.number_format == "#,##0.00"
    total = ws.cell(row=ws.max_row, column=8)
    assert round(total.value * 100) == receipt.total_fen and total.number_format == "#,##0.00"

    month = finance_client.get(f"/ledger/monthly.xlsx?year={today.year}&month={today.month}")
    rows = list(load_workbook(io.BytesIO(month.data)).active.iter_rows())
    by_day = [r for r in rows if isinstance(r[1].value, datetime)]
    assert by_day and by_day[0][1].value.date() == today and by_day[0][1].number_format == "yyyy-mm-dd"
    assert all(r[3].number_format == "#,##0.00" for r in rows[1:])
