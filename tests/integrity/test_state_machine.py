"""The collection rules as a Hypothesis state machine, through the services, on SQLite: random sequences of
collect (new or repeated submission keys, overlapping months, with or without a repeat reason), void,
refund, day close, reopen and remittance; after every step the database agrees with a simple model and
the invariants hold; after every example ``verify_ledger`` finds nothing. Bounded to stay fast."""
from __future__ import annotations

import itertools

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, invariant, rule, run_state_machine_as_test
from sqlalchemy import func, select

from counter.collection import services as svc
from counter.collection.integrity import verify_ledger
from counter.collection.models import DayClose, JournalEntry, Receipt, ReceiptPeriod
from counter.core.timeutil import business_today
from counter.extensions import db
from counter.ledger import services as ledger

from tests.integrity.racelib import make_lease, make_user

MONTHS = [f"2024-{m:02d}" for m in range(1, 9)]
_example = itertools.count(1)


class CollectionMachine(RuleBasedStateMachine):
    receipts = Bundle("receipts")
    keys = Bundle("keys")

    def __init__(self, street_id: int):
        super().__init__()
        n = next(_example)
        self.street_id = street_id
        self.clerk = make_user(f"sm_clerk_{n}", "clerk", street_id)
        self.supervisor = make_user(f"sm_supervisor_{n}", "supervisor", street_id)
        self.leases = [make_lease(street_id), make_lease(street_id)]
        self.today = business_today()
        self.closed = {self.clerk.id: False, self.supervisor.id: False}
        self.status: dict[int, str] = {}  # receipt id -> issued / void / refunded
        self.months: dict[int, tuple[int, set[str], bool]] = {}  # receipt id -> (lease index, months, with reason)
        self.by_key: dict[str, int] = {}
        base = ledger.position(street_id, (self.today, self.today))
        self.outstanding = base.outstanding_fen
        self.n_keys = 0

    # --- helpers -----------------------------------------------------------------------------------------

    def _paid(self, lease_idx: int) -> set[str]:
        return {m for rid, (li, months, _r) in self.months.items() if li == lease_idx and self.status[rid] == "issued"
                for m in months}

    def _refused(self, call) -> bool:
        try:
            call()
        except (svc.CollectionError, ledger.LedgerError):
            db.session.rollback()
            return True
        db.session.commit()
        return False

    # --- rules -------------------------------------------------------------------------------------------

    @rule(target=keys)
    def new_key(self):
        self.n_keys += 1
        return f"sm-{self.clerk.id}-{self.n_keys}"

    @rule(target=receipts, key=keys, lease_idx=st.integers(0, 1), first=st.integers(0, 7), length=st.integers(1, 3),
          reason=st.booleans())
    def collect(self, key, lease_idx, first, length, reason):
        months = MONTHS[first:first + length]
        lease = self.leases[lease_idx]
        if key in self.by_key:  # the same form again: the same receipt, nothing charged (another lease: refused)
            rid, li = self.by_key[key]
            before = db.session.scalar(select(func.count()).select_from(Receipt))
            again = {}
            refused = self._refused(lambda: again.setdefault("r", svc.collect(
                lease, months[0], months[-1], "cash", None, key, clerk=self.clerk, business_date=self.today)))
            assert refused == (li != lease_idx)
            assert refused or again["r"].id == rid
            assert db.session.scalar(select(func.count()).select_from(Receipt)) == before
            return rid
        repeat = set(months) & self._paid(lease_idx)
        expect_refusal = self.closed[self.clerk.id] or (bool(repeat) and not reason)
        result = {}

        def call():
            result["r"] = svc.collect(lease, months[0], months[-1], "cash", None, key,
                                      "补缴差额" if reason else None, clerk=self.clerk, business_date=self.today)

        refused = self._refused(call)
        assert refused == expect_refusal, (months, repeat, self.closed)
        if refused:
            return None
        r = result["r"]
        self.status[r.id] = "issued"
        self.months[r.id] = (lease_idx, set(months), bool(repeat))
        self.by_key[key] = (r.id, lease_idx)
        self.outstanding += r.total_fen
        assert (r.repeat_reason is not None) == bool(repeat)
        return r.id

    @rule(rid=receipts, kind=st.sampled_from(["void", "refund"]))
    def reverse(self, rid, kind):
        if rid is None:
            return
        receipt = db.session.get(Receipt, rid)
        expect_refusal = self.status[rid] != "issued" or self.closed[self.supervisor.id]
        fn = svc.void_receipt if kind == "void" else svc.refund_receipt
        refused = self._refused(lambda: fn(receipt, "更正", actor=self.supervisor))
        assert refused == expect_refusal
        if not refused:
            self.status[rid] = "void" if kind == "void" else "refunded"
            self.outstanding -= db.session.get(Receipt, rid).total_fen

    @rule(who=st.sampled_from(["clerk", "supervisor"]))
    def close(self, who):
        user = self.clerk if who == "clerk" else self.supervisor
        refused = self._refused(lambda: svc.close_day(user, self.today, 0))
        assert refused == self.closed[user.id]
        self.closed[user.id] = True

    @rule(who=st.sampled_from(["clerk", "supervisor"]))
    def reopen(self, who):
        user = self.clerk if who == "clerk" else self.supervisor
        dc = svc.find_day_close(self.street_id, user.id, self.today)
        if dc is None:
            return
        refused = self._refused(lambda: svc.reopen_day(dc, "复核", actor=self.supervisor))
        assert refused == (not self.closed[user.id])
        self.closed[user.id] = False

    @rule(share=st.sampled_from([0.5, 1.0, 1.5]))
    def remit(self, share):
        amount = int(self.outstanding * share)
        if amount <= 0:
            return
        refused = self._refused(lambda: ledger.record_remittance(self.street_id, self.today, self.today, amount,
                                                                 f"SM{amount}", self.today))
        assert refused == (amount > self.outstanding)
        if not refused:
            self.outstanding -= amount

    # --- invariants --------------------------------------------------------------------------------------

    @invariant()
    def journal_equals_issued_receipts(self):
        ids = list(self.status)
        if not ids:
            return
        journal = db.session.scalar(select(func.coalesce(func.sum(JournalEntry.amount_fen), 0))
                                    .where(JournalEntry.receipt_id.in_(ids)))
        issued = db.session.scalar(select(func.coalesce(func.sum(Receipt.total_fen), 0))
                                   .where(Receipt.id.in_(ids), Receipt.status == "issued"))
        assert journal == issued
        assert {r.id: r.status for r in db.session.scalars(select(Receipt).where(Receipt.id.in_(ids)))} == self.status

    @invariant()
    def reversed_at_most_once_and_periods_paid_once(self):
        ids = list(self.status)
        if not ids:
            return
        for rid in ids:
            kinds = db.session.scalars(select(JournalEntry.kind).where(JournalEntry.receipt_id == rid)).all()
            assert kinds.count("collection") >= sum(k != "collection" for k in kinds)
            assert sum(k != "collection" for k in kinds) in (0, kinds.count("collection"))
        held = db.session.execute(select(ReceiptPeriod.lease_id, ReceiptPeriod.period_start, func.count())
                                  .join(Receipt, Receipt.id == ReceiptPeriod.receipt_id)
                                  .where(ReceiptPeriod.receipt_id.in_(ids), ReceiptPeriod.released_at.is_(None),
                                         Receipt.repeat_reason.is_(None))
                                  .group_by(ReceiptPeriod.lease_id, ReceiptPeriod.period_start)).all()
        assert all(n == 1 for _lease, _start, n in held)
        for li in (0, 1):
            assert svc.paid_months(self.leases[li]) == self._paid(li)

    @invariant()
    def closes_equal_the_journal(self):
        for dc in db.session.scalars(select(DayClose).where(DayClose.clerk_id.in_(list(self.closed)),
                                                            DayClose.status == "closed")):
            total = db.session.scalar(select(func.coalesce(func.sum(JournalEntry.amount_fen), 0)).where(
                JournalEntry.clerk_id == dc.clerk_id, JournalEntry.business_date == dc.business_date))
            assert dc.totals["total_fen"] == total

    def teardown(self):
        db.session.rollback()
        assert [str(p) for p in verify_ledger()] == []


def test_collection_rules_hold_in_any_order(app, backend, streets, users):
    if backend != "sqlite":
        pytest.skip("the state machine runs on SQLite (the races themselves are proven on PostgreSQL)")
    street_id = streets[0].id
    db.session.commit()
    run_state_machine_as_test(lambda: CollectionMachine(street_id),
                              settings=settings(max_examples=15, stateful_step_count=20, deadline=None,
                                                suppress_health_check=[HealthCheck.too_slow,
                                                                       HealthCheck.function_scoped_fixture]))

