"""Append-only tables, enforced by the database itself (not by convention).

Migrations call :func:`make_append_only` for tables whose rows are never changed or removed
(audit log, ledger journal, document register): a trigger refuses UPDATE and DELETE on PostgreSQL
and SQLite alike. Corrections are new rows (reversals), never edits.
"""
from __future__ import annotations

PG_FUNCTION = """
CREATE OR REPLACE FUNCTION counter_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'append-only table %: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'restrict_violation';
END;
$$ LANGUAGE plpgsql;
"""


def append_only_statements(dialect: str, table: str) -> list[str]:
    if dialect == "postgresql":
        return [
            PG_FUNCTION,
            f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}",
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION counter_refuse_change()",
            f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}",
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION counter_refuse_change()",
        ]
    if dialect == "sqlite":
        return [
            f"CREATE TRIGGER IF NOT EXISTS {table}_no_update BEFORE UPDATE ON {table} "
            f"BEGIN SELECT RAISE(ABORT, 'append-only table {table}: UPDATE refused'); END",
            f"CREATE TRIGGER IF NOT EXISTS {table}_no_delete BEFORE DELETE ON {table} "
            f"BEGIN SELECT RAISE(ABORT, 'append-only table {table}: DELETE refused'); END",
        ]
    raise NotImplementedError(dialect)


def make_append_only(op, table: str) -> None:
    """Call from an Alembic migration's ``upgrade()``."""
    dialect = op.get_bind().dialect.name
    for stmt in append_only_statements(dialect, table):
        op.execute(stmt)


def drop_append_only(op, table: str) -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
        op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
    else:
        op.execute(f"DROP TRIGGER IF EXISTS {table}_no_update")
        op.execute(f"DROP TRIGGER IF EXISTS {table}_no_delete")
