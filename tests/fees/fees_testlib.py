"""Helpers for the fees tests (not a test module)."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import fees
from fees import LeaseFacts, RateSchedule, ScheduleSet, YearMonth


def custom(items=None, reductions=(), kind="individual", cat="residential", bands=None,
           sid="custom", ef="2014-01-01", et=None, version=1, priority=0, use_mapping=None) -> RateSchedule:
    """A one-rule schedule built from a dict (goes through validate_schedule)."""
    rule = {"id": "r", "landlord_kind": kind, "category": cat, "reductions": list(reductions)}
    if bands is not None:
        rule["bands"] = bands
    else:
        rule["items"] = items
    d = {"id": sid, "version": version, "title_zh": "测试", "title_en": "test", "effective_from": ef,
         "mode": "comprehensive" if bands is not None else "itemised", "sample": True, "priority": priority,
         "rules": [rule]}
    if et:
        d["effective_to"] = et
    if use_mapping:
        d["use_mapping"] = use_mapping
    return RateSchedule.from_dict(d)


def shipped(*ids) -> ScheduleSet:
    return ScheduleSet(fees.load_shipped_schedules(ids or fees.SHIPPED_ITEMISED_IDS))


def facts(rent_fen, kind="individual", use="residential", area=None, street=None) -> LeaseFacts:
    return LeaseFacts(landlord_kind=kind, use=use, monthly_rent_fen=rent_fen,
                      area_m2=None if area is None else Decimal(area), street_code=street)


def run(f, first, last, sched, guidance=None):
    if isinstance(sched, RateSchedule):
        sched = ScheduleSet([sched])
    return fees.assess(f, first=YearMonth.parse(first), last=YearMonth.parse(last),
                       assessed_on=date(2026, 11, 26), schedules=sched, guidance=guidance)
