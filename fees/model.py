"""Rate schedules: the data the engine computes with.

A :class:`RateSchedule` is pure data. It is written in TOML (shipped samples in
``fees/schedules/*.toml``) or stored as JSON in the app's DB
(:meth:`RateSchedule.to_dict` / :meth:`RateSchedule.from_dict`, same shape as the
TOML). :func:`validate_schedule` returns human-readable errors for the admin's
edit form: each is a :class:`fees.errors.ScheduleProblem` - the English message
(a ``str``) carrying the Chinese one in ``.zh``; :func:`validate_schedule_localized`
gives them in one language. TOML / JSON syntax errors become problems with the
line and column through :func:`toml_problem` / :func:`json_problem`.

Dict / TOML shape
-----------------
* ``id`` (slug), ``version`` (int >= 1), ``title_zh``, ``title_en``,
  ``effective_from`` (date), ``effective_to`` (date or absent; **inclusive**),
  ``mode`` (``itemised`` | ``comprehensive``), ``priority`` (int, default 0),
  ``use_mapping`` (use -> ``residential`` | ``non_residential``; uses not listed fall back to
  :data:`fees.uses.DEFAULT_USE_MAPPING`), ``rules`` (list).
* **Provenance**: ``status`` = ``"sample"`` (rates written by the developers, to be confirmed with the tax
  bureau; the default when absent) or ``"confirmed"`` (the office checked every rate against its legal
  source); ``sources`` = a list of tables, one per legal document: ``document`` (the document number,
  e.g. ``"财税〔2016〕43号"``), ``title``, ``date`` (issue date), ``covers`` (what the schedule takes from it),
  ``evidence`` (how the text was seen: ``"official"`` - checked against the published text;
  ``"third_party"`` - the rule's text seen quoted by third-party pages; ``"unverified"`` - the default: the
  number is cited from memory or by others, the text was not seen) and ``note``. A ``confirmed`` schedule
  must list at least one source and every source must have a date and ``evidence = "official"``.
  ``sample`` (bool) is derived from ``status`` (``sample = status == "sample"``); when given it must agree.
  Items and reductions may name the documents they follow (``source = "财税〔2008〕24号"`` or a list):
  each must be one of the schedule's ``sources``.
* A rule: ``id``, ``landlord_kind`` (``individual`` | ``organization``),
  ``category`` (``residential`` | ``non_residential``), ``reductions`` (list),
  and either ``items`` (itemised) or ``bands`` (comprehensive).
* Rates are strings: ``"0.015"`` or ``"1.5%"`` (both mean 1.5 %); never floats.
  Money is integer fen (``*_fen``). Dates are TOML dates or ISO strings.
* Item: ``code``, ``base`` (see below), ``rate`` (for base ``area`` the rate is
  yuan per m2 per month, e.g. ``"0.5"``), optional ``name_zh``/``name_en`` (default
  from :data:`ITEM_NAMES`), ``exempt_up_to_monthly_rent_fen`` (item exempt when the
  taxable monthly rent is **<=** this - inclusive, as in "<= ¥100,000 is exempt"),
  ``min_fen`` (minimum tax per period, applied before the relief), ``exempt`` (true:
  always exempt, a line of 0 is still shown), ``source`` (documents, see above).
* Bases (:data:`BASE_KINDS`; the rules are in :mod:`fees.money`):
  ``rent_ex_vat`` - the rent excluding VAT: rent / ``vat_divisor`` (default
  ``"1.05"``, taken from the rule's ``vat`` item) when the period's VAT is charged,
  the whole rent when it is exempt or there is no VAT item (财税〔2016〕43号); VAT,
  property tax. ``rent`` - the whole taxable rent (business tax before 2016-05,
  comprehensive rates). ``contract_amount`` - the period's share of the contract
  amount, the rent as written in the contract (stamp duty). ``vat`` /
  ``business_tax`` - the VAT / business tax levied in the period (surcharges).
  ``area`` - the rented area. ``iit_rent`` - individuals' income tax: ``assessed_rate``
  (核定征收: rate x rent, no deductions), ``deduct_items`` (taxes levied in the
  same period deducted from the income; default :data:`DEFAULT_IIT_DEDUCT`),
  ``fixed_deduction_fen`` (80000 = ¥800), ``deduction_threshold_fen`` (400000 =
  ¥4,000; the fixed deduction applies when the net income is **<=** this, otherwise
  ``percent_deduction``), ``percent_deduction`` (``"20%"``), ``repair_cap_fen``
  (repair costs deductible per period, default 80000 = ¥800, 国税发〔1994〕89号).
  The VAT is never deducted (the income is the rent excluding VAT, 财税〔2016〕43号
  第四条): ``"vat"`` in ``deduct_items`` is ignored.
* Band (comprehensive): ``up_to_fen`` (**inclusive** upper bound of the monthly
  rent, absent on the last band) and ``rate``. Bands must ascend. "under ¥5,000"
  is written ``up_to_fen = 499999``; "¥5,000-20,000" ``up_to_fen = 2000000``.
  The band's rate applies to the whole rent (not marginally).
* Reduction: ``items`` (codes), ``percent`` (0-100, e.g. ``"50"``), ``from``,
  ``to`` (dates, inclusive). A month is reduced when **the month's first day**
  lies within [from, to]. When several reductions cover an item in a month the
  largest percent applies (they are not added).
"""
from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, NamedTuple

from .errors import ScheduleError, ScheduleProblem
from .uses import CATEGORIES, DEFAULT_USE_MAPPING, LANDLORD_KINDS, USES

__all__ = [
    "ITEM_NAMES", "ITEM_CODES", "BASE_KINDS", "MODES", "STATUSES", "EVIDENCE", "Item", "Band", "Reduction", "Rule",
    "Source", "sources_label",
    "RateSchedule", "validate_schedule", "validate_schedule_localized", "validate_provenance", "schedules_from_toml",
    "parse_rate",
    "toml_problem", "json_problem",
]

ITEM_NAMES: dict[str, tuple[str, str]] = {
    "vat": ("增值税", "VAT"),
    "business_tax": ("营业税", "Business tax"),
    "urban_construction": ("城市维护建设税", "Urban maintenance and construction tax"),
    "education_surcharge": ("教育费附加", "Education surcharge"),
    "local_education_surcharge": ("地方教育附加", "Local education surcharge"),
    "property_tax": ("房产税", "Property tax"),
    "stamp_duty": ("印花税", "Stamp duty"),
    "individual_income_tax": ("个人所得税", "Individual income tax"),
    "land_use_tax": ("城镇土地使用税", "Urban land use tax"),
    "comprehensive": ("综合征收", "Comprehensive levy"),
}
ITEM_CODES = tuple(ITEM_NAMES)
BASE_KINDS = ("rent_ex_vat", "vat", "business_tax", "rent", "contract_amount", "iit_rent", "area")
MODES = ("itemised", "comprehensive")
# Taxes levied on the rental that income tax deducts (国税函〔2009〕639号 第三条: 财产租赁过程中缴纳的税费,
# stamp duty included); never the VAT (财税〔2016〕43号 第四条); the business tax before 营改增.
DEFAULT_IIT_DEDUCT = ("business_tax", "urban_construction", "education_surcharge", "local_education_surcharge",
                      "property_tax", "stamp_duty")
STATUSES = ("sample", "confirmed")
EVIDENCE = ("official", "third_party", "unverified")
_SLUG = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")
_P = ScheduleProblem  # every validation message: English (the str) + Chinese (.zh)


def parse_rate(value: Any, cap: bool = True) -> Decimal:
    """``"1.5%"`` -> 0.015, ``"0.015"`` -> 0.015, Decimal as is. Floats are refused.

    With ``cap`` (the default) the rate must lie in 0..1; ``cap=False`` is for
    ``area`` items whose rate is yuan per m2 per month.
    """
    if isinstance(value, Decimal):
        d = value
    elif isinstance(value, str):
        text = value.strip()
        pct = text.endswith("%")
        try:
            d = Decimal(text[:-1].strip() if pct else text)
        except InvalidOperation:
            raise ValueError(_P(f"not a rate: {value!r}",
                                f"不是有效的税率：{value!r}（应写作 \"1.5%\" 或 \"0.015\"）")) from None
        if pct:
            d = d / 100
    elif isinstance(value, int) and not isinstance(value, bool) and value in (0, 1):
        d = Decimal(value)
    else:
        raise ValueError(_P(f"rate must be a string like \"1.5%\" or \"0.015\", got {value!r}",
                            f"税率须写成带引号的字符串，如 \"1.5%\" 或 \"0.015\"（不能写成不带引号的小数），"
                            f"实际为 {value!r}"))
    if not d.is_finite() or d < 0 or (cap and d > 1):
        if cap:
            raise ValueError(_P(f"rate out of range 0..100 %: {value!r}", f"税率须在 0 至 100% 之间，实际为 {value!r}"))
        raise ValueError(_P(f"rate must be a non-negative number: {value!r}",
                            f"单价（元/平方米/月）须为非负数，实际为 {value!r}"))
    return d


def _parse_percent(value: Any) -> Decimal:
    if isinstance(value, (bool, float)) or not isinstance(value, (str, int, Decimal)):
        raise ValueError(_P(f"percent must be a string or int, got {value!r}",
                            f"percent（减免比例）须写成字符串或整数，如 \"50\"，实际为 {value!r}"))
    try:
        d = Decimal(str(value).strip().rstrip("%"))
    except InvalidOperation:
        raise ValueError(_P(f"not a percent: {value!r}",
                            f"percent（减免比例）不是有效的数字：{value!r}")) from None
    if not d.is_finite() or d < 0 or d > 100:
        raise ValueError(_P(f"percent out of range 0..100: {value!r}",
                            f"percent（减免比例）须在 0 至 100 之间，实际为 {value!r}"))
    return d


def _parse_date(value: Any) -> date:
    if isinstance(value, date) and not hasattr(value, "hour"):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ValueError(_P(f"not a date (YYYY-MM-DD): {value!r}",
                        "缺少日期（格式为 YYYY-MM-DD）" if value is None
                        else f"不是有效的日期（格式为 YYYY-MM-DD）：{value!r}"))


def _fen(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(_P(f"{what} must be a non-negative integer number of fen, got {value!r}",
                            f"{what} 须为非负整数（单位：分），实际为 {value!r}"))
    return value


def _rate_str(d: Decimal) -> str:
    return str(d.normalize()) if d != 0 else "0"


@dataclass(frozen=True)
class Item:
    code: str
    base: str
    rate: Decimal
    name_zh: str = ""
    name_en: str = ""
    exempt_up_to_monthly_rent_fen: int | None = None
    min_fen: int | None = None
    exempt: bool = False
    assessed_rate: Decimal | None = None
    deduct_items: tuple[str, ...] = DEFAULT_IIT_DEDUCT
    fixed_deduction_fen: int = 80000
    deduction_threshold_fen: int = 400000
    percent_deduction: Decimal = Decimal("0.2")
    vat_divisor: Decimal = Decimal("1.05")
    repair_cap_fen: int = 80000
    source: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        d: dict[str, Any] = {"code": self.code, "name_zh": self.name_zh, "name_en": self.name_en,
                             "base": self.base, "rate": _rate_str(self.rate)}
        if self.exempt_up_to_monthly_rent_fen is not None:
            d["exempt_up_to_monthly_rent_fen"] = self.exempt_up_to_monthly_rent_fen
        if self.min_fen is not None:
            d["min_fen"] = self.min_fen
        if self.exempt:
            d["exempt"] = True
        if self.base == "iit_rent":
            if self.assessed_rate is not None:
                d["assessed_rate"] = _rate_str(self.assessed_rate)
            d["deduct_items"] = list(self.deduct_items)
            d["fixed_deduction_fen"] = self.fixed_deduction_fen
            d["deduction_threshold_fen"] = self.deduction_threshold_fen
            d["percent_deduction"] = _rate_str(self.percent_deduction)
            d["repair_cap_fen"] = self.repair_cap_fen
        if self.base == "rent_ex_vat":
            d["vat_divisor"] = str(self.vat_divisor)
        if self.source:
            d["source"] = list(self.source)
        return d

    @classmethod
    def _from_dict(cls, d: dict) -> "Item":
        code = d["code"]
        names = ITEM_NAMES.get(code, (code, code))
        kw: dict[str, Any] = dict(
            code=code, base=d["base"], rate=parse_rate(d.get("rate", "0"), cap=d["base"] != "area"),
            name_zh=d.get("name_zh") or names[0], name_en=d.get("name_en") or names[1],
            exempt=bool(d.get("exempt", False)),
        )
        if d.get("exempt_up_to_monthly_rent_fen") is not None:
            kw["exempt_up_to_monthly_rent_fen"] = _fen(d["exempt_up_to_monthly_rent_fen"], "exempt_up_to_monthly_rent_fen")
        if d.get("min_fen") is not None:
            kw["min_fen"] = _fen(d["min_fen"], "min_fen")
        if d.get("assessed_rate") is not None:
            kw["assessed_rate"] = parse_rate(d["assessed_rate"])
        if "deduct_items" in d:
            kw["deduct_items"] = tuple(d["deduct_items"])
        for k in ("fixed_deduction_fen", "deduction_threshold_fen", "repair_cap_fen"):
            if k in d:
                kw[k] = _fen(d[k], k)
        kw["source"] = _sources_of(d.get("source"))
        if "percent_deduction" in d:
            kw["percent_deduction"] = parse_rate(d["percent_deduction"])
        if "vat_divisor" in d:
            v = Decimal(str(d["vat_divisor"]))
            if not v.is_finite() or v < 1:
                raise ValueError(_P(f"vat_divisor must be >= 1, got {d['vat_divisor']!r}",
                                    f"vat_divisor 须为不小于 1 的数，实际为 {d['vat_divisor']!r}"))
            kw["vat_divisor"] = v
        return cls(**kw)


@dataclass(frozen=True)
class Band:
    rate: Decimal
    up_to_fen: int | None = None  # inclusive upper bound; None = no upper bound

    def to_dict(self) -> dict:
        d: dict[str, Any] = {"rate": _rate_str(self.rate)}
        if self.up_to_fen is not None:
            d["up_to_fen"] = self.up_to_fen
        return d


@dataclass(frozen=True)
class Reduction:
    items: tuple[str, ...]
    percent: Decimal
    date_from: date
    date_to: date
    source: tuple[str, ...] = ()

    def applies(self, item_code: str, month_first_day: date) -> bool:
        return item_code in self.items and self.date_from <= month_first_day <= self.date_to

    def to_dict(self) -> dict:
        d: dict[str, Any] = {"items": list(self.items), "percent": str(self.percent),
                             "from": self.date_from.isoformat(), "to": self.date_to.isoformat()}
        if self.source:
            d["source"] = list(self.source)
        return d


@dataclass(frozen=True)
class Source:
    """A legal source of a schedule or guidance table (document number, date, how its text was seen)."""
    document: str
    title: str = ""
    date: date | None = None
    covers: str = ""
    evidence: str = "unverified"
    note: str = ""

    def to_dict(self) -> dict:
        d: dict[str, Any] = {"document": self.document}
        if self.title:
            d["title"] = self.title
        if self.date is not None:
            d["date"] = self.date.isoformat()
        if self.covers:
            d["covers"] = self.covers
        d["evidence"] = self.evidence
        if self.note:
            d["note"] = self.note
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "Source":
        return cls(document=str(d["document"]).strip(), title=str(d.get("title") or ""),
                   date=_parse_date(d["date"]) if d.get("date") is not None else None,
                   covers=str(d.get("covers") or ""), evidence=d.get("evidence") or "unverified",
                   note=str(d.get("note") or ""))

    @property
    def label(self) -> str:
        """``财税〔2016〕43号（2016-04-25）``"""
        return f"{self.document}（{self.date.isoformat()}）" if self.date else self.document


def sources_label(sources) -> str:
    """The documents of a provenance, for a list or a message: ``财税〔2016〕43号（2016-04-25）；...``."""
    return "；".join(s.label for s in sources)


def _sources_of(value: Any) -> tuple[str, ...]:
    """An item's or reduction's ``source``: a document number or a list of them."""
    if value is None or value == "":
        return ()
    if isinstance(value, str):
        return (value.strip(),)
    return tuple(str(v).strip() for v in value)


@dataclass(frozen=True)
class Rule:
    id: str
    landlord_kind: str
    category: str
    items: tuple[Item, ...] = ()
    bands: tuple[Band, ...] = ()
    reductions: tuple[Reduction, ...] = ()

    def reduction_percent(self, item_code: str, month_first_day: date) -> Decimal:
        pcts = [r.percent for r in self.reductions if r.applies(item_code, month_first_day)]
        return max(pcts) if pcts else Decimal(0)

    def reduction_source(self, item_code: str, month_first_day: date) -> tuple[str, ...]:
        """The documents of the reduction applied to ``item_code`` in the month (the largest percent)."""
        reds = [r for r in self.reductions if r.applies(item_code, month_first_day)]
        return max(reds, key=lambda r: r.percent).source if reds else ()

    def band_for(self, rent_fen: int) -> Band:
        for b in self.bands:
            if b.up_to_fen is None or rent_fen <= b.up_to_fen:
                return b
        raise ScheduleError([_P(f"rule {self.id}: no band covers rent {rent_fen} fen",
                                f"规则 {self.id}：没有适用于月租金 {rent_fen} 分的档次（bands）")])

    def to_dict(self) -> dict:
        d: dict[str, Any] = {"id": self.id, "landlord_kind": self.landlord_kind, "category": self.category}
        if self.items:
            d["items"] = [i.to_dict() for i in self.items]
        if self.bands:
            d["bands"] = [b.to_dict() for b in self.bands]
        d["reductions"] = [r.to_dict() for r in self.reductions]
        return d


@dataclass(frozen=True)
class RateSchedule:
    id: str
    version: int
    title_zh: str
    title_en: str
    effective_from: date
    effective_to: date | None
    mode: str
    sample: bool
    use_mapping: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_USE_MAPPING))
    rules: tuple[Rule, ...] = ()
    priority: int = 0
    status: str = "sample"
    sources: tuple[Source, ...] = ()

    def __post_init__(self):
        if self.status not in STATUSES:
            raise ValueError(_P(f"status must be one of {STATUSES}, got {self.status!r}",
                                f"status（来源状态）须为 sample 或 confirmed，实际为 {self.status!r}"))
        if self.sample != (self.status == "sample"):
            raise ValueError(_P(f"sample={self.sample!r} contradicts status={self.status!r}",
                                f"sample={self.sample!r} 与 status={self.status!r} 矛盾"))

    def __hash__(self):
        return hash((self.id, self.version))

    @property
    def sources_label(self) -> str:
        return sources_label(self.sources)

    def in_force_on(self, day: date) -> bool:
        return self.effective_from <= day and (self.effective_to is None or day <= self.effective_to)

    def use_category(self, use: str) -> str:
        if use not in USES:
            raise ValueError(_P(f"unknown lease use {use!r}", f"未知的租赁用途 {use!r}"))
        return self.use_mapping.get(use, DEFAULT_USE_MAPPING[use])

    def rule_for(self, landlord_kind: str, use: str) -> Rule | None:
        cat = self.use_category(use)
        for r in self.rules:
            if r.landlord_kind == landlord_kind and r.category == cat:
                return r
        return None

    def to_dict(self) -> dict:
        d: dict[str, Any] = {
            "id": self.id, "version": self.version, "title_zh": self.title_zh, "title_en": self.title_en,
            "effective_from": self.effective_from.isoformat(),
        }
        if self.effective_to is not None:
            d["effective_to"] = self.effective_to.isoformat()
        d.update({"mode": self.mode, "status": self.status, "priority": self.priority,
                  "sources": [x.to_dict() for x in self.sources],
                  "use_mapping": dict(self.use_mapping), "rules": [r.to_dict() for r in self.rules]})
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "RateSchedule":
        """Build from a dict (JSON from the DB or parsed TOML); raises :class:`ScheduleError`."""
        errors = validate_schedule(d)
        if errors:
            raise ScheduleError(errors)
        try:
            return cls._build(d)
        except ValueError as exc:  # a value the validation let through but the builder refuses
            raise ScheduleError([ScheduleProblem.of(exc)]) from None

    @classmethod
    def _build(cls, d: dict) -> "RateSchedule":
        rules = []
        for r in d["rules"]:
            items = tuple(Item._from_dict(i) for i in r.get("items", ()))
            bands = tuple(Band(rate=parse_rate(b["rate"]), up_to_fen=b.get("up_to_fen")) for b in r.get("bands", ()))
            reds = tuple(Reduction(items=tuple(x["items"]), percent=_parse_percent(x["percent"]),
                                   date_from=_parse_date(x["from"]), date_to=_parse_date(x["to"]),
                                   source=_sources_of(x.get("source")))
                         for x in r.get("reductions", ()))
            rules.append(Rule(id=r["id"], landlord_kind=r["landlord_kind"], category=r["category"],
                              items=items, bands=bands, reductions=reds))
        mapping = dict(DEFAULT_USE_MAPPING)
        mapping.update(d.get("use_mapping") or {})
        return cls(
            id=d["id"], version=d["version"], title_zh=d["title_zh"], title_en=d["title_en"],
            effective_from=_parse_date(d["effective_from"]),
            effective_to=_parse_date(d["effective_to"]) if d.get("effective_to") is not None else None,
            mode=d["mode"], sample=_status_of(d) == "sample", use_mapping=mapping,
            rules=tuple(rules), priority=d.get("priority", 0), status=_status_of(d),
            sources=tuple(Source.from_dict(x) for x in d.get("sources") or ()),
        )


def _status_of(d: dict) -> str:
    """The provenance status of a schedule dict. Absent: ``"sample"`` - also for data written before
    provenance was recorded with ``sample = false``: nothing is confirmed without its sources."""
    return d.get("status") or "sample"


# ------------------------------------------------------------------------------ validation messages

_KIND_ZH = {"individual": "个人", "organization": "单位"}
_CAT_ZH = {"residential": "住宅", "non_residential": "非住宅"}


class _Where(NamedTuple):
    """Where a problem is, in both languages ("rule r item vat" / "规则 r 的税目 vat")."""
    en: str
    zh: str

    def part(self, en: str, zh: str) -> "_Where":
        """A place inside this one; in Chinese a space separates a trailing id from the next word."""
        return _Where(f"{self.en} {en}", self.zh + (" " if self.zh[-1:].isascii() else "") + zh)

    def problem(self, en: str, zh: str) -> ScheduleProblem:
        return _P(f"{self.en}: {en}", f"{self.zh}：{zh}")

    def wrap(self, exc: ValueError, key: str | None = None) -> ScheduleProblem:
        """A problem of a helper (``ValueError(ScheduleProblem)``), prefixed with the place (and key)."""
        p = ScheduleProblem.of(exc)
        if key:
            return self.problem(f"{key}: {p.en}", f"{key}：{p.zh}")
        return self.problem(p.en, p.zh)


def validate_provenance(d: dict, errs: list) -> set[str] | None:
    """Check ``status``, ``sample`` and ``sources`` of a schedule or guidance table dict (problems are
    appended to ``errs``); returns the document numbers listed (``None`` when no sources are listed, so
    that items naming a document are not checked against an empty list)."""
    status = d.get("status")
    if status is not None and status not in STATUSES:
        errs.append(_P(f"status must be \"sample\" or \"confirmed\", got {status!r}",
                       f"status（来源状态）须为 \"sample\"（示例）或 \"confirmed\"（已核实），实际为 {status!r}"))
        return None
    status = status or "sample"
    sample = d.get("sample")
    if isinstance(sample, bool) and "status" in d and sample != (status == "sample"):
        errs.append(_P(f"sample = {str(sample).lower()} contradicts status = \"{status}\" (write only status)",
                       f"sample = {str(sample).lower()} 与 status = \"{status}\" 矛盾（只写 status 即可）"))
    sources = d.get("sources")
    if sources is None:
        sources = []
    if not isinstance(sources, list):
        errs.append(_P("sources must be a list of tables ([[sources]])", "sources（法律依据）须为表的数组（[[sources]]）"))
        return None
    documents: set[str] = set()
    for n, x in enumerate(sources, 1):
        w = _Where(f"source {n}", f"第 {n} 项法律依据（sources）")
        if not isinstance(x, dict):
            errs.append(w.problem("must be a table", "必须是一个表"))
            continue
        doc = x.get("document")
        if not isinstance(doc, str) or not doc.strip():
            errs.append(w.problem("document (the document number) is required",
                                  "document（文号，如 财税〔2016〕43号）为必填项"))
        else:
            documents.add(doc.strip())
        ev = x.get("evidence", "unverified")
        if ev not in EVIDENCE:
            errs.append(w.problem(f"evidence must be official, third_party or unverified, got {ev!r}",
                                  f"evidence 须为 official（已核对公布原文）、third_party（见于第三方转载）或 "
                                  f"unverified（未核实），实际为 {ev!r}"))
        if x.get("date") is not None:
            try:
                _parse_date(x.get("date"))
            except ValueError as e:
                errs.append(w.wrap(e, "date"))
        for k in ("title", "covers", "note"):
            if x.get(k) is not None and not isinstance(x.get(k), str):
                errs.append(w.problem(f"{k} must be text", f"{k} 须为文字"))
        if status == "confirmed" and (x.get("date") is None or ev != "official"):
            errs.append(w.problem(
                "a confirmed schedule cites every source with its date and evidence = \"official\" "
                "(checked against the published text)",
                "已核实（confirmed）的税率表，每项法律依据都须写明日期（date），并核对公布原文（evidence = \"official\"）"))
    if status == "confirmed" and not sources:
        errs.append(_P("a confirmed schedule must list its legal sources ([[sources]] with document, date, "
                       "evidence = \"official\")",
                       "已核实（confirmed）的税率表须列出法律依据（[[sources]]：document 文号、date 日期、"
                       "evidence = \"official\"）"))
    return documents if sources else None


def _check_sources(value: Any, documents: set[str] | None, where: "_Where") -> list[ScheduleProblem]:
    """An item's or reduction's ``source`` must name documents listed in the schedule's sources."""
    if value is None or value == "":
        return []
    values = [value] if isinstance(value, str) else value
    if not isinstance(values, list) or not all(isinstance(v, str) and v.strip() for v in values):
        return [where.problem("source must be a document number or a list of them",
                              "source 须为文号或文号的列表")]
    if documents is None:
        return []
    missing = [v for v in values if v.strip() not in documents]
    if missing:
        return [where.problem(f"source {', '.join(missing)} is not among the schedule's sources",
                              f"source 中的 {'、'.join(missing)} 不在税率表的法律依据（sources）中")]
    return []


def validate_schedule(d: Any) -> list[str]:
    """Check a schedule dict; return human-readable errors (empty list = valid).

    Each error is a :class:`~fees.errors.ScheduleProblem`: it equals the English message and carries
    the Chinese one (``.zh``, ``.text(lang)``).
    """
    errs: list[ScheduleProblem] = []
    if not isinstance(d, dict):
        return [_P("schedule must be a table/object", "税率表必须是一个表（TOML 表或 JSON 对象）")]

    def check(cond: bool, en: str, zh: str, where: _Where | None = None) -> bool:
        if not cond:
            errs.append(where.problem(en, zh) if where is not None else _P(en, zh))
        return cond

    sid = d.get("id")
    check(isinstance(sid, str) and bool(_SLUG.match(sid)), f"id must be a slug (a-z, 0-9, - _ .), got {sid!r}",
          f"id 须为标识符（小写字母 a-z、数字 0-9 及 - _ .，以字母或数字开头，至多 64 个字符），实际为 {sid!r}")
    v = d.get("version")
    check(isinstance(v, int) and not isinstance(v, bool) and v >= 1, f"version must be an integer >= 1, got {v!r}",
          f"version 须为不小于 1 的整数，实际为 {v!r}")
    for k in ("title_zh", "title_en"):
        check(isinstance(d.get(k), str) and d.get(k, "").strip() != "", f"{k} is required", f"{k} 为必填项，不能为空")
    ef = et = None
    try:
        ef = _parse_date(d.get("effective_from"))
    except ValueError as e:
        p = ScheduleProblem.of(e)
        errs.append(_P(f"effective_from: {p.en}", f"effective_from（生效日期）：{p.zh}"))
    if d.get("effective_to") is not None:
        try:
            et = _parse_date(d.get("effective_to"))
        except ValueError as e:
            p = ScheduleProblem.of(e)
            errs.append(_P(f"effective_to: {p.en}", f"effective_to（截止日期）：{p.zh}"))
    if ef and et:
        check(et >= ef, "effective_to must not be before effective_from",
              f"effective_to（截止日期 {et.isoformat()}）不能早于 effective_from（生效日期 {ef.isoformat()}）")
    mode = d.get("mode")
    check(mode in MODES, f"mode must be one of {', '.join(MODES)}, got {mode!r}",
          f"mode 须为 itemised（分项征收）或 comprehensive（综合征收），实际为 {mode!r}")
    check(isinstance(d.get("sample", False), bool), "sample must be true or false", "sample 须为 true 或 false")
    documents = validate_provenance(d, errs)
    pr = d.get("priority", 0)
    check(isinstance(pr, int) and not isinstance(pr, bool), f"priority must be an integer, got {pr!r}",
          f"priority 须为整数，实际为 {pr!r}")
    um = d.get("use_mapping", {}) or {}
    if check(isinstance(um, dict), "use_mapping must be a table", "use_mapping 须为一个表（用途 = 类别）"):
        for use, cat in um.items():
            check(use in USES, f"use_mapping: unknown use {use!r} (known: {', '.join(USES)})",
                  f"use_mapping 中有未知的用途 {use!r}（可用的用途：{', '.join(USES)}）")
            check(cat in CATEGORIES,
                  f"use_mapping[{use}]: category must be residential or non_residential, got {cat!r}",
                  f"use_mapping 中 {use} 的类别须为 residential（住宅）或 non_residential（非住宅），实际为 {cat!r}")
    rules = d.get("rules")
    if not check(isinstance(rules, list) and len(rules) > 0, "rules: at least one rule is required",
                 "rules：至少需要一条规则"):
        return errs
    seen_ids, seen_sel = set(), set()
    for n, r in enumerate(rules, 1):
        where = _Where(f"rule {n}", f"第 {n} 条规则")
        if not check(isinstance(r, dict), f"{where.en} must be a table", f"{where.zh}必须是一个表"):
            continue
        rid = r.get("id")
        if check(isinstance(rid, str) and bool(_SLUG.match(rid)), f"id must be a slug, got {rid!r}",
                 f"id 须为标识符（小写字母 a-z、数字 0-9 及 - _ .），实际为 {rid!r}", where):
            where = _Where(f"rule {rid}", f"规则 {rid}")
            check(rid not in seen_ids, "duplicate rule id", f"规则 id {rid} 重复", where)
            seen_ids.add(rid)
        lk, cat = r.get("landlord_kind"), r.get("category")
        check(lk in LANDLORD_KINDS, f"landlord_kind must be individual or organization, got {lk!r}",
              f"landlord_kind 须为 individual（个人）或 organization（单位），实际为 {lk!r}", where)
        check(cat in CATEGORIES, f"category must be residential or non_residential, got {cat!r}",
              f"category 须为 residential（住宅）或 non_residential（非住宅），实际为 {cat!r}", where)
        if lk in LANDLORD_KINDS and cat in CATEGORIES:
            check((lk, cat) not in seen_sel, f"another rule already covers {lk}/{cat}",
                  f"已有另一条规则适用于 {lk}/{cat}（{_KIND_ZH[lk]}出租{_CAT_ZH[cat]}）", where)
            seen_sel.add((lk, cat))
        if mode == "itemised":
            items = r.get("items")
            check(not r.get("bands"), "bands are only for comprehensive schedules",
                  "bands（档次）只用于综合征收的税率表（mode = \"comprehensive\"）", where)
            if check(isinstance(items, list) and len(items) > 0, "items are required",
                     "items（税目）为必填项，至少列出一个税目", where):
                codes: list[str] = []
                for i in items:
                    errs.extend(_validate_item(i, where, documents))
                    if isinstance(i, dict):
                        c = i.get("code")
                        codes.append(c if isinstance(c, str) else repr(c))
                dups = sorted({c for c in codes if codes.count(c) > 1})
                check(not dups, "duplicate item codes", f"税目代码（code）重复：{', '.join(dups)}", where)
                bases = {i.get("code"): i.get("base") for i in items
                         if isinstance(i, dict) and isinstance(i.get("code"), str)}
                if any(b == "business_tax" for b in bases.values()):
                    check(bases.get("business_tax") == "rent",
                          "items based on the business tax need a 'business_tax' item with base rent",
                          "有以营业税为计税依据（base = \"business_tax\"）的税目，须同时有一个 base 为 rent 的 "
                          "business_tax 税目", where)
                if any(b == "vat" for b in bases.values()):
                    check(bases.get("vat") == "rent_ex_vat",
                          "items based on the VAT need a 'vat' item with base rent_ex_vat",
                          "有以增值税为计税依据（base = \"vat\"）的税目，须同时有一个 base 为 rent_ex_vat 的 vat 税目",
                          where)
        elif mode == "comprehensive":
            check(not r.get("items"), "items are only for itemised schedules",
                  "items（税目）只用于分项征收的税率表（mode = \"itemised\"）", where)
            bands = r.get("bands")
            if check(isinstance(bands, list) and len(bands) > 0,
                     "bands are required (one band without up_to_fen for a flat rate)",
                     "bands（档次）为必填项（统一税率时写一个不带 up_to_fen 的档次）", where):
                prev = -1
                for k, b in enumerate(bands, 1):
                    bw = where.part(f"band {k}", f"的第 {k} 档")
                    if not check(isinstance(b, dict), f"{bw.en} must be a table", f"{bw.zh}必须是一个表"):
                        continue
                    try:
                        parse_rate(b.get("rate"))
                    except ValueError as e:
                        errs.append(bw.wrap(e, "rate"))
                    up = b.get("up_to_fen")
                    if k == len(bands):
                        check(up is None, "the last band must have no up_to_fen (it covers every higher rent)",
                              "最后一档不能写 up_to_fen（它适用于更高的所有租金）", where)
                    elif check(isinstance(up, int) and not isinstance(up, bool) and up >= 0,
                               "up_to_fen must be an integer number of fen",
                               f"up_to_fen 须为非负整数（单位：分，含本数），实际为 {up!r}", bw):
                        check(up > prev, "up_to_fen must ascend",
                              f"up_to_fen 须逐档递增，应大于上一档的 {prev}", bw)
                        prev = up
        reductions = r.get("reductions", []) or []
        if not check(isinstance(reductions, list), "reductions must be a list of tables",
                     "reductions（减免）须为表的数组（[[...reductions]]）", where):
            continue
        for k, x in enumerate(reductions, 1):
            w = where.part(f"reduction {k}", f"的第 {k} 项减免（reductions）")
            if not check(isinstance(x, dict), f"{w.en} must be a table", f"{w.zh}必须是一个表"):
                continue
            its = x.get("items")
            if check(isinstance(its, list) and bool(its), "items are required",
                     "items 为必填项，列出减免适用的税目代码", w):
                for c in its:
                    check(c in ITEM_CODES, f"unknown item {c!r}", f"items 中有未知的税目代码 {c!r}", w)
            try:
                _parse_percent(x.get("percent"))
            except ValueError as e:
                errs.append(w.wrap(e))
            errs.extend(_check_sources(x.get("source"), documents, w))
            a = b = None
            for key, label in (("from", "起始日期"), ("to", "截止日期")):
                try:
                    day = _parse_date(x.get(key))
                except ValueError as e:
                    p = ScheduleProblem.of(e)
                    errs.append(w.problem(f"{key}: {p.en}", f"{key}（{label}）：{p.zh}"))
                else:
                    a, b = (day, b) if key == "from" else (a, day)
            if a is not None and b is not None:
                check(a <= b, "'to' is before 'from'",
                      f"to（截止日期 {b.isoformat()}）早于 from（起始日期 {a.isoformat()}）", w)
    return errs


def validate_schedule_localized(d: Any, lang: str | None) -> list[str]:
    """:func:`validate_schedule` in one language (``"zh"``, ``"zh_Hans_CN"``, ``"en"``...)."""
    return [p.text(lang) for p in validate_schedule(d)]


def _validate_item(i: Any, where: _Where | str, documents: set[str] | None = None) -> list[ScheduleProblem]:
    if isinstance(where, str):
        where = _Where(where, where)
    if not isinstance(i, dict):
        return [where.problem("each item must be a table", "每个税目（items）都必须是一个表")]
    errs: list[ScheduleProblem] = []
    code = i.get("code")
    w = where.part(f"item {code}", f"的税目 {code}")
    if code not in ITEM_CODES or code == "comprehensive":
        known = ", ".join(c for c in ITEM_CODES if c != "comprehensive")
        errs.append(where.problem(f"unknown item code {code!r} (known: {known})",
                                  f"未知的税目代码（code）{code!r}（可用的代码：{known}）"))
    base = i.get("base")
    if base not in BASE_KINDS:
        errs.append(w.problem(f"base must be one of {', '.join(BASE_KINDS)}, got {base!r}",
                              f"base（计税依据）须为 {', '.join(BASE_KINDS)} 之一，实际为 {base!r}"))
    for k in ("rate", "assessed_rate", "percent_deduction"):
        if k in i and i[k] is not None:
            try:
                parse_rate(i[k], cap=not (k == "rate" and base == "area"))
            except ValueError as e:
                errs.append(w.wrap(e, k))
    if "rate" not in i and not i.get("exempt"):
        errs.append(w.problem("rate is required", "rate（税率）为必填项（免征的税目写 exempt = true）"))
    errs.extend(_check_sources(i.get("source"), documents, w))
    for k in ("exempt_up_to_monthly_rent_fen", "min_fen", "fixed_deduction_fen", "deduction_threshold_fen",
              "repair_cap_fen"):
        if i.get(k) is not None:
            val = i[k]
            if isinstance(val, bool) or not isinstance(val, int) or val < 0:
                errs.append(w.problem(f"{k} must be a non-negative integer number of fen",
                                      f"{k} 须为非负整数（单位：分），实际为 {val!r}"))
    if "exempt" in i and not isinstance(i["exempt"], bool):
        errs.append(w.problem("exempt must be true or false", "exempt 须为 true 或 false"))
    deduct = i.get("deduct_items", ()) or ()
    if not isinstance(deduct, (list, tuple)):
        errs.append(w.problem("deduct_items must be a list of item codes",
                              "deduct_items 须为税目代码的列表，如 [\"vat\", \"property_tax\"]"))
        deduct = ()
    for c in deduct:
        if c not in ITEM_CODES:
            errs.append(w.problem(f"deduct_items: unknown item {c!r}", f"deduct_items 中有未知的税目代码 {c!r}"))
    if "vat_divisor" in i:
        raw = i["vat_divisor"]
        try:
            dv = Decimal(str(raw)) if not isinstance(raw, (bool, list, dict)) else Decimal("NaN")
            if not dv.is_finite():
                raise InvalidOperation
            if dv < 1:
                errs.append(w.problem("vat_divisor must be >= 1", f"vat_divisor 不能小于 1，实际为 {raw!r}"))
        except InvalidOperation:
            errs.append(w.problem("vat_divisor is not a number",
                                  f"vat_divisor 不是有效的数字（应写作 \"1.05\"），实际为 {raw!r}"))
    return errs


# ---------------------------------------------------------------------------------- syntax errors

_TOML_AT = re.compile(r"^(?P<msg>.*?)\s*\(at (?:line (?P<line>\d+), column (?P<col>\d+)|end of document)\)\s*$", re.S)
_TOML_MSG_ZH: tuple[tuple[re.Pattern, str], ...] = tuple((re.compile(a), b) for a, b in (
    (r"^Invalid value$", "无效的值（文字须加引号，如 \"1.5%\"；日期写作 2024-01-01）"),
    (r"^Invalid statement$", "无效的语句"),
    (r"^Expected newline or end of document after a statement$", "此处应换行（一行只写一个键值对；也可能是值的写法有误）"),
    (r"^Expected '=' after a key in a key/value pair$", "键之后缺少 '='"),
    (r"^Expected '\]' at the end of a table declaration$", "表头末尾缺少 ']'"),
    (r"^Expected '\]\]' at the end of an array declaration$", "表数组头末尾缺少 ']]'"),
    (r"^Expected (?P<x>.+)$", "缺少 {x}"),
    (r"^Found invalid character (?P<x>.+)$", "出现无效字符 {x}"),
    (r"^Cannot declare (?P<x>.+) twice$", "不能重复声明 {x}"),
    (r"^Cannot overwrite a value$", "不能覆盖已定义的值（同一个键写了两次？）"),
    (r"^Cannot mutate immutable namespace (?P<x>.+)$", "不能修改已定义的表 {x}"),
    (r"^Cannot redefine namespace (?P<x>.+)$", "不能重新定义表 {x}"),
    (r"^Invalid initial character for a key part$", "键的首字符无效"),
    (r"^Unclosed array$", "数组未闭合（缺少 ']' 或逗号）"),
    (r"^Duplicate inline table key (?P<x>.+)$", "内联表中的键 {x} 重复"),
    (r"^Unclosed inline table$", "内联表未闭合（缺少 '}' 或逗号）"),
    (r"^Unescaped '\\\\' in a string$", "字符串中有未转义的 '\\'"),
    (r"^Invalid hex value$", "无效的十六进制值"),
    (r"^Escaped character is not a Unicode scalar value$", "转义字符不是有效的 Unicode 字符"),
    (r"^Unterminated string$", "字符串未结束（缺少引号）"),
    (r"^Illegal character (?P<x>.+)$", "非法字符 {x}"),
    (r"^Invalid date or datetime$", "无效的日期或时间"),
))

_JSON_MSG_ZH = {
    "Expecting value": "此处应为一个值（文字须加双引号）",
    "Expecting property name enclosed in double quotes": "此处应为用双引号括起的键名（最后一项之后不能有逗号）",
    "Expecting ',' delimiter": "缺少逗号 ','",
    "Expecting ':' delimiter": "缺少冒号 ':'",
    "Unterminated string starting at": "字符串未结束（缺少双引号）",
    "Invalid control character at": "字符串中有无效的控制字符（如换行）",
    "Invalid \\escape": "无效的转义字符 '\\'",
    "Invalid \\uXXXX escape": "无效的 \\uXXXX 转义",
    "Extra data": "JSON 对象结束后还有多余的内容",
}


def _toml_msg_zh(msg: str) -> str:
    for pattern, zh in _TOML_MSG_ZH:
        m = pattern.match(msg)
        if m:
            return zh.replace("{x}", m.group("x")) if "x" in m.groupdict() else zh
    return msg


def toml_problem(exc: tomllib.TOMLDecodeError) -> ScheduleProblem:
    """A TOML syntax error as a problem with the line and column
    ("TOML 格式错误（第 3 行第 5 列）：无效的值..." / "TOML syntax error (line 3, column 5): Invalid value")."""
    text = str(exc)
    m = _TOML_AT.match(text)
    msg = m.group("msg") if m else text
    zh = _toml_msg_zh(msg)
    if m and m.group("line"):
        line, col = m.group("line"), m.group("col")
        return _P(f"TOML syntax error (line {line}, column {col}): {msg}", f"TOML 格式错误（第 {line} 行第 {col} 列）：{zh}")
    if m:
        return _P(f"TOML syntax error (at the end of the text): {msg}", f"TOML 格式错误（文本末尾）：{zh}")
    return _P(f"TOML syntax error: {msg}", f"TOML 格式错误：{zh}")


def json_problem(exc: json.JSONDecodeError) -> ScheduleProblem:
    """A JSON syntax error as a problem with the line and column ("JSON 格式错误（第 2 行第 1 列）：...")."""
    zh = _JSON_MSG_ZH.get(exc.msg, exc.msg)
    return _P(f"JSON syntax error (line {exc.lineno}, column {exc.colno}): {exc.msg}",
              f"JSON 格式错误（第 {exc.lineno} 行第 {exc.colno} 列）：{zh}")


def schedules_from_toml(text: str) -> list[RateSchedule]:
    """Parse TOML text holding one schedule (top-level keys) or several (``[[schedule]]``).

    Raises :class:`ScheduleError` (a ``ValueError``), also for a TOML syntax error (its problem gives
    the line and column, see :func:`toml_problem`)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScheduleError([toml_problem(exc)]) from exc
    raw = data["schedule"] if "schedule" in data else [data]
    if not isinstance(raw, list):
        raise ScheduleError([_P("schedule must be an array of tables ([[schedule]])",
                                "schedule 须为表数组（每个税率表以 [[schedule]] 开头）")])
    out = []
    for d in raw:
        out.append(RateSchedule.from_dict(d))
    return out
