"""The production guard (issue 12): COUNTER_ENV=production refuses to start without SECRET_KEY, with demo users
or with the demo password, and says why; the CLI warns (so it can repair) and refuses to load demo data."""
from __future__ import annotations

from pathlib import Path

import pytest

from counter.extensions import db
from counter.production import ProductionConfigError
from security_testlib import clone_config


def _production(app, **overrides):
    from counter import create_app

    config = clone_config(app, COUNTER_ENV="production", **overrides)
    config.pop("SECRET_KEY", None)
    return create_app(config)


def _dispose(prod_app):
    with prod_app.app_context():
        db.engine.dispose()


@pytest.fixture
def no_secret(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)


@pytest.fixture
def secret(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "a-long-random-production-secret-0123456789")


def test_missing_secret_key_is_refused(app, no_secret):
    with pytest.raises(ProductionConfigError, match="SECRET_KEY is not set"):
        _production(app)
    assert not Path(app.config["INSTANCE_PATH"], "secret_key").exists()  # no key made up behind the office's back


def test_clean_production_database_starts(app, users, secret):
    prod = _production(app)
    try:
        assert prod.config["SECRET_KEY"] == "a-long-random-production-secret-0123456789"
        assert prod.test_client().get("/login").status_code == 200
    finally:
        _dispose(prod)


def test_demo_users_are_refused_with_the_reason(app, streets, secret):
    from counter.demo import seed_demo

    seed_demo()
    db.session.commit()
    with pytest.raises(ProductionConfigError) as exc:
        _production(app)
    message = str(exc.value)
    assert "30 demo users are active" in message and ".clerk" in message and "counter disable-user" in message
    assert "'admin' has the demo password" in message


def test_demo_password_on_admin_is_refused(app, users, secret):
    from counter.demo import DEMO_PASSWORD

    users["admin"].set_password(DEMO_PASSWORD)
    db.session.commit()
    with pytest.raises(ProductionConfigError, match="demo password"):
        _production(app)


def test_cli_warns_and_can_repair(app, streets, secret, capsys):
    from counter.demo import seed_demo

    seed_demo()
    db.session.commit()
    cli_app = _production(app, COUNTER_CLI=True)  # warns, does not refuse
    try:
        assert "WARNING (production)" in capsys.readouterr().err
        from counter.cli import main

        runner = cli_app.test_cli_runner()
        with cli_app.app_context():  # the commands run in the production app, not the test's
            refused = runner.invoke(main, ["seed-demo"])
            assert refused.exit_code != 0 and "production" in refused.output  # demo data never into production
            assert runner.invoke(main, ["disable-user", "nanyuan.clerk"]).exit_code == 0
            result = runner.invoke(main, ["set-password", "admin", "--password", "office keeper 2026"])
            assert result.exit_code == 0, result.output
            db.session.remove()
    finally:
        _dispose(cli_app)


def test_demo_mode_is_unaffected(app, streets, no_secret):
    from counter import create_app
    from counter.demo import seed_demo

    seed_demo()
    db.session.commit()
    config = clone_config(app)
    config.pop("SECRET_KEY")
    demo = create_app(config)  # demo: a key is generated under instance/
    try:
        assert demo.config["SECRET_KEY"]
    finally:
        _dispose(demo)
