"""Bounds on every field (issue 12): every form checks its text fields and bounds their length, search takes
``%``, ``_`` and ``\\`` literally on both databases, the importer applies the same bounds, and the database
holds every amount an accepted lease can produce (a lease at the maximum rent, collected over a whole
twenty-year term)."""
from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from flask_wtf import FlaskForm
from sqlalchemy import select

from counter.core.bounds import MONTHLY_RENT_MAX, TERM_YEARS_MAX
from counter.core.validation import CounterForm, add_years
from counter.extensions import db
from security_testlib import make_lease

TEXT_TYPES = {"StringField", "TextAreaField", "HiddenField", "PasswordField"}
# bounded elsewhere: the schedule text by MAX_FORM_MEMORY_SIZE (500 kB) and the schedule parser;
# the collection's hidden months by their parser (7 characters at most are ever accepted)
UNBOUNDED_ON_PURPOSE = {("ScheduleTextForm", "text")}


def _all_form_classes():
    import counter.models  # noqa: F401
    from counter import MODULES

    for name in MODULES:
        __import__(f"counter.{name}.blueprint")
    seen, todo = set(), list(FlaskForm.__subclasses__())
    while todo:
        cls = todo.pop()
        if cls not in seen:
            seen.add(cls)
            todo.extend(cls.__subclasses__())
    return sorted((c for c in seen if c.__module__.startswith("counter.")), key=lambda c: c.__qualname__)


def test_every_form_derives_from_counter_form(app):
    forms = _all_form_classes()
    assert len(forms) > 20
    strays = [f"{c.__module__}.{c.__qualname__}" for c in forms if not issubclass(c, CounterForm)]
    assert strays == [], "forms must derive from counter.core.validation.CounterForm"


def test_every_text_field_has_a_length_bound(app):
    from wtforms.validators import Length

    missing = []
    with app.test_request_context():
        for cls in _all_form_classes():
            form = cls(formdata=None)
            from counter.core.validation import _walk_fields

            for field in _walk_fields(form):
                if field.type not in TEXT_TYPES or field.name == "csrf_token":
                    continue
                bounded = any(isinstance(v, Length) and v.max and v.max > 0 for v in field.validators)
                if not bounded and (cls.__name__, field.name) not in UNBOUNDED_ON_PURPOSE:
                    missing.append(f"{cls.__name__}.{field.name}")
    assert missing == []


@pytest.mark.parametrize("term,expected", [("%", {"百分之%百"}), ("_", {"下_划线"}), ("\\", {"反\\斜杠"}),
                                           ("%%", set()), ("/", {"斜/杠"}), ("百", {"百分之%百"})])
def test_search_takes_wildcards_literally(app, streets, users, clerk_client, term, expected):
    from counter.leases.models import Party

    names = ["百分之%百", "下_划线", "反\\斜杠", "斜/杠", "普通人"]
    for name in names:
        lease = make_lease(streets[0].id)
        db.session.flush()
        party = db.session.get(Party, lease.tenants[0].party_id)
        party.name = name
    db.session.commit()
    html = clerk_client.get("/leases/", query_string={"name": term}).get_data(as_text=True)
    found = {n for n in names if n in html}
    assert found == expected, term


def test_receipt_and_audit_filters_take_wildcards_literally(app, streets, users, clerk_client, supervisor_client):
    assert clerk_client.get("/collection/", query_string={"q": "%"}).status_code == 200
    html = supervisor_client.get("/audit/", query_string={"action": "%"}).get_data(as_text=True)
    assert "auth.login" not in html  # no action starts with a literal %
    assert "auth.login" in supervisor_client.get("/audit/", query_string={"action": "auth."}).get_data(as_text=True)


def test_huge_page_numbers_are_clamped(clerk_client):
    for page in ("99999999999999999999", "-5", "0", "abc", "1e9", "９"):
        assert clerk_client.get("/leases/", query_string={"page": page}).status_code == 200, page


def test_huge_ids_in_urls_are_not_found(clerk_client):
    assert clerk_client.get("/leases/99999999999999999999").status_code == 404
    assert clerk_client.get("/leases/2147483648").status_code == 404


def _row(**overrides):
    from counter.core.timeutil import business_today
    from counter.leases.idnumbers import make_resident_id

    start = business_today() - timedelta(days=30)
    row = {"street": "FT01", "address": "福田区导入路1号", "room": "101", "floor_area": "50", "design_use": "住宅",
           "lease_use": "residential", "rented_area": "50", "signing_date": start.isoformat(),
           "start_date": start.isoformat(), "end_date": (add_years(start, 1) - timedelta(days=1)).isoformat(),
           "monthly_rent": "3500", "landlord1_name": "王伟", "landlord1_id_number": make_resident_id("44030419800101123"),
           "tenant1_name": "李娜", "tenant1_id_number": make_resident_id("44030419900215456")}
    row.update(overrides)
    return row


@pytest.mark.parametrize("overrides,column,message", [
    ({"tenant1_name": "李\x00娜"}, "tenant1_name", "不允许"),
    ({"address": "福田区\u202e路1号"}, "address", "不允许"),
    ({"tenant1_name": "李" * 61}, "tenant1_name", "60"),
    ({"monthly_rent": "10000000.01"}, "monthly_rent", "10,000,000.00"),
    ({"monthly_rent": "1e20"}, "monthly_rent", "数字"),
    ({"monthly_rent": "NaN"}, "monthly_rent", "数字"),
    ({"start_date": "0001-01-01"}, "start_date", "1990"),
    ({"end_date": "9999-12-31"}, "end_date", "日期"),
    ({"external_ref": "R" * 65}, "external_ref", "64"),
])
def test_importer_applies_the_same_bounds(app, streets, overrides, column, message):
    from counter.leases.importer import import_rows

    result = import_rows([(2, _row(**overrides))])
    assert result.imported == 0 and len(result.rejected) == 1
    reason = result.rejected[0][1]
    assert column in reason and message in reason, reason


def test_importer_refuses_a_term_over_twenty_years(app, streets):
    from counter.core.timeutil import business_today
    from counter.leases.importer import import_rows

    start = business_today()
    result = import_rows([(2, _row(start_date=start.isoformat(), signing_date=start.isoformat(),
                                   end_date=add_years(start, TERM_YEARS_MAX).isoformat()))])
    assert result.imported == 0 and "20" in result.rejected[0][1]


def test_a_lease_at_the_maximum_rent_collects_its_whole_term(app, streets, users, clerk_client):
    """The largest amounts an accepted lease can produce fit every column (BIGINT fen on PostgreSQL): the
    maximum rent, a term of twenty years less a day, every month collected at once, day closed."""
    from counter.collection import services as collection
    from counter.collection.models import DayClose, JournalEntry, Receipt
    from counter.core.timeutil import business_today
    from counter.tax.models import AssessmentRecord

    max_fen = int(MONTHLY_RENT_MAX * 100)
    lease = make_lease(streets[0].id, days_ago=0, years=TERM_YEARS_MAX, rent_fen=max_fen)
    db.session.commit()
    assert lease.end_date == add_years(lease.start_date, TERM_YEARS_MAX) - timedelta(days=1)
    first, last = (str(m) for m in collection.lease_months(lease))  # the months its first and last periods start in
    page = clerk_client.get(f"/collection/lease/{lease.id}", query_string={"first": first, "last": last})
    assert page.status_code == 200
    key = uuid.uuid4().hex
    resp = clerk_client.post(f"/collection/lease/{lease.id}", data={
        "first_month": first, "last_month": last, "idempotency_key": key, "method": "transfer",
        "reference": "BIG-1"})
    assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]
    receipt = db.session.scalar(select(Receipt).where(Receipt.idempotency_key == key))
    assert receipt.total_fen > 2**31  # would not fit a 32-bit column
    lines = db.session.scalars(select(JournalEntry).where(JournalEntry.receipt_id == receipt.id)).all()
    assert sum(e.amount_fen for e in lines) == receipt.total_fen
    record = db.session.get(AssessmentRecord, receipt.assessment_record_id)
    assert record.total_fen == receipt.total_fen
    # the whole term's tax printed and shown, then voided (a negative amount as large), and the day closed
    assert clerk_client.get(f"/collection/receipt/{receipt.id}").status_code == 200
    db.session.commit()
    collection.void_receipt(receipt, "测试作废", actor=users["supervisor_a"])
    db.session.commit()
    dc = collection.close_day(users["clerk_a"], business_today(), receipt.total_fen)
    db.session.commit()
    assert db.session.get(DayClose, dc.id).counted_cash_fen == receipt.total_fen
    assert clerk_client.get("/collection/").status_code == 200
