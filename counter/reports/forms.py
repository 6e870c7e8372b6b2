"""Forms of the reports: the survey's and the annual report's filters (GET), the guidance adoption (POST)."""
from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from wtforms import FieldList, Form, FormField, HiddenField, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from counter.core.labels import USE_LABELS
from counter.core.validation import BoundedDateField, CounterForm, MoneyField, WholeNumberField
from counter.reports.annual import YEAR_MAX, YEAR_MIN
from counter.reports.labels import PERIOD_KIND_LABELS

LEGAL_SOURCE_MAX = 200
GUIDANCE_MAX = Decimal("100000.00")  # yuan per m² per month: far above any rent
GUIDANCE_ROWS_MAX = 200              # 10 streets x 8 uses = 80 today


def _year():
    return WholeNumberField(_l("Year"), validators=[DataRequired(), NumberRange(YEAR_MIN, YEAR_MAX)])


class _GetForm(CounterForm):
    class Meta:
        csrf = False


class SurveyForm(_GetForm):
    year = _year()
    by = SelectField(_l("Period of the groups"), choices=list(PERIOD_KIND_LABELS.items()), default="year")
    street = SelectField(_l("Street"), coerce=str, default="")  # no Optional(): it clears the choice check of " "
    use = SelectField(_l("Use"), coerce=str, default="")
    min_sample = WholeNumberField(_l("Minimum sample"), validators=[Optional(), NumberRange(2, 10000)])
    percent = WholeNumberField(_l("Under-declared below (% of the median)"),
                               validators=[Optional(), NumberRange(1, 99)])

    def setup(self, streets, locale):
        self.street.choices = [("", _l("All"))] + [(str(s.id), s.name(locale)) for s in streets]
        self.use.choices = [("", _l("All"))] + list(USE_LABELS.items())


class AnnualForm(_GetForm):
    year = _year()


class GuidanceRow(Form):
    key = HiddenField(validators=[Length(max=40)])  # "<street code>:<use>"
    value = MoneyField(_l("Adopted (yuan per m² per month)"), validators=[Optional()], max_value=GUIDANCE_MAX)


class AdoptForm(CounterForm):
    year = HiddenField(validators=[Length(max=4)])
    effective_from = BoundedDateField(_l("Effective from"), validators=[DataRequired()])
    legal_source = StringField(_l("Document that publishes the table (legal source)"),
                               validators=[DataRequired(), Length(max=LEGAL_SOURCE_MAX)])
    rows = FieldList(FormField(GuidanceRow), min_entries=0, max_entries=GUIDANCE_ROWS_MAX)
