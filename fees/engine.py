"""The calculation: :func:`assess` a lease over a run of months.

* Each month is taxed under the schedule **in force on the month's first day**
  (``effective_from <= day <= effective_to``, both inclusive). The month being
  taxed decides, never ``assessed_on`` (which is only recorded): assessing 2018
  rent in 2026 uses the 2018 schedule. A period spanning a schedule change is
  split by month at the boundary.
* Among the schedules of a :class:`ScheduleSet` in force on that day, only those
  with a rule for the lease's landlord kind and use category are candidates;
  the highest ``priority`` wins, then the latest ``effective_from``. A remaining
  tie raises :class:`AmbiguousScheduleError`; no candidate raises
  :class:`NoScheduleError`. Shipped itemised schedules have priority 0 and the
  shipped comprehensive ones -1, so with equal priorities "latest
  effective_from wins" and, when both modes are active, itemised wins. The app
  decides which schedules are active by choosing which ones it puts in the set
  (and may store a schedule version with a higher priority).
* Zero months (``last < first``) give an Assessment with no lines and total 0.
* Rounding: see :mod:`fees.money` - one rounding per item per month.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, Iterable

from .calendar import YearMonth, months_between
from .errors import AmbiguousScheduleError, FeesError, NoScheduleError
from .guidance import GuidanceRents
from .model import ITEM_NAMES, RateSchedule, Rule
from .money import round_fen
from .uses import LANDLORD_KINDS, USES

__all__ = ["LeaseFacts", "ScheduleSet", "AssessmentLine", "ItemTotal", "MonthBasis", "Assessment", "assess"]

_HUNDRED = Decimal(100)


@dataclass(frozen=True)
class LeaseFacts:
    landlord_kind: str
    use: str
    monthly_rent_fen: int
    area_m2: Decimal | None = None
    street_code: str | None = None

    def __post_init__(self):
        if self.landlord_kind not in LANDLORD_KINDS:
            raise ValueError(f"landlord_kind must be one of {LANDLORD_KINDS}, got {self.landlord_kind!r}")
        if self.use not in USES:
            raise ValueError(f"use must be one of {USES}, got {self.use!r}")
        r = self.monthly_rent_fen
        if isinstance(r, bool) or not isinstance(r, int) or r < 0:
            raise ValueError(f"monthly_rent_fen must be a non-negative int, got {r!r}")
        if self.area_m2 is not None:
            if not isinstance(self.area_m2, Decimal) or not self.area_m2.is_finite() or self.area_m2 < 0:
                raise ValueError(f"area_m2 must be a non-negative Decimal, got {self.area_m2!r}")

    def to_dict(self) -> dict:
        return {"landlord_kind": self.landlord_kind, "use": self.use, "monthly_rent_fen": self.monthly_rent_fen,
                "area_m2": None if self.area_m2 is None else str(self.area_m2), "street_code": self.street_code}

    @classmethod
    def from_dict(cls, d: dict) -> "LeaseFacts":
        return cls(landlord_kind=d["landlord_kind"], use=d["use"], monthly_rent_fen=d["monthly_rent_fen"],
                   area_m2=None if d.get("area_m2") is None else Decimal(d["area_m2"]),
                   street_code=d.get("street_code"))


class ScheduleSet:
    """The schedules the caller makes active. Several versions of one id: the highest version is used."""

    def __init__(self, schedules: Iterable[RateSchedule]):
        by_key: dict[tuple[str, int], RateSchedule] = {}
        for s in schedules:
            if (s.id, s.version) in by_key:
                raise ValueError(f"schedule {s.id} v{s.version} given twice")
            by_key[(s.id, s.version)] = s
        latest: dict[str, RateSchedule] = {}
        for s in by_key.values():
            if s.id not in latest or s.version > latest[s.id].version:
                latest[s.id] = s
        self.schedules: tuple[RateSchedule, ...] = tuple(sorted(latest.values(), key=lambda s: (s.effective_from, s.id)))

    def __iter__(self):
        return iter(self.schedules)

    def __len__(self):
        return len(self.schedules)

    def get(self, schedule_id: str) -> RateSchedule | None:
        return next((s for s in self.schedules if s.id == schedule_id), None)

    def only(self, ids: Iterable[str]) -> "ScheduleSet":
        ids = set(ids)
        return ScheduleSet(s for s in self.schedules if s.id in ids)

    def select(self, month: YearMonth, landlord_kind: str, use: str) -> tuple[RateSchedule, Rule]:
        day = month.first_day
        in_force = [s for s in self.schedules if s.in_force_on(day)]
        cands = [(s, s.rule_for(landlord_kind, use)) for s in in_force]
        cands = [(s, r) for s, r in cands if r is not None]
        if not cands:
            if in_force:
                raise NoScheduleError(
                    f"no schedule in force on {day} has a rule for {landlord_kind} / {use} "
                    f"(in force: {', '.join(s.id for s in in_force)})")
            raise NoScheduleError(f"no rate schedule in force on {day} (month {month})")
        cands.sort(key=lambda sr: (sr[0].priority, sr[0].effective_from), reverse=True)
        best = cands[0]
        if len(cands) > 1 and (cands[1][0].priority, cands[1][0].effective_from) == (best[0].priority, best[0].effective_from):
            raise AmbiguousScheduleError(
                f"schedules {best[0].id} and {cands[1][0].id} both apply to {month} with the same "
                f"priority and effective_from; deactivate one or set a priority")
        return best


@dataclass(frozen=True)
class AssessmentLine:
    month: YearMonth
    item: str
    name_zh: str
    name_en: str
    base_kind: str
    base_fen: int           # rent (incl. VAT) for rent/rent_ex_vat/contract_amount; VAT levied for vat; net income for iit_rent; 0 for area
    rate: Decimal           # fraction (0.015 = 1.5 %); yuan/m2/month for area
    reduction_percent: Decimal
    amount_fen: int
    schedule_id: str
    schedule_version: int
    rule_id: str
    exempt_reason: str | None = None   # "exempt" | "threshold" | "vat_exempt" | None
    threshold_fen: int | None = None   # set when exempt_reason == "threshold"
    min_fen: int | None = None         # set when the minimum was applied
    area_m2: Decimal | None = None     # area lines
    deduction_yuan: Decimal | None = None  # IIT: the ¥800 or 20 % deduction
    vat_divisor: Decimal | None = None     # rent_ex_vat lines

    def to_dict(self) -> dict:
        d: dict[str, Any] = {
            "month": str(self.month), "item": self.item, "name_zh": self.name_zh, "name_en": self.name_en,
            "base_kind": self.base_kind, "base_fen": self.base_fen, "rate": str(self.rate),
            "reduction_percent": str(self.reduction_percent), "amount_fen": self.amount_fen,
            "schedule_id": self.schedule_id, "schedule_version": self.schedule_version, "rule_id": self.rule_id,
        }
        for k in ("exempt_reason", "threshold_fen", "min_fen"):
            if getattr(self, k) is not None:
                d[k] = getattr(self, k)
        for k in ("area_m2", "deduction_yuan", "vat_divisor"):
            if getattr(self, k) is not None:
                d[k] = str(getattr(self, k))
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "AssessmentLine":
        def dec(k):
            return None if d.get(k) is None else Decimal(d[k])
        return cls(month=YearMonth.parse(d["month"]), item=d["item"], name_zh=d["name_zh"], name_en=d["name_en"],
                   base_kind=d["base_kind"], base_fen=d["base_fen"], rate=Decimal(d["rate"]),
                   reduction_percent=Decimal(d["reduction_percent"]), amount_fen=d["amount_fen"],
                   schedule_id=d["schedule_id"], schedule_version=d["schedule_version"], rule_id=d["rule_id"],
                   exempt_reason=d.get("exempt_reason"), threshold_fen=d.get("threshold_fen"),
                   min_fen=d.get("min_fen"), area_m2=dec("area_m2"), deduction_yuan=dec("deduction_yuan"),
                   vat_divisor=dec("vat_divisor"))


@dataclass(frozen=True)
class ItemTotal:
    item: str
    name_zh: str
    name_en: str
    amount_fen: int


@dataclass(frozen=True)
class MonthBasis:
    """What a month was taxed on, and under which schedule/rule."""
    month: YearMonth
    declared_rent_fen: int
    taxable_rent_fen: int
    schedule_id: str
    schedule_version: int
    rule_id: str
    mode: str
    guidance_yuan_per_m2: Decimal | None = None
    floor_rent_fen: int | None = None  # guidance x area, rounded; None when no guidance applies

    def to_dict(self) -> dict:
        d: dict[str, Any] = {"month": str(self.month), "declared_rent_fen": self.declared_rent_fen,
                             "taxable_rent_fen": self.taxable_rent_fen, "schedule_id": self.schedule_id,
                             "schedule_version": self.schedule_version, "rule_id": self.rule_id, "mode": self.mode}
        if self.guidance_yuan_per_m2 is not None:
            d["guidance_yuan_per_m2"] = str(self.guidance_yuan_per_m2)
            d["floor_rent_fen"] = self.floor_rent_fen
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "MonthBasis":
        g = d.get("guidance_yuan_per_m2")
        return cls(month=YearMonth.parse(d["month"]), declared_rent_fen=d["declared_rent_fen"],
                   taxable_rent_fen=d["taxable_rent_fen"], schedule_id=d["schedule_id"],
                   schedule_version=d["schedule_version"], rule_id=d["rule_id"], mode=d["mode"],
                   guidance_yuan_per_m2=None if g is None else Decimal(g), floor_rent_fen=d.get("floor_rent_fen"))


@dataclass(frozen=True)
class Assessment:
    facts: LeaseFacts
    first: YearMonth
    last: YearMonth
    assessed_on: date
    months: tuple[MonthBasis, ...] = ()
    lines: tuple[AssessmentLine, ...] = ()
    schedules: tuple[dict, ...] = field(default=())  # id, version, title_zh, title_en, mode, sample

    FORMAT = 1

    @property
    def total_fen(self) -> int:
        return sum(line.amount_fen for line in self.lines)

    @property
    def items(self) -> list[ItemTotal]:
        order: dict[str, list] = {}
        for line in self.lines:
            if line.item not in order:
                order[line.item] = [line.name_zh, line.name_en, 0]
            order[line.item][2] += line.amount_fen
        return [ItemTotal(code, zh, en, amt) for code, (zh, en, amt) in order.items()]

    @property
    def schedules_used(self) -> list[tuple[str, int]]:
        seen: list[tuple[str, int]] = []
        for m in self.months:
            key = (m.schedule_id, m.schedule_version)
            if key not in seen:
                seen.append(key)
        return seen

    @property
    def sample(self) -> bool:
        """True when any schedule used holds sample rates (to be confirmed with the tax bureau)."""
        return any(s.get("sample") for s in self.schedules)

    def explain(self, lang: str = "zh") -> str:
        from .explain import explain
        return explain(self, lang)

    def to_dict(self) -> dict:
        return {
            "format": self.FORMAT, "facts": self.facts.to_dict(), "first": str(self.first), "last": str(self.last),
            "assessed_on": self.assessed_on.isoformat(), "schedules": [dict(s) for s in self.schedules],
            "months": [m.to_dict() for m in self.months], "lines": [line.to_dict() for line in self.lines],
            "total_fen": self.total_fen,
        }

    @classmethod
    def from_dict(cls, d: dict) -> "Assessment":
        if d.get("format") != cls.FORMAT:
            raise FeesError(f"unknown assessment format {d.get('format')!r}")
        a = cls(facts=LeaseFacts.from_dict(d["facts"]), first=YearMonth.parse(d["first"]),
                last=YearMonth.parse(d["last"]), assessed_on=date.fromisoformat(d["assessed_on"]),
                months=tuple(MonthBasis.from_dict(m) for m in d["months"]),
                lines=tuple(AssessmentLine.from_dict(x) for x in d["lines"]),
                schedules=tuple(dict(s) for s in d.get("schedules", ())))
        if "total_fen" in d and d["total_fen"] != a.total_fen:
            raise FeesError(f"stored total {d['total_fen']} != sum of stored lines {a.total_fen}")
        return a


def _schedule_info(s: RateSchedule) -> dict:
    return {"id": s.id, "version": s.version, "title_zh": s.title_zh, "title_en": s.title_en,
            "mode": s.mode, "sample": s.sample, "effective_from": s.effective_from.isoformat(),
            "effective_to": None if s.effective_to is None else s.effective_to.isoformat()}


def assess(facts: LeaseFacts, first: YearMonth, last: YearMonth, assessed_on: date,
           schedules: ScheduleSet, guidance: GuidanceRents | None = None) -> Assessment:
    """Assess the rental tax of ``facts`` for each month ``first..last`` (inclusive)."""
    if not isinstance(schedules, ScheduleSet):
        schedules = ScheduleSet(schedules)
    months: list[MonthBasis] = []
    lines: list[AssessmentLine] = []
    infos: dict[tuple[str, int], dict] = {}
    for month in months_between(first, last):
        day = month.first_day
        sched, rule = schedules.select(month, facts.landlord_kind, facts.use)
        infos.setdefault((sched.id, sched.version), _schedule_info(sched))
        declared = facts.monthly_rent_fen
        g = guidance.lookup(facts.street_code, facts.use, day) if guidance is not None else None
        floor = None
        if g is not None:
            if facts.area_m2 is None:
                raise FeesError(f"a guidance rent applies to street {facts.street_code} / {facts.use} "
                                f"but the lease has no area")
            floor = round_fen(g.yuan_per_m2_month * facts.area_m2)
        taxable = declared if floor is None else max(declared, floor)
        months.append(MonthBasis(month=month, declared_rent_fen=declared, taxable_rent_fen=taxable,
                                 schedule_id=sched.id, schedule_version=sched.version, rule_id=rule.id,
                                 mode=sched.mode, guidance_yuan_per_m2=None if g is None else g.yuan_per_m2_month,
                                 floor_rent_fen=floor))
        common = dict(month=month, schedule_id=sched.id, schedule_version=sched.version, rule_id=rule.id)
        if sched.mode == "comprehensive":
            lines.append(_comprehensive_line(rule, taxable, day, common))
        else:
            lines.extend(_itemised_lines(rule, taxable, facts.area_m2, day, common))
    return Assessment(facts=facts, first=first, last=last, assessed_on=assessed_on, months=tuple(months),
                      lines=tuple(lines), schedules=tuple(infos.values()))


def _reduce(raw: Decimal, pct: Decimal) -> Decimal:
    return raw * (_HUNDRED - pct) / _HUNDRED if pct else raw


def _comprehensive_line(rule: Rule, rent_fen: int, day: date, common: dict) -> AssessmentLine:
    band = rule.band_for(rent_fen)
    pct = rule.reduction_percent("comprehensive", day)
    raw = Decimal(rent_fen) / _HUNDRED * band.rate
    zh, en = ITEM_NAMES["comprehensive"]
    return AssessmentLine(item="comprehensive", name_zh=zh, name_en=en, base_kind="rent", base_fen=rent_fen,
                          rate=band.rate, reduction_percent=pct, amount_fen=round_fen(_reduce(raw, pct)), **common)


_PASS = {"rent_ex_vat": 0, "rent": 0, "contract_amount": 0, "area": 0, "vat": 1, "iit_rent": 2}


def _itemised_lines(rule: Rule, rent_fen: int, area: Decimal | None, day: date, common: dict) -> list[AssessmentLine]:
    rent_y = Decimal(rent_fen) / _HUNDRED
    amounts: dict[str, int] = {}
    out: dict[str, AssessmentLine] = {}
    for item in sorted(rule.items, key=lambda i: _PASS[i.base]):  # stable: VAT before surcharges, IIT last
        pct = rule.reduction_percent(item.code, day)
        kw: dict[str, Any] = dict(item=item.code, name_zh=item.name_zh, name_en=item.name_en, base_kind=item.base,
                                  rate=item.rate, reduction_percent=pct, **common)
        base_fen = rent_fen
        raw = Decimal(0)
        reason = None
        if item.base == "vat":
            base_fen = amounts.get("vat", 0)
        elif item.base == "area":
            base_fen = 0
            kw["area_m2"] = area
        elif item.base == "rent_ex_vat":
            kw["vat_divisor"] = item.vat_divisor
        if item.exempt:
            reason = "exempt"
        elif item.exempt_up_to_monthly_rent_fen is not None and rent_fen <= item.exempt_up_to_monthly_rent_fen:
            reason = "threshold"
            kw["threshold_fen"] = item.exempt_up_to_monthly_rent_fen
        elif item.base == "rent_ex_vat":
            raw = rent_y * item.rate / item.vat_divisor
        elif item.base in ("rent", "contract_amount"):
            raw = rent_y * item.rate
        elif item.base == "vat":
            if base_fen == 0 and "vat" in out and out["vat"].exempt_reason:
                reason = "vat_exempt"
            raw = Decimal(base_fen) / _HUNDRED * item.rate
        elif item.base == "area":
            if area is None:
                raise FeesError(f"item {item.code} is levied by area but the lease has no area")
            raw = area * item.rate
        elif item.base == "iit_rent":
            if item.assessed_rate is not None:
                kw["rate"] = item.assessed_rate
                raw = rent_y * item.assessed_rate
            else:
                net = max(rent_fen - sum(amounts.get(c, 0) for c in item.deduct_items), 0)
                base_fen = net
                net_y = Decimal(net) / _HUNDRED
                if net <= item.deduction_threshold_fen:
                    deduction = min(Decimal(item.fixed_deduction_fen) / _HUNDRED, net_y)
                else:
                    deduction = net_y * item.percent_deduction
                kw["deduction_yuan"] = deduction
                raw = (net_y - deduction) * item.rate
        if reason is None and item.min_fen is not None and raw > 0:
            min_y = Decimal(item.min_fen) / _HUNDRED
            if raw < min_y:
                raw = min_y
                kw["min_fen"] = item.min_fen
        amount = 0 if reason else round_fen(_reduce(raw, pct))
        amounts[item.code] = amount
        out[item.code] = AssessmentLine(base_fen=base_fen, amount_fen=amount, exempt_reason=reason, **kw)
    return [out[i.code] for i in rule.items]
