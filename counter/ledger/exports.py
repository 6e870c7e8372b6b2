"""CSV and Excel exports of the filtered ledger and of a summary.

CSV: UTF-8 with a BOM (Excel then opens Chinese correctly), amounts in yuan with two decimals.
Excel (openpyxl): amounts are numbers (``Decimal``, exact) formatted ``#,##0.00``, dates are date cells
(``yyyy-mm-dd``, Excel shows them in its own locale's way when re-formatted); a totals row.
The totals written are the service's SQL totals, the same numbers the page shows.
"""
from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from counter.auth.models import User
from counter.collection.models import Receipt
from counter.core.i18n import fmt_span
from counter.extensions import db
from counter.ledger.services import KIND_LABELS, LedgerResult, Summary, item_label, method_label
from counter.streets.models import Street

MONEY_FORMAT = "#,##0.00"
DATE_FORMAT = "yyyy-mm-dd"


def yuan(fen: int) -> Decimal:
    return (Decimal(int(fen)) / 100).quantize(Decimal("0.01"))


def _street_names(locale: str) -> dict[int, str]:
    return {s.id: s.name(locale) for s in db.session.query(Street)}


def ledger_table(result: LedgerResult, locale: str) -> tuple[list[str], list[list], list]:
    """(header, rows, totals row) of the ledger; amounts as Decimal yuan."""
    entries = result.entries
    receipts = {}
    clerks = {}
    if entries:
        rids = {e.receipt_id for e in entries}
        for chunk in _chunks(sorted(rids)):
            receipts.update({r.id: r.receipt_number for r in db.session.query(Receipt).filter(Receipt.id.in_(chunk))})
        clerks = {u.id: u.display_name for u in db.session.query(User).filter(User.id.in_({e.clerk_id for e in entries}))}
    streets = _street_names(locale)
    header = [_("Business date"), _("Street"), _("Receipt"), _("Tax item"), _("Payment method"), _("Type"),
              _("Clerk"), _("Amount (yuan)")]
    rows = [[e.business_date, streets.get(e.street_id, ""), receipts.get(e.receipt_id, ""),
             item_label(e.item, e.item_name_zh), method_label(e.method), str(KIND_LABELS.get(e.kind, e.kind)),
             clerks.get(e.clerk_id, ""), yuan(e.amount_fen)] for e in entries]
    totals = [_("Total"), "", _("%(n)s lines", n=result.count), "", "", "", "", yuan(result.total_fen)]
    return header, rows, totals


def _chunks(ids, size=500):
    for i in range(0, len(ids), size):
        yield ids[i:i + size]


def summary_table(summary: Summary) -> tuple[list[str], list[list], list]:
    """(header, rows, totals row) of a summary: one row per tax item, then per method, then per day."""
    header = [_("Section"), _("Item"), _("Receipts count"), _("Amount (yuan)")]
    rows: list[list] = []
    for it in summary.by_item:
        rows.append([_("By tax item"), it.label, "", yuan(it.amount_fen)])
    for method, fen in summary.by_method.items():
        rows.append([_("By payment method"), method_label(method), "", yuan(fen)])
    for d in summary.days:
        rows.append([_("By day"), d.day, d.receipts, yuan(d.total_fen)])
    totals = [_("Total"), fmt_span(summary.date_from, summary.date_to), summary.receipts,
              yuan(summary.total_fen)]
    return header, rows, totals


def to_csv(header, rows, totals) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(header)
    for row in rows + [totals]:
        w.writerow([f"{v:.2f}" if isinstance(v, Decimal) else v for v in row])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def to_xlsx(header, rows, totals, title: str) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = title[:31]
    ws.append(header)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in rows:
        ws.append(row)
    ws.append(totals)
    for cell in ws[ws.max_row]:
        cell.font = Font(bold=True)
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            if isinstance(cell.value, Decimal) or (isinstance(cell.value, (int, float)) and cell.column == len(header)):
                cell.number_format = MONEY_FORMAT  # money: yuan as an exact number
            elif isinstance(cell.value, date):
                cell.number_format = DATE_FORMAT
    for i, _h in enumerate(header, start=1):
        ws.column_dimensions[ws.cell(row=1, column=i).column_letter].width = 18
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
