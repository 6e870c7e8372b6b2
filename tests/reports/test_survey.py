"""The guidance-rent survey (counter/reports/survey.py): statistics on data worked by hand, the groups and
flags of real filings, and adopting a proposed guidance table that the tax floor then uses."""
from __future__ import annotations

import statistics
from datetime import date
from decimal import Decimal as D

import pytest

from counter.reports.survey import quartiles, median, unit_rent

# ------------------------------------------------------------------------------------- by hand


def test_unit_rent_worked_by_hand():
    # 4,500.00 yuan for 88.50 m²: 50.847457... -> 50.8475 yuan per m² per month
    assert unit_rent(450000, 8850) == D("50.8475")
    assert unit_rent(1, 3) == D("0.3333") and unit_rent(2, 3) == D("0.6667")


@pytest.mark.parametrize("values,expected", [
    # n = 7, m = 6: Q1 = (x1*2 + x2*2)/4 = 25; Q2 = x3 = 40; Q3 = (x4*2 + x5*2)/4 = 55
    (["10", "20", "30", "40", "50", "60", "70"], ("25", "40", "55")),
    # n = 6, m = 5: Q1 = (x1*3 + x2)/4 = (6 + 3)/4 = 2.25; Q2 = (x2*2 + x3*2)/4 = 3.5; Q3 = (x3 + x4*3)/4 = 6.25
    (["10", "1.5", "7", "2", "4", "3"], ("2.25", "3.5", "6.25")),
    # n = 5, m = 4: the quartiles fall on data points x1, x2, x3
    (["50", "20", "44", "42", "40"], ("40", "42", "44")),
    # n = 2, m = 1: Q1 = (3a + b)/4, Q2 = (a + b)/2, Q3 = (a + 3b)/4
    (["10.0001", "20"], ("12.500075", "15.00005", "17.500025")),
])
def test_quartiles_inclusive_worked_by_hand(values, expected):
    xs = [D(v) for v in values]
    assert quartiles(xs) == tuple(D(e) for e in expected)
    assert quartiles(xs)[1] == median(xs)
    # the same as the standard library's inclusive method, on Decimals
    assert tuple(statistics.quantiles(xs, n=4, method="inclusive")) == tuple(D(e) for e in expected)


# ------------------------------------------------------------------------------------- real filings

def _units(rents):
    return [int(D(r) * 10000) for r in rents]  # yuan per m² on 100 m² -> monthly rent in fen


def test_survey_groups_flags_and_proposal(app, streets, users, filings):
    from counter.core.scoping import unrestricted
    from counter.extensions import db
    from counter.leases.services import cancel_filing
    from counter.reports.survey import survey

    a, b = streets[0].id, streets[1].id
    for fen in _units(["50", "20", "44", "42", "40"]):
        filings(a, rent_fen=fen)
    filings(a, rent_fen=10000, registered_on=date(2025, 12, 31))              # another year
    gone = filings(a, rent_fen=100)                                            # cancelled: not a filing that stands
    cancel_filing(gone, "录入错误")
    filings(a, rent_fen=_units(["90"])[0], use="office", community="002")      # too few
    filings(a, rent_fen=_units(["30"])[0], use="office", community="002", registered_on=date(2026, 11, 30))
    filings(b, rent_fen=_units(["70"])[0])                                     # street B
    db.session.commit()
    with unrestricted():
        s = survey(2026, min_sample=5, percent=50)
    assert s.filings == 8
    groups = {(g.street_id, g.community, g.use, g.period): g for g in s.groups}
    res = groups[(a, "440304001001", "residential", "2026")]
    assert (res.count, res.enough, res.q1, res.median, res.q3) == (5, True, D("40"), D("42"), D("44"))
    office = groups[(a, "440304001002", "office", "2026")]
    assert office.count == 2 and not office.enough and office.median is None
    # 20 < 50 % of 42 = 21: flagged, at 20/42 = 0.4762 of the median; 40 is not
    assert [(f.filing.unit, f.ratio) for f in s.flagged] == [(D("20"), D("0.4762"))]
    assert [(p.street_id, p.use, p.count, p.proposed) for p in s.proposals] == [(a, "residential", 5, D("40.00"))]
    with unrestricted():
        q = survey(2026, period_kind="quarter", min_sample=2, percent=50)
    assert {g.period for g in q.groups if g.use == "office"} == {"2026-Q2", "2026-Q4"}


def test_survey_page_is_scoped_and_shows_too_few(app, streets, users, filings, login):
    from counter.extensions import db

    for fen in _units(["50", "20", "44", "42", "40"]):
        filings(streets[0].id, rent_fen=fen)
    filings(streets[1].id, rent_fen=_units(["70"])[0])
    db.session.commit()
    c = app.test_client()
    login(c, "supervisor_b")
    html = c.get("/reports/rents?year=2026").get_data(as_text=True)
    assert "440304002001" in html and "440304001001" not in html  # own street only
    c = app.test_client()
    login(c, "admin")
    html = c.get("/reports/rents?year=2026&min_sample=5").get_data(as_text=True)
    assert 'data-median="42.0000"' in html and "440304002001" in html and 'class="muted too-few"' in html
    assert c.get("/reports/rents?year=99999").status_code == 422
    assert c.get("/reports/rents?year=2026&min_sample=1").status_code == 422
    clerk = app.test_client()
    login(clerk, "clerk_a")
    assert clerk.get("/reports/rents").status_code == 403


def test_adopting_the_proposal_is_used_by_the_tax_floor(app, streets, users, filings, login):
    import fees
    from sqlalchemy import select

    from counter.extensions import db
    from counter.tax.models import GuidanceRent
    from counter.tax.services import assess_facts

    a = streets[0]
    for fen in _units(["50", "20", "44", "42", "40"]):
        filings(a.id, rent_fen=fen)
    db.session.commit()
    c = app.test_client()
    login(c, "admin")
    page = c.get("/reports/rents/guidance?year=2026")
    assert page.status_code == 200 and 'value="40.00"' in page.get_data(as_text=True)
    form = {"year": "2026", "effective_from": "2027-01-01", "legal_source": "福田区指导租金公告〔2026〕1号",
            "rows-0-key": f"{a.code}:residential", "rows-0-value": "41.50"}  # the administrator edits 40.00
    bad = c.post("/reports/rents/guidance", data={**form, "rows-0-key": "999999999:residential"})
    assert bad.status_code == 422
    assert c.post("/reports/rents/guidance", data={**form, "effective_from": "2020-01-01"}).status_code == 422
    assert c.post("/reports/rents/guidance", data=form).status_code == 302
    again = c.post("/reports/rents/guidance", data=form)      # the same version twice: a field error
    assert again.status_code == 422
    rows = db.session.scalars(select(GuidanceRent).where(GuidanceRent.effective_from == date(2027, 1, 1))).all()
    assert [(g.street_code, g.use, g.fen_per_m2_month, g.provenance) for g in rows] == \
        [(a.code, "residential", 4150, "confirmed")]
    assert rows[0].legal_source.startswith("福田区指导租金公告〔2026〕1号；租金调查2026年（5份备案")

    # the floor: ¥2,000 a month for 100 m² is below both figures; December uses the sample 70, January 41.50
    facts = fees.LeaseFacts(landlord_kind="individual", use="residential", monthly_rent_fen=200000,
                            area_m2=D("100.00"), street_code=a.code)
    dec = assess_facts(facts, fees.YearMonth(2026, 12), fees.YearMonth(2026, 12), assessed_on=date(2026, 12, 1))
    jan = assess_facts(facts, fees.YearMonth(2027, 1), fees.YearMonth(2027, 1), assessed_on=date(2026, 12, 1))
    assert dec.months[0].guidance_yuan_per_m2 == D("70.00") and dec.months[0].floor_rent_fen == 700000
    assert jan.months[0].guidance_yuan_per_m2 == D("41.50") and jan.months[0].floor_rent_fen == 415000
    assert jan.months[0].taxable_rent_fen == 415000 and not jan.months[0].guidance_sample
    assert jan.months[0].guidance_source.startswith("福田区指导租金公告")


def test_two_administrators_adopting_the_same_version_at_once(app, pg_only, streets, users, filings, login):
    """A race on PostgreSQL: the unique key (street, use, effective date) with ON CONFLICT DO NOTHING lets
    one adoption through; the other is a field error (422) and writes nothing."""
    import sys
    from pathlib import Path

    from sqlalchemy import func, select

    from counter.auth.services import create_user
    from counter.extensions import db
    from counter.tax.models import GuidanceRent

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "integrity"))
    from racelib import post, race

    a = streets[0]
    for fen in _units(["50", "20", "44", "42", "40"]):
        filings(a.id, rent_fen=fen)
    create_user("admin2", "correct horse 1", "district_admin", "admin 2", None)
    db.session.commit()
    clients = []
    for name in ("admin", "admin2"):
        c = app.test_client()
        login(c, name)
        clients.append(c)
    form = {"year": "2026", "effective_from": "2027-07-01", "legal_source": "福田区指导租金公告〔2027〕2号",
            "rows-0-key": f"{a.code}:residential", "rows-0-value": "40.00",
            "rows-1-key": f"{a.code}:office", "rows-1-value": "90.00"}
    answers = race(app, *(post(c, "/reports/rents/guidance", form) for c in clients))
    assert sorted(x.status for x in answers) == [302, 422]
    assert db.session.scalar(select(func.count()).select_from(GuidanceRent)
                             .where(GuidanceRent.effective_from == date(2027, 7, 1))) == 2
