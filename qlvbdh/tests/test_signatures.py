"""PDF signatures: verified with pyHanko against the trust roots in configuration only.

The PKI is made here with `cryptography` (a CA and a signer), the PDF is signed with pyHanko's
SimpleSigner, and the helpers below are shared with test_attachments.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import signers
from pyhanko_certvalidator.registry import SimpleCertificateStore

from qlvbdh.signatures import configured_trust_roots, pdf_signatures

# --- helpers (also used by test_attachments) -----------------------------------------------------


def pdf_with_text(*lines: str) -> bytes:
    """A one-page PDF whose text (any Unicode, Vietnamese included) extracts exactly.

    No font file is needed: each character gets a one-byte code in a simple font, and the
    font's ToUnicode map says which character each code is.
    """
    chars = sorted({char for line in lines for char in line} - {" "})
    assert len(chars) < 200
    codes = {" ": 0x20} | {char: 0x21 + index for index, char in enumerate(chars)}
    text_ops = []
    for index, line in enumerate(lines):
        move = "72 800 Td" if index == 0 else "0 -16 Td"
        text_ops.append(f"{move} <{''.join(f'{codes[char]:02X}' for char in line)}> Tj")
    content = ("BT /F1 12 Tf " + " ".join(text_ops) + " ET").encode()
    entries = [f"<{code:02X}> <{ord(char):04X}>" for char, code in codes.items()]
    blocks = "\n".join(
        f"{len(entries[i : i + 100])} beginbfchar\n" + "\n".join(entries[i : i + 100]) + "\nendbfchar"
        for i in range(0, len(entries), 100)
    )
    cmap = (
        "/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n"
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
        "/CMapName /Adobe-Identity-UCS def /CMapType 2 def\n"
        "1 begincodespacerange <00> <FF> endcodespacerange\n"
        f"{blocks}\nendcmap CMapName currentdict /CMap defineresource pop end end"
    ).encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /ToUnicode 6 0 R >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(cmap), cmap),
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n%s\nendobj\n" % (number, body))
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


@dataclass
class Pki:
    ca_pem: bytes
    signer: signers.SimpleSigner


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _usage(*, sign_certs: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=not sign_certs,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=sign_certs,
        crl_sign=sign_certs,
        encipher_only=False,
        decipher_only=False,
    )


def make_pki(signer_name: str = "Nguyễn Văn An", ca_name: str = "CA Thử nghiệm") -> Pki:
    """A self-signed CA and a signer certificate it issued, valid from yesterday for a year."""
    now = datetime.now(UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (
        x509.CertificateBuilder()
        .subject_name(_name(ca_name))
        .issuer_name(_name(ca_name))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(_usage(sign_certs=True), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    certificate = (
        x509.CertificateBuilder()
        .subject_name(_name(signer_name))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=365))
        .add_extension(_usage(sign_certs=False), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    ca_asn1 = asn1_x509.Certificate.load(ca.public_bytes(serialization.Encoding.DER))
    signer = signers.SimpleSigner(
        signing_cert=asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER)),
        signing_key=asn1_keys.PrivateKeyInfo.load(
            key.private_bytes(
                serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        ),
        cert_registry=SimpleCertificateStore.from_certs([ca_asn1]),  # type: ignore[no-untyped-call]
    )
    return Pki(ca_pem=ca.public_bytes(serialization.Encoding.PEM), signer=signer)


def sign_pdf(data: bytes, pki: Pki) -> bytes:
    writer = IncrementalPdfFileWriter(io.BytesIO(data))
    signed = signers.sign_pdf(writer, signers.PdfSignatureMetadata(field_name="ChuKy1"), signer=pki.signer)
    return signed.getvalue()


@pytest.fixture(scope="module")
def pki() -> Pki:
    return make_pki()


@pytest.fixture(scope="module")
def signed_pdf(pki: Pki) -> bytes:
    return sign_pdf(pdf_with_text("Quyết định phê duyệt kế hoạch"), pki)


@pytest.fixture
def trust(settings, tmp_path):
    """Configure PDF_TRUST_ROOTS with the given PEM files, as an operator would."""

    def configure(*pems: bytes) -> None:
        paths = []
        for index, pem in enumerate(pems):
            path = tmp_path / f"root-{index}.pem"
            path.write_bytes(pem)
            paths.append(str(path))
        settings.PDF_TRUST_ROOTS = paths

    return configure


# --- tests ---------------------------------------------------------------------------------------


def test_signature_chaining_to_a_configured_root_is_valid_trusted_and_intact(pki, signed_pdf, trust):
    trust(pki.ca_pem)

    [result] = pdf_signatures(signed_pdf, configured_trust_roots())

    assert result["signer"] == "Nguyễn Văn An"
    assert (result["intact"], result["valid"], result["trusted"]) == (True, True, True)
    assert result["coverage"] == "entire file"
    assert datetime.fromisoformat(result["signed_at"]) > datetime.now(UTC) - timedelta(hours=1)
    assert result["summary"].startswith("Chữ ký số của Nguyễn Văn An hợp lệ")
    assert result["reason"] == ""


def test_without_configured_roots_a_sound_signature_is_not_trusted(signed_pdf, settings):
    settings.PDF_TRUST_ROOTS = []

    [result] = pdf_signatures(signed_pdf, configured_trust_roots())

    assert (result["intact"], result["valid"], result["trusted"]) == (True, True, False)
    assert "chưa được xác thực" in result["summary"]


def test_a_root_of_another_authority_does_not_make_the_signature_trusted(signed_pdf, trust):
    trust(make_pki(ca_name="CA Khác").ca_pem)

    [result] = pdf_signatures(signed_pdf, configured_trust_roots())

    assert result["trusted"] is False


def test_a_flipped_byte_in_the_signed_content_breaks_the_signature(pki, signed_pdf, trust):
    trust(pki.ca_pem)
    position = signed_pdf.index(b"72 800 Td")  # the page's content stream, inside the signed range
    tampered = signed_pdf[:position] + b"73" + signed_pdf[position + 2 :]

    [result] = pdf_signatures(tampered, configured_trust_roots())

    assert result["intact"] is False
    assert result["valid"] is False
    assert "đã bị thay đổi sau khi ký" in result["summary"]


def test_an_unsigned_pdf_has_no_signatures(trust, pki):
    trust(pki.ca_pem)

    assert pdf_signatures(pdf_with_text("Công văn không ký số"), configured_trust_roots()) == []


def test_a_garbled_signature_value_is_reported_not_raised(pki, signed_pdf, trust):
    trust(pki.ca_pem)
    start = signed_pdf.index(b"/Contents <") + len(b"/Contents <")
    end = signed_pdf.index(b">", start)
    garbled = signed_pdf[:start] + b"30" * ((end - start) // 2) + signed_pdf[end:]

    [result] = pdf_signatures(garbled, configured_trust_roots())

    assert result["valid"] is False
    assert result["trusted"] is False
    assert result["reason"]
    assert result["summary"].startswith("Không kiểm tra được chữ ký số")


def test_a_truncated_signed_file_is_reported_not_raised(signed_pdf, trust, pki):
    trust(pki.ca_pem)

    cut = signed_pdf[: signed_pdf.rindex(b"startxref")]  # the signature is there, the file unreadable

    [result] = pdf_signatures(cut, configured_trust_roots())

    assert (result["intact"], result["valid"], result["trusted"]) == (False, False, False)
    assert result["summary"].startswith("Không kiểm tra được chữ ký số")


def test_every_root_of_a_pem_bundle_counts(pki, signed_pdf, trust):
    trust(make_pki(ca_name="CA Khác").ca_pem + pki.ca_pem)

    [result] = pdf_signatures(signed_pdf, configured_trust_roots())

    assert result["trusted"] is True


def test_unreadable_root_files_are_skipped_and_trust_nothing(settings, tmp_path, signed_pdf):
    garbage = tmp_path / "garbage.der"
    garbage.write_bytes(b"not a certificate")
    settings.PDF_TRUST_ROOTS = [str(tmp_path / "missing.pem"), str(garbage)]

    roots = configured_trust_roots()

    assert roots == []
    assert pdf_signatures(signed_pdf, roots)[0]["trusted"] is False
