"""Hand-computed cases, mostly on one-item custom schedules. Every expected amount is worked out by
hand in the comment next to it (yuan; tax = round(base x rate), relief = round(tax x percent),
amount = tax - relief; total = sum of lines). The cases on the shipped schedules with every line's
figures are in test_fees_handworked.py.
Relief windows of the shipped schedules: 50 % on the "six taxes and two fees"
(urban construction, education, local education, property tax, stamp duty,
land use tax) 2019-2021, 2022-2024, 2025-2027 for individuals."""
from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

import fees
from fees import GuidanceRent, GuidanceRents, ScheduleSet
from fees_testlib import custom, facts, run, shipped

VAT5 = {"code": "vat", "base": "rent_ex_vat", "rate": "5%"}
VAT15 = {"code": "vat", "base": "rent_ex_vat", "rate": "1.5%"}
RELIEF = ["urban_construction", "education_surcharge", "local_education_surcharge", "property_tax",
          "stamp_duty", "land_use_tax"]


def pt(rate="12%"):
    return {"code": "property_tax", "base": "rent", "rate": rate}


def iit(rate, **kw):
    return {"code": "individual_income_tax", "base": "iit_rent", "rate": rate, **kw}


def g(street, use, yuan, ef=date(2019, 1, 1)):
    return GuidanceRent(street, use, Decimal(yuan), ef)


def comp(*ids):
    return ScheduleSet(fees.load_shipped_schedules(ids))


# (name, facts, first, last, schedules, guidance, expected non-zero item totals, expected total)
CASES = [
    # ---------------------------------------------------------------- each item alone
    ("vat-5pct", facts(1050000), "2026-01", "2026-01", custom([VAT5]), None,
     # 10500 / 1.05 = 10000 x 5 % = 500.00
     {"vat": 50000}, 50000),
    ("vat-1.5pct", facts(350000), "2026-01", "2026-01", custom([VAT15]), None,
     # 3500 / 1.05 = 3333.33.. x 1.5 % = 50.00 exactly (3500 x 0.015 = 52.5; / 1.05 = 50)
     {"vat": 5000}, 5000),
    ("urban-construction", facts(1050000), "2026-01", "2026-01",
     custom([VAT5, {"code": "urban_construction", "base": "vat", "rate": "7%"}]), None,
     # VAT 500.00; 7 % of 500.00 = 35.00
     {"vat": 50000, "urban_construction": 3500}, 53500),
    ("education", facts(1050000), "2026-01", "2026-01",
     custom([VAT5, {"code": "education_surcharge", "base": "vat", "rate": "3%"}]), None,
     # 3 % of 500.00 = 15.00
     {"vat": 50000, "education_surcharge": 1500}, 51500),
    ("local-education", facts(1050000), "2026-01", "2026-01",
     custom([VAT5, {"code": "local_education_surcharge", "base": "vat", "rate": "2%"}]), None,
     # 2 % of 500.00 = 10.00
     {"vat": 50000, "local_education_surcharge": 1000}, 51000),
    ("property-tax", facts(300000), "2026-01", "2026-01", custom([pt()]), None,
     # 3000 x 12 % = 360.00
     {"property_tax": 36000}, 36000),
    ("stamp-duty", facts(300000), "2026-01", "2026-01",
     custom([{"code": "stamp_duty", "base": "contract_amount", "rate": "0.1%", "min_fen": 100}]), None,
     # 3000 x 0.1 % = 3.00 (above the ¥1 minimum)
     {"stamp_duty": 300}, 300),
    ("stamp-duty-minimum", facts(50000), "2026-01", "2026-01",
     custom([{"code": "stamp_duty", "base": "contract_amount", "rate": "0.1%", "min_fen": 100}]), None,
     # 500 x 0.1 % = 0.50 -> minimum ¥1.00
     {"stamp_duty": 100}, 100),
    ("stamp-duty-minimum-then-reduction", facts(50000), "2026-01", "2026-01",
     custom([{"code": "stamp_duty", "base": "contract_amount", "rate": "0.1%", "min_fen": 100}],
            reductions=[{"items": ["stamp_duty"], "percent": "50", "from": "2025-01-01", "to": "2027-12-31"}]), None,
     # 0.50 -> minimum 1.00, then 50 % relief -> 0.50
     {"stamp_duty": 50}, 50),
    ("iit-10pct-fixed-deduction", facts(300000), "2026-01", "2026-01", custom([iit("10%")]), None,
     # net 3000 <= 4000: 3000 - 800 = 2200 x 10 % = 220.00
     {"individual_income_tax": 22000}, 22000),
    ("iit-20pct-percent-deduction", facts(500000), "2026-01", "2026-01", custom([iit("20%")]), None,
     # net 5000 > 4000: 5000 x 80 % = 4000 x 20 % = 800.00
     {"individual_income_tax": 80000}, 80000),
    ("iit-at-4000", facts(400000), "2026-01", "2026-01", custom([iit("10%")]), None,
     # 4000 <= 4000: 4000 - 800 = 3200 x 10 % = 320.00
     {"individual_income_tax": 32000}, 32000),
    ("iit-at-4000.01", facts(400001), "2026-01", "2026-01", custom([iit("10%")]), None,
     # 4000.01 > 4000: x 80 % = 3200.008 x 10 % = 320.0008 -> 320.00
     {"individual_income_tax": 32000}, 32000),
    ("iit-at-4000.07", facts(400007), "2026-01", "2026-01", custom([iit("10%")]), None,
     # 4000.07 x 80 % = 3200.056 x 10 % = 320.0056 -> 320.01
     {"individual_income_tax": 32001}, 32001),
    ("iit-below-800", facts(50000), "2026-01", "2026-01", custom([iit("10%")]), None,
     # 500 - min(800, 500) = 0 -> 0.00
     {}, 0),
    ("iit-assessed-rate", facts(350000), "2026-01", "2026-01", custom([iit("10%", assessed_rate="1.5%")]), None,
     # assessed: 3500 x 1.5 % = 52.50
     {"individual_income_tax": 5250}, 5250),
    ("land-use-tax-area", facts(300000, area="45.50"), "2026-01", "2026-01",
     custom([{"code": "land_use_tax", "base": "area", "rate": "0.50"}]), None,
     # 45.50 m2 x 0.50 = 22.75
     {"land_use_tax": 2275}, 2275),
    # ---------------------------------------------------------------- thresholds (<= is exempt)
    ("vat-threshold-at", facts(10000000), "2026-01", "2026-01",
     custom([dict(VAT15, exempt_up_to_monthly_rent_fen=10000000)]), None,
     # 100,000.00 <= 100,000.00 -> exempt
     {}, 0),
    ("vat-threshold-one-fen-above", facts(10000001), "2026-01", "2026-01",
     custom([dict(VAT15, exempt_up_to_monthly_rent_fen=10000000)]), None,
     # 100000.01 x 0.015 = 1500.00015 / 1.05 = 1428.57157.. -> 1428.57
     {"vat": 142857}, 142857),
    ("shipped-2023-at-100k", facts(10000000), "2026-01", "2026-01", shipped(), None,
     # VAT & surcharges exempt (<= 100k); stamp & land exempt (individual housing)
     # property 100000 x 4 % = 4000 x 50 % = 2000.00
     # IIT net 100000 - 2000 = 98000 x 80 % = 78400 x 10 % = 7840.00
     {"property_tax": 200000, "individual_income_tax": 784000}, 984000),
    ("shipped-2014-at-30k", facts(3000000), "2016-06", "2016-06", shipped(), None,
     # <= 30k: VAT exempt; no relief before 2019. property 30000 x 4 % = 1200.00
     # IIT (30000 - 1200) x 80 % = 23040 x 10 % = 2304.00
     {"property_tax": 120000, "individual_income_tax": 230400}, 350400),
    ("shipped-2021-at-150k", facts(15000000), "2022-06", "2022-06", shipped(), None,
     # <= 150k: VAT exempt. property 150000 x 4 % = 6000 x 50 % = 3000.00
     # IIT (150000 - 3000) x 80 % = 117600 x 10 % = 11760.00
     {"property_tax": 300000, "individual_income_tax": 1176000}, 1476000),
    ("shipped-2021-120k-exempt", facts(12000000), "2021-06", "2021-06", shipped(), None,
     # 120k <= 150k: VAT exempt. property 4800 x 50 % = 2400.00
     # IIT (120000 - 2400) x 80 % = 94080 x 10 % = 9408.00
     {"property_tax": 240000, "individual_income_tax": 940800}, 1180800),
    # ---------------------------------------------------------------- across a schedule change
    ("across-2019-relief-start", facts(500000), "2018-12", "2019-01", shipped(), None,
     # 2018-12: property 5000 x 4 % = 200.00; IIT (5000-200) x 80 % = 3840 x 10 % = 384.00
     # 2019-01: property 200 x 50 % = 100.00; IIT (5000-100) x 80 % = 3920 x 10 % = 392.00
     {"property_tax": 30000, "individual_income_tax": 77600}, 107600),
    ("later-effective-from-wins", facts(500000), "2018-12", "2019-01",
     ScheduleSet([replace(s, id=s.id + "-x", effective_to=None) for s in fees.load_shipped_schedules(["comprehensive-2014"])]
                 + fees.load_shipped_schedules(["comprehensive-2019"])), None,
     # 2014 schedule made open-ended: 2019-01 is in force under both; 2019 (later effective_from) wins
     # 2018-12: 5000 x 4.44 % = 222.00; 2019-01: 5000 x 2.5 % = 125.00
     {"comprehensive": 34700}, 34700),
    ("comprehensive-across-2019", facts(500000), "2018-12", "2019-01",
     comp("comprehensive-2014", "comprehensive-2019"), None,
     # 2018-12: 5000 in the 5-20k band: x 4.44 % = 222.00; 2019-01: <= 100k: x 2.5 % = 125.00
     {"comprehensive": 34700}, 34700),
    # ---------------------------------------------------------------- reduction windows
    ("reduction-starts-mid-month", facts(100000), "2026-01", "2026-03",
     custom([pt()], reductions=[{"items": ["property_tax"], "percent": "50", "from": "2026-02-15", "to": "2026-12-31"}]),
     None,
     # 1000 x 12 % = 120.00 per month; Jan 1 and Feb 1 are before Feb 15 -> not reduced; Mar 1 -> 60.00
     {"property_tax": 30000}, 30000),
    ("reduction-starts-on-first", facts(100000), "2026-01", "2026-03",
     custom([pt()], reductions=[{"items": ["property_tax"], "percent": "50", "from": "2026-02-01", "to": "2026-12-31"}]),
     None,
     # Jan 120.00, Feb 60.00, Mar 60.00
     {"property_tax": 24000}, 24000),
    ("reduction-ends-mid-month", facts(100000), "2026-01", "2026-03",
     custom([pt()], reductions=[{"items": ["property_tax"], "percent": "50", "from": "2026-01-01", "to": "2026-02-15"}]),
     None,
     # Jan 1 and Feb 1 inside the window -> 60.00 each; Mar 120.00
     {"property_tax": 24000}, 24000),
    ("reduction-not-vat", facts(1050000), "2026-01", "2026-01",
     custom([VAT5, pt()], reductions=[{"items": RELIEF, "percent": "50", "from": "2026-01-01", "to": "2026-12-31"}]),
     None,
     # VAT not in relief: 500.00; property 10500 x 12 % = 1260 x 50 % = 630.00
     {"vat": 50000, "property_tax": 63000}, 113000),
    # ---------------------------------------------------------------- guidance floor
    ("below-guidance-floor", facts(300000, area="50.00", street="440304003"), "2026-01", "2026-01",
     custom([pt()]), GuidanceRents([g("440304003", "residential", "85.00")]),
     # floor 85 x 50 = 4250.00 > 3000 -> taxable 4250; x 12 % = 510.00
     {"property_tax": 51000}, 51000),
    ("guidance-floor-rounded", facts(150000, area="33.33", street="440304003"), "2026-01", "2026-01",
     custom([pt()]), GuidanceRents([g("440304003", "residential", "55.55")]),
     # floor 55.55 x 33.33 = 1851.4815 -> 1851.48; x 12 % = 222.1776 -> 222.18
     {"property_tax": 22218}, 22218),
    ("above-guidance-floor", facts(500000, area="50.00", street="440304003"), "2026-01", "2026-01",
     custom([pt()]), GuidanceRents([g("440304003", "residential", "85.00")]),
     # declared 5000 > floor 4250 -> 5000 x 12 % = 600.00
     {"property_tax": 60000}, 60000),
    ("guidance-other-street", facts(300000, area="50.00", street="440304001"), "2026-01", "2026-01",
     custom([pt()]), GuidanceRents([g("440304003", "residential", "85.00")]),
     # no guidance for street 001 -> 3000 x 12 % = 360.00
     {"property_tax": 36000}, 36000),
    ("guidance-latest-wins", facts(300000, area="40", street="440304001"), "2026-01", "2026-02",
     custom([pt()]), GuidanceRents([g("440304001", "residential", "50.00"),
                                    g("440304001", "residential", "100.00", date(2026, 2, 1))]),
     # Jan floor 50 x 40 = 2000 < 3000 -> 360.00; Feb floor 100 x 40 = 4000 -> 480.00
     {"property_tax": 84000}, 84000),
    # ---------------------------------------------------------------- rounding at exactly half a fen
    ("half-fen-rounds-up", facts(12345), "2026-01", "2026-01", custom([pt("10%")]), None,
     # 123.45 x 10 % = 12.345 -> 12.35 (half up; banker's would give 12.34)
     {"property_tax": 1235}, 1235),
    ("half-fen-odd-rounds-up", facts(12355), "2026-01", "2026-01", custom([pt("10%")]), None,
     # 123.55 x 10 % = 12.355 -> 12.36
     {"property_tax": 1236}, 1236),
    ("just-below-half-fen-rounds-down", facts(123449), "2026-01", "2026-01", custom([pt("1%")]), None,
     # 1234.49 x 1 % = 12.3449 -> 12.34
     {"property_tax": 1234}, 1234),
    ("single-rounding-with-reduction", facts(123450), "2026-01", "2026-01",
     custom([pt("1%")], reductions=[{"items": ["property_tax"], "percent": "50", "from": "2026-01-01", "to": "2026-12-31"}]),
     None,
     # 1234.50 x 1 % = 12.345 -> 12.35; relief 12.35 x 50 % = 6.175 -> 6.18; amount 12.35 - 6.18 = 6.17
     {"property_tax": 617}, 617),
    # ---------------------------------------------------------------- organization vs individual
    ("individual-housing", facts(1050000), "2026-01", "2026-01", shipped(), None,
     # property 10500 x 4 % = 420 x 50 % = 210.00; IIT (10500 - 210) x 80 % = 8232 x 10 % = 823.20
     {"property_tax": 21000, "individual_income_tax": 82320}, 103320),
    # ---------------------------------------------------------------- comprehensive bands (up_to inclusive)
    ("comp2014-4999.99", facts(499999), "2016-06", "2016-06", comp("comprehensive-2014"), None,
     # under 5k: 4999.99 x 4.12 % = 205.999588 -> 206.00
     {"comprehensive": 20600}, 20600),
    ("comp2014-5000", facts(500000), "2016-06", "2016-06", comp("comprehensive-2014"), None,
     # 5000 is in 5-20k: x 4.44 % = 222.00
     {"comprehensive": 22200}, 22200),
    ("comp2014-20000", facts(2000000), "2016-06", "2016-06", comp("comprehensive-2014"), None,
     # 20000 still in 5-20k: x 4.44 % = 888.00
     {"comprehensive": 88800}, 88800),
    ("comp2014-20000.01", facts(2000001), "2016-06", "2016-06", comp("comprehensive-2014"), None,
     # over 20k: 20000.01 x 6.12 % = 1224.000612 -> 1224.00
     {"comprehensive": 122400}, 122400),
    ("comp2019-100k", facts(10000000), "2026-01", "2026-01", comp("comprehensive-2019"), None,
     # <= 100k: x 2.5 % = 2500.00
     {"comprehensive": 250000}, 250000),
    ("comp2019-100k+1fen", facts(10000001), "2026-01", "2026-01", comp("comprehensive-2019"), None,
     # 100000.01 x 4.09 % = 4090.000409 -> 4090.00
     {"comprehensive": 409000}, 409000),
    ("comp2019-3500-two-months", facts(350000), "2026-01", "2026-02", comp("comprehensive-2019"), None,
     # 3500 x 2.5 % = 87.50 a month, x 2
     {"comprehensive": 17500}, 17500),
    ("itemised-preferred-by-priority", facts(350000), "2026-01", "2026-01",
     comp("comprehensive-2019", "itemised-2023-01"), None,
     # itemised-2023-01 (priority 0) beats comprehensive-2019 (priority -1): property 3500 x 4 % x 50 % = 70.00
     # IIT (3500 - 70) - 800 = 2630 x 10 % = 263.00
     {"property_tax": 7000, "individual_income_tax": 26300}, 33300),
]


@pytest.mark.parametrize("name,f,first,last,sched,guidance,expected_items,expected_total", CASES,
                         ids=[c[0] for c in CASES])
def test_hand_computed(name, f, first, last, sched, guidance, expected_items, expected_total):
    a = run(f, first, last, sched, guidance)
    got = {it.item: it.amount_fen for it in a.items if it.amount_fen}
    assert got == expected_items
    assert a.total_fen == expected_total
    assert a.total_fen == sum(line.amount_fen for line in a.lines)


def test_priority_prefers_comprehensive():
    # comprehensive-2019 given priority 1 beats itemised-2023-01 for individual housing: 3500 x 2.5 % = 87.50
    c19 = replace(fees.load_shipped_schedules(["comprehensive-2019"])[0], priority=1)
    s = ScheduleSet([c19] + fees.load_shipped_schedules(["itemised-2023-01"]))
    a = run(facts(350000), "2026-01", "2026-01", s)
    assert a.total_fen == 8750 and a.schedules_used == [("comprehensive-2019", 2)]
    # ...but an organization still falls back to itemised
    a = run(facts(1050000, kind="organization"), "2026-01", "2026-01", s)
    # 10,500 / 1.05 = 10,000: VAT 500 + surcharges 60 + property 1,200 + stamp 10.50
    assert a.total_fen == 177050 and a.schedules_used == [("itemised-2023-01", 2)]


def test_split_by_schedule_lines_record_schedule():
    a = run(facts(12000000), "2021-03", "2021-04", shipped())
    assert a.schedules_used == [("itemised-2019-01", 2), ("itemised-2021-04", 2)]
    by_month = {str(line.month): line.schedule_id for line in a.lines}
    assert by_month == {"2021-03": "itemised-2019-01", "2021-04": "itemised-2021-04"}
    vat = [line for line in a.lines if line.item == "vat"]
    assert [v.exempt_reason for v in vat] == [None, "threshold"]
    assert vat[1].threshold_fen == 15000000


def test_iit_deduction_recorded_at_4000_boundary():
    a = run(facts(400000), "2026-01", "2026-01", custom([iit("10%")]))
    assert (a.lines[0].deduction_kind, a.lines[0].deduction_fen, a.lines[0].base_fen) == ("fixed", 80000, 320000)
    b = run(facts(400001), "2026-01", "2026-01", custom([iit("10%")]))
    # 4000.01 x 80 % = 3200.008 -> 3200.01: the 20 % deducted is 4000.01 - 3200.01 = 800.00
    assert (b.lines[0].deduction_kind, b.lines[0].deduction_fen, b.lines[0].base_fen) == ("percent", 80000, 320001)


def test_iit_drops_when_vat_starts_but_total_rises():
    """At the VAT threshold the bases on the rent excluding VAT drop (income tax and property tax:
    财税〔2016〕43号), but the total rises: the VAT and its surcharges outweigh them."""
    at = run(facts(10000000), "2026-01", "2026-01", shipped())
    above = run(facts(10000001), "2026-01", "2026-01", shipped())
    of = lambda a, code: next(i.amount_fen for i in a.items if i.item == code)  # noqa: E731
    assert of(above, "individual_income_tax") < of(at, "individual_income_tax")   # 7459.81 < 7840.00
    assert of(above, "property_tax") < of(at, "property_tax")                     # 1904.76 < 2000.00
    assert above.total_fen > at.total_fen       # 10878.85 > 9840.00
