"""Online pre-filing and appointments (public, no login) and the queue at the window (staff).

Public: ``/prefile`` (the registration form's fields and rules -> a code, a QR, a page to print),
``/prefile/<code>``, ``/book`` (a slot for a pre-filing, a slip or a reprint), ``/appointments/<code>``
(cancel, move). Rate-limited per client address. Staff: ``/queue/`` (tickets, call next, done),
``/queue/schedule`` (hours, slots, windows, closed days), ``/queue/stats`` (+ CSV / Excel).

The registration form of :mod:`counter.leases` is filled from a pre-filing through its hooks (registered
in :func:`init_app`): the top-bar scanner recognises a pre-filing code or a ticket, ``/leases/new?prefill=``
fills the form, and a registration marks the pre-filing used (once).
"""
from __future__ import annotations

from datetime import date, datetime

import click
from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask.cli import with_appcontext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from counter.core.access import get_or_404, require
from counter.core.i18n import locale_code
from counter.core.masking import mask_phone
from counter.core.ratelimit import rate_limited
from counter.core.scoping import unrestricted
from counter.core.timeutil import business_today
from counter.core.validation import parse_id
from counter.extensions import db
from counter.leases import services as lease_services
from counter.leases.forms import apply_errors, apply_rule_errors
from counter.leases.services import LeaseError
from counter.prefiling import labels, services, stats
from counter.prefiling.codes import canonical
from counter.prefiling.forms import (BookForm, CallForm, CheckInForm, ClosedDayForm, EmptyForm, FinishForm,
                                     MoveForm, PrefileForm, ScheduleForm, SlotQueryForm, StatsForm)
from counter.prefiling.models import ClosedDay, Prefiling, Ticket, WindowSchedule
from counter.streets.models import Street
from counter.web import register_nav

bp = Blueprint("prefiling", __name__)

PUBLIC_PER_MINUTE = 30  # per client address (config RATE_LIMITS["prefile"] / ["book"])


# --- hooks of the registration form and the scanner ----------------------------------------------

def _prefill_lookup(text: str):
    """``PFID:<id>`` (a ticket's pre-filing) or a pre-filing code, in the clerk's street, still open."""
    text = (text or "").strip()
    if text.upper().startswith("PFID:"):
        pid = parse_id(text[5:])
        p = db.session.get(Prefiling, pid) if pid else None
    else:
        p = services.find_prefiling(text, scoped=True)
    if not services.usable(p):
        return None
    return f"PFID:{p.id}", dict(p.data)


def _registered(reference: str, lease) -> None:
    pid = parse_id(reference[5:]) if reference and reference.upper().startswith("PFID:") else None
    if pid:
        services.mark_used(pid, lease)


def _scan_target(text: str):
    code = canonical(text)
    if code is not None and code.startswith("PF-"):
        p = services.find_prefiling(code, scoped=True)
        if not services.usable(p):
            return ("prefiling", None, {}, code)
        return ("prefiling", "leases.new", {"prefill": f"PFID:{p.id}"}, code)
    label = lease_services.normalise_code(text)
    ticket = services.find_ticket_today(label, None) if len(label) <= 7 else None
    if ticket is not None:
        p = services.ticket_prefiling(ticket)
        if services.usable(p):
            return ("ticket", "leases.new", {"prefill": f"PFID:{p.id}"}, ticket.label)
        return ("ticket", "prefiling.queue", {}, ticket.label)
    return None


def init_app(app):
    register_nav(app, "prefiling.queue", _l("Queue"), "queue.serve", order=15)
    register_nav(app, "prefiling.stats_page", _l("Service times"), "queue.stats", order=85)
    app.jinja_env.globals.update(prefiling_labels=labels)
    app.jinja_env.filters.update(hhmm=lambda t: t.strftime("%H:%M") if t else "", month=_month)
    for hooks, fn in ((lease_services.PREFILL_LOOKUPS, _prefill_lookup),
                      (lease_services.REGISTERED_HOOKS, _registered), (lease_services.SCAN_TARGETS, _scan_target)):
        if fn not in hooks:
            hooks.append(fn)
    app.cli.add_command(purge_command)
    app.cli.add_command(send_outbox_command)
    from counter.demo import register_seeder
    from counter.prefiling.demo import seed_demo_queue

    register_seeder(app, seed_demo_queue)


def _month(d: date) -> str:
    from flask_babel import format_date

    return format_date(d, "MMM y")


@click.command("purge-prefilings")
@with_appcontext
def purge_command():
    """Remove the personal data of expired pre-filings (their form, phone numbers, messages)."""
    n = services.purge_expired()
    db.session.commit()
    click.echo(f"{n} expired pre-filings purged.")


@click.command("send-outbox")
@click.option("--no-reminders", is_flag=True, help="Do not write tomorrow's reminders first.")
@with_appcontext
def send_outbox_command(no_reminders):
    """Write the reminders due within 24 hours, then send the outbox's pending messages (OUTBOX_SENDER)."""
    reminders = 0 if no_reminders else services.queue_reminders()
    db.session.commit()
    sent, failed = services.send_pending()
    db.session.commit()
    click.echo(f"{reminders} reminders written, {sent} messages sent, {failed} failed.")


# --- public pages ---------------------------------------------------------------------------------

def _streets():
    with unrestricted():
        ids = set(db.session.scalars(select(WindowSchedule.street_id)))
        return [s for s in db.session.scalars(select(Street).order_by(Street.code)) if s.id in ids]


@bp.route("/prefile", methods=["GET", "POST"])
@rate_limited("prefile", per_minute=PUBLIC_PER_MINUTE)
def prefile():
    streets = _streets()
    form = PrefileForm(streets=streets)
    if request.method == "POST" and form.add_requested_row():
        return render_template("prefiling/prefile.html", form=form)
    if form.validate_on_submit():
        try:
            p, code = services.create_prefiling(form.to_input(form.street.data), form.stored_fields(),
                                                form.contact_phone.data)
        except LeaseError as exc:
            apply_errors(form, exc.errors)
        else:
            return redirect(url_for("prefiling.show", code=code))
    elif request.method == "POST" and form.street.data in {s.id for s in streets}:
        apply_rule_errors(form, services.validate_prefiling(form.to_input(form.street.data)))
    if request.method == "POST":
        form.focus_first_error()
        return render_template("prefiling/prefile.html", form=form), 422
    return render_template("prefiling/prefile.html", form=form)


def _by_code_or_404(code: str, find):
    """(the pre-filing or appointment ``find`` returns for the code typed, the code's canonical form), or 404."""
    canon = canonical(code)
    found = find(canon) if canon else None
    if found is None:
        abort(404)
    return found, canon


def _prefiling_or_404(code: str) -> tuple[Prefiling, str]:
    return _by_code_or_404(code, services.find_prefiling)


@bp.route("/prefile/<code>")
@rate_limited("prefile.view", per_minute=PUBLIC_PER_MINUTE * 2)
def show(code: str):
    p, canon = _prefiling_or_404(code)
    with unrestricted():
        street = db.session.get(Street, p.street_id)
    appt = services.find_appointment(canon)
    with unrestricted():
        slot = appt.slot if appt is not None else None
    from printing.codes import qr_svg

    data = p.data or {}
    summary = {"address": " ".join(filter(None, [data.get("address"), data.get("room")])),
               "house_code": data.get("house_code"), "has_title": bool(data.get("has_title")),
               "parties": sum(1 for k in data if k.endswith("-name"))}
    return render_template("prefiling/show.html", p=p, code=canon, street=street, appt=appt, slot=slot,
                           qr=qr_svg(canon, 30) if services.usable(p) else None, summary=summary,
                           usable=services.usable(p))


def _slot_page(form, street_id, code, day_text, template="prefiling/book.html", **extra):
    days = services.open_days(street_id) if street_id else []
    if days and days[0] == business_today() and not services.day_slots(street_id, days[0]):
        days = days[1:]  # today's last slot has begun
    day = _parse_day(day_text)
    if day not in days:
        day = days[0] if days else None
    slots = services.day_slots(street_id, day) if day else []
    if day and not slots and len(days) > 1:  # today is over: the next day
        day = next((d for d in days if d > day and services.day_slots(street_id, d)), day)
        slots = services.day_slots(street_id, day)
    return render_template(template, form=form, days=days, day=day, slots=slots, street_id=street_id,
                           code=code, **extra)


def _parse_day(text) -> date | None:
    try:
        return date.fromisoformat(text) if text and len(text) == 10 else None
    except ValueError:
        return None


def _parse_time(text):
    try:
        return datetime.strptime(text, "%H:%M").time() if text and len(text) == 5 else None
    except ValueError:
        return None


@bp.route("/book", methods=["GET", "POST"])
@rate_limited("book", per_minute=PUBLIC_PER_MINUTE)
def book():
    streets = _streets()
    street_ids = {s.id for s in streets}
    form = BookForm(streets=streets)
    query = SlotQueryForm(request.args)
    if request.method == "GET" and not query.validate():
        return render_template("prefiling/book.html", form=form, days=[], day=None, slots=[], street_id=None,
                               code=None), 422
    code = canonical(form.code.data if request.method == "POST" else query.code.data)
    prefiling = services.find_prefiling(code) if code and code.startswith("PF-") else None
    if code and prefiling is None:
        code = None
    if request.method == "GET":
        sid = parse_id(query.street.data)
        if prefiling is not None:
            sid = prefiling.street_id
            form.purpose.data = "prefiling"
            form.contact_phone.data = prefiling.contact_phone
        sid = sid if sid in street_ids else (streets[0].id if streets else None)
        form.street.data, form.code.data = sid, code
        return _slot_page(form, sid, code, query.day.data, prefiling=prefiling)
    if form.validate_on_submit():
        try:
            appt, own = services.book(form.street.data, _parse_day(form.day.data), _parse_time(form.slot.data),
                                      "prefiling" if prefiling is not None else form.purpose.data,
                                      prefiling=prefiling, contact_phone=form.contact_phone.data or None,
                                      locale=locale_code()[:2])
        except LeaseError as exc:
            apply_errors(form, exc.errors)
        else:
            flash(_("Your appointment is booked."), "success")
            return redirect(url_for("prefiling.appointment", code=own or code))
        if not form.purpose.errors and prefiling is None and form.purpose.data == "prefiling":
            form.purpose.errors = [_("Pre-file the lease first: its code books the visit.")]
    sid = form.street.data if form.street.data in street_ids else None
    return _slot_page(form, sid, code, form.day.data, prefiling=prefiling), 422


def _appointment_or_404(code: str):
    return _by_code_or_404(code, services.find_appointment)


@bp.route("/appointments/<code>")
@rate_limited("prefile.view", per_minute=PUBLIC_PER_MINUTE * 2)
def appointment(code: str):
    appt, canon = _appointment_or_404(code)
    with unrestricted():
        street = db.session.get(Street, appt.street_id)
        slot = appt.slot
    return render_template("prefiling/appointment.html", appt=appt, slot=slot, street=street, code=canon,
                           form=EmptyForm(), phone=mask_phone(appt.contact_phone))


@bp.route("/appointments/<code>/cancel", methods=["POST"])
@rate_limited("book", per_minute=PUBLIC_PER_MINUTE)
def cancel(code: str):
    appt, canon = _appointment_or_404(code)
    form = EmptyForm()
    if form.validate_on_submit():
        try:
            with unrestricted():
                services.cancel(appt)
        except LeaseError as exc:
            flash(" ".join(exc.messages()), "error")
            return redirect(url_for("prefiling.appointment", code=canon)), 409
        flash(_("Your appointment is cancelled."), "success")
    return redirect(url_for("prefiling.appointment", code=canon))


@bp.route("/appointments/<code>/move", methods=["GET", "POST"])
@rate_limited("book", per_minute=PUBLIC_PER_MINUTE)
def move(code: str):
    appt, canon = _appointment_or_404(code)
    form = MoveForm()
    if appt.status != "booked":
        abort(404)
    if form.validate_on_submit():
        try:
            with unrestricted():
                services.move(appt, _parse_day(form.day.data), _parse_time(form.slot.data))
        except LeaseError as exc:
            apply_errors(form, exc.errors)
        else:
            flash(_("Your appointment is moved."), "success")
            return redirect(url_for("prefiling.appointment", code=canon))
    day_text = form.day.data if request.method == "POST" else request.args.get("day")
    page = _slot_page(form, appt.street_id, canon, day_text if isinstance(day_text, str) else None,
                      template="prefiling/move.html", appt=appt)
    return (page, 422) if request.method == "POST" else page


# --- the queue at the window ----------------------------------------------------------------------

def _street_id() -> int:
    if current_user.street_id is None:
        abort(404)  # the queue is a street's: the district looks at the statistics
    return current_user.street_id


@bp.route("/queue/")
@require("queue.serve")
def queue():
    street_id = _street_id()
    ticket = services.current_ticket(current_user)
    return render_template("prefiling/queue.html", ticket=ticket, waiting=services.waiting(street_id),
                           prefiling=services.ticket_prefiling(ticket) if ticket else None,
                           call_form=CallForm(), checkin_form=CheckInForm(), finish_form=FinishForm(),
                           walkin_form=EmptyForm())


@bp.route("/queue/call", methods=["POST"])
@require("queue.serve")
def call():
    _street_id()
    form = CallForm()
    if not form.validate_on_submit():
        flash(_("Enter a window number from 1 to 99."), "error")
        return redirect(url_for("prefiling.queue")), 422
    if services.current_ticket(current_user) is not None:
        flash(_("Finish the ticket being served first."), "error")
        return redirect(url_for("prefiling.queue")), 409
    ticket = services.call_next(current_user, form.window_no.data)
    if ticket is None:
        flash(_("Nobody is waiting."), "info")
    return redirect(url_for("prefiling.queue"))


@bp.route("/queue/ticket", methods=["POST"])
@require("queue.serve")
def walk_in():
    street_id = _street_id()
    if not EmptyForm().validate_on_submit():
        abort(400)
    ticket = services.issue_ticket(street_id)
    flash(_("Ticket %(label)s issued.", label=ticket.label), "success")
    return redirect(url_for("prefiling.queue"))


@bp.route("/queue/check-in", methods=["POST"])
@require("queue.serve")
def check_in():
    street_id = _street_id()
    form = CheckInForm()
    if form.validate_on_submit():
        try:
            ticket = services.check_in(form.code.data, street_id)
        except LeaseError as exc:
            apply_errors(form, exc.errors)
        else:
            flash(_("Ticket %(label)s issued.", label=ticket.label), "success")
            return redirect(url_for("prefiling.queue"))
    return render_template("prefiling/queue.html", ticket=services.current_ticket(current_user),
                           waiting=services.waiting(street_id), prefiling=None, call_form=CallForm(),
                           checkin_form=form, finish_form=FinishForm(), walkin_form=EmptyForm()), 422


@bp.route("/queue/<int:ticket_id>/finish", methods=["POST"])
@require("queue.serve")
def finish(ticket_id: int):
    ticket = get_or_404(Ticket, ticket_id)
    form = FinishForm()
    if not form.validate_on_submit():
        return redirect(url_for("prefiling.queue")), 422
    try:
        services.finish(ticket, current_user, form.result.data)
    except LeaseError as exc:
        flash(" ".join(exc.messages()), "error")
        return redirect(url_for("prefiling.queue")), 409
    return redirect(url_for("prefiling.queue"))


# --- opening hours --------------------------------------------------------------------------------

def _schedule_street() -> Street:
    if current_user.street_id is not None:
        return db.session.get(Street, current_user.street_id)
    raw = request.values.get("street") or ""
    sid = parse_id(raw)
    street = db.session.get(Street, sid) if sid else None
    return street or db.session.scalars(select(Street).order_by(Street.code)).first()


@bp.route("/queue/schedule", methods=["GET", "POST"])
@require("schedule.manage")
def schedule():
    street = _schedule_street()
    if street is None:
        abort(404)
    sched = db.session.scalar(select(WindowSchedule).where(WindowSchedule.street_id == street.id))
    form = ScheduleForm()
    if request.method == "GET" and sched is not None:
        form.opens_at.data, form.closes_at.data = sched.opens_at.strftime("%H:%M"), sched.closes_at.strftime("%H:%M")
        form.slot_minutes.data, form.windows.data, form.booking_days.data = (sched.slot_minutes, sched.windows,
                                                                             sched.booking_days)
        form.closed_weekdays.data = [int(x) for x in sched.closed_weekdays.split(",") if x and x in "0123456"]
    elif form.validate_on_submit():
        opens, closes = _parse_time(form.opens_at.data), _parse_time(form.closes_at.data)
        if opens is None:
            form.opens_at.errors = [_("A time is HH:MM, e.g. 09:00.")]
        if closes is None:
            form.closes_at.errors = [_("A time is HH:MM, e.g. 09:00.")]
        elif opens is not None and closes <= opens:
            form.closes_at.errors = [_("The window closes after it opens.")]
        if not (form.opens_at.errors or form.closes_at.errors):
            before = services.schedule_snapshot(sched)
            sched = services.save_schedule(street.id, opens, closes, form.slot_minutes.data, form.windows.data,
                                           form.booking_days.data, form.closed_weekdays.data or [], before)
            flash(_("Opening hours saved."), "success")
            return redirect(url_for("prefiling.schedule", street=street.id))
    days = list(db.session.scalars(select(ClosedDay).where(ClosedDay.street_id == street.id,
                                                           ClosedDay.day >= business_today())
                                   .order_by(ClosedDay.day)))
    streets = db.session.scalars(select(Street).order_by(Street.code)).all() if current_user.street_id is None else []
    status = 422 if request.method == "POST" else 200
    return render_template("prefiling/schedule.html", form=form, street=street, closed=days,
                           closed_form=ClosedDayForm(), delete_form=EmptyForm(), streets=streets), status


@bp.route("/queue/schedule/closed", methods=["POST"])
@require("schedule.manage")
def add_closed_day():
    street = _schedule_street()
    form = ClosedDayForm()
    if street is None or not form.validate_on_submit() or form.day.data is None:
        flash(_("Enter a valid date."), "error")
        return redirect(url_for("prefiling.schedule", street=street.id if street else None)), 422
    services.add_closed_day(street.id, form.day.data, form.note.data)
    return redirect(url_for("prefiling.schedule", street=street.id))


@bp.route("/queue/schedule/closed/<int:day_id>/delete", methods=["POST"])
@require("schedule.manage")
def delete_closed_day(day_id: int):
    row = get_or_404(ClosedDay, day_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    street_id = row.street_id
    services.remove_closed_day(row)
    return redirect(url_for("prefiling.schedule", street=street_id))


# --- statistics -----------------------------------------------------------------------------------

def _stats_from_request():
    form = StatsForm(request.args)
    if not form.validate():
        return form, None
    end = form.end.data or business_today()
    start = form.start.data or date(end.year, 1, 1)
    if start > end:
        form.end.errors = [_("The end is before the start.")]
        return form, None
    if current_user.street_id is not None:
        street_id = current_user.street_id
    else:
        raw = form.street.data or ""
        street_id = parse_id(raw)
    return form, stats.service_stats(start, end, street_id, locale_code()[:2])


@bp.route("/queue/stats")
@require("queue.stats")
def stats_page():
    form, result = _stats_from_request()
    streets = db.session.scalars(select(Street).order_by(Street.code)).all() if current_user.street_id is None else []
    if result is None:
        return render_template("prefiling/stats.html", form=form, st=None, streets=streets), 422
    return render_template("prefiling/stats.html", form=form, st=result, streets=streets)


def _headers() -> dict:
    return {"group": _("Group"), "name": _("Name"), "tickets": _("Tickets"), "wait": _("Average wait (min)"),
            "service": _("Average service (min)"), "street": _("Street"), "window": _("Window"),
            "clerk": _("Clerk")}


@bp.route("/queue/stats.<fmt>")
@require("queue.stats")
def stats_export(fmt: str):
    if fmt not in ("csv", "xlsx"):
        abort(404)
    form, result = _stats_from_request()
    if result is None:
        abort(422)
    head, rows = stats.table(result, _headers())
    if fmt == "csv":
        return Response(stats.to_csv(head, rows), mimetype="text/csv",
                        headers={"Content-Disposition": 'attachment; filename="service-times.csv"'})
    data = stats.to_xlsx(head, rows, result.days, [_("Day"), _("Tickets")])
    return Response(data, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": 'attachment; filename="service-times.xlsx"'})
