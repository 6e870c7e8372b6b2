"""Reference data every installation needs (not demo data): the streets, and what modules add
(e.g. the shipped rate schedules) through ``register_reference(app, fn)``. Idempotent.

Each registered ``fn(samples=...)`` loads sample data (developers' sample rates, invented guidance rents)
only when ``samples`` is true: ``seed-demo`` and ``counter load-reference --samples`` ask for them, a real
install's ``counter load-reference`` does not."""
from __future__ import annotations

from flask import Flask, current_app

from counter.extensions import db
from counter.streets.data import ensure_streets


def register_reference(app: Flask, fn) -> None:
    app.extensions.setdefault("counter_reference", []).append(fn)


def ensure_reference_data(samples: bool = False) -> None:
    ensure_streets(db.session)
    for fn in current_app.extensions.get("counter_reference", []):
        fn(samples=samples)
    db.session.flush()
