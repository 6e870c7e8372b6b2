"""Migration 0011 on a database that already has receipts (both databases): a lease starting mid-month that
paid calendar months before rent periods existed. The receipts get their period dates from their months,
their journal rows stay seal version 1 (periods NULL) and still verify; the receipts still display (screen,
PDF) and verify; the old calendar-month claims stay valid - a rent period overlapping one still held
counts as paid - and new collections claim rent periods, sealed with version 2; down and up again."""
from __future__ import annotations

import re
import subprocess
from datetime import date, datetime, timezone

import pytest
from sqlalchemy import select, text

from counter.extensions import db
from tests.integrity.migrationlib import app_at, backends, insert_clerk, insert_lease, old_tables

KEY = "migration-0011-ledger-key"


@pytest.fixture(params=backends())
def old_app(request, tmp_path):
    """An app on an empty database migrated to 0010 (calendar-month receipts)."""
    with app_at(request.param, tmp_path, "0010", "m0011", KEY, WTF_CSRF_ENABLED=False) as app:
        yield app


def _before_0011() -> dict:
    """What a 0010 installation holds, written as its code did: a lease from 2024-03-15 whose receipts paid the
    calendar months 2024-03..2024-04 (issued) and 2024-05 (voided), their month claims in receipt_period and
    their journal lines sealed (HMAC) over the version-1 fields."""
    from counter.collection.integrity import HASHED_FIELDS, row_hash
    from counter.reference import ensure_reference_data
    from counter.streets.models import Street

    ensure_reference_data(samples=True)
    db.session.commit()
    street = db.session.scalars(select(Street).order_by(Street.code)).first()
    conn = db.session.connection()
    old = old_tables(conn)  # the tables as 0010 made them
    now = datetime(2024, 5, 20, 2, 0, tzinfo=timezone.utc)
    day = date(2024, 5, 20)
    clerk = insert_clerk(conn, street.id, now)
    prop = conn.execute(old["property"].insert().values(
        street_id=street.id, address="福田区旧数据路11号", room="1101", floor_area_centi=5000, design_use="residential",
        has_title=True, created_at=now).returning(old["property"].c.id)).scalar()
    party = conn.execute(old["party"].insert().values(
        street_id=street.id, kind="person", name="赵六", id_type="passport", id_number="P00000011",
        created_at=now).returning(old["party"].c.id)).scalar()
    lease = insert_lease(conn, street.id, prop, now, number=11, start=date(2024, 3, 15), end=date(2025, 3, 14),
                         rent_fen=350000)
    conn.execute(old["lease_party"].insert().values(street_id=street.id, lease_id=lease, party_id=party,
                                                      role="landlord", position=0))
    receipts, seq, prev = {}, 0, "0" * 64
    for n, (months, status, total) in enumerate(((("2024-03", "2024-04"), "issued", 66600),
                                                 (("2024-05", "2024-05"), "void", 33300)), start=1):
        rid = conn.execute(old["receipt"].insert().values(
            street_id=street.id, lease_id=lease, year=2024, seq=n, receipt_number=f"FT01-R2024-{n:06d}",
            payer_name="赵六", first_month=months[0], last_month=months[1], total_fen=total, method="cash",
            business_date=day, clerk_id=clerk, issued_at=now, status=status, idempotency_key=f"old-{n}",
            void_reason="错" if status == "void" else None, voided_at=now if status == "void" else None,
            voided_by_id=clerk if status == "void" else None).returning(old["receipt"].c.id)).scalar()
        receipts[n] = rid
        for y, m, last_day in ((2024, 3, 31), (2024, 4, 30)) if n == 1 else ((2024, 5, 31),):
            conn.execute(old["receipt_period"].insert().values(
                street_id=street.id, lease_id=lease, receipt_id=rid, period_start=date(y, m, 1),
                period_end=date(y, m, last_day), is_repeat=False, released_at=None if status == "issued" else now,
                released_by_id=None if status == "issued" else clerk))
        orig = None
        for kind, amount in [("collection", total)] + ([("void", -total)] if status == "void" else []):
            seq += 1
            fields = {"street_id": street.id, "seq": seq, "receipt_id": rid, "lease_id": lease, "clerk_id": clerk,
                      "business_date": day, "item": "property_tax", "item_name_zh": "房产税", "amount_fen": amount,
                      "method": "cash", "kind": kind, "reverses_id": orig if kind != "collection" else None,
                      "created_at": now, "prev_hash": prev}
            prev = row_hash(fields, KEY)
            orig = conn.execute(old["journal_entry"].insert().values(**{k: fields[k] for k in HASHED_FIELDS},
                                                                       row_hash=prev)
                                .returning(old["journal_entry"].c.id)).scalar()
    for kind, year, value in (("receipt", 2024, 2), ("journal", 0, seq)):
        conn.execute(text("INSERT INTO serial_counter (kind, street_id, year, last_value) VALUES (:k, :s, :y, :v)"),
                     {"k": kind, "s": street.id, "y": year, "v": value})
    db.session.commit()
    return {"street": street.id, "lease": lease, "receipts": receipts, "clerk": clerk, "rows": seq}


def _printed(app, receipt_id: int) -> bytes:
    """The receipt's original PDF, printed in a thread of its own: the PDF signer runs ``asyncio.run``, which
    refuses a thread where an event loop runs (Playwright's, when the browser journeys ran before)."""
    from concurrent.futures import ThreadPoolExecutor

    from counter.collection.models import Receipt
    from counter.documents import services as docs

    def work() -> bytes:
        with app.app_context():
            printed = docs.print_receipt(db.session.get(Receipt, receipt_id))
            db.session.commit()
            return printed.pdf

    db.session.commit()
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(work).result()


def test_migration_0011_on_existing_receipts(old_app, tmp_path):
    from flask_migrate import downgrade, upgrade

    from counter.auth.models import User
    from counter.auth.services import create_user
    from counter.collection import services as svc
    from counter.collection.integrity import SEAL_VERSION, verify_ledger
    from counter.collection.models import JournalEntry, Receipt
    from counter.leases.models import Lease

    data = _before_0011()
    db.session.remove()  # SQLite: no transaction of ours may hold the write lock while the migration runs
    upgrade()
    db.session.expire_all()
    r1, r2 = (db.session.get(Receipt, data["receipts"][n]) for n in (1, 2))
    # the receipts' dates come from their calendar months; the journal rows keep their seal (version 1)
    assert (r1.period_start, r1.period_end, r2.period_start, r2.period_end) == \
        (date(2024, 3, 1), date(2024, 4, 30), date(2024, 5, 1), date(2024, 5, 31))
    rows = db.session.execute(select(JournalEntry.seal_version, JournalEntry.period_start, JournalEntry.period_end)).all()
    assert {tuple(r) for r in rows} == {(1, None, None)} and len(rows) == data["rows"]
    assert [str(p) for p in verify_ledger()] == []
    # the receipt still displays: on screen (its dates) and on paper (税款所属期, its journal amounts)
    create_user("new.supervisor", "pw-0011-pw", "supervisor", "new", data["street"])
    db.session.commit()
    from tests.conftest import CommittingClient

    old_app.test_client_class = CommittingClient  # our session's transaction ends before each request
    client = old_app.test_client()
    assert client.post("/login", data={"username": "new.supervisor", "password": "pw-0011-pw"}).status_code == 302
    page = client.get(f"/collection/receipt/{r1.id}")
    assert page.status_code == 200
    assert re.search(r'id="receipt-periods">2024年3月1日 至 2024年4月30日<', page.get_data(as_text=True))
    assert client.get(f"/collection/lease/{data['lease']}").status_code == 200
    (tmp_path / "old.pdf").write_bytes(_printed(old_app, r1.id))
    flat = re.sub(r"\s+", "", subprocess.run(["pdftotext", "-enc", "UTF-8", str(tmp_path / "old.pdf"), "-"],
                                             check=True, capture_output=True).stdout.decode("utf-8"))
    assert "2024年3月1日至2024年4月30日" in flat and "666.00" in flat
    # the month claims still held count: 03-15..04-14 and 04-15..05-14 overlap March and April (paid);
    # 05-15..06-14 overlaps only the voided May (unpaid)
    lease = db.session.get(Lease, data["lease"])
    assert svc.paid_periods(lease) == {date(2024, 3, 15), date(2024, 4, 15)}
    clerk = db.session.get(User, data["clerk"])
    with pytest.raises(svc.CollectionError) as err:
        svc.collect(lease, "2024-04-15", "2024-05-15", "cash", None, "new-0", clerk=clerk, business_date=date(2024, 6, 3))
    assert err.value.field == "repeat_reason" and "2024年4月15日 至 2024年5月14日" in err.value.message
    db.session.rollback()
    new = svc.collect(lease, "2024-05-15", "2024-06-15", "cash", None, "new-1", clerk=clerk,
                      business_date=date(2024, 6, 3))
    again = svc.collect(lease, "2024-04-15", "2024-04-15", "cash", None, "new-2", "房东要求重开", clerk=clerk,
                        business_date=date(2024, 6, 3))
    db.session.commit()
    assert (new.period_start, new.period_end) == (date(2024, 5, 15), date(2024, 7, 14))
    assert again.repeat_reason and {e.seal_version for e in new.lines} == {SEAL_VERSION}
    assert [str(p) for p in verify_ledger()] == []
    # down (the new receipts lose their dates, not their months) and up again
    db.session.remove()
    downgrade(revision="0010")
    upgrade()
    db.session.expire_all()
    assert db.session.get(Receipt, new.id).period_start == date(2024, 5, 1)  # refilled from its months
    db.session.remove()
