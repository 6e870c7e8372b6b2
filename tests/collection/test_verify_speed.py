"""Ledger verification streams plain columns in small batches and respects the street scope."""
from __future__ import annotations

from datetime import date

import pytest

from counter.collection import services as svc
from counter.collection.models import JournalEntry
from counter.core.scoping import scoped_to
from counter.extensions import db


def test_verify_streams_columns_in_batches_and_is_scoped(lease_a, users, streets):
    for i, month in enumerate(["2026-01", "2026-02", "2026-03"]):
        svc.collect(lease_a, month, month, "cash", None, f"k{i}", clerk=users["clerk_a"],
                    business_date=date(2026, 3, 2))
    db.session.commit()
    a, b = streets[0].id, streets[1].id
    db.session.expunge_all()
    assert svc.verify_chain(batch=2) == []  # several fetches of a tiny batch
    assert not [o for o in db.session.identity_map.values() if isinstance(o, JournalEntry)]  # no ORM rows
    with scoped_to((b,)):
        assert svc.verify_chain() == []  # street A's journal is not visible: nothing to verify
        with pytest.raises(PermissionError):
            svc.verify_chain(a)
    with scoped_to((a,)):
        assert svc.verify_chain(a, batch=1) == []
