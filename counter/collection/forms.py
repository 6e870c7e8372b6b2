"""Forms of the collection window: collect, void/refund, day close (blind count), note, sign, reopen."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from counter.core.bounds import MONTHLY_RENT_MAX, REASON_MAX, REFERENCE_MAX, SEARCH_MAX, TERM_YEARS_MAX
from counter.core.validation import AMOUNT_MAX, BoundedDateField, CounterForm, InvalidInput, MoneyField, parse_month

METHOD_CHOICES = [("cash", _l("Cash")), ("card", _l("Bank card")), ("mobile", _l("Mobile payment")),
                  ("transfer", _l("Bank transfer"))]


def method_label(code: str) -> str:
    return str(dict(METHOD_CHOICES).get(code, code))


def _month(form, field):
    """``YYYY-MM`` inside the date window (counter.core.validation.parse_month), normalised."""
    if field.data:
        try:
            field.data = parse_month(field.data)
        except InvalidInput as exc:
            raise ValidationError(str(exc)) from None


class MonthsForm(CounterForm):
    """Step 1 of collecting (GET): the months to pay for."""

    class Meta:
        csrf = False

    first = StringField(_l("First month"), validators=[DataRequired(), Length(max=16), _month],
                        render_kw={"type": "month", "autofocus": True, "placeholder": "YYYY-MM"})
    last = StringField(_l("Last month"), validators=[DataRequired(), Length(max=16), _month],
                       render_kw={"type": "month", "placeholder": "YYYY-MM"})
    # 修缮费用 from the landlord's invoices (individuals' income tax, at most ¥800 a month; the rest carries)
    repair = MoneyField(_l("Repair costs (yuan)"), validators=[Optional()], max_value=MONTHLY_RENT_MAX,
                        render_kw={"inputmode": "decimal", "autocomplete": "off"})

    @property
    def repair_fen(self) -> int:
        """The repair costs in fen (0 when empty or invalid: the field shows the error)."""
        if self.repair.errors or self.repair.data is None:
            return 0
        return self.repair.fen or 0


class CollectForm(CounterForm):
    """Step 2 (POST): payment and confirmation; the months ride along as hidden fields."""

    first_month = HiddenField(validators=[DataRequired(), Length(max=16), _month])
    last_month = HiddenField(validators=[DataRequired(), Length(max=16), _month])
    idempotency_key = HiddenField(validators=[DataRequired(), Length(max=64)])
    repair_cost = HiddenField(default="0", validators=[Length(max=20)])  # fen, from the quote the clerk confirmed

    def validate_repair_cost(self, field):
        text = (field.data or "0").strip()
        if not text.isascii() or not text.isdigit() or int(text) > MONTHLY_RENT_MAX * 100:
            raise ValidationError(_l("The repair costs are not valid. Show the tax again."))

    @property
    def repair_cost_fen(self) -> int:
        return int((self.repair_cost.data or "0").strip() or 0)
    method = SelectField(_l("Payment method"), choices=METHOD_CHOICES, default="cash",
                         render_kw={"autofocus": True})
    reference = StringField(_l("Payment reference"), validators=[Length(max=REFERENCE_MAX)],
                            render_kw={"autocomplete": "off"})
    repeat_reason = TextAreaField(_l("Reason for paying these months again"),
                                  validators=[Optional(), Length(max=REASON_MAX)], render_kw={"rows": 2})

    def validate_reference(self, field):
        if self.method.data != "cash" and not (field.data or "").strip():
            raise ValidationError(_l("Enter the payment reference for card, mobile and transfer payments."))


class ReasonForm(CounterForm):
    """Void / refund / reopen: a reason is required."""

    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=REASON_MAX)], render_kw={"rows": 2})


class CountForm(CounterForm):
    """Day close step 1: the blind cash count, in yuan (two decimals at most; a day's cash is bounded by the
    largest amount the office handles, counter.core.validation.AMOUNT_MAX)."""

    counted_cash = MoneyField(_l("Cash counted (yuan)"), validators=[InputRequired()], max_value=AMOUNT_MAX,
                              render_kw={"autofocus": True, "inputmode": "decimal", "autocomplete": "off"})


class NoteForm(CounterForm):
    note = TextAreaField(_l("Explanation of the difference"), validators=[DataRequired(), Length(max=REASON_MAX)],
                         render_kw={"rows": 3, "autofocus": True})


class EmptyForm(CounterForm):
    """CSRF only (sign)."""


class ReceiptSearchForm(CounterForm):
    """The receipts list: number, payer or reference words, and a business date."""

    class Meta:
        csrf = False

    q = StringField(_l("Receipt number, payer or reference"), validators=[Optional(), Length(max=SEARCH_MAX)],
                    render_kw={"type": "search", "autofocus": True})
    date = BoundedDateField(_l("Business date"), validators=[Optional()], extra_years=TERM_YEARS_MAX)
