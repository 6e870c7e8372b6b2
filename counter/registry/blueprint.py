"""The coverage report (/reports/coverage): counts per street and community, drill-down lists, CSV/Excel.
Access ``registry.view``: the district admin sees every street, supervisors and finance their own (street
scoping, :mod:`counter.core.scoping`)."""
from __future__ import annotations

from flask import Blueprint, Response, abort, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from counter.core.access import require
from counter.core.i18n import locale_code
from counter.core.pagination import paginate
from counter.core.scoping import current_scope
from counter.core.timeutil import business_today
from counter.core.validation import parse_id
from counter.extensions import db
from counter.registry import exports, labels, services
from counter.registry.forms import CoverageForm
from counter.streets.models import Street
from counter.web import register_nav

bp = Blueprint("registry", __name__, url_prefix="/reports")

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def init_app(app):
    register_nav(app, "registry.coverage", _l("Registry coverage"), "registry.view", order=85)
    from counter.registry.importer import import_buildings_command

    app.cli.add_command(import_buildings_command)
    from counter.reference import register_reference
    from counter.registry.demo import load_sample_registry

    register_reference(app, load_sample_registry)
    from counter.demo import register_seeder
    from counter.registry.demo import seed_old_code_lease

    register_seeder(app, seed_old_code_lease)


def _render(status=200, **context):
    context.setdefault("cov", None)
    context.setdefault("category", None)
    context.setdefault("page", None)
    context.setdefault("facts", {})
    return render_template(
        "registry/coverage.html", categories=services.CATEGORIES, category_labels=labels.CATEGORY_LABELS,
        category_short=labels.CATEGORY_SHORT, missing_reasons=services.MISSING_REASONS,
        missing_reason=services.missing_reason, coverage_link=_link, **context), status


def _link(category: str, street_id: int | None = None, community: str | None = None) -> str:
    """The drill-down of a count: the current filters, narrowed to the row's street and community."""
    args = {k: v for k, v in request.args.items() if k in ("street", "community") and v}
    args["category"] = category
    if street_id is not None:
        if current_user.is_district:
            args["street"] = street_id
        args["community"] = community or services.NO_COMMUNITY
    return url_for("registry.coverage", **args)


def _visible_streets() -> list[Street]:
    scope = current_scope()
    stmt = select(Street).order_by(Street.code)
    if scope is not None:
        stmt = stmt.where(Street.id.in_(scope))
    return list(db.session.scalars(stmt))


def _form():
    form = CoverageForm(request.args)
    form.setup(_visible_streets(), locale_code())
    if not current_user.is_district:
        del form.street
    valid = form.validate() if request.args else True
    filters = services.Filters()
    category = None
    if valid:
        # a blank value passes Optional() without the choices check: only a known category is a category
        category = form.category.data if form.category.data in services.CATEGORIES else None
        filters = services.Filters(
            street_id=parse_id(form.street.data) if current_user.is_district else None,
            community=(form.community.data or "").strip() or None)
    return form, valid, category, filters


@bp.route("/coverage")
@require("registry.view")
def coverage():
    form, valid, category, filters = _form()
    streets = services.street_names(locale_code())
    if not valid:
        return _render(422, form=form, streets=streets)
    cov = services.coverage(filters)
    page, facts = None, {}
    if category:
        stmt = services.listing(category, filters)
        if stmt is not None:
            page = paginate(stmt, request.args.get("page"), per_page=25)
            if category != "unfiled":
                facts = services.units_for(page.items)
    return _render(form=form, cov=cov, category=category, page=page, streets=streets, facts=facts)


@bp.route("/coverage/export.<fmt>")
@require("registry.view")
def export(fmt):
    if fmt not in ("csv", "xlsx"):
        abort(404)
    form, valid, category, filters = _form()
    if not valid:
        return _render(422, form=form, streets={})
    locale = locale_code()
    if category:
        stmt = services.listing(category, filters)
        items = [] if stmt is None else db.session.scalars(stmt.limit(services.EXPORT_MAX)).unique().all()
        table = exports.list_table(category, items, services.street_names(locale), locale)
        name, title = f"coverage-{category}", labels.CATEGORY_SHORT[category]
    else:
        table = exports.summary_table(services.coverage(filters), locale)
        name, title = "coverage", _l("Registry coverage")
    stamp = business_today().strftime("%Y%m%d")
    if fmt == "csv":
        data, mimetype = exports.to_csv(*table), CSV_TYPE
    else:
        data, mimetype = exports.to_xlsx(*table, title=str(title)), XLSX_TYPE
    resp = Response(data, mimetype=mimetype)
    resp.headers["Content-Disposition"] = f"attachment; filename={name}-{stamp}.{fmt}"
    resp.headers["Cache-Control"] = "no-store"
    return resp
