"""Street isolation is enforced in one place (counter.core.scoping) for every StreetScoped model."""
from __future__ import annotations

import pytest
from sqlalchemy import Integer, String, select

from counter.core.db import StreetScoped
from counter.core.scoping import scoped_to, unrestricted
from counter.core.serials import next_serial
from counter.extensions import db


class Probe(StreetScoped, db.Model):
    """A throwaway street-owned table (created per test, not in the migrations)."""

    __tablename__ = "probe_scoped"
    id = db.Column(Integer, primary_key=True)
    label = db.Column(String(20))


def test_scope_hook_applies_to_get_and_select(app, streets, owner_table):
    """The hook proves isolation on any StreetScoped model: select, get() and empty scopes."""
    a, b = streets[0].id, streets[1].id
    db.session.commit()
    owner_table(Probe.__table__)
    try:
        db.session.add_all([Probe(id=1, street_id=a, label="a"), Probe(id=2, street_id=b, label="b")])
        db.session.commit()
        with scoped_to((a,)):
            assert [p.label for p in db.session.scalars(select(Probe))] == ["a"]
            db.session.expunge_all()
            assert db.session.get(Probe, 2) is None
            assert db.session.get(Probe, 1).label == "a"
        db.session.expunge_all()
        with scoped_to((b,)):
            assert [p.label for p in db.session.scalars(select(Probe))] == ["b"]
        with scoped_to(()):
            assert db.session.scalars(select(Probe)).all() == []
        with unrestricted():
            assert len(db.session.scalars(select(Probe)).all()) == 2
    finally:
        db.session.rollback()


def test_serial_numbers_start_at_one_and_are_per_street_and_year(app, streets):
    a, b = streets[0].id, streets[1].id
    assert [next_serial("lease", a, 2026) for _ in range(3)] == [1, 2, 3]
    assert next_serial("lease", b, 2026) == 1
    assert next_serial("lease", a, 2027) == 1
    assert next_serial("receipt", a, 2026) == 1
    db.session.rollback()
    assert next_serial("lease", a, 2026) == 1  # a rolled-back number is given back: no gap


def test_scope_boundary_orm_columns_filtered_core_table_and_connection_not(app, streets, owner_table):
    """Pins where the hook stops (SQLAlchemy 2): ORM column selects, aggregates and subqueries of a
    StreetScoped class are filtered; Core selects of its Table and statements run on
    ``session.connection()`` are not — such code must filter by ``current_scope()`` itself."""
    from sqlalchemy import func

    a, b = streets[0].id, streets[1].id
    db.session.commit()
    owner_table(Probe.__table__)
    try:
        db.session.add_all([Probe(id=1, street_id=a, label="a"), Probe(id=2, street_id=b, label="b")])
        db.session.commit()
        with scoped_to((a,)):
            assert db.session.scalars(select(Probe.label)).all() == ["a"]
            assert db.session.scalar(select(func.count(Probe.id))) == 1
            assert db.session.scalar(select(func.count()).select_from(select(Probe).subquery())) == 1
            assert db.session.scalar(select(func.count()).select_from(Probe).where(
                Probe.id.in_(select(Probe.id)))) == 1
            # not filtered: the Table, and the session's connection
            assert len(db.session.execute(select(Probe.__table__)).all()) == 2
            assert len(db.session.connection().execute(select(Probe.label)).all()) == 2
    finally:
        db.session.rollback()
