"""Every field of the reports' forms, with every value of the hostile-input corpus (tests/security/corpus.py):
never a 500, nothing written by a refused adoption. (The whole-app corpus, tests/security/test_corpus.py, finds
these pages too; this is the reports' own quick pass.)"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "security"))

from corpus import CORPUS  # noqa: E402


def _sendable(value: str) -> bool:  # lone surrogates cannot be URL-encoded by the test client
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


# every third value of the corpus (the whole-app corpus sends them all), and the ones that broke forms before
VALUES = list(dict.fromkeys(v for v in CORPUS[::3] + [" ", "\u3000", "１２３４５", "2026-02-30", "1e20", "NaN", "-1",
                                                      "A" * 100_000, "0"] if _sendable(v)))


def test_reports_survive_the_corpus(app, streets, users, login, filings):
    from sqlalchemy import func, select

    from counter.extensions import db
    from counter.tax.models import GuidanceRent

    for fen in (500000, 200000, 440000, 420000, 400000):
        filings(streets[0].id, rent_fen=fen)
    db.session.commit()
    app.config["PROPAGATE_EXCEPTIONS"] = False
    c = app.test_client()
    login(c, "admin")
    before = db.session.scalar(select(func.count()).select_from(GuidanceRent))
    # one field of each kind (the others are the same field classes)
    gets = {"/reports/rents": ("street", "min_sample"), "/reports/annual": ("year",)}
    posts = ("effective_from", "legal_source", "rows-0-key", "rows-0-value")
    base = {"year": "2026", "effective_from": "2030-01-01", "legal_source": "文号",
            "rows-0-key": "440304001:residential", "rows-0-value": "40.00"}
    statuses = set()
    for value in VALUES:
        for path, names in gets.items():
            for name in names:
                resp = c.get(path, query_string={"year": "2026", name: value})
                assert resp.status_code < 500, (path, name, value)
                statuses.add(resp.status_code)
        for name in posts:
            data = {**base, name: value}
            if name == "legal_source" and value.strip() and len(value) <= 200 and value.isprintable():
                continue  # an acceptable legal source: it would adopt (tested in test_survey.py)
            resp = c.post("/reports/rents/guidance", data=data)
            assert resp.status_code < 500, (name, value)
            statuses.add(resp.status_code)
            if resp.status_code == 302:  # accepted: undo it for the next value
                db.session.rollback()
                raise AssertionError(f"adopted with {name}={value!r}")
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(GuidanceRent)) == before
    assert 422 in statuses and 200 in statuses
