"""The reproductions of issue 11, on PostgreSQL: two *different* actions released at the same instant
(``threading.Barrier``) through the real forms (Flask test client, one session per request as in
production). Each gives one success and one clear refusal in the user's language (or one consistent
outcome), nothing half-written, and ``verify_ledger`` finds nothing."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from counter.collection import services as svc
from counter.collection.integrity import verify_ledger
from counter.collection.models import DayClose, JournalEntry, Receipt, ReceiptPeriod
from counter.core.timeutil import business_today
from counter.extensions import db
from fees import YearMonth

from tests.integrity.racelib import collect_form, collect_key, make_lease, make_user, post, race

ROUNDS = 4


@pytest.fixture
def window(app, pg_only, users, streets, login):
    """Logged-in clients: two clerks and two supervisors of street A, a finance user, two admins."""
    street = streets[0]
    make_user("clerk_a2", "clerk", street.id)
    make_user("supervisor_a2", "supervisor", street.id)
    make_user("finance_a2", "finance", street.id)
    make_user("admin2", "district_admin", None)
    clients = {}
    for name in ("clerk_a", "clerk_a2", "supervisor_a", "supervisor_a2", "finance_a", "finance_a2", "admin",
                 "admin2"):
        clients[name] = app.test_client()
        login(clients[name], name)
    clients["street"] = street
    return clients


def _clean():
    db.session.expire_all()
    assert [str(p) for p in verify_ledger()] == []


def _collect(lease, clerk, month: str):
    r = svc.collect(lease, month, month, "cash", None, f"setup-{lease.id}-{month}", clerk=clerk)
    db.session.commit()
    return r


def test_void_against_refund_reverses_once(app, window, users):
    street = window["street"]
    lease = make_lease(street.id)
    for i in range(ROUNDS):
        receipt = _collect(lease, users["clerk_a"], f"2024-{i + 1:02d}")
        kinds = ("void", "refund") if i % 2 == 0 else ("void", "void")
        answers = race(app, post(window["supervisor_a"], f"/collection/receipt/{receipt.id}/{kinds[0]}",
                                 {"reason": "录入错误"}),
                       post(window["supervisor_a2"], f"/collection/receipt/{receipt.id}/{kinds[1]}",
                            {"reason": "重复收款"}))
        assert sorted(a.status for a in answers) == [302, 422], [a.status for a in answers]
        loser = next(a for a in answers if a.status == 422)
        assert "该收据已作废或已退税。" in loser.text
        lines = db.session.scalars(select(JournalEntry).where(JournalEntry.receipt_id == receipt.id)).all()
        assert sum(e.amount_fen for e in lines) == 0  # balanced, never negative
        assert sum(e.kind != "collection" for e in lines) == sum(e.kind == "collection" for e in lines)
        assert db.session.get(Receipt, receipt.id).status in ("void", "refunded")
        assert db.session.scalar(select(func.count()).select_from(ReceiptPeriod).where(
            ReceiptPeriod.receipt_id == receipt.id, ReceiptPeriod.released_at.is_(None))) == 0
    _clean()


@pytest.mark.parametrize("who", ["same clerk, two tabs", "two clerks"])
def test_same_months_from_two_tabs_are_charged_once(app, window, who):
    street = window["street"]
    lease = make_lease(street.id)
    one, two = (window["clerk_a"], app.test_client()) if who == "same clerk, two tabs" else \
        (window["clerk_a"], window["clerk_a2"])
    if who == "same clerk, two tabs":
        two.set_cookie("session", window["clerk_a"].get_cookie("session").value)  # the same login, another tab
    for i in range(ROUNDS):
        first, last = f"2025-{2 * i + 1:02d}", f"2025-{2 * i + 2:02d}"
        k1, k2 = collect_key(one, lease.id, first, last), collect_key(two, lease.id, first, last)
        assert k1 != k2
        answers = race(app, post(one, f"/collection/lease/{lease.id}", collect_form(k1, first, last)),
                       post(two, f"/collection/lease/{lease.id}", collect_form(k2, first, last, "card")))
        assert sorted(a.status for a in answers) == [302, 422], [a.status for a in answers]
        loser = next(a for a in answers if a.status == 422)
        # the term starts on 2024-01-01: the rent periods these months name are the calendar months
        a, b = YearMonth.parse(first), YearMonth.parse(last)
        def zh(d):
            return f"{d.year}年{d.month}月{d.day}日"

        assert f"已缴期间：{zh(a.first_day)} 至 {zh(a.last_day)}, {zh(b.first_day)} 至 {zh(b.last_day)}" in loser.text \
            and "请填写重复缴纳的原因" in loser.text
        issued = db.session.scalars(select(Receipt).where(Receipt.lease_id == lease.id,
                                                          Receipt.first_month == first)).all()
        assert len(issued) == 1 and issued[0].repeat_reason is None
    # the same tab posted twice at once still gives one receipt
    key = collect_key(one, lease.id, "2026-01", "2026-01")
    form = collect_form(key, "2026-01", "2026-01")
    answers = race(app, post(one, f"/collection/lease/{lease.id}", form), post(one, f"/collection/lease/{lease.id}", form))
    assert [a.status for a in answers] == [302, 302] and answers[0].location == answers[1].location
    assert db.session.scalar(select(func.count()).select_from(Receipt).where(Receipt.idempotency_key == key)) == 1
    _clean()


def test_day_close_against_eight_collections_counts_each_receipt_or_refuses_it(app, window, users, login):
    street = window["street"]
    leases = [make_lease(street.id) for _ in range(8)]
    tabs = []
    for _ in range(8):
        c = app.test_client()
        login(c, "clerk_a")
        tabs.append(c)
    closer = window["clerk_a"]
    for rnd in range(3):
        month = f"2024-{rnd + 1:02d}"
        actions = [post(tabs[i], f"/collection/lease/{leases[i].id}",
                        collect_form(collect_key(tabs[i], leases[i].id, month, month), month, month))
                   for i in range(8)]
        # the close's confirmation (step 2) with the expected cash seen before the race: the figures read
        # under the day's lock equal it (then it closes) or differ (a collection landed first: refused)
        seen = db.session.scalar(select(func.coalesce(func.sum(JournalEntry.amount_fen), 0)).where(
            JournalEntry.clerk_id == users["clerk_a"].id, JournalEntry.business_date == business_today(),
            JournalEntry.method == "cash"))
        confirm = {"counted_cash": "0", "action": "confirm", "expected_cash": str(seen), "note": "未点现金",
                   "confirm_shortfall": "y"}
        actions.insert(rnd * 3 % 8, post(closer, "/collection/day-close", confirm))
        answers = race(app, *actions)
        close = answers[rnd * 3 % 8]
        if close.status == 422:  # a collection landed before the close read the figures: nothing closed
            assert "check the figures again" in close.text or "请重新核对" in close.text, close.text[:500]
            assert db.session.scalar(select(DayClose.id).where(DayClose.clerk_id == users["clerk_a"].id,
                                                               DayClose.status == "closed")) is None
            seen = db.session.scalar(select(func.coalesce(func.sum(JournalEntry.amount_fen), 0)).where(
                JournalEntry.clerk_id == users["clerk_a"].id, JournalEntry.business_date == business_today(),
                JournalEntry.method == "cash"))
            close = post(closer, "/collection/day-close", {**confirm, "expected_cash": str(seen)})()
        assert close.status == 302, close.text[:500]
        collected = [a for i, a in enumerate(answers) if i != rnd * 3 % 8]
        refused = [a for a in collected if a.status == 422]
        assert all("已日结，不能再入账" in a.text for a in refused)
        assert all(a.status in (302, 422) for a in collected)
        dc = db.session.scalar(select(DayClose).where(DayClose.clerk_id == users["clerk_a"].id,
                                                      DayClose.business_date == business_today()))
        issued = db.session.scalar(select(func.count()).select_from(Receipt).where(
            Receipt.clerk_id == users["clerk_a"].id, Receipt.business_date == business_today()))
        journal = db.session.scalar(select(func.coalesce(func.sum(JournalEntry.amount_fen), 0)).where(
            JournalEntry.clerk_id == users["clerk_a"].id, JournalEntry.business_date == business_today()))
        assert dc.status == "closed" and dc.receipt_count == issued  # every receipt is in the close ...
        assert dc.totals["total_fen"] == journal and dc.expected_cash_fen == journal  # ... to the fen
        _clean()
        # reopened by a supervisor for the next round
        assert window["supervisor_a"].post(f"/collection/day-close/{dc.id}/reopen",
                                           data={"reason": f"第{rnd + 1}轮"}).status_code == 302


@pytest.mark.parametrize("keyed_by", ["address and room", "house code"])
def test_one_new_property_registered_twice_at_once(app, window, keyed_by):
    from counter.leases.models import Lease, Property

    from tests.integrity.racelib import _n

    for i in range(3):
        n = next(_n)
        data = _lease_form(n, house=keyed_by == "house code")
        other = dict(data, **{"tenants-0-name": "赵敏", "tenants-0-id_number": _resident(f"11010519850707{n:03d}")})
        answers = race(app, post(window["clerk_a"], "/leases/new", data), post(window["clerk_a2"], "/leases/new", other))
        assert sorted(a.status for a in answers) == [302, 422], [a.status for a in answers]
        loser = next(a for a in answers if a.status == 422)
        assert "该房屋已有租期重叠的有效备案" in loser.text and 'name="confirm_overlap"' in loser.text
        props = db.session.scalars(select(Property).where(Property.address == data["address"])).all()
        assert len(props) == 1
        assert db.session.scalar(select(func.count()).select_from(Lease).where(Lease.property_id == props[0].id)) == 1
        # confirmed, it is registered on the same property, the overlap recorded
        winner = window["clerk_a"] if answers[0].status == 302 else window["clerk_a2"]
        loser_client = window["clerk_a2"] if winner is window["clerk_a"] else window["clerk_a"]
        again = loser_client.post("/leases/new", data=dict(other if winner is window["clerk_a"] else data,
                                                           confirm_overlap="y"))
        assert again.status_code == 302
        leases = db.session.scalars(select(Lease).where(Lease.property_id == props[0].id)).all()
        assert len(leases) == 2 and sum(lease.overlap_note is not None for lease in leases) == 1


def _resident(prefix17: str) -> str:
    from counter.leases.idnumbers import make_resident_id

    return make_resident_id(prefix17)


def _lease_form(n: int, *, house: bool) -> dict:
    start = business_today() - timedelta(days=10)
    end = start.replace(year=start.year + 1) - timedelta(days=1)
    code = f"4403040010000{n:06d}" if house else ""
    data = {
        "house_code": f"{code}{n % 1000:06d}" if house else "", "building_code": code,
        "address": f"深圳市福田区南园街道竞速路{n}号", "room": "1203", "floor_area": "88.50", "design_use": "residential",
        "has_title": "y", "landlords-0-name": "王伟", "landlords-0-id_type": "resident_id",
        "landlords-0-id_number": _resident(f"44030419800101{n:03d}"), "landlords-0-phone": "13800138000",
        "tenants-0-name": "李娜", "tenants-0-id_type": "resident_id",
        "tenants-0-id_number": _resident(f"44030419900215{n:03d}"),
        "lease_use": "residential", "rented_area": "88.50", "signing_date": (start - timedelta(days=2)).isoformat(),
        "start_date": start.isoformat(), "end_date": end.isoformat(), "monthly_rent": "4500.00", "deposit": "9000",
        "payment_cycle": "monthly",
    }
    for i in range(1, 4):
        data.update({f"tenants-{i}-name": "", f"tenants-{i}-id_type": "resident_id", f"tenants-{i}-id_number": ""})
    data.update({"landlords-1-name": "", "landlords-1-id_type": "resident_id", "landlords-1-id_number": "",
                 "agents-0-name": "", "agents-0-id_type": "credit_code", "agents-0-id_number": ""})
    return data


def test_reopen_against_sign_is_one_consistent_outcome(app, window, users):
    from counter.auth.models import User

    clerk = db.session.get(User, users["clerk_a"].id)
    outcomes = set()
    for rnd in range(ROUNDS):
        day = business_today() - timedelta(days=rnd + 1)
        dc = svc.close_day(clerk, day, 0)
        db.session.commit()
        answers = race(app, post(window["supervisor_a"], f"/collection/day-close/{dc.id}/sign"),
                       post(window["supervisor_a2"], f"/collection/day-close/{dc.id}/reopen", {"reason": "重点"}))
        dc = db.session.get(DayClose, dc.id)
        sign, reopen = answers
        assert reopen.status == 302  # a signed close can still be reopened; a reopened one cannot be signed
        if sign.status == 302:
            outcomes.add("signed, then reopened")
        else:
            assert sign.status == 422 and "只有已日结的营业日才能签字。" in sign.text
            outcomes.add("reopened, signature refused")
        assert dc.status == "reopened"
    _clean()
    assert outcomes  # which one wins is up to the scheduler; both are consistent


def test_two_remittances_of_one_period_do_not_exceed_what_was_collected(app, window, users):
    from counter.ledger.models import Remittance
    from counter.ledger.services import position

    street = window["street"]
    lease = make_lease(street.id)
    today = business_today()
    for i in range(ROUNDS):
        _collect(lease, users["clerk_a"], f"2024-{i + 1:02d}")
        outstanding = position(street.id, (today, today)).outstanding_fen
        form = {"period_start": today.isoformat(), "period_end": today.isoformat(), "remitted_on": today.isoformat(),
                "amount": f"{outstanding // 100}.{outstanding % 100:02d}"}
        answers = race(app, post(window["finance_a"], "/ledger/remittances", dict(form, reference=f"A{i}")),
                       post(window["finance_a2"], "/ledger/remittances", dict(form, reference=f"B{i}")))
        assert sorted(a.status for a in answers) == [302, 422], [a.status for a in answers]
        assert "超过该所属期的未解缴金额" in next(a for a in answers if a.status == 422).text
        pos = position(street.id, (today, today))
        assert pos.outstanding_fen == 0 and pos.remitted_fen == pos.collected_fen
    assert db.session.scalar(select(func.count()).select_from(Remittance)) == ROUNDS
    remittance = db.session.scalar(select(Remittance).limit(1))
    answers = race(app, post(window["finance_a"], f"/ledger/remittances/{remittance.id}/reverse", {"reason": "错"}),
                   post(window["finance_a2"], f"/ledger/remittances/{remittance.id}/reverse", {"reason": "误"}))
    assert sorted(a.status for a in answers) == [302, 422]
    assert "该解缴记录已冲销。" in next(a for a in answers if a.status == 422).text
    _clean()


def test_terminate_against_cancel_and_collect_against_cancel(app, window, users):
    from counter.leases.models import Lease

    street = window["street"]
    for i in range(ROUNDS):
        lease = make_lease(street.id, start=business_today() - timedelta(days=40),
                           end=business_today() + timedelta(days=300))
        answers = race(app, post(window["clerk_a"], f"/leases/{lease.id}/terminate",
                                 {"effective_date": business_today().isoformat(), "reason": "提前退租"}),
                       post(window["supervisor_a"], f"/leases/{lease.id}/cancel", {"reason": "备案有误"}))
        lease = db.session.get(Lease, lease.id)
        terminate, cancel = answers
        assert cancel.status == 302 and lease.status == "cancelled"  # a terminated filing can still be cancelled
        kinds = [e.kind for e in lease.events]
        if terminate.status == 302:  # terminated first, then cancelled: two steps, in order
            assert kinds[-2:] == ["terminate", "cancel"] and lease.ended_on == business_today()
        else:  # cancelled first: the termination is refused
            assert terminate.status == 422 and "只有有效的备案可以解除。" in terminate.text
            assert "terminate" not in kinds
        versions = [e.version for e in lease.events]
        assert versions == sorted(set(versions)) and lease.version == versions[-1]  # each change saw the last
    # a collection racing the cancellation: either collected before it, or refused after it
    lease = make_lease(street.id)
    month = "2024-05"
    key = collect_key(window["clerk_a"], lease.id, month, month)
    answers = race(app, post(window["clerk_a"], f"/collection/lease/{lease.id}", collect_form(key, month, month)),
                   post(window["supervisor_a"], f"/leases/{lease.id}/cancel", {"reason": "备案有误"}))
    assert answers[1].status == 302
    assert answers[0].status == 302 or "备案已注销" in answers[0].text
    _clean()


def test_two_admins_disabling_each_other(app, window, users):
    from counter.auth.models import User

    admin1, admin2 = users["admin"], db.session.scalar(select(User).where(User.username == "admin2"))
    race(app, post(window["admin"], f"/admin/users/{admin2.id}/active"),
         post(window["admin2"], f"/admin/users/{admin1.id}/active"))
    states = sorted(db.session.get(User, u.id).active for u in (admin1, admin2))
    assert states == [False, True]  # one disabled the other; the other found itself disabled
    from counter.audit.models import AuditEntry

    assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "user.active")) == 1
    _clean()


def test_one_draft_activated_twice_at_once(app, window):
    from counter.tax import services as tax
    from counter.tax.models import RateScheduleVersion

    active = db.session.scalar(select(RateScheduleVersion).where(RateScheduleVersion.status == "active")
                               .order_by(RateScheduleVersion.id).limit(1))
    for _ in range(2):
        draft = tax.create_version(tax.version_text(active), based_on=active)
        db.session.commit()
        answers = race(app, post(window["admin"], f"/tax/schedules/{draft.id}/activate"),
                       post(window["admin2"], f"/tax/schedules/{draft.id}/activate"))
        assert all(a.status < 500 for a in answers), [a.status for a in answers]
        assert db.session.scalar(select(func.count()).select_from(RateScheduleVersion).where(
            RateScheduleVersion.schedule_id == draft.schedule_id, RateScheduleVersion.status == "active")) == 1
        assert db.session.get(RateScheduleVersion, draft.id).status == "active"
        active = draft
    _clean()
