"""The one lookup of a tax item's name (增值税 / VAT): the engine's table (:data:`fees.ITEM_NAMES`)."""
from __future__ import annotations

from fees import ITEM_NAMES
from flask import has_request_context

from counter.core.i18n import locale_code


def item_label(code: str, name_zh: str | None = None) -> str:
    """A tax item's name in the UI language: English from :mod:`fees`; Chinese as the journal recorded it
    (``name_zh``) else from :mod:`fees`. Outside a request (CLI, printing): Chinese."""
    names = ITEM_NAMES.get(code)
    if has_request_context() and locale_code().startswith("en"):
        return names[1] if names else code
    return name_zh or (names[0] if names else code)
