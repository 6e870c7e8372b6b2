"""The validation building blocks (counter.core.validation), fuzzed with Hypothesis: whatever comes in, they
either return a value inside the bounds or raise InvalidInput with a message — never anything else."""
from __future__ import annotations

import sqlite3
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from counter.core.bounds import AREA_MAX_M2, DATE_MIN, MONTHLY_RENT_MAX, PAGE_MAX, TERM_YEARS_MAX
from counter.core.validation import (ID_MAX, InvalidInput, check_term, clamp_page, clean_text, escape_like,
                                     forbidden_character, latest_date, parse_area, parse_date, parse_id, parse_money,
                                     parse_month, to_hundredths)

from corpus import CORPUS

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
# numbers as people (and attackers) type them: digits, separators, signs, exponents, words
numberish = st.one_of(st.text(alphabet="0123456789.,-+eE ¥￥０１２３４５６７８９．", max_size=40),
                      st.sampled_from(CORPUS), st.text(max_size=40),
                      st.decimals(allow_nan=True, allow_infinity=True).map(str))


@pytest.fixture
def ctx(app):
    with app.test_request_context():
        yield


@FUZZ
@given(numberish)
@example("1e20")
@example("NaN")
@example("sNaN")
@example("-0")
@example("Infinity")
@example("21474836.48")
@example("3500.123")
@example("0x10")
@example("٣٥٠٠")
def test_parse_money_is_bounded_or_refuses(ctx, text):
    try:
        amount = parse_money(text)
    except InvalidInput as exc:
        assert str(exc)
        return
    assert amount.is_finite() and Decimal(0) <= amount <= MONTHLY_RENT_MAX
    assert amount == amount.quantize(Decimal("0.01")) and amount.as_tuple().exponent == -2
    assert 0 <= to_hundredths(amount) <= 10**9


@FUZZ
@given(st.integers(min_value=0, max_value=int(MONTHLY_RENT_MAX * 100)))
def test_every_amount_in_bounds_is_accepted_exactly(ctx, fen):
    text = f"{fen // 100}.{fen % 100:02d}"
    assert to_hundredths(parse_money(text)) == fen
    assert to_hundredths(parse_money(f"{fen // 100:,}.{fen % 100:02d}")) == fen  # thousands separators


@FUZZ
@given(numberish)
def test_parse_area_is_bounded_or_refuses(ctx, text):
    try:
        area = parse_area(text)
    except InvalidInput:
        return
    assert Decimal(0) <= area <= AREA_MAX_M2 and area.as_tuple().exponent == -2


@FUZZ
@given(st.one_of(st.text(max_size=300), st.sampled_from(CORPUS)), st.integers(min_value=1, max_value=200),
       st.booleans())
def test_clean_text_returns_clean_bounded_text(ctx, text, max_length, multiline):
    try:
        cleaned = clean_text(text, max_length=max_length, multiline=multiline)
    except InvalidInput as exc:
        assert str(exc)
        return
    assert len(cleaned) <= max_length and cleaned == cleaned.strip()
    assert forbidden_character(cleaned, multiline=multiline) is None
    assert "\x00" not in cleaned and not any(0xD800 <= ord(c) <= 0xDFFF for c in cleaned)
    assert not any(c in cleaned for c in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


@FUZZ
@given(st.one_of(st.text(alphabet="0123456789-/ T:０２", max_size=24), st.sampled_from(CORPUS), st.text(max_size=20),
                 st.dates().map(date.isoformat)))
def test_parse_date_stays_in_the_window(ctx, text):
    try:
        d = parse_date(text)
    except InvalidInput:
        return
    assert DATE_MIN <= d <= latest_date()


@FUZZ
@given(st.dates(min_value=DATE_MIN, max_value=date(2060, 12, 31)), st.integers(min_value=0, max_value=30 * 366))
def test_check_term_is_the_civil_code_limit(ctx, start, days):
    """A term ends before the same calendar day twenty years on (28 February for a 29 February start)."""
    import calendar
    from datetime import timedelta

    end = start + timedelta(days=days)
    year = start.year + TERM_YEARS_MAX
    limit = date(year, start.month, min(start.day, calendar.monthrange(year, start.month)[1]))
    try:
        check_term(start, end)
    except InvalidInput:
        assert end >= limit
        return
    assert end < limit


@FUZZ
@given(st.one_of(st.text(alphabet="0123456789-０", max_size=10), st.sampled_from(CORPUS)))
def test_parse_month(ctx, text):
    try:
        month = parse_month(text)
    except InvalidInput:
        return
    year, mm = int(month[:4]), int(month[5:])
    assert len(month) == 7 and 1 <= mm <= 12 and DATE_MIN.year <= year <= latest_date(extra_years=TERM_YEARS_MAX).year


@FUZZ
@given(st.one_of(st.text(max_size=30), st.integers(), st.sampled_from(CORPUS), st.none()))
def test_page_and_id_parsers(text):
    assert 1 <= clamp_page(text) <= PAGE_MAX
    ident = parse_id(text)
    assert ident is None or 1 <= ident <= ID_MAX


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet="ab%_\\/xy张", max_size=8), st.text(alphabet="ab%_\\/xy张", min_size=1, max_size=4))
def test_escape_like_matches_literally_in_sqlite(hay, needle):
    with sqlite3.connect(":memory:") as conn:
        found = conn.execute("SELECT ? LIKE ? ESCAPE '/'", (hay, "%" + escape_like(needle) + "%")).fetchone()[0]
    # SQLite's LIKE folds ASCII case only; the alphabet has no upper case
    assert bool(found) == (needle in hay)


@FUZZ
@given(st.lists(st.tuples(st.text(alphabet="ab%_\\/xy张", max_size=8),
                          st.text(alphabet="ab%_\\/xy张", min_size=1, max_size=4)), min_size=1, max_size=20))
def test_contains_is_literal_in_the_database(app, pairs):
    """The same through SQLAlchemy on the test's database (SQLite and PostgreSQL)."""
    from sqlalchemy import literal, select

    from counter.core.validation import contains
    from counter.extensions import db

    for hay, needle in pairs:
        got = db.session.scalar(select(contains(literal(hay), needle)))
        assert bool(got) == (needle in hay), (hay, needle)
    db.session.rollback()


@FUZZ
@given(st.dictionaries(st.sampled_from(["monthly_rent", "rented_area", "start_date", "end_date", "signing_date",
                                        "tenants-0-name", "address", "house_code", "deposit"]),
                       st.one_of(st.sampled_from(CORPUS), st.text(max_size=50)), max_size=6))
def test_the_lease_form_never_raises(app, data):
    """The registration form (fields of every kind) with arbitrary values validates or reports field errors."""
    from werkzeug.datastructures import MultiDict

    from counter.leases.forms import LeaseForm

    with app.test_request_context(method="POST"):
        form = LeaseForm(formdata=MultiDict(data), meta={"csrf": False})
        ok = form.validate()
        assert ok or form.errors
        form.terms()  # the view builds the service input even from an invalid form
