"""Public verification: codes, the page (no login), status derived at once (void, superseded), the log and
its count, 404s, the public key, the offline token and ``counter verify-token``, and the append-only register."""
from __future__ import annotations

import base64
import re

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from counter.documents import keys, services
from counter.documents.models import PrintedDocument, VerificationCount
from counter.extensions import db


def _print(client, lease, kind="certificate"):
    if kind == "certificate":
        resp = client.post(f"/documents/lease/{lease.id}/certificate")
    else:
        resp = client.post(f"/documents/lease/{lease.id}/slip",
                           data={"tenant": lease.tenants[0].party_id, "purpose": "学位申请", "paper": "A4"})
    assert resp.status_code == 200
    return db.session.scalar(select(PrintedDocument).order_by(PrintedDocument.id.desc()))


def _checks(doc) -> int:
    return db.session.scalar(select(func.coalesce(func.sum(VerificationCount.checks), 0))
                             .where(VerificationCount.document_id == doc.id))


def test_codes_are_long_base32_and_differ(clerk_client, lease_a):
    a = _print(clerk_client, lease_a)
    b = _print(clerk_client, lease_a, "info_slip")
    for doc in (a, b):
        assert len(doc.verify_code) >= 16 and re.fullmatch(r"[A-Z2-7]{20}", doc.verify_code)
        assert doc.verify_code == keys.verify_code_for(doc.doc_number)
        assert doc.verify_code not in doc.doc_number
    assert a.verify_code != b.verify_code
    base64.b32decode(a.verify_code + "====")  # valid base32


def test_public_page_valid_then_void_after_cancellation(app, clerk_client, lease_a):
    from counter.leases.services import cancel_filing

    doc = _print(clerk_client, lease_a, "info_slip")
    public = app.test_client()  # nobody logged in
    resp = public.get(f"/verify/{doc.verify_code}")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "有效" in html and doc.doc_number in html and "房屋租赁信息" in html
    assert "李*" in html and "李娜" not in html  # the holder masked
    assert lease_a.tenants[0].party.id_number not in html and "13900139000" not in html
    assert "学位申请" in html and "福田区南园街道房屋租赁管理所" in html
    # only masked facts: the building address without the room, the house code without its unit part
    assert lease_a.premises.address in html and lease_a.premises.full_address not in html
    assert lease_a.premises.house_code not in html and lease_a.premises.house_code[:-6] + "******" in html
    assert _checks(doc) == 1

    cancel_filing(lease_a, "虚假登记")
    db.session.commit()
    html = public.get(f"/verify/{doc.verify_code.lower()}").get_data(as_text=True)
    assert "作废" in html and "该租赁备案已注销。" in html and "本文书由本所开具，现有效。" not in html
    assert _checks(doc) == 2
    page = clerk_client.get(f"/documents/{doc.id}").get_data(as_text=True)
    assert re.search(r'id="verification-count">\s*2 次', page)
    register = clerk_client.get("/documents/").get_data(as_text=True)
    assert "作废" in register


def test_superseded_after_amendment_and_a_reprint_is_valid(app, clerk_client, lease_a):
    from counter.leases.services import amend_lease

    doc = _print(clerk_client, lease_a)
    amend_lease(lease_a, {"monthly_rent_fen": 480000}, "租金调整")
    db.session.commit()
    public = app.test_client()
    html = public.get(f"/verify/{doc.verify_code}").get_data(as_text=True)
    assert "已被取代" in html and "已变更" in html
    assert services.document_status(doc) == ("superseded", "lease_changed")
    # a reprint would repeat the old facts: refused, the amendment gets a new original
    resp = clerk_client.post(f"/documents/{doc.id}/reprint", data={"reason": "租金变更后重新打印"})
    assert resp.status_code == 422 and "已被取代" in resp.get_data(as_text=True)
    new = _print(clerk_client, lease_a)  # from the lease page, no reason needed: the new version's original
    assert (new.reprint_no, new.lease_version, new.is_original) == (0, lease_a.version, True)
    assert services.document_status(new) == ("valid", None)
    html = public.get(f"/verify/{new.verify_code}").get_data(as_text=True)
    assert "有效" in html
    html = public.get(f"/verify/{doc.verify_code}").get_data(as_text=True)
    assert "已被取代" in html and new.doc_number in html  # the old one names its replacement


def test_unknown_and_malformed_codes(app, clerk_client, lease_a):
    doc = _print(clerk_client, lease_a)
    public = app.test_client()
    other = "A" * 20 if doc.verify_code != "A" * 20 else "B" * 20
    resp = public.get(f"/verify/{other}")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 404 and "无法核验" in html and "可能输错" in html
    assert f'name="code" type="text" value="{other}"' in html or f'value="{other}"' in html  # type it again
    assert "/login" not in html  # a citizen's page: no way into the staff login from here
    assert public.get("/verify/not-a-code").status_code == 404
    assert public.get(f"/verify/{doc.doc_number}").status_code == 404  # the number is not the code
    en = app.test_client()
    en.post("/locale", data={"locale": "en", "next": "/verify/"})
    english = en.get(f"/verify/{other}").get_data(as_text=True)
    assert "This proof cannot be verified" in english and "mistyped" in english
    assert db.session.scalar(select(func.count()).select_from(VerificationCount)) == 0


def test_check_form(app, clerk_client, lease_a):
    doc = _print(clerk_client, lease_a)
    public = app.test_client()
    page = public.get("/verify/")
    assert page.status_code == 200 and 'name="code"' in page.get_data(as_text=True)
    typed = " ".join(doc.verify_code[i:i + 4] for i in range(0, 20, 4)).lower()
    resp = public.get("/verify/", query_string={"code": typed})
    assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/verify/{doc.verify_code}")
    bad = public.get("/verify/", query_string={"code": "12345"})
    assert bad.status_code == 422 and "核验码由 20 位字母和数字组成" in bad.get_data(as_text=True)
    assert 'value="12345"' in bad.get_data(as_text=True)
    empty = public.get("/verify/", query_string={"code": ""})
    assert empty.status_code == 422 and "请输入二维码下方印的核验码。" in empty.get_data(as_text=True)
    login_page = public.get("/login").get_data(as_text=True)
    assert "/verify/" in login_page


def test_public_key_page_and_offline_token(app, clerk_client, lease_a):
    from printing.tokens import load_public_key, verify_token

    doc = _print(clerk_client, lease_a, "info_slip")
    html = app.test_client().get("/verify/public-key").get_data(as_text=True)
    pem = re.search(r'id="public-key-pem">(.*?)</pre>', html, re.S).group(1).strip()
    b64 = re.search(r'id="public-key-b64">(.*?)</pre>', html, re.S).group(1).strip()
    assert pem.startswith("-----BEGIN PUBLIC KEY-----")
    token = services.token_for(doc)
    for key in (pem, b64):
        claims = verify_token(load_public_key(key), token)
        assert claims == {"n": doc.doc_number, "k": "info_slip", "h": "李*", "i": doc.issue_date.isoformat(),
                          "s": lease_a.start_date.isoformat(), "e": lease_a.end_date.isoformat()}
    key_file = services.keys.signing_key_path()
    assert key_file.exists() and oct(key_file.stat().st_mode & 0o777) == "0o600"


def test_cli_verify_token_accepts_real_and_rejects_tampered(app, clerk_client, lease_a):
    doc = _print(clerk_client, lease_a, "info_slip")
    token = services.token_for(doc)
    runner = app.test_cli_runner()
    ok = runner.invoke(args=["verify-token", token])
    assert ok.exit_code == 0, ok.output
    assert ok.output.strip().endswith("valid") and doc.doc_number in ok.output and "李*" in ok.output
    full = runner.invoke(args=["verify-token", services.verify_url(doc) + "#t=" + token])  # the whole QR text
    assert full.exit_code == 0
    payload, sig = token.split(".")
    raw = bytearray(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    raw = bytes(raw).replace(doc.doc_number.encode(), doc.doc_number[:-1].encode() + b"9")
    forged = base64.urlsafe_b64encode(raw).rstrip(b"=").decode() + "." + sig
    bad = runner.invoke(args=["verify-token", forged])
    assert bad.exit_code == 1 and "INVALID" in bad.output
    assert runner.invoke(args=["verify-token", "garbage"]).exit_code == 1


def test_register_is_append_only(clerk_client, app, lease_a):
    doc = _print(clerk_client, lease_a)
    app.test_client().get(f"/verify/{doc.verify_code}")
    db.session.commit()
    for stmt in ("UPDATE printed_document SET holder_name = 'x'", "DELETE FROM printed_document"):
        with pytest.raises(DBAPIError):
            db.session.execute(text(stmt))
        db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(PrintedDocument)) == 1
