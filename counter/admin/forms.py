from flask_babel import lazy_gettext as _l
from wtforms import PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from counter.auth.roles import ROLE_LABELS
from counter.auth.services import PASSWORD_MAX, PASSWORD_MIN
from counter.core.validation import CounterForm, parse_id


STAFF_NUMBER = Regexp(r"^[A-Za-z0-9-]*$", message=_l("A staff number has up to 16 letters, digits and dashes."))


class StaffNumberForm(CounterForm):
    staff_number = StringField(_l("Staff number"), validators=[Optional(), Length(max=16), STAFF_NUMBER])


class UserForm(CounterForm):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=64),
                           Regexp(r"^[A-Za-z0-9._-]+$", message=_l("Letters, digits, dot, dash and underscore only."))],
                           render_kw={"autofocus": True})
    display_name = StringField(_l("Name"), validators=[DataRequired(), Length(max=64)])
    staff_number = StringField(_l("Staff number"), validators=[Optional(), Length(max=16), STAFF_NUMBER])
    role = SelectField(_l("Role"), choices=[(k, v) for k, v in ROLE_LABELS.items()])
    street_id = SelectField(_l("Street"), coerce=lambda v: parse_id(v) if v not in (None, "") else None,
                            validators=[Optional()])
    password = PasswordField(_l("Initial password"),
                             validators=[DataRequired(), Length(min=PASSWORD_MIN, max=PASSWORD_MAX)],
                             render_kw={"autocomplete": "new-password"})
