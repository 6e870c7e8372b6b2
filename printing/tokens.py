"""Compact signed offline tokens (Ed25519) printed in the QR code of a proof.

Format: ``base64url(payload) + "." + base64url(signature)`` without padding, where
``payload`` is compact UTF-8 JSON (sorted keys, no spaces) and the signature (64 bytes)
covers the payload bytes exactly as encoded.  A typical proof token is ~230 characters.

Short claim names used by :func:`document_claims`:

    n  document number            k  document kind ("certificate", "info_slip", ...)
    h  masked holder name         s  lease start (ISO date)
    e  lease end (ISO date)       i  issue date (ISO date, the ORIGINAL issue date)
"""

from __future__ import annotations

import base64
import binascii
import json
from datetime import date, datetime

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

__all__ = [
    "InvalidToken",
    "sign_token",
    "verify_token",
    "generate_keypair",
    "load_private_key",
    "load_public_key",
    "private_key_to_b64",
    "public_key_to_b64",
    "private_key_to_pem",
    "public_key_to_pem",
    "document_claims",
    "qr_payload",
]

MAX_TOKEN_LENGTH = 2048


class InvalidToken(ValueError):
    """The token is malformed or its signature does not verify."""


def _b64e(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64d(text: str) -> bytes:
    if not isinstance(text, str) or not text or any(c in text for c in "=+/ \n"):
        raise InvalidToken("malformed base64url")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise InvalidToken("malformed base64url") from exc


def _json_default(value):
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    raise TypeError(f"cannot sign claim value of type {type(value).__name__}")


# --- keys -------------------------------------------------------------------

def generate_keypair() -> tuple[Ed25519PrivateKey, Ed25519PublicKey]:
    key = Ed25519PrivateKey.generate()
    return key, key.public_key()


def _maybe_b64(data) -> bytes:
    if isinstance(data, str):
        data = data.strip()
        if data.startswith("-----BEGIN"):
            return data.encode("ascii")
        try:
            return base64.b64decode(data.replace("-", "+").replace("_", "/")
                                    + "=" * (-len(data) % 4), validate=True)
        except (binascii.Error, ValueError) as exc:
            raise ValueError("key is neither PEM nor base64") from exc
    return bytes(data)


def load_private_key(data) -> Ed25519PrivateKey:
    """Accept a key object, raw 32 bytes, base64/base64url text of them, or PEM."""
    if isinstance(data, Ed25519PrivateKey):
        return data
    raw = _maybe_b64(data)
    if raw.startswith(b"-----BEGIN"):
        key = serialization.load_pem_private_key(raw, password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError("not an Ed25519 private key")
        return key
    if len(raw) != 32:
        raise ValueError("raw Ed25519 private key must be 32 bytes")
    return Ed25519PrivateKey.from_private_bytes(raw)


def load_public_key(data) -> Ed25519PublicKey:
    """Accept a key object (public or private), raw 32 bytes, base64 text, or PEM."""
    if isinstance(data, Ed25519PublicKey):
        return data
    if isinstance(data, Ed25519PrivateKey):
        return data.public_key()
    raw = _maybe_b64(data)
    if raw.startswith(b"-----BEGIN"):
        key = serialization.load_pem_public_key(raw)
        if not isinstance(key, Ed25519PublicKey):
            raise ValueError("not an Ed25519 public key")
        return key
    if len(raw) != 32:
        raise ValueError("raw Ed25519 public key must be 32 bytes")
    return Ed25519PublicKey.from_public_bytes(raw)


def private_key_to_b64(key) -> str:
    raw = load_private_key(key).private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
        serialization.NoEncryption())
    return base64.b64encode(raw).decode("ascii")


def public_key_to_b64(key) -> str:
    raw = load_public_key(key).public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode("ascii")


def private_key_to_pem(key) -> str:
    return load_private_key(key).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()).decode("ascii")


def public_key_to_pem(key) -> str:
    return load_public_key(key).public_bytes(
        serialization.Encoding.PEM,
        serialization.PublicFormat.SubjectPublicKeyInfo).decode("ascii")


# --- tokens -----------------------------------------------------------------

def sign_token(private_key, claims: dict) -> str:
    """Sign ``claims`` (JSON-serialisable; dates become ISO strings)."""
    if not isinstance(claims, dict):
        raise TypeError("claims must be a dict")
    key = load_private_key(private_key)
    payload = json.dumps(claims, ensure_ascii=False, separators=(",", ":"),
                         sort_keys=True, default=_json_default).encode("utf-8")
    return _b64e(payload) + "." + _b64e(key.sign(payload))


def verify_token(public_key, token: str) -> dict:
    """Return the claims of ``token``; raise :class:`InvalidToken` if it is bad."""
    key = load_public_key(public_key)
    if not isinstance(token, str) or len(token) > MAX_TOKEN_LENGTH:
        raise InvalidToken("malformed token")
    parts = token.split(".")
    if len(parts) != 2:
        raise InvalidToken("malformed token")
    payload, signature = _b64d(parts[0]), _b64d(parts[1])
    if len(signature) != 64:
        raise InvalidToken("malformed signature")
    try:
        key.verify(signature, payload)
    except InvalidSignature as exc:
        raise InvalidToken("bad signature") from exc
    try:
        claims = json.loads(payload.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:  # pragma: no cover - signed garbage
        raise InvalidToken("malformed payload") from exc
    if not isinstance(claims, dict):
        raise InvalidToken("malformed payload")
    return claims


def document_claims(doc_number: str, kind: str, holder_masked: str,
                    lease_start: date | None, lease_end: date | None,
                    issued: date) -> dict:
    """Build the short-key claims dict for a printed proof (see module doc)."""
    claims = {"n": doc_number, "k": kind, "h": holder_masked, "i": issued}
    if lease_start is not None:
        claims["s"] = lease_start
    if lease_end is not None:
        claims["e"] = lease_end
    return claims


def qr_payload(verify_url: str, token: str) -> str:
    """The text of the QR: the verification page URL with the token in the fragment.

    Any phone opens ``verify_url`` (the fragment is not sent to the server, so the page
    looks the document up by its URL); an offline checker reads ``#t=`` and verifies
    the signature with the office's public key.
    """
    sep = "&" if "#" in verify_url else "#"
    return f"{verify_url}{sep}t={token}"
