"""edXML library: the real sample packets, round trips, hostile input and the hub's error shape."""

from __future__ import annotations

import base64
import io
import zipfile
from dataclasses import replace

import pytest

from interagency.edxml.codes import NS
from interagency.edxml.packets import DocumentPacket, EdxmlError, StatusPacket
from interagency.edxml.reader import parse
from interagency.edxml.tests.factories import DocumentPacketFactory, StatusPacketFactory, sample
from interagency.edxml.writer import build

SAMPLE_DOCUMENT_ID = "000.00.00.G22,2015/09/30,7816/VPCP-TTĐT"
EXPECTED = {
    "edoc_new.edxml": ("edoc-new", None),
    "edoc_revocation.edxml": ("edoc-revoke", None),
    "edoc_update.edxml": ("edoc-update", None),
    "edoc_replacement.edxml": ("edoc-replace", None),
    "status_inbox_01.edxml": ("status", "01"),
    "status_rejection_02.edxml": ("status", "02"),
    "status_acceptance_03.edxml": ("status", "03"),
    "status_assignment_04.edxml": ("status", "04"),
    "status_processing_05.edxml": ("status", "05"),
    "status_finish_06.edxml": ("status", "06"),
    "status_cancellation_13.edxml": ("status", "13"),
    "status_change-acceptance_15.edxml": ("status", "15"),
    "status_change-rejection_16.edxml": ("status", "16"),
}


def _sample(name: str) -> bytes:
    return sample(name)


def _document(**changes) -> DocumentPacket:
    return DocumentPacketFactory.build(**changes)


def _status(**changes) -> StatusPacket:
    return StatusPacketFactory.build(**changes)


def _errors(data: bytes, **limits) -> list[str]:
    with pytest.raises(EdxmlError) as caught:
        parse(data, **limits)
    return caught.value.errors


def _zip_b64(name: str, data: bytes) -> str:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(name, data)
    return base64.b64encode(buffer.getvalue()).decode()


def _with_attachment_text(encoded: str) -> bytes:
    text = build(_document()).decode()
    start = text.index("<edXML:ContentTransferEncoded>") + len("<edXML:ContentTransferEncoded>")
    end = text.index("</edXML:ContentTransferEncoded>")
    return (text[:start] + encoded + text[end:]).encode()


# --- real packets ---


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_sample_packet_parses_with_its_kind_and_status(name):
    packet = parse(_sample(name))

    kind, status_code = EXPECTED[name]
    assert packet.kind == kind
    assert packet.document_id == SAMPLE_DOCUMENT_ID
    if status_code is None:
        assert isinstance(packet, DocumentPacket)
        assert packet.attachments[0].name == "1896_QD-TTg_m_294779.doc"
        assert len(packet.attachments[0].data) == 388347
        assert packet.attachments[0].content_id == "209"
    else:
        assert isinstance(packet, StatusPacket)
        assert packet.status_code == status_code


def test_sample_variants_are_read_three_part_organ_id_and_business_lists():
    new = parse(_sample("edoc_new.edxml"))
    update = parse(_sample("edoc_update.edxml"))
    replacement = parse(_sample("edoc_replacement.edxml"))

    assert isinstance(new, DocumentPacket)
    assert new.recipients[0].organ_id == "28.22.H17"
    assert new.recipients[0].organization_in_charge.startswith("UBND xã Hòa Sơn")  # stray space stripped
    assert isinstance(update, DocumentPacket)
    assert update.receivers == (("000.00.00.H41", 0), ("000.00.00.H14", 1))
    assert isinstance(replacement, DocumentPacket)
    assert replacement.replacements[0].organ_ids == ("000.00.00.H41", "000.00.00.H14")


def test_stray_bytes_before_the_declaration_give_a_clear_error():
    errors = _errors(_sample("bad_stray-prefix_edoc_new.edxml"))

    assert len(errors) == 1
    assert errors[0].startswith("T.edXML:")
    assert "1212" in errors[0]
    assert "stray bytes" in errors[0]


def test_a_byte_order_mark_is_accepted():
    packet = parse(b"\xef\xbb\xbf" + _sample("status_inbox_01.edxml"))

    assert isinstance(packet, StatusPacket)
    assert packet.status_code == "01"


# --- round trip ---


def test_document_packet_round_trips_with_two_recipients_and_an_attachment():
    packet = _document()

    data = build(packet)

    assert data.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    assert b"<edXML:PromulgationDate>2026/11/20</edXML:PromulgationDate>" in data
    assert b"<edXML:ContentId>cid:1</edXML:ContentId>" in data
    assert parse(data) == packet


@pytest.mark.parametrize("doc_type", [1, 2, 3])
def test_business_document_types_round_trip(doc_type):
    packet = _document(business_doc_type=doc_type, business_reason="Lý do", receivers=(("000.00.92.H21", 1),))

    assert parse(build(packet)) == packet


def test_status_packet_round_trips():
    packet = _status()

    assert parse(build(packet)) == packet


def test_status_children_are_accepted_in_any_order():
    text = build(_status()).decode()
    start, end = (
        text.index("<edXML:StatusCode>"),
        text.index("</edXML:Timestamp>") + len("</edXML:Timestamp>"),
    )
    tail = text[start:end]
    moved = text.replace(tail, "").replace("<edXML:From>", tail + "<edXML:From>", 1)

    assert parse(moved.encode()) == _status()


def test_content_id_without_cid_prefix_and_unprefixed_attachment_elements_are_read():
    text = build(_document()).decode()
    start, end = text.index("<edXML:AttachmentEncoded>"), text.rindex("</edXML:edXML>")
    section = text[start:end].replace("edXML:", "").replace("cid:1", "1")
    section = section.replace("<AttachmentEncoded>", f'<AttachmentEncoded xmlns="{NS}">', 1)
    text = text[:start] + section + text[end:]

    packet = parse(text.encode())

    assert isinstance(packet, DocumentPacket)
    assert packet.attachments == _document().attachments


def test_build_refuses_a_packet_that_would_not_read_back_the_same():
    with pytest.raises(EdxmlError) as caught:
        build(_document(subject="  Trích yếu có khoảng trắng  "))

    assert caught.value.errors == ["M.subject: giá trị không ở dạng chuẩn, đọc lại sẽ khác (not canonical)"]


def test_build_refuses_a_malformed_document_id():
    with pytest.raises(EdxmlError) as caught:
        build(_document(document_id="125/STN-VP"))

    assert caught.value.errors[0].startswith("T.MessageHeader.DocumentId:")


def test_build_calls_the_signing_hook_before_serialising():
    def sign(root):
        header = root[0][0]
        header.append(header.makeelement("{http://www.w3.org/2000/09/xmldsig#}Signature"))

    data = build(_status(), sign=sign)

    assert b"xmldsig#" in data
    assert parse(data) == _status()


# --- hostile input ---

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<edXML>&lol3;</edXML>"""
EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE edXML [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<edXML><edXMLEnvelope><edXMLHeader><MessageHeader><StatusCode>&xxe;</StatusCode>
</MessageHeader></edXMLHeader></edXMLEnvelope></edXML>"""
PLAIN_DOCTYPE = b'<?xml version="1.0"?>\n<!DOCTYPE edXML SYSTEM "http://127.0.0.1:1/edxml.dtd">\n<edXML/>'


@pytest.mark.parametrize("data", [BILLION_LAUGHS, EXTERNAL_ENTITY, PLAIN_DOCTYPE])
def test_dtds_and_entities_are_refused(data):
    errors = _errors(data)

    assert errors == ["M.edXML: gói tin có khai báo DOCTYPE/ENTITY, không được phép (DTD refused)"]


def test_packet_over_the_size_limit_is_refused_before_parsing():
    errors = _errors(b"<" + b"x" * 2000, max_bytes=1000)

    assert errors[0].startswith("R.edXML:")


def test_attachment_over_the_base64_cap_is_refused_before_decoding():
    data = _with_attachment_text("QUFB" * 1000)

    errors = _errors(data, max_attachment_base64=2000)

    assert errors[0].startswith("R.AttachmentEncoded.Attachment[1].ContentTransferEncoded:")


def test_zip_bomb_is_refused():
    data = _with_attachment_text(_zip_b64("bomb.bin", bytes(5 * 1024 * 1024)))

    errors = _errors(data, max_attachment_bytes=1024 * 1024)

    assert errors[0].startswith("R.AttachmentEncoded.Attachment[1].ContentTransferEncoded:")


def test_zip_with_two_files_and_broken_base64_are_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("a.txt", b"a")
        archive.writestr("b.txt", b"b")

    two_files = _errors(_with_attachment_text(base64.b64encode(buffer.getvalue()).decode()))
    broken = _errors(_with_attachment_text("not base64!"))

    assert two_files[0].startswith("M.AttachmentEncoded.Attachment[1].ContentTransferEncoded:")
    assert broken[0].startswith("T.AttachmentEncoded.Attachment[1].ContentTransferEncoded:")


def test_not_well_formed_xml_is_refused():
    errors = _errors(b"<edXML><unclosed></edXML>")

    assert errors[0].startswith("T.edXML: XML không hợp lệ")


# --- validation errors in the hub's shape ---


def _edit(old: str, new: str) -> bytes:
    text = build(_document()).decode()
    assert old in text
    return text.replace(old, new, 1).encode()


def test_missing_code_number_is_an_n_error_with_its_path():
    errors = _errors(_edit("<edXML:CodeNumber>125</edXML:CodeNumber>", ""))

    assert [e.split(":")[0] for e in errors] == ["N.MessageHeader.Code.CodeNumber"]


def test_too_long_subject_and_code_number_are_r_errors():
    data = _edit(
        "<edXML:CodeNumber>125</edXML:CodeNumber>", "<edXML:CodeNumber>123456789012</edXML:CodeNumber>"
    )
    data = data.replace(b"V/v k", b"V/v " + b"x" * 500 + b" k", 1)

    errors = _errors(data)

    assert [e.split(":")[0] for e in errors] == ["R.MessageHeader.Code.CodeNumber", "R.MessageHeader.Subject"]


def test_bad_priority_and_unknown_status_code_are_m_errors():
    priority = _errors(_edit("<edXML:Priority>1</edXML:Priority>", "<edXML:Priority>7</edXML:Priority>"))
    status = _errors(build(_status()).replace(b">03<", b">07<"))

    assert [e.split(":")[0] for e in priority] == ["M.MessageHeader.OtherInfo.Priority"]
    assert [e.split(":")[0] for e in status] == ["M.MessageHeader.StatusCode"]


def test_bad_date_format_is_a_t_error():
    errors = _errors(_edit("<edXML:PromulgationDate>2026/11/20<", "<edXML:PromulgationDate>20-11-2026<"))

    assert [e.split(":")[0] for e in errors] == ["T.MessageHeader.PromulgationInfo.PromulgationDate"]
    assert "yyyy/MM/dd" in errors[0]


def test_duplicate_recipient_and_no_recipient_are_refused():
    packet = _document()
    duplicate = build(packet).replace(b"28.22.H17", b"000.00.92.H21")
    text = build(replace(packet, recipients=packet.recipients[:1])).decode()
    start, end = text.index("<edXML:To>"), text.index("</edXML:To>") + len("</edXML:To>")
    no_recipient = (text[:start] + text[end:]).encode()

    assert [e.split(":")[0] for e in _errors(duplicate)] == ["M.MessageHeader.To[2]"]
    assert [e.split(":")[0] for e in _errors(no_recipient)] == ["N.MessageHeader.To"]


def test_bad_organ_id_is_an_m_error_with_the_org_code_message():
    errors = _errors(build(_status()).replace(b"000.00.92.H21", b"SO-TN-B"))

    assert errors[0].startswith("M.MessageHeader.From.OrganId: Mã định danh “SO-TN-B” không đúng định dạng")
