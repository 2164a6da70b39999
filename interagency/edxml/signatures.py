"""XML-DSig signatures on edXML packets.

``sign_packet`` puts an enveloped RSA-SHA256 signature into ``edXMLHeader``; ``verify_packet`` tells
apart a packet with no signature, one whose signature does not verify, and one that verifies but
whose signer is not trusted (another authority, expired, or another organisation than the sender).

Verification is safe on hostile input: the same hardened parser as ``reader.parse`` (no DTD, no
entities, no network), a size limit, exactly one signature covering the whole packet (``URI=""``,
so no external or fragment references are ever resolved), and any failure is a result, not an
exception. RSA-SHA1 is accepted when verifying (the national samples use it) but never produced.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from lxml import etree
from signxml.algorithms import (
    CanonicalizationMethod,
    DigestAlgorithm,
    SignatureConstructionMethod,
    SignatureMethod,
)
from signxml.exceptions import InvalidDigest
from signxml.signer import XMLSigner
from signxml.verifier import SignatureConfiguration, XMLVerifier

from interagency.edxml.certificates import certificate_org_code, load_rsa_key, now_utc
from interagency.edxml.codes import MAX_PACKET_BYTES, same_org_code
from interagency.edxml.packets import EdxmlError
from interagency.edxml.tree import check_depth, check_prologue, huge_parser, local

DS_NS = "http://www.w3.org/2000/09/xmldsig#"

# Accepted when verifying. SHA-1 only because the national hub's packets still use it; signxml 5
# refuses SHA-1 unless it is listed in SignatureConfiguration explicitly, as here.
ACCEPTED_SIGNATURE_METHODS = frozenset(
    {
        SignatureMethod.RSA_SHA1,
        SignatureMethod.RSA_SHA256,
        SignatureMethod.RSA_SHA384,
        SignatureMethod.RSA_SHA512,
    }
)
ACCEPTED_DIGESTS = frozenset(
    {DigestAlgorithm.SHA1, DigestAlgorithm.SHA256, DigestAlgorithm.SHA384, DigestAlgorithm.SHA512}
)
_ENVELOPED = SignatureConstructionMethod.enveloped.value
_ACCEPTED_TRANSFORMS = frozenset({_ENVELOPED, *(method.value for method in CanonicalizationMethod)})

SignatureState = Literal["valid", "invalid", "absent", "untrusted"]


@dataclass(frozen=True)
class SignatureCheck:
    """The outcome of ``verify_packet``; only ``state == "valid"`` means a trusted signer."""

    state: SignatureState
    org_code: str = ""
    subject: str = ""
    fingerprint: str = ""  # SHA-256 of the signing certificate's DER, hex
    message: str = ""


class _Refused(Exception):
    """A packet whose signature cannot be valid; carries the message for ``SignatureCheck``."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _header(root: etree._Element) -> etree._Element | None:
    for envelope in root:
        if local(envelope) == "edXMLEnvelope":
            for child in envelope:
                if local(child) == "edXMLHeader":
                    return child
    return None


class _HugeSigner(XMLSigner):
    """signxml re-parses the tree it signs: with the parser for large packets."""

    @property
    def parser(self) -> etree.XMLParser:
        return huge_parser()


def sign_packet(
    root: etree._Element, *, key_pem: bytes, cert_pem: bytes, sealed: bool = False
) -> etree._Element:
    """Return a signed copy of the edXML packet ``root`` (``root`` itself is left unchanged).

    Enveloped XML-DSig, RSA-SHA256 over SHA-256 digests, exclusive c14n, the certificate in
    ``KeyInfo/X509Data``, placed in ``edXMLHeader`` after ``TraceHeaderList`` (or ``MessageHeader``).
    A signature already there is replaced: a packet carries the signature of its last handler.
    """
    key = load_rsa_key(key_pem, sealed=sealed)  # sealed: it came out of our seal, checked when made
    certificate = x509.load_pem_x509_certificate(cert_pem)
    if certificate.public_key() != key.public_key():
        raise ValueError("Khóa và chứng thư số không khớp nhau (key and certificate do not match).")
    try:
        # A copy: signxml works on its own copy too, but the placeholder must not land in the caller's
        # tree. Parsed as receivers parse it: what they cannot read is not worth signing.
        # Large attachments are real (scans of 30 MB and more): no text-node limit, depth bounded.
        working = etree.fromstring(etree.tostring(root), huge_parser())
        check_depth(working)
    except etree.XMLSyntaxError as exc:
        raise EdxmlError(
            [f"R.edXML: gói tin vượt giới hạn của bộ phân tích XML, không ký được ({exc})"]
        ) from exc
    header = _header(working)
    if header is None:
        raise EdxmlError(["N.edXMLEnvelope.edXMLHeader: thiếu edXMLHeader, không có chỗ đặt chữ ký"])
    for old in [child for child in header if local(child) == "Signature"]:
        header.remove(old)
    position = 0
    for index, child in enumerate(header):
        if local(child) in ("MessageHeader", "TraceHeaderList"):
            position = index + 1
    # signxml replaces a ds:Signature with Id="placeholder" and leaves it out of the digest.
    placeholder = etree.Element(f"{{{DS_NS}}}Signature", {"Id": "placeholder"}, nsmap={"ds": DS_NS})
    header.insert(position, placeholder)
    signer = _HugeSigner(
        method=SignatureConstructionMethod.enveloped,
        signature_algorithm=SignatureMethod.RSA_SHA256,
        digest_algorithm=DigestAlgorithm.SHA256,
        # Exclusive: SignedInfo's canonical form does not depend on the namespace declarations of the
        # envelope around it, so a hop that re-declares or drops unused prefixes does not break it.
        c14n_algorithm=CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0,
    )
    return signer.sign(working, key=key, cert=[certificate])


# --- verifying -----------------------------------------------------------------------------------


def _parse(data: bytes) -> etree._Element:
    try:
        # The DTD/entity and size refusals first, as in edxml.parse; only then the parser without
        # the text-node limit (large attachments), its depth bounded.
        body = check_prologue(data, max_bytes=MAX_PACKET_BYTES)
        root = etree.fromstring(body, huge_parser())
        if root.getroottree().docinfo.doctype:
            raise _Refused("Gói tin có khai báo DOCTYPE, không được phép (DTD refused).")
        check_depth(root)
    except EdxmlError as exc:
        raise _Refused(f"Gói tin bị từ chối ({'; '.join(exc.errors)}).") from exc
    except (etree.XMLSyntaxError, ValueError) as exc:
        if "limit" in str(exc).lower():
            raise _Refused(
                f"Gói tin vượt giới hạn của bộ phân tích XML (parser limit: {_short(exc)})."
            ) from exc
        raise _Refused(f"Gói tin không phải XML hợp lệ (not well-formed XML: {_short(exc)}).") from exc
    if local(root) != "edXML":
        raise _Refused(f"Phần tử gốc là “{local(root)}”, không phải gói tin edXML (not an edXML packet).")
    return root


def _short(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}"
    return text if len(text) <= 200 else text[:199] + "…"


def _signature(root: etree._Element) -> etree._Element | None:
    """The packet's one XML-DSig signature, None if it has none; refuse every other arrangement."""
    header = _header(root)
    in_header = [child for child in header if local(child) == "Signature"] if header is not None else []
    anywhere = root.findall(f".//{{{DS_NS}}}Signature")
    if not in_header and not anywhere:
        return None
    if len(anywhere) > 1:
        raise _Refused(f"Gói tin có {len(anywhere)} chữ ký, chỉ được có một (more than one signature).")
    if not anywhere:
        raise _Refused(
            "Phần tử Signature không thuộc không gian tên XML-DSig (Signature not in the XML-DSig namespace)."
        )
    signature = anywhere[0]
    if signature.getparent() is not header:
        raise _Refused("Chữ ký không nằm trong edXMLHeader (signature outside edXMLHeader).")
    return signature


def _check_structure(signature: etree._Element) -> x509.Certificate:
    """Refuse what signxml would let through but a packet's signature must not be; return its certificate."""
    ns = {"ds": DS_NS}
    references = signature.findall("ds:SignedInfo/ds:Reference", ns)
    # Only the whole packet: a fragment reference signs part of it (wrapping), any other URI would
    # make the verifier fetch something.
    if len(references) != 1 or references[0].get("URI") != "":
        uris = ", ".join(repr(reference.get("URI")) for reference in references) or "none"
        raise _Refused(
            'Chữ ký phải phủ toàn bộ gói tin bằng một tham chiếu URI="" '
            f'(one Reference URI="" required, got {uris}).'
        )
    transforms = [t.get("Algorithm") for t in references[0].findall("ds:Transforms/ds:Transform", ns)]
    unknown = [algorithm for algorithm in transforms if algorithm not in _ACCEPTED_TRANSFORMS]
    if unknown or _ENVELOPED not in transforms:
        raise _Refused(
            "Phép biến đổi không được chấp nhận "
            f"(transforms must be enveloped-signature and c14n: {transforms})."
        )
    for path, accepted in (
        ("ds:SignedInfo/ds:SignatureMethod", ACCEPTED_SIGNATURE_METHODS),
        ("ds:SignedInfo/ds:Reference/ds:DigestMethod", ACCEPTED_DIGESTS),
    ):
        element = signature.find(path, ns)
        algorithm = element.get("Algorithm") if element is not None else None
        if algorithm not in {member.value for member in accepted}:
            raise _Refused(f"Thuật toán không được chấp nhận (algorithm not accepted: {algorithm}).")
    certificates = signature.findall("ds:KeyInfo/ds:X509Data/ds:X509Certificate", ns)
    if not certificates:
        raise _Refused("Chữ ký không kèm chứng thư số X.509 (no X509Certificate in KeyInfo).")
    try:
        der = base64.b64decode("".join((certificates[0].text or "").split()), validate=True)
        certificate = x509.load_der_x509_certificate(der)
        # Fields are parsed lazily: read now what the trust check reads later, so that a malformed
        # one is refused here instead of raising there.
        certificate.subject.rfc4514_string()
        certificate.issuer.rfc4514_string()
        _ = certificate.extensions
    except Exception as exc:  # any parsing error of an attacker's certificate
        raise _Refused(
            f"Chứng thư số trong chữ ký không đọc được (unreadable certificate: {_short(exc)})."
        ) from exc
    return certificate


def _verify_cryptography(root: etree._Element, certificate: x509.Certificate) -> None:
    config = SignatureConfiguration(
        require_x509=True,
        expect_references=1,
        signature_methods=ACCEPTED_SIGNATURE_METHODS,
        digest_algorithms=ACCEPTED_DIGESTS,
        # Validity is judged afterwards and reported as "untrusted": here only the mathematics.
        verification_time=certificate.not_valid_before_utc,
    )
    try:
        # x509_cert: the key is the certificate's, checked against our roots below rather than
        # signxml's chain builder (certifi's web roots by default). parser: the hardened one.
        XMLVerifier().verify(root, x509_cert=certificate, parser=huge_parser(), expect_config=config)
    except InvalidDigest as exc:
        raise _Refused(
            f"Nội dung gói tin đã bị thay đổi sau khi ký (content changed after signing: {exc})."
        ) from exc
    except Exception as exc:
        # Hostile input can reach any error path inside signxml/lxml; none of them is a valid signature.
        raise _Refused(f"Chữ ký số không hợp lệ (signature does not verify: {_short(exc)}).") from exc


def _issuing_root(certificate: x509.Certificate, roots: list[x509.Certificate]) -> x509.Certificate | None:
    for root in roots:
        if root.subject != certificate.issuer:
            continue
        try:
            certificate.verify_directly_issued_by(root)
        except (ValueError, TypeError, InvalidSignature, UnsupportedAlgorithm):
            continue
        return root
    return None


def _is_ca(certificate: x509.Certificate) -> bool:
    try:
        constraints = certificate.extensions.get_extension_for_class(x509.BasicConstraints).value
    except x509.ExtensionNotFound:
        return False
    return constraints.ca


def _may_sign(certificate: x509.Certificate) -> bool:
    try:
        usage = certificate.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return True
    return usage.digital_signature or usage.content_commitment


def _valid_at(certificate: x509.Certificate, moment: datetime) -> bool:
    return certificate.not_valid_before_utc <= moment <= certificate.not_valid_after_utc


def _trust_problem(
    certificate: x509.Certificate,
    roots: list[x509.Certificate],
    org_code: str,
    expected_org_code: str | None,
    moment: datetime,
) -> str:
    """Why a signature that verifies still cannot be trusted, or "" if it can."""
    root = _issuing_root(certificate, roots)
    if root is None or not _is_ca(root) or _is_ca(certificate):
        return (
            "Chứng thư số không do tổ chức chứng thực tin cậy cấp "
            f"(certificate not issued by a trusted authority: issuer {certificate.issuer.rfc4514_string()})."
        )
    if not _valid_at(root, moment):
        return "Chứng thư của tổ chức chứng thực đã hết hạn (authority certificate expired or not yet valid)."
    if not _valid_at(certificate, moment):
        return (
            "Chứng thư số đã hết hạn hoặc chưa có hiệu lực (certificate valid only from "
            f"{certificate.not_valid_before_utc:%Y-%m-%d} to {certificate.not_valid_after_utc:%Y-%m-%d})."
        )
    if not _may_sign(certificate):
        return "Chứng thư số không được dùng để ký (key usage does not allow signing)."
    if expected_org_code is not None:
        expected = expected_org_code.strip()
        if not org_code or not same_org_code(org_code, expected):
            return (
                f"Chứng thư số cấp cho “{org_code or '?'}”, không phải cơ quan gửi “{expected}” "
                "(certificate belongs to another organisation)."
            )
    return ""


def verify_packet(
    data: bytes,
    *,
    trust_roots_pem: list[bytes],
    expected_org_code: str | None = None,
    at: datetime | None = None,
) -> SignatureCheck:
    """Check the signature of the edXML packet ``data``; never raises on what ``data`` holds.

    ``trust_roots_pem``: authority certificates (each PEM may hold several); the signer's
    certificate must be issued directly by one of them. ``expected_org_code``: the sender, which
    the certificate's organisation code must match. ``at``: when validity periods are judged
    (default now). An unreadable trust root is a configuration error and raises ``ValueError``.
    """
    roots = [root for pem in trust_roots_pem for root in x509.load_pem_x509_certificates(pem)]
    try:
        root = _parse(data)
        signature = _signature(root)
        if signature is None:
            return SignatureCheck("absent", message="Gói tin không có chữ ký số (no signature).")
        certificate = _check_structure(signature)
        _verify_cryptography(root, certificate)
    except _Refused as refused:
        return SignatureCheck("invalid", message=refused.message)
    return _judged(certificate, roots, expected_org_code, at)


def signer_check(
    cert_pem: bytes,
    *,
    trust_roots_pem: list[bytes],
    expected_org_code: str | None = None,
    at: datetime | None = None,
) -> SignatureCheck:
    """What `verify_packet` says of a signature made in this process with the key of ``cert_pem``
    (the signer's own, so the signature itself is known good): whether the certificate is trusted
    for ``expected_org_code``."""
    roots = [root for pem in trust_roots_pem for root in x509.load_pem_x509_certificates(pem)]
    return _judged(x509.load_pem_x509_certificate(cert_pem), roots, expected_org_code, at)


def _judged(
    certificate: x509.Certificate,
    roots: list[x509.Certificate],
    expected_org_code: str | None,
    at: datetime | None,
) -> SignatureCheck:
    org_code = certificate_org_code(certificate)
    problem = _trust_problem(certificate, roots, org_code, expected_org_code, at or now_utc())
    return SignatureCheck(
        "untrusted" if problem else "valid",
        org_code=org_code,
        subject=certificate.subject.rfc4514_string(),
        fingerprint=certificate.fingerprint(hashes.SHA256()).hex(),
        message=problem or f"Chữ ký số hợp lệ của {org_code or '?'} (valid signature).",
    )
