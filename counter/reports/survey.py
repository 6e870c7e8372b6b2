"""Guidance-rent survey (指导租金调查): what the filings say rents are, per street, community, use and period.

The figures, exactly:

* **Sample**: the filings registered in the period (``registered_on``) that still stand (not cancelled;
  terminated ones count: their rent was declared) with a rented area above zero, in the user's streets.
* **Unit rent** of a filing: monthly rent / rented area, in yuan per m² per month. With fen and hundredths
  of m² that is ``monthly_rent_fen / rented_area_centi``, rounded half up to 0.0001 yuan (:data:`UNIT`).
  Every statistic below is then exact ``Decimal`` arithmetic on these unit rents (no float anywhere).
* **Median**: the middle unit rent, or the mean of the two middle ones (``statistics.median``).
* **Quartiles**: the *inclusive* method (``statistics.quantiles(data, n=4, method="inclusive")``, the
  method of Excel's QUARTILE.INC): on the sorted ``x[0..n-1]``, with ``m = n - 1``, quartile ``i`` (1..3) is
  ``(x[j] * (4 - d) + x[j + 1] * d) / 4`` where ``j, d = divmod(i * m, 4)``. Q2 is the median.
  :func:`quartiles` computes it on ``Decimal`` (exact: at most two more decimal places).
* **Community** (社区): the first 12 characters of the house code (street code + 3 digits) when they are
  digits; filings of properties without a house code fall in "no community code".
* A group with fewer filings than the **minimum sample** (``REPORT_RENT_MIN_SAMPLE``, 5) shows its count
  only ("too few").
* **Possibly under-declared**: a filing of a group that has the minimum sample whose unit rent is below
  ``REPORT_UNDER_DECLARED_PERCENT`` (50) per cent of its group's median.
* **Proposed guidance** per street and use (guidance rents are set per street and use): the lower quartile
  (Q1) of all the street's filings of that use in the period, rounded half up to the fen (a floor below
  which a quarter of declared rents lie), when the street and use have the minimum sample.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import select

from counter.extensions import db
from counter.leases.models import Lease, Property

UNIT = Decimal("0.0001")
FEN = Decimal("0.01")
NO_COMMUNITY = ""
PERIOD_KINDS = ("year", "half", "quarter")


def unit_rent(monthly_rent_fen: int, rented_area_centi: int) -> Decimal:
    """Yuan per m² per month, half up to 0.0001."""
    return (Decimal(int(monthly_rent_fen)) / Decimal(int(rented_area_centi))).quantize(UNIT, ROUND_HALF_UP)


def median(values: list[Decimal]) -> Decimal:
    xs = sorted(values)
    n = len(xs)
    if n == 0:
        raise ValueError("no data")
    mid = n // 2
    return xs[mid] if n % 2 else (xs[mid - 1] + xs[mid]) / 2


def quartiles(values: list[Decimal]) -> tuple[Decimal, Decimal, Decimal]:
    """Q1, Q2, Q3 by the inclusive method (see the module's docstring)."""
    xs = sorted(values)
    n = len(xs)
    if n == 0:
        raise ValueError("no data")
    if n == 1:
        return xs[0], xs[0], xs[0]
    m = n - 1
    out = []
    for i in (1, 2, 3):
        j, d = divmod(i * m, 4)
        out.append(xs[j] if d == 0 else (xs[j] * (4 - d) + xs[j + 1] * d) / 4)
    return out[0], out[1], out[2]


def community_of(house_code: str | None) -> str:
    code = (house_code or "")[:12]
    return code if len(code) == 12 and code.isdigit() else NO_COMMUNITY


def period_of(day: date, kind: str) -> str:
    if kind == "quarter":
        return f"{day.year}-Q{(day.month - 1) // 3 + 1}"
    if kind == "half":
        return f"{day.year}-H{1 if day.month <= 6 else 2}"
    return str(day.year)


@dataclass(frozen=True)
class Filing:
    lease_id: int
    registration_code: str
    street_id: int
    community: str
    use: str
    registered_on: date
    address: str
    monthly_rent_fen: int
    rented_area_centi: int
    unit: Decimal


@dataclass
class Group:
    street_id: int
    community: str
    use: str
    period: str
    filings: list[Filing] = field(default_factory=list)
    enough: bool = False
    median: Decimal | None = None
    q1: Decimal | None = None
    q3: Decimal | None = None

    @property
    def count(self) -> int:
        return len(self.filings)


@dataclass(frozen=True)
class Flagged:
    filing: Filing
    group: Group
    ratio: Decimal  # unit / group median, 0.0001


@dataclass(frozen=True)
class Proposal:
    street_id: int
    use: str
    count: int
    median: Decimal
    q1: Decimal
    proposed: Decimal  # yuan per m² per month, two places


@dataclass
class Survey:
    year: int
    period_kind: str
    min_sample: int
    percent: int
    groups: list[Group]
    flagged: list[Flagged]
    proposals: list[Proposal]
    filings: int


def summarise(filings: list[Filing], *, period_kind: str, min_sample: int, percent: int,
              year: int = 0) -> Survey:
    """The survey of ``filings`` (plain records): groups, flagged filings and proposals."""
    by_group: dict[tuple, Group] = {}
    by_street_use: dict[tuple, list[Decimal]] = defaultdict(list)
    for f in filings:
        key = (f.street_id, f.community, f.use, period_of(f.registered_on, period_kind))
        g = by_group.get(key)
        if g is None:
            g = by_group[key] = Group(*key)
        g.filings.append(f)
        by_street_use[(f.street_id, f.use)].append(f.unit)
    threshold = Decimal(percent) / 100
    flagged: list[Flagged] = []
    for g in by_group.values():
        if g.count < min_sample:
            continue
        units = [f.unit for f in g.filings]
        g.enough = True
        g.q1, g.median, g.q3 = quartiles(units)
        if g.median > 0:
            for f in g.filings:
                if f.unit < g.median * threshold:
                    flagged.append(Flagged(f, g, (f.unit / g.median).quantize(UNIT, ROUND_HALF_UP)))
    proposals = []
    for (sid, use), units in sorted(by_street_use.items()):
        if len(units) < min_sample:
            continue
        q1, med, _q3 = quartiles(units)
        proposals.append(Proposal(street_id=sid, use=use, count=len(units), median=med, q1=q1,
                                  proposed=q1.quantize(FEN, ROUND_HALF_UP)))
    groups = sorted(by_group.values(), key=lambda g: (g.street_id, g.community, g.use, g.period))
    flagged.sort(key=lambda x: (x.ratio, x.filing.lease_id))
    return Survey(year=year, period_kind=period_kind, min_sample=min_sample, percent=percent, groups=groups,
                  flagged=flagged, proposals=proposals, filings=len(filings))


def load_filings(year: int, street_id: int | None = None, use: str | None = None) -> list[Filing]:
    """The standing filings registered in ``year`` with an area (ORM select: the user's streets only)."""
    stmt = (select(Lease.id, Lease.registration_code, Lease.street_id, Property.house_code, Property.address,
                   Property.room, Lease.lease_use, Lease.registered_on, Lease.monthly_rent_fen,
                   Lease.rented_area_centi)
            .join(Property, Property.id == Lease.property_id)
            .where(Lease.status != "cancelled", Lease.rented_area_centi > 0,
                   Lease.registered_on >= date(year, 1, 1), Lease.registered_on <= date(year, 12, 31)))
    if street_id is not None:
        stmt = stmt.where(Lease.street_id == street_id)
    if use:
        stmt = stmt.where(Lease.lease_use == use)
    return [Filing(lease_id=r.id, registration_code=r.registration_code, street_id=r.street_id,
                   community=community_of(r.house_code), use=r.lease_use, registered_on=r.registered_on,
                   address=f"{r.address}{r.room or ''}", monthly_rent_fen=int(r.monthly_rent_fen),
                   rented_area_centi=int(r.rented_area_centi),
                   unit=unit_rent(r.monthly_rent_fen, r.rented_area_centi))
            for r in db.session.execute(stmt.order_by(Lease.id))]


def survey(year: int, *, period_kind: str = "year", min_sample: int = 5, percent: int = 50,
           street_id: int | None = None, use: str | None = None) -> Survey:
    return summarise(load_filings(year, street_id, use), period_kind=period_kind, min_sample=min_sample,
                     percent=percent, year=year)
