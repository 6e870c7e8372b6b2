"""The period rule (fees/calendar.py, issue 13 phase 2): tax periods are the lease's rent periods, anchored
at the term's start; only the last can be short, and it is prorated by days (fees/money.py)."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import fees
from fees import Period, YearMonth, rent_periods

ITEMISED = fees.ScheduleSet(fees.load_shipped_schedules(fees.SHIPPED_ITEMISED_IDS))


def F(rent_fen, kind="individual", use="residential"):
    return fees.LeaseFacts(kind, use, rent_fen)


def test_a_twelve_month_lease_has_exactly_twelve_periods_and_is_taxed_on_twelve_full_ones():
    periods = rent_periods(date(2024, 3, 15), date(2025, 3, 14))
    assert len(periods) == 12
    assert (periods[0].start, periods[0].end) == (date(2024, 3, 15), date(2024, 4, 14))
    assert (periods[-1].start, periods[-1].end) == (date(2025, 2, 15), date(2025, 3, 14))
    assert all(p.start.day == 15 and p.end.day == 14 and not p.short for p in periods)
    assert all(b.follows(a) for a, b in zip(periods, periods[1:]))
    a = fees.assess_periods(F(350000), periods, date(2026, 1, 1), ITEMISED)
    assert len(a.months) == 12 and {m.rent_fen for m in a.months} == {350000}  # full rent, twelve times
    one = fees.assess_periods(F(350000), periods[:1], date(2026, 1, 1), ITEMISED)
    assert a.total_fen == 12 * one.total_fen
    # the calendar months this term touches were thirteen (the bug of issue 13)
    assert len(fees.months_between(YearMonth(2024, 3), YearMonth(2025, 3))) == 13


def test_the_last_period_of_a_term_ending_mid_period_is_short_and_prorated():
    periods = rent_periods(date(2024, 3, 15), date(2024, 6, 30))
    assert [(p.start, p.end) for p in periods] == [
        (date(2024, 3, 15), date(2024, 4, 14)), (date(2024, 4, 15), date(2024, 5, 14)),
        (date(2024, 5, 15), date(2024, 6, 14)), (date(2024, 6, 15), date(2024, 6, 30))]
    last = periods[-1]
    assert last.short and (last.days, last.full_days, last.full_end) == (16, 30, date(2024, 7, 14))
    assert not any(p.short for p in periods[:-1])
    a = fees.assess_periods(F(350000), periods, date(2026, 1, 1), ITEMISED)
    assert a.months[-1].rent_fen == 186667 == fees.prorate_fen(350000, 16, 30)  # 3,500 x 16 / 30 = 1,866.666...
    b = fees.breakdown(a)
    assert b.problems() == []
    assert any(r.prorated and r.period("zh") == "2024-06-15至2024-06-30" and r.days_label == "16/30" for r in b.rows)
    assert "租金（2024-06-15至2024-06-30，不足一期，按日折算）= 月租金 3,500.00 × 16 ÷ 30 = 1,866.67" in b.notes("zh")
    assert "a short period, prorated by days: ¥3,500.00 × 16 ÷ 30 = ¥1,866.67" in a.explain("en")


def test_anchor_days_missing_from_a_month_start_on_its_last_day_without_drift():
    periods = rent_periods(date(2024, 1, 31), date(2024, 12, 30))
    starts = [p.start for p in periods]
    assert starts[:4] == [date(2024, 1, 31), date(2024, 2, 29), date(2024, 3, 31), date(2024, 4, 30)]
    assert starts[4] == date(2024, 5, 31)  # back to the 31st: computed from the term's start, never drifting
    assert (periods[0].end, periods[1].end) == (date(2024, 2, 28), date(2024, 3, 30))
    assert len(periods) == 11 and not periods[-1].short  # 2024-11-30 .. 2024-12-30 is a full period


def test_a_term_shorter_than_one_period_is_one_short_period():
    (p,) = rent_periods(date(2024, 3, 15), date(2024, 3, 31))
    assert (p.days, p.full_days, p.short) == (17, 31, True)
    assert rent_periods(date(2024, 3, 15), date(2024, 3, 14)) == []


@settings(max_examples=200, deadline=None)
@given(start=st.dates(min_value=date(2000, 1, 1), max_value=date(2040, 12, 31)), days=st.integers(0, 3700))
def test_periods_tile_the_term_one_start_per_month(start, days):
    end = start + timedelta(days=days)
    periods = rent_periods(start, end)
    assert periods[0].start == start and periods[-1].end == end
    assert all(b.follows(a) for a, b in zip(periods, periods[1:]))
    assert sum(p.days for p in periods) == days + 1
    assert [p.month for p in periods] == fees.months_between(periods[0].month, periods[-1].month)
    assert not any(p.short for p in periods[:-1])
    assert all(28 <= p.full_days <= 31 for p in periods)


def test_prorate_rounds_half_up_once_and_refuses_nonsense():
    assert fees.prorate_fen(350000, 30, 30) == 350000
    assert fees.prorate_fen(100, 1, 8) == 13   # 1.00 / 8 = 0.125 -> 0.13
    with pytest.raises(ValueError):
        fees.prorate_fen(350000, 31, 30)
    with pytest.raises(ValueError):
        fees.prorate_fen(350000, 0, 30)


def test_assess_periods_refuses_gaps_and_a_short_period_before_the_last():
    periods = rent_periods(date(2024, 3, 15), date(2024, 8, 14))
    with pytest.raises(ValueError):
        fees.assess_periods(F(350000), [periods[0], periods[2]], date(2026, 1, 1), ITEMISED)
    short = Period(date(2024, 3, 15), date(2024, 3, 31), date(2024, 4, 14))
    with pytest.raises(ValueError):
        fees.assess_periods(F(350000), [short, Period(date(2024, 4, 1), date(2024, 4, 30))], date(2026, 1, 1),
                            ITEMISED)


def test_snapshots_keep_the_period_dates_and_older_formats_still_read():
    a = fees.assess_periods(F(350000), rent_periods(date(2024, 3, 15), date(2024, 6, 30)), date(2026, 1, 1), ITEMISED)
    d = a.to_dict()
    assert (d["format"], d["period_rule"], d["start"], d["end"]) == (3, "rent_period", "2024-03-15", "2024-06-30")
    back = fees.Assessment.from_dict(d)
    assert back.to_dict() == d and back.months[-1].period == a.months[-1].period and back.months[-1].prorated
    # a format-2 record (calendar months, before rent periods): each line and basis named by its month
    old = fees.assess(F(350000), YearMonth(2024, 3), YearMonth(2024, 4), date(2026, 1, 1), ITEMISED).to_dict()
    for row in old["months"] + old["lines"]:
        start = row.pop("start")
        row.pop("end")
        row["month"] = start[:7]
    for k in ("start", "end", "period_rule"):
        old.pop(k)
    old["format"] = 2
    legacy = fees.Assessment.from_dict(old)
    assert legacy.period_rule == "calendar_month"
    assert [(m.period.start, m.period.end) for m in legacy.months] == [(date(2024, 3, 1), date(2024, 3, 31)),
                                                                      (date(2024, 4, 1), date(2024, 4, 30))]
    assert fees.breakdown(legacy).rows[0].period("zh") == "2024-03-01至2024-04-30"
    assert fees.breakdown(legacy).problems() == []


def test_quote_json_lists_each_period_with_its_dates():
    a = fees.assess_periods(F(300000), rent_periods(date(2024, 3, 15), date(2024, 6, 30)), date(2026, 1, 1), ITEMISED)
    q = fees.quote_json(a)
    assert q["period_rule"] == "rent_period" and (q["start"], q["end"]) == ("2024-03-15", "2024-06-30")
    assert [(p["start"], p["end"], p["prorated"]) for p in q["periods"]] == [
        ("2024-03-15", "2024-04-14", False), ("2024-04-15", "2024-05-14", False),
        ("2024-05-15", "2024-06-14", False), ("2024-06-15", "2024-06-30", True)]
    assert (q["periods"][-1]["days"], q["periods"][-1]["full_days"], q["periods"][-1]["period_rent"]) == \
        (16, 30, "1600.00")
