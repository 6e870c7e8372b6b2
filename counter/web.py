"""Web plumbing shared by every blueprint: extensions, one transaction per request, street scope,
locale, Jinja filters, error pages and security headers."""
from __future__ import annotations

from flask import Flask, g, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.routing import IntegerConverter

from counter.core import i18n, masking, scoping
from counter.core.ratelimit import RateLimited
from counter.extensions import babel, csrf, db, login_manager

WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def register_nav(app: Flask, endpoint: str, label, permission: str, order: int = 50) -> None:
    """A module adds its entry to the top navigation; shown to users whose role holds ``permission``."""
    app.extensions.setdefault("counter_nav", []).append((order, endpoint, label, permission))
    app.extensions["counter_nav"].sort(key=lambda item: item[0])


def nav_items():
    from flask import current_app

    if not current_user.is_authenticated:
        return []
    return [(endpoint, label) for _order, endpoint, label, permission in current_app.extensions.get("counter_nav", [])
            if current_user.can(permission) and endpoint in current_app.view_functions]


def commit_on_get() -> None:
    """Ask for a commit at the end of a GET (e.g. the public verification log)."""
    g.commit_on_get = True


class IdConverter(IntegerConverter):
    """``<int:...>`` in every route: at most the largest database id, so ``/leases/99999999999999999999``
    is a 404 rather than an integer that overflows the database driver."""

    def __init__(self, map, fixed_digits=0, min=None, max=None, signed=False):  # noqa: A002 - werkzeug's names
        from counter.core.validation import ID_MAX

        super().__init__(map, fixed_digits, min, ID_MAX if max is None else max, signed)


def init_app(app: Flask) -> None:
    app.url_map.converters["int"] = IdConverter  # before the blueprints add their routes
    csrf.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale,
                   default_translation_directories=";".join(_translation_dirs(app)))
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None
    login_manager.session_protection = "strong"

    from counter.auth.sessions import load_user

    login_manager.user_loader(load_user)  # "<id>:<session token>", idle and absolute timeouts

    @app.before_request
    def _set_street_scope():
        if current_user.is_authenticated:
            g.scope_token = scoping.set_scope(current_user.street_ids())
        else:
            g.scope_token = scoping.set_scope(())

    @app.after_request
    def _finish_transaction(response):
        """One transaction per request: commit a successful write, roll back anything else.
        Services only flush; a form re-rendered with errors answers 422, so nothing it flushed lands."""
        # personal data (full ID numbers on the lease page, masked facts on the public check) is never kept
        # by the browser or a proxy after the session ends (decided before the commit expires the user)
        personal = request.endpoint != "static" and (current_user.is_authenticated or request.blueprint == "verify")
        wants_commit = request.method in WRITE_METHODS or g.get("commit_on_get")
        if wants_commit and response.status_code < 400:
            db.session.commit()
        else:
            db.session.rollback()
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
            "script-src 'self'; frame-ancestors 'none'; form-action 'self'")
        if app.config.get("COUNTER_HTTPS"):
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        if personal:
            response.headers["Cache-Control"] = "no-store"
            response.headers["Pragma"] = "no-cache"
        return response

    @app.teardown_request
    def _end_request(exc):
        db.session.remove()  # the request's own session (see counter.extensions._session_scope)
        for key in ("_login_user", "_flask_babel", "commit_on_get"):  # g outlives the request when an app context is reused
            g.pop(key, None)
        token = g.pop("scope_token", None)
        if token is not None:
            scoping.reset_scope(token)

    app.jinja_env.filters.update(
        money=i18n.money,
        date=i18n.fmt_date,
        datetime=i18n.fmt_datetime,
        number=i18n.number,
        mask_id=masking.mask_id,
        mask_name=masking.mask_name,
        mask_phone=masking.mask_phone,
    )
    from counter.auth.roles import ROLE_LABELS
    from counter.core.timeutil import business_today

    app.jinja_env.filters["role_label"] = lambda role: ROLE_LABELS.get(role, role)
    app.jinja_env.globals.update(locale_code=i18n.locale_code, LOCALES=i18n.LOCALES, nav_items=nav_items,
                                 business_today=business_today, date_span=i18n.fmt_span, html_lang=i18n.html_lang,
                                 has_endpoint=lambda name: name in app.view_functions)
    app.jinja_env.add_extension("jinja2.ext.do")

    @app.errorhandler(CSRFError)
    def _csrf_error(exc):
        return render_template("errors/error.html", code=400,
                               message=_("The form expired or was not sent from this site. "
                                         "Please reload the page and submit it again.")), 400

    @app.errorhandler(RateLimited)
    def _rate_limited(exc):
        db.session.rollback()
        minutes = max(1, -(-exc.retry_after // 60))
        message = _("Too many requests from your address. Please try again in %(n)s minute(s).", n=minutes)
        return render_template("errors/error.html", code=429, message=message, public=True), 429, \
            {"Retry-After": str(exc.retry_after)}

    for code, message in ((403, _l("You do not have permission to do this.")),
                          (404, _l("Not found.")),
                          (413, _l("The file is too large.")),
                          (500, _l("Something went wrong. Nothing was saved; please try again."))):
        app.register_error_handler(code, _make_error_handler(code, message))


def _make_error_handler(code: int, message: str):
    def handler(exc):
        db.session.rollback()
        return render_template("errors/error.html", code=code, message=str(message)), code

    return handler


def _translation_dirs(app: Flask) -> list[str]:
    from counter.config import PROJECT_ROOT

    base = PROJECT_ROOT / "translations"
    return [str(p) for p in sorted(base.iterdir()) if p.is_dir()] if base.exists() else []
