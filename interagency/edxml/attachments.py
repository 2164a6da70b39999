"""Reading an edXML packet's attachment files, after its signature has been checked.

Each attachment is base64 text of a ZIP holding one file. Within a per-packet budget (how many,
their decompressed total, the decompression ratio of each member, stored or deflate members only)
the file is decompressed in chunks, stopping as soon as a bound is passed: a few kilobytes never
become hundreds of megabytes. Exceeding the budget is a refusal (``EdxmlError``). An attachment
that is not base64, not a ZIP, or not one readable file is kept raw with ``broken`` saying why, so
the rest of the document can still be registered."""

from __future__ import annotations

import base64
import binascii
import io
import tempfile
import zipfile
import zlib
from typing import IO

from lxml import etree

from interagency.edxml.codes import MAX_PACKET_BYTES
from interagency.edxml.packets import AttachmentBudget, EdxmlError, ReadAttachment
from interagency.edxml.tree import EncodedText, TextSink, child, children, clean, stream_root

_READ_CHUNK = 1024 * 1024
# Members inflating to less than this are never refused for their ratio (tiny, very regular files).
_RATIO_FLOOR = 64 * 1024
_METHODS = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED}
_SPOOL_IN_MEMORY = 1024 * 1024


class _Broken(Exception):
    """Not the file: ``raw`` is kept, flagged with ``reason``."""

    def __init__(self, reason: str, raw: bytes) -> None:
        super().__init__(reason)
        self.reason = reason
        self.raw = raw


def read_attachments(
    data: bytes, *, budget: AttachmentBudget | None = None, max_bytes: int = MAX_PACKET_BYTES
) -> list[ReadAttachment]:
    """The packet's attachments with their files, in packet order; raise ``EdxmlError`` when the
    packet is refused (as ``parse`` would) or its attachments exceed ``budget``."""
    budget = budget or AttachmentBudget()
    # Streamed: the base64 text goes to temporary files as it is parsed (flat memory at 30 MB).
    root, sinks = stream_root(data, max_bytes=max_bytes, sink=_Spool)
    elements = children(child(root, "AttachmentEncoded"), "Attachment")
    texts = [_spool_of(child(element, "ContentTransferEncoded"), sinks) for element in elements]
    try:
        return _read(elements, texts, budget)
    finally:
        for text in texts:
            text.file.close()


def _read(
    elements: list[etree._Element], texts: list[_Spool], budget: AttachmentBudget
) -> list[ReadAttachment]:
    if len(elements) > budget.max_count:
        raise EdxmlError(
            [
                f"R.AttachmentEncoded: {len(elements)} tệp đính kèm, tối đa {budget.max_count} "
                "(too many attachments)"
            ]
        )
    encoded_total = sum(text.length for text in texts)
    if encoded_total > budget.max_encoded_bytes:
        raise EdxmlError(
            [
                f"R.AttachmentEncoded: tệp đính kèm {encoded_total} ký tự base64, "
                f"tối đa {budget.max_encoded_bytes} (too large)"
            ]
        )
    spent = 0
    read: list[ReadAttachment] = []
    for index, (element, text) in enumerate(zip(elements, texts, strict=True), start=1):
        where = f"AttachmentEncoded.Attachment[{index}].ContentTransferEncoded"
        file, broken = b"", ""
        try:
            with _decode(text) as zipped:
                file = _unzip(zipped, where=where, budget=budget, spent=spent)
            spent += len(file)
        except _Broken as exc:
            broken, file = exc.reason, exc.raw
        read.append(
            ReadAttachment(
                content_id=clean(_text(element, "ContentId")).removeprefix("cid:").strip() or str(index),
                name=clean(_text(element, "AttachmentName")) or f"attachment-{index}",
                description=clean(_text(element, "Description")),
                content_type=clean(_text(element, "ContentType")) or "application/zip",
                data=file,
                broken=broken,
            )
        )
    return read


def _text(element: etree._Element, name: str) -> str:
    found = child(element, name)
    return (found.text or "") if found is not None else ""


class _Spool(TextSink):
    """One attachment's base64 text, kept in a temporary file past the first megabyte."""

    def __init__(self) -> None:
        self.file = tempfile.SpooledTemporaryFile(max_size=_SPOOL_IN_MEMORY)  # noqa: SIM115 (closed by _decode)
        self.length = 0

    def write(self, text: str) -> None:
        self.length += len(text)
        self.file.write(text.encode("utf-8", "surrogateescape"))

    def raw(self) -> bytes:
        self.file.seek(0)
        return self.file.read()


def _spool_of(element: etree._Element | None, sinks: dict[etree._Element, TextSink | EncodedText]) -> _Spool:
    found = sinks.get(element) if element is not None else None
    if isinstance(found, _Spool):
        return found
    spool = _Spool()
    if element is not None and element.text:  # e.g. text split around a comment
        spool.write(element.text)
    return spool


def _decode(text: _Spool) -> IO[bytes]:
    """Decode the base64 text piece by piece into another temporary file."""
    decoded = tempfile.SpooledTemporaryFile(max_size=_SPOOL_IN_MEMORY)  # noqa: SIM115 (the caller closes it)
    text.file.seek(0)
    pending = b""
    try:
        while piece := text.file.read(_READ_CHUNK):
            pending += b"".join(piece.split())
            usable = len(pending) - len(pending) % 4
            decoded.write(base64.b64decode(pending[:usable], validate=True))
            pending = pending[usable:]
        if pending:
            raise binascii.Error("incomplete base64")
    except (binascii.Error, ValueError):
        decoded.close()
        raise _Broken("không phải base64 hợp lệ (not valid base64)", text.raw()) from None
    if decoded.tell() == 0:
        decoded.close()
        raise _Broken("tệp đính kèm không có nội dung (no content)", b"")
    decoded.seek(0)
    return decoded


def _unzip(zipped: IO[bytes], *, where: str, budget: AttachmentBudget, spent: int) -> bytes:
    try:
        archive = zipfile.ZipFile(zipped)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError, OSError) as exc:
        raise _Broken(f"không phải tệp ZIP (not a ZIP: {exc})", _all(zipped)) from None
    with archive:
        members = [info for info in archive.infolist() if not info.is_dir()]
        if len(members) != 1:
            raise _Broken(f"ZIP phải chứa đúng một tệp, có {len(members)} (one file expected)", _all(zipped))
        member = members[0]
        if member.compress_type not in _METHODS:
            raise EdxmlError(
                [
                    f"M.{where}: phương thức nén {member.compress_type} không được chấp nhận "
                    "(only stored or deflate)"
                ]
            )
        if member.flag_bits & 0x1:
            raise _Broken("ZIP được mã hóa (encrypted ZIP)", _all(zipped))
        # Bounds from what the ZIP declares, refused before decompressing; then enforced on what
        # it actually yields, since the declaration may lie.
        remaining = budget.max_total_bytes - spent
        ratio_limit = max(budget.max_ratio * max(member.compress_size, 1), _RATIO_FLOOR)
        if member.file_size > remaining:
            raise _over_total(where, budget)
        if member.file_size > ratio_limit:
            raise _over_ratio(where, budget)
        limit = min(remaining, ratio_limit)
        out = io.BytesIO()
        try:
            with archive.open(member) as stream:
                while chunk := stream.read(min(_READ_CHUNK, limit + 1 - out.tell())):
                    out.write(chunk)
                    if out.tell() > limit:
                        raise _over_total(where, budget) if limit == remaining else _over_ratio(where, budget)
        except EdxmlError:
            raise
        except (zipfile.BadZipFile, zlib.error, NotImplementedError, EOFError, OSError, ValueError) as exc:
            raise _Broken(f"ZIP hỏng (corrupt ZIP: {exc})", _all(zipped)) from None
        return out.getvalue()


def _all(file: IO[bytes]) -> bytes:
    file.seek(0)
    return file.read()


def _over_total(where: str, budget: AttachmentBudget) -> EdxmlError:
    return EdxmlError(
        [f"R.{where}: tệp đính kèm giải nén vượt tổng {budget.max_total_bytes} byte của gói tin (too large)"]
    )


def _over_ratio(where: str, budget: AttachmentBudget) -> EdxmlError:
    return EdxmlError(
        [f"R.{where}: tỷ lệ nén vượt {budget.max_ratio} lần, không giải nén (compression ratio: zip bomb?)"]
    )
