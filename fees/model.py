"""Rate schedules: the data the engine computes with.

A :class:`RateSchedule` is pure data. It is written in TOML (shipped samples in
``fees/schedules/*.toml``) or stored as JSON in the app's DB
(:meth:`RateSchedule.to_dict` / :meth:`RateSchedule.from_dict`, same shape as the
TOML). :func:`validate_schedule` returns human-readable errors for the admin's
edit form.

Dict / TOML shape
-----------------
* ``id`` (slug), ``version`` (int >= 1), ``title_zh``, ``title_en``,
  ``effective_from`` (date), ``effective_to`` (date or absent; **inclusive**),
  ``mode`` (``itemised`` | ``comprehensive``), ``sample`` (bool),
  ``priority`` (int, default 0), ``use_mapping`` (use -> ``residential`` |
  ``non_residential``; uses not listed fall back to
  :data:`fees.uses.DEFAULT_USE_MAPPING`), ``rules`` (list).
* A rule: ``id``, ``landlord_kind`` (``individual`` | ``organization``),
  ``category`` (``residential`` | ``non_residential``), ``reductions`` (list),
  and either ``items`` (itemised) or ``bands`` (comprehensive).
* Rates are strings: ``"0.015"`` or ``"1.5%"`` (both mean 1.5 %); never floats.
  Money is integer fen (``*_fen``). Dates are TOML dates or ISO strings.
* Item: ``code``, ``base`` (see :data:`BASE_KINDS`), ``rate`` (for base
  ``area`` the rate is yuan per m2 per month, e.g. ``"0.5"``), optional
  ``name_zh``/``name_en`` (default from :data:`ITEM_NAMES`),
  ``exempt_up_to_monthly_rent_fen`` (item exempt when the taxable monthly rent
  is **<=** this - inclusive, as in "<= ¥100,000 is exempt"), ``min_fen``
  (minimum amount per month, applied before the reduction), ``exempt`` (true:
  always exempt, a line of 0 is still shown), and for ``iit_rent``:
  ``assessed_rate`` (核定征收: rate x rent, no deductions), ``deduct_items``
  (taxes levied on the same month deducted from the rent; default VAT,
  surcharges, property tax), ``fixed_deduction_fen`` (80000 = ¥800),
  ``deduction_threshold_fen`` (400000 = ¥4,000; the fixed deduction applies
  when the net income is **<=** this, otherwise ``percent_deduction``),
  ``percent_deduction`` (``"20%"``).
  For ``rent_ex_vat``: ``vat_divisor`` (default ``"1.05"``).
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

import re
import tomllib
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from .errors import ScheduleError
from .uses import CATEGORIES, DEFAULT_USE_MAPPING, LANDLORD_KINDS, USES

__all__ = [
    "ITEM_NAMES", "ITEM_CODES", "BASE_KINDS", "MODES", "Item", "Band", "Reduction", "Rule",
    "RateSchedule", "validate_schedule", "schedules_from_toml", "parse_rate",
]

ITEM_NAMES: dict[str, tuple[str, str]] = {
    "vat": ("增值税", "VAT"),
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
BASE_KINDS = ("rent_ex_vat", "vat", "rent", "contract_amount", "iit_rent", "area")
MODES = ("itemised", "comprehensive")
DEFAULT_IIT_DEDUCT = ("vat", "urban_construction", "education_surcharge", "local_education_surcharge", "property_tax")
_SLUG = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")


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
            raise ValueError(f"not a rate: {value!r}") from None
        if pct:
            d = d / 100
    elif isinstance(value, int) and not isinstance(value, bool) and value in (0, 1):
        d = Decimal(value)
    else:
        raise ValueError(f"rate must be a string like \"1.5%\" or \"0.015\", got {value!r}")
    if not d.is_finite() or d < 0 or (cap and d > 1):
        raise ValueError(f"rate out of range 0..100 %: {value!r}")
    return d


def _parse_percent(value: Any) -> Decimal:
    if isinstance(value, (bool, float)):
        raise ValueError(f"percent must be a string or int, got {value!r}")
    try:
        d = Decimal(str(value).strip().rstrip("%"))
    except InvalidOperation:
        raise ValueError(f"not a percent: {value!r}") from None
    if not d.is_finite() or d < 0 or d > 100:
        raise ValueError(f"percent out of range 0..100: {value!r}")
    return d


def _parse_date(value: Any) -> date:
    if isinstance(value, date) and not hasattr(value, "hour"):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ValueError(f"not a date (YYYY-MM-DD): {value!r}")


def _fen(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{what} must be a non-negative integer number of fen, got {value!r}")
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
        if self.base == "rent_ex_vat":
            d["vat_divisor"] = str(self.vat_divisor)
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
        for k in ("fixed_deduction_fen", "deduction_threshold_fen"):
            if k in d:
                kw[k] = _fen(d[k], k)
        if "percent_deduction" in d:
            kw["percent_deduction"] = parse_rate(d["percent_deduction"])
        if "vat_divisor" in d:
            v = Decimal(str(d["vat_divisor"]))
            if not v.is_finite() or v < 1:
                raise ValueError(f"vat_divisor must be >= 1, got {d['vat_divisor']!r}")
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

    def applies(self, item_code: str, month_first_day: date) -> bool:
        return item_code in self.items and self.date_from <= month_first_day <= self.date_to

    def to_dict(self) -> dict:
        return {"items": list(self.items), "percent": str(self.percent),
                "from": self.date_from.isoformat(), "to": self.date_to.isoformat()}


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

    def band_for(self, rent_fen: int) -> Band:
        for b in self.bands:
            if b.up_to_fen is None or rent_fen <= b.up_to_fen:
                return b
        raise ScheduleError([f"rule {self.id}: no band covers rent {rent_fen} fen"])

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

    def __hash__(self):
        return hash((self.id, self.version))

    def in_force_on(self, day: date) -> bool:
        return self.effective_from <= day and (self.effective_to is None or day <= self.effective_to)

    def use_category(self, use: str) -> str:
        if use not in USES:
            raise ValueError(f"unknown lease use {use!r}")
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
        d.update({"mode": self.mode, "sample": self.sample, "priority": self.priority,
                  "use_mapping": dict(self.use_mapping), "rules": [r.to_dict() for r in self.rules]})
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "RateSchedule":
        """Build from a dict (JSON from the DB or parsed TOML); raises :class:`ScheduleError`."""
        errors = validate_schedule(d)
        if errors:
            raise ScheduleError(errors)
        rules = []
        for r in d["rules"]:
            items = tuple(Item._from_dict(i) for i in r.get("items", ()))
            bands = tuple(Band(rate=parse_rate(b["rate"]), up_to_fen=b.get("up_to_fen")) for b in r.get("bands", ()))
            reds = tuple(Reduction(items=tuple(x["items"]), percent=_parse_percent(x["percent"]),
                                   date_from=_parse_date(x["from"]), date_to=_parse_date(x["to"]))
                         for x in r.get("reductions", ()))
            rules.append(Rule(id=r["id"], landlord_kind=r["landlord_kind"], category=r["category"],
                              items=items, bands=bands, reductions=reds))
        mapping = dict(DEFAULT_USE_MAPPING)
        mapping.update(d.get("use_mapping") or {})
        return cls(
            id=d["id"], version=d["version"], title_zh=d["title_zh"], title_en=d["title_en"],
            effective_from=_parse_date(d["effective_from"]),
            effective_to=_parse_date(d["effective_to"]) if d.get("effective_to") is not None else None,
            mode=d["mode"], sample=bool(d.get("sample", False)), use_mapping=mapping,
            rules=tuple(rules), priority=d.get("priority", 0),
        )


def validate_schedule(d: Any) -> list[str]:
    """Check a schedule dict; return human-readable errors (empty list = valid)."""
    errs: list[str] = []
    if not isinstance(d, dict):
        return ["schedule must be a table/object"]

    def check(cond: bool, msg: str) -> bool:
        if not cond:
            errs.append(msg)
        return cond

    sid = d.get("id")
    check(isinstance(sid, str) and bool(_SLUG.match(sid)), f"id must be a slug (a-z, 0-9, - _ .), got {sid!r}")
    v = d.get("version")
    check(isinstance(v, int) and not isinstance(v, bool) and v >= 1, f"version must be an integer >= 1, got {v!r}")
    for k in ("title_zh", "title_en"):
        check(isinstance(d.get(k), str) and d.get(k, "").strip() != "", f"{k} is required")
    ef = et = None
    try:
        ef = _parse_date(d.get("effective_from"))
    except ValueError as e:
        errs.append(f"effective_from: {e}")
    if d.get("effective_to") is not None:
        try:
            et = _parse_date(d.get("effective_to"))
        except ValueError as e:
            errs.append(f"effective_to: {e}")
    if ef and et:
        check(et >= ef, "effective_to must not be before effective_from")
    mode = d.get("mode")
    check(mode in MODES, f"mode must be one of {', '.join(MODES)}, got {mode!r}")
    check(isinstance(d.get("sample", False), bool), "sample must be true or false")
    pr = d.get("priority", 0)
    check(isinstance(pr, int) and not isinstance(pr, bool), f"priority must be an integer, got {pr!r}")
    um = d.get("use_mapping", {}) or {}
    if check(isinstance(um, dict), "use_mapping must be a table"):
        for use, cat in um.items():
            check(use in USES, f"use_mapping: unknown use {use!r}")
            check(cat in CATEGORIES, f"use_mapping[{use}]: category must be residential or non_residential, got {cat!r}")
    rules = d.get("rules")
    if not check(isinstance(rules, list) and len(rules) > 0, "rules: at least one rule is required"):
        return errs
    seen_ids, seen_sel = set(), set()
    for n, r in enumerate(rules, 1):
        where = f"rule {n}"
        if not check(isinstance(r, dict), f"{where} must be a table"):
            continue
        rid = r.get("id")
        if check(isinstance(rid, str) and bool(_SLUG.match(rid)), f"{where}: id must be a slug, got {rid!r}"):
            where = f"rule {rid}"
            check(rid not in seen_ids, f"{where}: duplicate rule id")
            seen_ids.add(rid)
        lk, cat = r.get("landlord_kind"), r.get("category")
        check(lk in LANDLORD_KINDS, f"{where}: landlord_kind must be individual or organization, got {lk!r}")
        check(cat in CATEGORIES, f"{where}: category must be residential or non_residential, got {cat!r}")
        check((lk, cat) not in seen_sel, f"{where}: another rule already covers {lk}/{cat}")
        seen_sel.add((lk, cat))
        codes: list[str] = []
        if mode == "itemised":
            items = r.get("items")
            check(not r.get("bands"), f"{where}: bands are only for comprehensive schedules")
            if check(isinstance(items, list) and len(items) > 0, f"{where}: items are required"):
                for i in items:
                    errs.extend(_validate_item(i, where))
                    if isinstance(i, dict):
                        codes.append(i.get("code"))
                check(len(codes) == len(set(codes)), f"{where}: duplicate item codes")
                bases = {i.get("code"): i.get("base") for i in items if isinstance(i, dict)}
                if any(b == "vat" for b in bases.values()):
                    check(bases.get("vat") == "rent_ex_vat", f"{where}: items based on the VAT need a 'vat' item with base rent_ex_vat")
        elif mode == "comprehensive":
            check(not r.get("items"), f"{where}: items are only for itemised schedules")
            bands = r.get("bands")
            codes = ["comprehensive"]
            if check(isinstance(bands, list) and len(bands) > 0, f"{where}: bands are required (one band without up_to_fen for a flat rate)"):
                prev = -1
                for k, b in enumerate(bands, 1):
                    if not check(isinstance(b, dict), f"{where} band {k} must be a table"):
                        continue
                    try:
                        parse_rate(b.get("rate"))
                    except ValueError as e:
                        errs.append(f"{where} band {k}: {e}")
                    up = b.get("up_to_fen")
                    if k == len(bands):
                        check(up is None, f"{where}: the last band must have no up_to_fen (it covers every higher rent)")
                    elif check(isinstance(up, int) and not isinstance(up, bool) and up >= 0,
                               f"{where} band {k}: up_to_fen must be an integer number of fen"):
                        check(up > prev, f"{where} band {k}: up_to_fen must ascend")
                        prev = up
        for k, x in enumerate(r.get("reductions", []) or [], 1):
            w = f"{where} reduction {k}"
            if not check(isinstance(x, dict), f"{w} must be a table"):
                continue
            its = x.get("items")
            if check(isinstance(its, list) and its, f"{w}: items are required"):
                for c in its:
                    check(c in ITEM_CODES, f"{w}: unknown item {c!r}")
            try:
                _parse_percent(x.get("percent"))
            except ValueError as e:
                errs.append(f"{w}: {e}")
            try:
                a, b = _parse_date(x.get("from")), _parse_date(x.get("to"))
                check(a <= b, f"{w}: 'to' is before 'from'")
            except ValueError as e:
                errs.append(f"{w}: {e}")
    return errs


def _validate_item(i: Any, where: str) -> list[str]:
    if not isinstance(i, dict):
        return [f"{where}: each item must be a table"]
    errs = []
    code = i.get("code")
    w = f"{where} item {code}"
    if code not in ITEM_CODES or code == "comprehensive":
        errs.append(f"{where}: unknown item code {code!r}")
    if i.get("base") not in BASE_KINDS:
        errs.append(f"{w}: base must be one of {', '.join(BASE_KINDS)}, got {i.get('base')!r}")
    for k in ("rate", "assessed_rate", "percent_deduction"):
        if k in i and i[k] is not None:
            try:
                parse_rate(i[k], cap=not (k == "rate" and i.get("base") == "area"))
            except ValueError as e:
                errs.append(f"{w}: {k}: {e}")
    if "rate" not in i and not i.get("exempt"):
        errs.append(f"{w}: rate is required")
    for k in ("exempt_up_to_monthly_rent_fen", "min_fen", "fixed_deduction_fen", "deduction_threshold_fen"):
        if i.get(k) is not None:
            val = i[k]
            if isinstance(val, bool) or not isinstance(val, int) or val < 0:
                errs.append(f"{w}: {k} must be a non-negative integer number of fen")
    if "exempt" in i and not isinstance(i["exempt"], bool):
        errs.append(f"{w}: exempt must be true or false")
    for c in i.get("deduct_items", ()) or ():
        if c not in ITEM_CODES:
            errs.append(f"{w}: deduct_items: unknown item {c!r}")
    if "vat_divisor" in i:
        try:
            if Decimal(str(i["vat_divisor"])) < 1:
                errs.append(f"{w}: vat_divisor must be >= 1")
        except InvalidOperation:
            errs.append(f"{w}: vat_divisor is not a number")
    return errs


def schedules_from_toml(text: str) -> list[RateSchedule]:
    """Parse TOML text holding one schedule (top-level keys) or several (``[[schedule]]``)."""
    data = tomllib.loads(text)
    raw = data["schedule"] if "schedule" in data else [data]
    out = []
    for d in raw:
        out.append(RateSchedule.from_dict(d))
    return out
