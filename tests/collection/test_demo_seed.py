"""The demo data of `make run` holds collections whose journal chain verifies."""
from sqlalchemy import func, select

from counter.collection.models import JournalEntry, Receipt
from counter.collection.services import verify_chain
from counter.demo import seed_demo
from counter.extensions import db


def test_demo_seed_collects_and_chains(app):
    assert seed_demo() is True
    db.session.commit()
    receipts = db.session.scalar(select(func.count()).select_from(Receipt))
    assert receipts > 10
    total = db.session.scalar(select(func.sum(Receipt.total_fen)))
    assert db.session.scalar(select(func.sum(JournalEntry.amount_fen))) == total
    assert verify_chain() == []
    assert seed_demo() is False  # a second run keeps the data and adds nothing
