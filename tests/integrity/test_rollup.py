"""The journal's daily roll-up (issue 18, migration 0014), on both databases: written by the trigger in
the journal's transaction (collections, a void, a rolled-back collection), read by the summaries with the
same figures as the journal, checked by ``counter ledger verify`` (a changed roll-up row is caught), and
guarded: its key never changes, a row is never deleted (the app role may not on PostgreSQL)."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from counter.collection import services as svc
from counter.collection.integrity import verify_ledger
from counter.collection.models import JournalDayTotal, JournalEntry, JournalRollup
from counter.core.timeutil import business_today
from counter.extensions import db
from counter.collection import rollup
from counter.ledger.services import annual_statistics, daily_summary, district_overview

from tests.integrity.racelib import make_lease
from tests.integrity.tamperlib import tamper


@pytest.fixture
def day(app, users, streets):
    from counter.auth.models import User

    lease = make_lease(streets[0].id)
    clerk = db.session.get(User, users["clerk_a"].id)
    r1 = svc.collect(lease, "2024-01", "2024-01", "cash", None, "u1", clerk=clerk)
    r2 = svc.collect(lease, "2024-02", "2024-03", "card", "CARD0001", "u2", clerk=clerk)
    svc.collect(lease, "2024-04", "2024-04", "cash", None, "u3", clerk=clerk)
    db.session.commit()
    svc.void_receipt(r2, "录入错误", actor=db.session.get(User, users["supervisor_a"].id))
    db.session.commit()
    return {"street": streets[0], "lease": lease, "clerk": clerk, "receipts": (r1, r2)}


def _journal_figures(street_id):
    j = JournalEntry
    today = business_today()
    conds = (j.street_id == street_id, j.business_date == today)
    return {
        "total": db.session.scalar(select(func.coalesce(func.sum(j.amount_fen), 0)).where(*conds)),
        "receipts": db.session.scalar(select(func.count(func.distinct(j.receipt_id))).where(*conds,
                                                                                          j.kind == "collection")),
        "reversed": db.session.scalar(select(func.count(func.distinct(j.receipt_id))).where(*conds,
                                                                                          j.kind != "collection")),
        "by_item": {i: int(v) for i, v in db.session.execute(select(j.item, func.sum(j.amount_fen)).where(*conds)
                                                             .group_by(j.item))},
        "by_method": {m: int(v) for m, v in db.session.execute(select(j.method, func.sum(j.amount_fen))
                                                               .where(*conds).group_by(j.method))},
    }


def test_rollup_follows_the_journal_and_the_summaries_read_it(app, day):
    street = day["street"]
    today = business_today()
    assert rollup.verify_rollup(db.session) == []
    assert [str(p) for p in verify_ledger()] == []
    want = _journal_figures(street.id)
    s = daily_summary(street.id, today, today)
    assert (s.total_fen, s.receipts, s.reversed_receipts) == (want["total"], 3, 1) == (want["total"],
                                                                                       want["receipts"], want["reversed"])
    assert {t.item: t.amount_fen for t in s.by_item} == want["by_item"]
    assert s.by_method == {m: want["by_method"][m] for m in ("cash", "card", "mobile", "transfer")
                           if m in want["by_method"]}
    assert s.days[0].receipts == 3 and s.days[0].total_fen == want["total"]
    assert district_overview(today.year).amount(street.id, today.month) == want["total"]
    stats = annual_statistics(today.year)
    assert next(r for r in stats.rows if r.street.id == street.id).tax_fen == want["total"]
    # the roll-up has one row per day x item x method x kind, not one per line
    lines = db.session.scalar(select(func.count()).select_from(JournalEntry))
    rows = db.session.scalar(select(func.count()).select_from(JournalRollup))
    assert rows < lines and db.session.scalar(select(func.sum(JournalRollup.lines))) == lines


def test_a_rolled_back_collection_leaves_no_rollup(app, day):
    before = db.session.execute(select(JournalRollup.id, JournalRollup.amount_fen, JournalRollup.lines)
                                .order_by(JournalRollup.id)).all()
    svc.collect(day["lease"], "2024-05", "2024-05", "cash", None, "u-rolled-back", clerk=day["clerk"])
    db.session.rollback()
    after = db.session.execute(select(JournalRollup.id, JournalRollup.amount_fen, JournalRollup.lines)
                               .order_by(JournalRollup.id)).all()
    assert before == after
    assert rollup.verify_rollup(db.session) == []


@pytest.mark.parametrize("change", ["amount", "lines", "receipts", "day total"])
def test_verify_catches_a_changed_rollup_row(app, day, change):
    sql = {"amount": "UPDATE journal_rollup SET amount_fen = amount_fen + 100 WHERE id = :id",
           "lines": "UPDATE journal_rollup SET lines = lines + 1 WHERE id = :id",
           "receipts": "UPDATE journal_rollup SET receipts = receipts + 1 WHERE id = :id",
           "day total": "UPDATE journal_day_total SET amount_fen = amount_fen - 100 WHERE id = :id"}[change]
    model = JournalDayTotal if change == "day total" else JournalRollup
    victim = db.session.scalar(select(model.id).order_by(model.id))
    tamper(sql, params={"id": victim})
    problems = [p for p in verify_ledger() if p.problem == "rollup"]
    assert len(problems) == 1 and problems[0].table == model.__tablename__, problems
    assert app.test_cli_runner().invoke(args=["ledger", "verify"]).exit_code == 1


def test_verify_catches_a_rollup_row_without_journal_lines(app, day):
    """A roll-up row added behind the application's back (money the journal does not hold)."""
    row = db.session.execute(select(JournalEntry).order_by(JournalEntry.seq.desc())).scalars().first()
    tamper("INSERT INTO journal_rollup (street_id, business_date, item, item_name_zh, method, kind, amount_fen, "
           "lines, receipts) VALUES (:s, :d, 'phantom', '虚构', 'cash', 'collection', 1, 1, 0)",
           params={"s": row.street_id, "d": row.business_date})
    problems = [p for p in verify_ledger() if p.problem == "rollup"]
    assert len(problems) == 1 and "phantom" in problems[0].detail


def test_rollup_key_is_frozen_and_rows_are_never_deleted(app, day):
    victim = db.session.scalar(select(JournalRollup.id).order_by(JournalRollup.id))
    day_row = db.session.scalar(select(JournalDayTotal.id).order_by(JournalDayTotal.id))
    for sql, row in (("UPDATE journal_rollup SET item = 'other' WHERE id = :id", victim),
                     ("UPDATE journal_rollup SET lines = 0 WHERE id = :id", victim),  # the count never goes down
                     ("DELETE FROM journal_rollup WHERE id = :id", victim),
                     ("UPDATE journal_day_total SET business_date = business_date + 1 WHERE id = :id", day_row),
                     ("DELETE FROM journal_day_total WHERE id = :id", day_row)):
        with pytest.raises(DBAPIError):
            db.session.execute(text(sql), {"id": row})
            db.session.flush()
        db.session.rollback()
    assert rollup.verify_rollup(db.session) == []


def test_rebuild_sets_the_rollup_to_the_journal(app, day, db_owner):
    victim = db.session.scalar(select(JournalRollup.id).order_by(JournalRollup.id))
    tamper("UPDATE journal_rollup SET amount_fen = amount_fen + 7 WHERE id = :id", params={"id": victim})
    assert rollup.verify_rollup(db.session)
    db.session.commit()
    with db_owner.begin() as conn:
        rollup.rebuild_rollup(conn)
    db.session.expire_all()
    assert rollup.verify_rollup(db.session) == []
