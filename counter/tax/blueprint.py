"""Rental tax pages: rate schedules (district admin), guidance rents, stored assessments, and the public
estimate (no login)."""
from __future__ import annotations

from datetime import timedelta
from itertools import groupby

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

import fees
from counter.core.access import get_or_404, require
from counter.core.i18n import locale_code
from counter.core.ratelimit import rate_limited
from counter.core.timeutil import business_today
from counter.core.validation import InvalidInput, parse_month
from counter.extensions import db
from counter.reference import register_reference
from counter.tax import services
from counter.tax.forms import ConfirmForm, EstimateForm, ScheduleTextForm, landlord_label, use_label
from counter.tax.labels import item_label
from counter.tax.models import AssessmentRecord, GuidanceRent, RateScheduleVersion
from counter.web import register_nav

bp = Blueprint("tax", __name__)
ESTIMATE_PER_MINUTE = 30  # per client address (config RATE_LIMITS["estimate"])


def init_app(app):
    from counter.tax.cli import tax_cli

    register_nav(app, "tax.schedules", _l("Tax rates"), "fees.manage", order=70)
    register_reference(app, services.ensure_tax_reference)
    app.cli.add_command(tax_cli)
    app.jinja_env.filters["tax_item"] = item_label  # a tax item's name in the UI language


@bp.app_context_processor
def _labels():
    return {"tax_use_label": use_label, "tax_landlord_label": landlord_label}


def _schedule_errors(exc: services.ScheduleTextError) -> list[str]:
    """The problems of the schedule text in the UI language (the engine words them in both)."""
    return [_("The schedule is not valid: %(error)s", error=e) for e in exc.messages(locale_code())]


# ----------------------------------------------------------------------------------- schedules

@bp.route("/tax/schedules")
@require("fees.manage")
def schedules():
    rows = db.session.scalars(select(RateScheduleVersion)
                              .order_by(RateScheduleVersion.schedule_id, RateScheduleVersion.version.desc())).all()
    groups = [(sid, list(vs)) for sid, vs in groupby(rows, key=lambda v: v.schedule_id)]
    return render_template("tax/schedules.html", groups=groups)


@bp.route("/tax/schedules/<int:vid>")
@require("fees.manage")
def version(vid):
    v = get_or_404(RateScheduleVersion, vid)
    return render_template("tax/version.html", v=v, text=services.version_text(v), form=ConfirmForm())


@bp.route("/tax/schedules/<int:vid>/new", methods=["GET", "POST"])
@require("fees.manage")
def new_version(vid):
    base = get_or_404(RateScheduleVersion, vid)
    return _draft_form(base, None, lambda form: services.create_version(form.text.data, based_on=base,
                                                                           note=form.note.data))


@bp.route("/tax/schedules/<int:vid>/edit", methods=["GET", "POST"])
@require("fees.manage")
def edit_version(vid):
    v = get_or_404(RateScheduleVersion, vid)
    if not v.is_draft:
        flash(_("Only a draft can be changed. Create a new version instead."), "error")
        return redirect(url_for("tax.version", vid=v.id))
    return _draft_form(None, v, lambda form: services.update_draft(v, form.text.data, note=form.note.data))


def _draft_form(base, v, save):
    """The one draft-edit path: a new draft from ``base`` or a change of the draft ``v``; ``save(form)``
    writes it (a ScheduleTextError is shown on the text, a draft frozen meanwhile goes back to the list)."""
    form = ScheduleTextForm()
    if request.method == "GET":
        form.text.data = services.version_text(base or v)
        if v is not None:
            form.note.data = v.note
    elif form.validate_on_submit():
        try:
            saved = save(form)
        except services.VersionFrozen:  # activated or discarded by another administrator a moment ago
            flash(_("Only a draft can be changed. Create a new version instead."), "error")
            return redirect(url_for("tax.schedules"))
        except services.ScheduleTextError as exc:
            form.text.errors.extend(_schedule_errors(exc))
        else:
            flash(_("Draft %(label)s saved. Check the preview, then activate it.", label=saved.label), "success")
            return redirect(url_for("tax.preview", vid=saved.id))
    status = 422 if request.method == "POST" else 200
    return render_template("tax/edit.html", form=form, base=base, v=v), status


@bp.route("/tax/schedules/<int:vid>/preview")
@require("fees.manage")
def preview(vid):
    v = get_or_404(RateScheduleVersion, vid)
    month = None
    month_text = request.args.get("month", "").strip()
    month_error = None
    if month_text:
        try:
            month = fees.YearMonth.parse(parse_month(month_text))
        except InvalidInput as exc:
            month_error = str(exc)
            month_text = month_text[:64] if month_text.isprintable() else ""
    month, rows = services.preview(v, month)
    return render_template("tax/preview.html", v=v, month=month, rows=rows, form=ConfirmForm(),
                           month_error=month_error, month_text=month_text or str(month)), (422 if month_error else 200)


@bp.route("/tax/schedules/<int:vid>/activate", methods=["POST"])
@require("fees.manage")
def activate(vid):
    v = get_or_404(RateScheduleVersion, vid)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    if not v.is_draft:
        flash(_("Only a draft can be activated."), "error")
        return redirect(url_for("tax.version", vid=v.id))
    try:
        old = services.activate_version(v)
    except services.VersionFrozen:  # activated (or discarded) by another administrator a moment ago
        flash(_("Only a draft can be activated."), "error")
        return redirect(url_for("tax.version", vid=v.id))
    except services.ScheduleTextError as exc:  # a draft stored before a rule was tightened
        for message in _schedule_errors(exc):
            flash(message, "error")
        return redirect(url_for("tax.version", vid=v.id))
    if old is not None:
        flash(_("%(new)s is now active; %(old)s is retired.", new=v.label, old=old.label), "success")
    else:
        flash(_("%(new)s is now active.", new=v.label), "success")
    return redirect(url_for("tax.schedules"))


@bp.route("/tax/schedules/<int:vid>/delete", methods=["POST"])
@require("fees.manage")
def delete(vid):
    v = get_or_404(RateScheduleVersion, vid)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    if not v.is_draft:
        flash(_("Only a draft can be discarded."), "error")
        return redirect(url_for("tax.version", vid=v.id))
    label = v.label
    try:
        services.delete_draft(v)
    except services.VersionFrozen:  # activated or discarded by another administrator a moment ago
        flash(_("Only a draft can be discarded."), "error")
        return redirect(url_for("tax.schedules"))
    flash(_("Draft %(label)s discarded.", label=label), "success")
    return redirect(url_for("tax.schedules"))


@bp.route("/tax/guidance")
@require("fees.manage")
def guidance():
    from counter.streets.models import Street

    rows = db.session.scalars(select(GuidanceRent).order_by(GuidanceRent.street_code, GuidanceRent.use,
                                                            GuidanceRent.effective_from)).all()
    streets = {s.code: s for s in db.session.scalars(select(Street))}
    return render_template("tax/guidance.html", rows=rows, streets=streets)


# --------------------------------------------------------------------------------- assessments

@bp.route("/tax/assessments/<int:rid>")
@require("lease.view")
def assessment(rid):
    rec = get_or_404(AssessmentRecord, rid)
    a = services.record_assessment_object(rec)
    versions = {r["version_row_id"]: db.session.get(RateScheduleVersion, r["version_row_id"]) for r in rec.schedules}
    return render_template("tax/assessment.html", rec=rec, a=a, versions=versions, breakdown=fees.breakdown(a),
                           explanation=services.explain_record(rec, locale_code()))


# ------------------------------------------------------------------------------ public estimate

@bp.route("/estimate")
@rate_limited("estimate", per_minute=ESTIMATE_PER_MINUTE)
def estimate():
    from counter.streets.models import Street

    form = EstimateForm(request.args)
    streets = db.session.scalars(select(Street).order_by(Street.code)).all()
    form.street.choices = [("", _("Not specified"))] + [(s.code, s.name(locale_code())) for s in streets]
    result = error = None
    status = 200
    if request.args:
        if form.validate():
            today = business_today()
            # rent periods anchored at today (fees.calendar): N full periods, today .. the day before the same
            # date N months later
            periods = fees.rent_periods(today, fees.add_months(today, form.months.data) - timedelta(days=1))
            facts = fees.LeaseFacts(landlord_kind=form.landlord_kind.data, use=form.use.data,
                                    monthly_rent_fen=fees.yuan_to_fen(form.rent_yuan), area_m2=form.area_m2,
                                    street_code=form.street.data or None)
            try:
                result = services.assess_facts(facts, assessed_on=today, periods=periods)
            except fees.FeesError:
                error = _("No rate schedule in force covers this case. Please ask at a street window.")
                status = 422
        else:
            status = 422
    else:
        form = EstimateForm(formdata=None)
        form.street.choices = [("", _("Not specified"))] + [(s.code, s.name(locale_code())) for s in streets]
    explanation = result.explain("en" if locale_code().startswith("en") else "zh") if result is not None else None
    return render_template("tax/estimate.html", form=form, result=result, error=error, explanation=explanation,
                           breakdown=fees.breakdown(result) if result is not None else None), status
