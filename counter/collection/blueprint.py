"""Collection window pages: collect for a lease, receipts, void/refund, day close (日结)."""
from __future__ import annotations

import uuid

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import false, or_, select

import fees
from counter.collection import services as svc
from counter.collection.forms import (CollectForm, CountForm, EmptyForm, MonthsForm, NoteForm, ReasonForm,
                                      ReceiptSearchForm, method_label)
from counter.collection.models import DayClose, JournalEntry, Receipt
from counter.core.access import get_or_404, require
from counter.core.i18n import locale_code, money
from counter.core.pagination import paginate
from counter.core.timeutil import business_today
from counter.core.validation import contains
from counter.extensions import db
from counter.leases.models import Lease

bp = Blueprint("collection", __name__, url_prefix="/collection")


def init_app(app):
    from counter.collection.cli import ledger_cli
    from counter.web import register_nav

    register_nav(app, "collection.receipts", _l("Receipts"), "collection.collect", order=20)
    register_nav(app, "collection.day_close", _l("Day close"), "dayclose.close", order=30)
    register_nav(app, "collection.my_day", _l("My day"), "collection.collect", order=25)
    app.cli.add_command(ledger_cli)
    app.jinja_env.globals.setdefault("method_label", method_label)
    app.jinja_env.globals.update(lease_tax_story=svc.lease_tax_story, collected_after=svc.collected_after)
    from counter.collection.demo import seed_demo_collections
    from counter.demo import register_seeder

    register_seeder(app, seed_demo_collections)


# --- collect -----------------------------------------------------------------------------------------

def _periods_from_request(lease, periods, paid):
    """Default periods: the one after the last paid one (or the lease's first), to the one running today."""
    if not periods:
        return "", ""
    i = 0
    while periods[i].start in paid and i < len(periods) - 1:
        i += 1
    today = business_today()
    j = max([k for k, p in enumerate(periods) if p.start <= today] or [0])
    return periods[i].start.isoformat(), periods[max(i, j)].start.isoformat()


def _period_choices(periods, paid):
    """The collect form's options: each rent period by its dates (value: its first day), paid ones marked."""
    lang = "en" if locale_code().startswith("en") else "zh"
    out = []
    for p in periods:
        label = svc.period_label(p, lang)
        if p.short:
            label += " " + _("(%(days)d/%(full)d days)", days=p.days, full=p.full_days)
        if p.start in paid:
            label += " " + _("(paid)")
        out.append((p.start.isoformat(), label))
    return out


def _render_collect(lease, months_form, form, status=200, error=None, quote=True, repair_fen=0):
    assessment = refused = None
    periods = svc.lease_periods(lease)
    paid_starts = svc.paid_periods(lease)
    months_form.first.choices = months_form.last.choices = _period_choices(periods, paid_starts)
    if quote and months_form.first.data and months_form.last.data and not months_form.repair.errors:
        try:
            assessment = svc.quote(lease, months_form.first.data, months_form.last.data, repair_fen)
        except svc.CollectionError as exc:
            error = error or exc
        else:
            refused = svc.sample_refusal(assessment)  # production: sample rates are not collected on
            form.repair_cost.data = str(assessment.repair_cost_fen)
            # the periods by their first days (a link may name them by month)
            months_form.first.data = form.first_month.data = assessment.months[0].period.start.isoformat()
            months_form.last.data = form.last_month.data = assessment.months[-1].period.start.isoformat()
    if months_form.repair.errors:
        status = 422
    if error is not None:
        target = {"first_month": months_form.first, "last_month": months_form.last,
                  "repair_cost": months_form.repair}.get(error.field)
        if target is not None:
            target.errors = list(target.errors or []) + [error.message]
        elif error.field and hasattr(form, error.field):
            getattr(form, error.field).errors = list(getattr(form, error.field).errors or []) + [error.message]
        else:
            form.form_errors.append(error.message)
        status = 422 if status == 200 and request.method == "POST" else status
    lang = "en" if locale_code().startswith("en") else "zh"
    paid = [svc.period_label(p, lang) for p in periods if p.start in paid_starts]
    repeat = []
    if assessment is not None:
        repeat = [svc.period_label(m.period, lang) for m in assessment.months if m.period.start in paid_starts]
    receipts = db.session.scalars(select(Receipt).where(Receipt.lease_id == lease.id)
                                  .order_by(Receipt.issued_at.desc())).all()
    day_closed = svc.day_is_closed(current_user.street_id, current_user.id, business_today()) \
        if current_user.street_id else False
    return render_template("collection/collect.html", lease=lease, months_form=months_form, form=form,
                           assessment=assessment, paid=paid, repeat=repeat, day_closed=day_closed,
                           receipts=receipts, error=error, refused=refused,
                           breakdown=fees.breakdown(assessment) if assessment is not None else None), status


@bp.route("/lease/<int:lease_id>", methods=["GET", "POST"])
@require("collection.collect")
def collect_lease(lease_id: int):
    lease = get_or_404(Lease, lease_id)
    if request.method == "GET":
        months_form = MonthsForm(request.args)
        if "repair" not in request.args and lease.landlord_kind == "individual":
            carried = _tax_carry(lease)  # what the lease's last collection left over
            months_form.repair.data = fees.fen_to_yuan(carried) if carried else None
        if not request.args.get("first"):
            months_form.first.data, months_form.last.data = _periods_from_request(
                lease, svc.lease_periods(lease), svc.paid_periods(lease))
            valid = months_form.repair.validate(months_form)
        else:
            valid = months_form.validate()
        form = CollectForm(formdata=None, first_month=months_form.first.data, last_month=months_form.last.data,
                           idempotency_key=uuid.uuid4().hex)
        return _render_collect(lease, months_form, form, status=200 if valid else 422, quote=valid,
                               repair_fen=months_form.repair_fen)

    form = CollectForm()
    valid = form.validate()
    months_form = MonthsForm(formdata=None, first=form.first_month.data, last=form.last_month.data)
    repair_fen = 0 if form.repair_cost.errors else form.repair_cost_fen
    months_form.repair.data = fees.fen_to_yuan(repair_fen) if repair_fen else None
    if not valid:
        months_ok = not (form.first_month.errors or form.last_month.errors)
        return _render_collect(lease, months_form, form, status=422, quote=months_ok, repair_fen=repair_fen)
    try:
        receipt = svc.collect(lease, form.first_month.data, form.last_month.data, form.method.data,
                              form.reference.data, form.idempotency_key.data, form.repeat_reason.data,
                              repair_cost_fen=repair_fen, tendered_fen=form.tendered.fen)
    except svc.CollectionError as exc:
        return _render_collect(lease, months_form, form, status=422, error=exc, repair_fen=repair_fen)
    flash(_("Receipt %(number)s issued.", number=receipt.receipt_number), "success")
    return redirect(url_for("collection.receipt", receipt_id=receipt.id))


def _tax_carry(lease) -> int:
    return svc.repair_carry_in(lease)


# --- receipts ----------------------------------------------------------------------------------------

@bp.route("/")
@require("collection.collect")
def receipts():
    form = ReceiptSearchForm(request.args)
    valid = form.validate() if request.args else True
    stmt = select(Receipt).order_by(Receipt.issued_at.desc(), Receipt.id.desc())
    q = (form.q.data or "").strip() if valid else ""
    if q:
        stmt = stmt.where(or_(contains(Receipt.receipt_number, q, case_insensitive=True),
                              contains(Receipt.payer_name, q, case_insensitive=True),
                              contains(Receipt.payment_reference, q, case_insensitive=True)))
    if valid and form.date.data:
        stmt = stmt.where(Receipt.business_date == form.date.data)
    page = paginate(stmt if valid else stmt.where(false()), request.args.get("page"))
    return render_template("collection/receipts.html", page=page, form=form), (200 if valid else 422)


@bp.route("/receipt/<int:receipt_id>")
@require("collection.collect")
def receipt(receipt_id: int):
    r = get_or_404(Receipt, receipt_id)
    return _render_receipt(r, ReasonForm())


def _render_receipt(r, reason_form, status=200):
    lines = db.session.scalars(select(JournalEntry).where(JournalEntry.receipt_id == r.id)
                               .order_by(JournalEntry.seq)).all()
    return render_template("collection/receipt.html", r=r, lines=lines, reason_form=reason_form,
                           balance=sum(e.amount_fen for e in lines), breakdown=_receipt_breakdown(r)), status


def _receipt_breakdown(r):
    """The arithmetic of the receipt's assessment (from its stored snapshot), or None."""
    if not r.assessment_record_id:
        return None
    from counter.tax.models import AssessmentRecord

    rec = db.session.get(AssessmentRecord, r.assessment_record_id)
    return fees.breakdown(fees.Assessment.from_dict(rec.result)) if rec is not None else None


@bp.route("/receipt/<int:receipt_id>/<any(void, refund):kind>", methods=["POST"])
@require("collection.void")
def correct(receipt_id: int, kind: str):
    r = get_or_404(Receipt, receipt_id)
    form = ReasonForm()
    if not form.validate():
        return _render_receipt(r, form, 422)
    try:
        (svc.void_receipt if kind == "void" else svc.refund_receipt)(r, form.reason.data)
    except svc.CollectionError as exc:
        form.reason.errors = [exc.message]
        return _render_receipt(r, form, 422)
    flash(_("Receipt %(number)s is void.", number=r.receipt_number) if kind == "void"
          else _("Receipt %(number)s is refunded.", number=r.receipt_number), "success")
    return redirect(url_for("collection.receipt", receipt_id=r.id))


# --- day close ---------------------------------------------------------------------------------------

@bp.route("/day-close", methods=["GET", "POST"])
@require("dayclose.close")
def day_close():
    """Step 1: the blind count for today's business day (the expected cash is not shown). Step 2 (the same
    URL, after the count): expected, counted and variance; confirm (a variance with its note, a shortfall
    confirmed) or count again. Only the confirmation writes."""
    today = business_today()
    existing = svc.find_day_close(current_user.street_id, current_user.id, today)
    if existing is not None and existing.status == "closed":
        return redirect(url_for("collection.day_close_view", day_close_id=existing.id))
    form = CountForm()
    action = form.action.data or "review"
    if request.method == "POST" and action == "recount":
        return _render_count(CountForm(formdata=None), today, existing)
    if not form.validate_on_submit():
        return _render_count(form, today, existing, 422 if request.method == "POST" else 200)
    user = current_user._get_current_object()
    if action == "confirm" and form.expected_cash_fen is not None:
        problems = form.confirm_problems(form.expected_cash_fen)
        if not problems:
            try:
                dc = svc.close_day(user, today, form.counted_cash.fen, form.note.data,
                                   expected_seen_fen=form.expected_cash_fen)
            except svc.CollectionError as exc:
                problems = {exc.field if exc.field in ("counted_cash", "note") else "expected_cash": [exc.message]}
            else:
                _flash_closed(dc)
                return redirect(url_for("collection.day_close_view", day_close_id=dc.id))
        for name, messages in problems.items():
            field = getattr(form, name)
            field.errors = list(field.errors or []) + (messages if isinstance(messages, list) else [messages])
        return _render_review(form, today, status=422)
    return _render_review(form, today)


def _render_count(form, today, existing, status=200):
    return render_template("collection/day_close_count.html", form=form, today=today, existing=existing), status


def _render_review(form, today, status=200):
    """Step 2: the figures as the journal has them now (read only); the confirmation re-reads them under the
    day's lock and is refused if they changed."""
    figures = svc.day_figures(current_user.street_id, current_user.id, today)
    form.expected_cash.data = str(figures["expected_cash_fen"])
    form.action.data = None
    variance = (form.counted_cash.fen or 0) - figures["expected_cash_fen"]
    return render_template("collection/day_close_review.html", form=form, today=today, figures=figures,
                           variance=variance), status


def _flash_closed(dc):
    """A day closed with a difference is never announced as a plain success."""
    if dc.variance_fen == 0:
        flash(_("The business day is closed."), "success")
    elif dc.variance_fen < 0:
        flash(_("The business day is closed with a cash shortfall of %(amount)s: a supervisor must sign it.",
                amount=money(-dc.variance_fen)), "warning")
    else:
        flash(_("The business day is closed with a cash surplus of %(amount)s: a supervisor must sign it.",
                amount=money(dc.variance_fen)), "warning")


def _render_day_close(dc, note_form=None, reason_form=None, status=200):
    receipts = db.session.scalars(select(Receipt).where(
        Receipt.street_id == dc.street_id, Receipt.clerk_id == dc.clerk_id,
        Receipt.business_date == dc.business_date).order_by(Receipt.seq)).all()
    return render_template("collection/day_close.html", dc=dc, receipts=receipts, anchor=svc.chain_head(dc),
                           note_form=note_form or NoteForm(formdata=None, note=dc.variance_note),
                           reason_form=reason_form or ReasonForm(formdata=None), sign_form=EmptyForm()), status


def _own_or_supervisor(dc):
    if dc.clerk_id != current_user.id and not current_user.can("dayclose.sign"):
        abort(404)


@bp.route("/day-close/<int:day_close_id>")
@require("dayclose.close")
def day_close_view(day_close_id: int):
    """Step 2: count, totals by method and item, expected vs counted, variance."""
    dc = get_or_404(DayClose, day_close_id)
    _own_or_supervisor(dc)
    return _render_day_close(dc)


@bp.route("/day-close/<int:day_close_id>/note", methods=["POST"])
@require("dayclose.close")
def day_close_note(day_close_id: int):
    dc = get_or_404(DayClose, day_close_id)
    _own_or_supervisor(dc)
    form = NoteForm()
    if form.validate():
        try:
            svc.explain_variance(dc, form.note.data)
        except svc.CollectionError as exc:
            form.note.errors = [exc.message]
            if dc.status != "closed" or dc.signed_by_id is not None:  # signed or reopened meanwhile: no form shown
                flash(exc.message, "error")
        else:
            flash(_("The note is recorded."), "success")
            return redirect(url_for("collection.day_close_view", day_close_id=dc.id))
    return _render_day_close(dc, note_form=form, status=422)


@bp.route("/day-close/<int:day_close_id>/sign", methods=["POST"])
@require("dayclose.sign")
def day_close_sign(day_close_id: int):
    dc = get_or_404(DayClose, day_close_id)
    form = EmptyForm()
    if not form.validate():
        abort(400)
    try:
        svc.sign_day_close(dc, current_user._get_current_object())
    except svc.CollectionError as exc:
        flash(exc.message, "error")
        return _render_day_close(dc, status=422)
    flash(_("The handover is signed."), "success")
    return redirect(url_for("collection.day_close_view", day_close_id=dc.id))


@bp.route("/day-close/<int:day_close_id>/reopen", methods=["POST"])
@require("dayclose.reopen")
def day_close_reopen(day_close_id: int):
    dc = get_or_404(DayClose, day_close_id)
    form = ReasonForm()
    if form.validate():
        try:
            svc.reopen_day(dc, form.reason.data)
        except svc.CollectionError as exc:
            form.reason.errors = [exc.message]
            if dc.status != "closed":  # reopened meanwhile by another supervisor: no form shown
                flash(exc.message, "error")
        else:
            flash(_("The business day is reopened."), "success")
            return redirect(url_for("collection.day_closes"))
    return _render_day_close(dc, reason_form=form, status=422)


@bp.route("/my-day")
@require("collection.collect")
def my_day():
    """The clerk's own business day: registrations, receipts, printed documents, the cash expected."""
    from counter.collection.myday import my_day as load

    if current_user.street_id is None:
        abort(404)
    return render_template("collection/my_day.html", day=load(current_user._get_current_object(), business_today()))


@bp.route("/day-closes")
@require("dayclose.sign")
def day_closes():
    stmt = select(DayClose).order_by(DayClose.business_date.desc(), DayClose.id.desc())
    page = paginate(stmt, request.args.get("page"))
    return render_template("collection/day_closes.html", page=page)
