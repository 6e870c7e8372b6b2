from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from counter.auth.roles import ROLE_LABELS


class UserForm(FlaskForm):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=64),
                           Regexp(r"^[A-Za-z0-9._-]+$", message=_l("Letters, digits, dot, dash and underscore only."))],
                           render_kw={"autofocus": True})
    display_name = StringField(_l("Name"), validators=[DataRequired(), Length(max=64)])
    role = SelectField(_l("Role"), choices=[(k, v) for k, v in ROLE_LABELS.items()])
    street_id = SelectField(_l("Street"), coerce=lambda v: int(v) if v else None, validators=[Optional()])
    password = PasswordField(_l("Initial password"), validators=[DataRequired(), Length(min=8, max=128)])
