"""CSV and Excel of the coverage report: the counts per street and community, or one category's list.

CSV: UTF-8 with a BOM (Excel opens Chinese correctly); a text cell starting with ``= + - @`` gets a leading
``'`` (no formula injection from an address). Excel (openpyxl, write-only): counts are numbers, areas
``Decimal`` m² formatted ``#,##0.00``."""
from __future__ import annotations

import csv
import io
from decimal import Decimal

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from counter.core.labels import use_label
from counter.leases.models import centi_to_m2
from counter.registry.labels import CATEGORY_SHORT, category_label
from counter.registry.services import CATEGORIES, MISSING_REASONS, missing_reason, units_for

AREA_FORMAT = "#,##0.00"


def summary_table(cov, locale: str) -> tuple[list, list[list]]:
    header = [_("Street"), _("Community")] + [str(CATEGORY_SHORT[c]) for c in CATEGORIES]
    rows = [[r.street.name(locale), r.community or _("(none)")] + [r.counts[c] for c in CATEGORIES] for r in cov.rows]
    rows.append([_("Total"), ""] + [cov.totals[c] for c in CATEGORIES])
    return header, rows


def list_table(category: str, items, streets: dict, locale: str) -> tuple[list, list[list]]:
    if category == "unfiled":
        header = [_("Street"), _("Community"), _("Building code"), _("House code"), _("Address"), _("Design use"),
                  _("Floor area (m²)")]
        rows = [[streets.get(u.street_id, ""), u.community, u.building_code, u.house_code or "", u.address,
                 str(use_label(u.design_use)) if u.design_use else "", centi_to_m2(u.floor_area_centi)]
                for u in items]
        return header, rows
    header = [_("Registration code"), _("Street"), _("House code"), _("Building code"), _("Address"), _("Room"),
              _("Registry address"), _("Registry street"), _("Community"), _("Finding")]
    rows = []
    for chunk in _chunks(list(items), 1000):
        facts = units_for(chunk)
        for x in chunk:
            f = facts.get(x.id)
            matched = f is not None and f.street_id
            finding = (str(MISSING_REASONS[missing_reason(x, f)]) if category == "missing" else category_label(category))
            rows.append([x.registration_code, streets.get(x.street_id, ""), x.premises.house_code or "",
                         x.premises.building_code or "", x.premises.address, x.premises.room or "",
                         f.address if matched else "", streets.get(f.street_id, "") if matched else "",
                         f.community if matched else "", finding])
    return header, rows


def _chunks(items, size):
    for i in range(0, len(items), size):
        yield items[i:i + size]


def _safe(value):
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


def to_csv(header, rows) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(header)
    for row in rows:
        w.writerow([f"{v:.2f}" if isinstance(v, Decimal) else ("" if v is None else _safe(v)) for v in row])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def to_xlsx(header, rows, title: str) -> bytes:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title[:31])
    bold = Font(bold=True)
    head = []
    for h in header:
        c = WriteOnlyCell(ws, value=h)
        c.font = bold
        head.append(c)
    ws.append(head)
    for row in rows:
        cells = []
        for v in row:
            c = WriteOnlyCell(ws, value=v)
            if isinstance(v, Decimal):
                c.number_format = AREA_FORMAT
            cells.append(c)
        ws.append(cells)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
