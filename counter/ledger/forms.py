from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from counter.core.bounds import REASON_MAX, REFERENCE_MAX, TERM_YEARS_MAX
from counter.core.validation import AMOUNT_MAX, BoundedDateField, CounterForm, MoneyField, WholeNumberField
from counter.ledger.services import METHOD_LABELS


def _date(label, *validators):
    """A date inside DATE_MIN .. business date + FUTURE_YEARS_MAX + TERM_YEARS_MAX years."""
    return BoundedDateField(label, validators=list(validators), extra_years=TERM_YEARS_MAX)


class _GetForm(CounterForm):
    class Meta:
        csrf = False


def _ordered(form):
    if form.date_from.data and form.date_to.data and form.date_to.data < form.date_from.data:
        form.date_to.errors.append(_l("The end date is before the start date."))
        return False
    return True


class LedgerFilterForm(_GetForm):
    date_from = _date(_l("From"), Optional())
    date_to = _date(_l("To"), Optional())
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
    date_from = _date(_l("From"), DataRequired())
    date_to = _date(_l("To"), DataRequired())
    street = SelectField(_l("Street"), coerce=str, validators=[Optional()])

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators) and _ordered(self)
        if ok and (self.date_to.data - self.date_from.data).days > 366:
            self.date_to.errors.append(_l("At most one year at a time."))
            ok = False
        return ok


class MonthForm(_GetForm):
    year = WholeNumberField(_l("Year"), validators=[DataRequired(), NumberRange(2000, 2100)])
    month = SelectField(_l("Month"), coerce=int, choices=[(m, str(m)) for m in range(1, 13)])
    street = SelectField(_l("Street"), coerce=str, validators=[Optional()])


class YearForm(_GetForm):
    year = WholeNumberField(_l("Year"), validators=[DataRequired(), NumberRange(2000, 2100)])


class StatisticsForm(_GetForm):
    year = WholeNumberField(_l("Year"), validators=[DataRequired(), NumberRange(2000, 2100)])
    on = _date(_l("Valid leases on"), Optional())


class RemittanceForm(CounterForm):
    period_start = _date(_l("Period from"), DataRequired())
    period_end = _date(_l("Period to"), DataRequired())
    amount = MoneyField(_l("Amount (yuan)"), validators=[DataRequired()], max_value=AMOUNT_MAX, positive=True)
    reference = StringField(_l("Payment reference (treasury slip or transfer number)"),
                            validators=[DataRequired(), Length(max=REFERENCE_MAX)], render_kw={"autocomplete": "off"})
    remitted_on = _date(_l("Remitted on"), DataRequired())


class ReverseRemittanceForm(CounterForm):
    reason = StringField(_l("Reason for the reversal"), validators=[DataRequired(), Length(max=REASON_MAX)])


class StatementUploadForm(CounterForm):
    file = FileField(_l("Bank statement (CSV)"), validators=[FileRequired(_l("Choose a CSV file."))],
                     render_kw={"accept": ".csv,text/csv"})


class ResolveForm(CounterForm):
    kind = HiddenField(validators=[DataRequired(), Length(max=16)])
    target = HiddenField(validators=[DataRequired(), Length(max=10)])
    note = TextAreaField(_l("Note"), validators=[DataRequired(), Length(max=REASON_MAX)], render_kw={"rows": 2})
