"""Forms of the collection window: collect, void/refund, day close (blind count), note, sign, reopen."""
from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm

from counter.core.bounds import MONTHLY_RENT_MAX
from wtforms import DecimalField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

METHOD_CHOICES = [("cash", _l("Cash")), ("card", _l("Bank card")), ("mobile", _l("Mobile payment")),
                  ("transfer", _l("Bank transfer"))]


def method_label(code: str) -> str:
    return str(dict(METHOD_CHOICES).get(code, code))


class MonthsForm(FlaskForm):
    """Step 1 of collecting (GET): the rent periods to pay for, by their dates (the view sets the choices:
    the lease's periods, value = the period's first day; the service also takes the month a period
    starts in, ``YYYY-MM``, and checks either)."""

    class Meta:
        csrf = False

    first = SelectField(_l("First period"), validators=[DataRequired()], choices=[], validate_choice=False,
                        render_kw={"autofocus": True})
    last = SelectField(_l("Last period"), validators=[DataRequired()], choices=[], validate_choice=False)
    # 修缮费用 from the landlord's invoices (individuals' income tax, at most ¥800 a month; the rest carries)
    repair = DecimalField(_l("Repair costs (yuan)"), places=None,
                          validators=[Optional(), NumberRange(min=0, max=MONTHLY_RENT_MAX),
                                      lambda form, field: _two_places(form, field)],
                          render_kw={"inputmode": "decimal", "autocomplete": "off"})

    @property
    def repair_fen(self) -> int:
        """The repair costs in fen (0 when empty or invalid: the field shows the error)."""
        if self.repair.errors or self.repair.data is None:
            return 0
        return int(self.repair.data * 100)


class CollectForm(FlaskForm):
    """Step 2 (POST): payment and confirmation; the periods ride along as hidden fields (first days)."""

    first_month = HiddenField(validators=[DataRequired()])
    last_month = HiddenField(validators=[DataRequired()])
    idempotency_key = HiddenField(validators=[DataRequired(), Length(max=64)])
    repair_cost = HiddenField(default="0")  # fen, from the quote the clerk confirmed

    def validate_repair_cost(self, field):
        text = (field.data or "0").strip()
        if not text.isascii() or not text.isdigit() or int(text) > MONTHLY_RENT_MAX * 100:
            raise ValidationError(_l("The repair costs are not valid. Show the tax again."))

    @property
    def repair_cost_fen(self) -> int:
        return int((self.repair_cost.data or "0").strip() or 0)
    method = SelectField(_l("Payment method"), choices=METHOD_CHOICES, default="cash",
                         render_kw={"autofocus": True})
    reference = StringField(_l("Payment reference"), validators=[Length(max=64)],
                            render_kw={"autocomplete": "off"})
    repeat_reason = TextAreaField(_l("Reason for paying these periods again"),
                                  validators=[Optional(), Length(max=500)], render_kw={"rows": 2})

    def validate_reference(self, field):
        if self.method.data != "cash" and not (field.data or "").strip():
            raise ValidationError(_l("Enter the payment reference for card, mobile and transfer payments."))


class ReasonForm(FlaskForm):
    """Void / refund / reopen: a reason is required."""

    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=500)], render_kw={"rows": 2})


def _two_places(form, field):
    if field.data is not None and field.data != field.data.quantize(Decimal("0.01")):
        raise ValidationError(_l("At most two decimal places (fen)."))


class CountForm(FlaskForm):
    """Day close step 1: the blind cash count, in yuan."""

    counted_cash = DecimalField(_l("Cash counted (yuan)"), places=None,
                                validators=[InputRequired(), NumberRange(min=0), _two_places],
                                render_kw={"autofocus": True, "inputmode": "decimal", "autocomplete": "off"})


class NoteForm(FlaskForm):
    note = TextAreaField(_l("Explanation of the difference"), validators=[DataRequired(), Length(max=1000)],
                         render_kw={"rows": 3, "autofocus": True})


class EmptyForm(FlaskForm):
    """CSRF only (sign)."""
