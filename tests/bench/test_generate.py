"""The data generator at tiny scale, on SQLite and PostgreSQL: valid IDs and codes, consistent numbering
(the app continues gap-free), an intact journal chain, and foreign keys checked (PostgreSQL: ``checked``)."""
from __future__ import annotations

from sqlalchemy import func, select, text

from counter.collection.services import verify_chain
from counter.core.serials import SerialCounter
from counter.extensions import db
from counter_dev.generate import credit_code_for, generate, resident_id_for
from counter.leases.idnumbers import check_id_number
from counter.leases.models import Lease, LeaseEvent, Party, Property


def test_id_generators_are_valid_and_distinct():
    ids = [resident_id_for(n) for n in range(2000)]
    assert len(set(ids)) == 2000
    for number in ids[:200]:
        assert check_id_number("resident_id", number) == number
    codes = [credit_code_for(n) for n in range(500)]
    assert len(set(codes)) == 500
    for code in codes[:100]:
        assert check_id_number("credit_code", code) == code


def test_generate_tiny(app, streets, db_owner):
    from counter.collection.integrity import verify_ledger

    db.session.commit()
    stats = generate(300, years=2, seed=3, progress=False, batch=100, checked=True, engine=db_owner)
    db.session.rollback()
    assert stats.leases == 300 and db.session.scalar(select(func.count(Lease.id))) == 300
    assert stats.journal > 0 and stats.receipts > 0 and stats.documents > 0
    assert verify_chain() == []
    # house codes: 25 = 19-character building code + 6 digits
    for house, building in db.session.execute(select(Property.house_code, Property.building_code)
                                              .where(Property.house_code.is_not(None)).limit(50)):
        assert len(house) == 25 and len(building) == 19 and house.startswith(building)
    for id_type, number in db.session.execute(select(Party.id_type, Party.id_number).limit(50)):
        assert check_id_number(id_type, number) == number
    # every (street, year) registration counter equals the highest number used, and numbers have no gaps
    for sid, year, n, top in db.session.execute(select(Lease.street_id, Lease.reg_year, func.count(), func.max(Lease.reg_seq))
                                                .group_by(Lease.street_id, Lease.reg_year)):
        assert n == top
        assert db.session.scalar(select(SerialCounter.last_value).where(
            SerialCounter.kind == "registration", SerialCounter.street_id == sid, SerialCounter.year == year)) == top
    assert db.session.scalar(select(func.count(LeaseEvent.id)).where(LeaseEvent.kind.in_(("register", "renewal")))) == 300
    # a second run continues the numbers and the chains
    generate(50, years=1, seed=4, progress=False, batch=100, checked=True, engine=db_owner)
    db.session.rollback()
    assert db.session.scalar(select(func.count(Lease.id))) == 350
    assert verify_chain() == []
    # receipts agree with their journal lines and periods (no audit rows are generated: the audit chain is empty)
    assert [str(p) for p in verify_ledger()] == []
    dup = db.session.execute(text("SELECT registration_code FROM lease GROUP BY 1 HAVING count(*) > 1")).all()
    assert dup == []
