"""Plain-language explanation of an :class:`~fees.Assessment` (zh / en).

Works from the stored snapshot only (``Assessment.from_dict``), so an
assessment can be re-explained years later without the schedules. Consecutive
periods with identical computations are grouped ("2026-01-15 – 2026-04-14, each
period"); a short last period shows its prorated rent (monthly rent × days ÷ days
of the full period).
Every line shows its arithmetic with the figures computed (:mod:`fees.money`):
base × rate = tax, − relief = amount; income tax: income − taxes − repair costs
− ¥800 / 20 % = taxable income.
"""
from __future__ import annotations

from decimal import Decimal

from .money import format_yuan
from .uses import LANDLORD_KIND_LABELS, USE_LABELS

_T = {
    "zh": {
        "title": "租赁税计算说明",
        "assessed_on": "测算日期",
        "landlord": "出租人", "use": "用途", "rent": "申报月租金", "area": "面积", "street": "街道",
        "period": "计税期间", "months": "期", "to": "至", "none": "（无计税期间，应纳税额为 0）",
        "schedule": "适用税率表", "sample": "示例税率，须与主管税务机关核实",
        "sources": "依据",
        "each": "每期", "taxable": "计税月租金",
        "prorated": "不足一期，按日折算：{r} × {d} ÷ {f} = {x}",
        "ex_vat": "不含增值税租金 {r} ÷ {d} = {x}",
        "floor": "申报租金低于指导租金 {g}/m² × {a} m² = {f}，按指导租金计税",
        "floor_ok": "指导租金 {g}/m² × {a} m² = {f}，不高于申报租金",
        "guidance_sample": "（指导租金为示例数据）",
        "exempt": "免征", "threshold": "免征（月租金 ≤ {t}）", "vat_exempt": "免征（增值税免征）",
        "business_tax_exempt": "免征（营业税免征）",
        "relief": "减征 {p}% −{r}", "minimum": "按最低 {m} 计",
        "income": "收入 {i} − 已缴税费 {t} − 修缮费用 {r} = {n}",
        "fixed": "减除费用 {d}（≤ {th}）", "percent": "× (1 − {p}) = {b}",
        "taxable_income": "应纳税所得额 {b}",
        "assessed": "核定征收率", "band": "综合征收率",
        "repair": "修缮费用：可扣除 {c}，本次扣除 {u}，结转下次 {k}（每期至多 {cap}）",
        "legacy": "（旧记录：仅存金额）",
        "total": "合计", "rule": "各项税额、减免税额均四舍五入到分，实缴 = 应纳税额 − 减免税额；合计为各行之和。",
        "item_total": "分项合计",
    },
    "en": {
        "title": "Rental tax calculation",
        "assessed_on": "assessed on",
        "landlord": "Landlord", "use": "Use", "rent": "Declared monthly rent", "area": "Area", "street": "Street",
        "period": "Period", "months": "period(s)", "to": "to", "none": "(no period taxed; tax is 0)",
        "schedule": "Rate schedule", "sample": "SAMPLE rates, to be confirmed with the local tax bureau",
        "sources": "sources",
        "each": "each period", "taxable": "taxable monthly rent",
        "prorated": "a short period, prorated by days: {r} × {d} ÷ {f} = {x}",
        "ex_vat": "rent excluding VAT {r} ÷ {d} = {x}",
        "floor": "declared rent is below the guidance rent {g}/m² × {a} m² = {f}; taxed on the guidance rent",
        "floor_ok": "guidance rent {g}/m² × {a} m² = {f} is not above the declared rent",
        "guidance_sample": " (the guidance rent is sample data)",
        "exempt": "exempt", "threshold": "exempt (monthly rent ≤ {t})", "vat_exempt": "exempt (VAT is exempt)",
        "business_tax_exempt": "exempt (business tax is exempt)",
        "relief": "relief {p}% −{r}", "minimum": "minimum {m} applied",
        "income": "income {i} − taxes levied {t} − repair costs {r} = {n}",
        "fixed": "less deduction {d} (≤ {th})", "percent": "× (1 − {p}) = {b}",
        "taxable_income": "taxable income {b}",
        "assessed": "assessed rate", "band": "comprehensive rate",
        "repair": "Repair costs: {c} available, {u} deducted, {k} carried forward (at most {cap} a period)",
        "legacy": "(old record: amount only)",
        "total": "Total", "rule": "Each tax and each relief is rounded to the fen (half up); amount = tax − relief; "
                                  "the total is the sum of the lines.",
        "item_total": "By item",
    },
}


def pct(rate: Decimal) -> str:
    """``Decimal("0.015") -> "1.5%"``"""
    v = (rate * 100).normalize()
    return f"{format(v, 'f')}%"


def num(d: Decimal) -> str:
    return format(d.normalize(), "f") if d != 0 else "0"


def _base_text(line, basis, t) -> str:
    if line.base_kind == "area":
        return f"{line.area_m2} m² × ¥{num(line.rate)}/m²"
    if line.item == "comprehensive":
        return f"{format_yuan(line.base_fen)} × {t['band']} {pct(line.rate)}"
    if line.base_kind == "iit_rent" and line.income_fen is None:
        return f"{format_yuan(line.base_fen)} × {t['assessed']} {pct(line.rate)}"
    return f"{format_yuan(line.base_fen)} × {pct(line.rate)}"


def _line_text(line, basis, lang: str) -> str:
    t = _T[lang]
    zh = lang == "zh"
    name = line.name_zh if zh else line.name_en
    sep = "：" if zh else ": "
    comma = "，" if zh else ", "
    if line.exempt_reason == "threshold":
        return f"{name}{sep}{t['threshold'].format(t=format_yuan(line.threshold_fen or 0))}"
    if line.exempt_reason:
        return f"{name}{sep}{t.get(line.exempt_reason, t['exempt'])}"
    if line.legacy:
        return f"{name}{sep}{format_yuan(line.amount_fen)} {t['legacy']}"
    parts = []
    if line.income_fen is not None:
        net = line.net_fen
        parts.append(t["income"].format(i=format_yuan(line.income_fen), t=format_yuan(line.taxes_fen or 0),
                                        r=format_yuan(line.repair_fen or 0), n=format_yuan(net)))
        if line.deduction_kind == "fixed":
            parts.append(t["fixed"].format(d=format_yuan(line.deduction_fen or 0),
                                          th=format_yuan(line.deduction_threshold_fen or 0)) + " → "
                         + t["taxable_income"].format(b=format_yuan(line.base_fen)))
        else:
            parts.append(t["percent"].format(p=pct(line.deduction_rate or Decimal("0.2")), b=format_yuan(line.base_fen)))
    calc = _base_text(line, basis, t)
    if line.min_fen is not None:
        calc += comma + t["minimum"].format(m=format_yuan(line.min_fen))
    calc += f" = {format_yuan(line.tax_fen)}"
    if line.relief_fen:
        calc += comma + t["relief"].format(p=num(line.reduction_percent), r=format_yuan(line.relief_fen))
        calc += f" = {format_yuan(line.amount_fen)}"
    parts.append(calc)
    return f"{name}{sep}" + ("；" if zh else "; ").join(parts)


def explain(a, lang: str = "zh") -> str:
    lang = "en" if lang == "en" else "zh"
    t = _T[lang]
    zh = lang == "zh"
    sep = "：" if zh else ": "
    f = a.facts
    out = [f"{t['title']}（{t['assessed_on']} {a.assessed_on.isoformat()}）" if zh
           else f"{t['title']} ({t['assessed_on']} {a.assessed_on.isoformat()})"]
    parts = [f"{t['landlord']}{sep}{LANDLORD_KIND_LABELS[f.landlord_kind][lang]}",
             f"{t['use']}{sep}{USE_LABELS[f.use][lang]}",
             f"{t['rent']}{sep}{format_yuan(f.monthly_rent_fen)}"]
    if f.area_m2 is not None:
        parts.append(f"{t['area']}{sep}{f.area_m2} m²")
    if f.street_code:
        parts.append(f"{t['street']}{sep}{f.street_code}")
    out.append(("；" if zh else "; ").join(parts))
    n = len(a.months)
    if a.months:
        first, last = a.start.isoformat(), a.end.isoformat()
    else:
        first, last = a.first, a.last
    out.append(f"{t['period']}{sep}{first} {t['to']} {last}，{n} {t['months']}" if zh
               else f"{t['period']}{sep}{first} {t['to']} {last}, {n} {t['months']}")
    if not a.months:
        out.append(t["none"])
    for s in a.schedules:
        title = s["title_zh"] if zh else s["title_en"]
        line = f"{t['schedule']}{sep}{s['id']} v{s['version']} {title}"
        if s.get("sample") and t["sample"] not in title:
            line += f"（{t['sample']}）" if zh else f" ({t['sample']})"
        if s.get("sources"):
            line += f"（{t['sources']}：{s['sources']}）" if zh else f" ({t['sources']}: {s['sources']})"
        out.append(line)
    # group consecutive identical periods
    by_period: dict = {}
    for line in a.lines:
        by_period.setdefault(line.period.start, []).append(line)
    groups: list[list] = []
    skip = ("start", "end", "full_end")
    for m in a.months:
        ls = by_period.get(m.period.start, [])
        key = (tuple(sorted((k, str(v)) for k, v in m.to_dict().items() if k not in skip)), m.prorated,
               tuple(tuple(sorted((k, str(v)) for k, v in x.to_dict().items() if k not in skip)) for x in ls))
        if groups and groups[-1][0] == key and m.period.follows(groups[-1][2][-1].period):
            groups[-1][2].append(m)
        else:
            groups.append([key, ls, [m]])
    for _key, ls, ms in groups:
        b = ms[0]
        span = f"{b.period.start.isoformat()} – {ms[-1].period.end.isoformat()}"
        head = f"{span}（{t['each']}）" if zh and len(ms) > 1 else (f"{span} ({t['each']})" if len(ms) > 1 else span)
        out.append("")
        out.append(f"{head}{sep}{t['taxable']} {format_yuan(b.taxable_rent_fen)}")
        if b.prorated:
            out.append("  " + t["prorated"].format(r=format_yuan(b.taxable_rent_fen), d=b.period.days,
                                                   f=b.period.full_days, x=format_yuan(b.rent_fen)))
        if b.floor_rent_fen is not None:
            key = "floor" if b.floor_rent_fen > b.declared_rent_fen else "floor_ok"
            out.append("  " + t[key].format(g=f"¥{num(b.guidance_yuan_per_m2)}", a=str(a.facts.area_m2),
                                            f=format_yuan(b.floor_rent_fen))
                       + (t["guidance_sample"] if b.guidance_sample else ""))
        if b.vat_divisor is not None and b.rent_ex_vat_fen is not None:
            out.append("  " + t["ex_vat"].format(r=format_yuan(b.rent_fen), d=num(b.vat_divisor),
                                                 x=format_yuan(b.rent_ex_vat_fen)))
        month_total = 0
        for line in ls:
            out.append("  " + _line_text(line, b, lang))
            month_total += line.amount_fen
        if len(ms) > 1:
            out.append(f"  {t['each']}{sep}{format_yuan(month_total)} × {len(ms)} = {format_yuan(month_total * len(ms))}")
    out.append("")
    if a.repair_cost_fen:
        cap = next((x.repair_cap_fen for x in a.lines if x.repair_cap_fen is not None), 0)
        out.append(t["repair"].format(c=format_yuan(a.repair_cost_fen), u=format_yuan(a.repair_used_fen),
                                      k=format_yuan(a.repair_carry_fen), cap=format_yuan(cap)))
    if a.items:
        out.append(f"{t['item_total']}{sep}" + ("；" if zh else "; ").join(
            f"{(it.name_zh if zh else it.name_en)} {format_yuan(it.amount_fen)}" for it in a.items))
    out.append(f"{t['total']}{sep}{format_yuan(a.total_fen)}")
    out.append(t["rule"])
    return "\n".join(out)
