"""Finance pages: the street ledger with filters and exports, daily and monthly summaries, the district
overview with its chart, remittances, bank reconciliation and the annual statistics."""
from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.orm import selectinload
from werkzeug.datastructures import MultiDict

from counter.collection.models import JournalEntry

from counter.core.access import get_or_404, require
from counter.core.i18n import locale_code
from counter.core.pagination import paginate
from counter.core.timeutil import business_today
from counter.core.validation import forbidden_character, parse_id
from counter.ledger import exports, services
from counter.ledger.forms import (LedgerFilterForm, MonthForm, RangeForm, RemittanceForm, ResolveForm,
                                  ReverseRemittanceForm, StatementUploadForm, StatisticsForm, YearForm)
from counter.ledger.models import BankStatement, Remittance
from counter.ledger.statement import HEADERS, StatementError
from counter.web import register_nav

bp = Blueprint("ledger", __name__, url_prefix="/ledger")


def init_app(app):
    register_nav(app, "ledger.index", _l("Ledger"), "ledger.view", order=40)
    register_nav(app, "ledger.overview", _l("District overview"), "district.overview", order=60)
    register_nav(app, "ledger.statistics", _l("Statistics"), "ledger.view", order=80)
    app.config.setdefault("LEDGER_RECONCILE_TOLERANCE_DAYS", services.DEFAULT_TOLERANCE_DAYS)


def _street_choice(form_field) -> int | None:
    """The street the page shows: a street user's own; the district admin's choice (None = all)."""
    if not current_user.is_district:
        return current_user.street_id
    value = form_field.data
    return parse_id(value)


def _street_choices(form) -> None:
    """The street selector is the district admin's; a street user's form has none (their street is fixed)."""
    if not current_user.is_district:
        del form.street
        return
    form.street.choices = [("", _("All streets"))] + [(str(s.id), s.name(locale_code()))
                                                 for s in services.visible_streets()]


def _items_choices():
    from fees import ITEM_NAMES

    return [(code, services.item_label(code, names[0])) for code, names in ITEM_NAMES.items()]


def _download(data: bytes, filename: str, mimetype: str) -> Response:
    resp = Response(data, mimetype=mimetype)
    resp.headers["Content-Disposition"] = f"attachment; filename={filename}"
    resp.headers["Cache-Control"] = "no-store"
    return resp


CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# ---------------------------------------------------------------------------------------------- ledger

def _ledger_from_request():
    form = LedgerFilterForm(request.args)
    form.setup(services.visible_streets(), services.clerks_in_scope(), _items_choices(), locale_code())
    if not current_user.is_district:
        del form.street
    valid = form.validate() if request.args else True
    f = services.LedgerFilters()
    if valid:
        f = services.LedgerFilters(
            date_from=form.date_from.data, date_to=form.date_to.data,
            clerk_id=parse_id(form.clerk.data),
            item=form.item.data or None, method=form.method.data or None,
            street_id=_street_choice(form.street) if current_user.is_district else None)
    return form, valid, f


@bp.route("/")
@require("ledger.view")
def index():
    form, valid, f = _ledger_from_request()
    if not valid:
        return render_template("ledger/index.html", form=form, result=None, page=None), 422
    result = services.ledger_query(f)
    page = paginate(result.stmt.options(selectinload(JournalEntry.receipt)), request.args.get("page"),
                    per_page=50)
    receipts = {e.receipt_id: e.receipt for e in page.items}
    return render_template("ledger/index.html", form=form, result=result, page=page, receipts=receipts,
                           clerks=dict(services.clerks_in_scope()), streets={s.id: s for s in services.visible_streets()})


@bp.route("/export.<fmt>")
@require("ledger.view")
def export(fmt):
    if fmt not in ("csv", "xlsx"):
        abort(404)
    form, valid, f = _ledger_from_request()
    if not valid:
        return render_template("ledger/index.html", form=form, result=None, page=None), 422
    table = exports.ledger_table(services.ledger_query(f), locale_code())
    stamp = business_today().strftime("%Y%m%d")
    if fmt == "csv":
        return _download(exports.to_csv(*table), f"ledger-{stamp}.csv", CSV_TYPE)
    return _download(exports.to_xlsx(*table, title=_("Ledger")), f"ledger-{stamp}.xlsx", XLSX_TYPE)


# ---------------------------------------------------------------------------------------------- summaries

@bp.route("/daily")
@require("ledger.view")
def daily():
    today = business_today()
    args = request.args if request.args else MultiDict({"date_from": today.replace(day=1).isoformat(),
                                                        "date_to": today.isoformat()})
    form = RangeForm(args)
    _street_choices(form)
    if not form.validate():
        return render_template("ledger/daily.html", form=form, summary=None), 422
    summary = services.daily_summary(_street_choice(getattr(form, "street", None)), form.date_from.data, form.date_to.data)
    return render_template("ledger/daily.html", form=form, summary=summary)


def _month_from_request():
    today = business_today()
    args = request.args if request.args.get("year") else MultiDict({"year": today.year, "month": today.month,
                                                                    **request.args.to_dict()})
    form = MonthForm(args)
    _street_choices(form)
    return form


@bp.route("/monthly")
@require("ledger.view")
def monthly():
    form = _month_from_request()
    if not form.validate():
        return render_template("ledger/monthly.html", form=form, summary=None), 422
    summary = services.monthly_summary(_street_choice(getattr(form, "street", None)), form.year.data, form.month.data)
    return render_template("ledger/monthly.html", form=form, summary=summary)


@bp.route("/monthly.<fmt>")
@require("ledger.view")
def monthly_export(fmt):
    if fmt not in ("csv", "xlsx"):
        abort(404)
    form = _month_from_request()
    if not form.validate():
        return render_template("ledger/monthly.html", form=form, summary=None), 422
    summary = services.monthly_summary(_street_choice(getattr(form, "street", None)), form.year.data, form.month.data)
    table = exports.summary_table(summary)
    name = f"monthly-{form.year.data}-{form.month.data:02d}"
    if fmt == "csv":
        return _download(exports.to_csv(*table), f"{name}.csv", CSV_TYPE)
    return _download(exports.to_xlsx(*table, title=_("Monthly summary")), f"{name}.xlsx", XLSX_TYPE)


# ---------------------------------------------------------------------------------------------- overview

CHART_COLOURS = ("#9b1c1c", "#1d4ed8", "#166534", "#92400e", "#6d28d9", "#0e7490", "#be185d", "#4d7c0f",
                 "#1f2933", "#b45309")


def chart_geometry(overview, width=960, height=320, left=90, bottom=28, top=12):
    """Stacked bars (one per month, one segment per street), server-side: a list of shapes for the SVG."""
    months = range(1, 13)
    tops = [sum(max(overview.amount(s.id, m), 0) for s in overview.streets) for m in months]
    peak = max(tops + [1])
    plot_h = height - bottom - top
    slot = (width - left - 10) / 12
    bar_w = slot * 0.7
    bars, ticks = [], []
    for i, m in enumerate(months):
        x = left + i * slot + (slot - bar_w) / 2
        y = height - bottom
        for j, s in enumerate(overview.streets):
            v = max(overview.amount(s.id, m), 0)
            if not v:
                continue
            h = v / peak * plot_h
            y -= h
            bars.append({"x": round(x, 1), "y": round(y, 1), "w": round(bar_w, 1), "h": round(h, 1),
                         "colour": CHART_COLOURS[j % len(CHART_COLOURS)], "street": s, "month": m, "fen": v})
        ticks.append({"x": round(x + bar_w / 2, 1), "month": m})
    grid = [{"y": round(height - bottom - plot_h * k / 4, 1), "fen": peak * k // 4} for k in range(5)]
    return {"width": width, "height": height, "left": left, "bottom": bottom, "bars": bars, "ticks": ticks,
            "grid": grid, "colours": CHART_COLOURS}


@bp.route("/overview")
@require("district.overview")
def overview():
    args = request.args if request.args.get("year") else MultiDict({"year": business_today().year})
    form = YearForm(args)
    if not form.validate():
        return render_template("ledger/overview.html", form=form, overview=None), 422
    ov = services.district_overview(form.year.data)
    return render_template("ledger/overview.html", form=form, overview=ov, chart=chart_geometry(ov))


# ---------------------------------------------------------------------------------------------- remittances

def _remittance_page(form, reverse_form=None, status=200):
    year = request.args.get("year", type=int)
    if year is not None and not 2000 <= year <= 2100:  # the positions of one year (the same bounds as the forms)
        year = None
    street_id = None if current_user.is_district else current_user.street_id
    page = paginate(services.remittances_query(street_id), request.args.get("page"), per_page=50)
    return render_template("ledger/remittances.html", form=form, reverse_form=reverse_form or ReverseRemittanceForm(),
                           page=page, reversed=services.reversed_ids(page.items), positions=services.positions(year),
                           year=year, streets={s.id: s for s in services.visible_streets()}), status


@bp.route("/remittances", methods=["GET"])
@require("ledger.view")
def remittances():
    form = RemittanceForm(formdata=None, remitted_on=business_today())
    return _remittance_page(form)


@bp.route("/remittances", methods=["POST"])
@require("ledger.manage")
def record_remittance():
    form = RemittanceForm()
    if form.validate_on_submit():
        try:
            r = services.record_remittance(current_user.street_id, form.period_start.data, form.period_end.data,
                                           form.amount.fen, form.reference.data, form.remitted_on.data)
        except services.LedgerError as exc:
            getattr(form, exc.field or "amount").errors.append(exc.message)
        else:
            flash(_("Remittance %(reference)s recorded.", reference=r.reference), "success")
            return redirect(url_for("ledger.remittances"))
    return _remittance_page(form, status=422)


@bp.route("/remittances/<int:remittance_id>/reverse", methods=["POST"])
@require("ledger.manage")
def reverse_remittance(remittance_id):
    original = get_or_404(Remittance, remittance_id)
    form = ReverseRemittanceForm()
    if form.validate_on_submit():
        try:
            services.reverse_remittance(original.id, form.reason.data)
        except services.LedgerError as exc:
            form.reason.errors.append(exc.message)
            if exc.field is None:  # e.g. reversed a moment ago by someone else: the row has no form any more
                flash(exc.message, "error")
        else:
            flash(_("Remittance %(reference)s reversed.", reference=original.reference), "success")
            return redirect(url_for("ledger.remittances"))
    form.target_id = original.id
    return _remittance_page(RemittanceForm(formdata=None, remitted_on=business_today()), form, status=422)


# ---------------------------------------------------------------------------------------------- reconciliation

def _statements_page(form, status=200):
    street_id = None if current_user.is_district else current_user.street_id
    page = paginate(services.statements_query(street_id), request.args.get("page"), per_page=25)
    return render_template("ledger/statements.html", form=form, page=page, headers=HEADERS,
                           streets={s.id: s for s in services.visible_streets()}), status


@bp.route("/reconciliation", methods=["GET"])
@require("ledger.view")
def statements():
    return _statements_page(StatementUploadForm(formdata=None))


@bp.route("/reconciliation", methods=["POST"])
@require("ledger.manage")
def upload_statement():
    form = StatementUploadForm()
    if form.validate_on_submit():
        upload = form.file.data
        try:
            st = services.import_bank_statement(current_user.street_id, upload.read(), _filename(upload.filename))
        except StatementError as exc:
            form.file.errors.extend(exc.messages)
        else:
            flash(_("Statement uploaded: %(n)s lines.", n=st.line_count), "success")
            return redirect(url_for("ledger.statement", statement_id=st.id))
    return _statements_page(form, status=422)


def _filename(name: str | None) -> str:
    """The uploaded file's name as it may be shown and stored: printable, at most 200 characters."""
    name = "".join(c for c in (name or "") if forbidden_character(c) is None).strip()
    return name[:200] or "statement.csv"


def _statement_page(st, error_form=None, error_key=None, status=200):
    rec = services.reconcile(st)
    return render_template("ledger/statement.html", st=rec.statement, rec=rec, error_form=error_form,
                           error_key=error_key, resolve_form=ResolveForm(formdata=None),
                           can_manage=current_user.can("ledger.manage")), status


@bp.route("/reconciliation/<int:statement_id>")
@require("ledger.view")
def statement(statement_id):
    return _statement_page(get_or_404(BankStatement, statement_id))


@bp.route("/reconciliation/<int:statement_id>/resolve", methods=["POST"])
@require("ledger.manage")
def resolve(statement_id):
    st = get_or_404(BankStatement, statement_id)
    form = ResolveForm()
    key = f"{form.kind.data}-{form.target.data}"
    if form.validate_on_submit():
        target = parse_id(form.target.data)
        if form.kind.data not in ("bank_line", "receipt") or target is None:
            abort(400)
        item = services.find_unmatched(st, form.kind.data, target)
        if item is None:
            abort(404)
        try:
            services.resolve_item(item, form.note.data)
        except services.LedgerError as exc:
            form.note.errors.append(exc.message)
        else:
            flash(_("Resolved with your note."), "success")
            return redirect(url_for("ledger.statement", statement_id=st.id) + "#open")
    return _statement_page(st, error_form=form, error_key=key, status=422)


# ---------------------------------------------------------------------------------------------- statistics

@bp.route("/statistics")
@require("ledger.view")
def statistics():
    args = request.args if request.args.get("year") else MultiDict({"year": business_today().year,
                                                                    **request.args.to_dict()})
    form = StatisticsForm(args)
    if not form.validate():
        return render_template("ledger/statistics.html", form=form, stats=None), 422
    stats = services.annual_statistics(form.year.data, form.on.data)
    return render_template("ledger/statistics.html", form=form, stats=stats)


@bp.app_template_filter("area_m2")
def area_m2(centi):
    """Hundredths of m² -> '1,234.56' (locale number, exact)."""
    from decimal import Decimal

    from counter.core.i18n import number

    return number((Decimal(int(centi or 0)) / 100).quantize(Decimal("0.01")), 2)


@bp.app_template_global("method_label")
def _method_label(method):
    return services.method_label(method)


@bp.app_template_global("kind_label")
def _kind_label(kind):
    return str(services.KIND_LABELS.get(kind, kind))


@bp.app_template_global("item_label")
def _item_label(code, name_zh=None):
    return services.item_label(code, name_zh)
