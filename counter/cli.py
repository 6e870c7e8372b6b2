"""The ``counter`` command: Flask's CLI (run, shell, db upgrade, ...) plus the office's admin commands."""
from __future__ import annotations

import click
from flask.cli import FlaskGroup, with_appcontext

from counter import create_app
from counter.extensions import db


def _create_cli_app():
    """The CLI's app: in production it warns about demo data instead of refusing (so that it can fix it)."""
    return create_app({"COUNTER_CLI": True})


@click.group(cls=FlaskGroup, create_app=_create_cli_app, add_version_option=False)
def main():
    """Rental counter administration (租赁窗口系统管理命令)."""


@main.command("seed-demo")
@with_appcontext
def seed_demo_command():
    """Load demo streets, users (and module demo data) into an empty database."""
    from flask import current_app

    from counter.config import is_production
    from counter.demo import seed_demo

    if is_production(current_app.config):
        raise click.ClickException("COUNTER_ENV=production: demo data never goes into a real office's database "
                                   "(use counter load-reference and counter create-user).")
    loaded = seed_demo()
    db.session.commit()
    click.echo("Demo data loaded." if loaded else "Users exist already: demo data not loaded again.")


@main.command("load-reference")
@click.option("--samples", is_flag=True,
              help="Also load the SAMPLE rate schedules and guidance rents (demo and test installs only).")
@with_appcontext
def load_reference_command(samples):
    """Load or complete the reference data (streets; confirmed rate schedules); idempotent.

    Sample rate schedules and sample guidance rents are loaded only with --samples; production refuses
    to collect on them until an administrator confirms them."""
    from counter.reference import ensure_reference_data

    ensure_reference_data(samples=samples)
    db.session.commit()
    click.echo("Reference data is complete." + (" Sample rates and guidance rents are loaded: production "
                                                 "refuses to collect on them until they are confirmed."
                                                 if samples else ""))


@main.command("demo-logins")
@with_appcontext
def demo_logins_command():
    """Print the demo logins."""
    from counter.demo import DEMO_PASSWORD, demo_logins

    rows = demo_logins()
    click.echo("")
    click.echo(f"Demo logins (password for all: {DEMO_PASSWORD}):")
    for username, role, street in rows[:7]:
        click.echo(f"  {username:28} {role:15} {street}")
    if len(rows) > 7:
        click.echo(f"  ... and {len(rows) - 7} more: <street>.clerk / <street>.supervisor / <street>.finance "
                   "for nanyuan, yuanling, futian, shatou, xiangmihu, meilin, lianhua, huafu, huaqiangbei, fubao")
    click.echo("")


@main.command("create-user")
@click.option("--username", required=True)
@click.option("--role", type=click.Choice(["clerk", "supervisor", "finance", "district_admin"]), required=True)
@click.option("--street", "street_code", help="Street code (440304001) or short code (FT01); not for district_admin")
@click.option("--name", "display_name", help="Display name")
@click.password_option()
@with_appcontext
def create_user_command(username, role, street_code, display_name, password):
    """Create a user bound to a street (or a district administrator). The password must have 10 to 128
    characters of at least two kinds (letters, digits, others), not contain the user name and not be a
    common password."""
    from sqlalchemy import or_, select

    from counter.auth.services import UserError, create_user
    from counter.streets.models import Street

    street_id = None
    if street_code:
        street = db.session.scalar(select(Street).where(or_(Street.code == street_code, Street.short_code == street_code)))
        if street is None:
            raise click.BadParameter(f"unknown street {street_code}", param_hint="--street")
        street_id = street.id
    try:
        create_user(username, password, role, display_name or username, street_id)
    except UserError as exc:
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"User {username} created.")


def _user(username):
    from sqlalchemy import func, select

    from counter.auth.models import User

    user = db.session.scalar(select(User).where(func.lower(User.username) == username.lower()))
    if user is None:
        raise click.BadParameter(f"no user {username}", param_hint="USERNAME")
    return user


@main.command("set-password")
@click.argument("username")
@click.password_option()
@with_appcontext
def set_password_command(username, password):
    """Set a user's password (same policy as create-user); every session of the user ends, and a lock
    after failed logins is lifted."""
    from counter.auth.services import UserError, reset_password, unlock

    user = _user(username)
    try:
        reset_password(user, password)
    except UserError as exc:
        raise click.ClickException(str(exc)) from exc
    unlock(user)
    db.session.commit()
    click.echo(f"Password of {user.username} set; its sessions have ended.")


@main.command("disable-user")
@click.argument("username")
@with_appcontext
def disable_user_command(username):
    """Disable a login (e.g. the demo users of a database that becomes a real office's); its sessions end."""
    user = _user(username)
    user.active = False
    user.rotate_session_token()
    from counter.audit.service import record

    record("user.active", obj=user, street_id=user.street_id, before={"active": True}, after={"active": False})
    db.session.commit()
    click.echo(f"User {user.username} disabled.")
main.add_command(__import__("counter_dev.generate", fromlist=["generate_data_command"]).generate_data_command)

