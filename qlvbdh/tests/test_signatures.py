"""PDF signatures: verified with pyHanko against the trust roots in configuration only.

The PKI is made here with `cryptography` (a CA and a signer), the PDF is signed with pyHanko's
SimpleSigner, and the helpers below are shared with test_attachments.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.utils import translation
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import signers
from pyhanko_certvalidator.registry import SimpleCertificateStore

from qlvbdh.signatures import configured_trust_roots, pdf_signatures, signature_text

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


def sign_pdf(data: bytes, pki: Pki, field_name: str = "ChuKy1") -> bytes:
    writer = IncrementalPdfFileWriter(io.BytesIO(data))
    signed = signers.sign_pdf(writer, signers.PdfSignatureMetadata(field_name=field_name), signer=pki.signer)
    return signed.getvalue()


def _first_page(writer: IncrementalPdfFileWriter) -> tuple[generic.IndirectObject, generic.DictionaryObject]:
    reference = writer.root["/Pages"]["/Kids"].raw_get(0)
    return reference, reference.get_object()


def _written(writer: IncrementalPdfFileWriter) -> bytes:
    out = io.BytesIO()
    writer.write(out)  # type: ignore[no-untyped-call]
    return out.getvalue()


def _dictionary(entries: dict[str, Any]) -> generic.DictionaryObject:
    return generic.DictionaryObject({generic.NameObject(k): v for k, v in entries.items()})  # type: ignore[no-untyped-call]


def _rect(*values: float) -> generic.ArrayObject:
    return generic.ArrayObject([generic.FloatObject(v) for v in values])  # type: ignore[no-untyped-call]


def append_page_content(data: bytes, text: bytes = b"(Sua doi sau khi ky)") -> bytes:
    """An incremental update that draws more text on the first page: a change to the content."""
    writer = IncrementalPdfFileWriter(io.BytesIO(data))
    reference, page = _first_page(writer)
    stream = writer.add_object(
        generic.StreamObject(stream_data=b"BT /F1 12 Tf 72 700 Td " + text + b" Tj ET")
    )
    page["/Contents"] = generic.ArrayObject([page.raw_get("/Contents"), stream])
    writer.mark_update(reference)
    return _written(writer)


def add_annotation(data: bytes) -> bytes:
    """An incremental update that puts a note (a text annotation) on the first page."""
    writer = IncrementalPdfFileWriter(io.BytesIO(data))
    reference, page = _first_page(writer)
    note = _dictionary(
        {
            "/Type": generic.NameObject("/Annot"),
            "/Subtype": generic.NameObject("/Text"),
            "/Rect": _rect(10, 10, 30, 30),
            "/Contents": generic.TextStringObject("Đã sửa"),
        }
    )
    page["/Annots"] = generic.ArrayObject([writer.add_object(note)])
    writer.mark_update(reference)
    return _written(writer)


def pdf_with_form_field(name: str) -> bytes:
    """A one-page PDF with an empty text field `name` in its form."""
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf_with_text("Phiếu đề nghị")))
    reference, page = _first_page(writer)
    field = writer.add_object(
        _dictionary(
            {
                "/FT": generic.NameObject("/Tx"),
                "/T": generic.TextStringObject(name),
                "/V": generic.TextStringObject(""),
                "/Type": generic.NameObject("/Annot"),
                "/Subtype": generic.NameObject("/Widget"),
                "/Rect": _rect(100, 100, 300, 120),
                "/P": reference,
            }
        )
    )
    page["/Annots"] = generic.ArrayObject([field])
    writer.mark_update(reference)
    writer.root["/AcroForm"] = _dictionary({"/Fields": generic.ArrayObject([field])})
    writer.update_root()  # type: ignore[no-untyped-call]
    return _written(writer)


def fill_form_field(data: bytes, name: str, value: str) -> bytes:
    writer = IncrementalPdfFileWriter(io.BytesIO(data))
    fields = writer.root["/AcroForm"]["/Fields"]
    for index in range(len(fields)):
        reference = fields.raw_get(index)
        if reference.get_object().get("/T") == name:
            reference.get_object()["/V"] = generic.TextStringObject(value)
            writer.mark_update(reference)
    return _written(writer)


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
    assert (result["verdict"], result["changes"]) == ("valid", [])


def test_without_configured_roots_a_sound_signature_is_not_trusted(signed_pdf, settings):
    settings.PDF_TRUST_ROOTS = []

    [result] = pdf_signatures(signed_pdf, configured_trust_roots())

    assert (result["intact"], result["valid"], result["trusted"]) == (True, True, False)
    assert (result["verdict"], result["changes"]) == ("untrusted", [])
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
    assert (result["verdict"], result["problem"]) == ("invalid", "altered")
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
    assert result["verdict"] == "invalid"
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


# --- signed, then changed: what followed the signature, told apart (issue 12) -------------------

VALID_AND_TRUSTED = "hợp lệ: tệp không bị thay đổi sau khi ký"


def test_content_drawn_on_the_page_after_signing_is_a_modification_not_a_valid_signature(
    pki, signed_pdf, trust
):
    trust(pki.ca_pem)

    [result] = pdf_signatures(append_page_content(signed_pdf), configured_trust_roots())

    assert (result["verdict"], result["changes"], result["changes_allowed"]) == ("modified", ["other"], False)
    assert (result["intact"], result["valid"], result["trusted"]) == (True, False, True)
    assert result["coverage"] == "entire revision"
    assert VALID_AND_TRUSTED not in result["summary"]
    assert "đã bị sửa đổi sau khi ký (thay đổi khác đối với nội dung tệp)" in result["summary"]
    assert "không phải là nội dung đã ký" in result["summary"]


def test_an_annotation_added_after_signing_is_a_modification(pki, signed_pdf, trust):
    trust(pki.ca_pem)

    [result] = pdf_signatures(add_annotation(signed_pdf), configured_trust_roots())

    # pyHanko's default policy allows no annotation beyond a form's own: "other", not allowed.
    assert (result["verdict"], result["valid"]) == ("modified", False)
    assert result["changes"] == ["other"]
    assert VALID_AND_TRUSTED not in result["summary"]


def test_bytes_appended_after_the_end_of_the_file_are_a_modification(pki, signed_pdf, trust):
    trust(pki.ca_pem)
    # An object after %%EOF with no xref: pyHanko finds no new revision (no change), but a viewer
    # that rebuilds a damaged file from its objects may show it.
    appended = signed_pdf + b"\n3 0 obj\n<< /Type /Page /Parent 2 0 R /Contents 13 0 R >>\nendobj\n"

    [result] = pdf_signatures(appended, configured_trust_roots())
    [with_new_line] = pdf_signatures(signed_pdf + b"\r\n", configured_trust_roots())

    assert (result["verdict"], result["changes"], result["valid"]) == ("modified", ["appended"], False)
    assert "dữ liệu được nối thêm vào cuối tệp" in result["summary"]
    assert VALID_AND_TRUSTED not in result["summary"]
    assert (with_new_line["verdict"], with_new_line["changes"]) == ("valid", [])  # white space is nothing


def test_a_second_signature_is_a_permitted_later_change_to_the_first(pki, signed_pdf, trust):
    second_signer = make_pki(signer_name="Trần Thị Bình", ca_name="CA Thứ hai")
    trust(pki.ca_pem)

    first, second = pdf_signatures(
        sign_pdf(signed_pdf, second_signer, field_name="ChuKy2"), configured_trust_roots()
    )

    assert (first["verdict"], first["changes"], first["changes_allowed"]) == ("modified", ["signature"], True)
    assert (first["valid"], first["trusted"]) == (True, True)
    assert first["summary"] == (
        "Chữ ký số của Nguyễn Văn An đúng với bản đã ký; sau khi ký, tệp có thay đổi được phép: "
        "thêm chữ ký số khác. Chứng thư số được cấp bởi tổ chức chứng thực được tin cậy."
    )
    # The second covers the whole file; its CA is not configured: sound, not trusted.
    assert (second["signer"], second["verdict"], second["changes"]) == ("Trần Thị Bình", "untrusted", [])


def test_content_changed_then_signed_again_names_both_and_the_second_is_valid(pki, signed_pdf, trust):
    trust(pki.ca_pem)

    first, second = pdf_signatures(
        sign_pdf(append_page_content(signed_pdf), pki, field_name="ChuKy2"), configured_trust_roots()
    )

    assert (first["verdict"], first["changes"], first["valid"]) == ("modified", ["signature", "other"], False)
    assert (second["verdict"], second["changes"], second["valid"]) == ("valid", [], True)


def test_a_form_filled_in_after_signing_is_a_permitted_change(pki, trust):
    trust(pki.ca_pem)
    signed = sign_pdf(pdf_with_form_field("HoTen"), pki)

    [untouched] = pdf_signatures(signed, configured_trust_roots())
    [result] = pdf_signatures(fill_form_field(signed, "HoTen", "Nguyễn Văn An"), configured_trust_roots())

    assert untouched["verdict"] == "valid"
    assert (result["verdict"], result["changes"], result["changes_allowed"]) == (
        "modified",
        ["form_filling"],
        True,
    )
    assert "điền vào biểu mẫu" in result["summary"]


def test_a_file_cut_inside_the_signed_range_is_invalid(pki, signed_pdf, trust):
    trust(pki.ca_pem)
    start = signed_pdf.index(b"/ByteRange [") + len(b"/ByteRange [")
    first, _first_length, second, second_length = map(
        int, signed_pdf[start : signed_pdf.index(b"]", start)].split()
    )
    assert (first, second + second_length) == (0, len(signed_pdf))  # the signature covers the whole file
    cuts = [second + second_length // 2, second + 10]  # the signed bytes after the signature value

    results = [pdf_signatures(signed_pdf[:cut], configured_trust_roots()) for cut in cuts]

    for [result] in results:
        assert (result["verdict"], result["valid"], result["trusted"]) == ("invalid", False, False)
        assert VALID_AND_TRUSTED not in result["summary"]
    # Cut before the signature dictionary, nothing of a signature is left: an unsigned file.
    assert pdf_signatures(signed_pdf[: signed_pdf.index(b"72 800 Td")], configured_trust_roots()) == []


def test_the_four_verdicts_are_worded_again_in_english(pki, signed_pdf, trust):
    trust(pki.ca_pem)
    files = {
        "valid": signed_pdf,
        "modified": append_page_content(signed_pdf),
        "invalid": signed_pdf.replace(b"72 800 Td", b"73 800 Td"),
    }
    stored = {verdict: pdf_signatures(data, configured_trust_roots())[0] for verdict, data in files.items()}
    trust()
    stored["untrusted"] = pdf_signatures(signed_pdf, configured_trust_roots())[0]

    with translation.override("en"):
        english = {verdict: signature_text(signature)["summary"] for verdict, signature in stored.items()}

    assert {verdict: signature["verdict"] for verdict, signature in stored.items()} == {
        verdict: verdict for verdict in stored
    }
    assert english["valid"].startswith("The digital signature of Nguyễn Văn An is valid")
    assert english["untrusted"].startswith("The digital signature of Nguyễn Văn An matches")
    assert "other changes to the file's content" in english["modified"]
    assert "is not valid" in english["invalid"]
    assert len(set(english.values())) == 4


def test_a_signature_stored_before_verdicts_keeps_its_words():
    old = {"signer": "A", "summary": "Chữ ký số của A hợp lệ.", "reason": ""}

    assert signature_text(old) == {"summary": "Chữ ký số của A hợp lệ.", "reason": ""}
