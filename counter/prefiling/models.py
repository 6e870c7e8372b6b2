"""Pre-filings (网上预约/预填), the windows' opening hours and appointment slots, the queue at the window
(叫号) and the notification outbox.

- :class:`Prefiling`: a lease typed by a citizen before coming to the window. Not a filing: no
  registration number, nothing in the ledger. Only the SHA-256 of its code is stored; its data (the
  registration form's fields) are purged after ``expires_on``.
- :class:`WindowSchedule` / :class:`ClosedDay`: a street window's hours, slot length, number of windows
  (the capacity of a slot) and closed days.
- :class:`AppointmentSlot`: one slot of one street's day, with ``booked <= capacity`` held by a CHECK and
  by the one conditional UPDATE that books (``booked = booked + 1 WHERE booked < capacity``).
- :class:`Appointment`: a booked slot for a pre-filing, a slip or a reprint.
- :class:`Ticket`: the queue's numbers, per street and day (gap-free: :func:`counter.core.serials.next_serial`).
- :class:`OutboxMessage`: confirmations and reminders waiting for the configured sender.
"""
from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import (JSON, CheckConstraint, Date, ForeignKey, Index, Integer, String, Text, Time,
                        UniqueConstraint, text)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from counter.core.db import StreetScoped, UTCDateTime
from counter.core.timeutil import utcnow
from counter.extensions import db

PREFILING_STATUSES = ("open", "used", "purged")
PURPOSES = ("prefiling", "slip", "reprint")
APPOINTMENT_STATUSES = ("booked", "cancelled", "arrived")
TICKET_KINDS = ("walk_in", "appointment")
TICKET_STATUSES = ("waiting", "called", "done", "no_show")
OUTBOX_KINDS = ("confirmation", "reminder", "cancellation")
OUTBOX_STATUSES = ("pending", "sent", "failed")
CODE_HASH_LEN = 64


class Prefiling(StreetScoped, db.Model):
    """网上预填: the registration form's fields as the citizen typed them (validated by the window's rules)."""

    __tablename__ = "prefiling"
    __table_args__ = (CheckConstraint("status IN ('open', 'used', 'purged')", name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(CODE_HASH_LEN), unique=True, nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="open")
    data: Mapped[dict | None] = mapped_column(JSON, nullable=True)  # None once purged
    contact_phone: Mapped[str | None] = mapped_column(String(32), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    expires_on: Mapped[date] = mapped_column(Date, nullable=False, index=True)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    lease_id: Mapped[int | None] = mapped_column(ForeignKey("lease.id"), nullable=True)
    purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class WindowSchedule(StreetScoped, db.Model):
    """A street window's published hours: open..close in slots of ``slot_minutes``, ``windows`` people per slot."""

    __tablename__ = "window_schedule"
    __table_args__ = (UniqueConstraint("street_id", name="ux_window_schedule_street"),
                      CheckConstraint("slot_minutes BETWEEN 5 AND 240 AND windows BETWEEN 1 AND 50 "
                                      "AND opens_at < closes_at", name="bounds"))

    id: Mapped[int] = mapped_column(primary_key=True)
    opens_at: Mapped[time] = mapped_column(Time, nullable=False)
    closes_at: Mapped[time] = mapped_column(Time, nullable=False)
    slot_minutes: Mapped[int] = mapped_column(Integer, nullable=False, default=15)
    windows: Mapped[int] = mapped_column(Integer, nullable=False, default=2)
    closed_weekdays: Mapped[str] = mapped_column(String(16), nullable=False, default="5,6")  # Monday = 0
    booking_days: Mapped[int] = mapped_column(Integer, nullable=False, default=14)

    def closed_on_weekday(self, weekday: int) -> bool:
        return str(weekday) in (self.closed_weekdays or "").split(",")


class ClosedDay(StreetScoped, db.Model):
    __tablename__ = "window_closed_day"
    __table_args__ = (UniqueConstraint("street_id", "day", name="ux_window_closed_day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date, nullable=False)
    note: Mapped[str | None] = mapped_column(String(64), nullable=True)


class AppointmentSlot(StreetScoped, db.Model):
    __tablename__ = "appointment_slot"
    __table_args__ = (UniqueConstraint("street_id", "day", "starts_at", name="ux_appointment_slot"),
                      CheckConstraint("booked >= 0 AND booked <= capacity", name="capacity"))

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date, nullable=False)
    starts_at: Mapped[time] = mapped_column(Time, nullable=False)
    capacity: Mapped[int] = mapped_column(Integer, nullable=False)
    booked: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


class Appointment(StreetScoped, db.Model):
    """A booked slot. ``code_hash``: its own code (slip, reprint); a pre-filing's appointment is managed
    with the pre-filing's code (one booked appointment per pre-filing: a partial unique index)."""

    __tablename__ = "appointment"
    __table_args__ = (
        CheckConstraint("purpose IN ('prefiling', 'slip', 'reprint')", name="purpose"),
        CheckConstraint("status IN ('booked', 'cancelled', 'arrived')", name="status"),
        Index("ux_appointment_prefiling_booked", "prefiling_id", unique=True,
              postgresql_where=text("status = 'booked'"), sqlite_where=text("status = 'booked'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code_hash: Mapped[str | None] = mapped_column(String(CODE_HASH_LEN), unique=True, nullable=True)
    slot_id: Mapped[int] = mapped_column(ForeignKey("appointment_slot.id"), nullable=False, index=True)
    purpose: Mapped[str] = mapped_column(String(16), nullable=False)
    prefiling_id: Mapped[int | None] = mapped_column(ForeignKey("prefiling.id"), nullable=True)
    contact_phone: Mapped[str | None] = mapped_column(String(32), nullable=True)
    locale: Mapped[str] = mapped_column(String(8), nullable=False, default="zh")
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="booked")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    slot: Mapped[AppointmentSlot] = relationship()
    prefiling: Mapped[Prefiling | None] = relationship()


class Ticket(StreetScoped, db.Model):
    """叫号票: numbered per street and day; an appointment's ticket is due at its slot's time."""

    __tablename__ = "queue_ticket"
    __table_args__ = (
        UniqueConstraint("street_id", "day", "number", name="ux_queue_ticket_number"),
        CheckConstraint("kind IN ('walk_in', 'appointment')", name="kind"),
        CheckConstraint("status IN ('waiting', 'called', 'done', 'no_show')", name="status"),
        Index("ix_queue_ticket_street_day_status", "street_id", "day", "status"),
        Index("ux_queue_ticket_appointment", "appointment_id", unique=True,
              postgresql_where=text("appointment_id IS NOT NULL"), sqlite_where=text("appointment_id IS NOT NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date, nullable=False)
    number: Mapped[int] = mapped_column(Integer, nullable=False)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    appointment_id: Mapped[int | None] = mapped_column(ForeignKey("appointment.id"), nullable=True)
    prefiling_id: Mapped[int | None] = mapped_column(ForeignKey("prefiling.id"), nullable=True)  # a walk-in's
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="waiting")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    called_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    window_no: Mapped[int | None] = mapped_column(Integer, nullable=True)
    clerk_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)

    appointment: Mapped[Appointment | None] = relationship()

    @property
    def label(self) -> str:
        return f"{'A' if self.kind == 'appointment' else 'W'}{self.number:03d}"


class OutboxMessage(db.Model):
    """发件箱: a message to send (booking confirmation, reminder); ``dedupe_key`` makes a reminder once."""

    __tablename__ = "outbox_message"
    __table_args__ = (CheckConstraint("status IN ('pending', 'sent', 'failed')", name="status"),
                      Index("ix_outbox_message_status", "status"))

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    dedupe_key: Mapped[str | None] = mapped_column(String(64), unique=True, nullable=True)
    appointment_id: Mapped[int | None] = mapped_column(ForeignKey("appointment.id"), nullable=True)
    recipient: Mapped[str | None] = mapped_column(String(128), nullable=True)
    body: Mapped[str] = mapped_column(Text, nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="pending")
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_error: Mapped[str | None] = mapped_column(String(200), nullable=True)
