"""The journal's daily roll-up (日汇总, table ``journal_rollup``, migration 0014).

One row per (street, business day, tax item, item name, payment method, kind) with the sum of the lines'
amounts, their count and the receipts whose first line of that kind is in the row; and the street's day
total (``journal_day_total``: one row per street and business day), which the district overview and the
statistics read (a year of the district: 10 streets x 366 days at most). A trigger on
``journal_entry`` adds each line to its row in the same statement that inserts the line (PostgreSQL and
SQLite alike: an upsert that adds), so the roll-up commits or rolls back with the journal and costs the
application no round trip. The summaries (:mod:`counter.ledger.services`) read it instead of scanning the
journal; :func:`verify_rollup` recomputes it from the journal (``counter ledger verify``: ``rollup``).

Bulk loads that bypass triggers (``session_replication_role = replica``) call :func:`rebuild_rollup` as the
owner afterwards: it sets every row to the journal's figures (an upsert; rows are never deleted).
"""
from __future__ import annotations

from sqlalchemy import text

KEY = ("street_id", "business_date", "item", "item_name_zh", "method", "kind")

# the receipts a line counts: 1 for a receipt's first line of its kind (earlier rows of the same INSERT
# statement are visible to a BEFORE ROW trigger on both databases), else 0
_FIRST = ("CASE WHEN EXISTS (SELECT 1 FROM journal_entry j WHERE j.receipt_id = NEW.receipt_id "
          "AND j.kind = NEW.kind) THEN 0 ELSE 1 END")
_VALUES = ("(street_id, business_date, item, item_name_zh, method, kind, amount_fen, lines, receipts) VALUES "
           f"(NEW.street_id, NEW.business_date, NEW.item, NEW.item_name_zh, NEW.method, NEW.kind, NEW.amount_fen, 1, "
           f"{_FIRST})")
_ON_CONFLICT = (f"ON CONFLICT ({', '.join(KEY)}) DO UPDATE SET amount_fen = journal_rollup.amount_fen + "
                "excluded.amount_fen, lines = journal_rollup.lines + 1, receipts = journal_rollup.receipts + "
                "excluded.receipts")


# the street's day total (journal_day_total): what the district overview and the statistics read
_DAY_VALUES = ("(street_id, business_date, amount_fen, lines) VALUES "
               "(NEW.street_id, NEW.business_date, NEW.amount_fen, 1)")
_DAY_CONFLICT = ("ON CONFLICT (street_id, business_date) DO UPDATE SET amount_fen = journal_day_total.amount_fen + "
                 "excluded.amount_fen, lines = journal_day_total.lines + 1")


def trigger_statements(dialect: str) -> list[str]:
    """The trigger that keeps the roll-up with the journal."""
    if dialect == "postgresql":
        return [f"""
CREATE OR REPLACE FUNCTION counter_journal_rollup() RETURNS trigger AS $$
BEGIN
    INSERT INTO journal_rollup {_VALUES} {_ON_CONFLICT};
    INSERT INTO journal_day_total {_DAY_VALUES} {_DAY_CONFLICT};
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
""",
                "DROP TRIGGER IF EXISTS journal_entry_rollup ON journal_entry",
                "CREATE TRIGGER journal_entry_rollup BEFORE INSERT ON journal_entry "
                "FOR EACH ROW EXECUTE FUNCTION counter_journal_rollup()"]
    if dialect == "sqlite":
        return ["DROP TRIGGER IF EXISTS journal_entry_rollup",
                "CREATE TRIGGER journal_entry_rollup BEFORE INSERT ON journal_entry "
                f"BEGIN INSERT INTO journal_rollup {_VALUES} {_ON_CONFLICT}; "
                f"INSERT INTO journal_day_total {_DAY_VALUES} {_DAY_CONFLICT}; END"]
    raise NotImplementedError(dialect)


def drop_trigger_statements(dialect: str) -> list[str]:
    if dialect == "postgresql":
        return ["DROP TRIGGER IF EXISTS journal_entry_rollup ON journal_entry",
                "DROP FUNCTION IF EXISTS counter_journal_rollup()"]
    return ["DROP TRIGGER IF EXISTS journal_entry_rollup"]


# the journal's figures in the roll-up's shape (a receipt counts in the row of its first line of a kind)
AGGREGATE = (
    "SELECT j.street_id, j.business_date, j.item, j.item_name_zh, j.method, j.kind, SUM(j.amount_fen), COUNT(*), "
    "SUM(CASE WHEN j.id = f.first_id THEN 1 ELSE 0 END) "
    "FROM journal_entry j JOIN (SELECT receipt_id, kind, MIN(id) AS first_id FROM journal_entry "
    "GROUP BY receipt_id, kind) f ON f.receipt_id = j.receipt_id AND f.kind = j.kind {where} "
    "GROUP BY j.street_id, j.business_date, j.item, j.item_name_zh, j.method, j.kind")


def rebuild_rollup(conn, street_ids: list[int] | None = None) -> int:
    """Set the roll-up to the journal's figures (after a bulk load without triggers); returns the rows
    written. ``conn``: a SQLAlchemy connection or session; the caller commits."""
    where, params = "", {}
    if street_ids is not None:
        where = "WHERE j.street_id IN (" + ", ".join(f":s{i}" for i in range(len(street_ids))) + ")"
        params = {f"s{i}": s for i, s in enumerate(street_ids)}
    sql = (f"INSERT INTO journal_rollup ({', '.join(KEY)}, amount_fen, lines, receipts) "
           f"SELECT * FROM ({AGGREGATE.format(where=where)}) agg WHERE true "
           f"ON CONFLICT ({', '.join(KEY)}) DO UPDATE SET amount_fen = excluded.amount_fen, "
           "lines = excluded.lines, receipts = excluded.receipts")
    n = conn.execute(text(sql), params).rowcount
    day_where = where.replace("j.street_id", "street_id")
    conn.execute(text("INSERT INTO journal_day_total (street_id, business_date, amount_fen, lines) "
                      "SELECT * FROM (SELECT street_id, business_date, SUM(amount_fen), COUNT(*) FROM journal_entry "
                      f"{day_where} GROUP BY street_id, business_date) agg WHERE true "
                      "ON CONFLICT (street_id, business_date) DO UPDATE SET amount_fen = excluded.amount_fen, "
                      "lines = excluded.lines"), params)
    return n


def verify_rollup(session, streets: list[int] | None = None) -> list:
    """The roll-up against the journal: every row's sum, line count and (per day, method and kind) receipt
    count; a row missing on either side. Returns :class:`counter.collection.integrity.ChainProblem`."""
    from counter.collection.integrity import MAX_PROBLEMS, ChainProblem

    where_j = "" if streets is None else "WHERE j.street_id IN (" + ", ".join(str(int(s)) for s in streets) + ")"
    where_r = "" if streets is None else "WHERE r.street_id IN (" + ", ".join(str(int(s)) for s in streets) + ")"
    journal = {tuple(r[:6]): (int(r[6]), int(r[7])) for r in session.execute(text(
        "SELECT j.street_id, j.business_date, j.item, j.item_name_zh, j.method, j.kind, SUM(j.amount_fen), COUNT(*) "
        f"FROM journal_entry j {where_j} GROUP BY j.street_id, j.business_date, j.item, j.item_name_zh, j.method, "
        "j.kind"))}
    rollup = {}
    ids = {}
    for r in session.execute(text(
            "SELECT r.street_id, r.business_date, r.item, r.item_name_zh, r.method, r.kind, r.amount_fen, r.lines, "
            f"r.id FROM journal_rollup r {where_r}")):
        rollup[tuple(r[:6])] = (int(r[6]), int(r[7]))
        ids[tuple(r[:6])] = int(r[8])
    problems = []

    def day(key) -> str:
        d = key[1]
        return d.isoformat() if hasattr(d, "isoformat") else str(d)

    for key in sorted(set(journal) | set(rollup), key=lambda k: (k[0], day(k), *k[2:])):
        j, r = journal.get(key, (0, 0)), rollup.get(key, (0, 0))
        if j != r:
            what = (f"{day(key)} {key[2]} {key[4]} {key[5]}: the roll-up has {r[0]} fen in {r[1]} lines, "
                    f"the journal {j[0]} fen in {j[1]} lines")
            problems.append(ChainProblem(key[0], None, ids.get(key), "rollup", what, "journal_rollup"))
        if len(problems) >= MAX_PROBLEMS:
            return problems
    receipts_j = {tuple(r[:4]): int(r[4]) for r in session.execute(text(
        "SELECT j.street_id, j.business_date, j.method, j.kind, COUNT(DISTINCT j.receipt_id) "
        f"FROM journal_entry j {where_j} GROUP BY j.street_id, j.business_date, j.method, j.kind"))}
    receipts_r = {tuple(r[:4]): int(r[4]) for r in session.execute(text(
        "SELECT r.street_id, r.business_date, r.method, r.kind, SUM(r.receipts) "
        f"FROM journal_rollup r {where_r} GROUP BY r.street_id, r.business_date, r.method, r.kind"))}
    for key in sorted(set(receipts_j) | set(receipts_r), key=lambda k: (k[0], day(k), *k[2:])):
        if receipts_j.get(key, 0) != receipts_r.get(key, 0):
            problems.append(ChainProblem(key[0], None, None, "rollup",
                                         f"{day(key)} {key[2]} {key[3]}: the roll-up counts {receipts_r.get(key, 0)} "
                                         f"receipts, the journal {receipts_j.get(key, 0)}", "journal_rollup"))
        if len(problems) >= MAX_PROBLEMS:
            return problems
    # the day totals against the journal
    days_j = {tuple(r[:2]): (int(r[2]), int(r[3])) for r in session.execute(text(
        f"SELECT j.street_id, j.business_date, SUM(j.amount_fen), COUNT(*) FROM journal_entry j {where_j} "
        "GROUP BY j.street_id, j.business_date"))}
    days_r, day_ids = {}, {}
    for r in session.execute(text(f"SELECT r.street_id, r.business_date, r.amount_fen, r.lines, r.id "
                                  f"FROM journal_day_total r {where_r}")):
        days_r[tuple(r[:2])] = (int(r[2]), int(r[3]))
        day_ids[tuple(r[:2])] = int(r[4])
    for key in sorted(set(days_j) | set(days_r), key=lambda k: (k[0], day(k))):
        j, r = days_j.get(key, (0, 0)), days_r.get(key, (0, 0))
        if j != r:
            problems.append(ChainProblem(key[0], None, day_ids.get(key), "rollup",
                                         f"{day(key)}: the day total has {r[0]} fen in {r[1]} lines, the journal "
                                         f"{j[0]} fen in {j[1]} lines", "journal_day_total"))
        if len(problems) >= MAX_PROBLEMS:
            break
    return problems


__all__ = ["KEY", "trigger_statements", "drop_trigger_statements", "rebuild_rollup", "verify_rollup"]
