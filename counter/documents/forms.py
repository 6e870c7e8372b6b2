"""Forms of the print flows."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from counter.core.bounds import REASON_MAX
from counter.documents.labels import DEFAULT_PURPOSE, KIND_LABELS, PAPER_CHOICES


class SlipForm(FlaskForm):
    """《房屋租赁信息》 for one named tenant."""

    tenant = SelectField(_l("Tenant named on the slip"), coerce=int, validators=[DataRequired()])
    purpose = StringField(_l("Purpose"), default=DEFAULT_PURPOSE,
                          validators=[DataRequired(message=_l("Enter the purpose of the slip.")), Length(max=64)])
    paper = SelectField(_l("Paper"), choices=PAPER_CHOICES)
    reason = TextAreaField(_l("Reason for the reprint"), validators=[Optional(), Length(max=REASON_MAX)],
                           render_kw={"rows": 2})


class PrintForm(FlaskForm):
    """A print button (CSRF only)."""


class ReprintForm(FlaskForm):
    reason = TextAreaField(_l("Reason for the reprint"),
                           validators=[DataRequired(message=_l("Enter the reason for the reprint.")),
                                       Length(max=REASON_MAX)],
                           render_kw={"rows": 2})


class BatchForm(FlaskForm):
    kind = SelectField(_l("Document"), choices=[("info_slip", KIND_LABELS["info_slip"]),
                                                ("certificate", KIND_LABELS["certificate"])])
    purpose = StringField(_l("Purpose (slips)"), default=DEFAULT_PURPOSE, validators=[Optional(), Length(max=64)])
    paper = SelectField(_l("Paper (slips)"), choices=PAPER_CHOICES)
    reason = TextAreaField(_l("Reason for reprints (leases whose document was issued already)"),
                           validators=[Optional(), Length(max=REASON_MAX)], render_kw={"rows": 2})


class _GetForm(FlaskForm):
    class Meta:
        csrf = False


class RegisterFilterForm(_GetForm):
    kind = SelectField(_l("Kind"), default="", validators=[Optional()],
                       choices=[("", _l("All kinds"))] + [(k, v) for k, v in KIND_LABELS.items()])
    print_kind = SelectField(_l("Print"), default="", validators=[Optional()],
                             choices=[("", _l("Originals and reprints")), ("original", _l("Originals")),
                                      ("reprint", _l("Reprints"))])
    date_from = DateField(_l("Printed from"), validators=[Optional()])
    date_to = DateField(_l("Printed to"), validators=[Optional()])


class BatchSearchForm(_GetForm):
    q = StringField(_l("Registration number, name or address words"), validators=[Optional(), Length(max=120)],
                    render_kw={"autocomplete": "off", "type": "search"})


class LedgerReportForm(FlaskForm):
    year = IntegerField(_l("Year"), validators=[DataRequired(message=_l("Enter the year.")), NumberRange(2000, 2100)])
    month = SelectField(_l("Month"), coerce=int, choices=[(m, str(m)) for m in range(1, 13)])
    street = SelectField(_l("Street"), coerce=int, validators=[Optional()])
    reason = TextAreaField(_l("Reason for the reprint (when this month's report was issued already)"),
                           validators=[Optional(), Length(max=REASON_MAX)], render_kw={"rows": 2})
