"""Forms of the tax module: schedule text editing (admin) and the public estimate."""
from __future__ import annotations

from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, StringField, TextAreaField, ValidationError
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

USE_CHOICES = [
    ("residential", _l("Residential")),
    ("mixed", _l("Mixed commercial/residential")),
    ("commercial", _l("Commercial (shop)")),
    ("office", _l("Office")),
    ("factory", _l("Factory")),
    ("warehouse", _l("Warehouse")),
    ("dormitory", _l("Dormitory")),
    ("other", _l("Other use")),
]
LANDLORD_CHOICES = [("individual", _l("Individual")), ("organization", _l("Organization"))]
MAX_MONTHS = 36


def use_label(code: str) -> str:
    return str(dict(USE_CHOICES).get(code, code))


def landlord_label(code: str) -> str:
    return str(dict(LANDLORD_CHOICES).get(code, code))


class ScheduleTextForm(FlaskForm):
    text = TextAreaField(_l("Schedule (JSON or TOML)"), validators=[DataRequired(message=_l("Enter the schedule."))],
                         render_kw={"autofocus": True, "rows": 28, "spellcheck": "false"})
    note = StringField(_l("Reason for this version"), validators=[Optional(), Length(max=500)])


class ConfirmForm(FlaskForm):
    """An action button (activate, discard): only the CSRF token."""


def _decimal_2(field, *, what_negative, max_value: Decimal) -> Decimal:
    raw = (field.data or "").strip().replace(",", "").replace("¥", "").replace("￥", "")
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise ValidationError(_l("Enter a number, e.g. 3500 or 3500.50.")) from None
    if not value.is_finite():
        raise ValidationError(_l("Enter a number, e.g. 3500 or 3500.50."))
    if value < 0:
        raise ValidationError(what_negative)
    if value > max_value:
        raise ValidationError(_l("This value is too large."))
    if value != value.quantize(Decimal("0.01")):
        raise ValidationError(_l("At most two decimal places."))
    return value.quantize(Decimal("0.01"))


class EstimateForm(FlaskForm):
    """The public estimate (a GET form: nothing is stored, no session needed)."""

    class Meta:
        csrf = False

    use = SelectField(_l("Use"), choices=USE_CHOICES, default="residential", render_kw={"autofocus": True})
    landlord_kind = SelectField(_l("Landlord"), choices=LANDLORD_CHOICES, default="individual")
    rent = StringField(_l("Monthly rent (yuan)"), validators=[InputRequired(message=_l("Enter the monthly rent."))],
                       render_kw={"inputmode": "decimal", "autocomplete": "off"})
    area = StringField(_l("Area (m²)"), validators=[InputRequired(message=_l("Enter the area."))],
                       render_kw={"inputmode": "decimal", "autocomplete": "off"})
    months = IntegerField(_l("Months"), default=1,
                          validators=[InputRequired(message=_l("Enter the number of months (1 to 36).")),
                                      NumberRange(min=1, max=MAX_MONTHS,
                                                  message=_l("Enter the number of months (1 to 36)."))],
                          render_kw={"inputmode": "numeric", "min": 1, "max": MAX_MONTHS})
    street = SelectField(_l("Street (optional)"), choices=[], default="")

    rent_yuan: Decimal | None = None
    area_m2: Decimal | None = None

    def validate_rent(self, field):
        self.rent_yuan = _decimal_2(field, what_negative=_l("The rent cannot be negative."),
                                    max_value=Decimal("100000000"))

    def validate_area(self, field):
        self.area_m2 = _decimal_2(field, what_negative=_l("The area cannot be negative."),
                                  max_value=Decimal("1000000"))
