"""Forms of the lease window. Amendments and renewals show fixed party rows (2 landlords, 4 tenants, 1
agent); a registration starts with one landlord and one tenant row and adds rows on demand (an "add a
row" submit button: the form comes back with everything typed and one more row, no JavaScript needed).
Empty rows are ignored; Tab walks through the rows in order."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, FieldList, Form, FormField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length, Optional

from counter.core.bounds import (ADDRESS_MAX, BUILDING_CODE_MAX, HOUSE_CODE_LEN, ID_NUMBER_MAX, PARTY_NAME_MAX,
                                 PHONE_MAX, REASON_MAX, ROOM_MAX, SEARCH_MAX, TERM_YEARS_MAX)
from counter.core.validation import AreaField, BoundedDateField, CounterForm, MoneyField, to_hundredths
from counter.leases import labels
from counter.leases.services import LeaseInput, PartyInput, remember_lookup

LANDLORD_ROWS, TENANT_ROWS, AGENT_ROWS = 2, 4, 1


class PartyRow(Form):
    name = StringField(_l("Name"), validators=[Optional(), Length(max=PARTY_NAME_MAX)])
    id_type = SelectField(_l("ID type"), default="resident_id")
    id_number = StringField(_l("ID number"), validators=[Optional(), Length(max=ID_NUMBER_MAX)])
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=PHONE_MAX)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.id_type.choices = labels.choices(labels.ID_TYPE_LABELS)

    def is_empty(self) -> bool:
        return not (self.name.data or "").strip() and not (self.id_number.data or "").strip()


def _money(label, required=True):
    """Yuan, two decimals at most, up to MONTHLY_RENT_MAX (counter.core.validation.parse_money)."""
    return MoneyField(label, validators=[InputRequired() if required else Optional()])


class TermsForm(CounterForm):
    """Parties and terms: shared by registration, amendment and renewal."""

    landlords = FieldList(FormField(PartyRow), min_entries=LANDLORD_ROWS, max_entries=LANDLORD_ROWS)
    is_sublease = BooleanField(_l("Sublease (the landlord rows are sublessors)"))
    tenants = FieldList(FormField(PartyRow), min_entries=TENANT_ROWS, max_entries=TENANT_ROWS)
    agents = FieldList(FormField(PartyRow), min_entries=AGENT_ROWS, max_entries=AGENT_ROWS)
    lease_use = SelectField(_l("Lease use"), validators=[DataRequired()])
    rented_area = AreaField(_l("Rented area (m²)"), validators=[InputRequired()])
    signing_date = BoundedDateField(_l("Signing date"), validators=[InputRequired()])
    start_date = BoundedDateField(_l("Term start"), validators=[InputRequired()])
    end_date = BoundedDateField(_l("Term end"), validators=[InputRequired()], extra_years=TERM_YEARS_MAX)
    monthly_rent = _money(_l("Monthly rent (yuan)"))
    deposit = _money(_l("Deposit (yuan)"), required=False)
    payment_cycle = SelectField(_l("Payment cycle"), default="monthly")
    confirm_overlap = BooleanField(_l("I have checked: the overlapping lease is a shared tenancy or a sublease"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.lease_use.choices = labels.use_choices()
        self.payment_cycle.choices = labels.choices(labels.PAYMENT_CYCLE_LABELS)
        for row in self.agents:
            if not row.form.id_number.data:
                row.form.id_type.data = row.form.id_type.data if row.form.name.data else "credit_code"

    def party_inputs(self) -> list[PartyInput]:
        out = []
        for group, role in (("landlords", "landlord"), ("tenants", "tenant"), ("agents", "agent")):
            for i, entry in enumerate(getattr(self, group)):
                row = entry.form
                if row.is_empty():
                    continue
                out.append(PartyInput(role=role, name=row.name.data or "", id_type=row.id_type.data,
                                      id_number=row.id_number.data or "", phone=row.phone.data or None,
                                      slot=f"{group}-{i}"))
        return out

    def terms(self) -> dict:
        return dict(lease_use=self.lease_use.data, rented_area_centi=to_hundredths(self.rented_area.data),
                    signing_date=self.signing_date.data, start_date=self.start_date.data,
                    end_date=self.end_date.data, monthly_rent_fen=to_hundredths(self.monthly_rent.data),
                    deposit_fen=to_hundredths(self.deposit.data) or 0, payment_cycle=self.payment_cycle.data,
                    is_sublease=bool(self.is_sublease.data), parties=self.party_inputs())

    def fill_from(self, lease) -> None:
        """Prefill parties and terms from a lease (amend, renew)."""
        from decimal import Decimal

        self.lease_use.data = lease.lease_use
        self.rented_area.data = Decimal(lease.rented_area_centi) / 100
        self.signing_date.data = lease.signing_date
        self.start_date.data = lease.start_date
        self.end_date.data = lease.end_date
        self.monthly_rent.data = Decimal(lease.monthly_rent_fen) / 100
        self.deposit.data = Decimal(lease.deposit_fen) / 100
        self.payment_cycle.data = lease.payment_cycle
        self.is_sublease.data = lease.is_sublease
        for group, roles in (("landlords", ("landlord", "sublessor")), ("tenants", ("tenant",)), ("agents", ("agent",))):
            rows = [lp.party for lp in lease.parties if lp.role in roles]
            for entry, party in zip(getattr(self, group), rows):
                entry.form.name.data = party.name
                entry.form.id_type.data = party.id_type
                entry.form.id_number.data = party.id_number
                entry.form.phone.data = party.phone


ADD_ROW_GROUPS = ("landlords", "tenants", "agents", "property")  # "property": find it (no JavaScript)


class LeaseForm(TermsForm):
    """新增备案: the property (found by house code, else by address and room) and the contract. Rows on
    demand; the building code and the rented area may be left empty (:mod:`counter.leases.register`)."""

    landlords = FieldList(FormField(PartyRow), min_entries=1, max_entries=LANDLORD_ROWS)
    tenants = FieldList(FormField(PartyRow), min_entries=1, max_entries=TENANT_ROWS)
    agents = FieldList(FormField(PartyRow), min_entries=0, max_entries=AGENT_ROWS)
    rented_area = AreaField(_l("Rented area (m²)"), validators=[Optional()])
    add_row = StringField(validators=[Optional(), Length(max=32), AnyOf(ADD_ROW_GROUPS)])
    house_code = StringField(_l("House code (25 characters)"), validators=[Optional(), Length(max=HOUSE_CODE_LEN)],
                             render_kw={"autofocus": True, "autocomplete": "off"})
    building_code = StringField(_l("Building code"), validators=[Optional(), Length(max=BUILDING_CODE_MAX)],
                                render_kw={"autocomplete": "off"})
    address = StringField(_l("Address"), validators=[Optional(), Length(max=ADDRESS_MAX)])
    room = StringField(_l("Room"), validators=[Optional(), Length(max=ROOM_MAX)])
    floor_area = AreaField(_l("Floor area (m²)"), validators=[Optional()])
    design_use = SelectField(_l("Design use"), default="residential")
    has_title = BooleanField(_l("Has a property title certificate"), default=True)
    prefill = HiddenField(validators=[Optional(), Length(max=SEARCH_MAX)])  # a pre-filing's reference (issue 16)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.design_use.choices = labels.use_choices()
        self._found = False
        self._lookup = None

    def to_input(self, street_id: int) -> LeaseInput:
        from counter.leases.register import apply_defaults

        data = LeaseInput(street_id=street_id, house_code=self.house_code.data, building_code=self.building_code.data,
                          address=self.address.data, room=self.room.data,
                          floor_area_centi=to_hundredths(self.floor_area.data), design_use=self.design_use.data,
                          has_title=bool(self.has_title.data), **self.terms())
        found = self.found_property(street_id)
        if self._lookup is not None:  # the registration's validation takes this lookup (no second query)
            remember_lookup(data, *self._lookup)
        return apply_defaults(data, found)

    def found_property(self, street_id: int | None):
        """The existing property the house code names (shown before submitting), or None."""
        if self._found is False:
            from counter.leases.register import property_found

            def keep(code, prop):
                self._lookup = (code, prop)

            self._found = None if self.house_code.errors else property_found(self.house_code.data, street_id, keep)
        return self._found

    def add_requested_row(self) -> bool:
        """The "add a row" button: one more row of that group (up to its maximum), nothing validated, nothing
        saved; the new row's name field gets the focus. False for any other submission."""
        group = self.add_row.data
        if group not in ADD_ROW_GROUPS or not self.add_row.validate(self):
            return False
        if group == "property":  # "find" (no JavaScript): the property card, the landlord of its last lease
            self.prefill_landlords(self.found_property_street)
            self._focus(self.tenants.entries[0].form.name)
            return True
        rows = getattr(self, group)
        if len(rows.entries) < rows.max_entries:
            rows.append_entry()
            if group == "agents":
                rows.entries[-1].form.id_type.data = "credit_code"
        self._focus(rows.entries[-1].form.name)
        return True

    found_property_street = None  # set by the view: the clerk's street

    def prefill_landlords(self, street_id) -> None:
        """Empty landlord rows take the landlords of the found property's latest lease (shown, editable)."""
        found = self.found_property(street_id)
        if found is None or not found.landlords or any(not e.form.is_empty() for e in self.landlords.entries):
            return
        while len(self.landlords.entries) < min(len(found.landlords), self.landlords.max_entries):
            self.landlords.append_entry()
        for entry, p in zip(self.landlords.entries, found.landlords):
            entry.form.name.data, entry.form.id_type.data = p["name"], p["id_type"]
            entry.form.id_number.data, entry.form.phone.data = p["id_number"], p["phone"]
            for f in (entry.form.name, entry.form.id_number, entry.form.phone):
                f.raw_data = None

    def focus_first_error(self) -> None:
        """After a refusal the cursor goes to the first field with an error (document order), not the top."""
        for f in _fields_in_order(self):
            if f.errors and f.type not in ("CSRFTokenField", "HiddenField"):
                self._focus(f)
                return

    def _focus(self, target) -> None:
        for f in _fields_in_order(self):
            kw = dict(f.render_kw or {})
            if f is target:
                kw["autofocus"] = True
            else:
                kw.pop("autofocus", None)
            f.render_kw = kw


# the order of the registration page (templates/leases/new.html, then leases/_terms.html)
_PAGE_ORDER = ("house_code", "building_code", "address", "room", "floor_area", "design_use", "has_title",
               "landlords", "is_sublease", "tenants", "lease_use", "rented_area", "signing_date",
               "start_date", "end_date", "monthly_rent", "deposit", "payment_cycle", "confirm_overlap", "agents")


def _fields_in_order(form):
    for name in _PAGE_ORDER:
        f = getattr(form, name)
        if f.type == "FieldList":
            for entry in f.entries:
                yield from entry.form
        else:
            yield f


class AmendForm(TermsForm):
    reason = TextAreaField(_l("Reason for the change"), validators=[Optional(), Length(max=REASON_MAX)])


class RenewForm(TermsForm):
    reason = TextAreaField(_l("Reason / note"), validators=[Optional(), Length(max=REASON_MAX)])


class TerminateForm(CounterForm):
    effective_date = BoundedDateField(_l("Effective date"), validators=[InputRequired()], extra_years=TERM_YEARS_MAX,
                                      render_kw={"autofocus": True})
    reason = TextAreaField(_l("Reason"), validators=[Optional(), Length(max=REASON_MAX)])


class CancelForm(CounterForm):
    reason = TextAreaField(_l("Reason"), validators=[Optional(), Length(max=REASON_MAX)], render_kw={"autofocus": True})


def _search_date(label):
    return BoundedDateField(label, validators=[Optional()], extra_years=TERM_YEARS_MAX)


class SearchForm(CounterForm):
    class Meta:
        csrf = False

    q = StringField(_l("Registration number, barcode, ID number, house code or name"),
                    validators=[Optional(), Length(max=SEARCH_MAX)],
                    render_kw={"autofocus": True, "autocomplete": "off", "type": "search"})
    name = StringField(_l("Party name"), validators=[Optional(), Length(max=PARTY_NAME_MAX)])
    id_number = StringField(_l("ID number"), validators=[Optional(), Length(max=ID_NUMBER_MAX)])
    house_code = StringField(_l("House code"), validators=[Optional(), Length(max=SEARCH_MAX)])
    address = StringField(_l("Address words"), validators=[Optional(), Length(max=ADDRESS_MAX)])
    status = SelectField(_l("Status"), default="", validators=[Optional()])
    signed_from = _search_date(_l("Signed from"))
    signed_to = _search_date(_l("Signed to"))
    registered_from = _search_date(_l("Registered from"))
    registered_to = _search_date(_l("Registered to"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.status.choices = [("", _l("Any status"))] + labels.choices(labels.STATUS_LABELS)


class PropertyLookupForm(CounterForm):
    """GET /leases/property?house_code=…: the property card of the registration form."""

    class Meta:
        csrf = False

    house_code = StringField(validators=[Optional(), Length(max=SEARCH_MAX)])


def field_has_errors(form, name: str) -> bool:
    """Whether the field ``name`` (nested party rows included) already has an error."""
    for f in form:
        if f.name == name:
            return bool(f.errors)
        if f.type == "FieldList":
            for entry in f.entries:
                for sub in entry.form:
                    if sub.name == name:
                        return bool(sub.errors)
    return False


def apply_rule_errors(form, errors: dict[str, list[str]]) -> None:
    """After a failed form validation, add a service's field errors to the fields that have none yet (the
    business rules' errors shown together with the form's own)."""
    apply_errors(form, {k: v for k, v in errors.items() if k and not field_has_errors(form, k)})


def apply_errors(form, errors: dict[str, list[str]]) -> None:
    """Put a service's field-level errors on the form's fields (nested party rows included)."""
    fields = {}

    def walk(f):
        for sub in f:
            if sub.type == "FieldList":
                for entry in sub.entries:
                    walk(entry.form)
            fields[sub.name] = sub

    walk(form)
    for key, messages in errors.items():
        target = fields.get(key)
        if target is None:
            form.form_errors.extend(messages)
        else:
            if not isinstance(target.errors, list):
                target.errors = list(target.errors)
            target.errors.extend(messages)
    for sub in form:
        if sub.type == "FieldList":
            sub.errors = [e.errors for e in sub.entries if e.errors]


class ResidenceDateForm(CounterForm):
    """The lease page's residence facts: months of residence counted up to ``on`` (default: today)."""

    class Meta:
        csrf = False

    on = BoundedDateField(_l("Months of residence up to"), validators=[Optional()], extra_years=TERM_YEARS_MAX)
