"""Plain-language explanation of an :class:`~fees.Assessment` (zh / en).

Works from the stored snapshot only (``Assessment.from_dict``), so an
assessment can be re-explained years later without the schedules. Consecutive
months with identical computations are grouped ("2026-01 – 2026-03, each month").
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
        "period": "计税期间", "months": "个月", "to": "至", "none": "（无计税月份，应纳税额为 0）",
        "schedule": "适用税率表", "sample": "样例税率，须与主管税务机关核实",
        "each": "每月", "taxable": "计税月租金",
        "floor": "申报租金低于指导租金 {g}/m² × {a} m² = {f}，按指导租金计税",
        "floor_ok": "指导租金 {g}/m² × {a} m² = {f}，不高于申报租金",
        "exempt": "免征", "threshold": "免征（月租金 ≤ {t}）", "vat_exempt": "免征（增值税免征）",
        "reduction": "减征 {p}%", "minimum": "按最低 {m} 计", "net": "租金 {r} − 已缴税费 {t} = {n}",
        "deduct": "减除费用 {d}", "assessed": "核定征收",
        "band": "综合征收率",
        "total": "合计", "rule": "各项税费按月逐项四舍五入到分，合计为各行之和。",
        "item_total": "分项合计",
    },
    "en": {
        "title": "Rental tax calculation",
        "assessed_on": "assessed on",
        "landlord": "Landlord", "use": "Use", "rent": "Declared monthly rent", "area": "Area", "street": "Street",
        "period": "Period", "months": "month(s)", "to": "to", "none": "(no months taxed; tax is 0)",
        "schedule": "Rate schedule", "sample": "SAMPLE rates, to be confirmed with the local tax bureau",
        "each": "each month", "taxable": "taxable monthly rent",
        "floor": "declared rent is below the guidance rent {g}/m² × {a} m² = {f}; taxed on the guidance rent",
        "floor_ok": "guidance rent {g}/m² × {a} m² = {f} is not above the declared rent",
        "exempt": "exempt", "threshold": "exempt (monthly rent ≤ {t})", "vat_exempt": "exempt (VAT is exempt)",
        "reduction": "reduced by {p}%", "minimum": "minimum {m} applied", "net": "rent {r} − taxes levied {t} = {n}",
        "deduct": "less deduction {d}", "assessed": "assessed rate",
        "band": "comprehensive rate",
        "total": "Total", "rule": "Each item is rounded to the fen (half up) per month; the total is the sum of the lines.",
        "item_total": "By item",
    },
}


def _pct(rate: Decimal) -> str:
    v = (rate * 100).normalize()
    s = format(v, "f")
    return f"{s}%"


def _num(d: Decimal) -> str:
    return format(d.normalize(), "f") if d != 0 else "0"


def _yuan_exact(d: Decimal) -> str:
    q = d.quantize(Decimal("0.01"))
    return f"¥{q:,}" if q == d else f"¥{d:,.4f}…" if d != d.quantize(Decimal("0.0001")) else f"¥{d:,.4f}"


def _line_text(line, basis, lang: str) -> str:
    t = _T[lang]
    name = line.name_zh if lang == "zh" else line.name_en
    if line.exempt_reason == "exempt":
        return f"{name}：{t['exempt']}" if lang == "zh" else f"{name}: {t['exempt']}"
    if line.exempt_reason == "threshold":
        s = t["threshold"].format(t=format_yuan(line.threshold_fen or 0))
        return f"{name}：{s}" if lang == "zh" else f"{name}: {s}"
    if line.exempt_reason == "vat_exempt":
        return f"{name}：{t['vat_exempt']}" if lang == "zh" else f"{name}: {t['vat_exempt']}"
    k = line.base_kind
    if line.item == "comprehensive":
        calc = f"{format_yuan(line.base_fen)} × {t['band']} {_pct(line.rate)}"
    elif k == "rent_ex_vat":
        calc = f"{format_yuan(line.base_fen)} ÷ {_num(line.vat_divisor or Decimal('1.05'))} × {_pct(line.rate)}"
    elif k in ("rent", "contract_amount", "vat"):
        calc = f"{format_yuan(line.base_fen)} × {_pct(line.rate)}"
    elif k == "area":
        calc = f"{line.area_m2} m² × ¥{_num(line.rate)}/m²"
    elif k == "iit_rent":
        if line.deduction_yuan is None:
            calc = f"{format_yuan(line.base_fen)} × {t['assessed']} {_pct(line.rate)}"
        else:
            levied = basis.taxable_rent_fen - line.base_fen
            net = t["net"].format(r=format_yuan(basis.taxable_rent_fen), t=format_yuan(levied),
                                  n=format_yuan(line.base_fen))
            calc = f"({net}, {t['deduct'].format(d=_yuan_exact(line.deduction_yuan))}) × {_pct(line.rate)}"
    else:
        calc = f"{format_yuan(line.base_fen)} × {_pct(line.rate)}"
    extras = []
    if line.min_fen is not None:
        extras.append(t["minimum"].format(m=format_yuan(line.min_fen)))
    if line.reduction_percent:
        extras.append(t["reduction"].format(p=_num(line.reduction_percent)))
    extra = ("，" if lang == "zh" else ", ") + ("，" if lang == "zh" else ", ").join(extras) if extras else ""
    sep = "：" if lang == "zh" else ": "
    return f"{name}{sep}{calc}{extra} = {format_yuan(line.amount_fen)}"


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
    out.append(f"{t['period']}{sep}{a.first} {t['to']} {a.last}，{n} {t['months']}" if zh
               else f"{t['period']}{sep}{a.first} {t['to']} {a.last}, {n} {t['months']}")
    if not a.months:
        out.append(t["none"])
    for s in a.schedules:
        title = s["title_zh"] if zh else s["title_en"]
        line = f"{t['schedule']}{sep}{s['id']} v{s['version']} {title}"
        if s.get("sample") and t["sample"] not in title:
            line += f"（{t['sample']}）" if zh else f" ({t['sample']})"
        out.append(line)
    # group consecutive identical months
    by_month: dict = {}
    for line in a.lines:
        by_month.setdefault(line.month, []).append(line)
    groups: list[list] = []
    for m in a.months:
        ls = by_month.get(m.month, [])
        key = (m.declared_rent_fen, m.taxable_rent_fen, m.schedule_id, m.schedule_version, m.rule_id,
               m.guidance_yuan_per_m2, m.floor_rent_fen,
               tuple((x.item, x.base_fen, x.rate, x.reduction_percent, x.amount_fen, x.exempt_reason, x.min_fen,
                      x.deduction_yuan) for x in ls))
        if groups and groups[-1][0] == key and groups[-1][2][-1].month.next() == m.month:
            groups[-1][2].append(m)
        else:
            groups.append([key, ls, [m]])
    for _key, ls, ms in groups:
        b = ms[0]
        span = str(b.month) if len(ms) == 1 else f"{b.month} – {ms[-1].month}"
        head = f"{span}（{t['each']}）" if zh and len(ms) > 1 else (f"{span} ({t['each']})" if len(ms) > 1 else span)
        out.append("")
        out.append(f"{head}{sep}{t['taxable']} {format_yuan(b.taxable_rent_fen)}")
        if b.floor_rent_fen is not None:
            key = "floor" if b.floor_rent_fen > b.declared_rent_fen else "floor_ok"
            out.append("  " + t[key].format(g=f"¥{_num(b.guidance_yuan_per_m2)}", a=str(a.facts.area_m2),
                                            f=format_yuan(b.floor_rent_fen)))
        month_total = 0
        for line in ls:
            out.append("  " + _line_text(line, b, lang))
            month_total += line.amount_fen
        if len(ms) > 1:
            out.append(f"  {t['each']}{sep}{format_yuan(month_total)} × {len(ms)} = {format_yuan(month_total * len(ms))}")
    out.append("")
    if a.items:
        out.append(f"{t['item_total']}{sep}" + ("；" if zh else "; ").join(
            f"{(it.name_zh if zh else it.name_en)} {format_yuan(it.amount_fen)}" for it in a.items))
    out.append(f"{t['total']}{sep}{format_yuan(a.total_fen)}")
    out.append(t["rule"])
    return "\n".join(out)
