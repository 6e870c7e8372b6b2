"""Rental tax engine (租赁税代征) - pure Python: stdlib + decimal, no Flask, no SQLAlchemy.

Public API (the contract the rest of the app uses)::

    from fees import (LeaseFacts, assess_periods, rent_periods, Period, assess, Assessment, AssessmentLine,
                      load_shipped_schedules, ScheduleSet, GuidanceRents, GuidanceRent, YearMonth)

See :mod:`fees.calendar` for THE period rule (rent periods anchored at the term's start, a short last
period prorated by days), :mod:`fees.money` for THE rounding and base rules, :mod:`fees.arithmetic` for the
arithmetic shown on screens and receipts, :mod:`fees.engine` for how a
month's schedule is chosen, :mod:`fees.model` for the schedule data format and
:mod:`fees.uses` for the canonical lease-use codes.
"""
from __future__ import annotations

from importlib import resources

from .arithmetic import Breakdown, BreakdownRow, ExemptRow, breakdown, quote_json, yuan as plain_yuan
from .arithmetic import prorate_note
from .calendar import Period, YearMonth, add_months, month_periods, months_between, rent_periods, span_label
from .engine import (Assessment, AssessmentLine, ItemTotal, LeaseFacts, MonthBasis, PeriodBasis, ScheduleSet, assess,
                     assess_periods)
from .errors import AmbiguousScheduleError, FeesError, NoRuleError, NoScheduleError, ScheduleError, ScheduleProblem
from .guidance import GuidanceRent, GuidanceRents, guidance_from_toml, load_sample_guidance
from .model import (ITEM_CODES, ITEM_NAMES, Band, Item, RateSchedule, Reduction, Rule, Source, json_problem,
                    schedules_from_toml, sources_label, toml_problem, validate_schedule, validate_schedule_localized)
from .money import fen_to_yuan, format_yuan, prorate_fen, round_fen, yuan_to_fen

__all__ = [
    "YearMonth", "months_between", "Period", "add_months", "rent_periods", "month_periods", "span_label",
    "Assessment", "AssessmentLine", "ItemTotal", "LeaseFacts", "MonthBasis", "PeriodBasis",
    "ScheduleSet", "assess", "assess_periods", "prorate_fen", "prorate_note", "AmbiguousScheduleError", "FeesError", "NoRuleError", "NoScheduleError",
    "ScheduleError", "ScheduleProblem", "GuidanceRent", "GuidanceRents", "guidance_from_toml", "load_sample_guidance",
    "ITEM_CODES", "ITEM_NAMES", "Band", "Item", "RateSchedule", "Reduction", "Rule", "schedules_from_toml",
    "validate_schedule", "validate_schedule_localized", "toml_problem", "json_problem", "fen_to_yuan", "format_yuan",
    "round_fen", "yuan_to_fen", "load_shipped_schedules", "Source", "sources_label",
    "Breakdown", "BreakdownRow", "ExemptRow", "breakdown", "quote_json", "plain_yuan",
    "SHIPPED_ITEMISED_IDS", "SHIPPED_COMPREHENSIVE_IDS",
]

SHIPPED_ITEMISED_IDS = ("itemised-2014-10", "itemised-2016-05", "itemised-2019-01", "itemised-2021-04", "itemised-2023-01")
SHIPPED_COMPREHENSIVE_IDS = ("comprehensive-2014", "comprehensive-2019")


def load_shipped_schedules(ids=None) -> list[RateSchedule]:
    """All shipped SAMPLE schedules (``fees/schedules/*.toml`` except guidance), sorted by id.

    ``ids`` optionally restricts to those schedule ids. Itemised and
    comprehensive schedules overlap in time: build a :class:`ScheduleSet` from
    the ones the admin made active, e.g.
    ``ScheduleSet(load_shipped_schedules(SHIPPED_ITEMISED_IDS))``.
    """
    out: list[RateSchedule] = []
    for entry in sorted(resources.files("fees.schedules").iterdir(), key=lambda p: p.name):
        if entry.name.endswith(".toml") and not entry.name.startswith("guidance"):
            out.extend(schedules_from_toml(entry.read_text(encoding="utf-8")))
    if ids is not None:
        wanted = set(ids)
        out = [s for s in out if s.id in wanted]
    return sorted(out, key=lambda s: (s.id, s.version))
