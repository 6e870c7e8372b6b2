"""Helpers for the printing tests (poppler-utils and zbar-tools)."""

from __future__ import annotations

import re
import shutil
import subprocess
import zlib
from pathlib import Path

import pytest


HAVE_POPPLER = all(shutil.which(t) for t in ("pdftotext", "pdftoppm", "pdffonts", "pdfinfo"))
HAVE_ZBAR = shutil.which("zbarimg") is not None

needs_poppler = pytest.mark.skipif(
    not HAVE_POPPLER, reason="poppler-utils (pdftotext/pdftoppm/pdffonts/pdfinfo) not installed")
needs_zbar = pytest.mark.skipif(
    not (HAVE_ZBAR and HAVE_POPPLER), reason="zbarimg (zbar-tools) or pdftoppm not installed")

ALLOWED_FONT = re.compile(r"Noto-?(Serif|Sans)-?CJK|DejaVu", re.I)


def pdf_text(pdf: bytes, tmp: Path, layout: bool = False) -> str:
    path = tmp / "doc.pdf"
    path.write_bytes(pdf)
    args = ["pdftotext", "-enc", "UTF-8"] + (["-layout"] if layout else []) + [str(path), "-"]
    return subprocess.run(args, check=True, capture_output=True).stdout.decode("utf-8")


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def pdf_pages(pdf: bytes, tmp: Path) -> int:
    path = tmp / "pages.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", out, re.M).group(1))


def pdf_fonts(pdf: bytes, tmp: Path) -> list[str]:
    path = tmp / "fonts.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdffonts", str(path)], check=True, capture_output=True, text=True).stdout
    names = []
    for line in out.splitlines()[2:]:
        if line.strip():
            names.append(line.split()[0].split("+", 1)[-1])
    return names


def zbar_decode(pdf: bytes, tmp: Path, page: int = 1, dpi: int = 300) -> list[tuple[str, str]]:
    path = tmp / "scan.pdf"
    path.write_bytes(pdf)
    prefix = tmp / "scan"
    subprocess.run(["pdftoppm", "-r", str(dpi), "-png", "-f", str(page), "-l", str(page),
                    "-singlefile", str(path), str(prefix)], check=True)
    res = subprocess.run(["zbarimg", "-q", str(prefix) + ".png"], capture_output=True)
    found = []
    for line in res.stdout.decode("utf-8").splitlines():
        kind, _, data = line.partition(":")
        found.append((kind, data))
    return found


def pdf_plain_bytes(pdf: bytes) -> bytes:
    """The PDF with every Flate stream inflated (to search embedded content)."""
    chunks = [pdf]
    for m in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            chunks.append(zlib.decompress(m.group(1)))
        except zlib.error:
            pass
    return b"\n".join(chunks)


