"""Collection services: idempotency, atomicity, append-only journal, hash chain, corrections, day close."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from counter.collection import services as svc
from counter.collection.models import DayClose, JournalEntry, Receipt
from counter.core.serials import SerialCounter
from counter.extensions import db

DAY = date(2026, 3, 2)


def _collect(lease, users, key, first="2026-01", last="2026-03", method="cash", reference=None, **kw):
    kw.setdefault("business_date", DAY)
    return svc.collect(lease, first, last, method, reference, key, clerk=users["clerk_a"], **kw)


def _count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_collect_issues_receipt_and_journal_lines(lease_a, users, streets):
    quote = svc.quote(lease_a, "2026-01", "2026-03")
    assert quote.total_fen > 0
    r = _collect(lease_a, users, "k1")
    db.session.commit()
    assert r.receipt_number == f"{streets[0].short_code}-R2026-000001"
    assert r.total_fen == quote.total_fen
    lines = db.session.scalars(select(JournalEntry).where(JournalEntry.receipt_id == r.id)
                               .order_by(JournalEntry.seq)).all()
    assert [e.item for e in lines] == [i.item for i in quote.items if i.amount_fen]
    assert sum(e.amount_fen for e in lines) == r.total_fen
    assert [e.seq for e in lines] == list(range(1, len(lines) + 1))
    assert lines[0].prev_hash == "0" * 64 and lines[1].prev_hash == lines[0].row_hash
    assert svc.paid_months(lease_a) == {"2026-01", "2026-02", "2026-03"}
    assert svc.verify_chain() == []


def test_idempotency_same_key_returns_same_receipt(lease_a, users):
    r1 = _collect(lease_a, users, "same-key")
    db.session.commit()
    lines_before = _count(JournalEntry)
    r2 = _collect(lease_a, users, "same-key")
    db.session.commit()
    assert r2.id == r1.id
    assert _count(Receipt) == 1
    assert _count(JournalEntry) == lines_before
    assert db.session.scalar(select(SerialCounter.last_value).where(SerialCounter.kind == "receipt")) == 1


def test_atomicity_error_after_receipt_flush_rolls_back_everything(lease_a, users, monkeypatch):
    real_append = svc._append_lines

    def failing_append(*args, **kwargs):
        real_append(*args, **kwargs)  # the receipt and its journal lines are flushed by now
        raise RuntimeError("power cut")

    monkeypatch.setattr(svc, "_append_lines", failing_append)
    with pytest.raises(RuntimeError):
        _collect(lease_a, users, "atomic")
    db.session.rollback()
    assert _count(Receipt) == 0
    assert _count(JournalEntry) == 0
    assert not db.session.scalar(select(func.coalesce(func.max(SerialCounter.last_value), 0))
                                 .where(SerialCounter.kind.in_(("receipt", "journal"))))
    monkeypatch.setattr(svc, "_append_lines", real_append)
    r = _collect(lease_a, users, "atomic")
    db.session.commit()
    assert r.seq == 1  # no number was consumed by the failed attempt


@pytest.mark.parametrize("statement", ["UPDATE journal_entry SET amount_fen = 1",
                                       "DELETE FROM journal_entry"])
def test_database_refuses_update_and_delete_on_journal(lease_a, users, statement):
    _collect(lease_a, users, "k")
    db.session.commit()
    with pytest.raises(DBAPIError) as err:
        db.session.execute(text(statement))
        db.session.flush()
    # SQLite: the trigger; PostgreSQL: the app role has no UPDATE or DELETE on the journal at all
    assert "append-only" in str(err.value) or "permission denied" in str(err.value)
    db.session.rollback()
    assert _count(JournalEntry) > 0


def _tamper(backend, sql):
    """Change a journal row behind the application's back (as the owner, with the triggers out of the way)."""
    from tests.integrity.tamperlib import tamper

    tamper(sql)


def test_verify_chain_detects_tampered_amount(lease_a, users, backend, streets):
    for i, month in enumerate(["2026-01", "2026-02", "2026-03", "2026-04"]):
        _collect(lease_a, users, f"k{i}", first=month, last=month)
    db.session.commit()
    assert svc.verify_chain() == []
    victim = db.session.scalar(select(JournalEntry).where(JournalEntry.seq == 3))
    _tamper(backend, f"UPDATE journal_entry SET amount_fen = amount_fen - 100 WHERE id = {victim.id}")
    problems = svc.verify_chain()
    assert [(p.street_id, p.seq, p.id, p.problem) for p in problems] == [(streets[0].id, 3, victim.id, "row_hash")]


def test_verify_chain_detects_deleted_row_and_forged_row(lease_a, users, backend, streets):
    for i, month in enumerate(["2026-01", "2026-02"]):
        _collect(lease_a, users, f"k{i}", first=month, last=month)
    db.session.commit()
    n = _count(JournalEntry)
    _tamper(backend, "DELETE FROM journal_entry WHERE seq = 2")
    problems = svc.verify_chain(streets[0].id)
    assert len(problems) == 1 and problems[0].seq == 2 and problems[0].problem == "gap"
    # a forged row re-hashed by someone who does not know to re-chain the rest
    _tamper(backend, f"DELETE FROM journal_entry WHERE seq = {n}")
    problems = svc.verify_chain(streets[0].id)
    assert problems[0].seq == 2


def test_verify_chain_detects_rechained_forgery_at_tail(lease_a, users, backend, streets):
    _collect(lease_a, users, "k0", first="2026-01", last="2026-01")
    db.session.commit()
    last = db.session.scalar(select(func.max(JournalEntry.seq)))
    _tamper(backend, f"DELETE FROM journal_entry WHERE seq = {last}")
    problems = svc.verify_chain()
    assert [(p.seq, p.problem) for p in problems] == [(last, "missing_tail")]


def test_repeat_months_need_a_reason(lease_a, users):
    _collect(lease_a, users, "k1", first="2026-01", last="2026-02")
    db.session.commit()
    with pytest.raises(svc.CollectionError) as err:
        _collect(lease_a, users, "k2", first="2026-02", last="2026-03")
    assert err.value.field == "repeat_reason" and "2026年2月1日" in err.value.message  # the period, dated by locale
    db.session.rollback()
    r = _collect(lease_a, users, "k2", first="2026-02", last="2026-03", repeat_reason="landlord paid twice by mistake")
    db.session.commit()
    assert r.repeat_reason == "landlord paid twice by mistake" and r.seq == 2


def test_reference_required_for_non_cash_and_months_in_term(lease_a, users):
    with pytest.raises(svc.CollectionError) as err:
        _collect(lease_a, users, "k1", method="card")
    assert err.value.field == "reference"
    with pytest.raises(svc.CollectionError) as err:
        _collect(lease_a, users, "k1", first="2023-12", last="2024-01")
    assert err.value.field == "first_month"
    with pytest.raises(svc.CollectionError) as err:
        _collect(lease_a, users, "k1", first="2026-03", last="2026-01")
    assert err.value.field == "last_month"
    db.session.rollback()
    assert _count(Receipt) == 0


def test_zero_tax_is_refused(streets, users, lease_factory, monkeypatch):
    import fees

    lease = lease_factory(streets[0], rent_fen=0)
    real = svc._assess(lease, svc.tax_periods(lease, "2026-01", "2026-03"))
    monkeypatch.setattr(svc, "_assess", lambda *a: fees.Assessment(facts=real.facts, first=real.first,
                                                                    last=real.last, assessed_on=real.assessed_on))
    with pytest.raises(svc.CollectionError):
        _collect(lease, users, "zero")
    db.session.rollback()
    assert _count(Receipt) == 0


def test_void_writes_reversals_and_balances_to_zero(lease_a, users):
    r = _collect(lease_a, users, "k1")
    db.session.commit()
    with pytest.raises(PermissionError):
        svc.void_receipt(r, "wrong lease", actor=users["clerk_a"])
    with pytest.raises(svc.CollectionError):
        svc.void_receipt(r, "  ", actor=users["supervisor_a"])
    reversals = svc.void_receipt(r, "wrong lease", actor=users["supervisor_a"])
    db.session.commit()
    originals = db.session.scalars(select(JournalEntry).where(JournalEntry.receipt_id == r.id,
                                                              JournalEntry.kind == "collection")).all()
    assert {e.reverses_id for e in reversals} == {e.id for e in originals}
    assert all(e.amount_fen < 0 and e.kind == "void" for e in reversals)
    assert svc.receipt_balance(r) == 0
    assert r.status == "void" and r.void_reason == "wrong lease" and r.voided_by_id == users["supervisor_a"].id
    assert svc.paid_months(lease_a) == set()
    with pytest.raises(svc.CollectionError):
        svc.void_receipt(r, "again", actor=users["supervisor_a"])
    assert svc.verify_chain() == []


def test_refund_marks_refunded(lease_a, users):
    r = _collect(lease_a, users, "k1")
    svc.refund_receipt(r, "lease ended early", actor=users["supervisor_a"])
    db.session.commit()
    assert r.status == "refunded" and svc.receipt_balance(r) == 0


def test_closed_day_refuses_postings_and_reopened_accepts(lease_a, users):
    clerk, sup = users["clerk_a"], users["supervisor_a"]
    r = _collect(lease_a, users, "k1", first="2026-01", last="2026-01")
    _collect(lease_a, users, "k2", first="2026-02", last="2026-02", method="mobile", reference="WX123")
    db.session.commit()
    dc = svc.close_day(clerk, DAY, r.total_fen - 100)  # blind count, 1 yuan short
    db.session.commit()
    assert dc.expected_cash_fen == r.total_fen and dc.variance_fen == -100
    assert dc.receipt_count == 2
    assert dc.totals["by_method"]["cash"] == r.total_fen and dc.totals["by_method"]["mobile"] > 0
    with pytest.raises(svc.CollectionError):
        _collect(lease_a, users, "k3", first="2026-03", last="2026-03")
    db.session.rollback()
    with pytest.raises(svc.CollectionError):
        svc.sign_day_close(dc, sup)  # the variance needs a note first
    svc.explain_variance(dc, "one coin missing")
    svc.sign_day_close(dc, sup)
    db.session.commit()
    assert dc.signed_by_id == sup.id
    with pytest.raises(svc.CollectionError):
        svc.reopen_day(dc, "", actor=sup)
    with pytest.raises(PermissionError):
        svc.reopen_day(dc, "late payment", actor=clerk)
    svc.reopen_day(dc, "late payment", actor=sup)
    db.session.commit()
    r3 = _collect(lease_a, users, "k3", first="2026-03", last="2026-03")
    db.session.commit()
    assert r3.id
    dc2 = svc.close_day(clerk, DAY, r.total_fen + r3.total_fen)
    db.session.commit()
    assert dc2.id == dc.id and dc2.status == "closed" and dc2.variance_fen == 0 and dc2.receipt_count == 3
    assert dc2.signed_by_id is None
    from counter.audit.models import AuditEntry

    actions = db.session.scalars(select(AuditEntry.action)).all()
    assert "dayclose.reopen" in actions and "collection.collect" in actions


def test_close_day_twice_refused_and_own_signature_refused(lease_a, users):
    sup = users["supervisor_a"]
    dc = svc.close_day(sup, DAY, 0)
    db.session.commit()
    with pytest.raises(svc.CollectionError):
        svc.close_day(sup, DAY, 0)
    with pytest.raises(svc.CollectionError):
        svc.sign_day_close(dc, sup)
    assert _count(DayClose) == 1


def test_print_data_is_plain(lease_a, users):
    r = _collect(lease_a, users, "k1")
    dc = svc.close_day(users["clerk_a"], DAY, r.total_fen)
    db.session.commit()
    data = svc.receipt_print_data(r)
    assert data["receipt_number"] == r.receipt_number and data["payer_name"] == "张三"
    assert sum(line["amount_fen"] for line in data["lines"]) == r.total_fen
    assert data["total"].startswith("¥") and data["method_zh"] == "现金"
    sheet = svc.day_close_print_data(dc)
    assert sheet["total_fen"] == r.total_fen and sheet["variance_fen"] == 0
    assert sheet["receipts"][0]["receipt_number"] == r.receipt_number


def test_journal_summary(lease_a, users):
    r = _collect(lease_a, users, "k1")
    db.session.commit()
    s = svc.journal_summary(lease_a.street_id, date(2026, 3, 1), date(2026, 3, 31))
    assert s["total_fen"] == r.total_fen and s["by_method"] == {"cash": r.total_fen}
    assert svc.journal_summary(lease_a.street_id, date(2026, 4, 1), date(2026, 4, 30))["total_fen"] == 0
