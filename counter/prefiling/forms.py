"""Forms of the public pre-filing and booking pages and of the queue at the window. The pre-filing form
IS the window's registration form (:class:`counter.leases.forms.LeaseForm`) plus the street and a contact
phone: the same fields, bounds and (through :func:`counter.prefiling.services.validate_prefiling`) rules."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from counter.core.bounds import PHONE_MAX
from counter.core.validation import BoundedDateField, CounterForm, WholeNumberField
from counter.leases.forms import LeaseForm
from counter.leases.register import apply_defaults
from counter.leases.services import LeaseInput
from counter.prefiling import labels
from counter.prefiling.codes import CODE_MAX

NOT_STORED = {"csrf_token", "add_row", "prefill", "confirm_overlap", "street", "contact_phone"}


class PrefileForm(LeaseForm):
    street = SelectField(_l("Street office (where the property is)"), coerce=int, validators=[InputRequired()],
                         render_kw={"autofocus": True})
    contact_phone = StringField(_l("Your mobile phone (for the appointment's messages, optional)"),
                                validators=[Optional(), Length(max=PHONE_MAX)], render_kw={"inputmode": "tel"})

    def __init__(self, *args, streets=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.street.choices = [(s.id, s.name_zh if _zh() else s.name_en) for s in streets]
        self.house_code.render_kw = {"autocomplete": "off"}

    def add_requested_row(self) -> bool:
        if self.add_row.data == "property":  # the window's property lookup is not public
            return False
        return super().add_requested_row()

    def to_input(self, street_id: int) -> LeaseInput:
        data = LeaseInput(street_id=street_id, house_code=self.house_code.data, building_code=self.building_code.data,
                          address=self.address.data, room=self.room.data,
                          floor_area_centi=_hundredths(self.floor_area.data), design_use=self.design_use.data,
                          has_title=bool(self.has_title.data), **self.terms())
        return apply_defaults(data, None)

    def stored_fields(self) -> dict[str, str]:
        """The form's values as the window's form reads them back (the pre-filled registration)."""
        out: dict[str, str] = {}

        def walk(form):
            for f in form:
                if f.short_name in NOT_STORED and form is self:
                    continue
                if f.type == "FieldList":
                    for entry in f.entries:
                        walk(entry.form)
                elif f.type == "BooleanField":
                    if f.data:
                        out[f.name] = "y"
                elif f.type == "SelectField":
                    if f.data not in ("", None):
                        out[f.name] = str(f.data)
                elif f.type not in ("CSRFTokenField", "SubmitField"):
                    value = f._value()
                    if value not in ("", None):
                        out[f.name] = str(value)

        walk(self)
        return out


def _hundredths(value):
    from counter.core.validation import to_hundredths

    return to_hundredths(value)


def _zh() -> bool:
    from counter.core.i18n import locale_code

    return locale_code().startswith("zh")


class SlotQueryForm(CounterForm):
    class Meta:
        csrf = False

    street = StringField(validators=[Optional(), Length(max=12)])
    day = StringField(validators=[Optional(), Length(max=10)])
    code = StringField(validators=[Optional(), Length(max=CODE_MAX)])


class BookForm(CounterForm):
    street = SelectField(_l("Street office"), coerce=int, validators=[InputRequired()])
    purpose = SelectField(_l("What is the visit for?"), validators=[DataRequired()])
    day = StringField(_l("Day"), validators=[DataRequired(), Length(max=10)])
    slot = StringField(_l("Time"), validators=[DataRequired(message=_l("Choose one of the times offered.")),
                                               Length(max=5)])
    contact_phone = StringField(_l("Your mobile phone (optional)"), validators=[Optional(), Length(max=PHONE_MAX)],
                                render_kw={"inputmode": "tel"})
    code = HiddenField(validators=[Optional(), Length(max=CODE_MAX)])

    def __init__(self, *args, streets=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.street.choices = [(s.id, s.name_zh if _zh() else s.name_en) for s in streets]
        self.purpose.choices = labels.choices(labels.PURPOSE_LABELS)


class MoveForm(CounterForm):
    day = StringField(_l("Day"), validators=[DataRequired(), Length(max=10)])
    slot = StringField(_l("Time"), validators=[DataRequired(message=_l("Choose one of the times offered.")),
                                               Length(max=5)])


class EmptyForm(CounterForm):
    """A button (CSRF token only)."""


class CallForm(CounterForm):
    window_no = WholeNumberField(_l("Window"), validators=[Optional(), NumberRange(min=1, max=99)])


class CheckInForm(CounterForm):
    code = StringField(_l("Appointment or pre-filing code"), validators=[DataRequired(), Length(max=CODE_MAX)],
                       render_kw={"autocomplete": "off"})


class FinishForm(CounterForm):
    result = SelectField(_l("Result"), choices=[("done", _l("Done")), ("no_show", _l("Did not come"))],
                         default="done")


class ScheduleForm(CounterForm):
    opens_at = StringField(_l("Opens at (HH:MM)"), validators=[DataRequired(), Length(max=5)])
    closes_at = StringField(_l("Closes at (HH:MM)"), validators=[DataRequired(), Length(max=5)])
    slot_minutes = WholeNumberField(_l("Slot length (minutes)"), validators=[InputRequired(), NumberRange(5, 240)])
    windows = WholeNumberField(_l("Windows (people per slot)"), validators=[InputRequired(), NumberRange(1, 50)])
    booking_days = WholeNumberField(_l("Days that can be booked ahead"), validators=[InputRequired(),
                                                                                    NumberRange(1, 60)])
    closed_weekdays = SelectMultipleField(_l("Closed on"), coerce=int, option_widget=CheckboxInput(),
                                          widget=ListWidget(prefix_label=False))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.closed_weekdays.choices = labels.choices(labels.WEEKDAY_LABELS)


class ClosedDayForm(CounterForm):
    day = BoundedDateField(_l("Closed day"), validators=[InputRequired()])
    note = StringField(_l("Note"), validators=[Optional(), Length(max=64)])


class StatsForm(CounterForm):
    class Meta:
        csrf = False

    start = BoundedDateField(_l("From"), validators=[Optional()])
    end = BoundedDateField(_l("To"), validators=[Optional()])
    street = StringField(_l("Street"), validators=[Optional(), Length(max=12)])


