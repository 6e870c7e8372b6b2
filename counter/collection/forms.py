"""Forms of the collection window: collect, void/refund, day close (blind count), note, sign, reopen."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length, Optional, ValidationError

from counter.core.bounds import MONTHLY_RENT_MAX, REASON_MAX, REFERENCE_MAX, SEARCH_MAX, TERM_YEARS_MAX
from counter.core.validation import (AMOUNT_MAX, BoundedDateField, CounterForm, InvalidInput, MoneyField, latest_date,
                                     parse_date, parse_month)

METHOD_CHOICES = [("cash", _l("Cash")), ("card", _l("Bank card")), ("mobile", _l("Mobile payment")),
                  ("transfer", _l("Bank transfer"))]


def method_label(code: str) -> str:
    return str(dict(METHOD_CHOICES).get(code, code))


def _period(form, field):
    """A rent period named by its first day (``YYYY-MM-DD``) or by the month it starts in (``YYYY-MM``),
    inside the date window (counter.core.validation), normalised; the service checks it is the lease's."""
    text = (field.data or "").strip()
    if text:
        try:
            field.data = (parse_date(text, latest=latest_date(extra_years=TERM_YEARS_MAX)).isoformat()
                          if len(text) > 7 else parse_month(text))
        except InvalidInput as exc:
            raise ValidationError(str(exc)) from None


class MonthsForm(CounterForm):
    """Step 1 of collecting (GET): the rent periods to pay for, by their dates (the view sets the choices:
    the lease's periods, value = the period's first day; the service also takes the month a period
    starts in, ``YYYY-MM``, and checks either)."""

    class Meta:
        csrf = False

    first = SelectField(_l("First period"), validators=[DataRequired(), Length(max=16), _period], choices=[],
                        validate_choice=False, render_kw={"autofocus": True})
    last = SelectField(_l("Last period"), validators=[DataRequired(), Length(max=16), _period], choices=[],
                       validate_choice=False)
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
    """Step 2 (POST): payment and confirmation; the periods ride along as hidden fields (first days)."""

    first_month = HiddenField(validators=[DataRequired(), Length(max=16), _period])
    last_month = HiddenField(validators=[DataRequired(), Length(max=16), _period])
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
    # 实收: the cash handed over (cash only; empty: the exact total); the change is shown as it is typed
    tendered = MoneyField(_l("Amount tendered (yuan)"), validators=[Optional()], max_value=AMOUNT_MAX,
                          render_kw={"inputmode": "decimal", "autocomplete": "off"})
    repeat_reason = TextAreaField(_l("Reason for paying these periods again"),
                                  validators=[Optional(), Length(max=REASON_MAX)], render_kw={"rows": 2})

    def validate_reference(self, field):
        if self.method.data != "cash" and not (field.data or "").strip():
            raise ValidationError(_l("Enter the payment reference for card, mobile and transfer payments."))


class ReasonForm(CounterForm):
    """Void / refund / reopen: a reason is required."""

    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=REASON_MAX)], render_kw={"rows": 2})


class CountForm(CounterForm):
    """The day close in two steps. Step 1 (``action`` empty or ``review``): the blind cash count, in yuan (two
    decimals at most; a day's cash is bounded by the largest amount the office handles,
    counter.core.validation.AMOUNT_MAX); nothing is written. Step 2 shows expected, counted and variance;
    ``confirm`` closes with the expected cash the clerk saw (``expected_cash``, fen; refused when it changed
    meanwhile); a variance needs a note, a shortfall also the tick of ``confirm_shortfall``; ``recount``
    goes back to step 1."""

    counted_cash = MoneyField(_l("Cash counted (yuan)"), validators=[InputRequired()], max_value=AMOUNT_MAX,
                              render_kw={"autofocus": True, "inputmode": "decimal", "autocomplete": "off"})
    action = StringField(validators=[Optional(), Length(max=16), AnyOf(["review", "confirm", "recount"])])
    expected_cash = HiddenField(validators=[Optional(), Length(max=20)])
    note = TextAreaField(_l("Explanation of the difference"), validators=[Optional(), Length(max=REASON_MAX)],
                         render_kw={"rows": 3})
    confirm_shortfall = BooleanField(_l("I have counted again: the cash is short by this amount"))

    def validate_expected_cash(self, field):
        text = (field.data or "").strip()
        if text and (not text.isascii() or not text.isdigit() or int(text) > int(AMOUNT_MAX * 100)):
            raise ValidationError(_l("The expected cash is not valid. Count again."))

    @property
    def expected_cash_fen(self) -> int | None:
        text = (self.expected_cash.data or "").strip()
        return int(text) if text else None

    def confirm_problems(self, expected_fen: int) -> dict:
        """Step 2's rules, as field errors: a variance needs its note, a shortfall the confirmation."""
        variance = (self.counted_cash.fen or 0) - expected_fen
        out = {}
        if variance != 0 and not (self.note.data or "").strip():
            out["note"] = _l("Explain the difference between counted and expected cash.")
        if variance < 0 and not self.confirm_shortfall.data:
            out["confirm_shortfall"] = _l("Confirm the shortfall, or count again.")
        return out


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
