"""The rental counter: the street windows' system for lease filing (房屋租赁合同登记备案), rental tax
collection (租赁税代征), printed proofs and street ledgers (台账)."""
from __future__ import annotations

from importlib import import_module
from pathlib import Path

from flask import Flask

from counter.config import PROJECT_ROOT, default_config, load_secret_key

# Domain packages, each with ``blueprint.py`` (``bp`` and optionally ``init_app(app)``).
MODULES = ("auth", "audit", "admin", "leases", "tax", "collection", "ledger", "documents", "verify")


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
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = load_secret_key(instance_path)
    if not app.config.get("LEDGER_HMAC_KEY"):
        from counter.core.ledger_key import load_ledger_key

        app.config["LEDGER_HMAC_KEY"] = load_ledger_key(instance_path)

    from counter import web
    from counter.db_setup import init_db

    init_db(app)
    web.init_app(app)
    _register_modules(app)
    return app


def _register_modules(app: Flask) -> None:
    for name in MODULES:
        try:
            module = import_module(f"counter.{name}.blueprint")
        except ModuleNotFoundError as exc:
            if exc.name in (f"counter.{name}", f"counter.{name}.blueprint"):
                continue  # module not built yet
            raise
        if hasattr(module, "bp"):
            app.register_blueprint(module.bp)
        if hasattr(module, "init_app"):
            module.init_app(app)
