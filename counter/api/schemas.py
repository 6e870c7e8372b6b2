"""The API's marshmallow schemas: they validate the requests and describe them in the OpenAPI document
(flask-smorest derives both from the same schema). Bounds are those of the window's forms
(:mod:`counter.core.bounds`); amounts and areas are decimal strings (never JSON numbers: no float)."""
from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from counter.api.models import IDEMPOTENCY_KEY_MAX
from counter.api.services import BULK_MAX, FEED_LIMIT_DEFAULT, FEED_LIMIT_MAX
from counter.core.bounds import (ADDRESS_MAX, BUILDING_CODE_MAX, HOUSE_CODE_LEN, ID_NUMBER_MAX, PARTY_NAME_MAX,
                                 PHONE_MAX, ROOM_MAX)
from counter.core.validation import InvalidInput, check_characters
from counter.leases.models import ID_TYPES, LEASE_USES, PARTY_ROLES, PAYMENT_CYCLES

AMOUNT = r"^[0-9]{1,9}(\.[0-9]{1,2})?$"
AREA = r"^[0-9]{1,7}(\.[0-9]{1,2})?$"
DOC_STATUSES = ("valid", "void", "superseded", "unknown")
LEASE_STATUSES = ("active", "expired", "terminated", "cancelled")


class Text(fields.String):
    """A string that refuses what every form of the app refuses (NUL, control and text-direction characters,
    lone surrogates: :func:`counter.core.validation.check_characters`) — a field error, never a value that
    reaches a query (PostgreSQL refuses NUL in text: a 500)."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            check_characters(text)
        except InvalidInput as exc:
            raise ma.ValidationError(str(exc)) from None
        return text


def _text(max_length: int, **kw):
    return Text(validate=validate.Length(max=max_length), **kw)


def _amount(description: str, **kw):
    return Text(validate=validate.Regexp(AMOUNT), metadata={"description": description, "example": "3500.00"}, **kw)


def _area(description: str, **kw):
    return Text(validate=validate.Regexp(AREA), metadata={"description": description, "example": "45.50"}, **kw)


class Strict(ma.Schema):
    class Meta:
        unknown = ma.RAISE
        ordered = True


# ------------------------------------------------------------------------------------------------- errors

class FieldErrorSchema(ma.Schema):
    field = fields.String(allow_none=True, metadata={"description": "The field (dotted path, `parties[0].name`); "
                                                                   "null for the whole request"})
    location = fields.String(allow_none=True, metadata={"description": "json, query, headers or path"})
    message = fields.String(required=True)


class ProblemSchema(ma.Schema):
    """RFC 9457 problem details (application/problem+json)."""

    type = fields.String(required=True, metadata={"example": "about:blank"})
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String()
    errors = fields.List(fields.Nested(FieldErrorSchema), metadata={"description": "Field errors"})


# ------------------------------------------------------------------------------------------------- leases

class LeaseQuerySchema(Strict):
    registration = _text(80, metadata={"description": "Registration number (深福南租备〔2026〕第000123号) or code "
                                                      "(FT01-2026-000123)"})
    house_code = _text(HOUSE_CODE_LEN + 10, metadata={"description": "The 25-character house code (房屋代码)"})

    @ma.validates_schema
    def _one(self, data, **kwargs):
        given = [k for k in ("registration", "house_code") if (data.get(k) or "").strip()]
        if len(given) != 1:
            raise ma.ValidationError("Give either registration or house_code.", "registration")


class PartyOutSchema(ma.Schema):
    role = fields.String(required=True, validate=validate.OneOf(PARTY_ROLES))
    kind = fields.String(required=True)
    id_type = fields.String(required=True)
    name = fields.String(required=True)
    id_number = fields.String(required=True)
    phone = fields.String(allow_none=True)


class PropertyOutSchema(ma.Schema):
    house_code = fields.String(allow_none=True)
    building_code = fields.String(allow_none=True)
    address = fields.String(required=True)
    room = fields.String(allow_none=True)
    floor_area = fields.String(allow_none=True)
    design_use = fields.String(required=True)


class LeaseSchema(ma.Schema):
    registration_number = fields.String(required=True)
    registration_code = fields.String(required=True)
    street = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(LEASE_STATUSES))
    version = fields.Integer(required=True)
    lease_use = fields.String(required=True)
    is_sublease = fields.Boolean(required=True)
    signing_date = fields.Date(required=True)
    start_date = fields.Date(required=True)
    end_date = fields.Date(required=True)
    registered_on = fields.Date(required=True)
    monthly_rent = fields.String(required=True, metadata={"description": "yuan, two decimals"})
    rented_area = fields.String(required=True, metadata={"description": "m², two decimals"})
    property = fields.Nested(PropertyOutSchema, required=True)
    parties = fields.List(fields.Nested(PartyOutSchema), required=True)
    masked = fields.Boolean(required=True, metadata={"description": "names, ID numbers and phones masked "
                                                                   "(the key lacks leases:register)"})


class LeaseListSchema(ma.Schema):
    items = fields.List(fields.Nested(LeaseSchema), required=True)


class PropertyInSchema(Strict):
    house_code = _text(HOUSE_CODE_LEN + 10, allow_none=True)
    building_code = _text(BUILDING_CODE_MAX + 10, allow_none=True)
    address = _text(ADDRESS_MAX, allow_none=True)
    room = _text(ROOM_MAX, allow_none=True)
    floor_area = _area("Floor area (建筑面积), m²; needed for a new property", allow_none=True)
    design_use = fields.String(validate=validate.OneOf(LEASE_USES), allow_none=True)
    has_title = fields.Boolean(load_default=True)


class PartyInSchema(Strict):
    role = fields.String(required=True, validate=validate.OneOf(("landlord", "tenant", "agent")))
    name = _text(PARTY_NAME_MAX, required=True)
    id_type = fields.String(required=True, validate=validate.OneOf(ID_TYPES))
    id_number = _text(ID_NUMBER_MAX, required=True)
    phone = _text(PHONE_MAX, allow_none=True)
    address = _text(ADDRESS_MAX, allow_none=True)


class RegistrationSchema(Strict):
    """A filing, field for field the window's registration form."""

    street = _text(16, allow_none=True, metadata={"description": "Street code; required when the key is not "
                                                                 "bound to one street"})
    property = fields.Nested(PropertyInSchema, required=True)
    lease_use = fields.String(required=True, validate=validate.OneOf(LEASE_USES))
    rented_area = _area("Rented area, m²", required=True)
    signing_date = fields.Date(required=True)
    start_date = fields.Date(required=True)
    end_date = fields.Date(required=True)
    monthly_rent = _amount("Monthly rent, yuan", required=True)
    deposit = _amount("Deposit, yuan", load_default="0")
    payment_cycle = fields.String(validate=validate.OneOf(PAYMENT_CYCLES), load_default="monthly")
    is_sublease = fields.Boolean(load_default=False)
    parties = fields.List(fields.Nested(PartyInSchema), required=True, validate=validate.Length(min=2, max=12))
    confirm_overlap = fields.Boolean(load_default=False, metadata={
        "description": "Register although an active lease of the property overlaps the term (shared tenancy, "
                       "sublease); without it such a filing answers 409"})


class IdempotencyHeaderSchema(ma.Schema):
    class Meta:
        unknown = ma.EXCLUDE

    idempotency_key = Text(required=True, data_key="Idempotency-Key",
                                    validate=validate.Length(min=1, max=IDEMPOTENCY_KEY_MAX),
                                    metadata={"description": "A unique key per filing (a UUID): a retry with "
                                                             "the same key and body returns the first answer"})


# ------------------------------------------------------------------------------------------------- proofs

class ProofSchema(ma.Schema):
    code = fields.String(required=True)
    found = fields.Boolean(required=True)
    status = fields.String(required=True, validate=validate.OneOf(DOC_STATUSES))
    reason = fields.String(allow_none=True)
    kind = fields.String(allow_none=True)
    doc_number = fields.String(allow_none=True)
    issue_date = fields.Date(allow_none=True, metadata={"description": "The original's issue date"})
    holder = fields.String(allow_none=True, metadata={"description": "The holder's name, masked (张*明)"})


class BulkVerifySchema(Strict):
    codes = fields.List(Text(validate=validate.Length(max=64)), required=True,
                        validate=validate.Length(min=1, max=BULK_MAX))


class BulkResultSchema(ma.Schema):
    results = fields.List(fields.Nested(ProofSchema), required=True)
    counts = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)


# --------------------------------------------------------------------------------------------------- tax

class EstimateQuerySchema(Strict):
    use = fields.String(required=True, validate=validate.OneOf(LEASE_USES))
    landlord_kind = fields.String(load_default="individual", validate=validate.OneOf(("individual", "organization")))
    monthly_rent = _amount("Monthly rent, yuan", required=True)
    area = _area("Area, m²", required=True)
    months = fields.Integer(load_default=1, validate=validate.Range(min=1, max=36))
    street = _text(16, metadata={"description": "Street code (guidance rents differ by street)"})


class EstimateItemSchema(ma.Schema):
    item = fields.String(required=True)
    name_zh = fields.String(required=True)
    name_en = fields.String(required=True)
    amount = fields.String(required=True)


class ScheduleRefSchema(ma.Schema):
    id = fields.String(required=True)
    version = fields.Integer(required=True)


class EstimateSchema(ma.Schema):
    start = fields.Date(allow_none=True)
    end = fields.Date(allow_none=True)
    periods = fields.Integer(required=True)
    total = fields.String(required=True, metadata={"description": "yuan, two decimals"})
    sample_rates = fields.Boolean(required=True, metadata={"description": "the rates are the developers' samples"})
    items = fields.List(fields.Nested(EstimateItemSchema), required=True)
    schedules = fields.List(fields.Nested(ScheduleRefSchema), required=True)


# ------------------------------------------------------------------------------------------------ changes

class ChangesQuerySchema(Strict):
    cursor = _text(200, metadata={"description": "next_cursor of the previous page; none: from the beginning"})
    limit = fields.Integer(load_default=FEED_LIMIT_DEFAULT, validate=validate.Range(min=1, max=FEED_LIMIT_MAX))


class ChangeSchema(ma.Schema):
    kind = fields.String(required=True, metadata={"description": "register, amend, renewal, terminate, cancel, ..."})
    at = fields.DateTime(required=True)
    business_date = fields.Date(required=True)
    version = fields.Integer(required=True)
    registration_number = fields.String(required=True)
    registration_code = fields.String(required=True)
    street = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(LEASE_STATUSES))
    start_date = fields.Date(required=True)
    end_date = fields.Date(required=True)


class ChangesSchema(ma.Schema):
    items = fields.List(fields.Nested(ChangeSchema), required=True)
    next_cursor = fields.String(required=True)
    has_more = fields.Boolean(required=True)
