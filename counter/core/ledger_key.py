"""The ledger key (台账密钥): the HMAC key that seals the journal chains, the audit chain and the anchors.

It lives outside the database on purpose — a database administrator who can rewrite rows cannot
recompute a seal without it:

- ``LEDGER_HMAC_KEY`` in the environment (any long random string; the same for every worker and for
  the ``counter`` command), else
- ``instance/ledger_hmac_key``, generated once (mode 0600), like ``instance/secret_key``.

Back it up with the instance folder: without it ``counter ledger verify`` can still check that the
chains are consistent, but not that they were written by this application (see docs/ledger-integrity.md).
``key_id`` (16 hex digits) names a key without revealing it; every anchor stores it, so a wrong key is
reported as such rather than as a broken ledger.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
from datetime import date, datetime, timezone
from pathlib import Path

KEY_FILE = "ledger_hmac_key"


def load_ledger_key(instance_path: Path) -> str:
    """``LEDGER_HMAC_KEY`` from the environment, else ``instance/ledger_hmac_key`` (generated once)."""
    env = os.environ.get("LEDGER_HMAC_KEY")
    if env:
        return env
    instance_path.mkdir(parents=True, exist_ok=True)
    key_file = instance_path / KEY_FILE
    if not key_file.exists():
        # written aside, then linked into place: a worker starting at the same moment never reads a half file
        tmp = instance_path / f".{KEY_FILE}.{os.getpid()}.tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_urlsafe(48))
        try:
            os.link(tmp, key_file)
        except FileExistsError:  # another worker generated it a moment ago: use theirs
            pass
        finally:
            tmp.unlink()
    key = key_file.read_text().strip()
    if not key:
        raise RuntimeError(f"{key_file} is empty: restore the ledger key from the backup")
    return key


def _key_bytes(key: str | bytes | None = None) -> bytes:
    if key is None:
        from flask import current_app

        key = current_app.config["LEDGER_HMAC_KEY"]
    return key.encode("utf-8") if isinstance(key, str) else key


def key_id(key: str | bytes | None = None) -> str:
    """A public name of the key: 16 hex digits of SHA-256 over a label and the key."""
    return hashlib.sha256(b"counter-ledger-key-id\x00" + _key_bytes(key)).hexdigest()[:16]


def seal(blob: str, key: str | bytes | None = None) -> str:
    """HMAC-SHA256 (hex) of ``blob`` under the ledger key."""
    return hmac.new(_key_bytes(key), blob.encode("utf-8"), hashlib.sha256).hexdigest()


def canon_value(value):
    """A sealed field's value as it is sealed: datetimes in UTC to the microsecond, dates ISO, the rest as is."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if isinstance(value, date):
        return value.isoformat()
    return value


def canonical(payload: dict) -> str:
    """The one serialisation that is sealed: sorted keys, compact separators, UTF-8 text."""
    return json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def same(a: str | None, b: str | None) -> bool:
    return a is not None and b is not None and hmac.compare_digest(a, b)
