"""Input validation building blocks (输入校验), in one place: every form, query parameter and the CSV
importer use these, with the bounds of :mod:`counter.core.bounds`.

Pure functions (usable without Flask, e.g. by the importer and the API) raise :class:`InvalidInput`,
a ``ValueError`` whose message is in the user's language:

- :func:`clean_text` — trims, refuses NUL and other control characters, lone surrogates, text-direction
  (bidi) controls and the replacement character, and bounds the length;
- :func:`parse_money` — yuan with at most two decimals, plain digits only (no exponent, NaN, Infinity,
  sNaN, sign or hexadecimal), at most a maximum (default :data:`~counter.core.bounds.MONTHLY_RENT_MAX`);
  :func:`parse_area` likewise for m²;
- :func:`parse_date` / :func:`check_date` — ISO dates inside ``DATE_MIN .. business date + FUTURE_YEARS_MAX``;
  :func:`check_term` — a lease term of at most ``TERM_YEARS_MAX`` years (民法典 art. 705);
- :func:`parse_month` — ``YYYY-MM`` inside the same window;
- :func:`parse_id` — a database id typed in a form (positive, bounded);
- :func:`clamp_page` — page numbers clamped to ``1 .. PAGE_MAX``;
- :func:`contains` / :func:`startswith` — LIKE conditions in which ``%``, ``_`` and ``\\`` are literal on
  SQLite and PostgreSQL alike (:func:`escape_like` for hand-written patterns).

WTForms pieces: :class:`CounterForm` (the base class of every form of the app: it refuses forbidden
characters in every text field, nested rows included), :class:`MoneyField`, :class:`AreaField`,
:class:`BoundedDateField` and :class:`WholeNumberField`.
"""
from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, Field, IntegerField
from wtforms.widgets import TextInput

from counter.core.bounds import (AREA_MAX_M2, AREA_PLACES, DATE_MIN, FUTURE_YEARS_MAX, MONEY_PLACES,
                                 MONTHLY_RENT_MAX, PAGE_MAX, TERM_YEARS_MAX)

# The largest single amount the office can handle: a whole term's rent at the maximum monthly rent
# (derived from the bounds, not a new limit). Remittances and cash counts are bounded by it; every
# money column of the database holds it (BIGINT fen).
AMOUNT_MAX = MONTHLY_RENT_MAX * 12 * TERM_YEARS_MAX
ID_MAX = 2**31 - 1  # database ids (INTEGER primary keys)
NUMBER_TEXT_MAX = 32  # characters of a typed number before it is parsed


class InvalidInput(ValueError):
    """A refused value; ``str(exc)`` is the message for the user (in the request's language)."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return str(self.message)


# ------------------------------------------------------------------------------------------------ text

BIDI_CONTROLS = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
# Cc (U+0000-001F, U+007F-009F), Cs (lone surrogates), bidi controls, BOM, U+FFFD, U+FFFE/FFFF; one-line
# fields also refuse tab, line breaks and the line/paragraph separators (Zl, Zp)
_FORBIDDEN_MULTILINE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff"
                                  + BIDI_CONTROLS + "\ufeff\ufffd\ufffe\uffff]")
_FORBIDDEN_LINE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff\u2028\u2029"
                             + BIDI_CONTROLS + "\ufeff\ufffd\ufffe\uffff]")
_FULLWIDTH = str.maketrans("０１２３４５６７８９．，－", "0123456789.,-")


def forbidden_character(text: str, *, multiline: bool = False) -> int | None:
    """Index of the first character a text field refuses, or None. Refused: control characters (tab and
    line breaks are allowed in multi-line fields), line/paragraph separators in one-line fields, lone
    surrogates, text-direction controls (bidi embeddings, overrides and isolates, LRM/RLM/ALM), the
    byte-order mark, the replacement character U+FFFD (a sign of broken encoding) and U+FFFE/U+FFFF."""
    m = (_FORBIDDEN_MULTILINE if multiline else _FORBIDDEN_LINE).search(text)
    return m.start() if m else None


def check_characters(text: str, *, multiline: bool = False) -> None:
    pos = forbidden_character(text, multiline=multiline)
    if pos is not None:
        raise InvalidInput(_l("This text contains a character that is not allowed (a control or text-direction "
                              "character) at position %(pos)s. Please retype it.", pos=pos + 1))


def clean_text(value, *, max_length: int, multiline: bool = False, required: bool = False) -> str:
    """The trimmed text, or :class:`InvalidInput` (forbidden character, longer than ``max_length``,
    empty when ``required``). ``None`` is the empty text."""
    text = "" if value is None else str(value)
    if len(text) > max_length * 4 + 100:  # no need to scan a novel to refuse it
        raise InvalidInput(_l("At most %(max)s characters.", max=max_length))
    text = text.strip()
    check_characters(text, multiline=multiline)
    if len(text) > max_length:
        raise InvalidInput(_l("At most %(max)s characters.", max=max_length))
    if required and not text:
        raise InvalidInput(_l("This field is required."))
    return text


# ------------------------------------------------------------------------------------------------ numbers

_THOUSANDS_RE = re.compile(r"\d{1,3}(,\d{3}){1,4}(\.\d*)?", re.ASCII)
_DECIMAL_RE = re.compile(r"(\d{1,15})(?:\.(\d*))?|\.(\d+)", re.ASCII)  # 15 digits: far above any bound


def _plain_decimal(value, *, too_many_places, places: int, negative) -> Decimal:
    """Digits with an optional decimal point (ASCII or full-width), thousands commas and a leading ¥;
    nothing else. Returns a finite, non-negative Decimal with at most ``places`` decimals."""
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise InvalidInput(_l("Enter a number, e.g. 3500 or 3500.50."))
        text = format(value, "f")
    elif isinstance(value, int) and not isinstance(value, bool):
        text = str(value)
    elif isinstance(value, str):
        text = value
    else:
        raise InvalidInput(_l("Enter a number, e.g. 3500 or 3500.50."))
    text = text.strip().translate(_FULLWIDTH)
    if len(text) > NUMBER_TEXT_MAX:
        raise InvalidInput(_l("Enter a number, e.g. 3500 or 3500.50."))
    text = text.lstrip("¥￥").strip()
    if text.startswith("-"):
        raise InvalidInput(negative)
    if "," in text:
        if not _THOUSANDS_RE.fullmatch(text):
            raise InvalidInput(_l("Enter a number, e.g. 3500 or 3500.50."))
        text = text.replace(",", "")
    m = _DECIMAL_RE.fullmatch(text)
    if not m:
        raise InvalidInput(_l("Enter a number, e.g. 3500 or 3500.50."))
    decimals = m.group(2) if m.group(1) is not None else m.group(3)
    if decimals and len(decimals) > places:
        raise InvalidInput(too_many_places)
    try:
        number = Decimal(text if not text.endswith(".") else text[:-1])
    except InvalidOperation:  # pragma: no cover - the pattern admits only plain decimals
        raise InvalidInput(_l("Enter a number, e.g. 3500 or 3500.50.")) from None
    return number.quantize(Decimal(1).scaleb(-places))


def parse_money(value, *, max_value: Decimal = MONTHLY_RENT_MAX, positive: bool = False, negative=None) -> Decimal:
    """Yuan typed by a user -> Decimal with two places. Refuses exponents, NaN, Infinity, sNaN, signs (also
    ``-0``), hexadecimal, more than two decimals and amounts above ``max_value``. ``negative``: the message
    for a minus sign (default: "The amount cannot be negative.")."""
    from counter.core.i18n import money

    amount = _plain_decimal(value, places=MONEY_PLACES, too_many_places=_l("At most two decimal places."),
                            negative=negative or _l("The amount cannot be negative."))
    if amount > max_value:
        raise InvalidInput(_l("At most %(max)s.", max=money(int(max_value * 100))))
    if positive and amount <= 0:
        raise InvalidInput(_l("The amount must be more than zero."))
    return amount


def parse_area(value, *, positive: bool = False) -> Decimal:
    """m² typed by a user -> Decimal with two places, at most :data:`AREA_MAX_M2`."""
    from counter.core.i18n import number

    area = _plain_decimal(value, places=AREA_PLACES, too_many_places=_l("At most two decimal places."),
                          negative=_l("The area cannot be negative."))
    if area > AREA_MAX_M2:
        raise InvalidInput(_l("At most %(max)s m².", max=number(AREA_MAX_M2, 2)))
    if positive and area <= 0:
        raise InvalidInput(_l("Enter an area of more than 0 m²."))
    return area


def to_hundredths(amount: Decimal | None) -> int | None:
    """A Decimal with two places -> integer hundredths (fen, centi-m²)."""
    if amount is None:
        return None
    return int(amount.scaleb(2).to_integral_value())


def parse_id(value) -> int | None:
    """A database id from a form or URL (ASCII digits, 1 .. ID_MAX), else None."""
    text = str(value or "").strip()
    if not re.fullmatch(r"[0-9]{1,10}", text, re.ASCII):
        return None
    number = int(text)
    return number if 1 <= number <= ID_MAX else None


def clamp_page(value) -> int:
    """A page number from a query string, clamped to 1..PAGE_MAX (garbage is page 1)."""
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    else:
        text = str(value or "").strip()
        if not re.fullmatch(r"[0-9]{1,12}", text, re.ASCII):
            return 1
        number = int(text)
    return min(max(number, 1), PAGE_MAX)


def decode_upload(data: bytes) -> tuple[str, str] | None:
    """An uploaded text file (CSV) -> (text, encoding): UTF-8 with or without a BOM (``utf-8-sig`` /
    ``utf-8``), else GB 18030 (the superset of GBK that Chinese spreadsheets save); None when neither."""
    try:
        return data.decode("utf-8-sig"), ("utf-8-sig" if data.startswith(b"\xef\xbb\xbf") else "utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError:
        return None


# ------------------------------------------------------------------------------------------------ dates

# Year, month, day — always in this order (GB/T 7408, and unambiguous in English too): 2026-12-01,
# 2026/12/1, 2026.12.1, 2026年12月1日, or the eight digits a clerk types without separators (20261201).
_DATE_RE = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})|(\d{4})(\d{2})(\d{2})|(\d{4})年(\d{1,2})月(\d{1,2})日",
                      re.ASCII)
_MONTH_RE = re.compile(r"(\d{4})-(\d{1,2})", re.ASCII)


def add_years(d: date, years: int) -> date:
    """The same day ``years`` later (28 February for 29 February in a common year)."""
    try:
        return d.replace(year=d.year + years)
    except ValueError:
        return d.replace(year=d.year + years, day=28)


def latest_date(today: date | None = None, *, extra_years: int = 0) -> date:
    """The latest date a form accepts: the business date + FUTURE_YEARS_MAX (+ ``extra_years``) years."""
    if today is None:
        from counter.core.timeutil import business_today

        today = business_today()
    return add_years(today, FUTURE_YEARS_MAX + extra_years)


def check_date(d: date, *, earliest: date = DATE_MIN, latest: date | None = None) -> date:
    latest = latest or latest_date()
    if not earliest <= d <= latest:
        from counter.core.i18n import fmt_date

        raise InvalidInput(_l("Enter a date between %(earliest)s and %(latest)s.",
                              earliest=fmt_date(earliest), latest=fmt_date(latest)))
    return d


def parse_date(value, *, earliest: date = DATE_MIN, latest: date | None = None) -> date:
    """A date in year-month-day order (``YYYY-MM-DD``, ``YYYY/M/D``, ``YYYY.M.D``, ``YYYYMMDD``,
    ``YYYY年M月D日``; ASCII or full-width digits) -> a date inside the window."""
    text = str(value or "").strip().translate(_FULLWIDTH)
    m = _DATE_RE.fullmatch(text) if len(text) <= 11 else None
    if not m:
        raise InvalidInput(_l("Enter a date as YYYY-MM-DD."))
    year, month, day = (int(g) for g in m.groups() if g is not None)
    try:
        d = date(year, month, day)
    except ValueError:
        raise InvalidInput(_l("This date does not exist.")) from None
    return check_date(d, earliest=earliest, latest=latest)


def parse_month(value, *, latest_extra_years: int = TERM_YEARS_MAX) -> str:
    """``YYYY-MM`` -> the normalised text ``YYYY-MM`` inside DATE_MIN .. latest date (+ a term)."""
    text = str(value or "").strip().translate(_FULLWIDTH)
    m = _MONTH_RE.fullmatch(text) if len(text) <= 7 else None
    if not m or not 1 <= int(m.group(2)) <= 12:
        raise InvalidInput(_l("Enter a month as YYYY-MM."))
    year, month = int(m.group(1)), int(m.group(2))
    latest = latest_date(extra_years=latest_extra_years)
    if not (DATE_MIN.year, DATE_MIN.month) <= (year, month) <= (latest.year, latest.month):
        raise InvalidInput(_l("Enter a month between %(earliest)s and %(latest)s.",
                              earliest=f"{DATE_MIN.year:04d}-{DATE_MIN.month:02d}",
                              latest=f"{latest.year:04d}-{latest.month:02d}"))
    return f"{year:04d}-{month:02d}"


def term_limit(start: date) -> date:
    """The first date a lease starting on ``start`` may no longer cover (start + TERM_YEARS_MAX years)."""
    return add_years(start, TERM_YEARS_MAX)


def check_term(start: date, end: date) -> None:
    """A lease term: end not before start, and at most TERM_YEARS_MAX years (民法典 art. 705)."""
    if end < start:
        raise InvalidInput(_l("The end of the term cannot be before its start."))
    if end >= term_limit(start):
        raise InvalidInput(_l("A lease term cannot exceed %(years)s years.", years=TERM_YEARS_MAX))


# ------------------------------------------------------------------------------------------------ LIKE

LIKE_ESCAPE = "/"  # not a backslash: PostgreSQL would read one in a literal differently


def escape_like(text: str, escape: str = LIKE_ESCAPE) -> str:
    """``text`` with LIKE wildcards and the escape character made literal (use with ``escape=``)."""
    return text.replace(escape, escape + escape).replace("%", escape + "%").replace("_", escape + "_")


def contains(column, text: str, *, case_insensitive: bool = False):
    """``column`` contains ``text`` literally (``%``, ``_``, ``\\`` and ``/`` mean themselves), on both
    databases: PostgreSQL's default LIKE escape is the backslash, SQLite has none; an explicit ESCAPE '/'
    makes them agree."""
    pattern = "%" + escape_like(text) + "%"
    return column.ilike(pattern, escape=LIKE_ESCAPE) if case_insensitive else column.like(pattern, escape=LIKE_ESCAPE)


def startswith(column, text: str):
    return column.like(escape_like(text) + "%", escape=LIKE_ESCAPE)


# ------------------------------------------------------------------------------------------------ WTForms

TEXT_FIELD_TYPES = frozenset({"StringField", "TextAreaField", "HiddenField", "PasswordField", "SearchField",
                              "EmailField", "TelField", "URLField"})


def _walk_fields(form):
    for field in form:
        if field.type == "FieldList":
            for entry in field.entries:
                if hasattr(entry, "form"):
                    yield from _walk_fields(entry.form)
                else:
                    yield entry
        elif field.type == "FormField":
            yield from _walk_fields(field.form)
        else:
            yield field


class CounterForm(FlaskForm):
    """The base of every form of the app. After the fields' own validators, every text field (nested
    rows too) whose value holds a forbidden character (:func:`forbidden_character`) gets a field error;
    multi-line fields (text areas) may hold tabs and line breaks."""

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        return self.check_characters() and ok

    def check_characters(self) -> bool:
        ok = True
        for field in _walk_fields(self):
            if field.type not in TEXT_FIELD_TYPES and not getattr(field, "check_text", False):
                continue
            if field.errors:  # refused already (a parser's or a validator's message says why)
                continue
            for raw in field.raw_data or ():
                if not isinstance(raw, str):
                    continue
                try:
                    check_characters(raw, multiline=field.type == "TextAreaField")
                except InvalidInput as exc:
                    field.errors = [e for e in field.errors if e] + [str(exc)]
                    ok = False
                    break
        return ok


class _Parses:
    """A field whose text is parsed by ``self.parse`` (raising InvalidInput, shown as the field's error);
    an empty input is None; what was typed is shown again."""

    check_text = True

    def process_formdata(self, valuelist):
        self.data = None
        if not valuelist or not str(valuelist[0]).strip():
            return
        try:
            self.data = self.parse(valuelist[0])
        except InvalidInput as exc:
            raise ValueError(str(exc)) from None

    def parse(self, text):  # pragma: no cover - overridden
        raise NotImplementedError


class _DecimalField(_Parses, Field):
    widget = TextInput()

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("render_kw", {"inputmode": "decimal", "autocomplete": "off"})
        super().__init__(label, validators, **kwargs)

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return format(Decimal(self.data).quantize(Decimal("0.01")), "f") if self.data is not None else ""


class MoneyField(_DecimalField):
    """Yuan -> Decimal (two places) with :func:`parse_money`; ``.fen`` is the integer fen (or None)."""

    def __init__(self, label=None, validators=None, *, max_value: Decimal = MONTHLY_RENT_MAX, positive=False,
                 **kwargs):
        super().__init__(label, validators, **kwargs)
        self.max_value = max_value
        self.positive = positive

    def parse(self, text):
        return parse_money(text, max_value=self.max_value, positive=self.positive)

    @property
    def fen(self) -> int | None:
        return to_hundredths(self.data)


class AreaField(_DecimalField):
    """m² -> Decimal (two places) with :func:`parse_area`."""

    def __init__(self, label=None, validators=None, *, positive=False, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.positive = positive

    def parse(self, text):
        return parse_area(text, positive=self.positive)


class LocaleDateInput(TextInput):
    """A date typed in the app's format, not the browser's: ``<input type="text" inputmode="numeric"
    data-date lang=... placeholder=...>`` holding ``YYYY-MM-DD``. Chromium's ``type="date"`` lays its
    segments out in the browser's locale (mm/dd/yyyy under en-US, whatever ``lang`` says) and costs a Tab
    per segment; this input is one Tab stop, accepts the year-month-day forms of :func:`parse_date`
    (``20261201`` too), and counter.js spells the date typed out beside it in the UI language
    (2026年12月1日周二 / Tue, December 1, 2026). Without JavaScript the server still accepts every form."""

    def __call__(self, field, **kwargs):
        from counter.core.i18n import html_lang

        kwargs.pop("type", None)
        kwargs.setdefault("lang", html_lang())
        kwargs.setdefault("inputmode", "numeric")
        kwargs.setdefault("autocomplete", "off")
        kwargs.setdefault("maxlength", 11)
        kwargs.setdefault("size", 11)
        kwargs.setdefault("placeholder", str(_l("YYYY-MM-DD")))
        kwargs.setdefault("data-date", "")
        kwargs.setdefault("data-invalid", str(_l("This date does not exist.")))
        return super().__call__(field, **kwargs)


class BoundedDateField(_Parses, DateField):
    """An ISO date inside DATE_MIN .. business date + FUTURE_YEARS_MAX (+ ``extra_years``) years."""

    widget = LocaleDateInput()

    def __init__(self, label=None, validators=None, *, extra_years: int = 0, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.extra_years = extra_years

    def parse(self, text):
        return parse_date(text, latest=latest_date(extra_years=self.extra_years))


class WholeNumberField(_Parses, IntegerField):
    """An integer of at most nine digits (ASCII or full-width): huge numbers are a field error, never an
    overflow in a validator or the database driver."""

    def parse(self, text):
        text = str(text).strip().translate(_FULLWIDTH)
        if not re.fullmatch(r"[+-]?[0-9]{1,9}", text, re.ASCII):
            raise InvalidInput(_l("Enter a whole number."))
        return int(text)


__all__ = ["AMOUNT_MAX", "InvalidInput", "forbidden_character", "check_characters", "clean_text", "decode_upload", "parse_money",
           "parse_area", "to_hundredths", "parse_id", "clamp_page", "add_years", "latest_date", "check_date",
           "parse_date", "parse_month", "term_limit", "check_term", "escape_like", "contains", "startswith",
           "CounterForm", "MoneyField", "AreaField", "BoundedDateField", "WholeNumberField"]
