"""Every page whole (issue 14): each document with the longest values the forms accept
(counter/core/bounds.py: 60-character names, 2 landlords + 4 tenants + an agent, 100 + 20 characters of
address, 500-character reasons, 64-character references) is ONE page (pdfinfo), numbers are never broken;
documents that must continue repeat the header (document number, page x of y, barcode) on every page.
And no missing glyph reaches paper: the glyph guard refuses a character Noto Serif CJK SC lacks."""

from __future__ import annotations

import re

import pytest

from counter.core import bounds
from printing import glyphs, samples
from printing.documents import render_document

from printing_testlib import HAVE_ZBAR, needs_poppler, needs_zbar, pdf_pages, pdf_text, squash, zbar_decode

RARE_MISSING = "\U0002A6A5"  # 𪚥 (zhé): absent from Noto Serif CJK SC (checked below)

ONE_PAGE = {
    "certificate": lambda: samples.extreme_certificate(bounds),
    "certificate_latin": lambda: samples.extreme_certificate(bounds, latin=True),
    "slip_a4": lambda: samples.extreme_info_slip(bounds, "A4"),
    "slip_a5": lambda: samples.extreme_info_slip(bounds, "A5"),
    "slip_a5_latin": lambda: samples.extreme_info_slip(bounds, "A5", latin=True),
    "receipt_void": lambda: samples.extreme_receipt(bounds),
    "receipt_latin": lambda: samples.extreme_receipt(bounds, latin=True),
    "day_close_few": lambda: samples.extreme_day_close(bounds, n_receipts=3),
}
CONTINUED = {
    "day_close_many": lambda: samples.extreme_day_close(bounds, n_receipts=40),
    "ledger_many": lambda: samples.extreme_ledger(bounds, n_rows=60),
}


@pytest.fixture(scope="session")
def extreme():
    cache = {}

    def get(name):
        if name not in cache:
            data = {**ONE_PAGE, **CONTINUED}[name]()
            cache[name] = (data, render_document(data))
        return cache[name]
    return get


def test_the_extremes_are_the_bounds():
    cert = samples.extreme_certificate(bounds)
    roles = [p.role for p in cert.parties]
    assert roles.count("出租人") == bounds.LANDLORDS_MAX and roles.count("承租人") == bounds.TENANTS_MAX
    assert roles.count("经纪机构") == bounds.AGENTS_MAX
    assert {len(p.name) for p in cert.parties} == {bounds.PARTY_NAME_MAX}
    assert len(cert.property_address) == bounds.ADDRESS_MAX + bounds.ROOM_MAX
    receipt = samples.extreme_receipt(bounds)
    assert len(receipt.payment_reference) == bounds.REFERENCE_MAX
    assert len(receipt.void_reason) >= bounds.REASON_MAX
    assert len(samples.extreme_day_close(bounds).variance_note) == bounds.REASON_MAX


@needs_poppler
@pytest.mark.parametrize("name", ONE_PAGE)
def test_extreme_document_is_one_page(extreme, tmp_path, name):
    data, pdf = extreme(name)
    assert pdf_pages(pdf, tmp_path) == 1
    text = squash(pdf_text(pdf, tmp_path))
    assert data.meta.doc_number in text
    for number in re.findall(r"深福\S+?〔\d{4}〕第\d{6}号", str(data)):
        assert number in text  # never broken across lines (pdftotext would put a newline inside)


@needs_zbar
@pytest.mark.parametrize("name", ["certificate", "slip_a5", "receipt_void"])
def test_extreme_codes_still_decode(extreme, tmp_path, name):
    data, pdf = extreme(name)
    found = zbar_decode(pdf, tmp_path)
    assert ("CODE-128", data.meta.doc_number) in found and ("QR-Code", data.meta.qr_payload) in found


@needs_poppler
@pytest.mark.parametrize("name", CONTINUED)
def test_continued_document_repeats_its_header_on_every_page(extreme, tmp_path, name):
    data, pdf = extreme(name)
    n = pdf_pages(pdf, tmp_path)
    assert n >= 2
    pages = pdf_text(pdf, tmp_path).split("\f")
    for i in range(n):
        page = squash(pages[i])
        assert f"第{i + 1}页/共{n}页" in page and data.meta.doc_number in page and "补打（第12次）" in page
    if HAVE_ZBAR:
        for page_no in (2, n):  # the barcode of the running header on a continuation page and the last
            assert ("CODE-128", data.meta.doc_number) in zbar_decode(pdf, tmp_path, page=page_no, dpi=200)


def test_noto_serif_cjk_lacks_the_test_character_and_has_the_rare_ones():
    faces = glyphs.font_faces()
    assert faces and all("NotoSerifCJK" in path for path, _i in faces)
    assert not glyphs.covered(RARE_MISSING)
    for ch in "𠮷堃〔〕¥　、—":
        assert glyphs.covered(ch), ch
    assert glyphs.missing_in_text(f"李{RARE_MISSING}{RARE_MISSING}𠮷") == [RARE_MISSING]
    assert glyphs.missing_in_text("plain ASCII") == []


def test_glyph_guard_names_the_field_and_the_character():
    data = samples.sample_certificate()
    tenant = data.parties[1]
    bad = type(data)(**{**data.__dict__, "parties": [data.parties[0],
                                                     type(tenant)(**{**tenant.__dict__, "name": f"李{RARE_MISSING}"}),
                                                     *data.parties[2:]]})
    missing = glyphs.find_missing(bad)
    assert [(m.field, m.char, m.code) for m in missing] == [("parties[1].name", RARE_MISSING, "U+2A6A5")]
    with pytest.raises(glyphs.MissingGlyphs) as info:
        render_document(bad)
    assert "parties[1].name" in str(info.value) and "U+2A6A5" in str(info.value)
