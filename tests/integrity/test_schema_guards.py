"""What migration 0007 leaves in the schema, on both databases, so that a later migration that loses a trigger
or an index (an SQLite batch copy of a table drops its triggers) fails here; and the app role's privileges
and its creation on PostgreSQL (``counter db grant-app-role``)."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import create_engine, text

from counter.extensions import db

TRIGGERS = {
    "sqlite": {"journal_entry": {"journal_entry_no_update", "journal_entry_no_delete"},
               "audit_entry": {"audit_entry_no_update", "audit_entry_no_delete"},
               "audit_chain": {"audit_chain_no_update", "audit_chain_no_delete"},
               "ledger_anchor": {"ledger_anchor_no_update", "ledger_anchor_no_delete"},
               "receipt": {"receipt_guard", "receipt_no_delete"},
               "receipt_period": {"receipt_period_guard", "receipt_period_no_delete"},
               "serial_counter": {"serial_counter_guard", "serial_counter_no_delete"},
               "clerk_day": {"clerk_day_guard", "clerk_day_no_delete"},
               "day_close": {"day_close_guard", "day_close_no_delete"}},
    "postgresql": {"journal_entry": {"journal_entry_append_only", "journal_entry_no_truncate"},
                   "audit_entry": {"audit_entry_append_only", "audit_entry_no_truncate"},
                   "audit_chain": {"audit_chain_append_only", "audit_chain_no_truncate"},
                   "ledger_anchor": {"ledger_anchor_append_only", "ledger_anchor_no_truncate"},
                   "receipt": {"receipt_guard", "receipt_guard_transition", "receipt_no_delete", "receipt_no_truncate"},
                   "receipt_period": {"receipt_period_guard", "receipt_period_guard_transition",
                                      "receipt_period_no_delete"},
                   "serial_counter": {"serial_counter_guard", "serial_counter_guard_transition",
                                      "serial_counter_no_delete"},
                   "clerk_day": {"clerk_day_guard", "clerk_day_no_delete"},
                   "day_close": {"day_close_guard", "day_close_no_delete"}},
}
INDEXES = ("ux_receipt_period_paid_once", "ux_journal_entry_reverses_id", "ux_property_address_key",
           "ux_user_account_username_lower")


def _triggers(backend) -> dict[str, set[str]]:
    if backend == "sqlite":
        rows = db.session.execute(text("SELECT tbl_name, name FROM sqlite_master WHERE type = 'trigger'")).all()
    else:
        rows = db.session.execute(text("SELECT c.relname, t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                                       "WHERE NOT t.tgisinternal")).all()
    out: dict[str, set[str]] = {}
    for table, name in rows:
        out.setdefault(table, set()).add(name)
    return out


def test_guard_triggers_and_unique_indexes_are_in_place(app, backend):
    found = _triggers(backend)
    for table, names in TRIGGERS[backend].items():
        assert names <= found.get(table, set()), (table, names - found.get(table, set()))
    if backend == "sqlite":
        indexes = set(db.session.scalars(text("SELECT name FROM sqlite_master WHERE type = 'index'")))
    else:
        indexes = set(db.session.scalars(text("SELECT indexname FROM pg_indexes WHERE schemaname = 'public'")))
    assert set(INDEXES) <= indexes


def test_app_role_privileges(app, backend):
    if backend != "postgresql":
        pytest.skip("SQLite has no roles")
    q = lambda sql: db.session.scalar(text(sql))  # noqa: E731
    assert q("SELECT current_user") == "counter_app"
    assert not q("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
    assert q("SELECT tableowner FROM pg_tables WHERE tablename = 'journal_entry'") != "counter_app"
    for table in ("journal_entry", "audit_entry", "audit_chain", "ledger_anchor", "remittance", "lease_event",
                  "printed_document", "assessment_record"):
        assert q(f"SELECT has_table_privilege('{table}', 'INSERT')") and q(f"SELECT has_table_privilege('{table}', 'SELECT')")
        for privilege in ("UPDATE", "DELETE", "TRUNCATE", "TRIGGER", "REFERENCES"):
            assert not q(f"SELECT has_table_privilege('{table}', '{privilege}')"), (table, privilege)
    assert q("SELECT has_column_privilege('receipt', 'status', 'UPDATE')")
    for column in ("total_fen", "first_month", "lease_id", "receipt_number", "repeat_reason"):
        assert not q(f"SELECT has_column_privilege('receipt', '{column}', 'UPDATE')"), column
    assert not q("SELECT has_table_privilege('receipt', 'DELETE')")
    assert not q("SELECT has_schema_privilege('public', 'CREATE')")


def test_grant_command_is_idempotent_and_role_creation_safe_at_once(app, backend):
    from counter import create_app

    if backend != "postgresql":
        result = app.test_cli_runner().invoke(args=["db", "grant-app-role"])
        assert result.exit_code == 0 and "SQLite has no roles" in result.output
        return
    owner = create_app({"SQLALCHEMY_DATABASE_URI": app.config["TEST_OWNER_URL"], "SECRET_KEY": "x",
                        "LEDGER_HMAC_KEY": "k", "INSTANCE_PATH": app.instance_path})
    with owner.app_context():  # the command runs in the current app context: the owner's here
        for _ in range(2):
            result = owner.test_cli_runner().invoke(args=["db", "grant-app-role"])
            assert result.exit_code == 0, result.output
            assert "Role counter_app can now use this database" in result.output
        db.engine.dispose()
    # several databases of one cluster creating the (cluster-wide) role at the same moment
    from counter.core.privileges import PrivilegeError, ensure_role

    eng = create_engine(app.config["TEST_OWNER_URL"])
    role = "counter_app_probe"
    with eng.begin() as conn:
        conn.execute(text(f"DROP ROLE IF EXISTS {role}"))
    barrier, errors = threading.Barrier(6), []

    def create():
        try:
            with eng.begin() as conn:
                barrier.wait()
                ensure_role(conn, role)
        except Exception as exc:  # noqa: BLE001
            errors.append(repr(exc))

    threads = [threading.Thread(target=create) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    try:
        assert errors == []
        with eng.begin() as conn:
            assert conn.scalar(text(f"SELECT count(*) FROM pg_roles WHERE rolname = '{role}'")) == 1
            with pytest.raises(PrivilegeError):
                ensure_role(conn, conn.scalar(text("SELECT current_user")))  # never the owner itself
    finally:
        with eng.begin() as conn:
            conn.execute(text(f"DROP ROLE IF EXISTS {role}"))
        eng.dispose()
