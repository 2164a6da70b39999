"""`manage.py edxml check`: diagnose packets received from other systems."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from interagency.edxml.tests.factories import SAMPLES, DocumentPacketFactory, StatusPacketFactory
from interagency.edxml.tests.test_edxml import EXPECTED
from interagency.edxml.writer import build


def test_check_command_prints_ok_with_kind_document_id_and_status(tmp_path):
    path = tmp_path / "status.edxml"
    path.write_bytes(build(StatusPacketFactory.build()))
    out = io.StringIO()

    call_command("edxml", "check", str(path), stdout=out)

    assert out.getvalue() == f"OK\t{path}\tstatus\t000.00.91.H21,2026/11/20,125/STN-VP\t03\n"


def test_check_command_prints_errors_and_fails_for_a_bad_and_a_missing_file(tmp_path):
    good, bad, missing = tmp_path / "good.edxml", tmp_path / "bad.edxml", tmp_path / "missing.edxml"
    good.write_bytes(build(DocumentPacketFactory.build()))
    bad.write_bytes(b"1212" + build(DocumentPacketFactory.build()))
    out = io.StringIO()

    with pytest.raises(CommandError, match="2 of 3 packet"):
        call_command("edxml", "check", str(good), str(bad), str(missing), stdout=out)

    lines = out.getvalue().splitlines()
    assert lines[0] == f"OK\t{good}\tedoc-new\t000.00.91.H21,2026/11/20,125/STN-VP\t-"
    assert lines[1].startswith(f"FAIL\t{bad}\tT.edXML: ")
    assert lines[2] == f"FAIL\t{missing}\tcannot read the file: No such file or directory"


def test_check_command_reads_every_sample(capsys):
    out = io.StringIO()

    call_command("edxml", "check", *(str(SAMPLES / name) for name in sorted(EXPECTED)), stdout=out)

    assert [line.split("\t")[0] for line in out.getvalue().splitlines()] == ["OK"] * len(EXPECTED)


def test_check_command_prints_warnings_and_exits_0_for_a_packet_the_hub_accepts(tmp_path):
    path = tmp_path / "other-system.edxml"
    text = build(DocumentPacketFactory.build()).decode()
    text = text.replace("28.22.H17", "vxp.saas.03").replace(">2026/11/20</", ">20/11/2026</")
    start = text.index("<edXML:ContentTransferEncoded>") + len("<edXML:ContentTransferEncoded>")
    text = text[:start] + "bm90IGEgemlw" + text[text.index("</edXML:ContentTransferEncoded>") :]
    path.write_text(text)
    out = io.StringIO()

    call_command("edxml", "check", str(path), stdout=out)

    lines = out.getvalue().splitlines()
    assert lines[0] == f"OK\t{path}\tedoc-new\t000.00.91.H21,2026/11/20,125/STN-VP\t-"
    assert [line.split(":")[0] for line in lines[1:]] == [
        f"WARN\t{path}\tM.MessageHeader.To[2].OrganId",
        f"WARN\t{path}\tT.MessageHeader.PromulgationInfo.PromulgationDate",
        f"WARN\t{path}\tM.cong-van.pdf",
    ]
    assert "không phải tệp ZIP" in lines[3]


def test_check_command_strict_fails_on_what_the_hub_would_only_warn_about(tmp_path):
    path = tmp_path / "other-system.edxml"
    path.write_bytes(build(DocumentPacketFactory.build()).replace(b"28.22.H17", b"vxp.saas.03"))
    out = io.StringIO()

    with pytest.raises(CommandError, match="1 of 1 packet"):
        call_command("edxml", "check", "--strict", str(path), stdout=out)

    assert out.getvalue().startswith(
        f"FAIL\t{path}\tM.MessageHeader.To[2].OrganId: Mã định danh “vxp.saas.03”"
    )
