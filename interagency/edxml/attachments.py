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
import zipfile
import zlib

from lxml import etree

from interagency.edxml.codes import MAX_PACKET_BYTES
from interagency.edxml.packets import AttachmentBudget, EdxmlError, ReadAttachment
from interagency.edxml.tree import child, children, clean, parse_root

_READ_CHUNK = 1024 * 1024
# Members inflating to less than this are never refused for their ratio (tiny, very regular files).
_RATIO_FLOOR = 64 * 1024
_METHODS = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED}


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
    root = parse_root(data, max_bytes=max_bytes)
    elements = children(child(root, "AttachmentEncoded"), "Attachment")
    if len(elements) > budget.max_count:
        raise EdxmlError(
            [
                f"R.AttachmentEncoded: {len(elements)} tệp đính kèm, tối đa {budget.max_count} "
                "(too many attachments)"
            ]
        )
    texts = [_encoded_text(element) for element in elements]
    encoded_total = sum(len(text) for text in texts)
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
            file = _unzip(_decode(text), where=where, budget=budget, spent=spent)
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


def _encoded_text(element: etree._Element) -> str:
    return _text(element, "ContentTransferEncoded")


def _decode(text: str) -> bytes:
    compact = "".join(text.split())
    if not compact:
        raise _Broken("tệp đính kèm không có nội dung (no content)", b"")
    try:
        return base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError):
        raise _Broken("không phải base64 hợp lệ (not valid base64)", text.encode()) from None


def _unzip(zipped: bytes, *, where: str, budget: AttachmentBudget, spent: int) -> bytes:
    try:
        archive = zipfile.ZipFile(io.BytesIO(zipped))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError, OSError) as exc:
        raise _Broken(f"không phải tệp ZIP (not a ZIP: {exc})", zipped) from None
    with archive:
        members = [info for info in archive.infolist() if not info.is_dir()]
        if len(members) != 1:
            raise _Broken(f"ZIP phải chứa đúng một tệp, có {len(members)} (one file expected)", zipped)
        member = members[0]
        if member.compress_type not in _METHODS:
            raise EdxmlError(
                [
                    f"M.{where}: phương thức nén {member.compress_type} không được chấp nhận "
                    "(only stored or deflate)"
                ]
            )
        if member.flag_bits & 0x1:
            raise _Broken("ZIP được mã hóa (encrypted ZIP)", zipped)
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
            raise _Broken(f"ZIP hỏng (corrupt ZIP: {exc})", zipped) from None
        return out.getvalue()


def _over_total(where: str, budget: AttachmentBudget) -> EdxmlError:
    return EdxmlError(
        [f"R.{where}: tệp đính kèm giải nén vượt tổng {budget.max_total_bytes} byte của gói tin (too large)"]
    )


def _over_ratio(where: str, budget: AttachmentBudget) -> EdxmlError:
    return EdxmlError(
        [f"R.{where}: tỷ lệ nén vượt {budget.max_ratio} lần, không giải nén (compression ratio: zip bomb?)"]
    )
