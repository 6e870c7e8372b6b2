"""The bounded verification log (issue 12): a count per document and business day, not a row per anonymous
hit; the existing rows of the old log are counted into it by the migration (both databases)."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import create_engine, func, select, text

from counter.documents import services
from counter.documents.models import VerificationCount
from counter.extensions import db


def _document(streets, users):
    import counter.documents.services as documents
    from security_testlib import make_lease

    lease = make_lease(streets[0].id)
    db.session.flush()
    original, sign = documents.render_document, documents.signing.sign
    documents.render_document = lambda data: b"%PDF-1.4 stub"
    documents.signing.sign = lambda pdf, reason="": pdf
    try:
        doc = documents.print_certificate(lease).document
    finally:
        documents.render_document, documents.signing.sign = original, sign
    db.session.commit()
    return doc


def test_many_checks_make_one_row_per_day(app, streets, users, monkeypatch):
    app.config["RATELIMIT_ENABLED"] = False
    doc = _document(streets, users)
    public = app.test_client()
    for _i in range(40):
        assert public.get(f"/verify/{doc.verify_code}").status_code == 200
    for _i in range(10):  # unknown codes leave nothing behind
        assert public.get(f"/verify/{'B' * 20}").status_code == 404
    rows = db.session.scalars(select(VerificationCount)).all()
    assert [(r.document_id, r.checks) for r in rows] == [(doc.id, 40)]
    assert services.verification_counts([doc.id]) == {doc.id: 40}
    tomorrow = rows[0].day + timedelta(days=1)
    monkeypatch.setattr(services, "business_today", lambda: tomorrow)
    public.get(f"/verify/{doc.verify_code}")
    db.session.expire_all()
    assert sorted((r.day, r.checks) for r in db.session.scalars(select(VerificationCount))) == \
        [(tomorrow - timedelta(days=1), 40), (tomorrow, 1)]
    assert services.verification_counts([doc.id]) == {doc.id: 41}
    assert db.session.scalar(select(func.count()).select_from(VerificationCount)) == 2


def test_migration_counts_the_old_rows(app, backend, tmp_path):
    """0006 -> 0008 on a database of its own: the rows of verification_log become counts per day (UTC+8)."""
    from flask_migrate import downgrade, upgrade

    from counter import create_app
    from security_testlib import clone_config

    if backend == "sqlite":
        url, cleanup = f"sqlite:///{tmp_path / 'migrate.db'}", None
    else:
        base = app.config["TEST_OWNER_URL"]  # the owner creates schemas and runs migrations
        schema = "migration_h12_check"
        admin = create_engine(base, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
            conn.execute(text(f"CREATE SCHEMA {schema}"))
        url = base + ("&" if "?" in base else "?") + f"options=-csearch_path%3D{schema}"

        def cleanup():
            with admin.connect() as conn:
                conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
            admin.dispose()
    fresh = create_app(clone_config(app, SQLALCHEMY_DATABASE_URI=url))
    try:
        with fresh.app_context():
            upgrade(revision="0006")
            conn = db.session.connection()
            conn.execute(text("INSERT INTO street (id, code, short_code, reg_prefix, name_zh, name_en, office_name_zh, "
                              "window_address, window_phone) VALUES (1, '440304001', 'FT01', '南', '南园', "
                              "'Nanyuan', 'x', 'x', 'x')"))
            conn.execute(text("INSERT INTO printed_document (id, kind, year, seq, doc_number, verify_code, holder_name, "
                              "reprint_no, printed_by_name, printed_at, print_date, issue_date, street_id) VALUES "
                              "(1, 'certificate', 2026, 1, 'DOC-1', 'CODE1', 'x', 0, 'x', '2026-03-01 00:00:00', "
                              "'2026-03-01', '2026-03-01', 1)"))
            for at in ("2026-03-01 15:59:00", "2026-03-01 16:00:00", "2026-03-01 23:00:00", "2026-03-02 01:00:00"):
                conn.execute(text("INSERT INTO verification_log (document_id, at) VALUES (1, :at)"), {"at": at})
            db.session.commit()
            upgrade()
            rows = db.session.execute(text("SELECT document_id, day, checks FROM verification_count ORDER BY day")).all()
            days = [(r[0], r[1] if isinstance(r[1], date) else date.fromisoformat(r[1]), r[2]) for r in rows]
            # 15:59 UTC is 23:59 in Shenzhen (1 March); 16:00 UTC is already 2 March
            assert days == [(1, date(2026, 3, 1), 1), (1, date(2026, 3, 2), 3)]
            db.session.commit()
            downgrade(revision="0006")
            assert db.session.execute(text("SELECT count(*) FROM verification_log")).scalar() == 4
            db.session.commit()
            upgrade()
            db.session.remove()
            db.engine.dispose()
    finally:
        if cleanup:
            cleanup()
