"""Hand-made leases, receipts and journal lines for the ledger tests (inserted directly: the ledger
reads what collection writes; the hash chain is collection's business and is not checked here)."""
from __future__ import annotations

import itertools
from datetime import date

from sqlalchemy import func, select

from counter.collection.models import JournalEntry, Receipt
from counter.extensions import db
from counter.leases.models import Lease, Property

ITEM_ZH = {"vat": "增值税", "urban_construction": "城市维护建设税", "education_surcharge": "教育费附加",
           "property_tax": "房产税", "individual_income_tax": "个人所得税"}
_counter = itertools.count(1)


def make_lease(street, *, registered_on: date, area_centi: int = 5000, start: date | None = None,
               end: date | None = None, status: str = "active", ended_on: date | None = None,
               cancelled_on: date | None = None) -> Lease:
    n = next(_counter)
    prop = Property(street_id=street.id, address=f"测试路{n}号", floor_area_centi=area_centi, design_use="residential")
    db.session.add(prop)
    db.session.flush()
    start = start or registered_on
    lease = Lease(street_id=street.id, property_id=prop.id, reg_year=registered_on.year, reg_seq=n,
                  registration_number=f"T{street.short_code}-{n}", registration_code=f"{street.short_code}-T-{n}",
                  status=status, lease_use="residential", landlord_kind="individual", rented_area_centi=area_centi,
                  signing_date=start, start_date=start, end_date=end or date(start.year + 1, start.month, 1),
                  monthly_rent_fen=350000, registered_on=registered_on, ended_on=ended_on, cancelled_on=cancelled_on)
    db.session.add(lease)
    db.session.flush()
    return lease


def _next_seq(street_id: int) -> int:
    return (db.session.scalar(select(func.max(JournalEntry.seq)).where(JournalEntry.street_id == street_id)) or 0) + 1


def make_receipt(lease, clerk, *, day: date, lines: dict[str, int], method: str = "card",
                 reference: str | None = None, status: str = "issued") -> Receipt:
    """A receipt and its collection lines; ``status`` void/refunded also writes the reversal lines."""
    n = next(_counter)
    total = sum(lines.values())
    r = Receipt(street_id=lease.street_id, lease_id=lease.id, year=day.year, seq=n,
                receipt_number=f"R{lease.street_id}-{day.year}-{n:06d}", payer_name="张三", first_month="2026-01",
                last_month="2026-01", period_start=date(2026, 1, 1), period_end=date(2026, 1, 31), total_fen=total, method=method, payment_reference=reference, business_date=day,
                clerk_id=clerk.id, status=status, idempotency_key=f"key-{n}")
    db.session.add(r)
    db.session.flush()
    originals = []
    for item, amount in lines.items():
        e = JournalEntry(street_id=lease.street_id, seq=_next_seq(lease.street_id), receipt_id=r.id, lease_id=lease.id,
                         clerk_id=clerk.id, business_date=day, item=item, item_name_zh=ITEM_ZH.get(item, item),
                         amount_fen=amount, method=method, kind="collection", prev_hash="0" * 64, row_hash="1" * 64)
        db.session.add(e)
        db.session.flush()
        originals.append(e)
    if status != "issued":
        for e in originals:
            db.session.add(JournalEntry(
                street_id=e.street_id, seq=_next_seq(e.street_id), receipt_id=r.id, lease_id=e.lease_id,
                clerk_id=clerk.id, business_date=day, item=e.item, item_name_zh=e.item_name_zh,
                amount_fen=-e.amount_fen, method=method, kind="void" if status == "void" else "refund",
                reverses_id=e.id, prev_hash="0" * 64, row_hash="1" * 64))
            db.session.flush()
    return r


def seed_two_streets(streets, users):
    """Street A (南园): 4 receipts in March 2026 (one void) and one in April; street B (园岭): 2 in March.

    Net March A: card 1000+500 (R1), cash 700 (R2), mobile 300+200 (R3, void: nets 0), transfer 900 (R4)
    = 3100; April A: card 400 (R5). March B: card 2000 (R6), cash 50 (R7)."""
    a, b = streets[0], streets[1]
    la = make_lease(a, registered_on=date(2026, 2, 10), area_centi=4550)
    lb = make_lease(b, registered_on=date(2026, 2, 11), area_centi=8000)
    ca, ca2, cb = users["clerk_a"], users["supervisor_a"], users["clerk_b"]
    out = {
        "r1": make_receipt(la, ca, day=date(2026, 3, 2), lines={"vat": 1000, "property_tax": 500}, method="card",
                           reference="POS001"),
        "r2": make_receipt(la, ca2, day=date(2026, 3, 2), lines={"vat": 700}, method="cash"),
        "r3": make_receipt(la, ca, day=date(2026, 3, 3), lines={"vat": 300, "property_tax": 200}, method="mobile",
                           reference="WX003", status="void"),
        "r4": make_receipt(la, ca, day=date(2026, 3, 20), lines={"vat": 900}, method="transfer", reference="TR004"),
        "r5": make_receipt(la, ca, day=date(2026, 4, 1), lines={"vat": 400}, method="card", reference="POS005"),
        "r6": make_receipt(lb, cb, day=date(2026, 3, 5), lines={"vat": 2000}, method="card", reference="POS-B6"),
        "r7": make_receipt(lb, cb, day=date(2026, 3, 6), lines={"individual_income_tax": 50}, method="cash"),
        "lease_a": la, "lease_b": lb,
    }
    db.session.commit()
    return out
