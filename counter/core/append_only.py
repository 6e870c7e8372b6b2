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


# --- guarded tables: rows that change only in one declared way -------------------------------------

PG_GUARD_FUNCTION = """
CREATE OR REPLACE FUNCTION counter_guard_update() RETURNS trigger AS $$
BEGIN
    -- TG_ARGV[0]: the condition's name (for the message); the other arguments: the columns that may change
    IF (to_jsonb(NEW) - TG_ARGV[1:]) IS DISTINCT FROM (to_jsonb(OLD) - TG_ARGV[1:]) THEN
        RAISE EXCEPTION 'guarded table %: only % may change (%)', TG_TABLE_NAME, TG_ARGV[1:], TG_ARGV[0]
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
"""


def guard_statements(dialect: str, table: str, *, columns: list[str], changeable: tuple[str, ...],
                     transition: str | None = None, name: str = "guard") -> list[str]:
    """Triggers that let an UPDATE of ``table`` change only ``changeable`` columns, and only when the SQL
    condition ``transition`` (over OLD and NEW) holds; DELETE is refused. ``columns``: every column of the
    table (SQLite lists the frozen ones in its trigger)."""
    frozen = [c for c in columns if c not in changeable]
    if dialect == "postgresql":
        args = ", ".join(f"'{a}'" for a in (name, *changeable))
        out = [PG_FUNCTION, PG_GUARD_FUNCTION,
               f"DROP TRIGGER IF EXISTS {table}_{name} ON {table}",
               f"CREATE TRIGGER {table}_{name} BEFORE UPDATE ON {table} "
               f"FOR EACH ROW EXECUTE FUNCTION counter_guard_update({args})",
               f"DROP TRIGGER IF EXISTS {table}_no_delete ON {table}",
               f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} "
               f"FOR EACH ROW EXECUTE FUNCTION counter_refuse_change()",
               f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}",
               f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
               f"FOR EACH STATEMENT EXECUTE FUNCTION counter_refuse_change()"]
        if transition:
            fn = f"counter_{table}_{name}_transition"
            out += [f"""
CREATE OR REPLACE FUNCTION {fn}() RETURNS trigger AS $$
BEGIN
    IF NOT ({transition}) THEN
        RAISE EXCEPTION 'guarded table %: refused transition (%)', TG_TABLE_NAME, '{name}'
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
""",
                    f"DROP TRIGGER IF EXISTS {table}_{name}_transition ON {table}",
                    f"CREATE TRIGGER {table}_{name}_transition BEFORE UPDATE ON {table} "
                    f"FOR EACH ROW EXECUTE FUNCTION {fn}()"]
        return out
    if dialect == "sqlite":
        changed = " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in frozen) or "0"
        when = f"({changed})" + (f" OR NOT ({transition})" if transition else "")
        message = f"guarded table {table}: only {', '.join(changeable)} may change ({name})"
        return [f"DROP TRIGGER IF EXISTS {table}_{name}",
                f"CREATE TRIGGER {table}_{name} BEFORE UPDATE ON {table} WHEN {when} "
                f"BEGIN SELECT RAISE(ABORT, '{message}'); END",
                f"DROP TRIGGER IF EXISTS {table}_no_delete",
                f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} "
                f"BEGIN SELECT RAISE(ABORT, 'guarded table {table}: DELETE refused'); END"]
    raise NotImplementedError(dialect)


def drop_guard(op, table: str, name: str = "guard") -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        for trig in (f"{table}_{name}", f"{table}_{name}_transition", f"{table}_no_delete", f"{table}_no_truncate"):
            op.execute(f"DROP TRIGGER IF EXISTS {trig} ON {table}")
        op.execute(f"DROP FUNCTION IF EXISTS counter_{table}_{name}_transition()")
    else:
        op.execute(f"DROP TRIGGER IF EXISTS {table}_{name}")
        op.execute(f"DROP TRIGGER IF EXISTS {table}_no_delete")
