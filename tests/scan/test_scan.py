"""The top bar's scanner field (issue 15): each kind of number -> its record, within the user's street;
several matches are listed; bounded input is a field error, never a query."""
from __future__ import annotations

import itertools
from datetime import timedelta

import pytest

from counter.core.bounds import SEARCH_MAX
from counter.extensions import db
from counter.scan.services import find_by_scan

_n = itertools.count(301)


def _lease(street_id: int, *, house: str | None = None, tenant_id: str | None = None):
    from counter.core.timeutil import business_today
    from counter.leases.idnumbers import make_resident_id
    from counter.leases.services import LeaseInput, PartyInput, register_lease

    n = next(_n)
    house = house or f"44030400{street_id:02d}00000000020{n:04d}"[:25]
    start = business_today() - timedelta(days=10)
    parties = [PartyInput("landlord", "王建国", "resident_id", make_resident_id(f"44030419800101{n % 1000:03d}")),
               PartyInput("tenant", "李娜", "resident_id", tenant_id or make_resident_id(f"44030419900101{n % 1000:03d}"))]
    data = LeaseInput(street_id=street_id, house_code=house, building_code=house[:19],
                      address="深圳市福田区南园街道福华路10号A栋", room=f"{n}室", floor_area_centi=8850,
                      design_use="residential", has_title=True, lease_use="residential", rented_area_centi=8850,
                      signing_date=start, start_date=start, end_date=start.replace(year=start.year + 1),
                      monthly_rent_fen=450000, deposit_fen=0, payment_cycle="monthly", parties=parties)
    return register_lease(data, confirm_overlap=True)


@pytest.fixture
def world(app, streets, users):
    from counter.collection import services as collection
    from counter.documents import services as documents
    from counter.leases.idnumbers import make_resident_id

    a, b = streets[0].id, streets[1].id
    shared_id = make_resident_id("44030419950505123")
    lease = _lease(a, tenant_id=shared_id)
    second = _lease(a, house=lease.premises.house_code)  # the same house, a later filing
    other = _lease(b, tenant_id=shared_id)  # the same tenant in street B
    first, _last = collection.lease_months(lease)
    receipt = collection.collect(lease, str(first), str(first), "cash", None, "scan-1", clerk=users["clerk_a"])
    cert = documents._new_document("certificate", a, holder_name="李娜", lease=lease)
    receipt_doc = documents._new_document("receipt", a, holder_name="李娜", receipt=receipt)
    other_cert = documents._new_document("certificate", b, holder_name="李娜", lease=other)
    db.session.commit()
    return {"lease": lease, "second": second, "other": other, "receipt": receipt, "cert": cert,
            "receipt_doc": receipt_doc, "other_cert": other_cert, "id": shared_id}


def _target(text, user):
    t = find_by_scan(text, user).target
    return (t.endpoint, t.values) if t else None


def test_each_kind_jumps_to_its_record(world, users):
    clerk = users["clerk_a"]
    lease, receipt = world["lease"], world["receipt"]
    to_lease = ("leases.view", {"lease_id": lease.id})
    assert _target(lease.registration_code, clerk) == to_lease
    assert _target(lease.registration_code.lower().replace("-", ""), clerk) == to_lease  # a scanner's string
    assert _target(lease.registration_number, clerk) == to_lease  # the display form
    assert _target(" " + world["cert"].doc_number.lower() + "\n", clerk) == to_lease
    assert _target(f"http://counter.example/verify/{world['cert'].verify_code}", clerk) == to_lease  # the QR code
    assert _target(receipt.receipt_number, clerk) == ("collection.receipt", {"receipt_id": receipt.id})
    assert _target(world["receipt_doc"].doc_number, clerk) == ("collection.receipt", {"receipt_id": receipt.id})
    assert find_by_scan(receipt.receipt_number, clerk).kind == "receipt"


def test_house_code_and_id_number_list_the_matches_of_the_street_only(world, users):
    clerk_a, admin = users["clerk_a"], users["admin"]
    house = find_by_scan(world["lease"].premises.house_code, clerk_a)
    assert house.kind == "house_code" and house.target is None
    assert [m.values["lease_id"] for m in house.matches] == [world["second"].id, world["lease"].id]  # newest first
    by_id = find_by_scan(world["id"], clerk_a)
    assert by_id.kind == "id_number"
    assert [m.values["lease_id"] for m in by_id.matches] == [world["lease"].id]  # not street B's lease
    assert {m.values["lease_id"] for m in find_by_scan(world["id"], admin).matches} == {
        world["lease"].id, world["other"].id}  # the district admin sees every street


def test_another_streets_numbers_are_not_found(world, users):
    clerk_b = users["clerk_b"]
    for text in (world["lease"].registration_code, world["lease"].registration_number, world["cert"].doc_number,
                 world["receipt"].receipt_number, world["lease"].premises.house_code):
        result = find_by_scan(text, clerk_b)
        assert result.kind is not None and result.matches == [], text
    assert _target(world["other_cert"].doc_number, clerk_b) == ("leases.view", {"lease_id": world["other"].id})


def test_unknown_and_overlong_input(world, users):
    clerk = users["clerk_a"]
    assert find_by_scan("李", clerk).kind is None
    assert find_by_scan("", clerk).matches == []
    assert find_by_scan("FT01-2026-" + "0" * SEARCH_MAX, clerk).kind is None  # longer than the bound: no query


def test_top_bar_field_on_every_staff_page_and_the_scan_route(world, clerk_client):
    home = clerk_client.get("/").get_data(as_text=True)
    assert 'id="scan-q"' in home and 'action="/scan/"' in home and "autofocus" in home.split('id="scan-q"')[1][:600]
    leases = clerk_client.get("/leases/").get_data(as_text=True)
    field = leases.split('id="scan-q"')[1].split(">")[0]
    assert "autofocus" not in field  # the search page's own field keeps the focus
    resp = clerk_client.get("/scan/", query_string={"q": world["cert"].doc_number})
    assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/leases/{world['lease'].id}")
    listed = clerk_client.get("/scan/", query_string={"q": world["lease"].premises.house_code})
    html = listed.get_data(as_text=True)
    assert listed.status_code == 200 and world["second"].registration_number in html
    assert world["lease"].premises.house_code in html  # kept in the top-bar field
    none = clerk_client.get("/scan/", query_string={"q": world["other_cert"].doc_number})
    assert none.status_code == 200 and 'id="scan-none"' in none.get_data(as_text=True)
    assert clerk_client.get("/scan/", query_string={"q": "x" * (SEARCH_MAX + 1)}).status_code == 422
    assert clerk_client.get("/scan/", query_string={"q": "FT01\x00"}).status_code == 422
