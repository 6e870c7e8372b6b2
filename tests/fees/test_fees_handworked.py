"""Cases worked by hand on the shipped (sample) schedules: every line's figures are written here as a
tax clerk computes them on paper, following the rules of fees/money.py:

    rent excl. VAT = round(rent / 1.05) when the VAT is charged, else the whole rent (财税〔2016〕43号)
    tax = round(base x rate); relief = round(tax x 50 %); amount = tax - relief
    income tax: net = income (rent excl. VAT) - taxes levied (never the VAT) - repair costs (<= ¥800);
                net <= 4,000: taxable = net - 800; else taxable = round(net x 80 %); tax = round(taxable x rate)

All rounding is to the fen, half up. A line is (month, item, base, tax, relief, amount) in yuan; every
non-exempt line of the assessment must be listed, and no other. Issue #13's examples are the first two.

Rent periods (phase 2, the cases with a ``term``): the lease's periods run from the term's start date to
the day before the same date next month; the last one, when the term ends first, is short and its rent is
prorated by days, round(monthly rent x days / days of the full period); the thresholds are tested on the
monthly rent, the ¥800 / 20 % deduction, the ¥4,000 line and the ¥800 repair cap apply once per period, and
each period is taxed under the schedule in force on its first day. Their lines are named by the period's
first day (YYYY-MM-DD).
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

import fees
from fees import GuidanceRent, GuidanceRents, ScheduleSet, YearMonth, yuan_to_fen

ITEMISED = ScheduleSet(fees.load_shipped_schedules(fees.SHIPPED_ITEMISED_IDS))
COMP = ScheduleSet(fees.load_shipped_schedules(fees.SHIPPED_COMPREHENSIVE_IDS))


def F(rent, kind="individual", use="residential", area=None, street=None):
    return fees.LeaseFacts(kind, use, yuan_to_fen(rent), None if area is None else Decimal(area), street)


def G(yuan_per_m2, street="440304003", use="residential"):
    return GuidanceRents([GuidanceRent(street, use, Decimal(yuan_per_m2), date(2019, 1, 1))])


def C(name, facts, first, last, lines, total, *, schedules=ITEMISED, guidance=None, repair="0", carry="0",
      taxable=None, term=None):
    """``term=("YYYY-MM-DD", "YYYY-MM-DD")``: tax the lease's rent periods ``first..last`` (named by the
    month they start in) of that term; else the calendar months ``first..last``."""
    return pytest.param(facts, first, last, lines, total, schedules, guidance, repair, carry, taxable, term, id=name)


CASES = [
    # ------------------------------------------------------------------ issue #13's worked examples
    C("issue-housing-150k-2024-06", F("150000"), "2024-06", "2024-06", [
        # VAT charged (150,000 > 100,000): rent excl. VAT = 150,000 / 1.05 = 142,857.142857 -> 142,857.14
        ("2024-06", "vat", "142857.14", "2142.86", "0", "2142.86"),                 # x 1.5 % = 2,142.8571
        ("2024-06", "urban_construction", "2142.86", "150.00", "75.00", "75.00"),   # x 7 % = 150.0002
        ("2024-06", "education_surcharge", "2142.86", "64.29", "32.15", "32.14"),  # x 3 % = 64.2858; /2 = 32.145
        ("2024-06", "local_education_surcharge", "2142.86", "42.86", "21.43", "21.43"),  # x 2 % = 42.8572
        # 142,857.14 x 4 % = 5,714.2856 -> 5,714.29; relief 2,857.145 -> 2,857.15; = 2,857.14 (the figure)
        ("2024-06", "property_tax", "142857.14", "5714.29", "2857.15", "2857.14"),
        # taxes 75 + 32.14 + 21.43 + 2,857.14 = 2,985.71; net 142,857.14 - 2,985.71 = 139,871.43
        # x 80 % = 111,897.144 -> 111,897.14; x 10 % = 11,189.714 -> 11,189.71
        ("2024-06", "individual_income_tax", "111897.14", "11189.71", "0", "11189.71"),
    ], "16318.28"),
    C("issue-nonhousing-20k-2024-06", F("20000", use="office"), "2024-06", "2024-06", [
        # VAT exempt (<= 100,000): the whole rent is the base
        ("2024-06", "property_tax", "20000.00", "2400.00", "1200.00", "1200.00"),   # 20,000 x 12 %
        ("2024-06", "stamp_duty", "20000.00", "20.00", "10.00", "10.00"),           # 20,000 x 0.1 %
        # net 20,000 - 1,200 - 10 (stamp duty deducted) = 18,790 x 80 % = 15,032 x 20 % = 3,006.40 (the figure)
        ("2024-06", "individual_income_tax", "15032.00", "3006.40", "0", "3006.40"),
    ], "4216.40"),
    # ------------------------------------------------------------------ VAT threshold ¥100,000 (2023 on)
    C("housing-100000.00-2024", F("100000"), "2024-06", "2024-06", [
        ("2024-06", "property_tax", "100000.00", "4000.00", "2000.00", "2000.00"),
        # net 100,000 - 2,000 = 98,000 x 80 % = 78,400 x 10 %
        ("2024-06", "individual_income_tax", "78400.00", "7840.00", "0", "7840.00"),
    ], "9840.00"),
    C("housing-100000.01-2024", F("100000.01"), "2024-06", "2024-06", [
        # 100,000.01 / 1.05 = 95,238.1047 -> 95,238.10
        ("2024-06", "vat", "95238.10", "1428.57", "0", "1428.57"),                  # x 1.5 % = 1,428.5715
        ("2024-06", "urban_construction", "1428.57", "100.00", "50.00", "50.00"),   # x 7 % = 99.9999
        ("2024-06", "education_surcharge", "1428.57", "42.86", "21.43", "21.43"),  # x 3 % = 42.8571
        ("2024-06", "local_education_surcharge", "1428.57", "28.57", "14.29", "14.28"),  # 28.5714; /2 = 14.285
        ("2024-06", "property_tax", "95238.10", "3809.52", "1904.76", "1904.76"),   # x 4 % = 3,809.524
        # taxes 50 + 21.43 + 14.28 + 1,904.76 = 1,990.47; net 93,247.63 x 80 % = 74,598.104 -> 74,598.10
        ("2024-06", "individual_income_tax", "74598.10", "7459.81", "0", "7459.81"),
    ], "10878.85"),
    # ------------------------------------------------------------------ VAT threshold ¥150,000 (2021-04 to 2022)
    C("housing-150000.00-2022", F("150000"), "2022-06", "2022-06", [
        ("2022-06", "property_tax", "150000.00", "6000.00", "3000.00", "3000.00"),
        ("2022-06", "individual_income_tax", "117600.00", "11760.00", "0", "11760.00"),  # 147,000 x 80 %
    ], "14760.00"),
    C("housing-150000.01-2022", F("150000.01"), "2022-06", "2022-06", [
        # 150,000.01 / 1.05 = 142,857.152 -> 142,857.15
        ("2022-06", "vat", "142857.15", "2142.86", "0", "2142.86"),                 # 2,142.85725
        ("2022-06", "urban_construction", "2142.86", "150.00", "75.00", "75.00"),
        ("2022-06", "education_surcharge", "2142.86", "64.29", "32.15", "32.14"),
        ("2022-06", "local_education_surcharge", "2142.86", "42.86", "21.43", "21.43"),
        ("2022-06", "property_tax", "142857.15", "5714.29", "2857.15", "2857.14"),  # 5,714.286
        # net 142,857.15 - 2,985.71 = 139,871.44 x 80 % = 111,897.152 -> 111,897.15; x 10 % = 11,189.715 -> .72
        ("2022-06", "individual_income_tax", "111897.15", "11189.72", "0", "11189.72"),
    ], "16318.29"),
    # ------------------------------------------------------------------ VAT threshold ¥100,000 (2019 to 2021-03)
    C("nonhousing-100000.00-2020", F("100000", use="commercial"), "2020-06", "2020-06", [
        ("2020-06", "property_tax", "100000.00", "12000.00", "6000.00", "6000.00"),
        ("2020-06", "stamp_duty", "100000.00", "100.00", "50.00", "50.00"),
        # net 100,000 - 6,000 - 50 = 93,950 x 80 % = 75,160 x 20 %
        ("2020-06", "individual_income_tax", "75160.00", "15032.00", "0", "15032.00"),
    ], "21082.00"),
    C("nonhousing-100000.01-2020", F("100000.01", use="commercial"), "2020-06", "2020-06", [
        ("2020-06", "vat", "95238.10", "4761.91", "0", "4761.91"),                 # x 5 % = 4,761.905
        ("2020-06", "urban_construction", "4761.91", "333.33", "166.67", "166.66"),  # 333.3337; /2 = 166.665
        ("2020-06", "education_surcharge", "4761.91", "142.86", "71.43", "71.43"),  # 142.8573
        ("2020-06", "local_education_surcharge", "4761.91", "95.24", "47.62", "47.62"),  # 95.2382
        ("2020-06", "property_tax", "95238.10", "11428.57", "5714.29", "5714.28"),  # 11,428.572; /2 = 5,714.285
        ("2020-06", "stamp_duty", "100000.01", "100.00", "50.00", "50.00"),        # the contract's rent, 100.00001
        # taxes 166.66 + 71.43 + 47.62 + 5,714.28 + 50 = 6,049.99; net 95,238.10 - 6,049.99 = 89,188.11
        # x 80 % = 71,350.488 -> 71,350.49; x 20 % = 14,270.098 -> 14,270.10
        ("2020-06", "individual_income_tax", "71350.49", "14270.10", "0", "14270.10"),
    ], "25082.00"),
    # ------------------------------------------------------------------ VAT threshold ¥30,000 (2016-05 to 2018), no relief
    C("housing-30000.00-2017", F("30000"), "2017-06", "2017-06", [
        ("2017-06", "property_tax", "30000.00", "1200.00", "0", "1200.00"),
        ("2017-06", "individual_income_tax", "23040.00", "2304.00", "0", "2304.00"),  # 28,800 x 80 %
    ], "3504.00"),
    C("housing-30000.01-2017", F("30000.01"), "2017-06", "2017-06", [
        # 30,000.01 / 1.05 = 28,571.438 -> 28,571.44
        ("2017-06", "vat", "28571.44", "428.57", "0", "428.57"),                    # 428.5716
        ("2017-06", "urban_construction", "428.57", "30.00", "0", "30.00"),         # 29.9999
        ("2017-06", "education_surcharge", "428.57", "12.86", "0", "12.86"),        # 12.8571
        ("2017-06", "local_education_surcharge", "428.57", "8.57", "0", "8.57"),    # 8.5714
        ("2017-06", "property_tax", "28571.44", "1142.86", "0", "1142.86"),         # 1,142.8576
        # taxes 30 + 12.86 + 8.57 + 1,142.86 = 1,194.29; net 27,377.15 x 80 % = 21,901.72 x 10 % = 2,190.172
        ("2017-06", "individual_income_tax", "21901.72", "2190.17", "0", "2190.17"),
    ], "3813.03"),
    # ------------------------------------------------------------------ before 营改增: business tax, ¥30,000 exemption
    C("bt-housing-30000.00-2015", F("30000"), "2015-06", "2015-06", [
        ("2015-06", "property_tax", "30000.00", "1200.00", "0", "1200.00"),        # no VAT: the whole rent
        ("2015-06", "individual_income_tax", "23040.00", "2304.00", "0", "2304.00"),
    ], "3504.00"),
    C("bt-housing-30000.01-2015", F("30000.01"), "2015-06", "2015-06", [
        ("2015-06", "business_tax", "30000.01", "450.00", "0", "450.00"),          # x 1.5 % = 450.00015
        ("2015-06", "urban_construction", "450.00", "31.50", "0", "31.50"),
        ("2015-06", "education_surcharge", "450.00", "13.50", "0", "13.50"),
        ("2015-06", "local_education_surcharge", "450.00", "9.00", "0", "9.00"),
        ("2015-06", "property_tax", "30000.01", "1200.00", "0", "1200.00"),        # 1,200.0004
        # taxes (business tax deductible) 450 + 31.5 + 13.5 + 9 + 1,200 = 1,704; net 28,296.01
        # x 80 % = 22,636.808 -> 22,636.81; x 10 % = 2,263.681 -> 2,263.68
        ("2015-06", "individual_income_tax", "22636.81", "2263.68", "0", "2263.68"),
    ], "3967.68"),
    C("bt-nonhousing-50000-2015", F("50000", use="commercial"), "2015-06", "2015-06", [
        ("2015-06", "business_tax", "50000.00", "2500.00", "0", "2500.00"),        # 5 %
        ("2015-06", "urban_construction", "2500.00", "175.00", "0", "175.00"),
        ("2015-06", "education_surcharge", "2500.00", "75.00", "0", "75.00"),
        ("2015-06", "local_education_surcharge", "2500.00", "50.00", "0", "50.00"),
        ("2015-06", "property_tax", "50000.00", "6000.00", "0", "6000.00"),
        ("2015-06", "stamp_duty", "50000.00", "50.00", "0", "50.00"),
        # taxes 2,500 + 175 + 75 + 50 + 6,000 + 50 = 8,850; net 41,150 x 80 % = 32,920 x 20 %
        ("2015-06", "individual_income_tax", "32920.00", "6584.00", "0", "6584.00"),
    ], "15434.00"),
    C("bt-organization-housing-10000-2015", F("10000", kind="organization"), "2015-06", "2015-06", [
        ("2015-06", "business_tax", "10000.00", "500.00", "0", "500.00"),
        ("2015-06", "urban_construction", "500.00", "35.00", "0", "35.00"),
        ("2015-06", "education_surcharge", "500.00", "15.00", "0", "15.00"),
        ("2015-06", "local_education_surcharge", "500.00", "10.00", "0", "10.00"),
        ("2015-06", "property_tax", "10000.00", "1200.00", "0", "1200.00"),
        ("2015-06", "stamp_duty", "10000.00", "10.00", "0", "10.00"),
    ], "1770.00"),
    C("bt-housing-3000-2016-04", F("3000"), "2016-04", "2016-04", [
        ("2016-04", "property_tax", "3000.00", "120.00", "0", "120.00"),
        ("2016-04", "individual_income_tax", "2080.00", "208.00", "0", "208.00"),  # 2,880 <= 4,000: - 800
    ], "328.00"),
    # ------------------------------------------------------------------ a schedule change inside one collection
    C("across-yinggaizeng-2016-04-05", F("40000"), "2016-04", "2016-05", [
        # April: business tax schedule (itemised-2014-10)
        ("2016-04", "business_tax", "40000.00", "600.00", "0", "600.00"),
        ("2016-04", "urban_construction", "600.00", "42.00", "0", "42.00"),
        ("2016-04", "education_surcharge", "600.00", "18.00", "0", "18.00"),
        ("2016-04", "local_education_surcharge", "600.00", "12.00", "0", "12.00"),
        ("2016-04", "property_tax", "40000.00", "1600.00", "0", "1600.00"),
        # taxes 2,272; net 37,728 x 80 % = 30,182.40 x 10 % = 3,018.24
        ("2016-04", "individual_income_tax", "30182.40", "3018.24", "0", "3018.24"),
        # May: VAT (itemised-2016-05): 40,000 / 1.05 = 38,095.238 -> 38,095.24
        ("2016-05", "vat", "38095.24", "571.43", "0", "571.43"),                    # 571.4286
        ("2016-05", "urban_construction", "571.43", "40.00", "0", "40.00"),         # 40.0001
        ("2016-05", "education_surcharge", "571.43", "17.14", "0", "17.14"),        # 17.1429
        ("2016-05", "local_education_surcharge", "571.43", "11.43", "0", "11.43"),  # 11.4286
        ("2016-05", "property_tax", "38095.24", "1523.81", "0", "1523.81"),         # 1,523.8096
        # taxes 40 + 17.14 + 11.43 + 1,523.81 = 1,592.38; net 36,502.86 x 80 % = 29,202.288 -> 29,202.29
        ("2016-05", "individual_income_tax", "29202.29", "2920.23", "0", "2920.23"),  # 2,920.229
    ], "10374.28"),   # April 5,290.24 + May 5,084.04
    C("across-2021-04-threshold", F("120000"), "2021-03", "2021-04", [
        # March (threshold 100,000: VAT charged): 120,000 / 1.05 = 114,285.714 -> 114,285.71
        ("2021-03", "vat", "114285.71", "1714.29", "0", "1714.29"),                 # 1,714.28565
        ("2021-03", "urban_construction", "1714.29", "120.00", "60.00", "60.00"),   # 120.0003
        ("2021-03", "education_surcharge", "1714.29", "51.43", "25.72", "25.71"),  # 51.4287; /2 = 25.715
        ("2021-03", "local_education_surcharge", "1714.29", "34.29", "17.15", "17.14"),  # 34.2858; /2 = 17.145
        ("2021-03", "property_tax", "114285.71", "4571.43", "2285.72", "2285.71"),  # 4,571.4284; /2 = 2,285.715
        # taxes 60 + 25.71 + 17.14 + 2,285.71 = 2,388.56; net 111,897.15 x 80 % = 89,517.72 x 10 % = 8,951.772
        ("2021-03", "individual_income_tax", "89517.72", "8951.77", "0", "8951.77"),
        # April (threshold 150,000: exempt): property 4,800 / 2; IIT 117,600 x 80 % x 10 %
        ("2021-04", "property_tax", "120000.00", "4800.00", "2400.00", "2400.00"),
        ("2021-04", "individual_income_tax", "94080.00", "9408.00", "0", "9408.00"),
    ], "24862.62"),   # March 13,054.62 + April 11,808.00
    C("relief-starts-2019-01", F("5000"), "2018-12", "2019-01", [
        ("2018-12", "property_tax", "5000.00", "200.00", "0", "200.00"),            # no relief in 2018
        ("2018-12", "individual_income_tax", "3840.00", "384.00", "0", "384.00"),   # 4,800 x 80 %
        ("2019-01", "property_tax", "5000.00", "200.00", "100.00", "100.00"),       # 50 % from 2019-01-01
        ("2019-01", "individual_income_tax", "3920.00", "392.00", "0", "392.00"),   # 4,900 x 80 %
    ], "1076.00"),
    # ------------------------------------------------------------------ income tax ¥4,000 line (net income)
    C("iit-net-4000.00", F("4166.67"), "2017-06", "2017-06", [
        ("2017-06", "property_tax", "4166.67", "166.67", "0", "166.67"),            # 166.6668
        ("2017-06", "individual_income_tax", "3200.00", "320.00", "0", "320.00"),   # net 4,000.00 <= 4,000: - 800
    ], "486.67"),
    C("iit-net-4000.01", F("4166.68"), "2017-06", "2017-06", [
        ("2017-06", "property_tax", "4166.68", "166.67", "0", "166.67"),            # 166.6672
        # net 4,000.01 > 4,000: x 80 % = 3,200.008 -> 3,200.01; x 10 % = 320.001 -> 320.00
        ("2017-06", "individual_income_tax", "3200.01", "320.00", "0", "320.00"),
    ], "486.67"),
    C("iit-below-800", F("500"), "2017-06", "2017-06", [
        ("2017-06", "property_tax", "500.00", "20.00", "0", "20.00"),
        ("2017-06", "individual_income_tax", "0.00", "0.00", "0", "0.00"),         # net 480 - min(800, 480) = 0
    ], "20.00"),
    C("nonhousing-3000-2017-fixed-deduction", F("3000", use="office"), "2017-06", "2017-06", [
        ("2017-06", "property_tax", "3000.00", "360.00", "0", "360.00"),
        ("2017-06", "stamp_duty", "3000.00", "3.00", "0", "3.00"),
        ("2017-06", "individual_income_tax", "1837.00", "367.40", "0", "367.40"),  # 3,000 - 363 - 800 = 1,837
    ], "730.40"),
    # ------------------------------------------------------------------ repair costs (¥800 a month, carried forward)
    C("repair-1000-over-two-months", F("3000"), "2024-06", "2024-07", [
        ("2024-06", "property_tax", "3000.00", "120.00", "60.00", "60.00"),
        # net 3,000 - 60 - 800 (repair, capped) = 2,140 - 800 = 1,340 x 10 %
        ("2024-06", "individual_income_tax", "1340.00", "134.00", "0", "134.00"),
        ("2024-07", "property_tax", "3000.00", "120.00", "60.00", "60.00"),
        # net 3,000 - 60 - 200 (the rest) = 2,740 - 800 = 1,940 x 10 %
        ("2024-07", "individual_income_tax", "1940.00", "194.00", "0", "194.00"),
    ], "448.00", repair="1000", carry="0"),
    C("repair-800.01-carries-0.01", F("3000"), "2024-06", "2024-06", [
        ("2024-06", "property_tax", "3000.00", "120.00", "60.00", "60.00"),
        ("2024-06", "individual_income_tax", "1340.00", "134.00", "0", "134.00"),
    ], "194.00", repair="800.01", carry="0.01"),
    C("repair-2000-carries-1200", F("3000"), "2024-06", "2024-06", [
        ("2024-06", "property_tax", "3000.00", "120.00", "60.00", "60.00"),
        ("2024-06", "individual_income_tax", "1340.00", "134.00", "0", "134.00"),
    ], "194.00", repair="2000", carry="1200"),
    C("repair-not-for-organizations", F("10500", kind="organization"), "2026-01", "2026-01", [
        # 10,500 / 1.05 = 10,000; no relief and no threshold for organizations
        ("2026-01", "vat", "10000.00", "500.00", "0", "500.00"),
        ("2026-01", "urban_construction", "500.00", "35.00", "0", "35.00"),
        ("2026-01", "education_surcharge", "500.00", "15.00", "0", "15.00"),
        ("2026-01", "local_education_surcharge", "500.00", "10.00", "0", "10.00"),
        ("2026-01", "property_tax", "10000.00", "1200.00", "0", "1200.00"),
        ("2026-01", "stamp_duty", "10500.00", "10.50", "0", "10.50"),
    ], "1770.50", repair="500", carry="500"),
    # ------------------------------------------------------------------ organizations
    C("organization-shop-200k-2026", F("200000", kind="organization", use="commercial"), "2026-01", "2026-01", [
        ("2026-01", "vat", "190476.19", "9523.81", "0", "9523.81"),                 # 200,000 / 1.05; x 5 % = 9,523.8095
        ("2026-01", "urban_construction", "9523.81", "666.67", "0", "666.67"),     # 666.6667
        ("2026-01", "education_surcharge", "9523.81", "285.71", "0", "285.71"),    # 285.7143
        ("2026-01", "local_education_surcharge", "9523.81", "190.48", "0", "190.48"),  # 190.4762
        ("2026-01", "property_tax", "190476.19", "22857.14", "0", "22857.14"),     # 22,857.1428
        ("2026-01", "stamp_duty", "200000.00", "200.00", "0", "200.00"),
    ], "33723.81"),
    C("organization-office-500-stamp-minimum", F("500", kind="organization", use="office"), "2026-01", "2026-01", [
        ("2026-01", "vat", "476.19", "23.81", "0", "23.81"),                        # 500 / 1.05 = 476.190; 23.8095
        ("2026-01", "urban_construction", "23.81", "1.67", "0", "1.67"),            # 1.6667
        ("2026-01", "education_surcharge", "23.81", "0.71", "0", "0.71"),           # 0.7143
        ("2026-01", "local_education_surcharge", "23.81", "0.48", "0", "0.48"),     # 0.4762
        ("2026-01", "property_tax", "476.19", "57.14", "0", "57.14"),               # 57.1428
        ("2026-01", "stamp_duty", "500.00", "1.00", "0", "1.00"),                   # 0.50 -> the ¥1 minimum
    ], "84.81"),
    C("organization-office-2017", F("10500", kind="organization", use="office"), "2017-06", "2017-06", [
        ("2017-06", "vat", "10000.00", "500.00", "0", "500.00"),
        ("2017-06", "urban_construction", "500.00", "35.00", "0", "35.00"),
        ("2017-06", "education_surcharge", "500.00", "15.00", "0", "15.00"),
        ("2017-06", "local_education_surcharge", "500.00", "10.00", "0", "10.00"),
        ("2017-06", "property_tax", "10000.00", "1200.00", "0", "1200.00"),
        ("2017-06", "stamp_duty", "10500.00", "10.50", "0", "10.50"),
    ], "1770.50"),
    C("nonhousing-120k-vat-charged-2024", F("120000", use="office"), "2024-06", "2024-06", [
        ("2024-06", "vat", "114285.71", "5714.29", "0", "5714.29"),                 # 5,714.2855
        ("2024-06", "urban_construction", "5714.29", "400.00", "200.00", "200.00"),  # 400.0003
        ("2024-06", "education_surcharge", "5714.29", "171.43", "85.72", "85.71"),  # 171.4287; /2 = 85.715
        ("2024-06", "local_education_surcharge", "5714.29", "114.29", "57.15", "57.14"),  # 114.2858; 57.145
        ("2024-06", "property_tax", "114285.71", "13714.29", "6857.15", "6857.14"),  # 13,714.2852; 6,857.145
        ("2024-06", "stamp_duty", "120000.00", "120.00", "60.00", "60.00"),
        # taxes 200 + 85.71 + 57.14 + 6,857.14 + 60 = 7,259.99; net 107,025.72 x 80 % = 85,620.576 -> 85,620.58
        ("2024-06", "individual_income_tax", "85620.58", "17124.12", "0", "17124.12"),  # 17,124.116
    ], "30098.40"),
    C("mixed-use-is-nonhousing", F("20000", use="mixed"), "2024-06", "2024-06", [
        ("2024-06", "property_tax", "20000.00", "2400.00", "1200.00", "1200.00"),
        ("2024-06", "stamp_duty", "20000.00", "20.00", "10.00", "10.00"),
        ("2024-06", "individual_income_tax", "15032.00", "3006.40", "0", "3006.40"),
    ], "4216.40"),
    # ------------------------------------------------------------------ a multi-month payment: the threshold per month
    C("two-months-of-80k-are-not-160k", F("80000"), "2024-06", "2024-07", [
        ("2024-06", "property_tax", "80000.00", "3200.00", "1600.00", "1600.00"),  # VAT exempt: 80,000 <= 100,000
        ("2024-06", "individual_income_tax", "62720.00", "6272.00", "0", "6272.00"),  # 78,400 x 80 %
        ("2024-07", "property_tax", "80000.00", "3200.00", "1600.00", "1600.00"),
        ("2024-07", "individual_income_tax", "62720.00", "6272.00", "0", "6272.00"),
    ], "15744.00"),
    # ------------------------------------------------------------------ guidance floor (area 50 m², ¥85/m² -> 4,250)
    C("guidance-off", F("3000", area="50", street="440304003"), "2026-01", "2026-01", [
        ("2026-01", "property_tax", "3000.00", "120.00", "60.00", "60.00"),
        ("2026-01", "individual_income_tax", "2140.00", "214.00", "0", "214.00"),  # 2,940 - 800
    ], "274.00", taxable="3000"),
    C("guidance-floor-above-declared", F("3000", area="50", street="440304003"), "2026-01", "2026-01", [
        ("2026-01", "property_tax", "4250.00", "170.00", "85.00", "85.00"),
        ("2026-01", "individual_income_tax", "3332.00", "333.20", "0", "333.20"),  # 4,165 > 4,000: x 80 %
    ], "418.20", guidance=G("85"), taxable="4250"),
    C("guidance-declared-4249.99-floor-wins", F("4249.99", area="50", street="440304003"), "2026-01", "2026-01", [
        ("2026-01", "property_tax", "4250.00", "170.00", "85.00", "85.00"),
        ("2026-01", "individual_income_tax", "3332.00", "333.20", "0", "333.20"),
    ], "418.20", guidance=G("85"), taxable="4250"),
    C("guidance-declared-4250.01-declared-wins", F("4250.01", area="50", street="440304003"), "2026-01", "2026-01", [
        ("2026-01", "property_tax", "4250.01", "170.00", "85.00", "85.00"),         # 170.0004
        # net 4,165.01 x 80 % = 3,332.008 -> 3,332.01; x 10 % = 333.201 -> 333.20
        ("2026-01", "individual_income_tax", "3332.01", "333.20", "0", "333.20"),
    ], "418.20", guidance=G("85"), taxable="4250.01"),
    C("guidance-floor-rounded", F("1500", area="33.33", street="440304003"), "2026-01", "2026-01", [
        # 55.55 x 33.33 = 1,851.4815 -> 1,851.48
        ("2026-01", "property_tax", "1851.48", "74.06", "37.03", "37.03"),          # 74.0592
        ("2026-01", "individual_income_tax", "1014.45", "101.45", "0", "101.45"),  # 1,814.45 - 800; 101.445
    ], "138.48", guidance=G("55.55"), taxable="1851.48"),
    # ------------------------------------------------------------------ rent periods and a prorated last period
    C("term-2024-03-15-to-06-30-last-period-prorated", F("3500"), "2024-03", "2024-06", [
        # periods 03-15..04-14, 04-15..05-14, 05-15..06-14 (full), 06-15..06-30 (16 days of 06-15..07-14 = 30)
        # full: VAT exempt (3,500 <= 100,000); property tax 3,500 x 4 % = 140, relief 70;
        # income tax: 3,500 - 70 = 3,430 <= 4,000: - 800 = 2,630 x 10 % = 263
        ("2024-03-15", "property_tax", "3500.00", "140.00", "70.00", "70.00"),
        ("2024-03-15", "individual_income_tax", "2630.00", "263.00", "0", "263.00"),
        ("2024-04-15", "property_tax", "3500.00", "140.00", "70.00", "70.00"),
        ("2024-04-15", "individual_income_tax", "2630.00", "263.00", "0", "263.00"),
        ("2024-05-15", "property_tax", "3500.00", "140.00", "70.00", "70.00"),
        ("2024-05-15", "individual_income_tax", "2630.00", "263.00", "0", "263.00"),
        # short: rent 3,500 x 16 / 30 = 1,866.6667 -> 1,866.67; x 4 % = 74.6668 -> 74.67; relief 37.335 -> 37.34
        ("2024-06-15", "property_tax", "1866.67", "74.67", "37.34", "37.33"),
        # 1,866.67 - 37.33 = 1,829.34 <= 4,000: - 800 (the whole deduction, once per period) = 1,029.34
        # x 10 % = 102.934 -> 102.93
        ("2024-06-15", "individual_income_tax", "1029.34", "102.93", "0", "102.93"),
    ], "1139.26", term=("2024-03-15", "2024-06-30")),   # 3 x 333.00 + 140.26
    C("short-period-threshold-on-the-monthly-rent", F("150000"), "2024-06", "2024-06", [
        # 06-15..06-30 of 06-15..07-14: 16 / 30; rent 150,000 x 16 / 30 = 80,000.00 - below the ¥100,000 line,
        # but the threshold is tested on the monthly rent (150,000 > 100,000): the VAT is charged
        # 80,000 / 1.05 = 76,190.476 -> 76,190.48
        ("2024-06-15", "vat", "76190.48", "1142.86", "0", "1142.86"),               # x 1.5 % = 1,142.8572
        ("2024-06-15", "urban_construction", "1142.86", "80.00", "40.00", "40.00"),  # x 7 % = 80.0002
        ("2024-06-15", "education_surcharge", "1142.86", "34.29", "17.15", "17.14"),  # 34.2858; /2 = 17.145
        ("2024-06-15", "local_education_surcharge", "1142.86", "22.86", "11.43", "11.43"),  # 22.8572
        ("2024-06-15", "property_tax", "76190.48", "3047.62", "1523.81", "1523.81"),  # x 4 % = 3,047.6192
        # taxes 40 + 17.14 + 11.43 + 1,523.81 = 1,592.38; net 76,190.48 - 1,592.38 = 74,598.10
        # x 80 % = 59,678.48 x 10 % = 5,967.848 -> 5,967.85
        ("2024-06-15", "individual_income_tax", "59678.48", "5967.85", "0", "5967.85"),
    ], "8703.09", term=("2024-05-15", "2024-06-30")),
    C("short-period-nonhousing-800-once-per-period", F("6000", use="office"), "2024-08", "2024-08", [
        # 08-22..08-31 of 08-22..09-21 (31 days): 10 / 31; rent 6,000 x 10 / 31 = 1,935.4839 -> 1,935.48
        ("2024-08-22", "property_tax", "1935.48", "232.26", "116.13", "116.13"),    # x 12 % = 232.2576
        ("2024-08-22", "stamp_duty", "1935.48", "1.94", "0.97", "0.97"),            # x 0.1 % = 1.93548
        # taxes 116.13 + 0.97 = 117.10; net 1,935.48 - 117.10 = 1,818.38 <= 4,000 (the line of one period):
        # - 800 = 1,018.38 x 20 % = 203.676 -> 203.68
        ("2024-08-22", "individual_income_tax", "1018.38", "203.68", "0", "203.68"),
    ], "320.78", term=("2024-07-22", "2024-08-31")),
    C("short-period-repair-cap-per-period", F("3000"), "2024-05", "2024-06", [
        # 05-15..06-14 (full): property tax 3,000 x 4 % = 120, relief 60; income tax 3,000 - 60 = 2,940
        # - repairs 800 (the cap of one period) = 2,140 <= 4,000: - 800 = 1,340 x 10 % = 134
        ("2024-05-15", "property_tax", "3000.00", "120.00", "60.00", "60.00"),
        ("2024-05-15", "individual_income_tax", "1340.00", "134.00", "0", "134.00"),
        # 06-15..06-30 (16 / 30): rent 3,000 x 16 / 30 = 1,600.00; x 4 % = 64, relief 32;
        # 1,600 - 32 = 1,568 - the 200 of repairs left = 1,368 - 800 = 568 x 10 % = 56.80
        ("2024-06-15", "property_tax", "1600.00", "64.00", "32.00", "32.00"),
        ("2024-06-15", "individual_income_tax", "568.00", "56.80", "0", "56.80"),
    ], "282.80", repair="1000", carry="0", term=("2024-05-15", "2024-06-30")),
    C("rent-periods-across-the-2023-01-threshold", F("120000"), "2022-11", "2023-02", [
        # each period under the schedule in force on its FIRST day: 2022-12-15..2023-01-14 is 2021-04's
        # (threshold 150,000: VAT exempt) although it ends in 2023; from 2023-01-15 itemised-2023-01 (100,000)
        ("2022-11-15", "property_tax", "120000.00", "4800.00", "2400.00", "2400.00"),
        ("2022-11-15", "individual_income_tax", "94080.00", "9408.00", "0", "9408.00"),  # 117,600 x 80 % x 10 %
        ("2022-12-15", "property_tax", "120000.00", "4800.00", "2400.00", "2400.00"),
        ("2022-12-15", "individual_income_tax", "94080.00", "9408.00", "0", "9408.00"),
        # VAT charged: 120,000 / 1.05 = 114,285.714 -> 114,285.71 (as "across-2021-04-threshold", March)
        ("2023-01-15", "vat", "114285.71", "1714.29", "0", "1714.29"),
        ("2023-01-15", "urban_construction", "1714.29", "120.00", "60.00", "60.00"),
        ("2023-01-15", "education_surcharge", "1714.29", "51.43", "25.72", "25.71"),
        ("2023-01-15", "local_education_surcharge", "1714.29", "34.29", "17.15", "17.14"),
        ("2023-01-15", "property_tax", "114285.71", "4571.43", "2285.72", "2285.71"),
        ("2023-01-15", "individual_income_tax", "89517.72", "8951.77", "0", "8951.77"),
        ("2023-02-15", "vat", "114285.71", "1714.29", "0", "1714.29"),
        ("2023-02-15", "urban_construction", "1714.29", "120.00", "60.00", "60.00"),
        ("2023-02-15", "education_surcharge", "1714.29", "51.43", "25.72", "25.71"),
        ("2023-02-15", "local_education_surcharge", "1714.29", "34.29", "17.15", "17.14"),
        ("2023-02-15", "property_tax", "114285.71", "4571.43", "2285.72", "2285.71"),
        ("2023-02-15", "individual_income_tax", "89517.72", "8951.77", "0", "8951.77"),
    ], "49725.24", term=("2022-11-15", "2023-03-14")),   # 2 x 11,808.00 + 2 x 13,054.62
    # ------------------------------------------------------------------ comprehensive rates: each side of each band
    C("comp2014-4999.99", F("4999.99"), "2016-06", "2016-06", [
        ("2016-06", "comprehensive", "4999.99", "206.00", "0", "206.00"),          # x 4.12 % = 205.999588
    ], "206.00", schedules=COMP),
    C("comp2014-5000.00", F("5000"), "2016-06", "2016-06", [
        ("2016-06", "comprehensive", "5000.00", "222.00", "0", "222.00"),          # x 4.44 %
    ], "222.00", schedules=COMP),
    C("comp2014-20000.00", F("20000"), "2016-06", "2016-06", [
        ("2016-06", "comprehensive", "20000.00", "888.00", "0", "888.00"),
    ], "888.00", schedules=COMP),
    C("comp2014-20000.01", F("20000.01"), "2016-06", "2016-06", [
        ("2016-06", "comprehensive", "20000.01", "1224.00", "0", "1224.00"),       # x 6.12 % = 1,224.000612
    ], "1224.00", schedules=COMP),
    C("comp2019-100000.00", F("100000"), "2026-01", "2026-01", [
        ("2026-01", "comprehensive", "100000.00", "2500.00", "0", "2500.00"),      # x 2.5 %
    ], "2500.00", schedules=COMP),
    C("comp2019-100000.01", F("100000.01"), "2026-01", "2026-01", [
        ("2026-01", "comprehensive", "100000.01", "4090.00", "0", "4090.00"),      # x 4.09 % = 4,090.000409
    ], "4090.00", schedules=COMP),
]


@pytest.mark.parametrize("facts,first,last,lines,total,schedules,guidance,repair,carry,taxable,term", CASES)
def test_hand_worked(facts, first, last, lines, total, schedules, guidance, repair, carry, taxable, term):
    if term is None:
        a = fees.assess(facts, YearMonth.parse(first), YearMonth.parse(last), date(2026, 11, 26), schedules, guidance,
                        repair_cost_fen=yuan_to_fen(repair))
        name = lambda x: str(x.month)  # noqa: E731
    else:
        periods = [p for p in fees.rent_periods(*(date.fromisoformat(d) for d in term))
                   if YearMonth.parse(first) <= p.month <= YearMonth.parse(last)]
        a = fees.assess_periods(facts, periods, date(2026, 11, 26), schedules, guidance,
                                repair_cost_fen=yuan_to_fen(repair))
        name = lambda x: x.period.start.isoformat()  # noqa: E731
    got = [(name(x), x.item, x.base_fen, x.tax_fen, x.relief_fen, x.amount_fen)
           for x in a.lines if not x.exempt_reason]
    want = [(m, i, *(yuan_to_fen(v) for v in nums)) for m, i, *nums in lines]
    assert got == want
    assert all(x.amount_fen == 0 for x in a.lines if x.exempt_reason)
    assert a.total_fen == yuan_to_fen(total) == sum(yuan_to_fen(line[-1]) for line in lines)
    assert a.repair_carry_fen == yuan_to_fen(carry)
    if taxable is not None:
        assert {m.taxable_rent_fen for m in a.months} == {yuan_to_fen(taxable)}
    assert fees.breakdown(a).problems() == []


def test_table_covers_at_least_forty_cases():
    assert len(CASES) >= 40
    prorated = [c for c in CASES if c.values[-1] is not None
                and fees.rent_periods(*(date.fromisoformat(d) for d in c.values[-1]))[-1].short]
    assert len(prorated) >= 3


def test_the_stamp_minimum_applies_below_995_only():
    """0.1 % of ¥994.99 = 0.99499 -> 0.99: raised to the ¥1 minimum; of ¥995.00 = 0.995 -> 1.00: rounded."""
    def stamp(rent):
        a = fees.assess(F(rent, kind="organization", use="office"), YearMonth(2026, 1), YearMonth(2026, 1),
                        date(2026, 1, 1), ITEMISED)
        return next(x for x in a.lines if x.item == "stamp_duty")
    low, at = stamp("994.99"), stamp("995.00")
    assert (low.tax_fen, low.min_fen) == (100, 100)
    assert (at.tax_fen, at.min_fen) == (100, None)


def test_iit_deduction_kind_at_the_4000_line():
    def iit(rent):
        a = fees.assess(F(rent), YearMonth(2017, 6), YearMonth(2017, 6), date(2026, 1, 1), ITEMISED)
        return next(x for x in a.lines if x.item == "individual_income_tax")
    at, above = iit("4166.67"), iit("4166.68")
    assert (at.net_fen, at.deduction_kind, at.deduction_fen) == (400000, "fixed", 80000)
    assert (above.net_fen, above.deduction_kind, above.deduction_fen) == (400001, "percent", 80000)


def test_no_vat_before_yingaizeng_and_business_tax_after_none():
    before = ITEMISED.select(YearMonth(2016, 4), "individual", "residential")[1]
    after = ITEMISED.select(YearMonth(2016, 5), "individual", "residential")[1]
    assert {i.code for i in before.items} >= {"business_tax"} and "vat" not in {i.code for i in before.items}
    assert "vat" in {i.code for i in after.items} and "business_tax" not in {i.code for i in after.items}
