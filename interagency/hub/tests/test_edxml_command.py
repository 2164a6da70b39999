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
