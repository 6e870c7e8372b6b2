"""Print flows (打印): lease certificate and information slip, receipt, day-close sheet, monthly ledger
report, the document register with reprints (补打), and batch printing. Every print answers the PDF
itself (inline, named after the document number) and its register row commits with the request."""
from __future__ import annotations

import click
from flask import Blueprint, abort, current_app, make_response, render_template, request, url_for
from flask.cli import with_appcontext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from counter.core.access import get_or_404, require
from counter.core.pagination import Page, paginate
from counter.core.timeutil import business_today
from counter.core.validation import parse_id
from counter.documents import labels, services
from counter.documents.forms import (BatchForm, BatchSearchForm, LedgerReportForm, PrintForm, RegisterFilterForm,
                                     ReprintForm, SlipForm)
from counter.documents.models import PrintedDocument
from counter.documents.services import DocumentError, OriginalExists
from counter.leases import services as lease_services
from counter.leases.models import Lease
from counter.web import register_nav

bp = Blueprint("documents", __name__, url_prefix="/documents")


def init_app(app):
    register_nav(app, "documents.register", _l("Printed documents"), "document.print", order=50)
    app.jinja_env.globals.update(doc_labels=labels, lease_print_state=services.lease_print_state,
                                 original_of=services.original_of, lease_documents=services.lease_documents)
    app.cli.add_command(verify_token_command)
    app.cli.add_command(init_signing_command)
    app.cli.add_command(verify_pdf_command)
    if services.lease_id_for_document_number not in lease_services.CODE_LOOKUPS:  # the scanner finds documents
        lease_services.CODE_LOOKUPS.append(services.lease_id_for_document_number)


def pdf_response(pdf: bytes, doc_number: str):
    """The signed PDF inline (print forms open it in a new tab, ready for the browser's print dialog)."""
    resp = make_response(pdf)
    resp.headers["Content-Type"] = "application/pdf"
    resp.headers["Content-Disposition"] = f'inline; filename="{doc_number}.pdf"'
    resp.headers["Cache-Control"] = "no-store"
    return resp


def _apply(form, exc: DocumentError) -> None:
    target = getattr(form, exc.field, None) if exc.field else None
    if target is not None and hasattr(target, "errors"):
        target.errors = list(target.errors) + [exc.message]
    else:
        form.form_errors.append(exc.message)


# ------------------------------------------------------------------------------------------- register

@bp.route("/")
@require("document.print")
def register():
    form = RegisterFilterForm(request.args)
    valid = form.validate() if request.args else True
    if valid:
        args = (form.kind.data or None, form.date_from.data, form.date_to.data)
        stmt = services.register_query(*args, print_kind=form.print_kind.data or None)
        page = paginate(stmt, request.args.get("page"), per_page=25)
        counts = services.register_counts(*args)
    else:  # a refused filter is shown with its error; nothing is searched with it
        page = Page([], 1, 25, 0)
        counts = {"original": 0, "reprint": 0}
    ids = [d.id for d in page.items]
    return render_template("documents/register.html", form=form, page=page, counts=counts,
                           checks=services.verification_counts(ids), reprints=services.reprint_counts(ids),
                           status_of=services.document_status), (200 if valid else 422)


def _render_document(doc: PrintedDocument, form: ReprintForm, status: int = 200):
    status_key, reason = services.document_status(doc)
    related = services.reprints_of(doc)
    root = doc.original if doc.original_id else doc
    ids = [doc.id]
    return render_template("documents/document.html", doc=doc, form=form, status_key=status_key, reason=reason,
                           checks=services.verification_counts(ids).get(doc.id, 0), root=root, related=related,
                           root_checks=services.verification_counts([d.id for d in [root, *related]]),
                           verify_url=services.verify_url(doc)), status


@bp.route("/<int:doc_id>")
@require("document.print")
def view(doc_id: int):
    doc = get_or_404(PrintedDocument, doc_id)
    return _render_document(doc, ReprintForm())


@bp.route("/<int:doc_id>/reprint", methods=["POST"])
@require("document.print")
def reprint(doc_id: int):
    doc = get_or_404(PrintedDocument, doc_id)
    if doc.kind == "ledger_report" and not current_user.can("ledger.view"):
        abort(403)
    form = ReprintForm()
    if form.validate_on_submit():
        try:
            printed = services.reprint(doc, form.reason.data, paper=request.form.get("paper") or None)
        except DocumentError as exc:
            _apply(form, exc)
        else:
            return pdf_response(printed.pdf, printed.document.doc_number)
    return _render_document(doc, form, 422)


# ------------------------------------------------------------------------------------------- lease documents

def _refused(lease: Lease | None, message: str, status: int = 409, *, original=None, action: str | None = None,
             back: str | None = None):
    """A print that could not be made: the message; when the original exists, the reprint form (reason)."""
    form = ReprintForm()
    if original is not None and request.method == "POST" and "reason" in request.form:
        form.reason.errors = [_("Enter the reason for the reprint.")]
    return render_template("documents/refused.html", lease=lease, message=message, original=original, form=form,
                           action=action or request.path, back=back), (422 if original is not None else status)


def _print_refused(exc: DocumentError, lease: Lease | None = None, back: str | None = None):
    if isinstance(exc, OriginalExists):
        return _refused(lease, exc.message, original=exc.original, back=back)
    return _refused(lease, exc.message, back=back)


@bp.route("/lease/<int:lease_id>/certificate", methods=["POST"])
@require("document.print")
def certificate(lease_id: int):
    lease = get_or_404(Lease, lease_id)
    try:
        printed = services.print_certificate(lease, _print_reason())
    except DocumentError as exc:
        return _print_refused(exc, lease)
    return pdf_response(printed.pdf, printed.document.doc_number)


def _print_reason() -> str | None:
    """A print button's form: CSRF checked (400 otherwise), and the reprint reason — bounded and free of
    control characters like every text field; a refused reason is a :class:`DocumentError` on its field."""
    form = PrintForm()
    if not form.validate_on_submit():
        if "reason" not in form.errors:
            abort(400)
        raise DocumentError(form.errors["reason"][0], "reason")
    return (form.reason.data or "").strip() or None


@bp.route("/lease/<int:lease_id>/slip", methods=["GET", "POST"])
@require("document.print")
def slip(lease_id: int):
    lease = get_or_404(Lease, lease_id)
    try:
        services.check_lease_printable(lease, "info_slip")
    except DocumentError as exc:
        return _refused(lease, exc.message)
    form = SlipForm()
    form.tenant.choices = [(lp.party_id, lp.party.name) for lp in lease.tenants]
    if request.method == "GET":
        form.paper.data = current_app.config.get("SLIP_PAPER", "A4")
    if form.validate_on_submit():
        try:
            printed = services.print_info_slip(lease, form.tenant.data, form.purpose.data, form.paper.data,
                                               reason=form.reason.data)
        except DocumentError as exc:
            _apply(form, exc)
        else:
            return pdf_response(printed.pdf, printed.document.doc_number)
    state = services.lease_print_state(lease)
    return render_template("documents/slip.html", lease=lease, form=form, state=state), \
        (422 if request.method == "POST" else 200)


@bp.route("/batch", methods=["GET", "POST"])
@require("document.print")
def batch():
    search = BatchSearchForm(request.args)
    form = BatchForm()
    if request.method == "GET":
        form.paper.data = current_app.config.get("SLIP_PAPER", "A4")
    chosen = [i for i in map(parse_id, request.form.getlist("lease_ids")[:1000]) if i is not None]
    if form.validate_on_submit():
        leases = list(db_leases(chosen))
        if len(leases) != len(set(chosen)):
            abort(404)  # another street's lease, or an unknown id
        try:
            printed = services.print_batch(leases, form.kind.data, purpose=form.purpose.data, paper=form.paper.data,
                                           reason=form.reason.data)
        except DocumentError as exc:
            _apply(form, exc)
        else:
            name = printed.documents[0].doc_number if len(printed.documents) == 1 else \
                f"{printed.documents[0].doc_number}_{printed.documents[-1].doc_number[-6:]}"
            return pdf_response(printed.pdf, name)
    from counter.leases.services import SearchCriteria, search_leases

    q = (search.q.data or "").strip() if search.validate() else ""
    stmt = search_leases(SearchCriteria(q=q or None)).where(Lease.status != "cancelled")
    page = paginate(stmt.options(selectinload(Lease.parties)), request.args.get("page"), per_page=50)
    return render_template("documents/batch.html", form=form, search=search, page=page, chosen=set(chosen)), \
        (422 if request.method == "POST" else 200)


def db_leases(ids):
    from counter.extensions import db

    if not ids:
        return []
    found = {lease.id: lease for lease in db.session.scalars(select(Lease).where(Lease.id.in_(ids)))}
    return [found[i] for i in dict.fromkeys(ids) if i in found]


# ------------------------------------------------------------------------------------------- finance documents

@bp.route("/receipt/<int:receipt_id>", methods=["POST"])
@require("document.print")
def receipt(receipt_id: int):
    from counter.collection.models import Receipt

    r = get_or_404(Receipt, receipt_id)
    try:
        printed = services.print_receipt(r, _print_reason())
    except DocumentError as exc:
        return _print_refused(exc, back=url_for("collection.receipt", receipt_id=r.id))
    return pdf_response(printed.pdf, printed.document.doc_number)


@bp.route("/day-close/<int:day_close_id>", methods=["POST"])
@require("document.print")
def day_close(day_close_id: int):
    from counter.collection.models import DayClose

    dc = get_or_404(DayClose, day_close_id)
    if dc.clerk_id != current_user.id and not current_user.can("dayclose.sign"):
        abort(403)
    try:
        printed = services.print_day_close(dc, _print_reason())
    except DocumentError as exc:
        return _print_refused(exc)
    return pdf_response(printed.pdf, printed.document.doc_number)


@bp.route("/ledger-report", methods=["GET", "POST"])
@require("ledger.view")
def ledger_report():
    from counter.ledger.services import visible_streets

    form = LedgerReportForm()
    streets = visible_streets()
    form.street.choices = [(s.id, s.name_zh if str(current_user.locale or "zh").startswith("zh") else s.name_en)
                           for s in streets]
    if request.method == "GET":
        today = business_today()
        last_month = (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)
        form.year.data, form.month.data = last_month
        form.street.data = current_user.street_id or (streets[0].id if streets else None)
    if form.validate_on_submit():
        street_id = current_user.street_id if not current_user.is_district else form.street.data
        try:
            if street_id is None:
                raise DocumentError(_("Choose a street."), "street")
            printed = services.print_ledger_report(street_id, form.year.data, form.month.data,
                                                   reason=form.reason.data)
        except DocumentError as exc:
            _apply(form, exc)
        else:
            return pdf_response(printed.pdf, printed.document.doc_number)
    return render_template("documents/ledger_report.html", form=form), (422 if request.method == "POST" else 200)


# ------------------------------------------------------------------------------------------- CLI

@click.command("verify-token")
@click.argument("token")
@click.option("--public-key", "public_key_file", type=click.Path(exists=True, dir_okay=False),
              help="PEM or base64 public key file (default: this installation's key).")
@with_appcontext
def verify_token_command(token, public_key_file):
    """Check the offline token of a printed proof (the part after #t= in its QR code)."""
    from printing.tokens import InvalidToken, load_public_key, verify_token

    token = token.strip()
    if "#t=" in token:
        token = token.split("#t=", 1)[1]
    try:
        key = load_public_key(open(public_key_file).read()) if public_key_file else services.keys.public_key()
        claims = verify_token(key, token)
    except (InvalidToken, ValueError) as exc:
        click.echo(f"INVALID ({exc})")
        raise SystemExit(1)
    names = {"n": "number", "k": "kind", "h": "holder", "s": "lease start", "e": "lease end", "i": "issued"}
    for k in sorted(claims):
        click.echo(f"{names.get(k, k)}: {claims[k]}")
    click.echo("valid")


@click.command("init-signing")
@with_appcontext
def init_signing_command():
    """Make the demo CA and office certificate (instance/pdf_signing.p12) unless configured; check it loads."""
    from counter.documents import signing
    from printing.signing import certificate_fingerprint

    made = signing.ensure_demo_credentials()
    try:
        signer = signing.office_signer()
    except signing.SigningUnavailable as exc:
        click.echo(f"PDF signing UNAVAILABLE: {exc}")
        raise SystemExit(1)
    where = signing.p12_path()
    kind = "demo certificate" if made is not None else "certificate"
    click.echo(f"PDF signing: {kind} {where} ({signer.subject}, valid until {signer.not_after:%Y-%m-%d}); "
               f"SHA-256 {certificate_fingerprint(signer.certificate_pem)[:23]}...")


@click.command("verify-pdf")
@click.argument("pdf_file", type=click.Path(exists=True, dir_okay=False))
@click.option("--ca", "ca_file", type=click.Path(exists=True, dir_okay=False),
              help="PEM file of the trusted CA (default: this installation's CA).")
@with_appcontext
def verify_pdf_command(pdf_file, ca_file):
    """Check the office's signature of a printed document's PDF, offline (nothing is fetched)."""
    from counter.documents import signing
    from printing.signing import validate

    from pathlib import Path

    roots = [Path(ca_file).read_text()] if ca_file else [signing.ca_pem() or signing.certificate_pem()]
    check = validate(Path(pdf_file).read_bytes(), roots)
    click.echo(f"signer: {check.signer or '-'}")
    click.echo(f"intact: {check.intact}  valid: {check.valid}  trusted: {check.trusted}  "
               f"whole file: {check.covers_whole_file}")
    click.echo("valid" if check.ok else f"INVALID ({check.summary})")
    if not check.ok:
        raise SystemExit(1)
