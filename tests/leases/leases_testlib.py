"""Helpers for the lease tests: valid IDs, a valid service input and a valid form post."""
from __future__ import annotations

from datetime import date, timedelta

from counter.core.timeutil import business_today
from counter.leases.idnumbers import make_credit_code, make_resident_id
from counter.leases.services import LeaseInput, PartyInput

LANDLORD_ID = make_resident_id("44030419800101123")
TENANT_ID = make_resident_id("44030419900215456")
TENANT2_ID = make_resident_id("11010519850707789")
AGENT_CODE = make_credit_code("91440300MA5DXXXX0")
HOUSE = "4403040010000000001000101"  # 25 characters
BUILDING = HOUSE[:19]


def term(days_ago: int = 10, years: int = 1):
    start = business_today() - timedelta(days=days_ago)
    return start, start.replace(year=start.year + years) - timedelta(days=1)


def lease_input(street_id: int, *, house_code: str = HOUSE, tenant_id: str = TENANT_ID, **overrides) -> LeaseInput:
    start, end = term()
    values = dict(street_id=street_id, house_code=house_code, building_code=house_code[:19] if house_code else None,
                  address="深圳市福田区南园街道福华路10号A栋", room="1203", floor_area_centi=8850,
                  design_use="residential", has_title=True, lease_use="residential", rented_area_centi=8850,
                  signing_date=start - timedelta(days=2), start_date=start, end_date=end,
                  monthly_rent_fen=450000, deposit_fen=900000, payment_cycle="monthly",
                  parties=[PartyInput("landlord", "王伟", "resident_id", LANDLORD_ID, phone="13800138000"),
                           PartyInput("tenant", "李娜", "resident_id", tenant_id, phone="13900139000")])
    values.update(overrides)
    return LeaseInput(**values)


def form_data(**overrides) -> dict:
    start, end = term()
    data = {
        "house_code": HOUSE, "building_code": BUILDING, "address": "深圳市福田区南园街道福华路10号A栋",
        "room": "1203", "floor_area": "88.50", "design_use": "residential", "has_title": "y",
        "landlords-0-name": "王伟", "landlords-0-id_type": "resident_id", "landlords-0-id_number": LANDLORD_ID,
        "landlords-0-phone": "13800138000",
        "landlords-1-name": "", "landlords-1-id_type": "resident_id", "landlords-1-id_number": "",
        "tenants-0-name": "李娜", "tenants-0-id_type": "resident_id", "tenants-0-id_number": TENANT_ID,
        "tenants-0-phone": "13900139000",
        "agents-0-name": "", "agents-0-id_type": "credit_code", "agents-0-id_number": "",
        "lease_use": "residential", "rented_area": "88.50",
        "signing_date": (start - timedelta(days=2)).isoformat(), "start_date": start.isoformat(),
        "end_date": end.isoformat(), "monthly_rent": "4500.00", "deposit": "9000", "payment_cycle": "monthly",
    }
    for i in range(1, 4):
        data.setdefault(f"tenants-{i}-name", "")
        data.setdefault(f"tenants-{i}-id_type", "resident_id")
        data.setdefault(f"tenants-{i}-id_number", "")
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def csv_row(**overrides) -> dict:
    start, end = term()
    row = {"external_ref": "", "street": "FT01", "house_code": HOUSE, "building_code": BUILDING,
           "address": "深圳市福田区南园街道福华路10号A栋", "room": "1203", "floor_area": "88.50",
           "design_use": "住宅", "has_title": "1", "lease_use": "residential", "is_sublease": "0",
           "rented_area": "88.50", "signing_date": (start - timedelta(days=2)).isoformat(),
           "start_date": start.isoformat(), "end_date": end.isoformat(), "monthly_rent": "4500.00",
           "deposit": "9000", "payment_cycle": "monthly", "landlord1_name": "王伟",
           "landlord1_id_type": "resident_id", "landlord1_id_number": LANDLORD_ID, "landlord1_phone": "13800138000",
           "tenant1_name": "李娜", "tenant1_id_type": "", "tenant1_id_number": TENANT_ID, "tenant1_phone": "",
           "agent_name": "", "agent_id_number": ""}
    row.update(overrides)
    return row


__all__ = ["date"]
