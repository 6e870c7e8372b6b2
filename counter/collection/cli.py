"""``counter ledger ...``: the ledger command group.

- ``verify`` runs every check of :func:`counter.collection.integrity.verify_ledger` (journal chains and
  their anchors, the audit chain, receipts against the journal, the periods receipts cover, day closes,
  receipt numbers) and exits 1 naming street, table, row and what differs;
- ``anchor`` seals the heads of every street's journal and of the audit log now (for a scheduled job:
  rows removed after the last anchor are the one thing the check cannot see, see docs/ledger-integrity.md).

Other modules add subcommands with ``from counter.collection.cli import ledger_cli`` and
``@ledger_cli.command(...)``; :func:`counter.collection.blueprint.init_app` registers the group."""
from __future__ import annotations

import click
from flask.cli import AppGroup


ledger_cli = AppGroup("ledger", help="Street ledgers (台账): verification and maintenance.")


@ledger_cli.command("verify")
@click.option("--street", "street_code", default=None, help="Only this street (code 440304001 or short code FT01).")
def verify_command(street_code):
    """Check the ledger; print OK, or every problem found (exit status 1)."""
    from sqlalchemy import or_, select

    from counter.collection.integrity import verify_ledger
    from counter.core.scoping import unrestricted
    from counter.extensions import db
    from counter.streets.models import Street

    street_id = None
    if street_code:
        street = db.session.scalar(select(Street).where(or_(Street.code == street_code,
                                                            Street.short_code == street_code)))
        if street is None:
            raise click.UsageError(f"unknown street {street_code!r}")
        street_id = street.id
    with unrestricted():  # every street's journal, deliberately
        problems = verify_ledger(street_id)
    db.session.rollback()
    if not problems:
        click.echo("OK: every journal chain, the audit chain, receipts, periods and day closes are intact."
                   if street_id is None else "OK: the street's journal chain, receipts, periods and day closes "
                   "are intact.")
        return
    names = {sid: (code, name) for sid, code, name in db.session.execute(select(Street.id, Street.code,
                                                                                Street.name_zh)).all()}
    for p in problems:
        code, name = names.get(p.street_id, (None, None))
        street = f"street {code} {name} (id {p.street_id})" if code else "district"
        where = p.table + (f" seq {p.seq}" if p.seq is not None else "") + (f" id {p.id}" if p.id is not None else "")
        click.echo(f"BROKEN: {street}: {where}: {p.problem}" + (f": {p.detail}" if p.detail else ""))
    click.echo(f"{len(problems)} problem(s) found.", err=True)
    raise SystemExit(1)


@ledger_cli.command("anchor")
def anchor_command():
    """Seal the current heads of every street's journal and of the audit log (a ledger anchor)."""
    from counter.collection.integrity import record_heads
    from counter.core.scoping import unrestricted
    from counter.extensions import db

    with unrestricted():
        anchors = record_heads("command")
    db.session.commit()
    for a in anchors:
        click.echo(f"anchored {a.chain} street {a.street_id} at seq {a.seq}: {a.head_hash[:16]}")
