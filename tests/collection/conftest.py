"""Collection fixtures: a lease factory (built directly on the models, independent of the lease service)."""
from __future__ import annotations

import itertools
from datetime import date

import pytest

_counter = itertools.count(1)


def make_lease(street, *, rent_fen=350_000, start=date(2024, 1, 1), end=date(2026, 12, 31),
               landlord="张三", use="residential"):
    from counter.extensions import db
    from counter.leases.models import Lease, LeaseParty, Party, Property

    n = next(_counter)
    prop = Property(street_id=street.id, address=f"福田区测试路{n}号", room="101", floor_area_centi=5000,
                    design_use=use)
    party = Party(street_id=street.id, kind="person", name=landlord, id_type="passport", id_number=f"P{n:08d}")
    db.session.add_all([prop, party])
    db.session.flush()
    lease = Lease(street_id=street.id, property_id=prop.id, reg_year=2024, reg_seq=n,
                  registration_number=f"深福{street.short_code}租备〔2024〕第{n:06d}号",
                  registration_code=f"{street.short_code}-2024-{n:06d}", status="active", lease_use=use,
                  landlord_kind="individual", rented_area_centi=5000, signing_date=start, start_date=start,
                  end_date=end, monthly_rent_fen=rent_fen, deposit_fen=0, registered_on=start)
    db.session.add(lease)
    db.session.flush()
    db.session.add(LeaseParty(street_id=street.id, lease_id=lease.id, party_id=party.id, role="landlord"))
    db.session.flush()
    return lease


@pytest.fixture
def lease_factory(app):
    return make_lease


@pytest.fixture
def lease_a(streets, users):
    from counter.extensions import db

    lease = make_lease(streets[0])
    db.session.commit()
    return lease
