"""Browse the audit log (操作日志): supervisors see their street, the district admin sees all."""
from flask import Blueprint, render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from counter.audit.service import entries_query
from counter.core.access import require
from counter.core.pagination import paginate
from counter.web import register_nav

bp = Blueprint("audit", __name__, url_prefix="/audit")


def init_app(app):
    register_nav(app, "audit.index", _l("Audit log"), "audit.view", order=90)


@bp.route("/")
@require("audit.view")
def index():
    action = request.args.get("action", "").strip() or None
    username = request.args.get("user", "").strip() or None
    page = paginate(entries_query(current_user.street_ids(), action, username),
                    request.args.get("page", 1, type=int), per_page=50)
    return render_template("audit/index.html", page=page, action=action or "", username=username or "")
