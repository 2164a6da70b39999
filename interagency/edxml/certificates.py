"""The province's small PKI for the hub: one authority (``generate_authority``) issues each agency
an RSA key and a certificate carrying its organisation code in the subject's ``serialNumber``
(``issue_certificate``). Private keys come out as unencrypted PKCS#8 PEM: whoever stores them seals
them as a whole (the hub's ``sealing``)."""

from __future__ import annotations

import functools
from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from interagency.edxml.codes import InvalidOrgCode, org_code_key, org_code_normal

AUTHORITY_KEY_BITS = 3072
AUTHORITY_YEARS = 20
CERTIFICATE_KEY_BITS = 2048
# Certificates start a little in the past so a receiver whose clock runs behind accepts them.
_BACKDATE = timedelta(minutes=5)
# RFC 5280 upper bound for commonName and organizationName; longer names are cut, the code is kept.
_NAME_MAX = 64


def now_utc() -> datetime:
    return datetime.now(UTC)


def _years(count: int) -> timedelta:
    return timedelta(days=round(365.25 * count))


def _private_pem(key: rsa.RSAPrivateKey) -> bytes:
    # Unencrypted PKCS#8: at rest it is sealed with ``seal`` as a whole.
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


@functools.lru_cache(maxsize=1024)
def load_rsa_key(key_pem: bytes, *, sealed: bool = False) -> rsa.RSAPrivateKey:
    # Cached: loading checks the RSA key's consistency (~40 ms, a cold worker signing for 50
    # agencies pays it 50 times). A key opened from the seal (Fernet: authenticated, written by
    # us) was checked when it was made, so it skips the check.
    key = serialization.load_pem_private_key(key_pem, password=None, unsafe_skip_rsa_key_validation=sealed)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError("Khóa không phải RSA (not an RSA private key).")
    return key


def generate_authority(common_name: str) -> tuple[bytes, bytes]:
    """Make the province's certification authority: (private key PEM, self-signed certificate PEM)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=AUTHORITY_KEY_BITS)
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, common_name[:_NAME_MAX]),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, common_name[:_NAME_MAX]),
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
        ]
    )
    now = now_utc()
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - _BACKDATE)
        .not_valid_after(now + _years(AUTHORITY_YEARS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return _private_pem(key), certificate.public_bytes(serialization.Encoding.PEM)


def issue_certificate(
    *, authority_key_pem: bytes, authority_cert_pem: bytes, org_code: str, org_name: str, years: int = 3
) -> tuple[bytes, bytes]:
    """Issue one organisation's signing key and certificate: (private key PEM, certificate PEM).

    The organisation code goes into the subject's ``serialNumber`` (normalised; an invalid code
    raises ``InvalidOrgCode``); the certificate never outlives the authority's.
    """
    code = org_code_normal(org_code)
    authority_key = load_rsa_key(authority_key_pem)
    authority = x509.load_pem_x509_certificate(authority_cert_pem)
    if authority.public_key() != authority_key.public_key():
        raise ValueError(
            "Khóa và chứng thư của tổ chức chứng thực không khớp (CA key and certificate differ)."
        )
    key = rsa.generate_private_key(public_exponent=65537, key_size=CERTIFICATE_KEY_BITS)
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, org_name[:_NAME_MAX]),
            x509.NameAttribute(NameOID.COMMON_NAME, org_name[:_NAME_MAX]),
            x509.NameAttribute(NameOID.SERIAL_NUMBER, code),
        ]
    )
    now = now_utc()
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(authority.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - _BACKDATE)
        .not_valid_after(min(now + _years(years), authority.not_valid_after_utc))
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
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(authority_key.public_key()), critical=False
        )
        .sign(authority_key, hashes.SHA256())
    )
    return _private_pem(key), certificate.public_bytes(serialization.Encoding.PEM)


def certificate_org_code(certificate: x509.Certificate) -> str:
    """The organisation code in a certificate's subject (serialNumber, else UID) as ``org_code_key``
    (another scheme's code kept verbatim), or "" if none is usable."""
    for oid in (NameOID.SERIAL_NUMBER, NameOID.USER_ID):
        for attribute in certificate.subject.get_attributes_for_oid(oid):
            value = attribute.value if isinstance(attribute.value, str) else attribute.value.decode("latin-1")
            try:
                return org_code_key(value)
            except InvalidOrgCode:
                continue
    return ""
