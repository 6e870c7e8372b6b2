"""User data is escaped; the URL fetcher never reads files or the network."""

from __future__ import annotations

import pytest
import weasyprint
from weasyprint.urls import URLFetcher

from printing import samples
from printing.documents import PartyLine, render_info_slip, render_info_slip_html
from printing.render import AssetFetcher, ForbiddenURL, Renderer, get_renderer
from printing_testlib import needs_poppler, pdf_plain_bytes, pdf_text, squash

EVIL = '<img src="file:///etc/passwd">'
PASSWD_MARK = b"root:x:0:0"


def evil_html(url):
    return f"""<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">
<link rel="attachment" href="{url}"><link rel="stylesheet" href="{url}">
<style>@import url("{url}"); body {{ background: url("{url}") }}</style></head>
<body><p>正文</p><img src="{url}"><object data="{url}"></object>
<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><image href="{url}" width="10" height="10"/></svg>
</body></html>"""


@pytest.fixture
def secret_file(tmp_path):
    p = tmp_path / "secret.txt"
    p.write_bytes(b"TOP-SECRET-MARKER-7f3a9 root:x:0:0:root:/root:/bin/bash\n")
    return p


def test_user_markup_is_escaped_in_html():
    tenant = PartyLine("承租人", EVIL, "居民身份证", "4403**********1234")
    html = render_info_slip_html(samples.sample_info_slip(tenant=tenant))
    assert EVIL not in html
    assert "&lt;img src=&#34;file:///etc/passwd&#34;&gt;" in html


@needs_poppler
def test_injected_name_prints_literally_and_reads_nothing(tmp_path):
    tenant = PartyLine("承租人", EVIL, "居民身份证", "4403**********1234")
    renderer = get_renderer()
    before = len(renderer.fetcher.refused)
    pdf = render_info_slip(samples.sample_info_slip(tenant=tenant))
    assert squash(EVIL) in squash(pdf_text(pdf, tmp_path))
    assert PASSWD_MARK not in pdf_plain_bytes(pdf)
    assert len(renderer.fetcher.refused) == before  # nothing was even attempted


@pytest.mark.parametrize("url_kind", ["file", "etc_passwd", "http", "https", "data", "ftp",
                                      "relative"])
def test_strict_fetcher_aborts_on_any_url(secret_file, url_kind):
    url = {"file": secret_file.as_uri(), "etc_passwd": "file:///etc/passwd",
           "http": "http://127.0.0.1:9/x.png", "https": "https://example.com/x.css",
           "data": "data:text/plain,hello", "ftp": "ftp://127.0.0.1/x",
           "relative": "asset:../../etc/passwd"}[url_kind]
    renderer = get_renderer()
    with pytest.raises(ForbiddenURL):
        renderer.html_to_pdf(evil_html(url))
    assert renderer.fetcher.refused[-1] == url


@pytest.mark.parametrize("url", ["file:///etc/passwd", "SECRET"])
def test_lenient_fetcher_skips_and_never_reads(secret_file, url):
    url = secret_file.as_uri() if url == "SECRET" else url
    renderer = Renderer(strict_urls=False)
    pdf = renderer.html_to_pdf(evil_html(url))
    plain = pdf_plain_bytes(pdf)
    assert pdf.startswith(b"%PDF")
    assert PASSWD_MARK not in plain and b"TOP-SECRET-MARKER" not in plain
    assert url in renderer.fetcher.refused


def test_control_default_fetcher_would_leak(secret_file):
    """Proves the check above can see a leak: WeasyPrint's default fetcher embeds the file."""
    pdf = weasyprint.HTML(string=evil_html(secret_file.as_uri()),
                          url_fetcher=URLFetcher()).write_pdf()
    assert b"TOP-SECRET-MARKER" in pdf_plain_bytes(pdf)


def test_fetcher_direct():
    f = AssetFetcher({"logo.svg": (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "image/svg+xml")})
    resp = f.fetch("asset:logo.svg")
    assert resp.read().startswith(b"<svg") and resp.content_type == "image/svg+xml"
    for url in ["file:///etc/passwd", "http://localhost/", "asset:missing.svg",
                "asset:../print.css", "data:,x"]:
        with pytest.raises(ForbiddenURL):
            f.fetch(url)
    with pytest.raises(ForbiddenURL):
        f("file:///etc/passwd")  # __call__ path used by WeasyPrint
    with pytest.raises(ForbiddenURL):
        f.open("file:///etc/passwd")


def test_whitelisted_asset_is_served(tmp_path):
    svg = (b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
           b'<rect width="10" height="10"/></svg>')
    renderer = Renderer()
    renderer.fetcher.assets["box.svg"] = (svg, "image/svg+xml")
    pdf = renderer.html_to_pdf('<html lang="zh-CN"><meta charset="utf-8"><img src="asset:box.svg">')
    assert pdf.startswith(b"%PDF") and not renderer.fetcher.refused


def test_autoescape_is_on_for_every_template():
    env = get_renderer().env
    assert env.autoescape is True
    assert env.from_string("{{ x }}").render(x="<b>") == "&lt;b&gt;"
