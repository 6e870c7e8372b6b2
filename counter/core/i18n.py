"""Locale helpers: the one money formatter (fen -> locale currency string) and date formatting."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from babel.numbers import format_currency, format_decimal
from flask import current_app, has_request_context, session
from flask_babel import format_date as babel_format_date
from flask_babel import format_datetime as babel_format_datetime
from flask_babel import force_locale, get_locale

LOCALES = {"zh": "简体中文", "en": "English"}
PRINT_LOCALE = "zh"  # printed documents are official Chinese documents, whatever the clerk's UI language


def select_locale() -> str:
    """The user's saved choice, else the session's, else Simplified Chinese."""
    from flask_login import current_user

    if has_request_context():
        if current_user and current_user.is_authenticated and current_user.locale in LOCALES:
            return current_user.locale
        chosen = session.get("locale")
        if chosen in LOCALES:
            return chosen
    return current_app.config.get("BABEL_DEFAULT_LOCALE", "zh")


def locale_code() -> str:
    loc = get_locale()
    return str(loc) if loc else "zh"


def printed(label) -> str:
    """A label (a lazy string of a labels table) as printed documents show it: in Chinese, from the
    catalogs (Flask-Babel's ``force_locale``), whatever the UI language."""
    with force_locale(PRINT_LOCALE):
        return str(label)


def html_lang() -> str:
    """The UI language as an HTML ``lang`` (on ``<html>`` and on every date input)."""
    return "zh-CN" if locale_code().startswith("zh") else "en"


def _babel_locale() -> str:
    return "zh_Hans_CN" if locale_code().startswith("zh") else "en_US"


def money(fen: int | None, *, currency: str = "CNY") -> str:
    """Integer fen -> '¥3,500.00' (zh) / 'CN¥3,500.00' (en). The only money formatter of the UI."""
    if fen is None:
        return ""
    return format_currency(Decimal(int(fen)) / 100, currency, locale=_babel_locale())


def number(value, digits: int = 2) -> str:
    if value is None:
        return ""
    return format_decimal(value, format="#,##0." + "0" * digits if digits else "#,##0", locale=_babel_locale())


def fmt_date(value: date | None, fmt: str = "medium") -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return babel_format_datetime(value, "short")
    return babel_format_date(value, fmt)


def fmt_span(start: date | None, end: date | None) -> str:
    """A run of days, ``2024年3月15日 至 2024年4月14日`` / ``Mar 15, 2024 – Apr 14, 2024``: the one way the UI
    shows a period (both ends through :func:`fmt_date`)."""
    if start is None and end is None:
        return ""
    sep = " 至 " if locale_code().startswith("zh") else " – "
    return f"{fmt_date(start)}{sep}{fmt_date(end)}"


def fmt_datetime(value: datetime | None) -> str:
    if value is None:
        return ""
    return babel_format_datetime(value, "medium")  # flask-babel converts to the office time zone
