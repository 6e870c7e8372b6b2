"""One original per document (issue 14): printing again from anywhere is a reprint (补打) with a reason and
a count, the database holds one original per lease version (and tenant, receipt, close, month), and two
windows printing the same certificate at once get one original and one refusal."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from counter.core.timeutil import business_today
from counter.documents import services
from counter.documents.models import PrintedDocument
from counter.extensions import db

from .conftest import make_lease


def _docs(**where) -> list[PrintedDocument]:
    stmt = select(PrintedDocument).order_by(PrintedDocument.id)
    for k, v in where.items():
        stmt = stmt.where(getattr(PrintedDocument, k) == v)
    return list(db.session.scalars(stmt))


def test_second_print_from_lease_page_is_a_reprint_and_register_counts_one_original(clerk_client, lease_a):
    first = clerk_client.post(f"/documents/lease/{lease_a.id}/certificate")
    assert first.status_code == 200
    original = _docs()[0]
    assert (original.reprint_no, original.is_original, original.lease_version) == (0, True, lease_a.version)
    page = clerk_client.get(f"/leases/{lease_a.id}").get_data(as_text=True)
    assert original.doc_number in page and 'name="reason"' in page and "补打" in page  # the button is a reprint now

    again = clerk_client.post(f"/documents/lease/{lease_a.id}/certificate")  # a stale page, no reason
    html = again.get_data(as_text=True)
    assert again.status_code == 422 and original.doc_number in html and "补打原因" in html
    assert len(_docs()) == 1

    reprint = clerk_client.post(f"/documents/lease/{lease_a.id}/certificate", data={"reason": "原件污损"})
    assert reprint.status_code == 200 and reprint.headers["Content-Type"] == "application/pdf"
    docs = _docs()
    assert [(d.reprint_no, d.original_id, d.reprint_reason, d.issue_date, d.is_original) for d in docs] == [
        (0, None, None, original.issue_date, True), (1, original.id, "原件污损", original.issue_date, None)]

    register = clerk_client.get("/documents/").get_data(as_text=True)
    assert "原件 1 份，补打 1 份" in register
    only = clerk_client.get("/documents/?print_kind=original").get_data(as_text=True)
    assert original.doc_number in only and docs[1].doc_number not in only
    assert docs[1].doc_number in clerk_client.get("/documents/?print_kind=reprint").get_data(as_text=True)


def test_slip_one_original_per_tenant_and_version(clerk_client, streets, users):
    lease = make_lease(streets[0].id, tenants=["李娜", "陈小明"], has_title=False)
    db.session.commit()
    a, b = (lp.party_id for lp in lease.tenants)
    url = f"/documents/lease/{lease.id}/slip"
    assert clerk_client.post(url, data={"tenant": a, "purpose": "学位申请", "paper": "A4"}).status_code == 200
    again = clerk_client.post(url, data={"tenant": a, "purpose": "学位申请", "paper": "A5"})
    assert again.status_code == 422 and "补打" in again.get_data(as_text=True)
    other_purpose = clerk_client.post(url, data={"tenant": a, "purpose": "积分入学", "paper": "A4", "reason": "再要一份"})
    assert other_purpose.status_code == 422 and "学位申请" in other_purpose.get_data(as_text=True)
    assert clerk_client.post(url, data={"tenant": a, "purpose": "学位申请", "paper": "A5",
                                        "reason": "学校要求A5"}).status_code == 200
    assert clerk_client.post(url, data={"tenant": b, "purpose": "学位申请", "paper": "A4"}).status_code == 200
    docs = _docs(kind="info_slip")
    assert [(d.holder_party_id, d.reprint_no, d.paper) for d in docs] == [(a, 0, "A4"), (a, 1, "A5"), (b, 0, "A4")]
    form = clerk_client.get(url).get_data(as_text=True)
    assert docs[0].doc_number in form and docs[2].doc_number in form  # the slips issued for this version


def test_the_database_holds_one_original(app, clerk_client, lease_a):
    """Bypassing every check in Python, a second original of the same lease version is refused by the
    partial unique index (both databases)."""
    clerk_client.post(f"/documents/lease/{lease_a.id}/certificate")
    first = _docs()[0]
    twin = PrintedDocument(**{c.name: getattr(first, c.name) for c in PrintedDocument.__table__.columns
                              if c.name not in ("id", "seq", "doc_number", "verify_code")},
                           seq=first.seq + 1, doc_number=first.doc_number + "X", verify_code="X" * 20)
    db.session.add(twin)
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
    # an older row without is_original (printed before the rule) is outside the index
    legacy = PrintedDocument(**{c.name: getattr(first, c.name) for c in PrintedDocument.__table__.columns
                                if c.name not in ("id", "seq", "doc_number", "verify_code", "is_original")},
                             seq=first.seq + 2, doc_number=first.doc_number + "L", verify_code="L" * 20)
    db.session.add(legacy)
    db.session.flush()
    db.session.rollback()


def test_ledger_report_and_day_close_are_one_original_until_their_facts_change(finance_client, clerk_client,
                                                                                lease_a, users):
    from counter.collection import services as svc

    start, _end = svc.lease_months(lease_a)
    svc.collect(lease_a, str(start), str(start), "cash", None, "orig-1", clerk=users["clerk_a"])
    db.session.commit()
    today = business_today()
    form = {"year": today.year, "month": today.month}
    assert finance_client.post("/documents/ledger-report", data=form).status_code == 200
    assert finance_client.post("/documents/ledger-report", data=form).status_code == 422
    assert finance_client.post("/documents/ledger-report", data={**form, "reason": "归档"}).status_code == 200
    first, copy = _docs(kind="ledger_report")
    assert (copy.original_id, copy.journal_seq) == (first.id, first.journal_seq)
    svc.collect(lease_a, str(start.add(1)), str(start.add(1)), "cash", None, "orig-2", clerk=users["clerk_a"])
    db.session.commit()
    assert services.document_status(first) == ("superseded", "ledger_changed")
    with pytest.raises(services.DocumentError, match="已被取代"):
        services.reprint(first, "归档")  # it would show other facts than its original
    db.session.rollback()
    assert finance_client.post("/documents/ledger-report", data=form).status_code == 200  # a new original
    newer = _docs(kind="ledger_report")[-1]
    assert newer.reprint_no == 0 and newer.journal_seq > first.journal_seq
    assert services.successor_of(first).id == newer.id

    dc = svc.close_day(users["clerk_a"], today, 0)
    db.session.commit()
    assert clerk_client.post(f"/documents/day-close/{dc.id}").status_code == 200
    assert clerk_client.post(f"/documents/day-close/{dc.id}").status_code == 422
    assert clerk_client.post(f"/documents/day-close/{dc.id}", data={"reason": "交财务"}).status_code == 200
    sheets = _docs(kind="day_close")
    assert [s.reprint_no for s in sheets] == [0, 1] and sheets[0].day_closed_at == dc.closed_at


def test_batch_reprints_only_with_a_reason(clerk_client, streets, users):
    leases = [make_lease(streets[0].id, tenant=name) for name in ("赵一", "钱二")]
    db.session.commit()
    data = {"kind": "info_slip", "purpose": "学位申请", "paper": "A4"}
    assert clerk_client.post("/documents/batch", data={**data, "lease_ids": [leases[0].id]}).status_code == 200
    both = {**data, "lease_ids": [leases[0].id, leases[1].id]}
    refused = clerk_client.post("/documents/batch", data=both)
    assert refused.status_code == 422 and leases[0].registration_code in refused.get_data(as_text=True)
    assert clerk_client.post("/documents/batch", data={**both, "reason": "学校统一收取"}).status_code == 200
    assert [(d.lease_id, d.reprint_no) for d in _docs()] == [(leases[0].id, 0), (leases[0].id, 1), (leases[1].id, 0)]


def test_two_windows_print_the_same_certificate_at_once(app, pg_only, lease_a, monkeypatch):
    """Both windows pass the Python check before either inserts (a barrier inside): the unique index lets
    one original through and the other window gets a refusal (DocumentError), never a second original."""
    lease_id = lease_a.id
    db.session.commit()
    inner = threading.Barrier(2, timeout=30)
    real_new_document = services._new_document

    def new_document_after_both_checked(*args, **kwargs):
        inner.wait()
        return real_new_document(*args, **kwargs)

    monkeypatch.setattr(services, "_new_document", new_document_after_both_checked)
    start = threading.Barrier(2, timeout=30)
    outcomes: list[str] = []

    def window():
        from counter.leases.models import Lease

        with app.app_context():
            try:
                lease = db.session.get(Lease, lease_id)
                start.wait()
                services.print_certificate(lease)
                db.session.commit()
                outcomes.append("original")
            except services.DocumentError as exc:
                db.session.rollback()
                outcomes.append("refused: " + exc.message)
            except BaseException as exc:  # noqa: BLE001
                db.session.rollback()
                outcomes.append(f"error: {exc!r}")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=window) for _ in range(2)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(60)
    db.session.expire_all()
    assert sorted(o.split(":")[0] for o in outcomes) == ["original", "refused"], outcomes
    originals = db.session.scalar(select(func.count()).select_from(PrintedDocument)
                                  .where(PrintedDocument.reprint_no == 0))
    assert originals == 1
    # the refused window's number was given back: the next document takes number 2
    monkeypatch.setattr(services, "_new_document", real_new_document)
    services.print_certificate(db.session.get(type(lease_a), lease_id), reason="窗口重试")
    db.session.commit()
    assert [d.seq for d in _docs()] == [1, 2]
