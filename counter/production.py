"""The production guard (生产环境检查): with ``COUNTER_ENV=production`` the app refuses to start when

- ``SECRET_KEY`` is not set in the environment (or the configuration): a key generated into
  ``instance/`` would differ between servers and sign sessions and verification codes with a secret
  nobody manages;
- a demo user is active (``nanyuan.clerk``, ``futian.finance``, ... from ``counter seed-demo``);
- the ``admin`` account still has the demo password.

It says why, in one message naming every problem and how to fix it. The ``counter`` command (CLI) only
warns about demo users and the demo password — so that an administrator can still disable them
(``counter disable-user``, ``counter set-password``) — but refuses a missing ``SECRET_KEY`` as well.
"""
from __future__ import annotations

import sys

from counter.config import is_production


class ProductionConfigError(RuntimeError):
    """The production configuration is unsafe; the message lists every problem."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("Refusing to start in production (COUNTER_ENV=production):\n"
                         + "\n".join(f"  - {p}" for p in problems))


def secret_key_problem(config: dict, env_secret: str | None) -> str | None:
    if env_secret or config.get("SECRET_KEY"):
        return None
    return ("SECRET_KEY is not set. Set the environment variable SECRET_KEY to a long random string, "
            "the same for every worker and server (python -c 'import secrets; print(secrets.token_urlsafe(48))').")


def demo_problems() -> list[str]:
    """Demo users and the demo password in the database (nothing when the schema is not created yet)."""
    from sqlalchemy import func, inspect, select

    from counter.auth.models import User
    from counter.demo import DEMO_PASSWORD, ROLE_NAMES
    from counter.extensions import db
    from counter.streets.data import STREETS

    if not inspect(db.engine).has_table("user_account"):
        return []
    demo_names = {f"{street[4].lower()}.{role}" for street in STREETS for role in ROLE_NAMES}
    found = db.session.scalars(select(User.username).where(User.active.is_(True),
                                                           func.lower(User.username).in_(demo_names))).all()
    problems = []
    if found:
        shown = ", ".join(sorted(found)[:5]) + (" ..." if len(found) > 5 else "")
        problems.append(f"{len(found)} demo users are active ({shown}). Disable them "
                        "(counter disable-user NAME, or the Users page) or use a database without demo data.")
    admin = db.session.scalar(select(User).where(func.lower(User.username) == "admin", User.active.is_(True)))
    if admin is not None and admin.check_password(DEMO_PASSWORD):
        problems.append("The account 'admin' has the demo password. Set a new one: counter set-password admin.")
    db.session.rollback()
    return problems


def check(app, *, env_secret: str | None, cli: bool = False) -> None:
    """Raise :class:`ProductionConfigError` when a production app must not start (CLI: warn on demo data)."""
    if not is_production(app.config):
        return
    from counter.extensions import db

    problems = []
    secret = secret_key_problem(app.config, env_secret)
    if secret:
        problems.append(secret)
    with app.app_context():
        try:
            demo = demo_problems()
        finally:
            db.session.remove()
        if demo and cli:
            for p in demo:
                print(f"WARNING (production): {p}", file=sys.stderr)
        else:
            problems.extend(demo)
        if problems:
            db.engine.dispose()  # the app is not going to serve: close its connections
            raise ProductionConfigError(problems)
