"""Issue 16: online pre-filing, appointments, the outbox, the queue at the window, service-time statistics."""
from __future__ import annotations

import re
from datetime import time, timedelta

import pytest
from sqlalchemy import func, select

from counter.core.scoping import unrestricted
from counter.core.timeutil import business_today
from counter.extensions import db
from counter.leases.models import Lease
from counter.leases.services import validate_input
from counter.prefiling import services
from counter.prefiling.codes import ALPHABET, SYMBOLS, canonical, code_hash
from counter.prefiling.models import Appointment, AppointmentSlot, OutboxMessage, Prefiling, Ticket

from tests.prefiling.prefiling_testlib import Recorder, form_data, open_window, prefile, tomorrow


def _count(model) -> int:
    with unrestricted():
        return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def window(app, streets):
    app.config["RATELIMIT_ENABLED"] = False
    open_window(streets[0].id)
    return streets[0]


def test_prefile_gives_an_unguessable_code_a_qr_and_nothing_of_a_filing(client, window, users):
    code = prefile(client, window.id)
    assert len(ALPHABET) == 32 and SYMBOLS * 5 >= 80 and not set("01IO") & set(ALPHABET)
    assert canonical(code.lower().replace("-", " ")) == code
    page = client.get(f"/prefile/{code}").get_data(as_text=True)
    assert code in page and "<svg" in page and 'id="bring"' in page
    with unrestricted():
        p = db.session.scalar(select(Prefiling))
        assert p.code_hash == code_hash(code) and code not in str(p.data)  # only the hash is stored
        assert p.data["tenants-0-name"] == "李娜" and p.status == "open"
    assert _count(Lease) == 0  # not a filing: no registration number, nothing in the ledger
    assert client.get("/prefile/PF-222222-222222-222222").status_code == 404


def test_bad_input_gets_the_windows_field_errors_and_writes_nothing(client, window):
    bad = {**form_data(**{"tenants-0-id_number": "440304199002154561", "monthly_rent": "-1"}), "street": str(window.id)}
    resp = client.post("/prefile", data=bad)
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert 'id="tenants-0-id_number-errors"' in html and 'id="monthly_rent-errors"' in html
    assert _count(Prefiling) == 0
    # the one service: a pre-filing's rules are the window's (same keys for the same input)
    from tests.leases.leases_testlib import lease_input

    data = lease_input(window.id, monthly_rent_fen=0)
    assert services.validate_prefiling(data).keys() == validate_input(lease_input(window.id, monthly_rent_fen=0)).keys()
    assert client.post("/prefile", data={**form_data(), "street": "999999"}).status_code == 422


def test_expired_prefilings_are_purged_by_the_command(app, client, window, monkeypatch):
    app.config["PREFILING_EXPIRY_DAYS"] = 0  # valid today only
    code = prefile(client, window.id)
    with unrestricted():
        p = db.session.scalar(select(Prefiling))
        appt, _ = services.book(window.id, tomorrow(), time(10, 0), "prefiling", prefiling=p)
    db.session.commit()
    assert client.get(f"/prefile/{code}").status_code == 200
    assert app.test_cli_runner().invoke(args=["purge-prefilings"]).output.startswith("0 ")  # not expired yet
    later = business_today() + timedelta(days=2)
    monkeypatch.setattr(services, "business_today", lambda: later)  # the day after its expiry
    result = app.test_cli_runner().invoke(args=["purge-prefilings"])
    assert result.exit_code == 0 and "1 expired pre-filings purged" in result.output, result.output
    db.session.expire_all()
    with unrestricted():
        p = db.session.get(Prefiling, p.id)
        assert p.status == "purged" and p.data is None and p.contact_phone is None and p.purged_at is not None
        assert db.session.get(Appointment, appt.id).contact_phone is None
        assert {m.recipient for m in db.session.scalars(select(OutboxMessage))} == {None}
        assert "李娜" not in str([m.body for m in db.session.scalars(select(OutboxMessage))])
    assert "李娜" not in client.get(f"/prefile/{code}").get_data(as_text=True)
    assert app.test_cli_runner().invoke(args=["purge-prefilings"]).output.startswith("0 ")


def test_book_cancel_move_and_a_full_slot(client, window):
    with unrestricted():
        services.save_schedule(window.id, time(0, 0), time(23, 45), 15, 1, 14, [])
    db.session.commit()
    day = tomorrow().isoformat()
    ok = client.post("/book", data={"street": window.id, "purpose": "slip", "day": day, "slot": "10:00",
                                    "contact_phone": "13800138000"})
    assert ok.status_code == 302
    ap_code = ok.headers["Location"].rsplit("/", 1)[1]
    assert ap_code.startswith("AP-")
    full = client.post("/book", data={"street": window.id, "purpose": "reprint", "day": day, "slot": "10:00"})
    assert full.status_code == 422 and 'id="slot-errors"' in full.get_data(as_text=True)
    closed = client.post("/book", data={"street": window.id, "purpose": "slip", "day": "2001-01-01", "slot": "10:00"})
    assert closed.status_code == 422
    assert _count(Appointment) == 1
    moved = client.post(f"/appointments/{ap_code}/move", data={"day": day, "slot": "11:00"})
    assert moved.status_code == 302
    with unrestricted():
        slots = {s.starts_at: s.booked for s in db.session.scalars(select(AppointmentSlot))}
    assert slots == {time(10, 0): 0, time(11, 0): 1}
    assert client.post("/book", data={"street": window.id, "purpose": "slip", "day": day,
                                      "slot": "10:00"}).status_code == 302  # the seat given back
    assert client.post(f"/appointments/{ap_code}/cancel").status_code == 302
    assert client.post(f"/appointments/{ap_code}/cancel").status_code == 409  # once
    with unrestricted():
        assert db.session.scalar(select(AppointmentSlot.booked).where(AppointmentSlot.starts_at == time(11, 0))) == 0
    assert "AP-" in client.get(f"/appointments/{ap_code}").get_data(as_text=True)


def test_a_slot_of_two_is_never_overbooked_by_twenty_clients(app, pg_only, window):
    from tests.integrity.racelib import race

    day, street_id = tomorrow(), window.id  # read here: the threads must not touch the test's session

    def booker(i):
        def run():
            try:
                services.book(street_id, day, time(9, 0), "slip", contact_phone=f"1380000{i:04d}")
                db.session.commit()
                return True
            except services.PrefilingError:
                db.session.rollback()
                return False
        return run

    results = race(app, *[booker(i) for i in range(20)])
    assert results.count(True) == 2
    with unrestricted():
        slot = db.session.scalar(select(AppointmentSlot))
        assert (slot.capacity, slot.booked) == (2, 2)
        assert db.session.scalar(select(func.count()).select_from(Appointment)) == 2


def test_outbox_confirmation_reminder_once_and_pluggable_sender(app, client, window):
    Recorder.sent = []
    app.config["OUTBOX_SENDER"] = "tests.prefiling.prefiling_testlib:Recorder"
    day = tomorrow().isoformat()
    assert client.post("/book", data={"street": window.id, "purpose": "slip", "day": day, "slot": "10:00",
                                      "contact_phone": "13800138000"}).status_code == 302
    with unrestricted():
        assert [m.kind for m in db.session.scalars(select(OutboxMessage))] == ["confirmation"]
    from datetime import datetime

    from counter.core.timeutil import office_tz

    eve = datetime.combine(business_today(), time(12, 0), tzinfo=office_tz())
    assert services.queue_reminders(eve) == 1 and services.queue_reminders(eve) == 1
    db.session.commit()
    with unrestricted():
        assert _count(OutboxMessage) == 2  # the reminder once (its dedupe key)
    result = app.test_cli_runner().invoke(args=["send-outbox", "--no-reminders"])
    assert result.exit_code == 0 and "2 messages sent" in result.output, result.output
    assert [r for r, _b in Recorder.sent] == ["13800138000", "13800138000"]
    assert app.test_cli_runner().invoke(args=["send-outbox"]).output.endswith("0 messages sent, 0 failed.\n")
    # the default: the logging sender; a failing gateway is recorded and retried
    app.config.pop("OUTBOX_SENDER")
    assert type(services.sender_from_config()).__name__ == "LoggingSender"


def test_queue_scan_prefill_register_once_and_statistics(app, client, window, users, login, supervisor_client):
    code = prefile(client, window.id)
    with unrestricted():
        p = db.session.scalar(select(Prefiling))
    clerk = app.test_client()
    login(clerk, "clerk_a")
    assert clerk.post("/queue/ticket").status_code == 302  # a walk-in: W001
    assert clerk.post("/queue/check-in", data={"code": code}).status_code == 302  # the pre-filer: W002
    assert clerk.post("/queue/check-in", data={"code": "PF-222222-222222-222222"}).status_code == 422
    with unrestricted():
        assert [t.number for t in db.session.scalars(select(Ticket).order_by(Ticket.number))] == [1, 2]
    assert clerk.post("/queue/call", data={"window_no": "3"}).status_code == 302
    page = clerk.get("/queue/").get_data(as_text=True)
    assert re.search(r'id="current-ticket">W001<', page)
    assert clerk.post("/queue/call", data={"window_no": "3"}).status_code == 409  # finish first
    ticket_id = int(re.search(r"/queue/(\d+)/finish", page).group(1))
    assert clerk.post(f"/queue/{ticket_id}/finish", data={"result": "done"}).status_code == 302
    clerk.post("/queue/call", data={"window_no": "3"})
    assert 'id="open-prefiling"' in clerk.get("/queue/").get_data(as_text=True)
    # the scanner: the code opens the registration form filled in from the pre-filing
    scan = clerk.get("/scan/", query_string={"q": code.lower()})
    assert scan.status_code == 302 and scan.headers["Location"].endswith(f"/leases/new?prefill=PFID:{p.id}")
    form = clerk.get(scan.headers["Location"]).get_data(as_text=True)
    assert 'value="李娜"' in form and 'id="prefilled"' in form and f'value="PFID:{p.id}"' in form
    other = app.test_client()
    login(other, "clerk_b")
    assert other.get("/scan/", query_string={"q": code}).status_code == 200  # another street: not found
    assert other.get(f"/leases/new?prefill=PFID:{p.id}").get_data(as_text=True).count('value="李娜"') == 0
    # registered with one confirmation; the pre-filing is used once
    data = {**form_data(), "prefill": f"PFID:{p.id}"}
    assert clerk.post("/leases/new", data=data).status_code == 302
    again = clerk.post("/leases/new", data={**data, "house_code": "4403040010000000001000102",
                                            "building_code": "4403040010000000001"})
    assert again.status_code == 422 and _count(Lease) == 1
    with unrestricted():
        p = db.session.get(Prefiling, p.id)
        assert p.status == "used" and p.lease_id is not None
    assert clerk.get("/scan/", query_string={"q": code}).status_code == 200  # used: nothing to open
    page = clerk.get("/queue/").get_data(as_text=True)
    ticket_id = int(re.search(r"/queue/(\d+)/finish", page).group(1))
    assert clerk.post(f"/queue/{ticket_id}/finish", data={"result": "done"}).status_code == 302
    # statistics: the supervisor's street, the district; CSV and Excel
    stats = supervisor_client.get("/queue/stats").get_data(as_text=True)
    assert 'id="per-clerk"' in stats and "clerk a" in stats and "共2张号" in stats
    csv = supervisor_client.get("/queue/stats.csv")
    assert csv.status_code == 200 and "clerk a" in csv.get_data(as_text=True)
    xlsx = supervisor_client.get("/queue/stats.xlsx")
    assert xlsx.status_code == 200 and xlsx.data[:2] == b"PK"
    assert clerk.get("/queue/stats").status_code == 403
    admin = app.test_client()
    login(admin, "admin")
    assert admin.get(f"/queue/stats?street={window.id}").status_code == 200
    assert admin.get("/queue/").status_code == 403


def test_schedule_is_edited_by_the_supervisor_and_closed_days_close_booking(client, window, supervisor_client):
    resp = supervisor_client.post("/queue/schedule", data={"opens_at": "08:30", "closes_at": "12:00",
                                                           "slot_minutes": "30", "windows": "3",
                                                           "booking_days": "7", "closed_weekdays": []})
    assert resp.status_code == 302
    assert supervisor_client.post("/queue/schedule", data={"opens_at": "12:00", "closes_at": "08:00",
                                                           "slot_minutes": "30", "windows": "3",
                                                           "booking_days": "7"}).status_code == 422
    day = tomorrow()
    assert supervisor_client.post("/queue/schedule/closed", data={"day": day.isoformat(), "note": "holiday"}).status_code == 302
    assert day not in services.open_days(window.id)
    assert client.post("/book", data={"street": window.id, "purpose": "slip", "day": day.isoformat(),
                                      "slot": "09:00"}).status_code == 422
    s = services.schedule_for(window.id)
    assert (s.windows, s.slot_minutes, s.booking_days) == (3, 30, 7)
    page = supervisor_client.get("/queue/schedule").get_data(as_text=True)
    day_id = int(re.search(r"/queue/schedule/closed/(\d+)/delete", page).group(1))
    assert supervisor_client.post(f"/queue/schedule/closed/{day_id}/delete").status_code == 302
    assert day in services.open_days(window.id)  # open again (the app role may delete a closed day)


def test_public_pages_are_rate_limited(app, client, window):
    app.config.update(RATELIMIT_ENABLED=True, RATE_LIMITS={"prefile": "2/minute", "book": "2/minute"})
    assert [client.get("/prefile").status_code for _ in range(3)] == [200, 200, 429]
    assert [client.get("/book").status_code for _ in range(3)] == [200, 200, 429]


def test_demo_data_shows_the_school_place_peak(app, streets, users):
    from counter.prefiling.demo import seed_demo_queue
    from counter.prefiling.stats import service_stats

    seed_demo_queue(days=400)
    db.session.commit()
    today = business_today()
    with unrestricted():
        st = service_stats(today - timedelta(days=400), today)
    spring = [n for m, n in st.months.items() if m.month in (4, 5, 6)]
    other = [n for m, n in st.months.items() if m.month not in (4, 5, 6) and n]
    assert min(spring) > 2 * max(other)


def test_call_next_takes_due_appointments_first_then_walk_ins_then_the_rest(app, window, users):
    from datetime import datetime, timezone

    from counter.core.scoping import scoped_to
    from counter.core.timeutil import utcnow

    street_id = window.id
    now = utcnow()
    with scoped_to((street_id,)):
        walk = services.issue_ticket(street_id)
        for number, due in ((2, now - timedelta(minutes=5)), (3, now + timedelta(hours=2))):  # as check_in makes them
            db.session.add(Ticket(street_id=street_id, day=business_today(), number=number, kind="appointment",
                                  status="waiting", due_at=due))
        db.session.commit()
        clerk = users["clerk_a"]
        order = [services.call_next(clerk, 1).number for _ in range(3)]
        assert order == [2, 1, 3] and services.call_next(clerk, 1) is None
        assert walk.number == 1 and datetime.now(timezone.utc) >= now
