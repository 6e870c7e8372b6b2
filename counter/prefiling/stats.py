"""Service-time statistics of the queue (supervisors: their street; the district: every street): waiting
time (ticket -> call) and service time (call -> done) per street, window and clerk; tickets per day, hour
and month (the school-place peak of April–June shows in the months). Read with ORM selects of the
street-owned tickets (scoped as every read); the sums are taken in Python over the period's rows."""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select

from counter.auth.models import User
from counter.core.timeutil import to_local
from counter.extensions import db
from counter.prefiling.models import Ticket
from counter.streets.models import Street


@dataclass
class Group:
    key: object
    label: str
    tickets: int = 0
    wait_total: float = 0.0
    service_total: float = 0.0
    served: int = 0

    @property
    def wait_minutes(self) -> float:
        return round(self.wait_total / self.tickets / 60, 1) if self.tickets else 0.0

    @property
    def service_minutes(self) -> float:
        return round(self.service_total / self.served / 60, 1) if self.served else 0.0

    @property
    def wait_clock(self) -> str:
        return _clock(self.wait_total / self.tickets if self.tickets else 0)

    @property
    def service_clock(self) -> str:
        return _clock(self.service_total / self.served if self.served else 0)


def _clock(seconds: float) -> str:
    """Seconds as m:ss (a visit of a few seconds is not 0.0 minutes)."""
    s = int(round(seconds))
    return f"{s // 60}:{s % 60:02d}"


@dataclass
class Stats:
    start: date
    end: date
    total: Group = field(default_factory=lambda: Group("all", ""))
    streets: dict = field(default_factory=dict)
    windows: dict = field(default_factory=dict)
    clerks: dict = field(default_factory=dict)
    days: dict = field(default_factory=dict)
    hours: dict = field(default_factory=lambda: {h: 0 for h in range(8, 19)})
    months: dict = field(default_factory=dict)

    def peak(self, table: dict) -> int:
        return max(table.values(), default=0) or 1


def service_stats(start: date, end: date, street_id: int | None = None, locale: str = "zh") -> Stats:
    stmt = select(Ticket.street_id, Ticket.window_no, Ticket.clerk_id, Ticket.day, Ticket.created_at,
                  Ticket.called_at, Ticket.done_at, Ticket.status).where(Ticket.day.between(start, end),
                                                                          Ticket.called_at.is_not(None))
    if street_id is not None:
        stmt = stmt.where(Ticket.street_id == street_id)
    rows = db.session.execute(stmt).all()
    streets = {s.id: s.name(locale) for s in db.session.scalars(select(Street))}
    clerk_ids = {r.clerk_id for r in rows if r.clerk_id}
    clerks = {u.id: u.display_name for u in db.session.scalars(select(User).where(User.id.in_(clerk_ids)))} \
        if clerk_ids else {}
    st = Stats(start, end)
    m = start.replace(day=1)
    while m <= end:
        st.months[m] = 0
        m = date(m.year + (m.month == 12), m.month % 12 + 1, 1)
    for r in rows:
        wait = (r.called_at - r.created_at).total_seconds()
        service = (r.done_at - r.called_at).total_seconds() if r.done_at and r.status == "done" else None
        groups = [st.total,
                  st.streets.setdefault(r.street_id, Group(r.street_id, streets.get(r.street_id, "?"))),
                  st.windows.setdefault((r.street_id, r.window_no),
                                        Group((r.street_id, r.window_no), f"{streets.get(r.street_id, '?')} "
                                                                          f"#{r.window_no or '-'}")),
                  st.clerks.setdefault(r.clerk_id, Group(r.clerk_id, clerks.get(r.clerk_id, "-")))]
        for g in groups:
            g.tickets += 1
            g.wait_total += max(0.0, wait)
            if service is not None:
                g.served += 1
                g.service_total += max(0.0, service)
        st.days[r.day] = st.days.get(r.day, 0) + 1
        hour = to_local(r.created_at).hour
        st.hours[hour] = st.hours.get(hour, 0) + 1
        month = r.day.replace(day=1)
        st.months[month] = st.months.get(month, 0) + 1
    st.hours = dict(sorted(st.hours.items()))
    st.days = dict(sorted(st.days.items()))
    return st


def table(stats: Stats, headers: dict) -> tuple[list[str], list[list]]:
    head = [headers["group"], headers["name"], headers["tickets"], headers["wait"], headers["service"]]
    rows = []
    for kind, groups in (("street", stats.streets), ("window", stats.windows), ("clerk", stats.clerks)):
        for g in groups.values():
            rows.append([headers[kind], g.label, g.tickets, g.wait_minutes, g.service_minutes])
    return head, rows


def to_csv(head, rows) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(head)
    w.writerows(rows)
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def to_xlsx(head, rows, days: dict, day_header: list[str]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = "service"
    ws.append(head)
    for c in ws[1]:
        c.font = Font(bold=True)
    for r in rows:
        ws.append(r)
        for c in ws[ws.max_row][3:5]:
            c.number_format = "0.0"
    ws2 = wb.create_sheet("days")
    ws2.append(day_header)
    for d, n in days.items():
        ws2.append([d, n])
        ws2.cell(ws2.max_row, 1).number_format = "yyyy-mm-dd"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


__all__ = ["service_stats", "Stats", "Group", "table", "to_csv", "to_xlsx"]
