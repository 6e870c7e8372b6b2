"""Provenance of rate schedules and guidance rents (issue 13): what `counter load-reference` loads on an empty
database, the database's checks, the upgrade of an untouched shipped sample, `counter tax quote`."""
from __future__ import annotations

import json
from dataclasses import replace

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

import fees
from counter.extensions import db
from counter.tax import services
from counter.tax.models import GuidanceRent, RateScheduleVersion


def _empty_tax_reference(db_owner, backend):
    """Remove the shipped rate schedules and guidance rents the test database starts with (the freeze
    trigger refuses to delete active versions: it is switched off for this clean-up only, as the owner —
    the app's role may not)."""
    db.session.commit()
    with db_owner.begin() as conn:
        if backend == "postgresql":
            conn.execute(text("SET LOCAL session_replication_role = replica"))
            conn.execute(text("DELETE FROM rate_schedule_version"))
        else:
            conn.execute(text("DROP TRIGGER rate_schedule_version_no_delete"))
            conn.execute(text("DELETE FROM rate_schedule_version"))
            conn.execute(text("CREATE TRIGGER rate_schedule_version_no_delete BEFORE DELETE ON rate_schedule_version "
                              "WHEN OLD.status <> 'draft' "
                              "BEGIN SELECT RAISE(ABORT, 'rate schedule version is frozen: only drafts can be deleted'); "
                              "END"))
        conn.execute(text("DELETE FROM guidance_rent"))


def _counts():
    return (db.session.scalar(select(func.count()).select_from(RateScheduleVersion)),
            db.session.scalar(select(func.count()).select_from(GuidanceRent)))


def test_load_reference_loads_no_samples_unless_asked(app, backend, db_owner):
    from counter.cli import load_reference_command

    _empty_tax_reference(db_owner, backend)
    runner = app.test_cli_runner()
    result = runner.invoke(load_reference_command, [])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert _counts() == (0, 0)  # every shipped table is a sample: a real install gets none
    result = runner.invoke(load_reference_command, ["--samples"])
    assert result.exit_code == 0 and "Sample rates" in result.output
    db.session.expire_all()
    n_schedules, n_guidance = _counts()
    assert n_schedules == len(fees.load_shipped_schedules()) and n_guidance == len(fees.load_sample_guidance())
    rows = db.session.scalars(select(RateScheduleVersion)).all()
    assert all(r.provenance == "sample" and r.sample and r.legal_source for r in rows)
    assert all(g.provenance == "sample" and g.legal_source for g in db.session.scalars(select(GuidanceRent)))


def test_seed_demo_loads_the_samples(app, backend, db_owner):
    from counter.demo import seed_demo

    _empty_tax_reference(db_owner, backend)
    seed_demo()
    db.session.commit()
    assert _counts()[0] == len(fees.load_shipped_schedules())


def test_database_refuses_a_confirmed_row_without_source(app):
    g = db.session.scalars(select(GuidanceRent)).first()
    g.provenance = "confirmed"
    g.legal_source = None
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
    g = db.session.scalars(select(GuidanceRent)).first()
    g.provenance = "official"
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_provenance_of_an_active_version_is_frozen(app):
    from sqlalchemy.exc import DatabaseError

    v = db.session.scalar(select(RateScheduleVersion).where(RateScheduleVersion.status == "active"))
    with pytest.raises(DatabaseError, match="frozen"):
        db.session.execute(text("UPDATE rate_schedule_version SET legal_source = 'x' WHERE id = :id"), {"id": v.id})
    db.session.rollback()


def test_newer_shipped_sample_replaces_an_untouched_one_only(app, monkeypatch):
    old = db.session.scalar(select(RateScheduleVersion).where(RateScheduleVersion.schedule_id == "itemised-2023-01",
                                                              RateScheduleVersion.status == "active"))
    shipped = fees.load_shipped_schedules()
    newer = [replace(s, version=s.version + 1) if s.id == "itemised-2023-01" else s for s in shipped]
    monkeypatch.setattr(fees, "load_shipped_schedules", lambda ids=None: newer)
    services.ensure_tax_reference(samples=True)
    db.session.commit()
    db.session.refresh(old)
    assert old.status == "retired" and old.retired_by == "system"
    assert services.schedule_set().get("itemised-2023-01").version == old.version + 1
    # once the office has its own version, a newer shipped one is never slipped in
    mine = services.create_version(services.version_text(old).replace('"0.04"', '"0.05"', 1))
    services.activate_version(mine)
    db.session.commit()
    newest = [replace(s, version=s.version + 9) if s.id == "itemised-2023-01" else s for s in shipped]
    monkeypatch.setattr(fees, "load_shipped_schedules", lambda ids=None: newest)
    services.ensure_tax_reference(samples=True)
    db.session.commit()
    assert services.schedule_set().get("itemised-2023-01").version == mine.version


def _quote(app, *args):
    from counter.tax.cli import tax_cli

    result = app.test_cli_runner().invoke(tax_cli, ["quote", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_tax_quote_prints_the_issues_examples(app):
    # ¥150,000 housing, June 2024, 50 % relief: property tax 150,000 / 1.05 x 4 % x 50 % = 2,857.14
    q = _quote(app, "--landlord", "individual", "--use", "residential", "--rent", "150000",
               "--start", "2024-06-01", "--end", "2024-06-30", "--area", "50", "--street", "440304009")
    (period,) = q["periods"]
    items = {i["item"]: i for i in period["items"]}
    assert (period["period"], period["start"], period["end"]) == ("2024-06", "2024-06-01", "2024-06-30")
    assert period["rent_ex_vat"] == "142857.14" and period["vat_charged"] is True
    pt = items["property_tax"]
    assert (pt["base"], pt["rate"], pt["tax"], pt["relief_percent"], pt["relief"], pt["amount"]) == \
        ("142857.14", "0.04", "5714.29", "50", "2857.15", "2857.14")
    iit = items["individual_income_tax"]
    # income 142,857.14 - taxes 2,985.71 = 139,871.43; x 80 % = 111,897.14 (deducted: 30,960.00)
    assert (iit["base"], iit["deduction"], iit["amount"]) == ("111897.14", "30960.00", "11189.71")
    assert q["total"] == "16318.28" and q["sample"] is True
    # ¥20,000 a month non-housing: income tax (20,000 - 1,200 - 10) x 80 % x 20 % = 3,006.40
    q = _quote(app, "--landlord", "individual", "--use", "office", "--rent", "20000",
               "--start", "2024-06-01", "--end", "2024-06-30")
    items = {i["item"]: i for i in q["periods"][0]["items"]}
    assert items["individual_income_tax"]["amount"] == "3006.40"
    assert items["individual_income_tax"]["taxes"] == "1210.00"
    assert items["vat"]["exempt"] == "threshold"
    assert q["total"] == "4216.40"


def test_tax_quote_periods_repair_and_errors(app):
    # rent periods anchored at the start: 2024-06-15 .. 2024-08-14 is two periods, not three months
    q = _quote(app, "--landlord", "individual", "--use", "residential", "--rent", "3000",
               "--start", "2024-06-15", "--end", "2024-08-14", "--repair", "1000", "--schedules", "shipped")
    assert [(p["start"], p["end"], p["prorated"]) for p in q["periods"]] == \
        [("2024-06-15", "2024-07-14", False), ("2024-07-15", "2024-08-14", False)]
    assert [next(i for i in p["items"] if i["item"] == "individual_income_tax")["repair"] for p in q["periods"]] \
        == ["800.00", "200.00"]
    assert q["repair_carry"] == "0.00" and q["period_rule"] == "rent_period"
    # a short last period: 2024-06-15 .. 2024-06-30 is 16 days of a 30-day period (06-15 .. 07-14):
    # rent 3,000 x 16 / 30 = 1,600.00; property tax 1,600 x 4 % = 64.00, relief 32.00; income tax:
    # 1,600 - 32 = 1,568 <= 4,000: - 800 (once per period) = 768 x 10 % = 76.80
    q = _quote(app, "--landlord", "individual", "--use", "residential", "--rent", "3000",
               "--start", "2024-03-15", "--end", "2024-06-30", "--schedules", "shipped")
    last = q["periods"][-1]
    assert len(q["periods"]) == 4 and (last["start"], last["end"], last["days"], last["full_days"]) == \
        ("2024-06-15", "2024-06-30", 16, 30)
    assert (last["prorated"], last["taxable_rent"], last["period_rent"]) == (True, "3000.00", "1600.00")
    items = {i["item"]: i for i in last["items"]}
    assert (items["property_tax"]["base"], items["property_tax"]["amount"]) == ("1600.00", "32.00")
    assert (items["individual_income_tax"]["base"], items["individual_income_tax"]["amount"]) == ("768.00", "76.80")
    from counter.tax.cli import tax_cli

    bad = app.test_cli_runner().invoke(tax_cli, ["quote", "--landlord", "individual", "--use", "residential",
                                                 "--rent", "1.005", "--start", "2024-06-01", "--end", "2024-06-30"])
    assert bad.exit_code != 0 and "--rent" in bad.output
