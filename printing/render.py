"""Long-lived WeasyPrint renderer: one FontConfiguration, one Jinja env, CSS parsed once.

Nothing here imports Flask.  The web app calls :func:`get_renderer` (one renderer per
process; a forked worker builds its own) or the ``render_*`` functions of
:mod:`printing.documents`.

Security
--------
* Jinja autoescape is ON for every template: user data cannot inject markup.
* WeasyPrint never fetches anything on its own: :class:`AssetFetcher` serves a fixed
  whitelist of in-memory assets (``asset:<name>``) and refuses every other URL
  (``file:``, ``http(s):``, ``data:``, ``ftp:`` ...) *before* any I/O.  In strict mode
  (the default) a refused URL aborts the render with :class:`ForbiddenURL` — a template
  never references anything else, so a refusal is a bug or an attack.  In lenient mode
  the resource is skipped (WeasyPrint logs a warning) and the PDF is produced without it.
"""

from __future__ import annotations

import os
import threading
from datetime import date, datetime
from pathlib import Path
from typing import Iterable, Mapping

import jinja2
import weasyprint
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

from .codes import barcode_svg, qr_svg
from .numerals import amount_in_words

__all__ = [
    "TEMPLATE_DIR",
    "SHARED_CSS",
    "ForbiddenURL",
    "AssetFetcher",
    "Renderer",
    "get_renderer",
    "cn_date",
    "cn_datetime",
]

TEMPLATE_DIR = Path(__file__).resolve().parent.parent / "templates" / "print"
SHARED_CSS = "print.css"
MAX_FIT = 3  # density levels fit-0 (normal) .. fit-3 (the smallest legible type), see print.css
ASSET_SCHEME = "asset:"


class ForbiddenURL(FatalURLFetchingError):
    """A document tried to load a URL outside the asset whitelist (render aborted)."""


class AssetFetcher(URLFetcher):
    """URL fetcher serving only whitelisted in-memory assets; never touches disk/network.

    ``assets`` maps a name to ``(body_bytes, content_type)``; the document refers to it
    as ``asset:<name>``.
    """

    def __init__(self, assets: Mapping[str, tuple[bytes, str]] | None = None,
                 strict: bool = True):
        # allowed_protocols=set(): even the parent's fetch() would refuse everything.
        super().__init__(allowed_protocols=set(), allow_redirects=False,
                         fail_on_errors=strict, timeout=1)
        self.assets = dict(assets or {})
        self.strict = strict
        self.refused: list[str] = []

    def fetch(self, url, headers=None):
        url = str(url)
        if url.startswith(ASSET_SCHEME):
            name = url[len(ASSET_SCHEME):]
            if name in self.assets:
                body, content_type = self.assets[name]
                return URLFetcherResponse(url, body, headers={"Content-Type": content_type})
        self.refused.append(url)
        if self.strict:
            raise ForbiddenURL(f"URL not allowed in printed documents: {url[:200]!r}")
        raise ValueError(f"URL not allowed in printed documents: {url[:200]!r}")

    def open(self, url, data=None, timeout=None):  # never use urllib's OpenerDirector
        return self.fetch(getattr(url, "full_url", url))


def cn_date(value) -> str:
    """2026-01-05 -> 2026年1月5日 (empty for None)."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        return value
    return f"{value.year}年{value.month}月{value.day}日"


def cn_datetime(value) -> str:
    if isinstance(value, datetime):
        return f"{cn_date(value)} {value:%H:%M}"
    return cn_date(value)


def _load_assets() -> dict[str, tuple[bytes, str]]:
    types = {".css": "text/css", ".svg": "image/svg+xml", ".png": "image/png"}
    assets = {}
    adir = TEMPLATE_DIR / "assets"
    if adir.is_dir():
        for path in sorted(adir.iterdir()):
            if path.suffix in types and path.is_file():
                assets[path.name] = (path.read_bytes(), types[path.suffix])
    return assets


class Renderer:
    """Holds the per-process rendering state. Thread-safe (renders are serialised)."""

    def __init__(self, template_dir: Path | str = TEMPLATE_DIR, strict_urls: bool = True):
        self.template_dir = Path(template_dir)
        self.font_config = FontConfiguration()
        self.fetcher = AssetFetcher(_load_assets(), strict=strict_urls)
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(str(self.template_dir)),
            autoescape=True,  # always, whatever the file extension
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            auto_reload=False,
        )
        self.env.filters.update(
            cn_date=cn_date,
            cn_datetime=cn_datetime,
            amount_in_words=amount_in_words,
        )
        self.env.globals.update(barcode_svg=barcode_svg, qr_svg=qr_svg)
        css_text = (self.template_dir / SHARED_CSS).read_text(encoding="utf-8")
        self.stylesheets = [weasyprint.CSS(string=css_text, font_config=self.font_config,
                                           url_fetcher=self.fetcher)]
        self._lock = threading.RLock()
        self.pid = os.getpid()

    # -- HTML ---------------------------------------------------------------
    def render_html(self, template_name: str, **ctx) -> str:
        return self.env.get_template(template_name).render(**ctx)

    # -- PDF ----------------------------------------------------------------
    def _document(self, html: str):
        return weasyprint.HTML(string=html, base_url=None, url_fetcher=self.fetcher).render(
            font_config=self.font_config, stylesheets=self.stylesheets)

    def html_to_pdf(self, html: str) -> bytes:
        """Final HTML -> PDF with the shared CSS, font config and restricted fetcher."""
        with self._lock:
            return self._document(html).write_pdf()

    def render_pdf(self, template_name: str, **ctx) -> bytes:
        return self.html_to_pdf(self.render_html(template_name, **ctx))

    def html_many_to_pdf(self, htmls: Iterable[str]) -> bytes:
        with self._lock:
            docs = [self._document(h) for h in htmls]
            if not docs:
                raise ValueError("nothing to print")
            pages = [page for doc in docs for page in doc.pages]
            return docs[0].copy(pages).write_pdf()

    # -- one page when possible ---------------------------------------------
    def fitted(self, make_html, start: int = 0, max_level: int = MAX_FIT, paged: bool = False,
               paged_level: int = 1):
        """Lay out ``make_html(fit, paged)`` on ONE page: density levels ``start``..``max_level`` (smaller
        type and padding, within legible limits, see ``print.css``) until it fits. A document that fits at
        no level (or is known to be long, ``paged=True``) is laid out ``paged``: every page repeats the
        header with the document number, page x of y and the barcode. Returns the WeasyPrint document."""
        with self._lock:
            if not paged:
                for level in range(start, max_level + 1):
                    document = self._document(make_html(level, False))
                    if len(document.pages) == 1:
                        return document
            return self._document(make_html(paged_level, True))

    def write(self, documents) -> bytes:
        """Laid-out documents -> one PDF, pages in order."""
        with self._lock:
            documents = list(documents)
            if not documents:
                raise ValueError("nothing to print")
            if len(documents) == 1:
                return documents[0].write_pdf()
            pages = [page for doc in documents for page in doc.pages]
            return documents[0].copy(pages).write_pdf()

    def render_many(self, items: Iterable[tuple[str, dict]]) -> bytes:
        """[(template_name, ctx), ...] -> one PDF with all pages in order."""
        return self.html_many_to_pdf(self.render_html(name, **ctx) for name, ctx in items)


_renderer: Renderer | None = None
_renderer_lock = threading.Lock()


def get_renderer() -> Renderer:
    """The process-wide renderer (rebuilt after a fork: fontconfig state is per process)."""
    global _renderer
    r = _renderer
    if r is None or r.pid != os.getpid():
        with _renderer_lock:
            if _renderer is None or _renderer.pid != os.getpid():
                _renderer = Renderer()
            r = _renderer
    return r
