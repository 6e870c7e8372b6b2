"""Migration 0007 on a database that already has data (both databases): the receipts' periods, the clerks'
days, the audit chain and the anchors are filled in; rows written before it keep their SHA-256 hashes and
still verify; a month paid twice before it (the race of issue 11) is reported, not hidden; a legacy row
changed and re-hashed is caught by the migration's anchor; and the migration goes down and up again."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from sqlalchemy import func, select, text

from counter.extensions import db
from tests.integrity.migrationlib import app_at, backends, insert_clerk, insert_lease, old_tables

KEY = "legacy-migration-ledger-key"


@pytest.fixture(params=backends())
def old_app(request, tmp_path):
    """An app on an empty database migrated to 0006 only."""
    with app_at(request.param, tmp_path, "0006", "legacy", KEY) as app:
        yield app


def _legacy_data() -> dict:
    """What a 0006 installation holds, written as its code did (plain SHA-256 journal hashes): two receipts
    paying 2024-02 without a repeat reason (the race), one void receipt, audit entries, a closed day."""
    from counter.collection.integrity import HASHED_FIELDS, legacy_row_hash
    from counter.streets.data import ensure_streets
    from counter.streets.models import Street

    ensure_streets(db.session)
    db.session.commit()
    street = db.session.scalars(select(Street).order_by(Street.code)).first()
    conn = db.session.connection()
    old = old_tables(conn)  # the tables as 0006 made them
    now = datetime(2026, 3, 2, 2, 0, tzinfo=timezone.utc)
    day = date(2026, 3, 2)
    clerk = insert_clerk(conn, street.id, now)
    props = []
    for room in ("101", "101 ", "102"):  # the first two are one property once normalised (the race of issue 11)
        props.append(conn.execute(old["property"].insert().values(
            street_id=street.id, address="福田区旧数据路1号", room=room, floor_area_centi=5000, design_use="residential",
            has_title=True, created_at=now).returning(old["property"].c.id)).scalar())
    lease = insert_lease(conn, street.id, props[0], now, number=1, start=date(2024, 1, 1), end=date(2026, 12, 31),
                         rent_fen=350000)
    receipts = {}
    seq, prev = 0, "0" * 64
    for n, (first, last, status, total) in enumerate((("2024-01", "2024-02", "issued", 2000),
                                                      ("2024-02", "2024-02", "issued", 1000),
                                                      ("2024-03", "2024-03", "void", 1000)), start=1):
        rid = conn.execute(old["receipt"].insert().values(
            street_id=street.id, lease_id=lease, year=2026, seq=n, receipt_number=f"FT01-R2026-{n:06d}",
            payer_name="张三", first_month=first, last_month=last, total_fen=total, method="cash", business_date=day,
            clerk_id=clerk, issued_at=now, status=status, idempotency_key=f"old-{n}",
            void_reason="错" if status == "void" else None, voided_at=now if status == "void" else None,
            voided_by_id=clerk if status == "void" else None).returning(old["receipt"].c.id)).scalar()
        receipts[n] = rid
        kinds = [("collection", total, None)] + ([("void", -total, "orig")] if status == "void" else [])
        orig = None
        for kind, amount, _rev in kinds:
            seq += 1
            fields = {"street_id": street.id, "seq": seq, "receipt_id": rid, "lease_id": lease, "clerk_id": clerk,
                      "business_date": day, "item": "vat", "item_name_zh": "增值税", "amount_fen": amount,
                      "method": "cash", "kind": kind, "reverses_id": orig if kind != "collection" else None,
                      "created_at": now, "prev_hash": prev}
            prev = legacy_row_hash(fields)
            orig = conn.execute(old["journal_entry"].insert().values(**{k: fields[k] for k in HASHED_FIELDS},
                                                                       row_hash=prev)
                                .returning(old["journal_entry"].c.id)).scalar()
    for kind, year, value in (("receipt", 2026, 3), ("journal", 0, seq)):
        conn.execute(text("INSERT INTO serial_counter (kind, street_id, year, last_value) VALUES (:k, :s, :y, :v)"),
                     {"k": kind, "s": street.id, "y": year, "v": value})
    for action in ("user.create", "collection.collect"):
        conn.execute(old["audit_entry"].insert().values(at=now, username="system", street_id=street.id,
                                                          action=action, summary="before 0007", after={"n": 1}))
    conn.execute(old["day_close"].insert().values(
        street_id=street.id, clerk_id=clerk, business_date=day, status="closed", receipt_count=3,
        totals={"by_method": {"cash": 3000}, "by_item": {}, "total_fen": 3000, "void_count": 1},
        counted_cash_fen=3000, expected_cash_fen=3000, variance_fen=0, closed_at=now))
    db.session.commit()
    return {"street": street.id, "lease": lease, "receipts": receipts, "clerk": clerk, "rows": seq, "props": props}


def test_migration_0007_on_existing_data(old_app):
    from flask_migrate import downgrade, upgrade

    from counter.audit.models import AuditChain
    from counter.collection.integrity import HASHED_FIELDS, legacy_row_hash, verify_ledger
    from counter.collection.models import ClerkDay, JournalEntry, LedgerAnchor, ReceiptPeriod
    from counter.leases.models import Property
    from tests.integrity.tamperlib import tamper

    data = _legacy_data()
    db.session.remove()  # SQLite: no transaction of ours may hold the write lock while the migration runs
    upgrade()
    db.session.expire_all()
    # filled in: periods (the second payment of 2024-02 marked a repeat), the clerk's closed day, the audit chain
    periods = db.session.execute(select(ReceiptPeriod.receipt_id, ReceiptPeriod.period_start, ReceiptPeriod.is_repeat,
                                        ReceiptPeriod.released_at.is_not(None)).order_by(ReceiptPeriod.id)).all()
    r1, r2, r3 = (data["receipts"][n] for n in (1, 2, 3))
    assert [tuple(p) for p in periods] == [(r1, date(2024, 1, 1), False, False), (r1, date(2024, 2, 1), False, False),
                                          (r2, date(2024, 2, 1), True, False), (r3, date(2024, 3, 1), False, True)]
    assert db.session.scalar(select(ClerkDay.closed)) is True
    assert db.session.scalar(select(func.count()).select_from(AuditChain)) == 2
    anchor = db.session.scalar(select(LedgerAnchor).where(LedgerAnchor.chain == "journal"))
    assert (anchor.kind, anchor.seq) == ("migration", data["rows"])
    keys = db.session.execute(select(Property.id, Property.address_key).order_by(Property.id)).all()
    assert keys[0][1] == "福田区旧数据路1号#101" and keys[1][1] is None and keys[2][1] == "福田区旧数据路1号#102"
    # the legacy rows verify; the month paid twice before the migration is reported, nothing else
    problems = verify_ledger()
    assert [(p.problem, p.id) for p in problems] == [("paid_twice", data["lease"])], [str(p) for p in problems]
    assert "without a repeat reason (FT01-R2026-000001 .. FT01-R2026-000002)" in problems[0].detail
    # new rows are sealed with HMAC after the legacy ones, and the whole chain still verifies
    from counter.auth.models import User
    from counter.collection import services as svc
    from counter.leases.models import Lease
    from counter.reference import ensure_reference_data

    ensure_reference_data(samples=True)  # the shipped rate schedules (their audit entries are chained as usual)
    db.session.commit()
    svc.collect(db.session.get(Lease, data["lease"]), "2024-04", "2024-04", "cash", None, "new-1",
                clerk=db.session.get(User, data["clerk"]), business_date=date(2026, 3, 3))
    db.session.commit()
    assert [p.problem for p in verify_ledger()] == ["paid_twice"]
    # a legacy row changed and its SHA-256 chain recomputed up to the anchor: the anchor no longer matches
    rows = db.session.execute(select(JournalEntry.id, *(getattr(JournalEntry, n) for n in HASHED_FIELDS))
                              .where(JournalEntry.seq <= data["rows"]).order_by(JournalEntry.seq)).all()
    statements, prev = [], "0" * 64
    for row in rows:
        fields = dict(zip(HASHED_FIELDS, row[1:]))
        if row.seq == 1:
            fields["amount_fen"] = 1500
        fields["prev_hash"] = prev
        prev = legacy_row_hash(fields)
        statements.append(f"UPDATE journal_entry SET amount_fen = {fields['amount_fen']}, prev_hash = '{fields['prev_hash']}', "
                          f"row_hash = '{prev}' WHERE id = {row.id}")
    old_app.config["TEST_OWNER_URL"] = db.engine.url.render_as_string(hide_password=False)
    tamper(*statements)
    found = {p.problem for p in verify_ledger()}
    assert {"anchor_mismatch", "prev_hash", "receipt_journal"} <= found, found
    # down and up again
    db.session.remove()
    downgrade(revision="0006")
    upgrade()
    db.session.remove()
