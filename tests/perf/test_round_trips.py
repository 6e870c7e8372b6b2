"""Round trips of a registration and a collection (issue 18): counted on the app's engine, every
statement (SAVEPOINTs included, the login's user load too), through the real forms; and the rate
schedules parsed once per process, while an activation is seen by the next assessment."""
from __future__ import annotations

import uuid

from sqlalchemy import select

from counter.extensions import db
from counter.leases.idnumbers import make_resident_id
from counter.leases.models import Lease
from tests.leases.leases_testlib import form_data

# PostgreSQL: 31 and 34 before issue 18 (registration: 12 until the form handed its house-code lookup on). SQLite (no network: a statement costs microseconds) counts its
# BEGIN IMMEDIATE, and reads a chain's head in a statement of its own (no INSERT in a CTE there).
LIMITS = {"postgresql": {"register": 11, "collect": 22}, "sqlite": {"register": 17, "collect": 30}}


def _register(client, k: int) -> Lease:
    house = f"440304001000000{k:04d}000101"[:25]
    data = form_data(house_code=house, building_code=house[:19],
                     **{"landlords-0-id_number": make_resident_id(f"44030419800101{k:03d}"),
                        "tenants-0-id_number": make_resident_id(f"44030419900215{k:03d}")})
    resp = client.post("/leases/new", data=data)
    assert resp.status_code == 302, resp.get_data(as_text=True)[:800]
    return db.session.get(Lease, int(resp.headers["Location"].rstrip("/").rsplit("/", 1)[1]))


def _collect(client, lease: Lease):
    month = f"{lease.start_date.year:04d}-{lease.start_date.month:02d}"
    return client.post(f"/collection/lease/{lease.id}", data={
        "first_month": month, "last_month": month, "method": "cash", "reference": "",
        "idempotency_key": uuid.uuid4().hex, "repeat_reason": ""})


def test_registration_and_collection_round_trips(clerk_client, count_queries):
    _collect(clerk_client, _register(clerk_client, 1))  # warm: the schedules parsed, the counters exist
    counter = count_queries()
    with counter:
        lease = _register(clerk_client, 2)
    register = counter.count - 1  # the test's own read of the new lease
    with counter:
        resp = _collect(clerk_client, lease)
    assert resp.status_code == 302, resp.get_data(as_text=True)[:800]
    limits = LIMITS[db.engine.dialect.name]
    print(f"{db.engine.dialect.name}: registration {register}, collection {counter.count} statements")
    assert register <= limits["register"], counter.report()
    assert counter.count <= limits["collect"], counter.report()


def test_schedules_parsed_once_and_activation_seen(app, users, login, monkeypatch):
    import fees
    from counter.tax import services as tax
    from counter.tax.models import RateScheduleVersion

    calls = []
    real = fees.RateSchedule.from_dict
    monkeypatch.setattr(fees.RateSchedule, "from_dict", staticmethod(lambda d: calls.append(1) or real(d)))
    tax._PARSED.clear()
    tax._SETS.clear()
    first = tax.schedule_set()
    parsed = len(calls)
    assert parsed == len(first) > 0
    again = tax.schedule_set()
    assert again is first and len(calls) == parsed  # nothing parsed twice
    # a new version activated through the admin's pages (tests/perf/test_two_servers.py: through another
    # server, on PostgreSQL)
    v = db.session.scalars(select(RateScheduleVersion).where(RateScheduleVersion.status == "active")
                           .order_by(RateScheduleVersion.schedule_id)).first()
    db.session.commit()
    admin = app.test_client()
    login(admin, "admin")
    resp = admin.post(f"/tax/schedules/{v.id}/new", data={"text": tax.version_text(v), "note": "round trips"})
    assert resp.status_code == 302, resp.get_data(as_text=True)[:500]
    new_id = int(resp.headers["Location"].split("/tax/schedules/")[1].split("/")[0])
    assert admin.post(f"/tax/schedules/{new_id}/activate").status_code == 302
    draft = db.session.get(RateScheduleVersion, new_id)
    parsed = len(calls)  # the pages parsed the text to validate it
    now = tax.schedule_set()
    assert now is not first
    assert (draft.schedule_id, draft.version) in {(s.id, s.version) for s in now}
    assert len(calls) == parsed + 1  # only the new version was parsed
    assert tax.schedule_set() is now and len(calls) == parsed + 1
