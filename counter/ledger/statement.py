"""Bank statement files (银行对账单): CSV, UTF-8 (with or without BOM) or GBK/GB18030.

Columns (the header row may be in Chinese or English; columns in any order; extra columns ignored;
lines before the header, such as the bank's title or account number, are skipped):

=================  ==========================================  ========  ===========================
Meaning            Accepted headers                            Required  Format
=================  ==========================================  ========  ===========================
transaction date   交易日期, 记账日期, 日期, date, txn date,    yes       2026-03-05, 2026/3/5,
                   transaction date, value date                          20260305, 2026年3月5日
amount             金额, 交易金额, 收入金额, 贷方金额, amount,  yes       yuan, at most 2 decimals
                   credit, credit amount                                 (3,500.00 and ¥ allowed;
                                                                         a refund out is negative)
reference          交易参考号, 参考号, 交易流水号, 流水号,      yes       the payment reference the
                   reference, ref, transaction reference                 clerk typed on the receipt
                                                                         (may be blank on a line)
counterparty       对方户名, 对方名称, 付款人, counterparty,    no        text
                   payer, payer name
description        摘要, 用途, 备注, description, memo,         no        text
                   narrative
=================  ==========================================  ========  ===========================

Blank lines are skipped. Any error (unknown encoding, no header, a bad date or amount) rejects the whole
file with line-numbered messages: nothing is saved from a file with errors.
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _

from counter.core.bounds import REFERENCE_MAX
from counter.core.validation import AMOUNT_MAX, check_date, decode_upload, forbidden_character

HEADERS: dict[str, tuple[str, ...]] = {
    "date": ("交易日期", "记账日期", "日期", "date", "txn date", "transaction date", "value date"),
    "amount": ("金额", "交易金额", "收入金额", "贷方金额", "amount", "credit", "credit amount"),
    "reference": ("交易参考号", "参考号", "交易流水号", "流水号", "reference", "ref", "transaction reference"),
    "counterparty": ("对方户名", "对方名称", "付款人", "counterparty", "payer", "payer name"),
    "description": ("摘要", "用途", "备注", "description", "memo", "narrative"),
}
REQUIRED = ("date", "amount", "reference")
MAX_LINES = 100_000


class StatementError(ValueError):
    """The file cannot be read; ``messages`` are translated, line-numbered messages."""

    def __init__(self, messages: list[str]):
        super().__init__("; ".join(messages))
        self.messages = messages


@dataclass
class ParsedLine:
    line_no: int
    txn_date: date
    amount_fen: int
    reference: str | None
    counterparty: str | None
    description: str | None


@dataclass
class ParsedStatement:
    encoding: str
    lines: list[ParsedLine] = field(default_factory=list)


def decode(data: bytes) -> tuple[str, str]:
    """Bytes -> (text, encoding name) (:func:`counter.core.validation.decode_upload`)."""
    decoded = decode_upload(data)
    if decoded is None:
        raise StatementError([_("The file is neither UTF-8 nor GBK text.")])
    return decoded


def _norm(cell: str) -> str:
    return re.sub(r"\s+", " ", cell.replace("\ufeff", "").strip().strip("*").strip().lower())


_LOOKUP = {_norm(h): key for key, names in HEADERS.items() for h in names}


def _header_map(row: list[str]) -> dict[str, int] | None:
    found: dict[str, int] = {}
    for i, cell in enumerate(row):
        key = _LOOKUP.get(_norm(cell))
        if key and key not in found:
            found[key] = i
    return found if all(k in found for k in REQUIRED) else None


_DATE_PATTERNS = (
    re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})"),
    re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})"),
    re.compile(r"^(\d{4})\.(\d{1,2})\.(\d{1,2})"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日"),
)


def parse_date(text: str) -> date:
    text = text.strip()
    for pattern in _DATE_PATTERNS:
        m = pattern.match(text)
        if m:
            return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    raise ValueError(text)


def parse_amount(text: str) -> int:
    """Yuan with at most two decimals -> signed integer fen (never rounds)."""
    t = text.strip().replace(",", "").replace("，", "").replace("¥", "").replace("￥", "").replace(" ", "")
    negative = False
    if t.startswith("(") and t.endswith(")"):
        negative, t = True, t[1:-1]
    if t.startswith("-"):
        negative, t = not negative, t[1:]
    elif t.startswith("+"):
        t = t[1:]
    if not t or not re.fullmatch(r"\d{1,15}(\.\d{1,2})?", t, re.ASCII):
        raise ValueError(text)
    try:
        fen = int(Decimal(t) * 100)
    except InvalidOperation:  # pragma: no cover - the regex already refused it
        raise ValueError(text) from None
    if fen > AMOUNT_MAX * 100:
        raise ValueError(text)
    return -fen if negative else fen


def _cell(row: list[str], idx: int | None) -> str:
    if idx is None or idx >= len(row):
        return ""
    return row[idx].strip()


def parse_statement(data: bytes) -> ParsedStatement:
    """Parse a bank statement CSV; raises :class:`StatementError` listing every problem found."""
    if not data or not data.strip():
        raise StatementError([_("The file is empty.")])
    text, encoding = decode(data)
    sample = text[:4096]
    delimiter = "\t" if sample.count("\t") > sample.count(",") else ","
    rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    header_at, columns = None, None
    for i, row in enumerate(rows[:30]):
        columns = _header_map(row)
        if columns:
            header_at = i
            break
    if header_at is None:
        raise StatementError([_("No header row found: the file needs the columns 交易日期/date, "
                                "金额/amount and 交易参考号/reference.")])
    out = ParsedStatement(encoding=encoding)
    errors: list[str] = []
    for i, row in enumerate(rows[header_at + 1:], start=header_at + 2):
        if not any(c.strip() for c in row):
            continue
        if len(out.lines) >= MAX_LINES:
            errors.append(_("Too many lines (at most %(n)s).", n=MAX_LINES))
            break
        raw_date, raw_amount = _cell(row, columns["date"]), _cell(row, columns["amount"])
        bad = next((c for c in row if forbidden_character(c) is not None), None)
        if bad is not None:
            errors.append(_("Line %(line)s: a control or text-direction character is not allowed.", line=i))
            continue
        try:
            txn_date = check_date(parse_date(raw_date))
        except (ValueError, OverflowError):
            errors.append(_("Line %(line)s: “%(value)s” is not a date.", line=i, value=raw_date[:40]))
            continue
        try:
            amount = parse_amount(raw_amount)
        except ValueError:
            errors.append(_("Line %(line)s: “%(value)s” is not an amount in yuan with at most two decimals.",
                            line=i, value=raw_amount[:40]))
            continue
        reference = _cell(row, columns["reference"])[:REFERENCE_MAX] or None
        out.lines.append(ParsedLine(
            line_no=i, txn_date=txn_date, amount_fen=amount, reference=reference,
            counterparty=_cell(row, columns.get("counterparty"))[:200] or None,
            description=_cell(row, columns.get("description"))[:500] or None))
    if errors:
        raise StatementError(errors[:20])
    if not out.lines:
        raise StatementError([_("The file has a header but no transactions.")])
    return out
