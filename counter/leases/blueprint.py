"""Lease filing at the window: search (with barcode jump), register, view, amend, renew, terminate, cancel."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.orm import selectinload

from counter.core.access import get_or_404, require
from counter.core.pagination import Page, paginate
from counter.leases import labels
from counter.leases.forms import (AmendForm, CancelForm, LeaseForm, PropertyLookupForm, RenewForm, ResidenceDateForm,
                                  SearchForm, TerminateForm, apply_errors, apply_rule_errors)
from counter.leases.models import Lease, centi_to_m2
from counter.leases.register import property_found
from counter.leases.residence import residences
from counter.leases.services import (AMENDABLE, LeaseError, LeaseInput, OverlapError, SearchCriteria, amend_lease,
                                     cancel_filing, find_by_code, lease_version, prefill_for, register_lease,
                                     registered_from, renew_lease, search_leases, terminate_lease, validate_input)
from counter.web import register_nav

bp = Blueprint("leases", __name__, url_prefix="/leases")


def init_app(app):
    register_nav(app, "leases.search", _l("Leases"), "lease.view", order=10)
    app.jinja_env.globals.update(lease_labels=labels, use_label=labels.use_label)
    from counter.leases.importer import import_leases_command

    app.cli.add_command(import_leases_command)
    from counter.demo import register_seeder
    from counter.leases.demo import seed_demo_leases

    register_seeder(app, seed_demo_leases)


def _add_rule_errors(form, data) -> None:
    """After a failed form validation, add the service's field errors for fields that have none yet."""
    apply_rule_errors(form, validate_input(data))


def _status(form_posted: bool, ok: bool) -> int:
    return 422 if form_posted and not ok else 200


def _submit(form, action, message):
    """The submit-with-overlap flow of register, amend and renew: ``action(confirm_overlap)`` writes and
    returns the lease; an overlap (to confirm) or a refused rule becomes field errors. Returns (the
    redirect to the lease, or None when refused; the overlapping filings to show)."""
    try:
        lease = action(form.confirm_overlap.data)
    except OverlapError as exc:
        apply_errors(form, {"confirm_overlap": exc.messages()})
        return None, exc.overlaps
    except LeaseError as exc:
        apply_errors(form, exc.errors)
        return None, []
    flash(message(lease), "success")
    return redirect(url_for("leases.view", lease_id=lease.id)), []


@bp.route("/")
@require("lease.view")
def search():
    form = SearchForm(request.args)
    valid = form.validate() if request.args else True
    if not valid:  # a field error: the form is shown again, nothing is searched with what was refused
        return render_template("leases/search.html", form=form, page=Page([], 1, 25, 0), searched=True), 422
    q = (form.q.data or "").strip()
    if q and not any((request.args.get(k) or "").strip() for k in
                     ("name", "id_number", "house_code", "address", "status", "signed_from", "signed_to",
                      "registered_from", "registered_to", "page")):
        lease = find_by_code(q)
        if lease is not None:  # a scanned barcode or a typed registration number: straight to the lease
            return redirect(url_for("leases.view", lease_id=lease.id))
    criteria = SearchCriteria(
        q=q or None, name=form.name.data, id_number=form.id_number.data, house_code=form.house_code.data,
        address=form.address.data, status=form.status.data or None,
        signed_from=form.signed_from.data, signed_to=form.signed_to.data,
        registered_from=form.registered_from.data, registered_to=form.registered_to.data)
    page = paginate(search_leases(criteria).options(selectinload(Lease.parties)), request.args.get("page"), per_page=25)
    return render_template("leases/search.html", form=form, page=page, searched=bool(request.args))


@bp.route("/new", methods=["GET", "POST"])
@require("lease.register")
def new():
    prefilled = prefill_for(request.args.get("prefill")) if request.method == "GET" else None
    if prefilled is not None:  # a scanned pre-filing (counter.prefiling): the form filled in, to check
        from werkzeug.datastructures import MultiDict

        form = LeaseForm(formdata=MultiDict(prefilled[1]))
        form.prefill.data = prefilled[0]
        form._focus(None)  # the register button has the focus: check, then one confirmation
        return render_template("leases/new.html", form=form, overlaps=[], prefilled=True,
                               found=form.found_property(current_user.street_id))
    form = LeaseForm()
    overlaps = []
    street_id = form.found_property_street = current_user.street_id
    if request.method == "POST" and form.add_requested_row():  # "add a row": the form again, as typed
        return render_template("leases/new.html", form=form, overlaps=overlaps, found=form.found_property(street_id))
    if form.validate_on_submit():
        def register(confirm):
            lease = register_lease(form.to_input(street_id), confirm_overlap=confirm)
            registered_from(form.prefill.data, lease)  # a pre-filing is used once (its hook refuses a second)
            session["focus_next_action"] = lease.id  # the lease page focuses its next action (collect)
            return lease

        done, overlaps = _submit(form, register,
                                 lambda lease: _("Lease registered: %(number)s", number=lease.registration_number))
        if done:
            return done
    elif request.method == "POST":  # show the business rules' errors too, all at once
        _add_rule_errors(form, form.to_input(street_id))
    form.focus_first_error()
    return render_template("leases/new.html", form=form, overlaps=overlaps, found=form.found_property(street_id)), \
        _status(request.method == "POST", False)


@bp.route("/property")
@require("lease.register")
def property_card():
    """The property a house code names, as the registration form shows it (fetched while typing)."""
    form = PropertyLookupForm(request.args)
    found = property_found(form.house_code.data, current_user.street_id) if form.validate() else None
    return render_template("leases/_property_found.html", found=found, looked_up=True)


@bp.route("/<int:lease_id>")
@require("lease.view")
def view(lease_id: int):
    lease = get_or_404(Lease, lease_id)
    renewals = [ev.after for ev in lease.events if ev.kind == "renewed" and ev.after]
    rform = ResidenceDateForm(request.args)
    ok = rform.validate()
    return render_template("leases/view.html", lease=lease, renewals=renewals, rform=rform,
                           residences=residences(lease, rform.on.data if ok else None)), 200 if ok else 422


@bp.route("/<int:lease_id>/versions/<int:version>")
@require("lease.view")
def version(lease_id: int, version: int):
    lease = get_or_404(Lease, lease_id)
    snap = lease_version(lease, version)
    if snap is None:
        abort(404)
    # the snapshot is JSON (ISO dates, integer centi): give the template dates and an exact area
    dates = {k: date.fromisoformat(snap[k]) if snap.get(k) else None
             for k in ("signing_date", "start_date", "end_date")}
    area = centi_to_m2(snap.get("rented_area_centi"))
    return render_template("leases/version.html", lease=lease, snap=snap, version=version, dates=dates, area=area)


@bp.route("/<int:lease_id>/amend", methods=["GET", "POST"])
@require("lease.amend")
def amend(lease_id: int):
    lease = get_or_404(Lease, lease_id)
    form = AmendForm()
    overlaps = []
    if request.method == "GET":
        form.fill_from(lease)
    elif form.validate_on_submit():
        changes = {k: v for k, v in form.terms().items() if k in AMENDABLE}
        done, overlaps = _submit(
            form, lambda confirm: amend_lease(lease, changes, form.reason.data, confirm_overlap=confirm),
            lambda amended: _("Lease amended (version %(version)s).", version=amended.version))
        if done:
            return done
    return render_template("leases/amend.html", form=form, lease=lease, overlaps=overlaps), \
        _status(request.method == "POST", False)


@bp.route("/<int:lease_id>/renew", methods=["GET", "POST"])
@require("lease.register")
def renew(lease_id: int):
    lease = get_or_404(Lease, lease_id)
    form = RenewForm()
    overlaps = []
    if request.method == "GET":
        form.fill_from(lease)
        form.signing_date.data = None
        form.start_date.data = None
        form.end_date.data = None
    elif form.validate_on_submit():
        data = LeaseInput(street_id=lease.street_id, property_id=lease.property_id, **form.terms())
        done, overlaps = _submit(
            form, lambda confirm: renew_lease(lease, data, form.reason.data, confirm_overlap=confirm),
            lambda new_lease: _("Renewal registered: %(number)s", number=new_lease.registration_number))
        if done:
            return done
    return render_template("leases/renew.html", form=form, lease=lease, overlaps=overlaps), \
        _status(request.method == "POST", False)


@bp.route("/<int:lease_id>/terminate", methods=["GET", "POST"])
@require("lease.amend")
def terminate(lease_id: int):
    lease = get_or_404(Lease, lease_id)
    form = TerminateForm()
    if form.validate_on_submit():
        try:
            terminate_lease(lease, form.effective_date.data, form.reason.data)
        except LeaseError as exc:
            apply_errors(form, exc.errors)
        else:
            flash(_("Lease terminated."), "success")
            return redirect(url_for("leases.view", lease_id=lease.id))
    return render_template("leases/terminate.html", form=form, lease=lease), _status(request.method == "POST", False)


@bp.route("/<int:lease_id>/cancel", methods=["GET", "POST"])
@require("lease.cancel")
def cancel(lease_id: int):
    lease = get_or_404(Lease, lease_id)
    form = CancelForm()
    if form.validate_on_submit():
        try:
            cancel_filing(lease, form.reason.data)
        except LeaseError as exc:
            apply_errors(form, exc.errors)
        else:
            flash(_("Filing cancelled."), "success")
            return redirect(url_for("leases.view", lease_id=lease.id))
    return render_template("leases/cancel.html", form=form, lease=lease), _status(request.method == "POST", False)
