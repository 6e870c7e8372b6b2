import base64
from datetime import date

import pytest

from printing import tokens as t


@pytest.fixture(scope="module")
def keys():
    return t.generate_keypair()


def claims():
    return t.document_claims("DOC-FT01-2026-000123", "info_slip", "𠮷*堃",
                             date(2026, 1, 1), date(2026, 12, 31), date(2026, 1, 8))


def test_round_trip(keys):
    priv, pub = keys
    token = t.sign_token(priv, claims())
    assert t.verify_token(pub, token) == {
        "n": "DOC-FT01-2026-000123", "k": "info_slip", "h": "𠮷*堃",
        "s": "2026-01-01", "e": "2026-12-31", "i": "2026-01-08"}
    # compact: fits a QR with the URL comfortably
    assert len(token) < 260
    assert set(token) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.")


def test_key_serialisation_round_trips(keys):
    priv, pub = keys
    token = t.sign_token(t.private_key_to_b64(priv), claims())
    for form in (pub, priv, t.public_key_to_b64(pub), t.public_key_to_pem(pub),
                 base64.b64decode(t.public_key_to_b64(pub))):
        assert t.verify_token(form, token)["n"] == "DOC-FT01-2026-000123"
    assert t.sign_token(t.private_key_to_pem(priv), claims()) == token  # Ed25519 is deterministic


def test_tampered_payload_rejected(keys):
    priv, pub = keys
    token = t.sign_token(priv, claims())
    payload, sig = token.split(".")
    raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    forged = raw.replace(b"2026-12-31", b"2027-12-31")
    assert forged != raw
    bad = base64.urlsafe_b64encode(forged).rstrip(b"=").decode() + "." + sig
    with pytest.raises(t.InvalidToken):
        t.verify_token(pub, bad)


def test_flipped_signature_rejected(keys):
    priv, pub = keys
    token = t.sign_token(priv, claims())
    i = len(token) - 5
    bad = token[:i] + ("A" if token[i] != "A" else "B") + token[i + 1:]
    with pytest.raises(t.InvalidToken):
        t.verify_token(pub, bad)


def test_other_key_rejected(keys):
    priv, _ = keys
    _, other_pub = t.generate_keypair()
    with pytest.raises(t.InvalidToken):
        t.verify_token(other_pub, t.sign_token(priv, claims()))


@pytest.mark.parametrize("bad", ["", ".", "abc", "a.b.c", "!!!.???", "eyJ9.AAAA",
                                 "x" * 5000, None, 12])
def test_malformed_rejected(keys, bad):
    with pytest.raises(t.InvalidToken):
        t.verify_token(keys[1], bad)


def test_qr_payload_keeps_verify_url():
    url = "https://zl.example.cn/v/DOC-1"
    assert t.qr_payload(url, "abc.def") == url + "#t=abc.def"
