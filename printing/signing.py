"""PDF signatures (PAdES baseline B-B) of issued documents, with pyHanko. No Flask here.

* :func:`make_demo_credentials` — a demo CA and an office certificate (ECDSA P-256, made with
  ``cryptography``), returned as a PKCS#12 archive (office key + certificate + CA) and PEM texts.
  Production uses the office's own PKCS#12 file instead.
* :class:`OfficeSigner` — loads a PKCS#12 archive once and signs PDF bytes: one incremental update that
  sets ``/ViewerPreferences /PrintScaling /None`` (browsers then print at 100 %, so barcodes keep their
  module size) and adds a **certification** signature (DocMDP: no changes allowed), subfilter
  ``ETSI.CAdES.detached`` (PAdES), SHA-256, signing time from the signer's clock. No timestamp and no
  revocation information: nothing is fetched over the network, ever.
* :func:`validate` — checks a signed PDF against given trust roots, offline (``allow_fetching=False``),
  and returns a :class:`SignatureCheck` (used by the tests and by ``counter verify-pdf``).

Cost: the CMS space is reserved from the certificate sizes, so pyHanko does not sign twice to measure
it (that dry run doubled the time); signing a 280 KB certificate takes ~20 ms on this machine, under 10 %
of its render (``bench/run --only pdf`` measures it per document).
"""

from __future__ import annotations

import asyncio
import io
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

__all__ = ["DemoCredentials", "make_demo_credentials", "OfficeSigner", "SignatureCheck", "validate",
           "SigningUnavailable", "certificate_fingerprint"]

FIELD_NAME = "OfficeSignature"


class SigningUnavailable(RuntimeError):
    """The office's signing credentials cannot be loaded (missing file, wrong passphrase, no key)."""


@dataclass(frozen=True)
class DemoCredentials:
    p12: bytes               # office key + office certificate + CA certificate, no passphrase
    ca_pem: str
    office_pem: str


def _name(common: str, org: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, org),
                      x509.NameAttribute(NameOID.COMMON_NAME, common)])


def make_demo_credentials(office: str = "福田区房屋租赁管理所（演示）", years: int = 10) -> DemoCredentials:
    """A self-signed demo CA and an office certificate it issued (digital signature + non-repudiation)."""
    now = datetime.now(timezone.utc) - timedelta(minutes=5)
    until = now + timedelta(days=365 * years)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = _name("演示根证书 Demo CA (not for production)", "Rental counter demo")
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
          .serial_number(x509.random_serial_number()).not_valid_before(now).not_valid_after(until)
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False, key_encipherment=False,
                                       data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                       crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
          .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder().subject_name(_name(office, office)).issuer_name(ca_name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now).not_valid_after(until)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=True, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, key_cert_sign=False,
                                         crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256()))
    p12 = pkcs12.serialize_key_and_certificates(b"office", key, cert, [ca], serialization.NoEncryption())
    pem = serialization.Encoding.PEM
    return DemoCredentials(p12=p12, ca_pem=ca.public_bytes(pem).decode("ascii"),
                           office_pem=cert.public_bytes(pem).decode("ascii"))


def certificate_fingerprint(pem: str) -> str:
    """SHA-256 fingerprint of a PEM certificate, as colon-separated upper-case hex."""
    cert = x509.load_pem_x509_certificate(pem.encode("ascii"))
    return ":".join(f"{b:02X}" for b in cert.fingerprint(hashes.SHA256()))


def _outside_event_loop(fn):
    """Run ``fn()`` where pyhanko's synchronous API can work: it calls ``asyncio.run()``, which refuses to
    start inside a running event loop (a thread that also drives Playwright, or an async server) — there
    the call goes to a short-lived worker thread."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return fn()
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(fn).result()


class OfficeSigner:
    """The office's signing identity, loaded once per process from a PKCS#12 archive."""

    def __init__(self, p12: bytes, passphrase: bytes | str | None = None, *, location: str = "",
                 contact: str = ""):
        from pyhanko.sign import signers

        if isinstance(passphrase, str):
            passphrase = passphrase.encode("utf-8")
        try:
            key, cert, extra = pkcs12.load_key_and_certificates(p12, passphrase or None)
        except ValueError as exc:
            raise SigningUnavailable(f"the PKCS#12 archive cannot be opened: {exc}") from exc
        if key is None or cert is None:
            raise SigningUnavailable("the PKCS#12 archive holds no private key and certificate")
        self._signer = signers.SimpleSigner.load_pkcs12_data(p12, other_certs=[], passphrase=passphrase or None)
        pem = serialization.Encoding.PEM
        self.certificate_pem = cert.public_bytes(pem).decode("ascii")
        self.chain_pem = [c.public_bytes(pem).decode("ascii") for c in (extra or [])]
        self.subject = cert.subject.rfc4514_string()
        self.not_after = cert.not_valid_after_utc
        self.location = location
        self.contact = contact
        # room for the CMS: the certificates, the signed attributes and the signature, with a margin
        der = len(cert.public_bytes(serialization.Encoding.DER)) + sum(
            len(c.public_bytes(serialization.Encoding.DER)) for c in (extra or []))
        self.bytes_reserved = ((der + 4096) // 512 + 1) * 512
        self._lock = threading.Lock()

    def sign(self, pdf: bytes, *, reason: str = "") -> bytes:
        """``pdf`` -> the same PDF plus one incremental update: print scaling off, certification signature."""
        from pyhanko.pdf_utils import generic
        from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
        from pyhanko.sign import fields, signers
        from pyhanko.sign.fields import MDPPerm, SigSeedSubFilter

        writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
        writer.root["/ViewerPreferences"] = generic.DictionaryObject(
            {generic.NameObject("/PrintScaling"): generic.NameObject("/None")})
        writer.update_root()
        meta = signers.PdfSignatureMetadata(
            field_name=FIELD_NAME, md_algorithm="sha256", subfilter=SigSeedSubFilter.PADES, certify=True,
            docmdp_permissions=MDPPerm.NO_CHANGES, reason=reason or None, location=self.location or None,
            contact_info=self.contact or None)
        spec = fields.SigFieldSpec(sig_field_name=FIELD_NAME)  # invisible (no box on the paper)
        with self._lock:  # SimpleSigner is not documented as thread-safe
            out = _outside_event_loop(lambda: signers.PdfSigner(meta, signer=self._signer, new_field_spec=spec)
                                      .sign_pdf(writer, bytes_reserved=self.bytes_reserved))
        return out.getvalue()


@dataclass(frozen=True)
class SignatureCheck:
    signed: bool             # the PDF carries a signature
    intact: bool             # the signed bytes are unchanged
    valid: bool              # the cryptographic signature checks out
    trusted: bool            # the signer's certificate chains to one of the trust roots
    covers_whole_file: bool  # nothing was appended after signing
    signer: str = ""
    summary: str = ""

    @property
    def ok(self) -> bool:
        return self.signed and self.intact and self.valid and self.trusted and self.covers_whole_file


def validate(pdf: bytes, trust_roots_pem: list[str]) -> SignatureCheck:
    """Validate the (first) signature of ``pdf`` against ``trust_roots_pem``, offline."""
    from pyhanko.pdf_utils.misc import PdfReadError
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext
    from asn1crypto import pem as asn1_pem, x509 as asn1_x509

    roots = []
    for text in trust_roots_pem:
        _type, _headers, der = asn1_pem.unarmor(text.encode("ascii"))
        roots.append(asn1_x509.Certificate.load(der))
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        sigs = reader.embedded_signatures
    except (PdfReadError, ValueError, KeyError) as exc:
        return SignatureCheck(False, False, False, False, False, summary=f"unreadable PDF: {exc}")
    if not sigs:
        return SignatureCheck(False, False, False, False, False, summary="no signature")
    context = ValidationContext(trust_roots=roots, allow_fetching=False, revocation_mode="soft-fail")
    try:
        status = _outside_event_loop(lambda: validate_pdf_signature(sigs[0], context))
    except Exception as exc:  # noqa: BLE001 - a mangled signature raises from deep inside pyHanko
        return SignatureCheck(True, False, False, False, False, summary=f"{type(exc).__name__}: {exc}")
    whole = status.coverage is not None and status.coverage.name == "ENTIRE_FILE"
    return SignatureCheck(True, bool(status.intact), bool(status.valid), bool(status.trusted), whole,
                          signer=status.signing_cert.subject.human_friendly, summary=status.summary())
