"""Login, logout, password change, language switch and the home page (首页)."""
from __future__ import annotations

from datetime import datetime, timezone
from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_login import current_user, login_required

from counter.audit.service import record
from counter.auth import sessions
from counter.auth.forms import LocaleForm, LoginForm, PasswordChangeForm
from counter.auth.services import UserError, attempt_login, change_password
from counter.core.ratelimit import client_address
from counter.extensions import db

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    if (target and target.startswith("/") and not target.startswith("//") and "\\" not in target
            and not urlsplit(target).netloc and target.isprintable()):
        return target
    return url_for("auth.home")


def _locked_message(outcome) -> str:
    until = format_datetime(datetime.fromtimestamp(outcome.locked_until, timezone.utc), "short")
    if outcome.address_blocked:
        return _("Too many failed logins from this computer. Please wait until %(time)s.", time=until)
    return _("Too many failed logins: this account is locked until %(time)s. Try again then, or ask the "
             "district administrator to unlock it.", time=until)


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("auth.home"))
    form = LoginForm(next=request.args.get("next", "")[:2000])
    if form.validate_on_submit():
        outcome = attempt_login(form.username.data, form.password.data, client_address())
        if outcome.ok:
            sessions.start(outcome.user)
            return redirect(_safe_next(form.next.data))
        db.session.commit()  # the failure is counted and audited although the page answers 422
        if outcome.locked_until:
            form.password.errors.append(_locked_message(outcome))
        else:
            form.password.errors.append(_("Wrong username or password."))
    status = 422 if request.method == "POST" else 200
    return render_template("auth/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    user = current_user._get_current_object()
    record("auth.logout", obj=user, street_id=user.street_id)
    sessions.end(user)
    flash(_("You have logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/password", methods=["GET", "POST"])
@login_required
def password():
    form = PasswordChangeForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        try:
            change_password(user, form.current_password.data, form.new_password.data)
        except UserError as exc:
            getattr(form, exc.field or "new_password").errors.append(exc.message)
        else:
            sessions.start(user)  # this browser stays logged in with the new token; the others are out
            flash(_("Your password is changed. Every other session of your account has ended."), "success")
            return redirect(url_for("auth.home"))
    status = 422 if request.method == "POST" else 200
    return render_template("auth/password.html", form=form), status


@bp.route("/locale", methods=["POST"])
def set_locale():
    form = LocaleForm()
    if form.validate_on_submit():
        session["locale"] = form.locale.data
        if current_user.is_authenticated:
            current_user.locale = form.locale.data
    return redirect(_safe_next(form.next.data if not form.next.errors else None))


@bp.route("/")
@login_required
def home():
    return render_template("home.html")


@bp.app_context_processor
def _inject_forms():
    return {"locale_form": LocaleForm(formdata=None, locale=None)}
