"""Pre-filing, appointments, the queue and the outbox: the rules (flush only, never commit).

- A pre-filing is validated by the window's own rules (:func:`counter.leases.services.validate_input`,
  in the chosen street): what the window would refuse is refused here, with the same field errors.
- A slot is never overbooked: the one statement that books is ``UPDATE appointment_slot SET booked =
  booked + 1 WHERE id = :id AND booked < capacity RETURNING id`` (no row: full), under the table's
  ``CHECK (booked <= capacity)``. Cancelling gives the seat back with the appointment's own conditional
  update (``booked`` -> ``cancelled``, once).
- A pre-filing is used once: ``UPDATE prefiling SET status = 'used' WHERE id = :id AND status = 'open'``.
- Tickets are numbered per street and day by :func:`counter.core.serials.next_serial` (gap-free), under
  the unique (street, day, number); calling the next ticket is a conditional update ``waiting`` -> ``called``.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from counter.audit.service import record
from counter.core.db import dialect_insert, is_postgresql
from counter.core.i18n import fmt_date
from counter.core.scoping import scoped_to, unrestricted
from counter.core.serials import next_serial
from counter.core.timeutil import business_today, office_tz, to_local, utcnow
from counter.extensions import db
from counter.leases.services import LeaseError, LeaseInput, ValidationError, validate_input
from counter.prefiling.codes import canonical, code_hash, new_code
from counter.prefiling.models import (PURPOSES, Appointment, AppointmentSlot, ClosedDay, OutboxMessage, Prefiling,
                                      Ticket, WindowSchedule)
from counter.streets.models import Street

DEFAULT_EXPIRY_DAYS = 30


class PrefilingError(LeaseError):
    """A refused action of this module (field errors, '' for the whole form)."""


def expiry_days() -> int:
    return int(current_app.config.get("PREFILING_EXPIRY_DAYS", DEFAULT_EXPIRY_DAYS))


# --- pre-filing -----------------------------------------------------------------------------------

def validate_prefiling(data: LeaseInput) -> dict[str, list[str]]:
    """The window's rules for this lease, in the street the citizen chose (the property is looked up there)."""
    with scoped_to((data.street_id,)):
        return validate_input(data)


def create_prefiling(data: LeaseInput, fields: dict, contact_phone: str | None = None) -> tuple[Prefiling, str]:
    """A pre-filing of ``data`` (``fields``: the form's values as typed, to fill the window's form).
    Returns the row and its code (shown once; only its hash is kept). Nothing of a filing is written."""
    errors = validate_prefiling(data)
    if errors:
        raise ValidationError(errors=errors)
    code = new_code("PF")
    p = Prefiling(street_id=data.street_id, code_hash=code_hash(code), status="open", data=fields,
                  contact_phone=contact_phone or None, expires_on=business_today() + timedelta(days=expiry_days()))
    db.session.add(p)
    db.session.flush()
    record("prefiling.create", obj=p, summary=f"pre-filing {p.id}, expires {p.expires_on.isoformat()}")
    return p, code


def find_prefiling(code: str | None, *, scoped: bool = False) -> Prefiling | None:
    """The pre-filing of a code (any street for the public pages; ``scoped``: the current user's streets)."""
    code = canonical(code)
    if code is None or not code.startswith("PF-"):
        return None
    stmt = select(Prefiling).where(Prefiling.code_hash == code_hash(code))
    if scoped:
        return db.session.scalar(stmt)
    with unrestricted():
        return db.session.scalar(stmt)


def usable(p: Prefiling | None) -> bool:
    return p is not None and p.status == "open" and p.expires_on >= business_today() and p.data is not None


def mark_used(prefiling_id: int, lease) -> None:
    """Used once: the conditional update; a second registration from the same pre-filing is refused."""
    t = Prefiling.__table__
    done = db.session.execute(update(t).where(t.c.id == prefiling_id, t.c.status == "open",
                                              t.c.expires_on >= business_today())
                              .values(status="used", used_at=utcnow(), lease_id=lease.id).returning(t.c.id)).first()
    if done is None:
        raise PrefilingError(_("This pre-filing has been used or has expired."))
    record("prefiling.use", obj=lease, summary=f"pre-filing {prefiling_id} -> lease {lease.registration_code}")


def purge_expired(today: date | None = None) -> int:
    """Remove the personal data of every pre-filing past its expiry (the form's data, the phone numbers of
    it, its appointments and their messages). Returns how many were purged."""
    today = today or business_today()
    with unrestricted():
        ids = list(db.session.scalars(select(Prefiling.id).where(Prefiling.expires_on < today,
                                                                 Prefiling.status != "purged")))
        if not ids:
            return 0
        now = utcnow()
        t = Prefiling.__table__
        db.session.execute(update(t).where(t.c.id.in_(ids)).values(status="purged", data=None, contact_phone=None,
                                                                   purged_at=now))
        a = Appointment.__table__
        appts = list(db.session.scalars(select(Appointment.id).where(Appointment.prefiling_id.in_(ids))))
        if appts:
            db.session.execute(update(a).where(a.c.id.in_(appts)).values(contact_phone=None))
            o = OutboxMessage.__table__
            db.session.execute(update(o).where(o.c.appointment_id.in_(appts))
                               .values(recipient=None, body="[purged]"))
        record("prefiling.purge", summary=f"{len(ids)} expired pre-filings purged")
    db.session.flush()
    return len(ids)


# --- opening hours and slots ----------------------------------------------------------------------

def schedule_for(street_id: int) -> WindowSchedule | None:
    with unrestricted():
        return db.session.scalar(select(WindowSchedule).where(WindowSchedule.street_id == street_id))


def closed_days(street_id: int, start: date, end: date) -> set[date]:
    with unrestricted():
        return set(db.session.scalars(select(ClosedDay.day).where(ClosedDay.street_id == street_id,
                                                                  ClosedDay.day.between(start, end))))


def slot_times(schedule: WindowSchedule) -> list[time]:
    out, t = [], datetime.combine(date(2000, 1, 1), schedule.opens_at)
    end = datetime.combine(date(2000, 1, 1), schedule.closes_at)
    while t + timedelta(minutes=schedule.slot_minutes) <= end:
        out.append(t.time())
        t += timedelta(minutes=schedule.slot_minutes)
    return out


def open_days(street_id: int, today: date | None = None) -> list[date]:
    """The days a citizen may book at this street's window: today .. today + booking_days, not closed."""
    schedule = schedule_for(street_id)
    if schedule is None:
        return []
    today = today or business_today()
    last = today + timedelta(days=schedule.booking_days)
    closed = closed_days(street_id, today, last)
    return [d for d in (today + timedelta(days=i) for i in range(schedule.booking_days + 1))
            if not schedule.closed_on_weekday(d.weekday()) and d not in closed]


@dataclass
class SlotView:
    starts_at: time
    capacity: int
    booked: int

    @property
    def free(self) -> int:
        return max(0, self.capacity - self.booked)

    @property
    def value(self) -> str:
        return self.starts_at.strftime("%H:%M")


def slot_start(day: date, t: time) -> datetime:
    return datetime.combine(day, t, tzinfo=office_tz())


def day_slots(street_id: int, day: date) -> list[SlotView]:
    """The day's slots with their free seats (past slots of today left out)."""
    schedule = schedule_for(street_id)
    if schedule is None or day not in open_days(street_id):
        return []
    with unrestricted():
        rows = {s.starts_at: s for s in db.session.scalars(
            select(AppointmentSlot).where(AppointmentSlot.street_id == street_id, AppointmentSlot.day == day))}
    now = datetime.now(office_tz())
    out = []
    for t in slot_times(schedule):
        if slot_start(day, t) <= now:
            continue
        row = rows.get(t)
        out.append(SlotView(t, row.capacity if row else schedule.windows, row.booked if row else 0))
    return out


def _slot_row(street_id: int, day: date, t: time, capacity: int) -> int:
    stmt = dialect_insert(AppointmentSlot).values(street_id=street_id, day=day, starts_at=t, capacity=capacity,
                                                  booked=0).on_conflict_do_nothing(
        index_elements=["street_id", "day", "starts_at"])
    db.session.execute(stmt)
    with unrestricted():
        return db.session.scalar(select(AppointmentSlot.id).where(
            AppointmentSlot.street_id == street_id, AppointmentSlot.day == day, AppointmentSlot.starts_at == t))


def _take_seat(slot_id: int) -> bool:
    t = AppointmentSlot.__table__
    return db.session.execute(update(t).where(t.c.id == slot_id, t.c.booked < t.c.capacity)
                              .values(booked=t.c.booked + 1).returning(t.c.id)).first() is not None


def _give_seat(slot_id: int) -> None:
    t = AppointmentSlot.__table__
    db.session.execute(update(t).where(t.c.id == slot_id, t.c.booked > 0).values(booked=t.c.booked - 1))


def _check_slot(street_id: int, day: date | None, t: time | None) -> WindowSchedule:
    schedule = schedule_for(street_id)
    if schedule is None:
        raise PrefilingError(errors={"street": [_("This street's window takes no appointments.")]})
    if day is None or day not in open_days(street_id):
        raise PrefilingError(errors={"day": [_("The window is closed on that day, or it cannot be booked yet.")]})
    if t is None or t not in slot_times(schedule) or slot_start(day, t) <= datetime.now(office_tz()):
        raise PrefilingError(errors={"slot": [_("Choose one of the times offered.")]})
    return schedule


def book(street_id: int, day: date | None, t: time | None, purpose: str, *, prefiling: Prefiling | None = None,
         contact_phone: str | None = None, locale: str = "zh") -> tuple[Appointment, str | None]:
    """Book a seat of the slot. Returns the appointment and its own code (None for a pre-filing's: its code
    is the pre-filing's). Full, closed or past: :class:`PrefilingError` with a field error."""
    if purpose not in PURPOSES:
        raise PrefilingError(errors={"purpose": [_("Choose what the visit is for.")]})
    if purpose == "prefiling":
        if not usable(prefiling):
            raise PrefilingError(_("This pre-filing has been used or has expired."))
        street_id = prefiling.street_id
        contact_phone = contact_phone or prefiling.contact_phone
    schedule = _check_slot(street_id, day, t)
    slot_id = _slot_row(street_id, day, t, schedule.windows)
    if not _take_seat(slot_id):
        raise PrefilingError(errors={"slot": [_("This time is fully booked. Choose another one.")]})
    code = None if purpose == "prefiling" else new_code("AP")
    appt = Appointment(street_id=street_id, slot_id=slot_id, purpose=purpose,
                       prefiling_id=prefiling.id if prefiling is not None else None,
                       code_hash=code_hash(code) if code else None, contact_phone=contact_phone or None,
                       locale=locale if locale in ("zh", "en") else "zh", status="booked")
    try:
        with db.session.begin_nested():
            db.session.add(appt)
            db.session.flush()
    except IntegrityError:  # the pre-filing's one booked appointment (partial unique index)
        raise PrefilingError(_("This pre-filing has an appointment already: move or cancel it.")) from None
    enqueue(appt, "confirmation", day, t)
    record("appointment.book", obj=appt, summary=f"{purpose} {day.isoformat()} {t.strftime('%H:%M')}")
    return appt, code


def find_appointment(code: str | None) -> Appointment | None:
    """The booked (or arrived) appointment of an appointment code or of a pre-filing code."""
    code = canonical(code)
    if code is None:
        return None
    with unrestricted():
        if code.startswith("AP-"):
            return db.session.scalar(select(Appointment).where(Appointment.code_hash == code_hash(code)))
        p = find_prefiling(code)
        if p is None:
            return None
        return db.session.scalar(select(Appointment).where(Appointment.prefiling_id == p.id)
                                 .order_by(Appointment.status != "booked", Appointment.id.desc()).limit(1))


def cancel(appt: Appointment, *, notify: bool = True) -> None:
    a = Appointment.__table__
    done = db.session.execute(update(a).where(a.c.id == appt.id, a.c.status == "booked")
                              .values(status="cancelled", cancelled_at=utcnow()).returning(a.c.id)).first()
    if done is None:
        raise PrefilingError(_("This appointment is not booked any more."))
    _give_seat(appt.slot_id)
    if notify:
        enqueue(appt, "cancellation", appt.slot.day, appt.slot.starts_at)
    record("appointment.cancel", obj=appt)
    db.session.expire(appt)


def move(appt: Appointment, day: date | None, t: time | None) -> Appointment:
    """Another slot for the same appointment (its code stays): a seat of the new slot is taken by the
    conditional update, the old one given back, the appointment moved only while it is booked."""
    old_slot = appt.slot_id
    schedule = _check_slot(appt.street_id, day, t)
    slot_id = _slot_row(appt.street_id, day, t, schedule.windows)
    if slot_id == old_slot:
        raise PrefilingError(errors={"slot": [_("This is the time booked already.")]})
    if not _take_seat(slot_id):
        raise PrefilingError(errors={"slot": [_("This time is fully booked. Choose another one.")]})
    a = Appointment.__table__
    done = db.session.execute(update(a).where(a.c.id == appt.id, a.c.status == "booked", a.c.slot_id == old_slot)
                              .values(slot_id=slot_id).returning(a.c.id)).first()
    if done is None:
        raise PrefilingError(_("This appointment is not booked any more."))
    _give_seat(old_slot)
    db.session.expire(appt)
    enqueue(appt, "confirmation", day, t)
    record("appointment.move", obj=appt, summary=f"{day.isoformat()} {t.strftime('%H:%M')}")
    return appt


# --- the outbox -----------------------------------------------------------------------------------

def _message(kind: str, appt: Appointment, day: date, t: time) -> str:
    with unrestricted():
        street = db.session.get(Street, appt.street_id)
    with force_locale(appt.locale or "zh"):
        when = f"{fmt_date(day)} {t.strftime('%H:%M')}"
        place = street.name_zh if (appt.locale or "zh") == "zh" else street.name_en
        if kind == "confirmation":
            return _("Your appointment at the %(street)s window: %(when)s. Bring the original IDs and the contract.",
                     street=place, when=when)
        if kind == "reminder":
            return _("Reminder: your appointment at the %(street)s window is %(when)s.", street=place, when=when)
        return _("Your appointment at the %(street)s window on %(when)s is cancelled.", street=place, when=when)


def enqueue(appt: Appointment, kind: str, day: date, t: time) -> None:
    """One message in the outbox (a reminder once per appointment: its ``dedupe_key``)."""
    dedupe = f"reminder:{appt.id}" if kind == "reminder" else None
    stmt = dialect_insert(OutboxMessage).values(kind=kind, dedupe_key=dedupe, appointment_id=appt.id,
                                                recipient=appt.contact_phone, body=_message(kind, appt, day, t),
                                                status="pending", attempts=0, created_at=utcnow())
    db.session.execute(stmt.on_conflict_do_nothing(index_elements=["dedupe_key"]) if dedupe else stmt)


def queue_reminders(now: datetime | None = None, hours: int = 24) -> int:
    """A reminder for every booked appointment starting within ``hours`` (once each)."""
    now = now or utcnow()
    local = to_local(now)
    days = [local.date() + timedelta(days=i) for i in range(hours // 24 + 2)]
    n = 0
    with unrestricted():
        rows = db.session.execute(select(Appointment, AppointmentSlot).join(
            AppointmentSlot, AppointmentSlot.id == Appointment.slot_id).where(
            Appointment.status == "booked", AppointmentSlot.day.in_(days))).all()
        for appt, slot in rows:
            start = slot_start(slot.day, slot.starts_at)
            if local < start <= local + timedelta(hours=hours):
                enqueue(appt, "reminder", slot.day, slot.starts_at)
                n += 1
    return n


class LoggingSender:
    """The default sender: writes the message to the log (masked recipient). A gateway (SMS, e-mail) is a
    class with ``send(recipient, body)`` named by ``OUTBOX_SENDER`` ("package.module:Class")."""

    def __init__(self, app=None):
        self.sent: list[tuple[str | None, str]] = []

    def send(self, recipient: str | None, body: str) -> None:
        from counter.core.masking import mask_phone

        current_app.logger.info("outbox: to %s: %s", mask_phone(recipient) or "-", body)
        self.sent.append((recipient, body))


def sender_from_config(app=None):
    from werkzeug.utils import import_string

    app = app or current_app
    name = app.config.get("OUTBOX_SENDER") or "counter.prefiling.services:LoggingSender"
    return import_string(name.replace(":", "."))(app)


def send_pending(sender=None, limit: int = 500) -> tuple[int, int]:
    """Send the pending messages (oldest first); each is marked sent or failed (after 5 attempts) by a
    conditional update, so two senders never send one message twice. Returns (sent, failed)."""
    sender = sender or sender_from_config()
    o = OutboxMessage.__table__
    stmt = select(OutboxMessage).where(OutboxMessage.status == "pending").order_by(OutboxMessage.id).limit(limit)
    if is_postgresql():
        stmt = stmt.with_for_update(skip_locked=True)
    sent = failed = 0
    for msg in db.session.scalars(stmt).all():
        try:
            sender.send(msg.recipient, msg.body)
        except Exception as exc:  # noqa: BLE001 - a gateway's failure is recorded on the message
            attempts = msg.attempts + 1
            db.session.execute(update(o).where(o.c.id == msg.id).values(
                attempts=attempts, last_error=str(exc)[:200], status="failed" if attempts >= 5 else "pending"))
            failed += 1
        else:
            db.session.execute(update(o).where(o.c.id == msg.id, o.c.status == "pending")
                               .values(status="sent", sent_at=utcnow(), attempts=msg.attempts + 1))
            sent += 1
    db.session.expire_all()
    return sent, failed


# --- the queue ------------------------------------------------------------------------------------

def _day_key(day: date) -> int:
    return day.year * 10_000 + day.month * 100 + day.day


def issue_ticket(street_id: int, appointment: Appointment | None = None, prefiling: Prefiling | None = None) -> Ticket:
    """The next ticket of the street's day (gap-free), a walk-in's or an appointment's (due at its time)."""
    day = business_today()
    number = next_serial("ticket", street_id, _day_key(day))
    due = None
    if appointment is not None:
        due = slot_start(appointment.slot.day, appointment.slot.starts_at)
    ticket = Ticket(street_id=street_id, day=day, number=number,
                    kind="appointment" if appointment is not None else "walk_in",
                    appointment_id=appointment.id if appointment is not None else None,
                    prefiling_id=prefiling.id if prefiling is not None else None, status="waiting", due_at=due)
    db.session.add(ticket)
    db.session.flush()
    record("queue.ticket", obj=ticket, summary=ticket.label)
    return ticket


def check_in(code: str | None, street_id: int) -> Ticket:
    """The citizen arrives with a code: today's booked appointment in this street -> its ticket (due at
    its time); a pre-filing of this street without one today -> a walk-in ticket that carries it."""
    appt = find_appointment(code)
    if appt is None or appt.street_id != street_id or appt.slot.day != business_today() or appt.status != "booked":
        p = find_prefiling(code)
        if usable(p) and p.street_id == street_id:
            return issue_ticket(street_id, prefiling=p)
        raise PrefilingError(errors={"code": [_("No appointment today at this window for this code.")]})
    a = Appointment.__table__
    done = db.session.execute(update(a).where(a.c.id == appt.id, a.c.status == "booked")
                              .values(status="arrived").returning(a.c.id)).first()
    if done is None:
        raise PrefilingError(errors={"code": [_("This appointment has been cancelled or has a ticket already.")]})
    return issue_ticket(street_id, appt)


def waiting(street_id: int, day: date | None = None) -> list[Ticket]:
    day = day or business_today()
    return list(db.session.scalars(select(Ticket).where(Ticket.street_id == street_id, Ticket.day == day,
                                                        Ticket.status == "waiting").order_by(Ticket.number)))


def current_ticket(user) -> Ticket | None:
    return db.session.scalar(select(Ticket).where(Ticket.clerk_id == user.id, Ticket.status == "called",
                                                  Ticket.day == business_today()).order_by(Ticket.id.desc()).limit(1))


def _next_candidates(street_id: int, day: date, now: datetime):
    base = select(Ticket.id).where(Ticket.street_id == street_id, Ticket.day == day, Ticket.status == "waiting")
    due = base.where(Ticket.kind == "appointment", Ticket.due_at <= now).order_by(Ticket.due_at, Ticket.number)
    walk = base.where(Ticket.kind == "walk_in").order_by(Ticket.number)
    later = base.where(Ticket.kind == "appointment").order_by(Ticket.due_at, Ticket.number)
    return (due, walk, later)


def call_next(user, window_no: int | None = None) -> Ticket | None:
    """The next ticket for this clerk: appointments that are due first, then walk-ins by number, then
    appointments not yet due. Two clerks calling at once get two different tickets."""
    day, now = business_today(), utcnow()
    t = Ticket.__table__
    for stmt in _next_candidates(user.street_id, day, now):
        for _attempt in range(5):
            q = stmt.limit(1)
            if is_postgresql():
                q = q.with_for_update(skip_locked=True)
            ticket_id = db.session.scalar(q)
            if ticket_id is None:
                break
            done = db.session.execute(update(t).where(t.c.id == ticket_id, t.c.status == "waiting").values(
                status="called", called_at=now, clerk_id=user.id, window_no=window_no).returning(t.c.id)).first()
            if done is not None:
                ticket = db.session.get(Ticket, ticket_id)
                db.session.refresh(ticket)
                record("queue.call", obj=ticket, summary=ticket.label)
                return ticket
    return None


def finish(ticket: Ticket, user, status: str = "done") -> None:
    if status not in ("done", "no_show"):
        raise PrefilingError(_("Unknown result."))
    t = Ticket.__table__
    done = db.session.execute(update(t).where(t.c.id == ticket.id, t.c.status == "called").values(
        status=status, done_at=utcnow()).returning(t.c.id)).first()
    if done is None:
        raise PrefilingError(_("This ticket is not being served."))
    record(f"queue.{status}", obj=ticket, summary=ticket.label)
    db.session.expire(ticket)


def ticket_prefiling(ticket: Ticket) -> Prefiling | None:
    pid = ticket.prefiling_id or (ticket.appointment.prefiling_id if ticket.appointment is not None else None)
    return db.session.get(Prefiling, pid) if pid else None


def find_ticket_today(label: str, street_ids) -> Ticket | None:
    import re

    m = re.fullmatch(r"([AW])0*(\d{1,6})", label or "")
    if not m:
        return None
    kind = "appointment" if m.group(1) == "A" else "walk_in"
    return db.session.scalar(select(Ticket).where(Ticket.day == business_today(), Ticket.number == int(m.group(2)),
                                                  Ticket.kind == kind).limit(1))



# --- opening hours (the supervisor's or the district's screen) -------------------------------------

SCHEDULE_FIELDS = ("opens_at", "closes_at", "slot_minutes", "windows", "booking_days", "closed_weekdays")


def schedule_snapshot(s: WindowSchedule | None) -> dict | None:
    if s is None:
        return None
    return {f: (getattr(s, f).strftime("%H:%M") if isinstance(getattr(s, f), time) else getattr(s, f))
            for f in SCHEDULE_FIELDS}


def save_schedule(street_id: int, opens: time, closes: time, slot_minutes: int, windows: int, booking_days: int,
                  closed_weekdays: list[int], before: dict | None = None) -> WindowSchedule:
    """Create or change a street's hours. Slots already made keep their bookings; the capacity of future
    slots follows the number of windows (never below what is booked)."""
    s = db.session.scalar(select(WindowSchedule).where(WindowSchedule.street_id == street_id))
    if s is None:
        s = WindowSchedule(street_id=street_id)
        db.session.add(s)
    s.opens_at, s.closes_at, s.slot_minutes, s.windows, s.booking_days = (opens, closes, slot_minutes, windows,
                                                                          booking_days)
    s.closed_weekdays = ",".join(str(d) for d in sorted(set(closed_weekdays)) if 0 <= d <= 6)
    db.session.flush()
    t = AppointmentSlot.__table__
    db.session.execute(update(t).where(t.c.street_id == street_id, t.c.day >= business_today(),
                                       t.c.booked <= windows).values(capacity=windows))
    record("schedule.save", obj=s, before=before, after=schedule_snapshot(s))
    return s


def add_closed_day(street_id: int, day: date, note: str | None) -> None:
    stmt = dialect_insert(ClosedDay).values(street_id=street_id, day=day, note=note or None)
    db.session.execute(stmt.on_conflict_do_nothing(index_elements=["street_id", "day"]))
    record("schedule.closed_day", street_id=street_id, summary=day.isoformat())


def remove_closed_day(row: ClosedDay) -> None:
    record("schedule.open_day", street_id=row.street_id, summary=row.day.isoformat())
    db.session.delete(row)
    db.session.flush()
