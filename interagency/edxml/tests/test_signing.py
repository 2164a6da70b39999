"""XML-DSig on edXML packets: what verifies, what is untrusted, and hostile input that must not hurt."""

from __future__ import annotations

import base64
import hashlib
import socket
from datetime import timedelta
from functools import partial

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from lxml import etree
from signxml.algorithms import CanonicalizationMethod, DigestAlgorithm, SignatureMethod
from signxml.signer import XMLSigner

from interagency.edxml.certificates import certificate_org_code, generate_authority, issue_certificate
from interagency.edxml.reader import parse
from interagency.edxml.signatures import SignatureCheck, sign_packet, verify_packet
from interagency.edxml.tests.factories import SAMPLES, DocumentPacketFactory, StatusPacketFactory, listed
from interagency.edxml.writer import build

DS = "{http://www.w3.org/2000/09/xmldsig#}"
ORG_A = "000.00.91.H21"
AUTHORITY_NAME = "Tổ chức chứng thực tỉnh Gia Lai"
# The national SDK's packets: a Signature element in the edXML namespace (not XML-DSig), with a
# truncated certificate; status packets carry none.
SAMPLE_STATES = {
    "bad_stray-prefix_edoc_new.edxml": "invalid",
    "edoc_new.edxml": "invalid",
    "edoc_replacement.edxml": "invalid",
    "edoc_revocation.edxml": "invalid",
    "edoc_update.edxml": "invalid",
    "status_inbox_01.edxml": "absent",
    "status_rejection_02.edxml": "absent",
    "status_acceptance_03.edxml": "absent",
    "status_assignment_04.edxml": "absent",
    "status_processing_05.edxml": "absent",
    "status_finish_06.edxml": "absent",
    "status_cancellation_13.edxml": "absent",
    "status_change-acceptance_15.edxml": "absent",
    "status_change-rejection_16.edxml": "absent",
}


# --- fixtures: RSA keys are slow, make each once ---


@pytest.fixture(scope="module")
def authority() -> tuple[bytes, bytes]:
    return generate_authority(AUTHORITY_NAME)


@pytest.fixture(scope="module")
def org_a(authority) -> tuple[bytes, bytes]:
    key, cert = authority
    return issue_certificate(
        authority_key_pem=key, authority_cert_pem=cert, org_code="000.00.91.h21", org_name="Sở Thử nghiệm A"
    )


@pytest.fixture(scope="module")
def impostor(org_a) -> tuple[bytes, bytes]:
    # Another authority with the very same name: trust must rest on its key, not on its name.
    key, cert = generate_authority(AUTHORITY_NAME)
    return issue_certificate(
        authority_key_pem=key, authority_cert_pem=cert, org_code=ORG_A, org_name="Sở Thử nghiệm A"
    )


@pytest.fixture(scope="module")
def signed_document(org_a) -> bytes:
    key, cert = org_a
    return build(DocumentPacketFactory.build(), sign=partial(sign_packet, key_pem=key, cert_pem=cert))


def _verify(data: bytes, authority: tuple[bytes, bytes], **kwargs) -> SignatureCheck:
    return verify_packet(data, trust_roots_pem=[authority[1]], **kwargs)


def _resign_signed_info(root: etree._Element, key_pem: bytes) -> None:
    """Make SignatureValue match SignedInfo again after a test edited it (exclusive c14n, RSA-SHA256)."""
    signature = root.find(f".//{DS}Signature")
    signed_info = signature.find(f"{DS}SignedInfo")
    key = serialization.load_pem_private_key(key_pem, password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    value = key.sign(etree.tostring(signed_info, method="c14n", exclusive=True), PKCS1v15(), hashes.SHA256())
    signature.find(f"{DS}SignatureValue").text = base64.b64encode(value).decode()


def _rsa_size(certificate: x509.Certificate) -> int:
    key = certificate.public_key()
    assert isinstance(key, rsa.RSAPublicKey)
    return key.key_size


# --- the certificates ---


def test_issued_certificate_carries_the_org_code_and_chains_to_the_authority(authority, org_a):
    root = x509.load_pem_x509_certificate(authority[1])
    cert = x509.load_pem_x509_certificate(org_a[1])

    cert.verify_directly_issued_by(root)
    assert root.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is True
    assert cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is False
    assert cert.extensions.get_extension_for_class(x509.KeyUsage).value.digital_signature is True
    assert certificate_org_code(cert) == ORG_A  # normalised from "000.00.91.h21"
    assert _rsa_size(cert) == 2048
    assert _rsa_size(root) == 3072
    assert root.not_valid_after_utc - root.not_valid_before_utc > timedelta(days=20 * 365)


def test_signing_refuses_a_key_that_does_not_match_the_certificate(org_a, impostor):
    root = etree.fromstring(build(StatusPacketFactory.build()))

    with pytest.raises(ValueError, match="do not match"):
        sign_packet(root, key_pem=impostor[0], cert_pem=org_a[1])


# --- signing and verifying ---


def test_signed_document_packet_is_valid_and_parses_back_to_the_same_packet(
    authority, org_a, signed_document
):
    check = _verify(signed_document, authority, expected_org_code=ORG_A)

    der = x509.load_pem_x509_certificate(org_a[1]).public_bytes(serialization.Encoding.DER)
    assert check.state == "valid", check.message
    assert check.org_code == ORG_A
    assert check.fingerprint == hashlib.sha256(der).hexdigest()
    assert ORG_A in check.subject
    assert parse(signed_document) == listed(DocumentPacketFactory.build())


def test_signed_status_packet_is_valid_and_parses_back(authority, org_a):
    key, cert = org_a

    data = build(StatusPacketFactory.build(), sign=partial(sign_packet, key_pem=key, cert_pem=cert))

    assert _verify(data, authority, expected_org_code=ORG_A).state == "valid"
    assert parse(data) == StatusPacketFactory.build()


def test_signature_is_in_the_header_after_the_trace_list_rsa_sha256_with_the_certificate(
    org_a, signed_document
):
    root = etree.fromstring(signed_document)
    header = root[0][0]
    signature = root.find(f".//{DS}Signature")

    assert [etree.QName(child).localname for child in header] == [
        "MessageHeader",
        "TraceHeaderList",
        "Signature",
    ]
    assert signature.getparent() is header
    assert signature.find(f"{DS}SignedInfo/{DS}SignatureMethod").get("Algorithm") == (
        SignatureMethod.RSA_SHA256.value
    )
    assert signature.find(f"{DS}SignedInfo/{DS}Reference/{DS}DigestMethod").get("Algorithm") == (
        DigestAlgorithm.SHA256.value
    )
    assert signature.find(f"{DS}SignedInfo/{DS}Reference").get("URI") == ""
    assert b"sha1" not in signed_document
    certificate = base64.b64decode(signature.find(f".//{DS}X509Certificate").text)
    assert certificate == x509.load_pem_x509_certificate(org_a[1]).public_bytes(serialization.Encoding.DER)


def test_sign_packet_leaves_its_input_alone_and_signing_again_replaces_the_signature(authority, org_a):
    key, cert = org_a
    unsigned = etree.fromstring(build(StatusPacketFactory.build()))

    once = sign_packet(unsigned, key_pem=key, cert_pem=cert)
    twice = sign_packet(once, key_pem=key, cert_pem=cert)

    assert unsigned.find(f".//{DS}Signature") is None
    assert len(twice.findall(f".//{DS}Signature")) == 1
    data = etree.tostring(twice, xml_declaration=True, encoding="UTF-8")
    assert _verify(data, authority).state == "valid"


def test_changing_one_character_of_the_subject_makes_it_invalid(authority, signed_document):
    subject = "V/v kết nối, liên thông phần mềm quản lý văn bản".encode()
    tampered = signed_document.replace(subject, subject.replace(b"V/v", b"V/V"), 1)
    assert tampered != signed_document

    check = _verify(tampered, authority)

    assert check.state == "invalid"
    assert "content changed after signing" in check.message
    assert check.org_code == ""


def test_a_changed_signature_value_is_invalid(authority, signed_document):
    root = etree.fromstring(signed_document)
    value = root.find(f".//{DS}SignatureValue")
    value.text = ("B" if value.text[0] == "A" else "A") + value.text[1:]

    check = _verify(etree.tostring(root), authority)

    assert check.state == "invalid"
    assert "signature does not verify" in check.message


def test_rsa_sha1_signatures_are_accepted_when_verifying(authority, org_a):
    class LegacySigner(XMLSigner):
        def check_deprecated_methods(self) -> None:  # what the national hub still sends
            pass

    key, cert = org_a
    root = etree.fromstring(build(StatusPacketFactory.build()))
    header = root[0][0]
    header.append(etree.Element(f"{DS}Signature", Id="placeholder"))
    signer = LegacySigner(
        signature_algorithm=SignatureMethod.RSA_SHA1,
        digest_algorithm=DigestAlgorithm.SHA1,
        c14n_algorithm=CanonicalizationMethod.CANONICAL_XML_1_0,
    )
    signed = signer.sign(root, key=key, cert=cert.decode())

    check = _verify(etree.tostring(signed), authority)

    assert b"rsa-sha1" in etree.tostring(signed)
    assert check.state == "valid", check.message


@pytest.mark.parametrize(
    ("path", "algorithm"),
    [
        ("SignatureMethod", "http://www.w3.org/2001/04/xmldsig-more#rsa-md5"),
        ("SignatureMethod", "http://www.w3.org/2001/04/xmldsig-more#hmac-sha256"),
        (
            "Reference/{http://www.w3.org/2000/09/xmldsig#}DigestMethod",
            "http://www.w3.org/2001/04/xmldsig-more#md5",
        ),
    ],
)
def test_unacceptable_algorithms_are_invalid(authority, signed_document, path, algorithm):
    root = etree.fromstring(signed_document)
    root.find(f".//{DS}SignedInfo/{DS}{path}").set("Algorithm", algorithm)

    check = _verify(etree.tostring(root), authority)

    assert check.state == "invalid"
    assert "algorithm not accepted" in check.message


# --- trust ---


def test_certificate_from_another_authority_with_the_same_name_is_untrusted(authority, impostor):
    key, cert = impostor
    data = build(DocumentPacketFactory.build(), sign=partial(sign_packet, key_pem=key, cert_pem=cert))

    check = _verify(data, authority, expected_org_code=ORG_A)

    assert check.state == "untrusted"
    assert "not issued by a trusted authority" in check.message
    assert check.org_code == ORG_A  # what the certificate claims, for the log


def test_a_certificate_for_another_org_code_is_untrusted_and_the_code_is_compared_normalised(
    authority, signed_document
):
    wrong = _verify(signed_document, authority, expected_org_code="000.00.92.H21")
    normalised = _verify(signed_document, authority, expected_org_code=" 000.00.91.h21 ")
    nonsense = _verify(signed_document, authority, expected_org_code="not a code")

    assert wrong.state == "untrusted"
    assert "another organisation" in wrong.message
    assert normalised.state == "valid"
    assert nonsense.state == "untrusted"


def test_expired_certificate_is_untrusted_but_valid_when_checked_at_a_time_it_was_valid(authority):
    key, cert = issue_certificate(
        authority_key_pem=authority[0],
        authority_cert_pem=authority[1],
        org_code=ORG_A,
        org_name="Sở Thử nghiệm A",
        years=0,  # valid from five minutes ago until now
    )
    data = build(StatusPacketFactory.build(), sign=partial(sign_packet, key_pem=key, cert_pem=cert))
    issued = x509.load_pem_x509_certificate(cert).not_valid_before_utc

    expired = _verify(data, authority)
    archived = _verify(data, authority, at=issued + timedelta(minutes=1))

    assert expired.state == "untrusted"
    assert "valid only from" in expired.message
    assert archived.state == "valid"


def test_a_packet_without_signature_is_absent(authority):
    assert _verify(build(DocumentPacketFactory.build()), authority).state == "absent"


# --- hostile input ---


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\x00\xff\xfe garbage \x80",
        b"<edXML><edXMLEnvelope>",
        b"<?xml version='1.0' encoding='UTF-8'?><other/>",
        b"1212<?xml version='1.0'?><edXML/>",
    ],
)
def test_garbage_is_invalid_with_a_message(authority, data):
    check = _verify(data, authority)

    assert check.state == "invalid"
    assert check.message


def test_a_truncated_signed_packet_is_invalid(authority, signed_document):
    assert _verify(signed_document[: len(signed_document) // 2], authority).state == "invalid"


def test_a_large_text_node_is_read_but_nesting_past_the_depth_bound_is_invalid(authority):
    large = (
        b"<edXML><edXMLEnvelope><edXMLHeader>"
        + b"A" * (11 * 1024 * 1024)
        + b"</edXMLHeader></edXMLEnvelope></edXML>"
    )
    deep = (
        b"<edXML><edXMLEnvelope><edXMLHeader>"
        + b"<a>" * 100
        + b"</a>" * 100
        + b"</edXMLHeader></edXMLEnvelope></edXML>"
    )

    assert _verify(large, authority).state == "absent"  # past libxml2's 10 MB text node: attachments are
    check = _verify(deep, authority)
    assert check.state == "invalid"
    assert "nested too deep" in check.message


@pytest.fixture
def listener():
    """A loopback port that records whether anyone connected to it."""
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    server.settimeout(0.3)
    yield server
    server.close()


def _no_connection(server: socket.socket) -> bool:
    try:
        connection, _ = server.accept()
    except TimeoutError:
        return True
    connection.close()
    return False


def test_a_doctype_packet_is_invalid_and_its_dtd_is_not_fetched(authority, signed_document, listener):
    port = listener.getsockname()[1]
    declaration = f'<!DOCTYPE edXML SYSTEM "http://127.0.0.1:{port}/edxml.dtd">'.encode()
    data = signed_document.replace(b"?>", b"?>\n" + declaration, 1)

    check = _verify(data, authority)

    assert check.state == "invalid"
    assert "DTD refused" in check.message
    assert _no_connection(listener)


@pytest.mark.parametrize("uri", ["http://127.0.0.1:{port}/x", "file:///etc/passwd", "#edXMLHeader"])
def test_a_reference_other_than_the_whole_packet_is_invalid_and_never_fetched(
    authority, org_a, signed_document, listener, uri
):
    # given: SignedInfo re-signed after the edit, so only the reference itself stands in the way
    uri = uri.format(port=listener.getsockname()[1])
    root = etree.fromstring(signed_document)
    root.find(f".//{DS}Reference").set("URI", uri)
    _resign_signed_info(root, org_a[0])

    check = _verify(etree.tostring(root), authority)

    assert check.state == "invalid"
    assert 'one Reference URI="" required' in check.message
    assert _no_connection(listener)


def test_a_second_signature_is_invalid(authority, signed_document):
    root = etree.fromstring(signed_document)
    signature = root.find(f".//{DS}Signature")
    root.append(etree.fromstring(etree.tostring(signature)))

    check = _verify(etree.tostring(root), authority)

    assert check.state == "invalid"
    assert "more than one signature" in check.message


def test_a_signature_outside_the_header_is_invalid(authority, signed_document):
    root = etree.fromstring(signed_document)
    root.append(root.find(f".//{DS}Signature"))

    check = _verify(etree.tostring(root), authority)

    assert check.state == "invalid"
    assert "outside edXMLHeader" in check.message


def test_a_certificate_that_is_not_der_is_invalid(authority, signed_document):
    root = etree.fromstring(signed_document)
    root.find(f".//{DS}X509Certificate").text = base64.b64encode(b"not a certificate").decode()

    check = _verify(etree.tostring(root), authority)

    assert check.state == "invalid"
    assert "unreadable certificate" in check.message


# --- the national samples ---


@pytest.mark.parametrize("name", sorted(SAMPLE_STATES))
def test_sample_packets_give_a_fixed_state(authority, name):

    check = _verify((SAMPLES / name).read_bytes(), authority)

    assert check.state == SAMPLE_STATES[name], check.message


def test_sample_signature_moved_into_the_xmldsig_namespace_is_still_invalid(authority):
    # Its reference transform URI is not a c14n URI and its certificate is cut short.
    data = (SAMPLES / "edoc_new.edxml").read_bytes()
    data = data.replace(b"<Signature>", b'<Signature xmlns="http://www.w3.org/2000/09/xmldsig#">', 1)

    check = _verify(data, authority)

    assert check.state == "invalid"
    assert "transforms" in check.message
