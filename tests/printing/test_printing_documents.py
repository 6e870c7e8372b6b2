"""Every document: key fields in the text, one page, barcode + QR decode, CJK fonts only."""

from __future__ import annotations

from datetime import date

import pytest

from printing import documents as docs
from printing import samples
from printing_testlib import (ALLOWED_FONT, needs_poppler, needs_zbar, pdf_fonts, pdf_pages,
                              pdf_text, squash, zbar_decode)

ONE_PAGE = ["certificate", "certificate_reprint", "info_slip_a4", "info_slip_a5", "receipt",
            "receipt_void", "day_close"]
ALL = ONE_PAGE + ["ledger"]


def expected_fields(name, d):
    m = d.meta
    common = [m.doc_number, m.office_name, "扫码核验", "（盖章）"]
    if name.startswith("certificate"):
        return common + [
            "房屋租赁凭证", d.registration_number_display, d.registration_number_code,
            d.property_address, d.house_code, "45.50平方米", "住宅", "2026年1月1日",
            "2026年12月31日", d.monthly_rent, "𠮷堃", "李建国", "出租人", "承租人", "经纪机构",
            "4403**********1234", "发证日期：2026年1月8日", d.status_label]
    if name.startswith("info_slip"):
        return common + [
            "房屋租赁信息", "学位申请", "𠮷堃", "居民身份证", "4403**********1234", "李*国",
            d.standard_address, d.house_code, "首次登记备案日期", "2026年1月8日",
            "自2026年1月1日至2026年12月31日止", "2025年12月20日", d.lease_status_label,
            "该租赁登记状态为：" + d.lease_status_label]
    if name.startswith("receipt"):
        return common + [
            "代征税款收据", d.receipt_number, d.payer_name, d.registration_number_display,
            d.period_label, "增值税", "城市维护建设税", "个人所得税", "¥48,954.84",
            "人民币肆万捌仟玖佰伍拾肆元捌角肆分", "银行卡", d.payment_reference, "王小明",
            "示例税率", "142,857.14", "2,857.15", "8,571.42", "150,000.00 ÷ 1.05 = 142,857.14"]
    if name == "day_close":
        return common + ["代征税款日终结账单", "南园街道", "2026年1月8日", "20张",
                         "应有现金", "¥3,120.00", "实点现金", "¥3,100.00", "-¥20.00",
                         "找零差错，已登记", "赵主管", "FT01-R-2026-004319", "2026年1月8日17:32"]
    if name == "ledger":
        return [m.doc_number, "南园街道代征税款台账（2026年1月）", "汇总", "¥49,380.00",
                "¥40,000.00", "¥9,380.00", "FT01-R-2026-004000", "FT01-R-2026-004179",
                "本月合计（180笔）", "第1页/共", "（盖章）"]
    raise AssertionError(name)


@needs_poppler
@pytest.mark.parametrize("name", ALL)
def test_text_contains_key_fields(rendered, tmp_path, name):
    data, pdf = rendered(name)
    text = squash(pdf_text(pdf, tmp_path))
    missing = [f for f in expected_fields(name, data) if squash(f) not in text]
    assert not missing, f"{name}: missing {missing}"


@needs_poppler
@pytest.mark.parametrize("name", ONE_PAGE)
def test_fits_one_page(rendered, tmp_path, name):
    assert pdf_pages(rendered(name)[1], tmp_path) == 1


@needs_poppler
def test_ledger_paginates_with_repeated_header_and_page_numbers(rendered, tmp_path):
    _, pdf = rendered("ledger")
    n = pdf_pages(pdf, tmp_path)
    assert n >= 3
    pages = pdf_text(pdf, tmp_path).split("\f")
    for i in range(n):
        page = squash(pages[i])
        assert f"第{i + 1}页/共{n}页" in page  # running header: page x of y, number, mark, title
        assert "DOC-FT01-2026-001000" in page and "原件" in page and "代征税款月度台账" in page
        if "FT01-R-2026-" in page:  # a page of ledger lines repeats the table's header row
            assert "登记备案号" in page and "收款员" in page


@needs_zbar
@pytest.mark.parametrize("name", ALL)
def test_barcode_and_qr_decode(rendered, tmp_path, name):
    data, pdf = rendered(name)
    found = zbar_decode(pdf, tmp_path)
    assert ("CODE-128", data.meta.doc_number) in found, found
    assert ("QR-Code", data.meta.qr_payload) in found, found


@needs_poppler
@pytest.mark.parametrize("name", ALL)
def test_only_noto_cjk_fonts(rendered, tmp_path, name):
    fonts = pdf_fonts(rendered(name)[1], tmp_path)
    assert fonts and all(ALLOWED_FONT.search(f) for f in fonts), fonts
    assert any("Serif" in f and "CJK" in f for f in fonts), fonts


def test_noto_serif_cjk_has_the_rare_characters():
    """pdftotext cannot see tofu: make sure the font in pdffonts really has the glyphs."""
    import subprocess
    fc = subprocess.run(["fc-match", "-f", "%{file}", "Noto Serif CJK SC:bold"],
                        capture_output=True, text=True)
    if fc.returncode or "NotoSerifCJK" not in fc.stdout:
        pytest.skip("Noto Serif CJK SC not installed")
    from fontTools.ttLib import TTCollection
    for font in TTCollection(fc.stdout).fonts[:1]:
        cmap = font.getBestCmap()
        assert 0x20BB7 in cmap and ord("堃") in cmap


@needs_poppler
def test_reprint_shows_original_date_and_count(rendered, tmp_path):
    data, pdf = rendered("certificate_reprint")
    text = squash(pdf_text(pdf, tmp_path))
    assert "补打（第2次）" in text
    assert "原出具日期2026年1月8日" in text and "补打日期2026年6月1日" in text
    assert "发证日期：2026年1月8日" in text  # the seal date stays the original


@needs_poppler
def test_original_is_not_marked_reprint(rendered, tmp_path):
    text = squash(pdf_text(rendered("certificate")[1], tmp_path))
    assert "补打" not in text and "原件" in text


@needs_poppler
def test_info_slip_states_expired_status(rendered, tmp_path):
    data, pdf = rendered("info_slip_a5")
    assert data.lease_status_label == "已解除"
    assert "该租赁登记状态为：已解除" in squash(pdf_text(pdf, tmp_path))


@needs_poppler
def test_void_receipt_is_marked(rendered, tmp_path):
    text = squash(pdf_text(rendered("receipt_void")[1], tmp_path))
    assert "作废" in text and "金额录入错误，已重开" in text
    assert "作废" not in squash(pdf_text(rendered("receipt")[1], tmp_path))


@needs_poppler
def test_page_sizes(rendered, tmp_path):
    import subprocess

    def size(pdf):
        p = tmp_path / "s.pdf"
        p.write_bytes(pdf)
        out = subprocess.run(["pdfinfo", str(p)], capture_output=True, text=True).stdout
        line = next(l for l in out.splitlines() if l.startswith("Page size"))
        w, h = [round(float(x)) for x in line.split()[2:5:2]]
        return w, h
    assert size(rendered("certificate")[1]) == (595, 842)  # A4 portrait
    assert size(rendered("info_slip_a5")[1]) == (420, 595)  # A5 portrait
    assert size(rendered("receipt")[1]) == (595, 420)  # A5 landscape
    assert size(rendered("ledger")[1]) == (842, 595)  # A4 landscape


@needs_poppler
def test_batch_is_one_pdf_with_all_pages(tmp_path):
    batch = [samples.sample_info_slip(doc_number=f"DOC-FT01-2026-{i:06d}") for i in range(3)]
    batch.append(samples.sample_receipt())
    pdf = docs.render_batch(batch)
    assert pdf_pages(pdf, tmp_path) == 4
    text = squash(pdf_text(pdf, tmp_path))
    for i in range(3):
        assert f"DOC-FT01-2026-{i:06d}" in text
    assert "代征税款收据" in text


def test_html_functions_return_final_html():
    html = docs.render_certificate_html(samples.sample_certificate())
    assert html.startswith("<!DOCTYPE html>") and '<html lang="zh-CN">' in html
    assert '<meta charset="utf-8">' in html and "<svg" in html
    for fn, make in [(docs.render_info_slip_html, samples.sample_info_slip),
                     (docs.render_receipt_html, samples.sample_receipt),
                     (docs.render_day_close_html, samples.sample_day_close),
                     (docs.render_ledger_report_html, lambda: samples.sample_ledger(5))]:
        assert "<svg" in fn(make())


def test_wrong_type_rejected():
    with pytest.raises(TypeError):
        docs.render_certificate(samples.sample_info_slip())
    with pytest.raises(TypeError):
        docs.render_batch([object()])
    with pytest.raises(ValueError):
        docs.render_info_slip_html(samples.sample_info_slip(paper="Letter"))
