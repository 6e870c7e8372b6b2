from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from counter.ledger.services import METHOD_LABELS


class _GetForm(FlaskForm):
    class Meta:
        csrf = False


def _ordered(form):
    if form.date_from.data and form.date_to.data and form.date_to.data < form.date_from.data:
        form.date_to.errors.append(_l("The end date is before the start date."))
        return False
    return True


class LedgerFilterForm(_GetForm):
    date_from = DateField(_l("From"), validators=[Optional()])
    date_to = DateField(_l("To"), validators=[Optional()])
    street = SelectField(_l("Street"), coerce=str, validators=[Optional()])
    clerk = SelectField(_l("Clerk"), coerce=str, validators=[Optional()])
    item = SelectField(_l("Tax item"), coerce=str, validators=[Optional()])
    method = SelectField(_l("Payment method"), coerce=str, validators=[Optional()])

    def setup(self, streets, clerks, items, locale):
        any_ = ("", _l("All"))
        self.street.choices = [any_] + [(str(s.id), s.name(locale)) for s in streets]
        self.clerk.choices = [any_] + [(str(i), n) for i, n in clerks]
        self.item.choices = [any_] + [(code, name) for code, name in items]
        self.method.choices = [any_] + [(m, label) for m, label in METHOD_LABELS.items()]

    def validate(self, extra_validators=None):
        return super().validate(extra_validators) and _ordered(self)


class RangeForm(_GetForm):
    date_from = DateField(_l("From"), validators=[DataRequired()])
    date_to = DateField(_l("To"), validators=[DataRequired()])
    street = SelectField(_l("Street"), coerce=str, validators=[Optional()])

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators) and _ordered(self)
        if ok and (self.date_to.data - self.date_from.data).days > 366:
            self.date_to.errors.append(_l("At most one year at a time."))
            ok = False
        return ok


class MonthForm(_GetForm):
    year = IntegerField(_l("Year"), validators=[DataRequired(), NumberRange(2000, 2100)])
    month = SelectField(_l("Month"), coerce=int, choices=[(m, str(m)) for m in range(1, 13)])
    street = SelectField(_l("Street"), coerce=str, validators=[Optional()])


class YearForm(_GetForm):
    year = IntegerField(_l("Year"), validators=[DataRequired(), NumberRange(2000, 2100)])


class StatisticsForm(_GetForm):
    year = IntegerField(_l("Year"), validators=[DataRequired(), NumberRange(2000, 2100)])
    on = DateField(_l("Valid leases on"), validators=[Optional()])


def _yuan(form, field):
    from fees import yuan_to_fen

    try:
        fen = yuan_to_fen(field.data or "")
    except ValueError:
        raise ValidationError(_l("Enter an amount in yuan with at most two decimals, e.g. 12500.00.")) from None
    if fen <= 0:
        raise ValidationError(_l("The amount must be more than zero."))
    field.fen = fen


class RemittanceForm(FlaskForm):
    period_start = DateField(_l("Period from"), validators=[DataRequired()])
    period_end = DateField(_l("Period to"), validators=[DataRequired()])
    amount = StringField(_l("Amount (yuan)"), validators=[DataRequired(), _yuan],
                         render_kw={"inputmode": "decimal", "autocomplete": "off"})
    reference = StringField(_l("Payment reference (treasury slip or transfer number)"),
                            validators=[DataRequired(), Length(max=64)], render_kw={"autocomplete": "off"})
    remitted_on = DateField(_l("Remitted on"), validators=[DataRequired()])


class ReverseRemittanceForm(FlaskForm):
    reason = StringField(_l("Reason for the reversal"), validators=[DataRequired(), Length(max=500)])


class StatementUploadForm(FlaskForm):
    file = FileField(_l("Bank statement (CSV)"), validators=[FileRequired(_l("Choose a CSV file."))],
                     render_kw={"accept": ".csv,text/csv"})


class ResolveForm(FlaskForm):
    kind = HiddenField(validators=[DataRequired()])
    target = HiddenField(validators=[DataRequired()])
    note = TextAreaField(_l("Note"), validators=[DataRequired(), Length(max=1000)], render_kw={"rows": 2})
