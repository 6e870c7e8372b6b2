"""Fixtures of the report tests: filings with a chosen rent, area, use, house code and filing date."""
from __future__ import annotations

import itertools
from datetime import date, timedelta

import pytest

_rooms = itertools.count(1)


def file_lease(street_id: int, *, rent_fen: int, area_centi: int = 10000, use: str = "residential",
               community: str = "001", registered_on: date = date(2026, 6, 1), house_code: bool = True,
               start: date | None = None, years: int = 1):
    """Register a lease (lease service) and set its filing date; returns the lease (flushed)."""
    from counter.extensions import db
    from counter.leases.idnumbers import make_resident_id
    from counter.leases.services import LeaseInput, PartyInput, register_lease
    from counter.streets.models import Street

    n = next(_rooms)
    code = db.session.get(Street, street_id).code
    house = f"{code}{community}{n:013d}" if house_code else None
    start = start or registered_on
    end = start.replace(year=start.year + years) - timedelta(days=1)
    parties = [PartyInput("landlord", "王建国", "resident_id", make_resident_id(f"44030419800101{n % 1000:03d}"),
                          phone="13800138000"),
               PartyInput("tenant", "李娜", "resident_id", make_resident_id(f"44030419900101{n % 1000:03d}"),
                          phone="13900139000")]
    data = LeaseInput(street_id=street_id, house_code=house, building_code=house[:19] if house else None,
                      address="深圳市福田区南园街道福华路10号A栋", room=f"{n}室", floor_area_centi=area_centi,
                      design_use=use, has_title=True, lease_use=use, rented_area_centi=area_centi,
                      signing_date=start - timedelta(days=2), start_date=start, end_date=end,
                      monthly_rent_fen=rent_fen, deposit_fen=0, payment_cycle="monthly", parties=parties)
    lease = register_lease(data, confirm_overlap=True)
    lease.registered_on = registered_on
    db.session.flush()
    return lease


@pytest.fixture
def filings(app):
    return file_lease
