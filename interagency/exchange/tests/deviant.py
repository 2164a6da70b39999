"""The deviant packets of `interagency/edxml/tests/data/deviant/` (see its README), signed for a
test: by a certificate of their sender, issued by another province's authority, as a peer's
system would send them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from lxml import etree

from interagency.edxml.certificates import generate_authority
from interagency.edxml.signatures import sign_packet

DEVIANT = Path(__file__).resolve().parents[2] / "edxml" / "tests" / "data" / "deviant"
RECIPIENT = "000.00.91.H21"  # the test tenant the files are addressed to


@dataclass(frozen=True)
class Deviant:
    file: str
    sender: str
    warning: str  # the start of the warning it must carry: class and path
    subject: str


FOREIGN = "000.00.45.H36"
DEVIANTS = (
    Deviant(
        "org_other_scheme.edxml", "vxp.saas.03", "M.MessageHeader.From.OrganId", "mã định danh môi trường"
    ),
    Deviant("org_last_group.edxml", "000.00.31.H3A", "M.MessageHeader.From.OrganId", "nhóm cuối"),
    Deviant("code_number_long.edxml", FOREIGN, "R.MessageHeader.Code.CodeNumber", "dài hơn 11"),
    Deviant(
        "date_day_first.edxml",
        FOREIGN,
        "T.MessageHeader.PromulgationInfo.PromulgationDate",
        "dd/MM/yyyy",
    ),
    Deviant("trace_empty_organ.edxml", FOREIGN, ".TraceHeaderList.TraceHeader[1].OrganId", "không có mã"),
    Deviant("trace_null_organ.edxml", FOREIGN, ".TraceHeaderList.TraceHeader[1].OrganId", "(null)"),
    Deviant("attachment_not_zip.edxml", FOREIGN, "T.AttachmentEncoded.Attachment[1]", "khai là ZIP"),
)
SENDERS = sorted({deviant.sender for deviant in DEVIANTS})


def carries(warnings: list[str] | tuple[str, ...], deviant: Deviant) -> bool:
    """Whether ``warnings`` hold the one the deviant packet is about."""
    if deviant.warning.startswith("."):  # either class: the path is what tells it
        return any(deviant.warning in warning.split(":", 1)[0] for warning in warnings)
    return any(warning.startswith(f"{deviant.warning}:") for warning in warnings)


def foreign_authority(name: str = "Tổ chức chứng thực của hệ thống khác") -> tuple[bytes, bytes]:
    """Another system's certification authority: made as the province's own is, under its name."""
    return generate_authority(name)


def foreign_certificate(authority: tuple[bytes, bytes], org_code: str) -> tuple[bytes, bytes]:
    """A signing certificate for ``org_code`` as written (another scheme's too: tinhso's own
    authority issues only standard codes, another system's issues what it uses)."""
    authority_key = serialization.load_pem_private_key(authority[0], password=None)
    assert isinstance(authority_key, rsa.RSAPrivateKey)
    issuer = x509.load_pem_x509_certificate(authority[1])
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(
            x509.Name(
                [
                    x509.NameAttribute(NameOID.COMMON_NAME, f"Văn thư {org_code}"),
                    x509.NameAttribute(NameOID.SERIAL_NUMBER, org_code),
                ]
            )
        )
        .issuer_name(issuer.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(authority_key, hashes.SHA256())
    )
    return _pem_key(key), certificate.public_bytes(serialization.Encoding.PEM)


def _pem_key(key: rsa.RSAPrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def deviant_packet(deviant: Deviant, signer: tuple[bytes, bytes], *, to: str = RECIPIENT) -> bytes:
    """The file, addressed to ``to``, signed by ``signer`` (its sender's key and certificate)."""
    data = (DEVIANT / deviant.file).read_bytes().replace(RECIPIENT.encode(), to.encode())
    signed = sign_packet(etree.fromstring(data), key_pem=signer[0], cert_pem=signer[1])
    return etree.tostring(signed, xml_declaration=True, encoding="UTF-8")
