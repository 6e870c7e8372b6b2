import json
from datetime import date
from decimal import Decimal

import pytest

import fees
from fees import (AmbiguousScheduleError, FeesError, NoScheduleError, RateSchedule, ScheduleError, ScheduleSet,
                  YearMonth, schedules_from_toml, validate_schedule)
from fees_testlib import custom, facts, run, shipped


def test_shipped_schedules_are_labelled_sample():
    ss = fees.load_shipped_schedules()
    assert {s.id for s in ss} == set(fees.SHIPPED_ITEMISED_IDS) | set(fees.SHIPPED_COMPREHENSIVE_IDS)
    for s in ss:
        assert s.sample is True and s.status == "sample"
        assert "示例税率" in s.title_zh and "SAMPLE" in s.title_en
        assert validate_schedule(s.to_dict()) == []
        assert s.sources and all(x.document and x.evidence in fees.model.EVIDENCE for x in s.sources)


def test_shipped_itemised_cover_2014_10_onwards_without_gaps():
    s = shipped()
    m = YearMonth(2014, 10)
    while m <= YearMonth(2035, 12):
        for kind in ("individual", "organization"):
            for use in fees.uses.USES:
                s.select(m, kind, use)
        m = m.next()
    with pytest.raises(NoScheduleError):
        s.select(YearMonth(2014, 9), "individual", "residential")


def test_shipped_thresholds_by_period():
    s = shipped()
    thr = {}
    for ym in ("2016-01", "2016-06", "2019-06", "2021-06", "2023-06"):
        sched, rule = s.select(YearMonth.parse(ym), "individual", "residential")
        thr[ym] = next(i for i in rule.items if i.code in ("vat", "business_tax")).exempt_up_to_monthly_rent_fen
    assert thr == {"2016-01": 3000000, "2016-06": 3000000, "2019-06": 10000000, "2021-06": 15000000,
                   "2023-06": 10000000}


@pytest.mark.parametrize("s", fees.load_shipped_schedules(), ids=lambda s: s.id)
def test_schedule_dict_round_trip_through_json(s):
    d = json.loads(json.dumps(s.to_dict()))
    back = RateSchedule.from_dict(d)
    assert back == s
    assert back.to_dict() == s.to_dict()


def test_schedules_from_toml_multiple():
    text = '''
[[schedule]]
id = "a"
version = 2
title_zh = "甲"
title_en = "A"
effective_from = 2020-01-01
mode = "comprehensive"
[[schedule.rules]]
id = "r"
landlord_kind = "individual"
category = "residential"
[[schedule.rules.bands]]
rate = "3%"
'''
    (s,) = schedules_from_toml(text)
    # no status: a sample (nothing is confirmed without its sources)
    assert s.version == 2 and s.rules[0].bands[0].rate == Decimal("0.03") and s.sample is True
    assert s.status == "sample"


def _base():
    return fees.load_shipped_schedules(["itemised-2023-01"])[0].to_dict()


@pytest.mark.parametrize("mutate,needle", [
    (lambda d: d.update(id="Bad Id"), "id must be a slug"),
    (lambda d: d.update(version=0), "version"),
    (lambda d: d.update(title_zh=""), "title_zh"),
    (lambda d: d.update(effective_from="2023-13-01"), "effective_from"),
    (lambda d: d.update(effective_to="2022-01-01"), "effective_to must not be before"),
    (lambda d: d.update(mode="flat"), "mode"),
    (lambda d: d["use_mapping"].update(garage="residential"), "unknown use"),
    (lambda d: d["use_mapping"].update(mixed="housing"), "category must be"),
    (lambda d: d.update(rules=[]), "at least one rule"),
    (lambda d: d["rules"][0].update(landlord_kind="company"), "landlord_kind"),
    (lambda d: d["rules"][1].update(category="residential"), "already covers"),
    (lambda d: d["rules"][0]["items"][0].update(rate=0.015), "rate"),
    (lambda d: d["rules"][0]["items"][0].update(rate="150%"), "out of range"),
    (lambda d: d["rules"][0]["items"][0].update(code="vatt"), "unknown item code"),
    (lambda d: d["rules"][0]["items"][0].update(base="turnover"), "base must be"),
    (lambda d: d["rules"][0]["items"][0].update(exempt_up_to_monthly_rent_fen=-1), "non-negative"),
    (lambda d: d["rules"][0]["items"].append(dict(d["rules"][0]["items"][0])), "duplicate item"),
    (lambda d: d["rules"][0]["items"].pop(0), "need a 'vat' item"),
    (lambda d: d["rules"][0]["reductions"][0].update(percent="150"), "percent"),
    (lambda d: d["rules"][0]["reductions"][0].update(to="2020-01-01"), "before 'from'"),
    (lambda d: d["rules"][0]["reductions"][0].update(items=["vat", "xx"]), "unknown item"),
])
def test_validate_schedule_errors(mutate, needle):
    d = _base()
    mutate(d)
    errs = validate_schedule(d)
    assert any(needle in e for e in errs), errs
    with pytest.raises(ScheduleError):
        RateSchedule.from_dict(d)


def test_validate_comprehensive_bands():
    d = fees.load_shipped_schedules(["comprehensive-2014"])[0].to_dict()
    d["rules"][0]["bands"][1]["up_to_fen"] = 100
    assert any("ascend" in e for e in validate_schedule(d))
    d = fees.load_shipped_schedules(["comprehensive-2014"])[0].to_dict()
    d["rules"][0]["bands"][-1]["up_to_fen"] = 10**9
    assert any("last band" in e for e in validate_schedule(d))
    assert validate_schedule("nope") == ["schedule must be a table/object"]


def test_no_schedule_error():
    with pytest.raises(NoScheduleError):
        run(facts(100000), "2010-01", "2010-01", shipped())
    assert issubclass(NoScheduleError, FeesError)
    # in force but no rule for organizations
    with pytest.raises(NoScheduleError, match="no rule|has a rule"):
        run(facts(100000, kind="organization"), "2026-01", "2026-01", fees.load_shipped_schedules(["comprehensive-2019"]))


def test_ambiguous_schedules():
    a = custom([{"code": "property_tax", "base": "rent", "rate": "12%"}], sid="a", ef="2020-01-01")
    b = custom([{"code": "property_tax", "base": "rent", "rate": "4%"}], sid="b", ef="2020-01-01")
    with pytest.raises(AmbiguousScheduleError):
        run(facts(100000), "2026-01", "2026-01", ScheduleSet([a, b]))
    b2 = custom([{"code": "property_tax", "base": "rent", "rate": "4%"}], sid="b", ef="2020-01-01", priority=1)
    assert run(facts(100000), "2026-01", "2026-01", ScheduleSet([a, b2])).total_fen == 4000


def test_schedule_versions_latest_used_and_duplicates_rejected():
    v1 = custom([{"code": "property_tax", "base": "rent", "rate": "12%"}], version=1)
    v2 = custom([{"code": "property_tax", "base": "rent", "rate": "4%"}], version=2)
    a = run(facts(100000), "2026-01", "2026-01", ScheduleSet([v1, v2]))
    assert a.total_fen == 4000 and a.schedules_used == [("custom", 2)]
    with pytest.raises(ValueError):
        ScheduleSet([v1, v1])


def test_effective_to_inclusive_and_month_first_day_rule():
    s = custom([{"code": "property_tax", "base": "rent", "rate": "12%"}], ef="2026-01-01", et="2026-03-01")
    assert run(facts(100000), "2026-03", "2026-03", s).total_fen == 12000
    with pytest.raises(NoScheduleError):
        run(facts(100000), "2026-04", "2026-04", s)
    # a schedule starting mid-month does not apply to that month (first day decides)
    late = custom([{"code": "property_tax", "base": "rent", "rate": "12%"}], ef="2026-01-15")
    with pytest.raises(NoScheduleError):
        run(facts(100000), "2026-01", "2026-01", late)


def test_assessed_on_does_not_choose_schedule():
    f = facts(500000)
    a = fees.assess(f, first=YearMonth(2016, 6), last=YearMonth(2016, 6), assessed_on=date(2026, 11, 26),
                    schedules=shipped())
    assert a.schedules_used == [("itemised-2016-05", 1)] and a.assessed_on == date(2026, 11, 26)
    b = fees.assess(f, first=YearMonth(2016, 4), last=YearMonth(2016, 4), assessed_on=date(2026, 11, 26),
                    schedules=shipped())
    assert b.schedules_used == [("itemised-2014-10", 2)]


def test_use_mapping_can_make_mixed_residential():
    s = custom([{"code": "property_tax", "base": "rent", "rate": "4%"}], use_mapping={"mixed": "residential"})
    assert run(facts(100000, use="mixed"), "2026-01", "2026-01", s).total_fen == 4000
    with pytest.raises(NoScheduleError):
        run(facts(100000, use="office"), "2026-01", "2026-01", s)


def test_guidance_needs_area():
    g = fees.GuidanceRents([fees.GuidanceRent("440304001", "residential", Decimal("50"), date(2019, 1, 1))])
    with pytest.raises(FeesError, match="area"):
        run(facts(100000, street="440304001"), "2026-01", "2026-01", shipped(), g)


def test_sample_guidance_covers_ten_streets():
    g = fees.load_sample_guidance()
    streets = {e.street_code for e in g.entries}
    assert streets == {f"4403040{n:02d}" for n in range(1, 11)}
    assert g.lookup("440304009", "residential", date(2026, 1, 1)) is not None


def test_lease_facts_validation():
    with pytest.raises(ValueError):
        facts(100, kind="company")
    with pytest.raises(ValueError):
        facts(100, use="garage")
    with pytest.raises(ValueError):
        facts(-1)
    with pytest.raises(ValueError):
        fees.LeaseFacts("individual", "residential", 100, area_m2=45.5)


def test_explain_zh_en_and_from_snapshot():
    g = fees.GuidanceRents([fees.GuidanceRent("440304001", "residential", Decimal("100"), date(2019, 1, 1))])
    a = run(facts(300000, area="45.50", street="440304001"), "2026-01", "2026-03", shipped(), g)
    zh, en = a.explain("zh"), a.explain("en")
    assert "指导租金" in zh and "¥4,550.00" in zh and "示例" in zh and "合计" in zh
    assert "guidance rent" in en and "SAMPLE" in en and "Total" in en and "2026-01-01 – 2026-03-31" in en
    back = fees.Assessment.from_dict(json.loads(json.dumps(a.to_dict())))
    assert back.explain("zh") == zh and back.explain("en") == en


def test_explain_zero_months():
    a = run(facts(300000), "2026-03", "2026-01", shipped())
    assert "0" in a.explain("en") and a.explain("zh")


def test_from_dict_detects_tampered_total():
    d = run(facts(300000), "2026-01", "2026-01", shipped()).to_dict()
    d["total_fen"] += 1
    with pytest.raises(FeesError):
        fees.Assessment.from_dict(d)


def test_all_shipped_together_prefer_itemised_without_ambiguity():
    s = ScheduleSet(fees.load_shipped_schedules())
    a = run(facts(500000), "2014-10", "2030-12", s)
    assert {sid for sid, _ in a.schedules_used} == set(fees.SHIPPED_ITEMISED_IDS)


@pytest.mark.parametrize("mutate,needle", [
    (lambda d: d.update(status="confirmed"), "every source with its date and evidence"),
    (lambda d: d.update(status="confirmed", sources=[]), "must list its legal sources"),
    (lambda d: d.update(status="official"), "status must be"),
    (lambda d: d.update(status="confirmed", sample=True), "contradicts"),
    (lambda d: d["sources"][0].update(evidence="seen"), "evidence must be"),
    (lambda d: d["sources"][0].pop("document"), "document"),
    (lambda d: d["rules"][0]["items"][0].update(source="财税〔2099〕1号"), "not among the schedule's sources"),
    (lambda d: d["rules"][0]["reductions"][0].update(source=["财税〔2099〕1号"]), "not among"),
])
def test_validate_provenance_errors(mutate, needle):
    d = _base()
    mutate(d)
    errs = validate_schedule(d)
    assert any(needle in e for e in errs), errs


def test_a_confirmed_schedule_cites_official_sources():
    d = _base()
    d["status"] = "confirmed"
    for s in d["sources"]:
        s.update(evidence="official", date=s.get("date") or "2022-07-01")
    s = RateSchedule.from_dict(d)
    assert s.status == "confirmed" and s.sample is False and "财税〔2016〕43号（2016-04-25）" in s.sources_label


def test_legacy_assessment_records_stay_readable():
    """An assessment stored before the figures of the arithmetic were recorded (format 1)."""
    legacy = {"format": 1, "facts": {"landlord_kind": "individual", "use": "residential", "monthly_rent_fen": 300000,
                                     "area_m2": None, "street_code": None},
              "first": "2026-01", "last": "2026-01", "assessed_on": "2026-01-05",
              "schedules": [{"id": "itemised-2023-01", "version": 1, "title_zh": "旧", "title_en": "old",
                             "mode": "itemised", "sample": True}],
              "months": [{"month": "2026-01", "declared_rent_fen": 300000, "taxable_rent_fen": 300000,
                          "schedule_id": "itemised-2023-01", "schedule_version": 1, "rule_id": "r", "mode": "itemised"}],
              "lines": [{"month": "2026-01", "item": "property_tax", "name_zh": "房产税", "name_en": "Property tax",
                         "base_kind": "rent", "base_fen": 300000, "rate": "0.04", "reduction_percent": "50",
                         "amount_fen": 6000, "schedule_id": "itemised-2023-01", "schedule_version": 1, "rule_id": "r"},
                        {"month": "2026-01", "item": "individual_income_tax", "name_zh": "个人所得税",
                         "name_en": "Individual income tax", "base_kind": "iit_rent", "base_fen": 294000,
                         "rate": "0.1", "reduction_percent": "0", "amount_fen": 21400, "deduction_yuan": "800",
                         "schedule_id": "itemised-2023-01", "schedule_version": 1, "rule_id": "r"}],
              "total_fen": 27400}
    a = fees.Assessment.from_dict(legacy)
    assert a.total_fen == 27400 and all(x.legacy for x in a.lines)
    assert "旧记录" in a.explain("zh") and "old record" in a.explain("en")
    b = fees.breakdown(a)
    assert b.problems() == [] and [r.amount_fen for r in b.rows] == [6000, 21400]
