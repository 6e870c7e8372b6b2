"""Proofs an auditor can trust (issue 14): every issued PDF is signed (PAdES) with the office certificate and
validates offline against the CA the verification page offers, one changed byte breaks it; a character the
font lacks blocks printing (and the lease page warns); QR codes point where ``make run`` serves; production
refuses to issue without PUBLIC_BASE_URL or a signing certificate."""
from __future__ import annotations

import re
import subprocess
from pathlib import Path

from sqlalchemy import func, select

from counter.core.timeutil import business_today
from counter.documents import services
from counter.documents.models import PrintedDocument
from counter.extensions import db
from printing.signing import validate

from .conftest import make_lease, needs_tools, zbar

ROOT = Path(__file__).resolve().parents[2]
RARE = "\U0002A6A5"  # 𪚥 (zhé, four dragons): a real character Noto Serif CJK SC lacks (checked in tests/printing)


def _count() -> int:
    return db.session.scalar(select(func.count()).select_from(PrintedDocument))


def _every_kind(clerk_client, finance_client, lease, users) -> dict[str, bytes]:
    from counter.collection import services as svc

    start, _end = svc.lease_months(lease)
    receipt = svc.collect(lease, str(start), str(start), "cash", None, "trust-1", clerk=users["clerk_a"])
    db.session.commit()
    dc = svc.close_day(users["clerk_a"], business_today(), receipt.total_fen)
    db.session.commit()
    today = business_today()
    answers = {
        "certificate": clerk_client.post(f"/documents/lease/{lease.id}/certificate"),
        "info_slip": clerk_client.post(f"/documents/lease/{lease.id}/slip", data={
            "tenant": lease.tenants[0].party_id, "purpose": "学位申请", "paper": "A5"}),
        "receipt": clerk_client.post(f"/documents/receipt/{receipt.id}"),
        "day_close": clerk_client.post(f"/documents/day-close/{dc.id}"),
        "ledger_report": finance_client.post("/documents/ledger-report", data={"year": today.year,
                                                                               "month": today.month}),
    }
    for kind, resp in answers.items():
        assert resp.status_code == 200 and resp.headers["Content-Type"] == "application/pdf", kind
    return {kind: resp.data for kind, resp in answers.items()}


def test_every_document_is_signed_and_a_changed_byte_breaks_it(app, clerk_client, finance_client, lease_a, users):
    pdfs = _every_kind(clerk_client, finance_client, lease_a, users)
    public = app.test_client()
    ca = public.get("/verify/ca-certificate.pem")
    office = public.get("/verify/office-certificate.pem")
    assert ca.status_code == office.status_code == 200
    assert "attachment" in ca.headers["Content-Disposition"]
    ca_pem = ca.get_data(as_text=True)
    assert ca_pem.startswith("-----BEGIN CERTIFICATE-----") and office.get_data(as_text=True) != ca_pem
    assert 'href="/verify/ca-certificate.pem"' in public.get("/verify/").get_data(as_text=True)
    for kind, pdf in pdfs.items():
        check = validate(pdf, [ca_pem])
        assert check.ok, (kind, check)
        assert "福田区房屋租赁管理所" in check.signer
        tampered = bytearray(pdf)
        tampered[len(pdf) // 3] ^= 0x01  # inside the signed bytes of the rendered document
        assert not validate(bytes(tampered), [ca_pem]).ok, kind
    other_ca = __import__("printing.signing", fromlist=["x"]).make_demo_credentials().ca_pem
    assert not validate(pdfs["certificate"], [other_ca]).trusted  # only the office's CA vouches for it


def test_verify_pdf_command(app, clerk_client, lease_a, tmp_path):
    pdf = clerk_client.post(f"/documents/lease/{lease_a.id}/certificate").data
    good, bad = tmp_path / "good.pdf", tmp_path / "bad.pdf"
    good.write_bytes(pdf)
    bad.write_bytes(pdf[:1000] + bytes([pdf[1000] ^ 1]) + pdf[1001:])
    runner = app.test_cli_runner()
    ok = runner.invoke(args=["verify-pdf", str(good)])
    assert ok.exit_code == 0 and ok.output.strip().endswith("valid"), ok.output
    broken = runner.invoke(args=["verify-pdf", str(bad)])
    assert broken.exit_code == 1 and "INVALID" in broken.output
    init = runner.invoke(args=["init-signing"])
    assert init.exit_code == 0 and "pdf_signing.p12" in init.output


def test_production_refuses_without_public_url_or_signing_certificate(app, clerk_client, lease_a, tmp_path):
    app.config.update(COUNTER_ENV="production", PUBLIC_BASE_URL=None)
    resp = clerk_client.post(f"/documents/lease/{lease_a.id}/certificate")
    assert resp.status_code == 409 and "PUBLIC_BASE_URL" in resp.get_data(as_text=True)
    app.config["PUBLIC_BASE_URL"] = "https://zlba.example.gov.cn"
    app.config["PDF_SIGNING_P12"] = str(tmp_path / "missing.p12")  # production never makes demo credentials
    resp = clerk_client.post(f"/documents/lease/{lease_a.id}/certificate")
    assert resp.status_code == 409 and "PDF_SIGNING_P12" in resp.get_data(as_text=True)
    assert _count() == 0


def test_production_reads_the_offices_pkcs12_with_its_passphrase(app, clerk_client, lease_a, tmp_path):
    from cryptography.hazmat.primitives.serialization import BestAvailableEncryption, pkcs12

    from printing.signing import make_demo_credentials

    creds = make_demo_credentials("福田区南园街道房屋租赁管理所")
    key, cert, extra = pkcs12.load_key_and_certificates(creds.p12, None)
    p12 = tmp_path / "office.p12"
    p12.write_bytes(pkcs12.serialize_key_and_certificates(b"office", key, cert, extra,
                                                          BestAvailableEncryption(b"s3cret-pass")))
    app.config.update(COUNTER_ENV="production", PUBLIC_BASE_URL="https://zlba.example.gov.cn",
                      PDF_SIGNING_P12=str(p12), PDF_SIGNING_PASSPHRASE="wrong")
    assert clerk_client.post(f"/documents/lease/{lease_a.id}/certificate").status_code == 409
    app.extensions.pop("documents_pdf_signer", None)
    app.config["PDF_SIGNING_PASSPHRASE"] = "s3cret-pass"
    resp = clerk_client.post(f"/documents/lease/{lease_a.id}/certificate")
    assert resp.status_code == 200
    assert validate(resp.data, [creds.ca_pem]).ok


def test_a_character_the_font_lacks_blocks_printing_and_the_lease_page_warns(clerk_client, streets, users):
    lease = make_lease(streets[0].id, tenant=f"李{RARE}")
    db.session.commit()
    page = clerk_client.get(f"/leases/{lease.id}").get_data(as_text=True)
    assert 'id="glyph-warning"' in page and "U+2A6A5" in page and f"李{RARE}" in page
    for resp in (clerk_client.post(f"/documents/lease/{lease.id}/certificate"),
                 clerk_client.post(f"/documents/lease/{lease.id}/slip", data={
                     "tenant": lease.tenants[0].party_id, "purpose": "学位申请", "paper": "A4"})):
        html = resp.get_data(as_text=True)
        assert resp.status_code in (409, 422) and "U+2A6A5" in html and "当事人名称" in html, html[:2000]
    assert _count() == 0  # nothing issued, no number taken
    ok = make_lease(streets[0].id, tenant="𠮷堃")  # rare but present in the font
    db.session.commit()
    assert 'id="glyph-warning"' not in clerk_client.get(f"/leases/{ok.id}").get_data(as_text=True)


def _make_dry_run(port: str) -> str:
    out = subprocess.run(["make", "-n", "run", f"PORT={port}"], cwd=ROOT, capture_output=True, text=True,
                         timeout=60, env={"PATH": "/usr/bin:/bin", "HOME": "/tmp"})
    assert out.returncode == 0, out.stderr
    return out.stdout


@needs_tools
def test_make_run_port_5101_prints_qr_codes_pointing_to_port_5101(app, clerk_client, lease_a, tmp_path,
                                                                    monkeypatch):
    from counter.config import default_config

    dry = _make_dry_run("5101")
    line = next(ln for ln in dry.splitlines() if "gunicorn" in ln)
    assert "--bind 127.0.0.1:5101" in line
    env_value = re.search(r"PUBLIC_BASE_URL=(\S+)", line).group(1)
    assert env_value == "http://127.0.0.1:5101"
    monkeypatch.setenv("PUBLIC_BASE_URL", env_value)  # what gunicorn's app sees
    app.config["PUBLIC_BASE_URL"] = default_config(tmp_path)["PUBLIC_BASE_URL"]
    resp = clerk_client.post(f"/documents/lease/{lease_a.id}/certificate")
    qr = [data for kind, data in zbar(resp.data, tmp_path) if kind == "QR-Code"]
    assert len(qr) == 1 and qr[0].startswith("http://127.0.0.1:5101/verify/"), qr


def test_demo_default_follows_host_and_port(monkeypatch, tmp_path):
    from counter.config import default_config, public_base_url

    monkeypatch.delenv("PUBLIC_BASE_URL", raising=False)
    monkeypatch.setenv("HOST", "192.0.2.10")
    monkeypatch.setenv("PORT", "5202")
    cfg = default_config(tmp_path)
    assert public_base_url(cfg) == "http://192.0.2.10:5202"
    assert public_base_url({**cfg, "COUNTER_ENV": "production"}) is None
    assert public_base_url({**cfg, "PUBLIC_BASE_URL": "https://zl.example.cn/"}) == "https://zl.example.cn"
