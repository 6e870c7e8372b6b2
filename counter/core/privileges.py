"""Least privilege on PostgreSQL (最小权限): the role the application connects as.

Two roles: the **owner** owns the schema and runs the migrations (``counter db upgrade``); the **app
role** (``DATABASE_APP_ROLE``, default ``counter_app``) is what the web workers connect as. The app role
is not the owner and not a superuser, so it cannot ``ALTER TABLE``, disable a trigger, ``TRUNCATE``,
``SET session_replication_role`` or create tables. Its privileges, table by table:

- append-only tables (every table with an ``<table>_append_only`` trigger: audit log and chain, journal,
  lease events, assessments, documents, remittances, bank statements, resolutions,
  anchors): ``SELECT, INSERT`` only;
- tables whose rows change in one declared way: ``SELECT, INSERT`` and ``UPDATE`` of those columns only
  (:data:`COLUMN_UPDATES`; each also guarded by a trigger from migration 0007): a receipt's status
  transition, a period's release, a serial counter's value, a clerk's day, a day close;
- :data:`POLICY`: the other tables, named; ``DELETE`` only where the application deletes (a lease's
  party links when the parties are amended, a draft rate schedule);
- any table not named here (added by a later migration): ``SELECT, INSERT, UPDATE, DELETE`` — name it.
- the sequences of the ``id`` columns: ``USAGE, SELECT``.

:func:`grant_app_role` creates the role when missing (idempotent and safe when several databases of one
cluster do it at once: roles are cluster-wide) and (re)grants exactly this. Run it as the owner after
every ``counter db upgrade``: ``counter db grant-app-role``.
"""
from __future__ import annotations

import re

from sqlalchemy import text

COLUMN_UPDATES: dict[str, tuple[str, ...]] = {
    "receipt": ("status", "void_reason", "voided_at", "voided_by_id"),
    "receipt_period": ("released_at", "released_by_id"),
    "serial_counter": ("last_value",),
    "clerk_day": ("closed",),
    "journal_rollup": ("amount_fen", "lines", "receipts"),  # the journal's daily sums (0014), never deleted
    "journal_day_total": ("amount_fen", "lines"),  # a street's day in the journal (0014), never deleted
    "day_close": ("status", "receipt_count", "totals", "counted_cash_fen", "expected_cash_fen", "variance_fen",
                  "variance_note", "closed_at", "signed_by_id", "signed_at", "reopened_by_id", "reopened_at",
                  "reopen_reason"),
    # issue 16: a pre-filing is used once and purged (its code and expiry never change); a slot's count;
    # appointments, tickets and outbox messages move through their states
    "prefiling": ("status", "data", "contact_phone", "used_at", "lease_id", "purged_at"),
    "appointment_slot": ("booked", "capacity"),
    "appointment": ("status", "slot_id", "cancelled_at", "contact_phone"),
    "queue_ticket": ("status", "called_at", "done_at", "window_no", "clerk_id"),
    "outbox_message": ("status", "attempts", "sent_at", "last_error", "recipient", "body"),
}
POLICY: dict[str, tuple[str, ...]] = {
    "alembic_version": ("SELECT",),
    "street": ("SELECT", "INSERT"),
    "user_account": ("SELECT", "INSERT", "UPDATE"),
    "property": ("SELECT", "INSERT", "UPDATE"),
    "party": ("SELECT", "INSERT", "UPDATE"),
    "lease": ("SELECT", "INSERT", "UPDATE"),
    "lease_party": ("SELECT", "INSERT", "UPDATE", "DELETE"),
    "rate_schedule_version": ("SELECT", "INSERT", "UPDATE", "DELETE"),  # drafts only: trigger of 0003
    "guidance_rent": ("SELECT", "INSERT", "UPDATE"),
    "rate_counter": ("SELECT", "INSERT", "UPDATE", "DELETE"),  # rate limits and login throttling (expired rows)
    "verification_count": ("SELECT", "INSERT", "UPDATE"),  # public checks: one upserted row per document and day
    "api_client": ("SELECT", "INSERT", "UPDATE"),  # API client systems (issue 17)
    "api_key": ("SELECT", "INSERT", "UPDATE"),  # hashed keys: revocation, last use
    "api_idempotency": ("SELECT", "INSERT", "UPDATE"),  # the answer is written once the first request ran
    "window_schedule": ("SELECT", "INSERT", "UPDATE"),  # a street window's hours (issue 16)
    "window_closed_day": ("SELECT", "INSERT", "DELETE"),  # its closed days: added and removed
}
DEFAULT = ("SELECT", "INSERT", "UPDATE", "DELETE")
APPEND_ONLY = ("SELECT", "INSERT")
_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


class PrivilegeError(RuntimeError):
    pass


def _ident(name: str) -> str:
    if not _NAME.match(name):
        raise PrivilegeError(f"not a plain role or table name: {name!r}")
    return f'"{name}"'


def table_privileges(conn) -> dict[str, str]:
    """{table: GRANT clause} for every table of the public schema, by the policy above."""
    tables = [r[0] for r in conn.execute(text(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"))]
    append_only = {r[0] for r in conn.execute(text(
        "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
        "JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = 'public' AND t.tgname = c.relname || '_append_only'"))}
    out = {}
    for table in tables:
        if table in append_only:
            out[table] = ", ".join(APPEND_ONLY)
        elif table in COLUMN_UPDATES:
            out[table] = f"SELECT, INSERT, UPDATE ({', '.join(COLUMN_UPDATES[table])})"
        else:
            out[table] = ", ".join(POLICY.get(table, DEFAULT))
    return out


def ensure_role(conn, role: str) -> str:
    """Create the login role when missing — idempotent, and safe when several databases of the cluster do
    it at the same moment (roles are cluster-wide: the loser's ``CREATE ROLE`` fails with duplicate_object
    or unique_violation, which is caught). Refuses a role that could bypass the grants. Returns it quoted."""
    quoted = _ident(role)
    me = conn.execute(text("SELECT current_user")).scalar()
    if role == me:
        raise PrivilegeError(f"the app role {role!r} must not be the role that owns the tables")
    conn.execute(text(
        "DO $$ BEGIN "
        f"CREATE ROLE {quoted} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS; "
        "EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; "  # created meanwhile by another database
        "END $$"))
    attrs = conn.execute(text("SELECT rolsuper, rolbypassrls, rolcreaterole FROM pg_roles WHERE rolname = :r"),
                         {"r": role}).one()
    if any(attrs):
        raise PrivilegeError(f"role {role!r} is a superuser or may bypass security: refused as the app role")
    return quoted


def grant_app_role(conn, role: str, password: str | None = None) -> list[str]:
    """Create ``role`` (LOGIN, no other attribute) if missing and grant it the policy on the current
    database; returns the tables that fell back to :data:`DEFAULT`. ``conn``: a SQLAlchemy connection of
    the owner (or a superuser), in a transaction the caller commits."""
    quoted = ensure_role(conn, role)
    if password:
        conn.execute(text(conn.execute(text("SELECT format('ALTER ROLE %I PASSWORD %L', :r, :p)"),
                                       {"r": role, "p": password}).scalar()))
    database = conn.execute(text("SELECT quote_ident(current_database())")).scalar()
    conn.execute(text(f"GRANT CONNECT ON DATABASE {database} TO {quoted}"))
    conn.execute(text(f"GRANT USAGE ON SCHEMA public TO {quoted}"))
    conn.execute(text(f"REVOKE CREATE ON SCHEMA public FROM {quoted}"))
    conn.execute(text(f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {quoted}"))
    policy = table_privileges(conn)
    for table, clause in policy.items():
        conn.execute(text(f"GRANT {clause} ON {_ident(table)} TO {quoted}"))
    conn.execute(text(f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {quoted}"))
    conn.execute(text(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {quoted}"))
    known = set(POLICY) | set(COLUMN_UPDATES)
    return sorted(t for t, clause in policy.items() if t not in known and clause == ", ".join(DEFAULT))


def app_url(owner_url: str, role: str, password: str | None = None) -> str:
    """The owner's database URL with the app role as the user (tests and the CI's servers)."""
    from sqlalchemy.engine import make_url

    url = make_url(owner_url).set(username=role, password=password)
    return url.render_as_string(hide_password=False)


def register_cli() -> None:
    """Add ``counter db grant-app-role`` to Flask-Migrate's ``db`` group (once)."""
    import click
    from flask.cli import with_appcontext
    from flask_migrate.cli import db as db_group

    from counter.extensions import db

    if "grant-app-role" in db_group.commands:
        return

    @db_group.command("grant-app-role")
    @click.option("--role", default=None, help="The login role the application connects as (default: "
                                               "DATABASE_APP_ROLE, else counter_app).")
    @click.option("--password-env", default=None, metavar="VAR",
                  help="Set the role's password from this environment variable.")
    @with_appcontext
    def grant_app_role_command(role, password_env):
        """PostgreSQL: create the application's role if missing and grant it the least it needs (run as the
        owner, after every `counter db upgrade`). See counter/core/privileges.py."""
        import os

        from flask import current_app

        if db.engine.dialect.name != "postgresql":
            click.echo("SQLite has no roles: nothing to grant (whoever can write the file can change it; "
                       "see the README's production section).")
            return
        role = role or current_app.config.get("DATABASE_APP_ROLE") or "counter_app"
        password = os.environ.get(password_env) if password_env else None
        if password_env and not password:
            raise click.UsageError(f"the environment variable {password_env} is empty")
        try:
            with db.engine.begin() as conn:
                defaulted = grant_app_role(conn, role, password)
        except PrivilegeError as exc:
            raise click.ClickException(str(exc)) from exc
        click.echo(f"Role {role} can now use this database with the application's privileges.")
        if defaulted:
            click.echo("Tables without a named policy (SELECT, INSERT, UPDATE, DELETE): " + ", ".join(defaulted))

