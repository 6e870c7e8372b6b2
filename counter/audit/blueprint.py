"""Browse the audit log (操作日志): supervisors see their street, the district admin sees all."""
from flask import Blueprint, render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import StringField
from wtforms.validators import Length, Optional

from counter.audit.service import entries_query
from counter.core.access import require
from counter.core.pagination import Page, paginate
from counter.core.validation import CounterForm
from counter.web import register_nav

bp = Blueprint("audit", __name__, url_prefix="/audit")


class AuditFilterForm(CounterForm):
    class Meta:
        csrf = False

    action = StringField(_l("Action"), validators=[Optional(), Length(max=64)], render_kw={"type": "search"})
    user = StringField(_l("User"), validators=[Optional(), Length(max=64)], render_kw={"type": "search"})


def init_app(app):
    register_nav(app, "audit.index", _l("Audit log"), "audit.view", order=90)


@bp.route("/")
@require("audit.view")
def index():
    form = AuditFilterForm(request.args)
    if request.args and not form.validate():
        return render_template("audit/index.html", form=form, page=Page([], 1, 50, 0)), 422
    action = (form.action.data or "").strip() or None
    username = (form.user.data or "").strip() or None
    page = paginate(entries_query(current_user.street_ids(), action, username), request.args.get("page"), per_page=50)
    return render_template("audit/index.html", form=form, page=page)
