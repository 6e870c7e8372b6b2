"""Forms of the API pages: client systems and keys (district administrator), and the public bulk check."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from counter.api.models import CLIENT_NAME_MAX, KEY_LABEL_MAX, SCOPES
from counter.api.services import KEY_DAYS_DEFAULT, KEY_DAYS_MAX
from counter.core.validation import CounterForm, WholeNumberField, parse_id

SCOPE_LABELS = {
    "leases:read": _l("Look up leases and follow the change feed"),
    "leases:register": _l("Register leases (and see parties unmasked)"),
    "proofs:verify": _l("Verify printed proofs"),
    "tax:estimate": _l("Estimate rental tax"),
}


class ClientForm(CounterForm):
    name = StringField(_l("Client system"), validators=[DataRequired(), Length(max=CLIENT_NAME_MAX)],
                       render_kw={"autofocus": True})
    contact = StringField(_l("Contact (person, phone)"), validators=[Optional(), Length(max=200)])


class KeyForm(CounterForm):
    label = StringField(_l("Label"), validators=[Optional(), Length(max=KEY_LABEL_MAX)])
    scopes = SelectMultipleField(_l("Scopes"), choices=[(s, SCOPE_LABELS[s]) for s in SCOPES],
                                 validators=[DataRequired(message=_l("Choose at least one scope."))],
                                 widget=ListWidget(prefix_label=False), option_widget=CheckboxInput())
    street_id = SelectField(_l("Street restriction"), coerce=lambda v: parse_id(v) if v not in (None, "") else None,
                            validators=[Optional()])
    days = WholeNumberField(_l("Valid for (days)"), default=KEY_DAYS_DEFAULT,
                            validators=[InputRequired(), NumberRange(min=1, max=KEY_DAYS_MAX)])


class RevokeForm(CounterForm):
    """A revoke button: only the CSRF token."""


class BulkVerifyForm(CounterForm):
    file = FileField(_l("File of verification codes (CSV or Excel .xlsx)"),
                     validators=[FileRequired(_l("Choose a CSV or .xlsx file."))],
                     render_kw={"accept": ".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument"
                                          ".spreadsheetml.sheet"})
