"""Forms of the print flows."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from counter.core.bounds import REASON_MAX, SEARCH_MAX
from counter.core.validation import BoundedDateField, CounterForm, WholeNumberField, parse_id
from counter.documents.labels import DEFAULT_PURPOSE, KIND_LABELS, PAPER_CHOICES


class SlipForm(CounterForm):
    """《房屋租赁信息》 for one named tenant."""

    tenant = SelectField(_l("Tenant named on the slip"), coerce=parse_id, validators=[DataRequired()])
    purpose = StringField(_l("Purpose"), default=DEFAULT_PURPOSE,
                          validators=[DataRequired(message=_l("Enter the purpose of the slip.")), Length(max=64)])
    paper = SelectField(_l("Paper"), choices=PAPER_CHOICES)
    reason = TextAreaField(_l("Reason for the reprint"), validators=[Optional(), Length(max=REASON_MAX)],
                           render_kw={"rows": 2})


class PrintForm(CounterForm):
    """A print button: CSRF, and the reason when the print is a reprint (补打) of the original."""

    reason = StringField(_l("Reason for the reprint"), validators=[Optional(), Length(max=REASON_MAX)])


class ReprintForm(CounterForm):
    reason = TextAreaField(_l("Reason for the reprint"),
                           validators=[DataRequired(message=_l("Enter the reason for the reprint.")),
                                       Length(max=REASON_MAX)],
                           render_kw={"rows": 2})


class BatchForm(CounterForm):
    kind = SelectField(_l("Document"), choices=[("info_slip", KIND_LABELS["info_slip"]),
                                                ("certificate", KIND_LABELS["certificate"])])
    purpose = StringField(_l("Purpose (slips)"), default=DEFAULT_PURPOSE, validators=[Optional(), Length(max=64)])
    paper = SelectField(_l("Paper (slips)"), choices=PAPER_CHOICES)
    reason = TextAreaField(_l("Reason for reprints (leases whose document was issued already)"),
                           validators=[Optional(), Length(max=REASON_MAX)], render_kw={"rows": 2})


class _GetForm(CounterForm):
    class Meta:
        csrf = False


class RegisterFilterForm(_GetForm):
    kind = SelectField(_l("Kind"), default="", validators=[Optional()],
                       choices=[("", _l("All kinds"))] + [(k, v) for k, v in KIND_LABELS.items()])
    print_kind = SelectField(_l("Print"), default="", validators=[Optional()],
                             choices=[("", _l("Originals and reprints")), ("original", _l("Originals")),
                                      ("reprint", _l("Reprints"))])
    date_from = BoundedDateField(_l("Printed from"), validators=[Optional()])
    date_to = BoundedDateField(_l("Printed to"), validators=[Optional()])


class BatchSearchForm(_GetForm):
    q = StringField(_l("Registration number, name or address words"), validators=[Optional(), Length(max=SEARCH_MAX)],
                    render_kw={"autocomplete": "off", "type": "search"})


class LedgerReportForm(CounterForm):
    year = WholeNumberField(_l("Year"), validators=[DataRequired(message=_l("Enter the year.")),
                                                    NumberRange(2000, 2100)])
    month = SelectField(_l("Month"), coerce=int, choices=[(m, str(m)) for m in range(1, 13)])
    street = SelectField(_l("Street"), coerce=parse_id, validators=[Optional()])
    reason = TextAreaField(_l("Reason for the reprint (when this month's report was issued already)"),
                           validators=[Optional(), Length(max=REASON_MAX)], render_kw={"rows": 2})
