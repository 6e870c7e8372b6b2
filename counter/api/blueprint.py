"""The API module's pages, and the API itself (:mod:`counter.api.endpoints`, registered by :func:`init_app`):

- ``/admin/api-clients``: the district administrator registers client systems and issues their keys
  (the token is shown once), revokes keys;
- ``/verify/bulk``: a school without a system uploads a CSV or Excel file of verification codes and gets
  the same file back with a status column (public, CSRF, rate-limited);
- ``/api/v1/docs``: the API's documentation (Swagger UI, served from the ``swagger-ui-bundle`` package:
  no CDN); the document itself is ``/api/v1/openapi.json``.
"""
from __future__ import annotations

from pathlib import Path

from flask import Blueprint, abort, current_app, render_template, request, send_from_directory, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from counter.api import bulkfile, services
from counter.api.forms import SCOPE_LABELS, BulkVerifyForm, ClientForm, KeyForm, RevokeForm
from counter.api.models import ApiClient, ApiKey
from counter.core.access import get_or_404, require
from counter.core.i18n import fmt_date, locale_code
from counter.core.ratelimit import rate_limited
from counter.extensions import db
from counter.streets.models import Street
from counter.web import register_nav

bp = Blueprint("api", __name__)
BULK_PER_MINUTE = 10  # uploads per client address and minute (config RATE_LIMITS["verify_bulk"])


def init_app(app):
    from counter.api.endpoints import init_api, problem

    register_nav(app, "api.clients", _l("API clients"), "api.manage", order=86)
    init_api(app)

    @app.errorhandler(405)
    def _method_not_allowed(exc):  # a method the route does not take: problem+json under /api/
        if request.path.startswith("/api/"):
            return problem(405, _("This method is not allowed here."), headers={"Allow": ", ".join(exc.valid_methods or ())})
        return exc


# ----------------------------------------------------------------------------------- client systems

def _street_choices():
    streets = db.session.scalars(select(Street).order_by(Street.code)).all()
    return [("", _("— all streets —"))] + [(str(s.id), s.name(locale_code())) for s in streets]


@bp.route("/admin/api-clients", methods=["GET", "POST"])
@require("api.manage")
def clients():
    form = ClientForm()
    status = 200
    if form.validate_on_submit():
        try:
            client = services.create_client(form.name.data, form.contact.data, actor=current_user._get_current_object())
        except services.ClientError as exc:
            getattr(form, exc.field, form.name).errors.append(exc.message)
        else:
            from flask import flash, redirect

            flash(_("Client system %(name)s registered.", name=client.name), "success")
            return redirect(url_for("api.client", client_id=client.id))
    if request.method == "POST":
        status = 422
    rows = db.session.scalars(select(ApiClient).order_by(ApiClient.name)).all()
    return render_template("api/clients.html", form=form, clients=rows), status


def _client_page(client, key_form, *, token=None, issued=None, status=200):
    return render_template("api/client.html", client=client, form=key_form, revoke_form=RevokeForm(formdata=None),
                           token=token, issued=issued, scope_labels=SCOPE_LABELS), status


@bp.route("/admin/api-clients/<int:client_id>", methods=["GET", "POST"])
@require("api.manage")
def client(client_id):
    client = get_or_404(ApiClient, client_id)
    form = KeyForm()
    form.street_id.choices = _street_choices()
    if form.validate_on_submit():
        try:
            key, token = services.issue_key(client, form.scopes.data, street_id=form.street_id.data,
                                            days=form.days.data, label=form.label.data,
                                            actor=current_user._get_current_object())
        except services.ClientError as exc:
            getattr(form, exc.field, form.scopes).errors.append(exc.message)
        else:
            # the token is shown on this answer only (never stored, never flashed into the session cookie)
            fresh = KeyForm(formdata=None)
            fresh.street_id.choices = _street_choices()
            resp = _client_page(client, fresh, token=token, issued=key)
            return resp
    if request.method == "POST":
        return _client_page(client, form, status=422)
    return _client_page(client, form)


@bp.route("/admin/api-keys/<int:key_id>/revoke", methods=["POST"])
@require("api.manage")
def revoke(key_id):
    from flask import flash, redirect

    key = get_or_404(ApiKey, key_id)
    form = RevokeForm()
    if not form.validate_on_submit():
        abort(400)
    if services.revoke_key(key, actor=current_user._get_current_object()):
        flash(_("Key %(prefix)s revoked.", prefix=key.prefix), "success")
    else:
        flash(_("Key %(prefix)s was already revoked.", prefix=key.prefix), "info")
    return redirect(url_for("api.client", client_id=key.client_id))


@bp.after_app_request
def _no_store_tokens(response):
    if request.endpoint in ("api.client", "api.bulk_verify"):
        response.headers["Cache-Control"] = "no-store"
    return response


# ------------------------------------------------------------------------------------- bulk check page

def _messages() -> dict:
    return {"too_large": _("The file is too large (at most 2 MB)."),
            "too_many": _("At most %(n)s codes in one file.", n=services.BULK_MAX),
            "unreadable": _("This is not a CSV or Excel (.xlsx) file."),
            "empty": _("The file holds no verification codes.")}


def _status_text(r) -> str:
    from counter.documents.labels import STATUS_LABELS

    if not r["found"]:
        return _("Unknown code")
    return str(STATUS_LABELS.get(r["status"], r["status"]))


@bp.route("/verify/bulk", methods=["GET", "POST"])
@rate_limited("verify_bulk", per_minute=BULK_PER_MINUTE)
def bulk_verify():
    form = BulkVerifyForm()
    if request.method == "POST":
        if form.validate_on_submit():
            upload = form.file.data
            try:
                cf = bulkfile.read(upload.read(bulkfile.FILE_MAX + 1), upload.filename or "", limit=services.BULK_MAX,
                                   messages=_messages())
            except bulkfile.BulkFileError as exc:
                form.file.errors.append(str(exc))
            else:
                results = services.verify_codes(cf.codes)
                rows = [(_status_text(r), fmt_date(r["issue_date"]) if r["issue_date"] else "", r["holder"] or "")
                        for r in results]
                data = bulkfile.write(cf, rows, (_("Status"), _("Issue date"), _("Holder")))
                return _download(data, cf.kind, upload.filename)
        return render_template("api/bulk.html", form=form), 422
    return render_template("api/bulk.html", form=form)


def _download(data: bytes, kind: str, filename: str | None):
    from flask import Response

    stem = Path(filename or "codes").stem
    stem = "".join(c for c in stem if c.isalnum() or c in "-_ ")[:60] or "codes"
    mimetype = "text/csv; charset=utf-8" if kind == "csv" else \
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    resp = Response(data, mimetype=mimetype)
    from urllib.parse import quote

    name = f"{stem}-checked.{kind}"
    ascii_name = "".join(c for c in name if c.isascii()) or f"codes-checked.{kind}"
    resp.headers["Content-Disposition"] = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"
    return resp


# ------------------------------------------------------------------------------------------ API docs

@bp.route("/api/v1/docs")
def docs():
    return render_template("api/docs.html", spec_url=url_for("api-docs.openapi_json"))


@bp.route("/api/v1/docs/assets/<path:filename>")
def docs_asset(filename):
    from swagger_ui_bundle import swagger_ui_path

    if filename not in ("swagger-ui-bundle.js", "swagger-ui.css", "favicon-32x32.png"):
        abort(404)
    return send_from_directory(str(swagger_ui_path), filename, max_age=86_400)
