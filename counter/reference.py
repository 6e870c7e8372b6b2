"""Reference data every installation needs (not demo data): the streets, and what modules add
(e.g. the shipped rate schedules) through ``register_reference(app, fn)``. Idempotent."""
from __future__ import annotations

from flask import Flask, current_app

from counter.extensions import db
from counter.streets.data import ensure_streets


def register_reference(app: Flask, fn) -> None:
    app.extensions.setdefault("counter_reference", []).append(fn)


def ensure_reference_data() -> None:
    ensure_streets(db.session)
    for fn in current_app.extensions.get("counter_reference", []):
        fn()
    db.session.flush()
