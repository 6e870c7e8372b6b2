"""Codes given to citizens: a pre-filing (PF-…) or an appointment (AP-…) code of 90 random bits in 18
symbols of an alphabet without the look-alikes 0/O and 1/I (32 symbols: 5 bits each). Only the SHA-256 of
the canonical form is stored (unique index): a lost database copy does not give the codes away."""
from __future__ import annotations

import hashlib
import re
import secrets

from counter.leases.services import normalise_code

ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
SYMBOLS = 18  # 90 bits
PREFIXES = ("PF", "AP")
_S = "[2-9A-HJ-NP-Z]"
CODE_RE = re.compile(rf"(?<![A-Z0-9])(PF|AP)[-_]?({_S}{{6}})[-_]?({_S}{{6}})[-_]?({_S}{{6}})(?![A-Z0-9])")
CODE_MAX = 64  # a typed code with spaces, or a QR's URL, is at most this long


def new_code(prefix: str) -> str:
    assert prefix in PREFIXES
    n = secrets.randbits(SYMBOLS * 5)
    body = "".join(ALPHABET[(n >> (5 * i)) & 31] for i in range(SYMBOLS))
    return f"{prefix}-{body[:6]}-{body[6:12]}-{body[12:]}"


def canonical(text: str | None) -> str | None:
    """The code inside a typed or scanned text (lower case, spaces, full-width, a URL around it), or None."""
    if not text or len(text) > 256:
        return None
    m = CODE_RE.search(normalise_code(text))
    return None if m is None else f"{m.group(1)}-{m.group(2)}-{m.group(3)}-{m.group(4)}"


def code_hash(code: str) -> str:
    return hashlib.sha256(code.encode("ascii")).hexdigest()
