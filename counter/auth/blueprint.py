"""Login, logout, language switch and the home page (首页)."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from counter.audit.service import record
from counter.auth.forms import LocaleForm, LoginForm
from counter.auth.services import authenticate

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("auth.home")


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("auth.home"))
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        user = authenticate(form.username.data, form.password.data)
        if user is not None:
            session.clear()  # no session fixation
            login_user(user)
            record("auth.login", obj=user, street_id=user.street_id, actor=user)
            return redirect(_safe_next(form.next.data))
        form.password.errors.append(_("Wrong username or password."))
    status = 422 if request.method == "POST" else 200
    return render_template("auth/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    record("auth.logout", obj=current_user._get_current_object(), street_id=current_user.street_id)
    logout_user()
    flash(_("You have logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/locale", methods=["POST"])
def set_locale():
    form = LocaleForm()
    if form.validate_on_submit():
        session["locale"] = form.locale.data
        if current_user.is_authenticated:
            current_user.locale = form.locale.data
    return redirect(_safe_next(form.next.data))


@bp.route("/")
@login_required
def home():
    return render_template("home.html")


@bp.app_context_processor
def _inject_forms():
    return {"locale_form": LocaleForm(formdata=None, locale=None)}
