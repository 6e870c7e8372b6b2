"""Reports: the guidance-rent survey (/reports/rents), adopting a proposed guidance table
(/reports/rents/guidance) and the annual report (/reports/annual: page with its chart, .xlsx, .pdf)."""
from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

from flask import Blueprint, Response, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from counter.core.access import require
from counter.core.i18n import locale_code
from counter.core.labels import USE_LABELS, use_label
from counter.core.timeutil import business_today
from counter.ledger.services import visible_streets
from counter.reports import annual, services, survey
from counter.reports.forms import AdoptForm, AnnualForm, SurveyForm
from counter.reports.labels import PERIOD_KIND_LABELS
from counter.web import register_nav

bp = Blueprint("reports", __name__, url_prefix="/reports")

FLAGGED_SHOWN = 200  # the page lists at most this many possibly under-declared filings (the count is exact)
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def init_app(app):
    app.config.setdefault("REPORT_RENT_MIN_SAMPLE", 5)
    app.config.setdefault("REPORT_UNDER_DECLARED_PERCENT", 50)
    register_nav(app, "reports.annual_page", _l("Annual report"), "reports.view", order=82)
    register_nav(app, "reports.rents", _l("Rent survey"), "reports.view", order=83)


@bp.app_context_processor
def _globals():
    return {"period_kind_label": lambda k: PERIOD_KIND_LABELS.get(k, k)}


def _with_year(args) -> MultiDict:
    if args.get("year"):
        return args
    return MultiDict({"year": str(business_today().year), **args.to_dict()})


def _street_names(streets) -> dict[int, str]:
    loc = locale_code()
    return {s.id: s.name(loc) for s in streets}


# ---------------------------------------------------------------------------------------------- survey

def _survey_from(form: SurveyForm) -> survey.Survey:
    cfg = current_app.config
    return survey.survey(form.year.data, period_kind=form.by.data or "year",
                         min_sample=form.min_sample.data or int(cfg["REPORT_RENT_MIN_SAMPLE"]),
                         percent=form.percent.data or int(cfg["REPORT_UNDER_DECLARED_PERCENT"]),
                         street_id=int(form.street.data) if form.street.data else None, use=form.use.data or None)


@bp.route("/rents")
@require("reports.view")
def rents():
    streets = visible_streets()
    form = SurveyForm(_with_year(request.args))
    form.setup(streets, locale_code())
    if not form.validate():
        return render_template("reports/rents.html", form=form, s=None, names=_street_names(streets)), 422
    s = _survey_from(form)
    codes = {st.id: st.code for st in streets}
    current = services.current_guidance(business_today())
    return render_template("reports/rents.html", form=form, s=s, names=_street_names(streets), codes=codes,
                           current=current, flagged=s.flagged[:FLAGGED_SHOWN], use_label=use_label)


def _adopt_rows(s: survey.Survey, streets) -> list[dict]:
    codes = {st.id: st.code for st in streets}
    current = services.current_guidance(business_today())
    rows = []
    for p in s.proposals:
        code = codes.get(p.street_id)
        if code is None:
            continue
        g = current.get((code, p.use))
        rows.append({"key": f"{code}:{p.use}", "street_id": p.street_id, "code": code, "use": p.use, "p": p,
                     "current_fen": g.fen_per_m2_month if g is not None else None})
    return rows


@bp.route("/rents/guidance", methods=["GET", "POST"])
@require("fees.manage")
def adopt():
    streets = visible_streets()
    source = request.form if request.method == "POST" else request.args
    sform = SurveyForm(_with_year(MultiDict({"year": source.get("year", "")})))
    sform.setup(streets, locale_code())
    names = _street_names(streets)
    if not sform.validate():
        return render_template("reports/adopt.html", form=None, sform=sform, rows=[], names=names), 422
    s = _survey_from(sform)
    rows = _adopt_rows(s, streets)
    if request.method == "GET":
        form = AdoptForm(formdata=None, data={"year": str(s.year),
                                              "rows": [{"key": r["key"], "value": r["p"].proposed} for r in rows]})
        return render_template("reports/adopt.html", form=form, sform=sform, rows=rows, names=names, s=s)
    form = AdoptForm()
    allowed = {f"{st.code}:{u}" for st in streets for u in USE_LABELS}
    by_key = {r["key"]: r for r in rows}
    ok = form.validate()
    chosen: list[services.AdoptRow] = []
    for entry in form.rows:
        key = entry.form.key.data or ""
        if key not in allowed:
            entry.form.value.errors = list(entry.form.value.errors) + [_("Unknown street or use.")]
            ok = False
            continue
        if entry.form.value.data is not None and not entry.form.value.errors:
            code, use = key.split(":", 1)
            chosen.append(services.AdoptRow(code, use, entry.form.value.fen))
    if ok and form.effective_from.data < business_today():
        form.effective_from.errors.append(_("A new guidance version takes effect today or later."))
        ok = False
    if ok:
        note = _survey_note(s)
        try:
            adopted = services.adopt_guidance(chosen, form.effective_from.data, form.legal_source.data.strip(), note)
        except services.ReportError as exc:
            (getattr(form, exc.field).errors.append(exc.message) if exc.field else form.form_errors.append(exc.message))
        else:
            flash(_("%(n)d guidance rents adopted from %(day)s.", n=len(adopted),
                    day=_fmt(form.effective_from.data)), "success")
            return redirect(url_for("tax.guidance"))
    rows = [by_key.get(e.form.key.data) or {"key": e.form.key.data, "code": "", "use": "", "p": None,
                                              "current_fen": None, "street_id": None} for e in form.rows]
    return render_template("reports/adopt.html", form=form, sform=sform, rows=rows, names=names, s=s), 422


def _fmt(day: date) -> str:
    from counter.core.i18n import fmt_date

    return fmt_date(day)


def _survey_note(s: survey.Survey) -> str:
    """The provenance of an adopted table, recorded with each row (data, in the office's language)."""
    return (f"租金调查{s.year}年（{s.filings}份备案，下四分位数，最小样本{s.min_sample}）"
            f"，{current_user.username}于{business_today().isoformat()}采纳")


# ---------------------------------------------------------------------------------------------- annual

def _annual_form():
    form = AnnualForm(_with_year(request.args))
    return form, form.validate()


@bp.route("/annual")
@require("reports.view")
def annual_page():
    form, ok = _annual_form()
    if not ok:
        return render_template("reports/annual.html", form=form, r=None), 422
    return render_template("reports/annual.html", form=form, r=annual.annual_report(form.year.data))


def _yuan(fen: int) -> Decimal:
    return (Decimal(int(fen)) / 100).quantize(Decimal("0.01"))


def _m2(centi: int) -> Decimal:
    return (Decimal(int(centi)) / 100).quantize(Decimal("0.01"))


@bp.route("/annual.xlsx")
@require("reports.view")
def annual_xlsx():
    form, ok = _annual_form()
    if not ok:
        return render_template("reports/annual.html", form=form, r=None), 422
    r = annual.annual_report(form.year.data)
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = str(r.year)
    header = [_("Street"), _("Filings"), _("Filed area (m²)"), _("Valid leases"), _("Valid area (m²)"),
              _("Tax collected (yuan)"), _("Info slips issued"), _("Certificates issued"), _("Reprints")]
    ws.append(header)
    loc = locale_code()

    def line(name, row):
        st = row.stat
        return [name, st.filings, _m2(st.filing_area_centi), st.valid_leases, _m2(st.valid_area_centi),
                _yuan(st.tax_fen), row.slips, row.certificates, row.reprints]

    for row in r.rows:
        ws.append(line(row.street.name(loc), row))
    ws.append(line(_("Total"), r.total))
    for cell in ws[1] + ws[ws.max_row]:
        cell.font = Font(bold=True)
    for cells in ws.iter_rows(min_row=2):
        for cell in cells:
            if isinstance(cell.value, Decimal):
                cell.number_format = "#,##0.00"
    ws.append([])
    ws.append([_("Valid leases on"), r.on])
    ws.cell(row=ws.max_row, column=2).number_format = "yyyy-mm-dd"
    items = wb.create_sheet(_("Tax items")[:31])
    items.append([_("Tax item"), _("Tax collected (yuan)")])
    for _code, label, fen in r.items:
        items.append([label, _yuan(fen)])
        items.cell(row=items.max_row, column=2).number_format = "#,##0.00"
    for sheet in (ws, items):
        for col in "ABCDEFGHI":
            sheet.column_dimensions[col].width = 18
    out = io.BytesIO()
    wb.save(out)
    return _download(out.getvalue(), f"annual-report-{r.year}.xlsx", XLSX_TYPE)


@bp.route("/annual.pdf")
@require("reports.view")
def annual_pdf():
    form, ok = _annual_form()
    if not ok:
        return render_template("reports/annual.html", form=form, r=None), 422
    from printing.reports import render_annual_report

    r = annual.annual_report(form.year.data)
    return _download(render_annual_report(_print_data(r)), f"annual-report-{r.year}.pdf", "application/pdf",
                     inline=True)


def _print_data(r: annual.AnnualReport):
    from printing.reports import AnnualReportData, ReportMeta

    def money(fen):
        return f"{_yuan(fen):,.2f}"

    def area(centi):
        return f"{_m2(centi):,.2f}"

    def line(name, row):
        st = row.stat
        return (name, f"{st.filings:,}", area(st.filing_area_centi), f"{st.valid_leases:,}", area(st.valid_area_centi),
                money(st.tax_fen), f"{row.slips:,}", f"{row.certificates:,}", f"{row.reprints:,}")

    top = r.max_tax_fen
    streets = [row.street for row in r.rows]
    district = current_user.street_id is None  # the district administrator: the whole district
    office = "" if district or not streets else streets[0].office_name_zh
    scope = "" if district else "、".join(s.name_zh for s in streets)
    return AnnualReportData(
        meta=ReportMeta(office_name=office, issued_at=business_today(), printed_by=current_user.display_name or ""),
        year=r.year, valid_on=r.on, scope_label=scope,
        rows=[line(row.street.name_zh, row) for row in r.rows], total=line("合计", r.total),
        items=[(label, money(fen)) for _c, label, fen in _items_zh(r)],
        bars=[(row.street.name_zh, max(0, row.stat.tax_fen * 100 // top) if top > 0 else 0, money(row.stat.tax_fen))
              for row in r.rows])


def _items_zh(r: annual.AnnualReport):
    from flask_babel import force_locale

    from counter.tax.labels import item_label

    with force_locale("zh"):
        return [(code, item_label(code), fen) for code, _label, fen in r.items]


def _download(data: bytes, filename: str, mimetype: str, inline: bool = False) -> Response:
    resp = Response(data, mimetype=mimetype)
    resp.headers["Content-Disposition"] = f"{'inline' if inline else 'attachment'}; filename={filename}"
    resp.headers["Cache-Control"] = "no-store"
    return resp
