"""edXML library: the real sample packets, round trips, hostile input and the hub's error shape."""

from __future__ import annotations

import base64
import io
import os
import zipfile
from dataclasses import replace
from datetime import date
from functools import partial

import pytest

from interagency.edxml.certificates import generate_authority, issue_certificate
from interagency.edxml.codes import NS, InvalidOrgCode, org_code_key, org_code_normal, same_org_code
from interagency.edxml.packets import Attachment, AttachmentBudget, DocumentPacket, EdxmlError, StatusPacket
from interagency.edxml.reader import parse, parse_known, read_attachments, remember
from interagency.edxml.signatures import sign_packet, verify_packet
from interagency.edxml.tests.factories import DocumentPacketFactory, StatusPacketFactory, listed, sample
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


def _errors(data: bytes, **options) -> list[str]:
    with pytest.raises(EdxmlError) as caught:
        parse(data, **options)
    return caught.value.errors


def _warnings(data: bytes) -> list[str]:
    """The packet is accepted when read tolerantly, refused when strict: its warnings' paths."""
    strict = _errors(data, strict=True)
    packet = parse(data)
    assert [w.split(":")[0] for w in packet.warnings] == [e.split(":")[0] for e in strict]
    return list(packet.warnings)


def _read_errors(data: bytes, **options) -> list[str]:
    with pytest.raises(EdxmlError) as caught:
        read_attachments(data, **options)
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
        assert packet.attachments[0].data == b""  # listed, not decoded
        assert packet.attachments[0].size == 388347
        assert packet.attachments[0].content_id == "209"
        [read] = read_attachments(_sample(name))
        assert (read.name, read.content_id, read.broken) == ("1896_QD-TTg_m_294779.doc", "209", "")
        assert len(read.data) == 388347
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
    assert parse(data) == listed(packet)
    assert parse(data).warnings == ()
    assert [(a.name, a.data, a.broken) for a in read_attachments(data)] == [
        (a.name, a.data, "") for a in packet.attachments
    ]


def test_an_attachment_is_written_as_the_zip_it_is_whatever_the_files_own_type():
    # The reference parser (EdXML102) unzips only an attachment whose ContentType says ZIP; any
    # other type and its receivers get the ZIP itself under the file's name.
    pdf = Attachment(content_id="1", name="cong-van.pdf", data=b"%PDF-1.7 x", content_type="application/pdf")

    data = build(_document(attachments=(pdf,)))

    assert data.count(b"<edXML:ContentType>application/zip</edXML:ContentType>") == 2  # manifest, attachment
    assert b"application/pdf" not in data
    assert [(a.name, a.data, a.content_type) for a in read_attachments(data)] == [
        ("cong-van.pdf", b"%PDF-1.7 x", "application/zip")
    ]


def _zipped_entries(data: bytes) -> list[tuple[str, int]]:
    root = data.split(b"<edXML:ContentTransferEncoded>")[1:]
    found: list[tuple[str, int]] = []
    for chunk in root:
        raw = base64.b64decode(chunk.split(b"</edXML:ContentTransferEncoded>")[0])
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            found.extend((info.filename, info.compress_type) for info in archive.infolist())
    return found


def test_a_file_that_does_not_shrink_is_stored_in_its_zip_and_the_rest_deflated():
    # A scan or a PDF is compressed already: deflating it again is time spent for nothing.
    scan = Attachment(content_id="1", name="scan.pdf", data=os.urandom(200 * 1024))
    words = ["Kính", "gửi", "các", "đơn", "vị", "báo", "cáo", "tình", "hình", "thực", "hiện", "năm"]
    prose = " ".join(words[(n * n + 7 * n) % len(words)] + str(n % 97) for n in range(20000))
    text = Attachment(content_id="2", name="notes.txt", data=prose.encode())

    data = build(_document(attachments=(scan, text)))

    assert _zipped_entries(data) == [("scan.pdf", zipfile.ZIP_STORED), ("notes.txt", zipfile.ZIP_DEFLATED)]
    assert len(data) < (200 * 1024 + len(text.data) / 2) * 4 / 3  # the text did shrink
    assert [(a.name, a.data, a.broken) for a in read_attachments(data)] == [
        ("scan.pdf", scan.data, ""),
        ("notes.txt", text.data, ""),
    ]
    assert build(_document(attachments=(scan, text))) == data  # still the same bytes each time


@pytest.mark.parametrize("doc_type", [1, 2, 3])
def test_business_document_types_round_trip(doc_type):
    packet = _document(business_doc_type=doc_type, business_reason="Lý do", receivers=(("000.00.92.H21", 1),))

    assert parse(build(packet)) == listed(packet)


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
    assert packet.attachments == listed(_document()).attachments


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


def test_attachments_over_the_count_or_base64_budget_are_refused_by_parse():
    data = _with_attachment_text("QUFB" * 1000)

    too_large = _errors(data, budget=AttachmentBudget(max_encoded_bytes=2000))
    too_many = _errors(build(_document()), budget=AttachmentBudget(max_count=0))

    assert too_large[0].startswith("R.AttachmentEncoded: tệp đính kèm 4000 ký tự base64")
    assert too_many[0].startswith("R.AttachmentEncoded: 1 tệp đính kèm, tối đa 0")
    assert _read_errors(data, budget=AttachmentBudget(max_encoded_bytes=2000)) == too_large


def test_parse_lists_a_zip_bomb_without_decompressing_and_read_attachments_refuses_it():
    data = _with_attachment_text(_zip_b64("bomb.bin", bytes(5 * 1024 * 1024)))

    packet = parse(data)
    errors = _read_errors(data)

    assert isinstance(packet, DocumentPacket)
    assert packet.attachments[0].size == 5 * 1024 * 1024  # declared, not decompressed
    assert errors[0].startswith(
        "R.AttachmentEncoded.Attachment[1].ContentTransferEncoded: tỷ lệ nén vượt 200"
    )


def test_a_zip_that_lies_about_its_size_is_not_inflated_past_its_declaration():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("bomb.bin", bytes(5 * 1024 * 1024))
    zipped = buffer.getvalue()
    # Declares 1 KB unzipped (local header and central directory): inflating stops there.
    lying = zipped.replace((5 * 1024 * 1024).to_bytes(4, "little"), (1024).to_bytes(4, "little"))

    [read] = read_attachments(_with_attachment_text(base64.b64encode(lying).decode()))

    assert read.broken.startswith("ZIP hỏng (corrupt ZIP: Bad CRC-32")
    assert read.data == lying


def test_decompressed_total_over_the_budget_is_refused():
    data = build(_document())

    errors = _read_errors(data, budget=AttachmentBudget(max_total_bytes=1000))

    assert errors[0].startswith(
        "R.AttachmentEncoded.Attachment[1].ContentTransferEncoded: tệp đính kèm giải nén"
    )


def test_a_zip_member_compressed_otherwise_than_stored_or_deflate_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_BZIP2) as archive:
        archive.writestr("a.txt", b"a" * 100)

    errors = _read_errors(_with_attachment_text(base64.b64encode(buffer.getvalue()).decode()))

    assert errors[0].startswith(
        "M.AttachmentEncoded.Attachment[1].ContentTransferEncoded: phương thức nén 12"
    )


def test_broken_attachments_are_kept_raw_and_flagged_while_the_packet_is_read():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("a.txt", b"a")
        archive.writestr("b.txt", b"b")
    two_files = buffer.getvalue()
    pdf = b"%PDF-1.7 not zipped"

    cases = {
        base64.b64encode(two_files).decode(): (two_files, "ZIP phải chứa đúng một tệp, có 2"),
        base64.b64encode(pdf).decode(): (pdf, "không phải tệp ZIP"),
        "not base64!": (b"not base64!", "không phải base64 hợp lệ"),
    }
    for text, (raw, reason) in cases.items():
        data = _with_attachment_text(text)
        [read] = read_attachments(data)

        assert isinstance(parse(data), DocumentPacket)
        assert (read.name, read.data) == ("cong-van.pdf", raw)
        assert read.broken.startswith(reason)


def test_not_well_formed_xml_is_refused():
    errors = _errors(b"<edXML><unclosed></edXML>")

    assert errors[0].startswith("T.edXML: XML không hợp lệ")


# --- validation errors in the hub's shape ---


def _edit(old: str, new: str) -> bytes:
    text = build(_document()).decode()
    assert old in text
    return text.replace(old, new, 1).encode()


def test_missing_code_number_is_an_n_warning_with_its_path():
    warnings = _warnings(_edit("<edXML:CodeNumber>125</edXML:CodeNumber>", ""))

    assert [w.split(":")[0] for w in warnings] == ["N.MessageHeader.Code.CodeNumber"]


def test_too_long_subject_and_code_number_are_r_warnings_and_kept_whole():
    data = _edit(
        "<edXML:CodeNumber>125</edXML:CodeNumber>", "<edXML:CodeNumber>123456789012</edXML:CodeNumber>"
    )
    data = data.replace(b"V/v k", b"V/v " + b"x" * 500 + b" k", 1)

    warnings = _warnings(data)
    packet = parse(data)

    assert [w.split(":")[0] for w in warnings] == [
        "R.MessageHeader.Code.CodeNumber",
        "R.MessageHeader.Subject",
    ]
    assert isinstance(packet, DocumentPacket)
    assert packet.code_number == "123456789012"
    assert len(packet.subject) > 500


def test_bad_priority_and_unknown_status_code_are_m_warnings_priority_falls_back():
    priority = _edit("<edXML:Priority>1</edXML:Priority>", "<edXML:Priority>7</edXML:Priority>")
    status = build(_status()).replace(b">03<", b">07<")

    assert [w.split(":")[0] for w in _warnings(priority)] == ["M.MessageHeader.OtherInfo.Priority"]
    assert [w.split(":")[0] for w in _warnings(status)] == ["M.MessageHeader.StatusCode"]
    assert parse(priority).priority == 0  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("written", "read"),
    [
        ("20/11/2026", date(2026, 11, 20)),
        ("2026-11-20", date(2026, 11, 20)),
        ("20-11-2026", date(2026, 11, 20)),
    ],
)
def test_dates_of_other_formats_are_read_with_a_t_warning(written, read):
    data = _edit("<edXML:PromulgationDate>2026/11/20<", f"<edXML:PromulgationDate>{written}<")

    warnings = _warnings(data)

    assert [w.split(":")[0] for w in warnings] == ["T.MessageHeader.PromulgationInfo.PromulgationDate"]
    assert parse(data).promulgation_date == read  # type: ignore[union-attr]


def test_an_unreadable_promulgation_date_is_a_t_error():
    errors = _errors(_edit("<edXML:PromulgationDate>2026/11/20<", "<edXML:PromulgationDate>hôm qua<"))

    assert [e.split(":")[0] for e in errors] == ["T.MessageHeader.PromulgationInfo.PromulgationDate"]
    assert "yyyy/MM/dd" in errors[0]


def test_timestamps_dd_mm_yyyy_are_read_and_null_trace_headers_skipped_with_warnings():
    status = build(_status()).replace(b"2026/11/20 10:00:05", b"20/11/2026 10:00:05")
    text = build(_document()).decode()
    trace = text.replace("<edXML:OrganId>000.00.91.H21</edXML:OrganId>\n", "", 0)
    start = trace.index("<edXML:TraceHeader>")
    extra = "<edXML:TraceHeader><edXML:OrganId>null</edXML:OrganId><edXML:Timestamp>2026/11/20 09:00:00"
    extra += "</edXML:Timestamp></edXML:TraceHeader><edXML:TraceHeader><edXML:OrganId/><edXML:Timestamp>"
    extra += "2026/11/20 09:10:00</edXML:Timestamp></edXML:TraceHeader>"
    document = (trace[:start] + extra + trace[start:]).encode()

    assert [w.split(":")[0] for w in _warnings(status)] == ["T.MessageHeader.Timestamp"]
    assert parse(status).timestamp == _status().timestamp  # type: ignore[union-attr]
    assert [w.split(":")[0] for w in _warnings(document)] == [
        "M.TraceHeaderList.TraceHeader[1].OrganId",
        "N.TraceHeaderList.TraceHeader[2].OrganId",
    ]
    assert parse(document).trace == _document().trace  # type: ignore[union-attr]


def test_duplicate_recipient_is_dropped_with_a_warning_and_no_recipient_is_refused():
    packet = _document()
    duplicate = build(packet).replace(b"28.22.H17", b"000.00.92.H21")
    text = build(replace(packet, recipients=packet.recipients[:1])).decode()
    start, end = text.index("<edXML:To>"), text.index("</edXML:To>") + len("</edXML:To>")
    no_recipient = (text[:start] + text[end:]).encode()

    assert [w.split(":")[0] for w in _warnings(duplicate)] == ["M.MessageHeader.To[2]"]
    assert [r.organ_id for r in parse(duplicate).recipients] == ["000.00.92.H21"]  # type: ignore[union-attr]
    assert [e.split(":")[0] for e in _errors(no_recipient)] == ["N.MessageHeader.To"]


def test_another_schemes_organ_id_is_kept_verbatim_with_a_warning_and_refused_when_strict():
    data = build(_status()).replace(b"000.00.92.H21", b"vxp.saas.03")
    document = build(_document()).replace(b"28.22.H17", b"000.00.15.H2A")

    warnings = _warnings(data)

    assert warnings[0].startswith("M.MessageHeader.From.OrganId: mã “vxp.saas.03” theo hệ thống mã khác")
    assert parse(data).sender.organ_id == "vxp.saas.03"
    assert _errors(data, strict=True)[0].startswith(
        "M.MessageHeader.From.OrganId: Mã định danh “vxp.saas.03” không đúng định dạng"
    )
    assert [r.organ_id for r in parse(document).recipients] == ["000.00.92.H21", "000.00.15.H2A"]  # type: ignore[union-attr]


@pytest.mark.parametrize("sender", [b"", b"null", b"NULL", b"a b"])
def test_an_empty_null_or_unusable_sender_is_refused(sender):
    errors = _errors(build(_status()).replace(b">000.00.92.H21<", b">" + sender + b"<"))

    expected = "M.MessageHeader.From.OrganId" if sender else "N.MessageHeader.From.OrganId"
    assert errors[0].split(":")[0] == expected


# --- organisation codes ---


@pytest.mark.parametrize(
    ("code", "key"),
    [
        (" 000.00.15.h21 ", "000.00.15.H21"),
        ("h21", "H21"),
        (" vxp.saas.03 ", "vxp.saas.03"),
        ("000.00.15.H2A", "000.00.15.H2A"),
    ],
)
def test_org_code_key_normalises_standard_codes_and_keeps_other_schemes_verbatim(code, key):
    assert org_code_key(code) == key


@pytest.mark.parametrize("code", ["", "  ", "null", "NULL", "vxp saas", "x" * 33])
def test_org_code_key_refuses_empty_null_and_unusable_codes(code):
    with pytest.raises(InvalidOrgCode):
        org_code_key(code)


def test_same_org_code_compares_keys_case_insensitively_and_org_code_normal_stays_strict():
    assert same_org_code("VXP.SAAS.03", "vxp.saas.03")
    assert same_org_code("000.00.15.h21", "000.00.15.H21")
    assert not same_org_code("vxp.saas.03", "vxp.saas.04")
    with pytest.raises(InvalidOrgCode):
        org_code_normal("vxp.saas.03")


# --- sizes ---


def test_an_attachment_past_libxml2s_10_mb_text_node_is_parsed_read_signed_and_verified():
    scan = os.urandom(12 * 1024 * 1024)  # 16 MB of base64: one text node over the 10 MB limit
    packet = _document(attachments=(Attachment(content_id="1", name="scan.pdf", data=scan),))
    key, cert = generate_authority("CA thử nghiệm")
    signer = issue_certificate(
        authority_key_pem=key, authority_cert_pem=cert, org_code=packet.sender.organ_id, org_name="A"
    )

    data = build(packet, sign=partial(sign_packet, key_pem=signer[0], cert_pem=signer[1]))

    assert parse(data) == listed(packet)
    assert (
        verify_packet(data, trust_roots_pem=[cert], expected_org_code=packet.sender.organ_id).state == "valid"
    )
    [read] = read_attachments(data)
    assert (read.broken, read.data == scan) == ("", True)


def test_nesting_past_the_depth_bound_is_refused():
    deep = b"<edXML><edXMLEnvelope>" + b"<a>" * 100 + b"</a>" * 100 + b"</edXMLEnvelope></edXML>"

    assert _errors(deep) == ["R.edXML: gói tin lồng sâu quá 64 mức (nested too deep)"]
    assert _read_errors(deep) == ["R.edXML: gói tin lồng sâu quá 64 mức (nested too deep)"]


def test_a_dtd_the_byte_check_cannot_see_utf16_is_refused_by_the_parser():
    data = '<?xml version="1.0" encoding="UTF-16LE"?><!DOCTYPE edXML [<!ENTITY x "y">]><edXML>&x;</edXML>'

    errors = _errors(data.encode("utf-16-le"))

    assert errors == ["M.edXML: gói tin có khai báo DOCTYPE/ENTITY, không được phép (DTD refused)"]


def test_parse_known_reads_the_same_bytes_once_and_remembers_no_refusal():
    data = build(StatusPacketFactory.build(description="Đọc một lần"))
    first = parse_known(data)
    assert first == parse(data)
    assert parse_known(data) is first  # the second read is the first one's result
    assert parse_known(data, budget=AttachmentBudget(max_count=1)) is not first  # another budget
    assert parse_known(data, budget=AttachmentBudget()) is first  # the default budget, spelled out
    broken = data.replace(b"StatusCode>", b"StatusCodeX>", 1)
    for _attempt in range(2):
        with pytest.raises(EdxmlError):
            parse_known(broken)


@pytest.mark.parametrize(
    "packet",
    [
        _document(
            attachments=(
                Attachment(content_id="1", name="công văn.pdf", data=os.urandom(50_000)),
                Attachment(content_id="2", name="phụ lục.txt", data=b"a" * 5_000, description="Phụ lục"),
            )
        ),
        _status(),
    ],
    ids=["document", "status"],
)
def test_what_the_writer_remembers_of_its_signed_output_is_what_a_parse_of_it_reads(packet):
    key, cert = generate_authority("CA thử nghiệm")
    signer = issue_certificate(
        authority_key_pem=key, authority_cert_pem=cert, org_code=packet.sender.organ_id, org_name="A"
    )
    data = build(packet, sign=partial(sign_packet, key_pem=signer[0], cert_pem=signer[1]))

    remember(data, packet)

    assert parse_known(data) == parse(data)  # the remembered one, equal to reading the bytes afresh
    assert parse_known(data) is parse_known(data)
