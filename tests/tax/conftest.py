"""Fixtures of the tax module's tests: a lease to assess."""
from __future__ import annotations

from datetime import date

import pytest

from counter.extensions import db


@pytest.fixture
def lease(app, streets, users):
    """An individual landlord's housing lease in street A (南园): ¥3,500/month, 45.50 m²."""
    from counter.leases.models import Lease, Property

    street = streets[0]
    prop = Property(street_id=street.id, address="南园街道测试路1号", room="101", floor_area_centi=4550,
                    design_use="residential", has_title=True)
    db.session.add(prop)
    db.session.flush()
    lease = Lease(street_id=street.id, property_id=prop.id, reg_year=2026, reg_seq=1,
                  registration_number="深福南租备〔2026〕第000001号", registration_code="FT01-2026-000001",
                  lease_use="residential", landlord_kind="individual", rented_area_centi=4550,
                  signing_date=date(2026, 1, 1), start_date=date(2026, 1, 1), end_date=date(2026, 12, 31),
                  monthly_rent_fen=350000)
    db.session.add(lease)
    db.session.commit()
    return lease
