"""Amending a lease's term (变更) re-checks overlapping active leases on the same property, like
registration and renewal: refused unless the clerk confirms; a confirmed overlap is recorded."""
from __future__ import annotations

from datetime import timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from counter.extensions import db
from counter.leases.models import Lease, LeaseEvent
from counter.leases.services import OverlapError, amend_lease, register_lease, renew_lease

from leases_testlib import TENANT2_ID, form_data, lease_input, term


def _later_term():
    """A term on the same property that starts the day after the default term ends."""
    _start, end = term()
    start2 = end + timedelta(days=1)
    return start2, start2.replace(year=start2.year + 1) - timedelta(days=1)


def _two_leases(street_id):
    first = register_lease(lease_input(street_id))
    start2, end2 = _later_term()
    second = register_lease(lease_input(street_id, tenant_id=TENANT2_ID, start_date=start2, end_date=end2))
    assert second.overlap_note is None
    return first, second


def _events(lease_id):
    return db.session.scalar(select(func.count(LeaseEvent.id)).where(LeaseEvent.lease_id == lease_id))


def test_amended_term_overlapping_needs_confirmation(app, streets):
    first, second = _two_leases(streets[0].id)
    new_start = first.end_date - timedelta(days=30)
    old_start = second.start_date
    with force_locale("en"), pytest.raises(OverlapError) as exc:
        amend_lease(second, {"start_date": new_start}, "term moved forward")
    assert exc.value.overlaps == [first]
    assert first.registration_code in exc.value.messages()[0]
    assert "Tick the confirmation" in exc.value.messages()[0]
    # nothing changed
    assert second.start_date == old_start and second.version == 1 and second.overlap_note is None
    assert _events(second.id) == 1

    amend_lease(second, {"start_date": new_start}, "term moved forward", confirm_overlap=True)
    assert second.start_date == new_start and second.version == 2
    assert first.registration_code in second.overlap_note
    ev = second.events[-1]
    assert ev.kind == "amend" and ev.reason.startswith("term moved forward")
    assert second.overlap_note in ev.reason
    assert ev.before["overlap_note"] is None and ev.after["overlap_note"] == second.overlap_note


def test_amend_without_term_change_or_overlap_needs_no_confirmation(app, streets):
    first, second = _two_leases(streets[0].id)
    amend_lease(second, {"monthly_rent_fen": 480000}, "rent")  # term unchanged
    amend_lease(second, {"end_date": second.end_date + timedelta(days=30)}, "longer")  # later: no overlap
    assert second.version == 3 and second.overlap_note is None
    # an overlap confirmed at registration does not ask again for a change that leaves the term alone
    third = register_lease(lease_input(streets[0].id, tenant_id=TENANT2_ID), confirm_overlap=True)
    amend_lease(third, {"monthly_rent_fen": 470000}, "rent")
    assert third.version == 2
    # a terminated lease does not overlap
    first.status = "terminated"
    third.status = "terminated"
    db.session.flush()
    amend_lease(second, {"start_date": first.start_date + timedelta(days=1)}, "earlier")
    assert second.overlap_note is None


def test_amending_a_renewal_does_not_count_the_renewed_lease(app, streets):
    first = register_lease(lease_input(streets[0].id))
    start, end = first.end_date - timedelta(days=10), first.end_date.replace(year=first.end_date.year + 1)
    renewal = renew_lease(first, lease_input(streets[0].id, start_date=start, end_date=end), "renewed early")
    amend_lease(renewal, {"start_date": start - timedelta(days=5)}, "start earlier")
    amend_lease(first, {"end_date": first.end_date + timedelta(days=3)}, "moving out later")
    assert renewal.overlap_note is None and first.overlap_note is None


def _register(client, **overrides):
    resp = client.post("/leases/new", data=form_data(**overrides))
    assert resp.status_code == 302, resp.get_data(as_text=True)[:3000]
    return int(resp.headers["Location"].rstrip("/").split("/")[-1])


def test_amend_overlap_in_the_browser(clerk_client, app):
    first_id = _register(clerk_client)
    start2, end2 = _later_term()
    second_id = _register(clerk_client, **{"tenants-0-id_number": TENANT2_ID, "tenants-0-name": "赵敏",
                                           "start_date": start2.isoformat(), "end_date": end2.isoformat()})
    first = db.session.get(Lease, first_id)
    new_start = (first.end_date - timedelta(days=30)).isoformat()
    data = form_data(**{"tenants-0-id_number": TENANT2_ID, "tenants-0-name": "赵敏", "start_date": new_start,
                        "end_date": end2.isoformat(), "reason": "租期提前"})
    resp = clerk_client.post(f"/leases/{second_id}/amend", data=data)
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert "该房屋已有租期重叠的有效备案" in html and first.registration_code in html
    assert 'name="confirm_overlap"' in html and f'href="/leases/{first_id}"' in html
    db.session.expire_all()
    second = db.session.get(Lease, second_id)
    assert second.start_date == start2 and second.version == 1 and second.overlap_note is None
    assert _events(second_id) == 1

    resp = clerk_client.post(f"/leases/{second_id}/amend", data={**data, "confirm_overlap": "y"})
    assert resp.status_code == 302, resp.get_data(as_text=True)[:3000]
    db.session.expire_all()
    second = db.session.get(Lease, second_id)
    assert second.start_date.isoformat() == new_start and second.version == 2
    assert first.registration_code in second.overlap_note and "经办人确认" in second.overlap_note
    ev = second.events[-1]
    assert ev.kind == "amend" and "租期提前" in ev.reason and second.overlap_note in ev.reason
    page = clerk_client.get(f"/leases/{second_id}").get_data(as_text=True)
    assert "变更后的租期与" in page
