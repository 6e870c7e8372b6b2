"""Issue 13 at the window: production refuses to collect on sample data (with the sources to confirm), a
demo install marks the sample rates, the repair costs entered by the clerk are deducted and stored, and
the collect page shows each line's arithmetic."""
from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import func, select

from counter.collection import services as svc
from counter.collection.models import Receipt
from counter.core.serials import SerialCounter
from counter.extensions import db
from counter.tax import services as tax
from counter.tax.models import AssessmentRecord, GuidanceRent, RateScheduleVersion


@pytest.fixture
def production(app):
    app.config["COUNTER_ENV"] = "production"
    yield
    app.config["COUNTER_ENV"] = "demo"


def _key(html: str) -> str:
    return re.search(r'name="idempotency_key"[^>]*value="([0-9a-f]{32})"', html).group(1)


def _confirm(schedule_id: str):
    """What an administrator does: a new version with status confirmed, every source checked and dated."""
    v = db.session.scalar(select(RateScheduleVersion).where(RateScheduleVersion.schedule_id == schedule_id,
                                                            RateScheduleVersion.status == "active"))
    d = json.loads(tax.version_text(v))
    d["status"] = "confirmed"
    for s in d["sources"]:
        s.update(evidence="official", date=s.get("date") or "2022-07-01")
    new = tax.create_version(json.dumps(d, ensure_ascii=False), based_on=v, note="checked with the bureau")
    tax.activate_version(new)
    db.session.commit()
    return new


def test_production_refuses_sample_rates_and_names_the_sources(app, production, lease_a, users):
    with pytest.raises(svc.CollectionError) as exc:
        svc.collect(lease_a, "2026-01", "2026-02", "cash", None, "prod-1", clerk=users["clerk_a"])
    message = exc.value.message
    assert "itemised-2023-01" in message and "财税〔2016〕43号" in message and "confirmed" in message
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Receipt)) == 0
    assert db.session.scalar(select(func.count()).select_from(AssessmentRecord)) == 0
    assert db.session.scalar(select(func.count()).select_from(SerialCounter)
                             .where(SerialCounter.kind == "receipt")) == 0  # no receipt number consumed


def test_production_collects_once_schedule_and_guidance_are_confirmed(app, production, lease_a, users):
    confirmed = _confirm("itemised-2023-01")
    assert confirmed.provenance == "confirmed" and "财税〔2016〕43号（2016-04-25）" in confirmed.legal_source
    with pytest.raises(svc.CollectionError) as exc:   # 南园's guidance rents are still sample data
        svc.collect(lease_a, "2026-01", "2026-02", "cash", None, "prod-2", clerk=users["clerk_a"])
    assert "guidance" in exc.value.message or "指导租金" in exc.value.message
    db.session.rollback()
    for g in db.session.scalars(select(GuidanceRent).where(GuidanceRent.street_code == "440304001")):
        g.provenance, g.sample, g.legal_source = "confirmed", False, "深府〔2099〕1号（2099-01-01）"
    db.session.commit()
    receipt = svc.collect(lease_a, "2026-01", "2026-02", "cash", None, "prod-3", clerk=users["clerk_a"])
    db.session.commit()
    assert receipt.total_fen > 0


def test_production_collect_page_shows_the_refusal_not_the_button(app, production, clerk_client, lease_a):
    resp = clerk_client.get(f"/collection/lease/{lease_a.id}?first=2026-01&last=2026-02")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and 'id="sample-refused"' in html and "财税〔2016〕43号" in html
    assert 'name="method"' not in html   # no confirm button
    resp = clerk_client.post(f"/collection/lease/{lease_a.id}",
                             data={"first_month": "2026-01", "last_month": "2026-02", "method": "cash",
                                   "idempotency_key": "f" * 32, "repair_cost": "0"})
    assert resp.status_code == 422 and "财税〔2016〕43号" in resp.get_data(as_text=True)


def test_demo_collect_page_marks_sample_rates_and_shows_the_arithmetic(clerk_client, lease_a):
    html = clerk_client.get(f"/collection/lease/{lease_a.id}?first=2026-01&last=2026-03").get_data(as_text=True)
    assert "示例税率" in html and 'class="data breakdown"' in html
    # 南园 guidance 70/m² x 50 m² = 3,500 = the declared rent: property tax 3,500 x 4 % = 140.00, relief 70.00
    row = re.search(r'<tr data-item="property_tax">(.*?)</tr>', html, re.S).group(1)
    cells = [re.sub(r"<[^>]+>|\s", "", c) for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
    assert cells == ["房产税", "2026年1月1日至2026年3月31日", "3,500.00", "4%", "¥140.00", "50%", "−¥70.00", "3", "¥210.00"]


def test_repair_costs_deducted_stored_and_carried(clerk_client, lease_a, users):
    url = f"/collection/lease/{lease_a.id}"
    html = clerk_client.get(f"{url}?first=2026-01&last=2026-02&repair=2000").get_data(as_text=True)
    assert "修缮费用 800.00" in html and 'name="repair_cost" type="hidden" value="200000"' in html
    resp = clerk_client.post(url, data={"first_month": "2026-01", "last_month": "2026-02", "method": "cash",
                                        "idempotency_key": _key(html), "repair_cost": "200000"})
    assert resp.status_code == 302, resp.get_data(as_text=True)[:3000]
    receipt = db.session.scalar(select(Receipt).order_by(Receipt.id.desc()))
    rec = db.session.get(AssessmentRecord, receipt.assessment_record_id)
    assert (rec.repair_cost_fen, rec.repair_carry_fen) == (200000, 40000)   # 800 + 800 used, 400 carried
    # the next collection offers the carry
    html = clerk_client.get(f"{url}?first=2026-03&last=2026-03").get_data(as_text=True)
    assert re.search(r'name="repair"[^>]*value="400(\.00)?"', html)


def test_repair_costs_refused_for_organizations_and_bad_input(clerk_client, lease_a, users):
    lease_a.landlord_kind = "organization"
    db.session.commit()
    with pytest.raises(svc.CollectionError) as exc:
        svc.quote(lease_a, "2026-01", "2026-01", 10000)
    assert exc.value.field == "repair_cost"
    resp = clerk_client.get(f"/collection/lease/{lease_a.id}?first=2026-01&last=2026-01&repair=1.234")
    assert resp.status_code == 422
