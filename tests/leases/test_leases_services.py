"""The lease services: numbering, validation rules, overlap, lifecycle, find and search."""
from __future__ import annotations

from datetime import timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from counter.audit.models import AuditEntry
from counter.core.scoping import scoped_to
from counter.core.timeutil import business_today
from counter.extensions import db
from counter.leases.idnumbers import make_credit_code, make_resident_id
from counter.leases.models import Lease, LeaseEvent, Party, Property
from counter.leases.services import (LeaseError, OverlapError, PartyInput, SearchCriteria, ValidationError,
                                     amend_lease, cancel_filing, find_by_code, lease_version, register_lease,
                                     renew_lease, search_leases, terminate_lease)

from leases_testlib import HOUSE, LANDLORD_ID, TENANT2_ID, TENANT_ID, lease_input, term


def _errors(data, **kw):
    with force_locale("en"), pytest.raises(ValidationError) as exc:
        register_lease(data, **kw)
    return exc.value.errors


def test_register_numbers_records_and_audits(app, streets):
    year = business_today().year
    lease = register_lease(lease_input(streets[0].id))
    assert lease.registration_number == f"深福南租备〔{year}〕第000001号"
    assert lease.registration_code == f"FT01-{year}-000001"
    second = register_lease(lease_input(streets[0].id, house_code="4403040010000000001000102"))
    assert second.reg_seq == 2
    other = register_lease(lease_input(streets[1].id, house_code="4403040020000000001000101"))
    assert other.registration_code == f"FT02-{year}-000001"
    assert lease.premises.house_code == HOUSE and lease.premises.street_id == streets[0].id
    assert [lp.party.name for lp in lease.landlords] == ["王伟"] and lease.landlord_kind == "individual"
    assert [lp.party.id_number for lp in lease.tenants] == [TENANT_ID]
    assert [e.kind for e in lease.events] == ["register"] and lease.events[0].after["monthly_rent_fen"] == 450000
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "lease.register",
                                                       AuditEntry.object_id == str(lease.id)))
    assert entry is not None and "*" in entry.after["parties"][0]["id_number"]  # masked in the audit log
    phones = [p["phone"] for p in entry.after["parties"] if p["phone"]]
    assert phones and all("****" in p for p in phones)  # phones masked in the audit log too


def test_registration_formats_are_configurable(app, streets):
    app.config["REGISTRATION_NUMBER_DISPLAY"] = "{prefix}备{year}-{seq}"
    app.config["REGISTRATION_NUMBER_CODE"] = "{code}{year}{seq:05d}"
    lease = register_lease(lease_input(streets[0].id))
    assert lease.registration_number == f"南备{business_today().year}-1"
    assert lease.registration_code == f"FT01{business_today().year}00001"


@pytest.mark.parametrize("overrides,key,message", [
    ({"house_code": "44030400100"}, "house_code", "A house code has 25 letters and digits."),
    ({"building_code": "4403040019999999999"}, "house_code", "The house code must start with the building code."),
    ({"building_code": "123"}, "building_code", "A building code has 19 letters and digits (old codes: a UUID)."),
    ({"house_code": None, "address": ""}, "address", "Enter the property's address."),
    ({"floor_area_centi": 0}, "floor_area", "Enter the floor area in m² (more than 0)."),
    ({"lease_use": "castle"}, "lease_use", "Choose the lease use."),
    ({"rented_area_centi": 9000}, "rented_area", "The rented area cannot be larger than the floor area."),
    ({"rented_area_centi": None}, "rented_area", "Enter the rented area in m² (more than 0)."),
    ({"signing_date": business_today() + timedelta(days=1)}, "signing_date", "The signing date cannot be in the future."),
    ({"end_date": business_today() - timedelta(days=400)}, "end_date", "The end of the term cannot be before its start."),
    ({"end_date": business_today() + timedelta(days=365 * 21)}, "end_date", "A lease term cannot exceed 20 years."),
    ({"start_date": None}, "start_date", "Enter the start of the term."),
    ({"monthly_rent_fen": 0}, "monthly_rent", "Enter the monthly rent (more than 0)."),
    ({"deposit_fen": -1}, "deposit", "The deposit cannot be negative."),
    ({"payment_cycle": "weekly"}, "payment_cycle", "Choose the payment cycle."),
    ({"parties": [PartyInput("tenant", "李娜", "resident_id", TENANT_ID)]}, "landlords-0-name", "Enter at least one landlord."),
    ({"parties": [PartyInput("landlord", "王伟", "resident_id", LANDLORD_ID)]}, "tenants-0-name", "Enter at least one tenant."),
    ({"parties": [PartyInput("landlord", "", "resident_id", LANDLORD_ID), PartyInput("tenant", "李娜", "resident_id", TENANT_ID)]},
     "landlords-0-name", "Enter the name."),
    ({"parties": [PartyInput("landlord", "王伟", "resident_id", LANDLORD_ID[:-1] + "0" if LANDLORD_ID[-1] != "0" else LANDLORD_ID[:-1] + "1"),
                  PartyInput("tenant", "李娜", "resident_id", TENANT_ID)]},
     "landlords-0-id_number", "The check digit of this ID number is wrong; please check the number for typing errors."),
    ({"parties": [PartyInput("landlord", "王伟", "resident_id", LANDLORD_ID), PartyInput("tenant", "王伟", "resident_id", LANDLORD_ID)]},
     "tenants-0-id_number", "The same person cannot be landlord and tenant of one lease."),
    ({"parties": [PartyInput("landlord", "王伟", "resident_id", LANDLORD_ID), PartyInput("tenant", "李娜", "resident_id", TENANT_ID),
                  PartyInput("agent", "张三", "resident_id", TENANT2_ID)]},
     "agents-0-id_type", "An agent is an agency: use its unified social credit code."),
    ({"parties": [PartyInput("landlord", "王伟", "resident_id", LANDLORD_ID, phone="call me"),
                  PartyInput("tenant", "李娜", "resident_id", TENANT_ID)]},
     "landlords-0-phone", "A phone number has digits (and + - spaces) only."),
    ({"parties": [PartyInput("landlord", "王伟", "id_card", LANDLORD_ID), PartyInput("tenant", "李娜", "resident_id", TENANT_ID)]},
     "landlords-0-id_type", "Choose the ID type."),
])
def test_validation_rules(app, streets, overrides, key, message):
    errors = _errors(lease_input(streets[0].id, **overrides))
    assert message in errors[key]
    db.session.rollback()
    assert db.session.scalar(select(func.count(Lease.id))) == 0
    assert db.session.scalar(select(func.count(Property.id))) == 0


def test_house_code_of_another_street_is_refused(app, streets):
    register_lease(lease_input(streets[1].id))
    errors = _errors(lease_input(streets[0].id))
    assert errors["house_code"] == ["This house code belongs to a property of another street."]


def test_organizations_and_other_documents(app, streets):
    data = lease_input(streets[0].id, parties=[
        PartyInput("landlord", "深圳市某某村股份合作公司", "credit_code", make_credit_code("N2440304MF0000001")),
        PartyInput("tenant", "陈大文", "hk_macau_permit", "h12345678"),
        PartyInput("tenant", "林志明", "residence_permit", make_resident_id("83000019700707789")),
        PartyInput("tenant", "张老", "resident_id", "440304500101123"),
        PartyInput("agent", "深圳市某某地产代理有限公司", "credit_code", make_credit_code("91440300MA5DXXXX0"))])
    lease = register_lease(data)
    assert lease.landlord_kind == "organization"
    assert lease.parties[0].party.kind == "organization"
    assert [lp.party.id_number for lp in lease.tenants][0] == "H12345678"
    assert [lp.role for lp in lease.parties] == ["landlord", "tenant", "tenant", "tenant", "agent"]


def test_late_filing_is_accepted_registration_is_voluntary(app, streets):
    start = business_today().replace(year=business_today().year - 3)
    lease = register_lease(lease_input(streets[0].id, signing_date=start, start_date=start,
                                       end_date=start.replace(year=start.year + 5)))
    assert lease.id


def test_overlap_needs_confirmation_and_is_recorded(app, streets):
    first = register_lease(lease_input(streets[0].id))
    with pytest.raises(OverlapError) as exc:
        register_lease(lease_input(streets[0].id, tenant_id=TENANT2_ID))
    assert exc.value.overlaps == [first]
    assert first.registration_code in exc.value.messages()[0]
    second = register_lease(lease_input(streets[0].id, tenant_id=TENANT2_ID), confirm_overlap=True)
    assert first.registration_code in second.overlap_note
    assert second.events[0].reason == second.overlap_note
    assert second.reg_seq == 2  # the refused attempt consumed no number inside the committed transaction
    # a terminated lease no longer overlaps
    terminate_lease(first, business_today(), "moved out")
    terminate_lease(second, business_today(), "moved out")
    assert register_lease(lease_input(streets[0].id, tenant_id=TENANT2_ID,
                                      start_date=business_today() + timedelta(days=1))).overlap_note is None


def test_amend_keeps_previous_version(app, streets):
    lease = register_lease(lease_input(streets[0].id))
    with force_locale("en"), pytest.raises(ValidationError) as exc:
        amend_lease(lease, {"monthly_rent_fen": 480000}, "")
    assert exc.value.errors["reason"] == ["Enter the reason."]
    with force_locale("en"), pytest.raises(ValidationError) as exc:
        amend_lease(lease, {"monthly_rent_fen": 450000}, "no change")
    assert exc.value.errors[""] == ["Nothing was changed."]
    with force_locale("en"), pytest.raises(ValidationError) as exc:
        amend_lease(lease, {"end_date": lease.start_date - timedelta(days=1)}, "typo")
    assert "end_date" in exc.value.errors
    new_parties = [PartyInput("landlord", "王伟", "resident_id", LANDLORD_ID),
                   PartyInput("tenant", "李娜", "resident_id", TENANT_ID),
                   PartyInput("tenant", "赵敏", "resident_id", TENANT2_ID)]
    amend_lease(lease, {"monthly_rent_fen": 480000, "parties": new_parties}, "rent step-up, second tenant")
    assert lease.version == 2 and lease.monthly_rent_fen == 480000
    assert [lp.party.name for lp in lease.tenants] == ["李娜", "赵敏"]
    ev = lease.events[-1]
    assert ev.kind == "amend" and ev.reason == "rent step-up, second tenant"
    assert ev.before["monthly_rent_fen"] == 450000 and ev.after["monthly_rent_fen"] == 480000
    assert lease_version(lease, 1)["monthly_rent_fen"] == 450000
    assert len(lease_version(lease, 1)["parties"]) == 2 and len(lease_version(lease, 2)["parties"]) == 3


def test_renew_terminate_cancel(app, streets):
    lease = register_lease(lease_input(streets[0].id))
    start = lease.end_date + timedelta(days=1)
    renewal = renew_lease(lease, lease_input(streets[0].id, signing_date=business_today(), start_date=start,
                                             end_date=start.replace(year=start.year + 1), monthly_rent_fen=470000),
                          "renewed for a year")
    assert renewal.previous_lease_id == lease.id and renewal.property_id == lease.property_id
    assert renewal.events[0].kind == "renewal" and lease.events[-1].kind == "renewed"
    assert lease.events[-1].after["renewed_by"] == renewal.registration_code
    with force_locale("en"), pytest.raises(ValidationError) as exc:
        terminate_lease(lease, lease.end_date + timedelta(days=5), "left")
    assert exc.value.errors["effective_date"][0].startswith("The termination date must lie within the term")
    terminate_lease(lease, business_today(), "tenant left early")
    assert lease.status == "terminated" and lease.ended_on == business_today() and lease.version == 2
    with pytest.raises(LeaseError):
        terminate_lease(lease, business_today(), "again")
    with force_locale("en"), pytest.raises(ValidationError) as exc:
        cancel_filing(renewal, " ")
    assert exc.value.errors["reason"] == ["Enter the reason."]
    cancel_filing(renewal, "filed by mistake")
    assert renewal.status == "cancelled" and renewal.effective_status() == "cancelled"
    with pytest.raises(LeaseError):
        cancel_filing(renewal, "again")
    with pytest.raises(LeaseError):
        renew_lease(renewal, lease_input(streets[0].id), "x")
    kinds = db.session.scalars(select(LeaseEvent.kind).where(LeaseEvent.lease_id == lease.id).order_by(LeaseEvent.id)).all()
    assert kinds == ["register", "renewed", "terminate"]
    actions = set(db.session.scalars(select(AuditEntry.action)))
    assert {"lease.register", "lease.renew", "lease.terminate", "lease.cancel"} <= actions


def test_expiry_is_derived(app, streets):
    start = business_today() - timedelta(days=400)
    lease = register_lease(lease_input(streets[0].id, signing_date=start, start_date=start,
                                       end_date=start + timedelta(days=364)))
    assert lease.status == "active" and lease.effective_status() == "expired"
    assert db.session.scalars(search_leases({"status": "expired"})).all() == [lease]
    assert db.session.scalars(search_leases({"status": "active"})).all() == []


def test_events_are_append_only(app, streets):
    lease = register_lease(lease_input(streets[0].id))
    db.session.commit()
    ev = lease.events[0]
    ev.reason = "rewritten"
    with pytest.raises(Exception):
        db.session.flush()
    db.session.rollback()


def test_find_by_code_accepts_scanner_input_and_is_scoped(app, streets):
    sa, sb = streets[0].id, streets[1].id
    lease = register_lease(lease_input(sa))
    code, number = lease.registration_code, lease.registration_number
    db.session.commit()
    lease_id = lease.id
    for text in (code, code.lower(), f"  {code}\n", f"*{code}*", code.replace("-", ""), number, f" {number} "):
        assert find_by_code(text) == lease, text
    assert find_by_code("FT01-1999-000001") is None
    assert find_by_code("DOC-" + code) is None  # a (non-existent) document number is not the registration code
    assert find_by_code(code + "7") is None
    assert find_by_code("") is None
    db.session.expunge_all()
    with scoped_to((sb,)):
        assert find_by_code(code) is None
    with scoped_to((sa,)):
        assert find_by_code(code).id == lease_id


def test_search_criteria(app, streets):
    a = register_lease(lease_input(streets[0].id))
    b = register_lease(lease_input(streets[0].id, house_code="4403040010000000001000102", address="深圳市福田区彩田路8号",
                                   tenant_id=TENANT2_ID,
                                   parties=[PartyInput("landlord", "王伟", "resident_id", LANDLORD_ID),
                                            PartyInput("tenant", "𠮷祥", "resident_id", TENANT2_ID)]))
    c = register_lease(lease_input(streets[1].id, house_code="4403040020000000001000101"))

    def ids(**criteria):
        return [x.id for x in db.session.scalars(search_leases(SearchCriteria(**criteria)))]

    assert ids() == [c.id, b.id, a.id]
    assert ids(q=a.registration_code) == [a.id]
    assert ids(q=a.registration_code.lower().replace("-", "")) == [a.id]
    assert ids(q=a.registration_number) == [a.id]
    assert ids(q=TENANT2_ID) == [b.id]
    assert ids(id_number=TENANT_ID.lower()) == [c.id, a.id]
    assert ids(q="4403040010000000001000102") == [b.id]
    assert ids(house_code=HOUSE) == [a.id]
    assert ids(name="𠮷") == [b.id]
    assert ids(q="𠮷祥") == [b.id]
    assert ids(address="彩田路 8号") == [b.id]
    assert ids(address="1203") == [c.id, b.id, a.id]
    start, _end = term()
    assert ids(signed_from=start, signed_to=start) == []
    assert ids(signed_to=start) == [c.id, b.id, a.id]
    assert ids(registered_from=business_today(), registered_to=business_today()) == [c.id, b.id, a.id]
    assert ids(registered_to=business_today() - timedelta(days=1)) == []
    cancel_filing(b, "mistake")
    assert ids(status="cancelled") == [b.id]
    a_id, b_id, sa = a.id, b.id, streets[0].id
    db.session.commit()
    db.session.expunge_all()
    with scoped_to((sa,)):
        assert ids() == [b_id, a_id]
        assert ids(id_number=TENANT_ID) == [a_id]


def test_existing_party_is_reused(app, streets):
    register_lease(lease_input(streets[0].id))
    register_lease(lease_input(streets[0].id, house_code="4403040010000000001000102"))
    assert db.session.scalar(select(func.count(Party.id))) == 2
