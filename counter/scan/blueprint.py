"""``/scan``: the target of the top bar's scanner field (a GET form on every staff page). One match: a
redirect to the record; several: the list; none: said so, with the text kept in the field."""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import StringField
from wtforms.validators import Length, Optional

from counter.core.access import require
from counter.core.bounds import SEARCH_MAX
from counter.core.validation import CounterForm
from counter.scan.services import find_by_scan

bp = Blueprint("scan", __name__, url_prefix="/scan")


class ScanForm(CounterForm):
    class Meta:
        csrf = False

    q = StringField(_l("Scan or type a number"), validators=[Optional(), Length(max=SEARCH_MAX)])


KIND_LABELS = {
    "verify_code": _l("verification code"), "document": _l("document number"), "receipt": _l("receipt number"),
    "registration": _l("registration number"), "house_code": _l("house code"), "id_number": _l("ID number"),
    "prefiling": _l("pre-filing code"), "ticket": _l("queue ticket"),
}


def scan_kind_label(kind: str | None) -> str:
    return str(KIND_LABELS.get(kind, kind or ""))


def init_app(app):
    app.jinja_env.globals.update(SCAN_MAX=SEARCH_MAX, scan_kind_label=scan_kind_label)


@bp.route("/")
@require("lease.view")
def scan():
    form = ScanForm(request.args)
    if not form.validate():  # too long, or a control character: the field error, nothing is searched
        return render_template("scan/results.html", form=form, result=None), 422
    result = find_by_scan(form.q.data, current_user)
    if result.target is not None:
        return redirect(url_for(result.target.endpoint, **result.target.values))
    return render_template("scan/results.html", form=form, result=result)
