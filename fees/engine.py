"""The calculation: :func:`assess_periods` a lease over a run of tax periods (:func:`assess`: calendar months).

* **Periods.** The app taxes the lease's rent periods (:func:`fees.calendar.rent_periods`: anchored at the
  term's start, 15 March .. 14 April, ...; only the last can be short, and it is prorated by days,
  :func:`fees.money.prorate_fen`). :func:`assess` keeps the calendar months of records written before.
* Each period is taxed under the schedule **in force on the period's first day**
  (``effective_from <= day <= effective_to``, both inclusive); the relief windows and the guidance rents
  are read on that day too. The period being taxed decides, never ``assessed_on`` (which is only
  recorded): assessing 2018 rent in 2026 uses the 2018 schedule. A collection spanning a schedule change
  is computed period by period, each under its own schedule.
* Among the schedules of a :class:`ScheduleSet` in force on that day, only those
  with a rule for the lease's landlord kind and use category are candidates;
  the highest ``priority`` wins, then the latest ``effective_from``. A remaining
  tie raises :class:`AmbiguousScheduleError`; no candidate raises
  :class:`NoScheduleError`. Shipped itemised schedules have priority 0 and the
  shipped comprehensive ones -1, so with equal priorities "latest
  effective_from wins" and, when both modes are active, itemised wins. The app
  decides which schedules are active by choosing which ones it puts in the set
  (and may store a schedule version with a higher priority).
* The rent of a multi-period payment is the monthly rent of each period: the
  thresholds are tested on the **monthly** rent, never on the sum paid at once
  (国家税务总局公告2016年第53号 第二条, 2019年第4号: a lump sum is spread over its periods), and never
  on the prorated rent of a short period (see :mod:`fees.money`).
* Bases and rounding: see :mod:`fees.money` (THE rules, written once). Every
  line records the figures of its arithmetic (base, rate, tax, relief, amount;
  for income tax the income, the taxes and repair costs deducted and the
  ¥800 / 20 % deduction) so that screens and receipts print them as computed.
* Repair costs (修缮费用) borne by an individual landlord are deducted from the
  income tax base, at most ``repair_cap_fen`` (¥800) a period, the rest carried
  to the next period and, at the end of the assessment, out of it
  (:attr:`Assessment.repair_carry_fen`; 国税发〔1994〕89号, 国税函〔2009〕639号 第三条).
* Zero periods give an Assessment with no lines and total 0.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, Iterable

from .calendar import Period, YearMonth, month_periods
from .errors import AmbiguousScheduleError, FeesError, NoScheduleError
from .guidance import GuidanceRents
from .model import ITEM_NAMES, Item, RateSchedule, Rule
from .money import area_tax_fen, ex_vat_fen, percent_off_fen, prorate_fen, relief_fen, round_fen, tax_fen
from .uses import LANDLORD_KINDS, USES

__all__ = ["LeaseFacts", "ScheduleSet", "AssessmentLine", "ItemTotal", "PeriodBasis", "MonthBasis", "Assessment",
           "assess", "assess_periods"]


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

    def select(self, when: YearMonth | date, landlord_kind: str, use: str) -> tuple[RateSchedule, Rule]:
        """The schedule and rule for the period starting ``when`` (a date, or a month: its first day)."""
        day = when.first_day if isinstance(when, YearMonth) else when
        in_force = [s for s in self.schedules if s.in_force_on(day)]
        cands = [(s, s.rule_for(landlord_kind, use)) for s in in_force]
        cands = [(s, r) for s, r in cands if r is not None]
        if not cands:
            if in_force:
                raise NoScheduleError(
                    f"no schedule in force on {day} has a rule for {landlord_kind} / {use} "
                    f"(in force: {', '.join(s.id for s in in_force)})")
            raise NoScheduleError(f"no rate schedule in force on {day}")
        cands.sort(key=lambda sr: (sr[0].priority, sr[0].effective_from), reverse=True)
        best = cands[0]
        if len(cands) > 1 and (cands[1][0].priority, cands[1][0].effective_from) == (best[0].priority, best[0].effective_from):
            raise AmbiguousScheduleError(
                f"schedules {best[0].id} and {cands[1][0].id} both apply to {day} with the same "
                f"priority and effective_from; deactivate one or set a priority")
        return best


_LINE_DECIMALS = ("area_m2", "vat_divisor", "deduction_rate")
_LINE_OPTIONAL = ("tax_fen", "relief_fen", "exempt_reason", "threshold_fen", "min_fen", "income_fen", "taxes_fen",
                  "repair_fen", "deduction_kind", "deduction_fen", "deduction_threshold_fen", "repair_cap_fen")


@dataclass(frozen=True)
class AssessmentLine:
    """One item of one period, with every figure of its arithmetic (all in fen, see :mod:`fees.money`):
    ``base_fen x rate = tax_fen`` (minimum applied), ``- relief_fen = amount_fen``.

    ``base_fen`` is the figure the rate multiplies: the rent excluding VAT (base ``rent_ex_vat``), the
    rent (``rent``, ``contract_amount``), the VAT or business tax levied (surcharges), the taxable income
    (income tax: ``income_fen - taxes_fen - repair_fen - deduction_fen``), 0 for ``area`` (``area_m2`` x
    rate). Lines read from a record written before the figures were stored (format 1) have
    ``tax_fen = None`` (:attr:`legacy`): only their amount is known."""
    period: Period
    item: str
    name_zh: str
    name_en: str
    base_kind: str
    base_fen: int
    rate: Decimal           # fraction (0.015 = 1.5 %); yuan/m2/month for area
    reduction_percent: Decimal
    amount_fen: int
    schedule_id: str
    schedule_version: int
    rule_id: str
    tax_fen: int | None = None         # 应纳税额 = round(base x rate), minimum applied; 0 when exempt
    relief_fen: int | None = None      # 减免税额 = round(tax x reduction_percent / 100)
    exempt_reason: str | None = None   # "exempt" | "threshold" | "vat_exempt" | "business_tax_exempt" | None
    threshold_fen: int | None = None   # set when exempt_reason == "threshold"
    min_fen: int | None = None         # set when the minimum was applied
    area_m2: Decimal | None = None     # area lines
    vat_divisor: Decimal | None = None  # rent_ex_vat lines of a period whose VAT is charged
    income_fen: int | None = None      # income tax: the income (rent excluding VAT)
    taxes_fen: int | None = None       # income tax: taxes levied on the rental in the period, deducted
    repair_fen: int | None = None      # income tax: repair costs deducted this period
    deduction_kind: str | None = None  # income tax: "fixed" (¥800) or "percent" (20 %)
    deduction_fen: int | None = None   # income tax: the ¥800 or the 20 % deducted
    deduction_rate: Decimal | None = None  # income tax: 0.2 for "percent"
    deduction_threshold_fen: int | None = None  # income tax: ¥4,000 (the ¥800 applies up to it)
    repair_cap_fen: int | None = None  # income tax: repair costs deductible at most a period (¥800)
    source: tuple[str, ...] = ()       # legal documents of the item's rate and relief

    @property
    def legacy(self) -> bool:
        return self.tax_fen is None

    @property
    def month(self) -> YearMonth:
        """The month the line's period starts in."""
        return self.period.month

    @property
    def net_fen(self) -> int | None:
        """Income tax: income - taxes - repair costs, before the ¥800 / 20 % deduction."""
        if self.income_fen is None:
            return None
        return self.base_fen + (self.deduction_fen or 0)

    def to_dict(self) -> dict:
        d: dict[str, Any] = {
            **self.period.to_dict(), "item": self.item, "name_zh": self.name_zh, "name_en": self.name_en,
            "base_kind": self.base_kind, "base_fen": self.base_fen, "rate": str(self.rate),
            "reduction_percent": str(self.reduction_percent), "amount_fen": self.amount_fen,
            "schedule_id": self.schedule_id, "schedule_version": self.schedule_version, "rule_id": self.rule_id,
        }
        for k in _LINE_OPTIONAL:
            if getattr(self, k) is not None:
                d[k] = getattr(self, k)
        for k in _LINE_DECIMALS:
            if getattr(self, k) is not None:
                d[k] = str(getattr(self, k))
        if self.source:
            d["source"] = list(self.source)
        return d

    @classmethod
    def from_dict(cls, d: dict, fmt: int = 3) -> "AssessmentLine":
        def dec(k):
            return None if d.get(k) is None else Decimal(d[k])
        kw = dict(period=_period_of(d), item=d["item"], name_zh=d["name_zh"], name_en=d["name_en"],
                  base_kind=d["base_kind"], base_fen=d["base_fen"], rate=Decimal(d["rate"]),
                  reduction_percent=Decimal(d["reduction_percent"]), amount_fen=d["amount_fen"],
                  schedule_id=d["schedule_id"], schedule_version=d["schedule_version"], rule_id=d["rule_id"],
                  exempt_reason=d.get("exempt_reason"), threshold_fen=d.get("threshold_fen"),
                  min_fen=d.get("min_fen"), area_m2=dec("area_m2"))
        if fmt >= 2:
            kw.update({k: d.get(k) for k in _LINE_OPTIONAL if k not in kw},
                      vat_divisor=dec("vat_divisor"), deduction_rate=dec("deduction_rate"),
                      source=tuple(d.get("source") or ()))
        return cls(**kw)


@dataclass(frozen=True)
class ItemTotal:
    item: str
    name_zh: str
    name_en: str
    amount_fen: int


@dataclass(frozen=True)
class PeriodBasis:
    """What a period was taxed on, and under which schedule/rule. ``taxable_rent_fen`` is the **monthly**
    taxable rent (the declared rent or the guidance floor, the figure the thresholds are tested on);
    ``rent_fen`` the period's rent: the same for a full period, prorated by days for a short one."""
    period: Period
    declared_rent_fen: int
    taxable_rent_fen: int
    schedule_id: str
    schedule_version: int
    rule_id: str
    mode: str
    guidance_yuan_per_m2: Decimal | None = None
    floor_rent_fen: int | None = None  # guidance x area, rounded; None when no guidance applies
    guidance_sample: bool = False      # the guidance entry consulted is sample data
    guidance_source: str = ""          # its legal source
    rent_ex_vat_fen: int | None = None  # the period's rent excluding VAT (= its rent when the VAT is exempt)
    vat_divisor: Decimal | None = None  # set when the period's VAT is charged (rent_ex_vat = rent / divisor)
    rent_fen: int | None = None        # the period's rent (None: = taxable_rent_fen, a full period)

    def __post_init__(self):
        if self.rent_fen is None:
            object.__setattr__(self, "rent_fen", self.taxable_rent_fen)

    @property
    def month(self) -> YearMonth:
        return self.period.month

    @property
    def prorated(self) -> bool:
        return self.period.short

    @property
    def vat_charged(self) -> bool:
        return self.vat_divisor is not None

    def to_dict(self) -> dict:
        d: dict[str, Any] = {**self.period.to_dict(), "declared_rent_fen": self.declared_rent_fen,
                             "taxable_rent_fen": self.taxable_rent_fen, "schedule_id": self.schedule_id,
                             "schedule_version": self.schedule_version, "rule_id": self.rule_id, "mode": self.mode}
        if self.period.short:
            d["rent_fen"] = self.rent_fen
        if self.guidance_yuan_per_m2 is not None:
            d["guidance_yuan_per_m2"] = str(self.guidance_yuan_per_m2)
            d["floor_rent_fen"] = self.floor_rent_fen
            d["guidance_sample"] = self.guidance_sample
            d["guidance_source"] = self.guidance_source
        if self.rent_ex_vat_fen is not None:
            d["rent_ex_vat_fen"] = self.rent_ex_vat_fen
        if self.vat_divisor is not None:
            d["vat_divisor"] = str(self.vat_divisor)
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "PeriodBasis":
        g = d.get("guidance_yuan_per_m2")
        v = d.get("vat_divisor")
        return cls(period=_period_of(d), declared_rent_fen=d["declared_rent_fen"],
                   taxable_rent_fen=d["taxable_rent_fen"], schedule_id=d["schedule_id"],
                   schedule_version=d["schedule_version"], rule_id=d["rule_id"], mode=d["mode"],
                   guidance_yuan_per_m2=None if g is None else Decimal(g), floor_rent_fen=d.get("floor_rent_fen"),
                   guidance_sample=bool(d.get("guidance_sample", False)),
                   guidance_source=d.get("guidance_source") or "",
                   rent_ex_vat_fen=d.get("rent_ex_vat_fen"), vat_divisor=None if v is None else Decimal(v),
                   rent_fen=d.get("rent_fen"))


MonthBasis = PeriodBasis  # the name before rent periods


def _period_of(d: dict) -> Period:
    """The period of a stored basis or line: its dates (format 3) or, before, its calendar month."""
    if "start" in d:
        return Period.from_dict(d)
    return Period.of_month(YearMonth.parse(d["month"]))


@dataclass(frozen=True)
class Assessment:
    """The tax of a run of periods. ``months`` holds one :class:`PeriodBasis` per period (the name is
    older than rent periods); ``first`` / ``last`` name the months the first and last periods start in.
    ``period_rule``: ``"rent_period"`` (anchored at the lease's start, :func:`fees.calendar.rent_periods`)
    or ``"calendar_month"`` (records written before rent periods, and :func:`assess`)."""
    facts: LeaseFacts
    first: YearMonth | None
    last: YearMonth | None
    assessed_on: date
    months: tuple[PeriodBasis, ...] = ()
    lines: tuple[AssessmentLine, ...] = ()
    schedules: tuple[dict, ...] = field(default=())  # id, version, titles, mode, sample, status, sources
    repair_cost_fen: int = 0    # repair costs available (entered by the clerk, incl. any carried in)
    repair_carry_fen: int = 0   # what is left after this assessment (carried to the next one)
    period_rule: str = "calendar_month"

    FORMAT = 3   # 1: before the arithmetic figures were stored; 2: calendar months (both read, never written)
    PERIOD_RULES = ("rent_period", "calendar_month")

    @property
    def periods(self) -> tuple[Period, ...]:
        return tuple(m.period for m in self.months)

    @property
    def start(self) -> date | None:
        """The first day taxed (the first period's start)."""
        return self.months[0].period.start if self.months else None

    @property
    def end(self) -> date | None:
        """The last day taxed (the last period's end)."""
        return self.months[-1].period.end if self.months else None

    def span_label(self, lang: str = "zh") -> str:
        from .calendar import span_label
        return span_label(self.start, self.end, lang) if self.months else ""

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
    def repair_used_fen(self) -> int:
        return sum(line.repair_fen or 0 for line in self.lines)

    @property
    def sample(self) -> bool:
        """True when a schedule used, or a guidance rent consulted, is sample data (示例税率: to be
        confirmed with the tax bureau)."""
        return bool(self.sample_sources())

    def sample_sources(self) -> list[tuple[str, str, str]]:
        """The sample data this assessment rests on: ``(kind, label, sources)`` with kind ``schedule``
        (label ``itemised-2023-01 v2``) or ``guidance``; sources are the document numbers it cites."""
        out = [("schedule", f"{s['id']} v{s['version']}", s.get("sources") or "")
               for s in self.schedules if s.get("sample")]
        seen = set()
        for m in self.months:
            if m.guidance_sample and m.guidance_source not in seen:
                seen.add(m.guidance_source)
                out.append(("guidance", f"{self.facts.street_code} / {self.facts.use}", m.guidance_source))
        return out

    def explain(self, lang: str = "zh") -> str:
        from .explain import explain
        return explain(self, lang)

    def to_dict(self) -> dict:
        return {
            "format": self.FORMAT, "facts": self.facts.to_dict(), "period_rule": self.period_rule,
            "first": None if self.first is None else str(self.first),
            "last": None if self.last is None else str(self.last),
            "start": None if self.start is None else self.start.isoformat(),
            "end": None if self.end is None else self.end.isoformat(),
            "assessed_on": self.assessed_on.isoformat(), "schedules": [dict(s) for s in self.schedules],
            "months": [m.to_dict() for m in self.months], "lines": [line.to_dict() for line in self.lines],
            "repair_cost_fen": self.repair_cost_fen, "repair_carry_fen": self.repair_carry_fen,
            "total_fen": self.total_fen,
        }

    @classmethod
    def from_dict(cls, d: dict) -> "Assessment":
        fmt = d.get("format")
        if fmt not in (1, 2, cls.FORMAT):
            raise FeesError(f"unknown assessment format {fmt!r}")
        rule = d.get("period_rule", "calendar_month")
        if rule not in cls.PERIOD_RULES:
            raise FeesError(f"unknown period rule {rule!r}")
        a = cls(facts=LeaseFacts.from_dict(d["facts"]),
                first=None if d.get("first") is None else YearMonth.parse(d["first"]),
                last=None if d.get("last") is None else YearMonth.parse(d["last"]),
                assessed_on=date.fromisoformat(d["assessed_on"]),
                months=tuple(PeriodBasis.from_dict(m) for m in d["months"]),
                lines=tuple(AssessmentLine.from_dict(x, fmt) for x in d["lines"]),
                schedules=tuple(dict(s) for s in d.get("schedules", ())),
                repair_cost_fen=d.get("repair_cost_fen", 0), repair_carry_fen=d.get("repair_carry_fen", 0),
                period_rule=rule)
        if "total_fen" in d and d["total_fen"] != a.total_fen:
            raise FeesError(f"stored total {d['total_fen']} != sum of stored lines {a.total_fen}")
        return a


def _schedule_info(s: RateSchedule) -> dict:
    return {"id": s.id, "version": s.version, "title_zh": s.title_zh, "title_en": s.title_en,
            "mode": s.mode, "sample": s.sample, "status": s.status, "sources": s.sources_label,
            "effective_from": s.effective_from.isoformat(),
            "effective_to": None if s.effective_to is None else s.effective_to.isoformat()}


def assess(facts: LeaseFacts, first: YearMonth, last: YearMonth, assessed_on: date,
           schedules: ScheduleSet, guidance: GuidanceRents | None = None,
           repair_cost_fen: int = 0) -> Assessment:
    """Assess the rental tax of ``facts`` for each calendar month ``first..last`` (inclusive; none when
    ``last < first``). The app taxes rent periods (:func:`assess_periods`); this is the calendar-month
    form of records written before them, of the schedule preview and of many tests."""
    a = assess_periods(facts, month_periods(first, last), assessed_on, schedules, guidance, repair_cost_fen,
                       period_rule="calendar_month")
    return a if a.months else Assessment(facts=facts, first=first, last=last, assessed_on=assessed_on,
                                         repair_cost_fen=a.repair_cost_fen, repair_carry_fen=a.repair_carry_fen,
                                         period_rule="calendar_month")


def assess_periods(facts: LeaseFacts, periods: Iterable[Period], assessed_on: date, schedules: ScheduleSet,
                   guidance: GuidanceRents | None = None, repair_cost_fen: int = 0, *,
                   period_rule: str = "rent_period") -> Assessment:
    """Assess the rental tax of ``facts`` for each of ``periods`` (consecutive, in order; usually
    :func:`fees.calendar.rent_periods` of the lease's term, or a run of them).

    Per period: the schedule, relief and guidance rent in force on its first day; the monthly taxable
    rent (declared, or the guidance floor when higher) decides the thresholds; the period's rent is the
    monthly one, prorated by days when the period is short (:func:`fees.money.prorate_fen`).
    ``repair_cost_fen``: repair costs borne by an individual landlord, from invoices, not yet deducted
    (entered by the clerk); deducted from the income tax base period by period, the rest carried out."""
    if not isinstance(schedules, ScheduleSet):
        schedules = ScheduleSet(schedules)
    if isinstance(repair_cost_fen, bool) or not isinstance(repair_cost_fen, int) or repair_cost_fen < 0:
        raise ValueError(f"repair_cost_fen must be a non-negative int, got {repair_cost_fen!r}")
    if period_rule not in Assessment.PERIOD_RULES:
        raise ValueError(f"period_rule must be one of {Assessment.PERIOD_RULES}, got {period_rule!r}")
    periods = list(periods)
    for before, after in zip(periods, periods[1:]):
        if not after.follows(before):
            raise ValueError(f"periods must be consecutive: {before} then {after}")
        if before.short:
            raise ValueError(f"only the last period can be short: {before}")
    bases: list[PeriodBasis] = []
    lines: list[AssessmentLine] = []
    infos: dict[tuple[str, int], dict] = {}
    repair_left = repair_cost_fen
    for period in periods:
        day = period.start
        sched, rule = schedules.select(day, facts.landlord_kind, facts.use)
        infos.setdefault((sched.id, sched.version), _schedule_info(sched))
        declared = facts.monthly_rent_fen
        g = guidance.lookup(facts.street_code, facts.use, day) if guidance is not None else None
        floor = None
        if g is not None:
            if facts.area_m2 is None:
                raise FeesError(f"a guidance rent applies to street {facts.street_code} / {facts.use} "
                                f"but the lease has no area")
            floor = round_fen(g.yuan_per_m2_month * facts.area_m2)
        taxable = declared if floor is None else max(declared, floor)   # monthly: the thresholds test it
        rent = prorate_fen(taxable, period.days, period.full_days)      # the period's rent
        common = dict(period=period, schedule_id=sched.id, schedule_version=sched.version, rule_id=rule.id)
        divisor = None
        if sched.mode == "comprehensive":
            period_lines = [_comprehensive_line(rule, taxable, rent, day, common)]
            ex_vat = None
        else:
            divisor = _vat_divisor(rule, taxable)
            ex_vat = rent if divisor is None else ex_vat_fen(rent, divisor)
            period_lines, repair_left = _itemised_lines(rule, taxable, rent, ex_vat, divisor, facts.area_m2, period,
                                                        common, repair_left)
        bases.append(PeriodBasis(period=period, declared_rent_fen=declared, taxable_rent_fen=taxable,
                                 schedule_id=sched.id, schedule_version=sched.version, rule_id=rule.id,
                                 mode=sched.mode, guidance_yuan_per_m2=None if g is None else g.yuan_per_m2_month,
                                 floor_rent_fen=floor, guidance_sample=bool(g is not None and g.sample),
                                 guidance_source=g.source if g is not None else "",
                                 rent_ex_vat_fen=ex_vat, vat_divisor=divisor, rent_fen=rent))
        lines.extend(period_lines)
    return Assessment(facts=facts, first=periods[0].month if periods else None,
                      last=periods[-1].month if periods else None, assessed_on=assessed_on, months=tuple(bases),
                      lines=tuple(lines), schedules=tuple(infos.values()), repair_cost_fen=repair_cost_fen,
                      repair_carry_fen=repair_left, period_rule=period_rule)


def _comprehensive_line(rule: Rule, monthly_fen: int, rent_fen: int, day: date, common: dict) -> AssessmentLine:
    band = rule.band_for(monthly_fen)  # the band of the monthly rent; the rate applies to the period's rent
    pct = rule.reduction_percent("comprehensive", day)
    tax = tax_fen(rent_fen, band.rate)
    relief = relief_fen(tax, pct)
    zh, en = ITEM_NAMES["comprehensive"]
    return AssessmentLine(item="comprehensive", name_zh=zh, name_en=en, base_kind="rent", base_fen=rent_fen,
                          rate=band.rate, reduction_percent=pct, tax_fen=tax, relief_fen=relief,
                          amount_fen=tax - relief, source=rule.reduction_source("comprehensive", day), **common)


def _threshold_exempt(item: Item, rent_fen: int) -> str | None:
    if item.exempt:
        return "exempt"
    if item.exempt_up_to_monthly_rent_fen is not None and rent_fen <= item.exempt_up_to_monthly_rent_fen:
        return "threshold"
    return None


def _vat_divisor(rule: Rule, rent_fen: int) -> Decimal | None:
    """The period's VAT divisor (``rent_fen``: the monthly rent) when its VAT is charged; None when exempt or when the rule has no VAT
    (before 营改增): then the rent excluding VAT is the whole rent (财税〔2016〕43号 第五条)."""
    vat = next((i for i in rule.items if i.code == "vat" and i.base == "rent_ex_vat"), None)
    if vat is None or _threshold_exempt(vat, rent_fen) is not None:
        return None
    return vat.vat_divisor


_PASS = {"rent_ex_vat": 0, "rent": 0, "contract_amount": 0, "area": 0, "vat": 1, "business_tax": 1, "iit_rent": 2}


def _itemised_lines(rule: Rule, monthly_fen: int, rent_fen: int, ex_vat: int, divisor: Decimal | None,
                    area: Decimal | None, period: Period, common: dict,
                    repair_left: int) -> tuple[list[AssessmentLine], int]:
    """The items of one period: thresholds on ``monthly_fen``; bases from the period's ``rent_fen`` (and
    ``ex_vat``); the income tax's deduction, ¥4,000 line and repair cap once per period."""
    day = period.start
    amounts: dict[str, int] = {}
    out: dict[str, AssessmentLine] = {}
    for item in sorted(rule.items, key=lambda i: _PASS[i.base]):  # stable: taxes first, surcharges, IIT last
        pct = rule.reduction_percent(item.code, day)
        kw: dict[str, Any] = dict(item=item.code, name_zh=item.name_zh, name_en=item.name_en, base_kind=item.base,
                                  rate=item.rate, reduction_percent=pct,
                                  source=_dedup(item.source + rule.reduction_source(item.code, day)), **common)
        reason = _threshold_exempt(item, monthly_fen)
        if reason == "threshold":
            kw["threshold_fen"] = item.exempt_up_to_monthly_rent_fen
        base = rent_fen
        if item.base == "rent_ex_vat":
            base = ex_vat
            kw["vat_divisor"] = divisor
        elif item.base in ("vat", "business_tax"):
            base = amounts.get(item.base, 0)
            if reason is None and item.base in out and out[item.base].exempt_reason:
                reason = f"{item.base}_exempt"
        elif item.base == "area":
            base = 0
            kw["area_m2"] = area
            if reason is None and area is None:
                raise FeesError(f"item {item.code} is levied by area but the lease has no area")
        elif item.base == "iit_rent":
            if item.assessed_rate is not None:   # 核定征收 on the income excluding VAT (财税〔2016〕43号 第六条)
                kw["rate"] = item.assessed_rate
                base = ex_vat
            elif reason is None:
                taxes = sum(amounts.get(c, 0) for c in item.deduct_items if c != "vat")
                net = max(ex_vat - taxes, 0)
                repair = min(repair_left, item.repair_cap_fen, net)
                repair_left -= repair
                net -= repair
                if net <= item.deduction_threshold_fen:
                    deduction, kind = min(item.fixed_deduction_fen, net), "fixed"
                    base = net - deduction
                else:
                    base = percent_off_fen(net, item.percent_deduction)
                    deduction, kind = net - base, "percent"
                    kw["deduction_rate"] = item.percent_deduction
                kw.update(income_fen=ex_vat, taxes_fen=taxes, repair_fen=repair, deduction_kind=kind,
                          deduction_fen=deduction, deduction_threshold_fen=item.deduction_threshold_fen,
                          repair_cap_fen=item.repair_cap_fen)
        if reason:
            tax = 0
        else:
            tax = area_tax_fen(area, kw["rate"], period.days, period.full_days) if item.base == "area" \
                else tax_fen(base, kw["rate"])
            positive = (area or 0) > 0 if item.base == "area" else base > 0
            if item.min_fen is not None and positive and tax < item.min_fen:
                tax = item.min_fen
                kw["min_fen"] = item.min_fen
        relief = relief_fen(tax, pct)
        amounts[item.code] = tax - relief
        out[item.code] = AssessmentLine(base_fen=base, tax_fen=tax, relief_fen=relief, amount_fen=tax - relief,
                                        exempt_reason=reason, **kw)
    return [out[i.code] for i in rule.items], repair_left


def _dedup(values: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(values))
