"""The annual report (年度工作报表): the figures of the office's own report, by street, for one year.

* **Filings** (房屋租赁合同登记备案) and their floor area: leases with ``registered_on`` in the year, later
  cancellations included (they were filed), rented area (:func:`counter.ledger.services.annual_statistics`).
* **Valid leases** (有效房屋租赁合同) and their area on 31 December: filed by then, in term, neither terminated
  before nor cancelled by then (same function).
* **Tax collected** (代征税): the net of the journal's lines with a business date in the year, reversals
  included, read from the journal's day totals (``journal_day_total``, migration 0014) per street and from
  the roll-up (``journal_rollup``) per tax item. Both are kept by the journal's trigger in the same statement
  as each line, so they equal ``SUM(journal_entry.amount_fen)`` to the fen (the test sums the journal).
* **Slips issued** (《房屋租赁信息》出具): original info slips printed in the year; certificates likewise.
* **Reprints** (补打): reprints of any printed document in the year.

Streets: the user's scope (the district administrator sees every street; supervisors and finance their own).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select

from counter.collection.models import JournalRollup
from counter.documents.models import PrintedDocument
from counter.extensions import db
from counter.ledger.services import StatRow, annual_statistics
from counter.tax.labels import item_label

YEAR_MIN, YEAR_MAX = 2000, 2100


@dataclass
class AnnualRow:
    stat: StatRow
    slips: int = 0
    certificates: int = 0
    reprints: int = 0

    @property
    def street(self):
        return self.stat.street


@dataclass
class AnnualReport:
    year: int
    on: date
    rows: list[AnnualRow]
    total: AnnualRow
    items: list[tuple[str, str, int]] = field(default_factory=list)  # (item code, label, net fen)

    @property
    def max_tax_fen(self) -> int:
        return max([r.stat.tax_fen for r in self.rows] + [0])

    @property
    def max_filings(self) -> int:
        return max([r.stat.filings for r in self.rows] + [0])


def _documents(year: int) -> dict[int, dict[str, int]]:
    first, last = date(year, 1, 1), date(year, 12, 31)
    out: dict[int, dict[str, int]] = {}
    in_year = (PrintedDocument.print_date >= first, PrintedDocument.print_date <= last)
    for sid, kind, n in db.session.execute(
            select(PrintedDocument.street_id, PrintedDocument.kind, func.count(PrintedDocument.id))
            .where(*in_year, PrintedDocument.reprint_no == 0, PrintedDocument.kind.in_(("info_slip", "certificate")))
            .group_by(PrintedDocument.street_id, PrintedDocument.kind)):
        d = out.setdefault(sid, {"slips": 0, "certificates": 0, "reprints": 0})
        d["slips" if kind == "info_slip" else "certificates"] += int(n)
    for sid, n in db.session.execute(
            select(PrintedDocument.street_id, func.count(PrintedDocument.id))
            .where(*in_year, PrintedDocument.reprint_no > 0).group_by(PrintedDocument.street_id)):
        out.setdefault(sid, {"slips": 0, "certificates": 0, "reprints": 0})["reprints"] += int(n)
    return out


def annual_report(year: int) -> AnnualReport:
    stats = annual_statistics(year)
    docs = _documents(year)
    rows = []
    total = AnnualRow(stat=stats.total)
    for s in stats.rows:
        d = docs.get(s.street.id, {})
        row = AnnualRow(stat=s, slips=d.get("slips", 0), certificates=d.get("certificates", 0),
                        reprints=d.get("reprints", 0))
        total.slips += row.slips
        total.certificates += row.certificates
        total.reprints += row.reprints
        rows.append(row)
    street_ids = [s.street.id for s in stats.rows]
    items = []
    if street_ids:
        for code, fen in db.session.execute(
                select(JournalRollup.item, func.sum(JournalRollup.amount_fen))
                .where(JournalRollup.street_id.in_(street_ids), JournalRollup.business_date >= date(year, 1, 1),
                       JournalRollup.business_date <= date(year, 12, 31))
                .group_by(JournalRollup.item).order_by(JournalRollup.item)):
            items.append((code, item_label(code), int(fen or 0)))
    return AnnualReport(year=year, on=stats.on, rows=rows, total=total, items=items)
