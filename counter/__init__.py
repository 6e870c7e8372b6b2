"""The rental counter: the street windows' system for lease filing (房屋租赁合同登记备案), rental tax
collection (租赁税代征), printed proofs and street ledgers (台账)."""
from __future__ import annotations

import os
from importlib import import_module
from pathlib import Path

from flask import Flask

from counter.config import PROJECT_ROOT, default_config, is_production, load_secret_key

# Domain packages, each with ``blueprint.py`` (``bp`` and optionally ``init_app(app)``), in this order.
MODULES = ("auth", "audit", "admin", "leases", "tax", "collection", "ledger", "documents", "verify", "api", "scan",
           "reports", "registry", "prefiling")


def create_app(config: dict | None = None) -> Flask:
    """Application factory. ``config`` overrides the environment-derived defaults (tests use it)."""
    instance_path = Path((config or {}).get("INSTANCE_PATH") or PROJECT_ROOT / "instance")
    app = Flask(
        __name__,
        instance_path=str(instance_path),
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder="static",
    )
    app.config.update(default_config(instance_path))
    if config:
        app.config.update(config)
    env_secret = os.environ.get("SECRET_KEY")
    production = is_production(app.config)
    if not app.config.get("SECRET_KEY"):
        if env_secret:
            app.config["SECRET_KEY"] = env_secret
        elif not production:  # a window PC: generated once under instance/; production must set it
            app.config["SECRET_KEY"] = load_secret_key(instance_path)
    if not app.config.get("LEDGER_HMAC_KEY"):
        from counter.core.ledger_key import load_ledger_key

        app.config["LEDGER_HMAC_KEY"] = load_ledger_key(instance_path)
    _https_and_proxies(app)

    from counter import web
    from counter.db_setup import init_db

    init_db(app)
    web.init_app(app)
    _register_modules(app)
    if production:
        from counter.production import check

        check(app, env_secret=env_secret, cli=bool(app.config.get("COUNTER_CLI")))
    return app


def _https_and_proxies(app: Flask) -> None:
    """``COUNTER_HTTPS`` (or ``PREFERRED_URL_SCHEME=https``): cookies only over HTTPS, and HSTS (counter.web).
    ``COUNTER_TRUSTED_PROXIES=N``: the client address and scheme come from the N proxies in front (ProxyFix)."""
    if app.config.get("PREFERRED_URL_SCHEME") == "https":
        app.config["COUNTER_HTTPS"] = True
    if app.config.get("COUNTER_HTTPS"):
        app.config.update(PREFERRED_URL_SCHEME="https", SESSION_COOKIE_SECURE=True, REMEMBER_COOKIE_SECURE=True)
    proxies = int(app.config.get("COUNTER_TRUSTED_PROXIES") or 0)
    if proxies > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=0, x_port=0, x_prefix=0)


def _register_modules(app: Flask) -> None:
    for name in MODULES:
        module = import_module(f"counter.{name}.blueprint")
        if hasattr(module, "bp"):
            app.register_blueprint(module.bp)
        if hasattr(module, "init_app"):
            module.init_app(app)
