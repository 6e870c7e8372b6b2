"""Forms of the tax module: schedule text editing (admin) and the public estimate."""
from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField, TextAreaField, ValidationError
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from counter.core.bounds import REASON_MAX
from counter.core.labels import LANDLORD_KIND_LABELS, USE_LABELS, landlord_label, use_label  # noqa: F401
from counter.core.validation import (NUMBER_TEXT_MAX, CounterForm, InvalidInput, WholeNumberField, parse_area,
                                     parse_money)

USE_CHOICES = list(USE_LABELS.items())
LANDLORD_CHOICES = list(LANDLORD_KIND_LABELS.items())
MAX_MONTHS = 36


class ScheduleTextForm(CounterForm):
    text = TextAreaField(_l("Schedule (JSON or TOML)"), validators=[DataRequired(message=_l("Enter the schedule."))],
                         render_kw={"autofocus": True, "rows": 28, "spellcheck": "false"})
    note = StringField(_l("Reason for this version"), validators=[Optional(), Length(max=REASON_MAX)])


class ConfirmForm(CounterForm):
    """An action button (activate, discard): only the CSRF token."""


class EstimateForm(CounterForm):
    """The public estimate (a GET form: nothing is stored, no session needed)."""

    class Meta:
        csrf = False

    use = SelectField(_l("Use"), choices=USE_CHOICES, default="residential", render_kw={"autofocus": True})
    landlord_kind = SelectField(_l("Landlord"), choices=LANDLORD_CHOICES, default="individual")
    rent = StringField(_l("Monthly rent (yuan)"), validators=[InputRequired(message=_l("Enter the monthly rent.")),
                                                            Length(max=NUMBER_TEXT_MAX)],
                       render_kw={"inputmode": "decimal", "autocomplete": "off"})
    area = StringField(_l("Area (m²)"), validators=[InputRequired(message=_l("Enter the area.")),
                                                  Length(max=NUMBER_TEXT_MAX)],
                       render_kw={"inputmode": "decimal", "autocomplete": "off"})
    months = WholeNumberField(_l("Months"), default=1,
                          validators=[InputRequired(message=_l("Enter the number of months (1 to 36).")),
                                      NumberRange(min=1, max=MAX_MONTHS,
                                                  message=_l("Enter the number of months (1 to 36)."))],
                          render_kw={"inputmode": "numeric", "min": 1, "max": MAX_MONTHS})
    street = SelectField(_l("Street (optional)"), choices=[], default="")

    rent_yuan: Decimal | None = None
    area_m2: Decimal | None = None

    def validate_rent(self, field):
        try:
            self.rent_yuan = parse_money(field.data, negative=_l("The rent cannot be negative."))
        except InvalidInput as exc:
            raise ValidationError(str(exc)) from None

    def validate_area(self, field):
        try:
            self.area_m2 = parse_area(field.data)
        except InvalidInput as exc:
            raise ValidationError(str(exc)) from None
