"""The breakdown of an assessment as it is shown and printed: every line with its arithmetic.

:func:`breakdown` groups an :class:`~fees.Assessment`'s lines per item over consecutive periods whose
computation is identical (same base, rate, tax, relief, schedule...), so that a twelve-period receipt has
one row per item, and a schedule or relief change inside a collection shows as a new row from the period
it takes effect. A short (prorated) last period has its own row. Each :class:`BreakdownRow` reads, left
to right, as the arithmetic of :mod:`fees.money`::

    base x rate = tax;  tax - relief (percent) = each period;  each period x periods = amount

Exempt items are listed apart (:attr:`Breakdown.exempt`), and the figures a base is derived from are
notes (:meth:`Breakdown.notes`): the prorated rent of a short period (monthly rent x days / days of the
full period), the rent excluding VAT, the guidance floor, the income tax base (income - taxes - repair
costs - ¥800 / 20 %). :meth:`Breakdown.problems` recomputes every row and note from its printed
figures (empty when everything adds up; the tests and the receipt use it).

:func:`quote_json` is the machine form, per period and item, with yuan as strings (``counter tax
quote``).
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from .calendar import Period, span_label
from .explain import num, pct
from .money import area_tax_fen, fen_to_yuan, percent_off_fen, prorate_fen, relief_fen, tax_fen

__all__ = ["BreakdownRow", "ExemptRow", "Breakdown", "breakdown", "quote_json", "yuan"]


def yuan(fen: int | None) -> str:
    """``1234567 -> "12,345.67"`` (no currency sign: the printed tables say 元 in their heading)."""
    return "" if fen is None else f"{fen_to_yuan(fen):,}"


def _span(first: Period, last: Period, lang: str) -> str:
    """The dates from the first period's start to the last one's end: ``2024-03-15至2024-06-14``."""
    return span_label(first.start, last.end, lang)


@dataclass(frozen=True)
class BreakdownRow:
    item: str
    name_zh: str
    name_en: str
    first: Period              # the row's first period
    last: Period               # and its last (a short period is a row of its own)
    count: int                 # periods in the row
    base_kind: str
    base_fen: int
    rate: Decimal
    area_m2: Decimal | None
    tax_fen: int | None        # None: a record written before the figures were stored (amount only)
    reduction_percent: Decimal
    relief_fen: int | None
    each_fen: int              # amount of one period = tax - relief
    amount_fen: int            # each x count
    schedule_id: str
    schedule_version: int
    min_fen: int | None = None
    income_fen: int | None = None
    taxes_fen: int | None = None
    repair_fen: int | None = None
    deduction_kind: str | None = None
    deduction_fen: int | None = None
    deduction_rate: Decimal | None = None
    deduction_threshold_fen: int | None = None
    assessed: bool = False     # income tax at an assessed rate (核定征收)

    def name(self, lang: str) -> str:
        return self.name_en if lang == "en" else self.name_zh

    def period(self, lang: str = "zh") -> str:
        return _span(self.first, self.last, lang)

    @property
    def legacy(self) -> bool:
        return self.tax_fen is None

    @property
    def prorated(self) -> bool:
        """The row is a short period (its base comes from the prorated rent, see the notes)."""
        return self.last.short

    @property
    def days_label(self) -> str:
        """``16/30`` (days of the full period) for a short period, else empty."""
        return f"{self.last.days}/{self.last.full_days}" if self.prorated else ""

    @property
    def base_label(self) -> str:
        return f"{self.area_m2} m²" if self.base_kind == "area" else yuan(self.base_fen)

    @property
    def rate_label(self) -> str:
        return f"{num(self.rate)}/m²" if self.base_kind == "area" else pct(self.rate)

    @property
    def relief_label(self) -> str:
        return f"{num(self.reduction_percent)}%" if self.reduction_percent else ""

    @property
    def net_fen(self) -> int | None:
        return None if self.income_fen is None else self.base_fen + (self.deduction_fen or 0)

    def iit_note(self, lang: str = "zh") -> str | None:
        """How the income tax base was reached: ``应纳税所得额 = (收入 − 税费 − 修缮费用) × (1 − 20%)``."""
        if self.income_fen is None:
            return None
        zh = lang != "en"
        terms = (f"{'收入' if zh else 'income'} {yuan(self.income_fen)} − {'税费' if zh else 'taxes'} "
                 f"{yuan(self.taxes_fen)} − {'修缮费用' if zh else 'repairs'} {yuan(self.repair_fen)}")
        head = (f"{self.name(lang)}（{self.period(lang)}）应纳税所得额 = " if zh
                else f"{self.name(lang)} ({self.period(lang)}) taxable income = ")
        if self.deduction_kind == "fixed":
            return f"{head}{terms} − {yuan(self.deduction_fen)} = {yuan(self.base_fen)}"
        return f"{head}({terms}) × (1 − {pct(self.deduction_rate or Decimal('0.2'))}) = {yuan(self.base_fen)}"

    def problems(self) -> list[str]:
        """The row recomputed from its own figures, as a reader of the receipt would: empty if it adds up."""
        out = []
        if self.legacy:
            return out if self.each_fen * self.count == self.amount_fen else [f"{self.item}: periods x each"]
        tax = area_tax_fen(self.area_m2, self.rate, self.last.days, self.last.full_days) \
            if self.base_kind == "area" else tax_fen(self.base_fen, self.rate)
        if self.min_fen is not None and tax < self.min_fen:
            tax = self.min_fen
        if tax != self.tax_fen:
            out.append(f"{self.item} {self.period()}: {self.base_label} x {self.rate_label} != {yuan(self.tax_fen)}")
        if relief_fen(self.tax_fen, self.reduction_percent) != self.relief_fen:
            out.append(f"{self.item} {self.period()}: relief {self.relief_label} of {yuan(self.tax_fen)}")
        if self.tax_fen - self.relief_fen != self.each_fen or self.each_fen * self.count != self.amount_fen:
            out.append(f"{self.item} {self.period()}: tax - relief, x periods")
        if self.income_fen is not None:
            net = max(self.income_fen - self.taxes_fen - self.repair_fen, 0)
            base = net - self.deduction_fen if self.deduction_kind == "fixed" else \
                percent_off_fen(net, self.deduction_rate or Decimal("0.2"))
            if net != self.net_fen or base != self.base_fen:
                out.append(f"{self.item} {self.period()}: income tax base")
        return out


@dataclass(frozen=True)
class ExemptRow:
    item: str
    name_zh: str
    name_en: str
    reason: str                 # "exempt" | "threshold" | "vat_exempt" | "business_tax_exempt"
    threshold_fen: int | None
    first: Period
    last: Period


_REASON = {
    "zh": {"exempt": "依规定免征", "threshold": "月租金 ≤ {t}，免征", "vat_exempt": "增值税免征，随之免征",
           "business_tax_exempt": "营业税免征，随之免征"},
    "en": {"exempt": "exempt by rule", "threshold": "exempt: monthly rent ≤ {t}", "vat_exempt": "exempt with the VAT",
           "business_tax_exempt": "exempt with the business tax"},
}


@dataclass(frozen=True)
class Breakdown:
    rows: tuple[BreakdownRow, ...]
    exempt: tuple[ExemptRow, ...]
    total_fen: int
    sample: bool
    months: tuple = ()          # the assessment's MonthBasis
    repair_cost_fen: int = 0
    repair_used_fen: int = 0
    repair_carry_fen: int = 0
    area_m2: Decimal | None = None

    def exempt_notes(self, lang: str = "zh") -> list[str]:
        """``增值税、城市维护建设税（月租金 ≤ 100,000.00，免征，2024-06-15至2024-07-14）``, one per reason and
        span (the span is left out when it is the whole assessment's)."""
        groups: dict[tuple, list[str]] = {}
        for e in self.exempt:
            key = (e.reason, e.threshold_fen, e.first, e.last)
            groups.setdefault(key, []).append(e.name_en if lang == "en" else e.name_zh)
        whole = (self.months[0].period, self.months[-1].period) if self.months else None
        out = []
        for (reason, threshold, first, last), names in groups.items():
            why = _REASON["en" if lang == "en" else "zh"][reason].format(t=yuan(threshold or 0))
            if (first, last) != whole:
                why += (", " if lang == "en" else "，") + _span(first, last, lang)
            out.append(f"{', '.join(names)} ({why})" if lang == "en" else f"{'、'.join(names)}（{why}）")
        return out

    def notes(self, lang: str = "zh") -> list[str]:
        """The figures the bases come from: guidance floor, the prorated rent of a short period, rent
        excluding VAT, income tax base, repairs."""
        zh = lang != "en"
        out: list[str] = []
        for first, last, m in _period_spans(self.months, _floor_key):
            span = _span(first, last, lang)
            if m.floor_rent_fen is not None and m.floor_rent_fen > m.declared_rent_fen:
                area = f"{self.area_m2} m²"
                out.append(f"计税租金（{span}）= 指导租金 {num(m.guidance_yuan_per_m2)}/m² × {area} = "
                           f"{yuan(m.floor_rent_fen)}，高于申报租金 {yuan(m.declared_rent_fen)}"
                           + ("（示例数据）" if m.guidance_sample else "") if zh else
                           f"Taxable rent ({span}) = guidance {num(m.guidance_yuan_per_m2)}/m² × {area} = "
                           f"{yuan(m.floor_rent_fen)}, above the declared {yuan(m.declared_rent_fen)}"
                           + (" (sample data)" if m.guidance_sample else ""))
        out.extend(prorate_note(m, lang) for m in self.months if m.prorated)
        for first, last, m in _period_spans(self.months, _vat_key):
            span = _span(first, last, lang)
            if m.vat_divisor is not None and m.rent_ex_vat_fen is not None:
                out.append(f"不含增值税租金（{span}）= {yuan(m.rent_fen)} ÷ {num(m.vat_divisor)} = "
                           f"{yuan(m.rent_ex_vat_fen)}" if zh else
                           f"Rent excluding VAT ({span}) = {yuan(m.rent_fen)} ÷ {num(m.vat_divisor)} = "
                           f"{yuan(m.rent_ex_vat_fen)}")
        out.extend(n for n in (r.iit_note(lang) for r in self.rows) if n)
        if self.repair_cost_fen:
            out.append(f"修缮费用：可扣除 {yuan(self.repair_cost_fen)}，本次扣除 {yuan(self.repair_used_fen)}，"
                       f"结转 {yuan(self.repair_carry_fen)}" if zh else
                       f"Repair costs: {yuan(self.repair_cost_fen)} available, {yuan(self.repair_used_fen)} "
                       f"deducted, {yuan(self.repair_carry_fen)} carried forward")
        return out

    def problems(self) -> list[str]:
        out = [p for r in self.rows for p in r.problems()]
        if sum(r.amount_fen for r in self.rows) != self.total_fen:
            out.append("the rows do not add up to the total")
        for m in self.months:
            if m.prorated and prorate_fen(m.taxable_rent_fen, m.period.days, m.period.full_days) != m.rent_fen:
                out.append(f"{m.period}: the prorated rent")
        return out


def prorate_note(m, lang: str = "zh") -> str:
    """``租金（2024-06-15至2024-06-30，不足一期，按日折算）= 3,500.00 × 16 ÷ 30 = 1,866.67`` (a short period)."""
    p = m.period
    if lang != "en":
        return (f"租金（{p.label('zh')}，不足一期，按日折算）= 月租金 {yuan(m.taxable_rent_fen)} × {p.days} ÷ "
                f"{p.full_days} = {yuan(m.rent_fen)}")
    return (f"Rent ({p.label('en')}, a short period prorated by days) = monthly {yuan(m.taxable_rent_fen)} × "
            f"{p.days} ÷ {p.full_days} = {yuan(m.rent_fen)}")


def _floor_key(m):
    return m.declared_rent_fen, m.floor_rent_fen, m.guidance_yuan_per_m2, m.guidance_sample


def _vat_key(m):
    return m.rent_fen, m.vat_divisor, m.rent_ex_vat_fen


def _period_spans(months, key_of):
    """Consecutive periods whose ``key_of(basis)`` is the same, as (first, last, basis)."""
    out = []
    for m in months:
        key = key_of(m)
        if out and out[-1][3] == key and m.period.follows(out[-1][1]):
            out[-1][1] = m.period
        else:
            out.append([m.period, m.period, m, key])
    return [(a, b, m) for a, b, m, _k in out]


# rows with the same arithmetic merge, whatever document they cite and whichever dates they cover
_SIGNATURE_SKIP = {"start", "end", "source"}


def breakdown(a) -> Breakdown:
    """Group the lines of assessment ``a`` per item over consecutive identical periods (see the module)."""
    by_item: dict[str, list] = {}
    for line in a.lines:
        by_item.setdefault(line.item, []).append(line)
    rows: list[BreakdownRow] = []
    exempt: list[ExemptRow] = []
    for item, lines in by_item.items():
        runs: list[list] = []
        for line in lines:
            if line.exempt_reason:  # an exempt item: one note over the periods it is exempt for, short or not
                sig = ("exempt", line.exempt_reason, line.threshold_fen)
            else:
                sig = tuple(sorted((k, str(v)) for k, v in line.to_dict().items() if k not in _SIGNATURE_SKIP))
            if runs and runs[-1][0] == sig and line.period.follows(runs[-1][2]):
                runs[-1][2] = line.period
                runs[-1][3] += 1
            else:
                runs.append([sig, line, line.period, 1])
        for _sig, line, last, count in runs:
            if line.exempt_reason:
                exempt.append(ExemptRow(item=item, name_zh=line.name_zh, name_en=line.name_en,
                                        reason=line.exempt_reason, threshold_fen=line.threshold_fen,
                                        first=line.period, last=last))
                continue
            rows.append(BreakdownRow(
                item=item, name_zh=line.name_zh, name_en=line.name_en, first=line.period, last=last, count=count,
                base_kind=line.base_kind, base_fen=line.base_fen, rate=line.rate, area_m2=line.area_m2,
                tax_fen=line.tax_fen, reduction_percent=line.reduction_percent, relief_fen=line.relief_fen,
                each_fen=line.amount_fen, amount_fen=line.amount_fen * count, schedule_id=line.schedule_id,
                schedule_version=line.schedule_version, min_fen=line.min_fen, income_fen=line.income_fen,
                taxes_fen=line.taxes_fen, repair_fen=line.repair_fen, deduction_kind=line.deduction_kind,
                deduction_fen=line.deduction_fen, deduction_rate=line.deduction_rate,
                deduction_threshold_fen=line.deduction_threshold_fen,
                assessed=line.base_kind == "iit_rent" and line.income_fen is None))
    rows.sort(key=lambda r: (r.first, list(by_item).index(r.item)))
    return Breakdown(rows=tuple(rows), exempt=tuple(exempt), total_fen=a.total_fen, sample=a.sample,
                     months=tuple(a.months), repair_cost_fen=a.repair_cost_fen, repair_used_fen=a.repair_used_fen,
                     repair_carry_fen=a.repair_carry_fen, area_m2=a.facts.area_m2)


def _y(fen: int | None) -> str | None:
    return None if fen is None else str(fen_to_yuan(fen))


def quote_json(a) -> dict:
    """The breakdown of ``a`` per period and item, yuan as strings (``"2857.14"``), for ``counter tax quote``.

    Per period: ``start`` and ``end`` (dates), ``period`` (the month it starts in, which names it),
    ``days`` / ``full_days`` and ``prorated`` (a short last period), ``declared_rent`` and
    ``taxable_rent`` (monthly: the thresholds test it), ``period_rent`` (prorated for a short period),
    ``rent_ex_vat`` (of the period's rent), ``vat_charged``, ``guidance_floor``, ``schedule``.

    Per item: ``base`` (the figure the rate multiplies), ``rate`` (a fraction, ``"0.04"``; yuan/m² for
    area items), ``tax`` (base x rate), ``relief_percent`` and ``relief`` (yuan), ``deduction`` (income
    tax: everything deducted from the income to reach the base, i.e. taxes + repair costs + ¥800 / 20 %;
    otherwise ``"0.00"``) and ``amount`` (tax - relief); ``exempt`` is the reason or null."""
    lines_by_period: dict = {}
    for line in a.lines:
        lines_by_period.setdefault(line.period.start, []).append(line)
    periods = []
    for m in a.months:
        items = []
        for line in lines_by_period.get(m.period.start, []):
            d = {"item": line.item, "name_zh": line.name_zh, "name_en": line.name_en, "base_kind": line.base_kind,
                 "base": _y(line.base_fen), "rate": str(line.rate), "tax": _y(line.tax_fen),
                 "relief_percent": str(line.reduction_percent), "relief": _y(line.relief_fen),
                 "deduction": _y((line.income_fen - line.base_fen) if line.income_fen is not None else 0),
                 "amount": _y(line.amount_fen), "exempt": line.exempt_reason,
                 "source": list(line.source)}
            if line.base_kind == "area":
                d["area_m2"] = None if line.area_m2 is None else str(line.area_m2)
            if line.income_fen is not None:
                d.update(income=_y(line.income_fen), taxes=_y(line.taxes_fen), repair=_y(line.repair_fen),
                         deduction_kind=line.deduction_kind, standard_deduction=_y(line.deduction_fen))
            items.append(d)
        periods.append({
            "period": str(m.month), "start": m.period.start.isoformat(), "end": m.period.end.isoformat(),
            "days": m.period.days, "full_days": m.period.full_days, "prorated": m.prorated,
            "declared_rent": _y(m.declared_rent_fen), "taxable_rent": _y(m.taxable_rent_fen),
            "period_rent": _y(m.rent_fen),
            "rent_ex_vat": _y(m.rent_ex_vat_fen), "vat_charged": m.vat_charged,
            "guidance_floor": _y(m.floor_rent_fen), "schedule": f"{m.schedule_id} v{m.schedule_version}",
            "items": items, "total": _y(sum(x.amount_fen for x in lines_by_period.get(m.period.start, []))),
        })
    return {
        "facts": a.facts.to_dict(), "assessed_on": a.assessed_on.isoformat(), "period_rule": a.period_rule,
        "first": None if a.first is None else str(a.first), "last": None if a.last is None else str(a.last),
        "start": None if a.start is None else a.start.isoformat(), "end": None if a.end is None else a.end.isoformat(),
        "schedules": [{"id": s["id"], "version": s["version"], "status": s.get("status", "sample"),
                       "sources": s.get("sources", "")} for s in a.schedules],
        "sample": a.sample,
        "periods": periods,
        "items": [{"item": i.item, "name_zh": i.name_zh, "name_en": i.name_en, "amount": _y(i.amount_fen)}
                  for i in a.items],
        "repair_cost": _y(a.repair_cost_fen), "repair_carry": _y(a.repair_carry_fen),
        "total": _y(a.total_fen),
    }
