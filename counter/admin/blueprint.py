"""User management for the district administrator."""
from datetime import datetime, timezone

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from counter.admin.forms import StaffNumberForm, UserForm
from counter.auth.models import User
from counter.auth.services import UserError, create_user, locked_accounts, set_active, set_staff_number, unlock
from counter.core.access import get_or_404, require
from counter.core.i18n import locale_code
from counter.extensions import db
from counter.streets.models import Street
from counter.web import register_nav

bp = Blueprint("admin", __name__, url_prefix="/admin")


def init_app(app):
    register_nav(app, "admin.users", _l("Users"), "users.manage", order=85)


def _street_choices():
    streets = db.session.scalars(select(Street).order_by(Street.code)).all()
    return [("", _("— district (administrators only) —"))] + [(str(s.id), s.name(locale_code())) for s in streets]


@bp.route("/users", methods=["GET", "POST"])
@require("users.manage")
def users():
    form = UserForm()
    form.street_id.choices = _street_choices()
    status = 200
    if form.validate_on_submit():
        try:
            create_user(form.username.data, form.password.data, form.role.data, form.display_name.data,
                        form.street_id.data, staff_number=form.staff_number.data)
        except UserError as exc:
            getattr(form, exc.field or "username", form.username).errors.append(exc.message)
        else:
            flash(_("User %(name)s created.", name=form.username.data), "success")
            return redirect(url_for("admin.users"))
    if request.method == "POST":
        status = 422
    rows = db.session.scalars(select(User).order_by(User.street_id.nulls_first(), User.username)).all()
    locked = {k: datetime.fromtimestamp(v, timezone.utc) for k, v in locked_accounts().items()}
    return render_template("admin/users.html", form=form, users=rows, locked=locked), status


@bp.route("/users/<int:user_id>/staff-number", methods=["POST"])
@require("users.manage")
def staff_number(user_id):
    """Set or clear a user's staff number (工号)."""
    user = get_or_404(User, user_id)
    form = StaffNumberForm()
    if form.validate():
        try:
            set_staff_number(user, form.staff_number.data)
        except UserError as exc:
            flash(exc.message, "error")
            return redirect(url_for("admin.users")), 303
        flash(_("Staff number of %(name)s: %(number)s", name=user.username, number=user.staff_number or "—"),
              "success")
        return redirect(url_for("admin.users"))
    flash(" ".join(str(e) for e in form.staff_number.errors) or _("The form expired. Please try again."), "error")
    return redirect(url_for("admin.users")), 303


@bp.route("/users/<int:user_id>/unlock", methods=["POST"])
@require("users.manage")
def unlock_user(user_id):
    """Lift the lock that failed logins put on an account (解锁)."""
    user = get_or_404(User, user_id)
    unlock(user)
    flash(_("User %(name)s is unlocked.", name=user.username), "success")
    return redirect(url_for("admin.users"))


@bp.route("/users/<int:user_id>/active", methods=["POST"])
@require("users.manage")
def toggle_active(user_id):
    user = get_or_404(User, user_id)
    try:
        set_active(user, not user.active, actor=current_user._get_current_object())
    except UserError as exc:
        flash(exc.message, "error")
        return redirect(url_for("admin.users"))
    flash(_("User %(name)s is now %(state)s.", name=user.username,
            state=_("active") if user.active else _("disabled")), "success")
    return redirect(url_for("admin.users"))
