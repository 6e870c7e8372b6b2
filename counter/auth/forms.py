from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length


class LoginForm(FlaskForm):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=64)],
                           render_kw={"autofocus": True, "autocomplete": "username"})
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=128)],
                             render_kw={"autocomplete": "current-password"})
    next = HiddenField()


class LocaleForm(FlaskForm):
    locale = SelectField(choices=[("zh", "简体中文"), ("en", "English")])
    next = HiddenField()
