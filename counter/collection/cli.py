"""``counter ledger ...``: the ledger command group. ``verify`` checks every street's journal hash chain.

Other modules add subcommands with ``from counter.collection.cli import ledger_cli`` and
``@ledger_cli.command(...)``; :func:`counter.collection.blueprint.init_app` registers the group."""
from __future__ import annotations

import click
from flask.cli import AppGroup


ledger_cli = AppGroup("ledger", help="Street ledgers (台账): verification and maintenance.")


@ledger_cli.command("verify")
@click.option("--street", "street_code", default=None, help="Only this street (code 440304001 or short code FT01).")
def verify_command(street_code):
    """Recompute the journal hash chains; print OK or the first broken link (exit status 1)."""
    from sqlalchemy import or_, select

    from counter.collection.services import verify_chain
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
        problems = verify_chain(street_id)
    db.session.rollback()
    if not problems:
        click.echo("OK: every journal chain is intact.")
        return
    codes = dict(db.session.execute(select(Street.id, Street.code)).all())
    for p in problems:
        click.echo(f"BROKEN: street {codes.get(p.street_id, p.street_id)} (id {p.street_id}) "
                   f"seq {p.seq} id {p.id}: {p.problem}")
    raise SystemExit(1)
