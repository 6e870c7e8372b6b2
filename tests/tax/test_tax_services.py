"""Tax services without HTTP: reference data, schedule versions, activation, freezing, records."""
from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DatabaseError

import fees
from counter.audit.models import AuditEntry
from counter.extensions import db
from counter.reference import ensure_reference_data
from counter.tax import services
from counter.tax.models import AssessmentRecord, GuidanceRent, RateScheduleVersion

SHIPPED = {s.id: s.version for s in fees.load_shipped_schedules()}  # the version a fresh install has
V = SHIPPED["itemised-2023-01"]


def _active(schedule_id):
    return db.session.scalar(select(RateScheduleVersion).where(RateScheduleVersion.schedule_id == schedule_id,
                                                               RateScheduleVersion.status == "active"))


def _bumped_text(v, **changes):
    """The version's JSON with changes applied to the individual-residential rule's items."""
    d = json.loads(services.version_text(v))
    for rule in d["rules"]:
        if rule["id"] == "individual-residential":
            for item in rule["items"]:
                if item["code"] in changes:
                    item["rate"] = changes[item["code"]]
    return json.dumps(d, ensure_ascii=False)


def test_schedule_set_from_db_equals_shipped(app):
    shipped = fees.load_shipped_schedules()
    sset = services.schedule_set()
    assert sorted((s.id, s.version) for s in sset) == sorted((s.id, s.version) for s in shipped)
    for s in shipped:
        assert sset.get(s.id).to_dict() == s.to_dict()
    rows = db.session.scalars(select(RateScheduleVersion)).all()
    assert all(r.status == "active" and r.version == SHIPPED[r.schedule_id] and r.provenance == "sample"
               and r.legal_source for r in rows)


def test_reference_data_is_idempotent(app):
    before = (db.session.scalar(select(text("count(*)")).select_from(RateScheduleVersion)),
              db.session.scalar(select(text("count(*)")).select_from(GuidanceRent)))
    ensure_reference_data(samples=True)
    ensure_reference_data(samples=True)
    ensure_reference_data()
    db.session.commit()
    after = (db.session.scalar(select(text("count(*)")).select_from(RateScheduleVersion)),
             db.session.scalar(select(text("count(*)")).select_from(GuidanceRent)))
    assert before == after and before[0] == len(fees.load_shipped_schedules()) and before[1] > 0


def test_guidance_rents_from_db_equal_sample(app):
    sample = fees.load_sample_guidance()
    got = services.guidance_rents()
    assert sorted(tuple(sorted(e.to_dict().items())) for e in got.entries) == \
        sorted(tuple(sorted(e.to_dict().items())) for e in sample.entries)


def test_facts_and_assess_lease_match_engine(app, lease):
    facts = services.facts_for_lease(lease)
    assert facts == fees.LeaseFacts("individual", "residential", 350000, Decimal("45.50"), "440304001")
    first, last = fees.YearMonth(2026, 1), fees.YearMonth(2026, 3)
    a = services.assess_lease(lease, first, last, assessed_on=date(2026, 4, 1))
    shipped, guidance = fees.ScheduleSet(fees.load_shipped_schedules()), fees.load_sample_guidance()
    expected = fees.assess_periods(facts, fees.rent_periods(lease.start_date, lease.end_date)[:3], date(2026, 4, 1),
                                   shipped, guidance)
    assert a.to_dict() == expected.to_dict() and a.period_rule == "rent_period"
    # a term starting on the 1st: its rent periods are the calendar months, taxed alike
    months = fees.assess(facts, first, last, date(2026, 4, 1), shipped, guidance)
    assert a.lines == months.lines and a.total_fen == months.total_fen
    assert a.total_fen > 0 and a.schedules_used == [("itemised-2023-01", V)]
    assert db.session.scalar(select(text("count(*)")).select_from(AssessmentRecord)) == 0  # no write


def test_create_and_activate_retires_previous_version(app):
    v1 = _active("itemised-2023-01")
    draft = services.create_version(_bumped_text(v1, property_tax="5%"), based_on=v1, note="property tax 5 %")
    db.session.commit()
    assert (draft.version, draft.status, draft.based_on_id) == (V + 1, "draft", v1.id)
    assert services.schedule_set().get("itemised-2023-01").version == V  # drafts are not in force
    old = services.activate_version(draft)
    db.session.commit()
    assert old.id == v1.id
    db.session.refresh(v1)
    assert v1.status == "retired" and v1.retired_at is not None
    assert draft.status == "active" and draft.activated_at is not None
    assert services.schedule_set().get("itemised-2023-01").version == V + 1
    # the old version still exists, unchanged
    assert v1.data == fees.load_shipped_schedules(["itemised-2023-01"])[0].to_dict()
    actions = db.session.scalars(select(AuditEntry.action).where(AuditEntry.action.like("tax.%"))
                                 .order_by(AuditEntry.id)).all()
    assert actions == ["tax.schedule.create", "tax.schedule.retire", "tax.schedule.activate"]
    # the activation history: yesterday the old version was in force
    assert services.schedule_set(on=date.today() - timedelta(days=2)).get("itemised-2023-01").version == V


def test_invalid_text_is_refused_with_errors(app):
    v1 = _active("itemised-2023-01")
    with pytest.raises(services.ScheduleTextError) as exc:
        services.create_version(_bumped_text(v1, property_tax="150%"))
    assert any("property_tax" in e for e in exc.value.errors)
    with pytest.raises(services.ScheduleTextError):
        services.create_version("{not json")
    db.session.rollback()
    assert db.session.scalar(select(text("count(*)")).select_from(RateScheduleVersion)) == len(fees.load_shipped_schedules())


def test_toml_text_is_accepted(app):
    from importlib import resources

    toml = resources.files("fees.schedules").joinpath("comprehensive-2019.toml").read_text(encoding="utf-8")
    v = services.create_version(toml.replace('rate = "2.5%"', 'rate = "2.6%"'))
    assert v.schedule_id == "comprehensive-2019" and v.version == SHIPPED["comprehensive-2019"] + 1
    assert v.data["rules"][0]["bands"][0]["rate"] == "0.026"


def test_used_version_cannot_be_edited(app, lease):
    a = services.assess_lease(lease, fees.YearMonth(2026, 1), fees.YearMonth(2026, 1), date(2026, 2, 1))
    rec = services.record_assessment(lease, a)
    db.session.commit()
    v1 = _active("itemised-2023-01")
    assert rec.schedules == [{"id": "itemised-2023-01", "version": V, "version_row_id": v1.id}]
    with pytest.raises(services.VersionFrozen):
        services.update_draft(v1, services.version_text(v1))
    with pytest.raises(services.VersionFrozen):
        services.delete_draft(v1)
    # the database refuses it too, whatever the code path
    with pytest.raises(DatabaseError, match="frozen"):
        db.session.execute(text("UPDATE rate_schedule_version SET priority = 5 WHERE id = :id"), {"id": v1.id})
    db.session.rollback()
    with pytest.raises(DatabaseError, match="frozen"):
        db.session.execute(text("UPDATE rate_schedule_version SET status = 'draft' WHERE id = :id"), {"id": v1.id})
    db.session.rollback()
    with pytest.raises(DatabaseError, match="frozen"):
        db.session.execute(text("DELETE FROM rate_schedule_version WHERE id = :id"), {"id": v1.id})
    db.session.rollback()


def test_drafts_can_be_edited_and_discarded(app):
    v1 = _active("itemised-2023-01")
    draft = services.create_version(_bumped_text(v1, property_tax="5%"), based_on=v1)
    services.update_draft(draft, _bumped_text(v1, property_tax="6%"), note="6 % after all")
    db.session.commit()
    rule = next(r for r in draft.data["rules"] if r["id"] == "individual-residential")
    assert next(i for i in rule["items"] if i["code"] == "property_tax")["rate"] == "0.06"
    assert draft.version == V + 1
    with pytest.raises(services.ScheduleTextError):
        services.update_draft(draft, services.version_text(_active("comprehensive-2019")))  # another id
    services.delete_draft(draft)
    db.session.commit()
    assert db.session.get(RateScheduleVersion, draft.id) is None


def test_record_and_explain_record(app, lease):
    a = services.assess_lease(lease, fees.YearMonth(2026, 1), fees.YearMonth(2026, 3), date(2026, 4, 1))
    rec = services.record_assessment(lease, a)
    db.session.commit()
    assert (rec.street_id, rec.lease_id, rec.total_fen, rec.first_month, rec.last_month) == \
        (lease.street_id, lease.id, a.total_fen, "2026-01", "2026-03")
    assert services.explain_record(rec, "zh") == a.explain("zh")
    assert services.explain_record(rec, "en") == a.explain("en")
    assert "租赁税计算说明" in services.explain_record(rec, "zh")
    # append-only
    with pytest.raises(DatabaseError, match="append-only|permission denied"):  # PostgreSQL: the app role's grants
        db.session.execute(text("UPDATE assessment_record SET total_fen = 0 WHERE id = :id"), {"id": rec.id})
    db.session.rollback()


def test_old_record_keeps_old_version_and_amounts(app, lease):
    first = last = fees.YearMonth(2026, 1)
    a = services.assess_lease(lease, first, last, date(2026, 2, 1))
    rec = services.record_assessment(lease, a)
    db.session.commit()
    old_total, old_text = rec.total_fen, services.explain_record(rec, "en")
    v1 = _active("itemised-2023-01")
    services.activate_version(services.create_version(_bumped_text(v1, property_tax="8%"), based_on=v1))
    db.session.commit()
    new = services.assess_lease(lease, first, last, date(2026, 2, 1))
    assert new.schedules_used == [("itemised-2023-01", V + 1)] and new.total_fen != old_total
    db.session.expire_all()
    rec = db.session.get(AssessmentRecord, rec.id)
    assert rec.total_fen == old_total and services.explain_record(rec, "en") == old_text
    assert f"itemised-2023-01 v{V}" in old_text


def test_record_refuses_draft_versions(app, lease):
    v1 = _active("itemised-2023-01")
    draft = services.create_version(_bumped_text(v1, property_tax="8%"), based_on=v1)
    sset = fees.ScheduleSet([*services.schedule_set(), services.version_schedule(draft)])
    a = fees.assess(services.facts_for_lease(lease), fees.YearMonth(2026, 1), fees.YearMonth(2026, 1),
                    date(2026, 2, 1), sset)
    with pytest.raises(services.TaxError):
        services.record_assessment(lease, a)


def test_preview_compares_active_and_draft(app):
    v1 = _active("itemised-2023-01")
    draft = services.create_version(_bumped_text(v1, property_tax="8%"), based_on=v1)
    month, rows = services.preview(draft, fees.YearMonth(2026, 1))
    assert month == fees.YearMonth(2026, 1) and len(rows) == len(services.SAMPLE_LEASES)
    housing = rows[0]
    assert housing.facts.use == "residential" and housing.facts.landlord_kind == "individual"
    assert housing.draft.total_fen > housing.current.total_fen  # 8 % property tax instead of 4 %
    assert housing.current.schedules_used == [("itemised-2023-01", V)]
    assert housing.draft.schedules_used == [("itemised-2023-01", V + 1)]
    office = next(r for r in rows if r.facts.landlord_kind == "organization")
    assert office.difference_fen == 0  # the change only touches individuals' housing
