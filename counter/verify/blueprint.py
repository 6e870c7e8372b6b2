"""``/verify/<code>``: anyone (a school, a landlord) checks a printed proof — kind, number, original issue
date, status (valid / void / superseded), the masked holder, the lease term and the street office. Each
check is logged (time and document only). ``/verify/`` takes a typed code; ``/verify/public-key`` publishes
the key of the offline tokens printed in the QR codes."""
from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from counter.core.ratelimit import rate_limited
from counter.core.scoping import unrestricted
from counter.core.validation import CounterForm
from counter.documents import keys, services
from counter.documents.labels import KIND_LABELS, REASON_LABELS, STATUS_LABELS
from counter.web import commit_on_get
from printing.tokens import public_key_to_b64, public_key_to_pem

bp = Blueprint("verify", __name__, url_prefix="/verify")


VERIFY_PER_MINUTE = 60  # per client address, both pages together (config RATE_LIMITS["verify"])


class CodeForm(CounterForm):
    class Meta:
        csrf = False

    code = StringField(_l("Verification code"), validators=[
        DataRequired(message=_l("Enter the verification code printed under the QR code.")), Length(max=64)],
        render_kw={"autofocus": True, "autocomplete": "off", "spellcheck": "false"})


@bp.route("/")
@rate_limited("verify", per_minute=VERIFY_PER_MINUTE)
def check():
    form = CodeForm(request.args)
    if "code" in request.args:
        if form.validate():
            code = keys.normalise_code(form.code.data)
            if code is not None:
                return redirect(url_for("verify.show", code=code))
            form.code.errors = list(form.code.errors) + [
                str(_l("A verification code has 20 letters and digits (A–Z, 2–7)."))]
        return render_template("verify/check.html", form=form), 422
    return render_template("verify/check.html", form=form)


@bp.route("/public-key")
def public_key():
    key = keys.public_key()
    return render_template("verify/public_key.html", pem=public_key_to_pem(key), b64=public_key_to_b64(key))


def _pem_download(pem: str, filename: str):
    from flask import make_response

    if not pem:
        abort(404)
    resp = make_response(pem)
    resp.headers["Content-Type"] = "application/x-pem-file"
    resp.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return resp


@bp.route("/office-certificate.pem")
def office_certificate():
    """The office certificate that signs every issued PDF (PAdES), for a PDF reader or ``counter verify-pdf``."""
    from counter.documents import signing

    return _pem_download(signing.certificate_pem(), "office-certificate.pem")


@bp.route("/ca-certificate.pem")
def ca_certificate():
    """The CA that issued the office certificate (add it as trusted to check the PDF signatures)."""
    from counter.documents import signing

    return _pem_download(signing.ca_pem(), "ca-certificate.pem")


@bp.route("/<code>")
@rate_limited("verify", per_minute=VERIFY_PER_MINUTE)
def show(code: str):
    with unrestricted():
        doc = services.find_by_verify_code(code)
        if doc is None:
            return unknown_code(code)
        facts = services.public_facts(doc)
        services.log_verification(doc)
    commit_on_get()
    return render_template("verify/show.html", f=facts, kinds=KIND_LABELS, statuses=STATUS_LABELS,
                           reasons=REASON_LABELS, form=CodeForm(formdata=None))


def unknown_code(code: str):
    """No document has this code: say so plainly (mistyped or forged) and offer the box again."""
    form = CodeForm(formdata=None, code=code[:64] if code.isprintable() else "")
    return render_template("verify/unknown.html", form=form), 404
