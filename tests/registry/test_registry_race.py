"""Two registry imports at the same moment (PostgreSQL): the version number is held by its unique index —
of two different registries one becomes the next version and the other is refused (nothing of it kept); of
the same registry twice, one version and one "unchanged"."""
from __future__ import annotations

import time

import click
from sqlalchemy import func, select

from counter.extensions import db
from counter.registry.importer import import_rows, read_rows
from counter.registry.models import RegistryImport, RegistryUnit

from registry_testlib import B_A, registry_csv, registry_rows
from tests.integrity.racelib import race


def _rows(extra=None):
    rows = registry_rows() + ([extra] if extra else [])
    return read_rows(registry_csv(rows).decode("utf-8-sig"))[1]


def _importer(rows, name):
    def act():
        try:
            result = import_rows(rows, file_name=name, encoding="utf-8")
            db.session.commit()
        except click.ClickException as exc:
            db.session.rollback()
            return ("refused", str(exc))
        return ("unchanged", result.unchanged.version) if result.unchanged else ("version", result.version.version)
    return act


def test_two_imports_at_once(app, pg_only, streets, monkeypatch):
    import counter.audit.service as audit

    original = audit.record

    def slow_record(*args, **kwargs):  # after the version's row, before the commit: the imports overlap
        time.sleep(0.5)
        return original(*args, **kwargs)

    monkeypatch.setattr(audit, "record", slow_record)
    base = db.session.scalar(select(func.max(RegistryImport.version)))
    x = _rows()
    y = _rows([B_A, B_A + "000150", "深圳市福田区南园街道福华路7号", "FT01", "", "", ""])
    results = race(app, _importer(x, "x.csv"), _importer(y, "y.csv"))
    assert sorted(r[0] for r in results) == ["refused", "version"], results
    assert db.session.scalar(select(func.max(RegistryImport.version))) == base + 1
    latest = db.session.scalar(select(RegistryImport).where(RegistryImport.version == base + 1))
    assert db.session.scalar(select(func.count(RegistryUnit.id)).where(RegistryUnit.version_id == latest.id)) == latest.units
    # the same registry twice at once: one version, one unchanged
    z = _rows([B_A, B_A + "000151", "深圳市福田区南园街道福华路7号", "FT01", "", "", ""])
    results = race(app, _importer(z, "z1.csv"), _importer(list(z), "z2.csv"))
    assert sorted(r[0] for r in results) == ["unchanged", "version"], results
    assert db.session.scalar(select(func.max(RegistryImport.version))) == base + 2
