"""``counter ledger verify`` catches every tamper of issue 11 (both databases): a journal row changed and
re-hashed, rows removed at the tail with the serial counter lowered, a receipt's amount or status
edited, audit entries changed or removed; an untouched database passes. The tampering runs as the
database's owner with the triggers out of the way (tests/integrity/tamperlib.py), as a DBA could."""
from __future__ import annotations

import pytest
from sqlalchemy import select, text

from counter.collection import services as svc
from counter.collection.integrity import HASHED_FIELDS, legacy_row_hash, row_hash, verify_ledger
from counter.collection.models import JournalEntry, LedgerAnchor, Receipt
from counter.core.timeutil import business_today
from counter.extensions import db

from tests.integrity.racelib import make_lease
from tests.integrity.tamperlib import tamper


@pytest.fixture
def day(app, users, streets):
    """Three receipts of one clerk (the second voided by the supervisor), the clerk's day closed."""
    from counter.auth.models import User

    lease = make_lease(streets[0].id)
    clerk = db.session.get(User, users["clerk_a"].id)
    r1 = svc.collect(lease, "2024-01", "2024-01", "cash", None, "t1", clerk=clerk)
    r2 = svc.collect(lease, "2024-02", "2024-03", "card", "CARD0001", "t2", clerk=clerk)
    r3 = svc.collect(lease, "2024-04", "2024-04", "cash", None, "t3", clerk=clerk)
    db.session.commit()
    svc.void_receipt(r2, "录入错误", actor=db.session.get(User, users["supervisor_a"].id))
    db.session.commit()
    svc.close_day(clerk, business_today(), r1.total_fen + r3.total_fen)
    db.session.commit()
    return {"street": streets[0], "receipts": (r1, r2, r3), "lease": lease}


def _verify(app) -> tuple[int, str]:
    result = app.test_cli_runner().invoke(args=["ledger", "verify"])
    return result.exit_code, result.output


def _journal(street_id):
    return db.session.execute(select(JournalEntry.id, *(getattr(JournalEntry, n) for n in HASHED_FIELDS))
                              .where(JournalEntry.street_id == street_id).order_by(JournalEntry.seq)).all()


def test_untouched_ledger_passes(app, day):
    assert [str(p) for p in verify_ledger()] == []
    code, out = _verify(app)
    assert code == 0 and out.startswith("OK"), out


@pytest.mark.parametrize("rehash", ["sha256", "own key"])
def test_journal_row_changed_and_rehashed(app, day, rehash):
    """The attacker changes an amount and recomputes every later hash, without the ledger key."""
    street = day["street"]
    rows = _journal(street.id)
    victim = rows[1]
    statements, prev = [], None
    for row in rows:
        fields = dict(zip(HASHED_FIELDS, row[1:]))
        if row.seq < victim.seq:
            prev = db.session.scalar(select(JournalEntry.row_hash).where(JournalEntry.id == row.id))
            continue
        if row.id == victim.id:
            fields["amount_fen"] -= 100
        fields["prev_hash"] = prev
        prev = legacy_row_hash(fields) if rehash == "sha256" else row_hash(fields, key="the attacker's own key")
        statements.append(f"UPDATE journal_entry SET amount_fen = {fields['amount_fen']}, prev_hash = '{fields['prev_hash']}', "
                          f"row_hash = '{prev}' WHERE id = {row.id}")
    tamper(*statements)
    problems = verify_ledger()
    kinds = {p.problem for p in problems}
    assert "row_hash" in kinds and "receipt_journal" in kinds and "anchor_mismatch" in kinds
    first = next(p for p in problems if p.problem == "row_hash")
    assert (first.street_id, first.seq, first.id) == (street.id, victim.seq, victim.id)
    code, out = _verify(app)
    assert code == 1
    assert f"street {street.code} {street.name_zh}" in out and f"journal_entry seq {victim.seq} id {victim.id}: row_hash" in out
    assert "collection lines sum to" in out and "the journal was rewritten" in out


def test_tail_removed_with_serial_counter_lowered(app, day):
    street = day["street"]
    rows = _journal(street.id)
    keep = rows[-1].seq - 2
    tamper(f"DELETE FROM journal_entry WHERE street_id = {street.id} AND seq > {keep}",
           f"UPDATE serial_counter SET last_value = {keep} WHERE kind = 'journal' AND street_id = {street.id}")
    problems = verify_ledger()
    assert {"anchor_missing", "receipt_journal"} <= {p.problem for p in problems}
    assert "missing_tail" not in {p.problem for p in problems}  # the counter was lowered too: the anchor tells
    code, out = _verify(app)
    assert code == 1 and "rows were removed at the tail" in out and f"now ends at seq {keep}" in out


def test_receipt_amount_or_status_edited(app, day):
    r1, r2, _r3 = day["receipts"]
    # a tamperer who knows the schema moves the cash tendered with the total (its CHECK keeps tendered >= total)
    tamper(f"UPDATE receipt SET total_fen = total_fen + 100, tendered_fen = tendered_fen + 100 WHERE id = {r1.id}",
           f"UPDATE receipt SET status = 'issued', void_reason = NULL WHERE id = {r2.id}")
    problems = {p.id: p for p in verify_ledger() if p.table == "receipt" and p.problem == "receipt_journal"}
    assert "total_fen is" in problems[r1.id].detail and "collection lines sum to" in problems[r1.id].detail
    assert "status is issued but the journal has" in problems[r2.id].detail
    code, out = _verify(app)
    assert code == 1 and r1.receipt_number in out and r2.receipt_number in out
    assert "status is issued but the audit log says void" in out  # and the audit log disagrees too


def test_receipt_removed_with_its_lines_and_counters(app, day):
    """The last receipt, its lines, periods and numbers gone: the audit log still knows it was issued."""
    street, r3 = day["street"], day["receipts"][2]
    number = r3.receipt_number
    ids = [row.id for row in _journal(street.id) if row.receipt_id == r3.id]
    tamper("DELETE FROM ledger_anchor WHERE chain = 'journal'",
           f"DELETE FROM journal_entry WHERE id IN ({', '.join(map(str, ids))})",
           f"DELETE FROM receipt_period WHERE receipt_id = {r3.id}", f"DELETE FROM receipt WHERE id = {r3.id}")
    code, out = _verify(app)
    assert code == 1 and f"receipt {number}" in out and "no longer exists" in out


def test_audit_entry_changed_or_removed(app, day):
    from counter.audit.models import AuditChain, AuditEntry

    entries = db.session.execute(select(AuditEntry.id, AuditEntry.action).order_by(AuditEntry.id)).all()
    middle = entries[len(entries) // 2]
    tamper(f"UPDATE audit_entry SET summary = 'nothing happened' WHERE id = {middle.id}")
    code, out = _verify(app)
    assert code == 1 and "audit_entry seq" in out and f"audit entry {middle.id}" in out and "row_hash" in out
    tamper(f"UPDATE audit_entry SET summary = NULL WHERE id = {middle.id}")  # (undo is impossible: it stays broken)
    last = db.session.execute(select(AuditChain.seq, AuditChain.entry_id).order_by(AuditChain.seq.desc())).first()
    assert db.session.get(AuditEntry, last.entry_id).action == "dayclose.close"  # anchored at the close's commit
    tamper(f"DELETE FROM audit_chain WHERE seq = {last.seq}", f"DELETE FROM audit_entry WHERE id = {last.entry_id}",
           f"UPDATE serial_counter SET last_value = {last.seq - 1} WHERE kind = 'audit_chain'")
    problems = [p for p in verify_ledger() if p.table == "audit_entry"]
    assert "anchor_missing" in {p.problem for p in problems}
    code, out = _verify(app)
    assert code == 1 and "entries were removed at the tail" in out


def test_audit_entry_removed_in_the_middle(app, day):
    from counter.audit.models import AuditChain

    seq, entry_id = db.session.execute(select(AuditChain.seq, AuditChain.entry_id).order_by(AuditChain.seq)
                                       .offset(3).limit(1)).one()
    tamper(f"DELETE FROM audit_chain WHERE seq = {seq}", f"DELETE FROM audit_entry WHERE id = {entry_id}")
    code, out = _verify(app)
    assert code == 1 and f"audit chain rows {seq}..{seq} are missing" in out


def test_anchor_forged_and_wrong_key(app, day):
    anchor = db.session.scalar(select(LedgerAnchor).where(LedgerAnchor.chain == "journal").limit(1))
    tamper(f"UPDATE ledger_anchor SET seq = seq - 1 WHERE id = {anchor.id}")
    code, out = _verify(app)
    assert code == 1 and f"anchor {anchor.id}" in out and "changed or forged" in out
    app.config["LEDGER_HMAC_KEY"] = "another installation's key"
    code, out = _verify(app)
    assert code == 1 and "is LEDGER_HMAC_KEY (or instance/ledger_hmac_key) right?" in out


def test_app_role_cannot_update_delete_or_disable_triggers(app, day, backend):
    """PostgreSQL: the application's own connection (the app role) is refused each of these."""
    if backend != "postgresql":
        pytest.skip("SQLite has no roles: README, production section")
    from sqlalchemy.exc import DBAPIError

    db.session.commit()
    assert db.session.scalar(text("SELECT current_user")) == "counter_app"
    for statement in ("UPDATE journal_entry SET amount_fen = 1", "DELETE FROM journal_entry",
                      "TRUNCATE journal_entry", "ALTER TABLE journal_entry DISABLE TRIGGER journal_entry_append_only",
                      "ALTER TABLE journal_entry DISABLE TRIGGER ALL", "SET session_replication_role = replica",
                      "UPDATE receipt SET total_fen = 1", "DELETE FROM receipt", "UPDATE audit_entry SET summary = 'x'",
                      "DELETE FROM audit_chain", "UPDATE ledger_anchor SET seq = 0", "DROP TABLE journal_entry",
                      "CREATE TABLE probe (id int)", "DELETE FROM serial_counter", "DELETE FROM day_close"):
        with pytest.raises(DBAPIError) as err:
            db.session.execute(text(statement))
        db.session.rollback()
        assert "permission denied" in str(err.value) or "must be owner" in str(err.value), statement
    # what it may do, the guard triggers still narrow: a receipt's status, once, and nothing else
    r1 = day["receipts"][0]
    for statement in (f"UPDATE receipt SET status = 'issued' WHERE id = {day['receipts'][1].id}",
                      f"UPDATE receipt SET status = 'refunded', void_reason = 'x' WHERE id = {day['receipts'][1].id}",
                      "UPDATE serial_counter SET last_value = last_value - 1 WHERE kind = 'journal'",
                      f"UPDATE receipt_period SET released_at = NULL WHERE receipt_id = {day['receipts'][1].id}"):
        with pytest.raises(DBAPIError, match="guarded table"):
            db.session.execute(text(statement))
        db.session.rollback()
    assert db.session.get(Receipt, r1.id).status == "issued"
    assert verify_ledger() == []
