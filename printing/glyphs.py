"""No missing glyph reaches paper: every character of a document's data is checked against the fonts the
documents use, before rendering. No Flask here.

WeasyPrint draws a character the font lacks with another font or as an empty box, and ``pdftotext`` still
extracts it, so nothing downstream notices; a misprinted rare character in a name is exactly what costs a
family a school place. :func:`find_missing` walks a document dataclass (nested dataclasses, sequences of
tuples) and returns each character absent from the fonts as a :class:`MissingGlyph` with the field path
(``parties[2].name``); :func:`check_document` raises :class:`MissingGlyphs`.

The fonts are the faces of ``DOCUMENT_FONT_FAMILY`` (``print.css``: regular and bold), found with
fontconfig (``fc-match``) and read with fontTools once per process (~0.12 s per face; the cmaps are
cached). A character counts as present only when every face has it (a name may print in bold).
Whitespace, control and format characters and variation selectors need no glyph of their own.
"""

from __future__ import annotations

import dataclasses
import subprocess
import threading
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache

__all__ = ["DOCUMENT_FONT_FAMILY", "MissingGlyph", "MissingGlyphs", "font_faces", "covered",
           "missing_in_text", "find_missing", "check_document"]

DOCUMENT_FONT_FAMILY = "Noto Serif CJK SC"
STYLES = ("Regular", "Bold")
_lock = threading.Lock()


@dataclass(frozen=True)
class MissingGlyph:
    field: str      # path in the document data, e.g. "parties[2].name", "meta.printed_by"
    char: str
    value: str      # the whole text the character is in

    @property
    def code(self) -> str:
        return f"U+{ord(self.char):04X}"


class MissingGlyphs(ValueError):
    """The document's data holds characters the printing fonts lack (``missing``: every occurrence)."""

    def __init__(self, missing: list[MissingGlyph]):
        first = missing[0]
        super().__init__(f"{first.field}: {first.char!r} ({first.code}) is missing from {DOCUMENT_FONT_FAMILY}"
                         + (f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""))
        self.missing = missing


@lru_cache(maxsize=None)
def font_faces(family: str = DOCUMENT_FONT_FAMILY) -> tuple[tuple[str, int], ...]:
    """(file, face index) of each style of ``family`` that fontconfig resolves to that family."""
    faces = []
    for style in STYLES:
        out = subprocess.run(["fc-match", "-f", "%{file}|%{index}|%{family}", f"{family}:style={style}"],
                             capture_output=True, text=True, check=True, timeout=30).stdout
        path, index, families = out.split("|", 2)
        if family not in families.split(","):
            raise RuntimeError(f"font {family!r} ({style}) is not installed (fontconfig offers {families!r})")
        faces.append((path, int(index or 0)))
    return tuple(dict.fromkeys(faces))


_cmaps: dict[tuple[str, int], frozenset[int]] = {}


def _cmap(face: tuple[str, int]) -> frozenset[int]:
    cmap = _cmaps.get(face)
    if cmap is None:
        with _lock:
            cmap = _cmaps.get(face)
            if cmap is None:
                from fontTools.ttLib import TTFont

                font = TTFont(face[0], fontNumber=face[1], lazy=True)
                try:
                    cmap = frozenset(font.getBestCmap() or ())
                finally:
                    font.close()
                _cmaps[face] = cmap
    return cmap


@lru_cache(maxsize=1)
def _coverage() -> frozenset[int]:
    cmaps = [_cmap(face) for face in font_faces()]
    return frozenset.intersection(*cmaps) if cmaps else frozenset()


def _needs_glyph(ch: str) -> bool:
    if ch.isspace():
        return False
    cp = ord(ch)
    if 0xFE00 <= cp <= 0xFE0F or 0xE0100 <= cp <= 0xE01EF:  # variation selectors (IVS): no glyph of their own
        return False
    return unicodedata.category(ch) not in ("Cc", "Cf")


def covered(ch: str) -> bool:
    """True when every printing face has a glyph for ``ch`` (or it needs none)."""
    return not _needs_glyph(ch) or ord(ch) in _coverage()


def missing_in_text(text: str | None) -> list[str]:
    """The distinct characters of ``text`` the printing fonts lack, in order of appearance."""
    if not text:
        return []
    coverage = _coverage()
    if all(ord(ch) < 0x80 for ch in text):  # ASCII is in every face: the common case costs nothing
        return []
    return list(dict.fromkeys(ch for ch in text if ord(ch) not in coverage and _needs_glyph(ch)))


def _walk(value, path: str):
    if isinstance(value, str):
        yield path, value
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            yield from _walk(getattr(value, f.name), f"{path}.{f.name}" if path else f.name)
    elif isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            yield from _walk(item, f"{path}[{i}]")
    elif isinstance(value, dict):
        for k, item in value.items():
            yield from _walk(item, f"{path}[{k!r}]")
    elif value is None or isinstance(value, (int, float, date, datetime, bool)):
        return
    else:  # a new field type must be thought about, not silently skipped
        raise TypeError(f"cannot check the glyphs of {path} ({type(value).__name__})")


def find_missing(doc) -> list[MissingGlyph]:
    """Every (field, character) of ``doc``'s data the printing fonts lack."""
    return [MissingGlyph(path, ch, text) for path, text in _walk(doc, "") for ch in missing_in_text(text)]


def check_document(doc) -> None:
    missing = find_missing(doc)
    if missing:
        raise MissingGlyphs(missing)
