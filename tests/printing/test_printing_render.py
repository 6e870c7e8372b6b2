from __future__ import annotations

import ast
from pathlib import Path

import pytest

import printing
from printing import codes, render, samples
from printing.documents import render_certificate, render_info_slip
from printing_testlib import HAVE_POPPLER, pdf_pages


def test_singleton_and_font_config_reused(monkeypatch):
    r = render.get_renderer()
    fc = r.font_config
    sheets = list(r.stylesheets)

    def forbidden(*a, **k):
        raise AssertionError("a new FontConfiguration was built")
    monkeypatch.setattr(render, "FontConfiguration", forbidden)
    render_certificate(samples.sample_certificate())
    render_info_slip(samples.sample_info_slip())
    assert render.get_renderer() is r
    assert r.font_config is fc and r.stylesheets == sheets


def test_render_many_merges(tmp_path):
    r = render.get_renderer()
    pdf = r.render_many([("info_slip.html", {"d": d, "meta": d.meta}) for d in
                         (samples.sample_info_slip(), samples.sample_info_slip("A5"))])
    assert pdf.startswith(b"%PDF")
    if HAVE_POPPLER:
        assert pdf_pages(pdf, tmp_path) == 2
    with pytest.raises(ValueError):
        r.html_many_to_pdf([])


def test_no_flask_import_in_package():
    pkg = Path(printing.__file__).parent
    for path in pkg.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            assert not any(n.split(".")[0] == "flask" for n in names), path


def test_template_dir_is_repo_templates_print():
    assert render.TEMPLATE_DIR.name == "print" and render.TEMPLATE_DIR.parent.name == "templates"
    assert (render.TEMPLATE_DIR / "print.css").is_file()


def test_barcode_svg_is_inline_and_sized():
    svg = codes.barcode_svg("DOC-FT01-2026-000123")
    assert svg.startswith("<svg") and "<?xml" not in svg and "DOCTYPE" not in svg
    assert 'height="11.000mm"' in svg and "<text" not in svg
    width = float(svg.split('width="', 1)[1].split("mm", 1)[0])
    assert 60 < width < 95  # ~0.33 mm module, never stretched
    with pytest.raises(ValueError):
        codes.barcode_svg("中文")


def test_qr_svg_is_inline():
    svg = codes.qr_svg("https://example.cn/v/1#t=abc")
    assert svg.startswith("<svg") and 'class="qr"' in svg and "<?xml" not in svg
