"""The public bulk check's files: read the verification codes of a CSV or Excel (.xlsx) file, and write the
same file back with status, issue date and masked holder columns (no Flask, no database)."""
from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass, field

FILE_MAX = 2 * 1024 * 1024  # 1,000 codes fit in a few dozen KB; anything larger is not a list of codes
HEADER_WORDS = ("code", "verification", "核验码", "验证码", "校验码")
XLSX_MAGIC = b"PK\x03\x04"


class BulkFileError(ValueError):
    pass


@dataclass
class CodeFile:
    kind: str  # csv | xlsx
    rows: list = field(default_factory=list)  # csv: the rows; xlsx: unused
    code_column: int = 0
    header: bool = False
    positions: list = field(default_factory=list)  # the row index of each code
    codes: list = field(default_factory=list)
    workbook: object = None
    encoding: str = "utf-8-sig"


def _is_header(cells) -> int | None:
    for i, cell in enumerate(cells):
        text = str(cell or "").strip().lower()
        if any(w in text for w in HEADER_WORDS):
            return i
    return None


def _collect(cf: CodeFile, rows, limit: int, messages) -> None:
    first = rows[0] if rows else []
    col = _is_header(first)
    if col is not None:
        cf.header, cf.code_column = True, col
    start = 1 if cf.header else 0
    for index in range(start, len(rows)):
        row = rows[index]
        value = row[cf.code_column] if cf.code_column < len(row) else None
        text = "" if value is None else str(value).strip()
        if not text:
            continue
        cf.positions.append(index)
        cf.codes.append(text[:64])
        if len(cf.codes) > limit:
            raise BulkFileError(messages["too_many"])


def read(content: bytes, filename: str, *, limit: int, messages: dict) -> CodeFile:
    """The codes of an uploaded file: the column headed "code" / "核验码" (else the first column), one a row."""
    if len(content) > FILE_MAX:
        raise BulkFileError(messages["too_large"])
    name = (filename or "").lower()
    if content.startswith(XLSX_MAGIC) or name.endswith(".xlsx"):
        return _read_xlsx(content, limit, messages)
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = content.decode(encoding)
        except UnicodeDecodeError:
            continue
        break
    else:
        raise BulkFileError(messages["unreadable"])
    if "\x00" in text:
        raise BulkFileError(messages["unreadable"])
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error:
        raise BulkFileError(messages["unreadable"]) from None
    cf = CodeFile(kind="csv", rows=rows, encoding="utf-8-sig")
    _collect(cf, rows, limit, messages)
    if not cf.codes:
        raise BulkFileError(messages["empty"])
    return cf


def _read_xlsx(content: bytes, limit: int, messages: dict) -> CodeFile:
    from openpyxl import load_workbook

    try:
        with zipfile.ZipFile(io.BytesIO(content)) as zf:  # an archive that unpacks to much more is refused
            if sum(i.file_size for i in zf.infolist()) > 20 * FILE_MAX:
                raise BulkFileError(messages["too_large"])
        wb = load_workbook(io.BytesIO(content))
    except BulkFileError:
        raise
    except Exception:  # noqa: BLE001 - whatever openpyxl raises on a file that is not a workbook
        raise BulkFileError(messages["unreadable"]) from None
    ws = wb.worksheets[0]
    if ws.max_row > 5 * limit or ws.max_column > 200:
        raise BulkFileError(messages["too_many"])
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    cf = CodeFile(kind="xlsx", workbook=wb)
    _collect(cf, rows, limit, messages)
    if not cf.codes:
        raise BulkFileError(messages["empty"])
    return cf


def _safe(value: str) -> str:
    """A spreadsheet never runs what we add (CSV injection): a leading = + - @ is quoted."""
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value


def write(cf: CodeFile, results: list[tuple[str, str, str]], headers: tuple[str, str, str]) -> bytes:
    """The file with three more columns (status, issue date, masked holder) on each code's row."""
    by_row = dict(zip(cf.positions, results))
    if cf.kind == "csv":
        width = max((len(r) for r in cf.rows), default=0)
        out = io.StringIO(newline="")
        w = csv.writer(out)
        for index, row in enumerate(cf.rows):
            padded = list(row) + [""] * (width - len(row))
            if cf.header and index == 0:
                w.writerow(padded + list(headers))
            elif index in by_row:
                w.writerow(padded + [_safe(v) for v in by_row[index]])
            else:
                w.writerow(row)
        return out.getvalue().encode("utf-8-sig")
    ws = cf.workbook.worksheets[0]
    col = ws.max_column + 1
    if cf.header:
        for j, h in enumerate(headers):
            ws.cell(row=1, column=col + j, value=h)
    for index, values in by_row.items():
        for j, v in enumerate(values):
            ws.cell(row=index + 1, column=col + j, value=_safe(v))
    buf = io.BytesIO()
    cf.workbook.save(buf)
    return buf.getvalue()
