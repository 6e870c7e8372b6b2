"""The two secrets of printed proofs.

- **Verification codes**: HMAC-SHA256 of the document number under a key derived from ``SECRET_KEY`` (or
  the dedicated ``VERIFY_KEY``), base32, the first 20 characters (100 bits): unguessable, and different for
  every document. The code is computed when the document row is inserted (the register is append-only, so
  the MAC is taken over the document number, known before the insert, rather than the row id) and stored,
  so a later change of ``SECRET_KEY`` does not invalidate printed papers.
- **Offline tokens**: an Ed25519 key pair generated once into ``instance/signing_key.pem`` (or
  ``SIGNING_KEY_PATH``) when absent; its public key is published at ``/verify/public-key``.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
from pathlib import Path

from flask import current_app

from printing.tokens import load_private_key, private_key_to_pem, generate_keypair

CODE_LENGTH = 20
CODE_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
_CODE_RE = re.compile(rf"^[{CODE_ALPHABET}]{{{CODE_LENGTH}}}$")


def _verify_key() -> bytes:
    dedicated = current_app.config.get("VERIFY_KEY")
    if dedicated:
        return dedicated.encode("utf-8") if isinstance(dedicated, str) else bytes(dedicated)
    secret = current_app.config["SECRET_KEY"]
    secret = secret.encode("utf-8") if isinstance(secret, str) else bytes(secret)
    return hmac.new(secret, b"counter.documents.verify-code.v1", hashlib.sha256).digest()


def verify_code_for(doc_number: str) -> str:
    mac = hmac.new(_verify_key(), doc_number.encode("utf-8"), hashlib.sha256).digest()
    return base64.b32encode(mac).decode("ascii")[:CODE_LENGTH]


def normalise_code(text: str | None) -> str | None:
    """What a person typed (lower case, spaces, hyphens) -> the code, or None when it cannot be one."""
    code = re.sub(r"[\s\-]+", "", text or "").upper()
    return code if _CODE_RE.match(code) else None


def signing_key_path() -> Path:
    configured = current_app.config.get("SIGNING_KEY_PATH")
    return Path(configured) if configured else Path(current_app.instance_path) / "signing_key.pem"


def signing_key():
    """The office's Ed25519 private key (generated once, mode 0600, when the file is absent)."""
    path = signing_key_path()
    cache = current_app.extensions.setdefault("documents_signing_key", {})
    key = cache.get(str(path))
    if key is not None:
        return key
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        private, _public = generate_keypair()
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another worker made it first
            pass
        else:
            with os.fdopen(fd, "w") as fh:
                fh.write(private_key_to_pem(private))
    key = load_private_key(path.read_text())
    cache[str(path)] = key
    return key


def public_key():
    return signing_key().public_key()
