"""The office's PDF signing identity (PAdES, :mod:`printing.signing`), loaded once per process.

- **Production** (``COUNTER_ENV=production``): the office's PKCS#12 file ``PDF_SIGNING_P12`` and its
  passphrase ``PDF_SIGNING_PASSPHRASE`` (environment). Missing or unreadable: documents are refused
  with a message, never issued unsigned.
- **Demo** (``make run``, tests): a demo CA and an office certificate are made once into
  ``instance/pdf_signing.p12`` (mode 0600; ``counter init-signing``, run by ``make run``, or the first
  print) unless ``PDF_SIGNING_P12`` names a file.

The verification page publishes the office certificate and the CA (``/verify/office-certificate.pem``,
``/verify/ca-certificate.pem``) so that anyone can check a PDF's signature in a PDF reader or with
``counter verify-pdf FILE``.
"""
from __future__ import annotations

import os
import threading
from pathlib import Path

from flask import current_app

from counter.config import is_production
from printing.signing import OfficeSigner, SigningUnavailable, make_demo_credentials

DEMO_FILE = "pdf_signing.p12"
_lock = threading.Lock()


def p12_path() -> Path:
    configured = current_app.config.get("PDF_SIGNING_P12")
    return Path(configured) if configured else Path(current_app.instance_path) / DEMO_FILE


def ensure_demo_credentials() -> Path | None:
    """Create the demo CA + office certificate when no PKCS#12 is configured (demo only); the path used.
    Production never gets demo credentials (None)."""
    if is_production(current_app.config) or current_app.config.get("PDF_SIGNING_P12"):
        return None
    path = p12_path()
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    creds = make_demo_credentials()
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another worker made it first
        return path
    with os.fdopen(fd, "wb") as fh:
        fh.write(creds.p12)
    return path


def office_signer() -> OfficeSigner:
    """The loaded signer (cached per app and file); :class:`SigningUnavailable` when it cannot be had."""
    cache = current_app.extensions.setdefault("documents_pdf_signer", {})
    path = p12_path()
    signer = cache.get(str(path))
    if signer is not None:
        return signer
    with _lock:
        signer = cache.get(str(path))
        if signer is None:
            ensure_demo_credentials()
            if not path.is_file():
                raise SigningUnavailable(f"no PKCS#12 file at {path} (set PDF_SIGNING_P12)")
            passphrase = current_app.config.get("PDF_SIGNING_PASSPHRASE") or None
            signer = OfficeSigner(path.read_bytes(), passphrase, location="深圳市福田区")
            cache[str(path)] = signer
    return signer


def sign(pdf: bytes, reason: str = "") -> bytes:
    return office_signer().sign(pdf, reason=reason)


def certificate_pem() -> str:
    return office_signer().certificate_pem


def ca_pem() -> str:
    """The CA certificate(s) shipped in the PKCS#12 with the office certificate (may be empty)."""
    return "".join(office_signer().chain_pem)


__all__ = ["SigningUnavailable", "office_signer", "sign", "certificate_pem", "ca_pem", "ensure_demo_credentials",
           "p12_path"]
