"""The printed receipt's lines add up (issue 13): every row read back from the PDF (pdftotext) recomputes
with plain Decimal arithmetic - base x rate = tax, tax - relief = each period, x periods = amount - the
notes' bases recompute too (a short period's rent = monthly rent x days / days of the full period, rent /
1.05, the income tax base), and the amounts add up to the printed total. Nothing here uses the engine's
code to recompute."""
from __future__ import annotations

import re
import subprocess
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import pytest

from counter.extensions import db

from .conftest import needs_tools, pdf_pages

_NUM = r"\d[\d,]*\.\d{2}"
_ROW = re.compile(
    rf"^\s*(?P<item>[\u4e00-\u9fff]+)\s+(?P<period>\d{{4}}-\d{{2}}-\d{{2}}至\d{{4}}-\d{{2}}-\d{{2}})\s+"
    rf"(?P<base>{_NUM})\s+(?P<rate>\d+(?:\.\d+)?)%\s+(?P<tax>{_NUM})\s+"
    rf"(?:(?P<pct>\d+(?:\.\d+)?)%\s+(?P<relief>{_NUM})\s+)?(?P<n>\d+)\s+(?P<amount>{_NUM})\s*$", re.M)
_PRORATE = re.compile(rf"租金（(\d{{4}}-\d{{2}}-\d{{2}})至(\d{{4}}-\d{{2}}-\d{{2}})，不足一期，按日折算）=月租金({_NUM})"
                      rf"×(\d+)÷(\d+)=({_NUM})")
_EX_VAT = re.compile(rf"不含增值税租金（[^）]*）=({_NUM})÷(\d\.\d+)=({_NUM})")
_IIT_PCT = re.compile(rf"个人所得税（([^）]*)）应纳税所得额=\(收入({_NUM})−税费({_NUM})−修缮费用({_NUM})\)×\(1−(\d+)%\)=({_NUM})")
_IIT_FIX = re.compile(rf"个人所得税（([^）]*)）应纳税所得额=收入({_NUM})−税费({_NUM})−修缮费用({_NUM})−({_NUM})=({_NUM})")
_FLOOR = re.compile(rf"计税租金（[^）]*）=指导租金(\d+(?:\.\d+)?)/m²×(\d+(?:\.\d+)?)m²=({_NUM})")
_TOTAL = re.compile(rf"合计（大写）.*?¥({_NUM})")


def D(text: str) -> Decimal:
    return Decimal(text.replace(",", ""))


def fen(x: Decimal) -> Decimal:
    return x.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def layout_text(pdf: bytes, tmp) -> str:
    path = tmp / "receipt.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-layout", "-enc", "UTF-8", str(path), "-"], check=True,
                          capture_output=True).stdout.decode("utf-8")


def check_printed_arithmetic(text: str) -> list[dict]:
    """Recompute every printed row and note; returns the rows (asserts on the way)."""
    rows = [m.groupdict() for m in _ROW.finditer(text)]
    assert rows, text
    for r in rows:
        tax = fen(D(r["base"]) * D(r["rate"]) / 100)
        assert tax == D(r["tax"]), r
        relief = fen(tax * D(r["pct"]) / 100) if r["pct"] else Decimal(0)
        assert relief == (D(r["relief"]) if r["relief"] else 0), r
        assert (tax - relief) * int(r["n"]) == D(r["amount"]), r
    flat = re.sub(r"\s+", "", text)
    for start, end, monthly, days, full, rent in _PRORATE.findall(flat):
        assert (date.fromisoformat(end) - date.fromisoformat(start)).days + 1 == int(days) < int(full)
        assert fen(D(monthly) * int(days) / int(full)) == D(rent)
    for rent, divisor, ex_vat in _EX_VAT.findall(flat):
        assert fen(D(rent) / D(divisor)) == D(ex_vat)
    for guidance, area, floor in _FLOOR.findall(flat):
        assert fen(D(guidance) * D(area)) == D(floor)
    iit_bases = {D(r["base"]) for r in rows if r["item"] == "个人所得税"}
    notes = 0
    for _span, income, taxes, repair, pct, base in _IIT_PCT.findall(flat):
        assert fen((D(income) - D(taxes) - D(repair)) * (100 - D(pct)) / 100) == D(base) and D(base) in iit_bases
        notes += 1
    for _span, income, taxes, repair, deduction, base in _IIT_FIX.findall(flat):
        assert D(income) - D(taxes) - D(repair) - D(deduction) == D(base) and D(base) in iit_bases
        notes += 1
    assert notes == len([r for r in rows if r["item"] == "个人所得税"])
    (total,) = _TOTAL.findall(text)
    assert sum(D(r["amount"]) for r in rows) == D(total)
    return rows


@needs_tools
def test_sample_receipt_lines_recompute(tmp_path):
    from printing import render_receipt, samples

    data = samples.sample_receipt()
    pdf = render_receipt(data)
    rows = check_printed_arithmetic(layout_text(pdf, tmp_path))
    assert len(rows) == len(data.lines) and pdf_pages(pdf, tmp_path) == 1


def _lease(street_id, rent_fen, start, end):
    from counter.leases.idnumbers import make_resident_id
    from counter.leases.services import LeaseInput, PartyInput, register_lease

    parties = [PartyInput("landlord", "王建国", "resident_id", make_resident_id("44030419800101777"), phone="13800138000"),
               PartyInput("tenant", "李娜", "resident_id", make_resident_id("44030419900101778"), phone="13900139000")]
    house = "4403040010000000001077701"
    data = LeaseInput(street_id=street_id, house_code=house, building_code=house[:19],
                      address="深圳市福田区南园街道福华路10号A栋", room="1777室", floor_area_centi=12000,
                      design_use="residential", has_title=True, lease_use="residential", rented_area_centi=12000,
                      signing_date=start, start_date=start, end_date=end, monthly_rent_fen=rent_fen,
                      deposit_fen=rent_fen, payment_cycle="monthly", parties=parties)
    lease = register_lease(data, confirm_overlap=True)
    db.session.commit()
    return lease


def _collect_and_print(lease, first, last, key, clerk, tmp_path, **kw):
    """Collect ``first..last`` and print the receipt's original: (receipt, printed, its layout text)."""
    from counter.collection import services as svc
    from counter.documents import services as docs

    receipt = svc.collect(lease, first, last, "cash", None, key, clerk=clerk, **kw)
    db.session.commit()
    printed = docs.print_receipt(receipt)
    db.session.commit()
    return receipt, printed, layout_text(printed.pdf, tmp_path)


@needs_tools
def test_receipt_across_a_schedule_change_recomputes_on_paper(app, streets, users, tmp_path):
    """¥120,000 a month, December 2022 (threshold ¥150,000: VAT exempt) and January 2023 (threshold
    ¥100,000: VAT charged on 120,000 / 1.05): two rows per item, each recomputing; one page."""
    lease = _lease(streets[0].id, 12000000, date(2022, 11, 1), date(2023, 10, 31))
    receipt, printed, text = _collect_and_print(lease, "2022-12", "2023-01", "arith-1", users["clerk_a"], tmp_path)
    rows = check_printed_arithmetic(text)
    assert sum(D(r["amount"]) for r in rows) * 100 == receipt.total_fen
    assert {r["period"] for r in rows} == {"2022-12-01至2022-12-31", "2023-01-01至2023-01-31"}
    assert "示例税率" in text  # a demo install: sample rates are marked
    assert "120,000.00 ÷ 1.05 = 114,285.71" in text
    assert pdf_pages(printed.pdf, tmp_path) == 1


@needs_tools
@pytest.mark.parametrize("repair", [0, 150000])
def test_receipt_with_repair_costs_recomputes(app, streets, users, tmp_path, repair):
    """The repair costs deducted show in the income tax note of the receipt (¥800 a period, the rest carried)."""
    lease = _lease(streets[0].id, 300000, date(2026, 1, 1), date(2026, 12, 31))
    _receipt, _printed, text = _collect_and_print(lease, "2026-01", "2026-02", f"arith-r{repair}", users["clerk_a"],
                                                  tmp_path, repair_cost_fen=repair)
    check_printed_arithmetic(text)
    flat = re.sub(r"\s+", "", text)
    assert "指导租金70/m²×120.00m²=8,400.00" in flat  # the sample guidance floor of 南园 (70 x 120 m²)
    if repair:
        assert "修缮费用800.00)" in flat and "修缮费用700.00)" in flat   # 800 in January, the rest in February
        assert "结转0.00" in flat


@needs_tools
def test_prorated_last_period_receipt_shows_the_dates(app, streets, users, tmp_path):
    """A lease from 2024-03-15 to 2024-06-30: its last rent period, 2024-06-15 .. 2024-06-30, is 16 days of a
    30-day period (06-15 .. 07-14). The receipt prints the period's dates (税款所属期 and the rows), the
    prorated rent (the monthly taxable rent x 16 / 30, recomputed from the paper by check_printed_arithmetic),
    and the short row's bases come from it; one page."""
    lease = _lease(streets[0].id, 300000, date(2024, 3, 15), date(2024, 6, 30))
    receipt, printed, text = _collect_and_print(lease, "2024-03-15", "2024-06-15", "arith-short", users["clerk_a"],
                                                tmp_path)
    rows = check_printed_arithmetic(text)
    flat = re.sub(r"\s+", "", text)
    assert "税款所属期2024年3月15日至2024年6月30日" in flat
    # the guidance floor of 南园 (70/m² x 120 m² = 8,400) is above the declared 3,000: prorated 8,400 x 16 / 30
    assert "租金（2024-06-15至2024-06-30，不足一期，按日折算）=月租金8,400.00×16÷30=4,480.00" in flat
    assert {r["period"]: int(r["n"]) for r in rows if r["item"] == "房产税"} == \
        {"2024-03-15至2024-06-14": 3, "2024-06-15至2024-06-30": 1}
    short = next(r for r in rows if r["item"] == "房产税" and r["period"] == "2024-06-15至2024-06-30")
    assert short["base"] == "4,480.00"
    assert sum(D(r["amount"]) for r in rows) * 100 == receipt.total_fen
    assert pdf_pages(printed.pdf, tmp_path) == 1
