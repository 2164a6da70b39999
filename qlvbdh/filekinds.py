"""What a file is, from its bytes (puremagic, then the ZIP directory for Office formats), never from
its name or the browser's Content-Type; and the text of the kinds that have one."""

from __future__ import annotations

import io
import logging
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass
from typing import Any

from django.core.files import File

logger = logging.getLogger(__name__)

TEXT_MAX_CHARS = 1_000_000  # kept per attachment, and appended to the document's search text
HEAD_BYTES = 8192  # what the type is sniffed from
_DOCX_UNPACKED_MAX = 100 * 1024 * 1024  # a DOCX inflating beyond this is not read (ZIP bomb)


@dataclass(frozen=True)
class FileKind:
    label: str
    content_type: str
    extensions: frozenset[str]


KINDS: dict[str, FileKind] = {
    "pdf": FileKind("PDF", "application/pdf", frozenset({".pdf"})),
    "docx": FileKind(
        "Word (DOCX)",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        frozenset({".docx"}),
    ),
    "xlsx": FileKind(
        "Excel (XLSX)",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        frozenset({".xlsx"}),
    ),
    "odt": FileKind("OpenDocument (ODT)", "application/vnd.oasis.opendocument.text", frozenset({".odt"})),
    "doc": FileKind("Word 97-2003 (DOC)", "application/msword", frozenset({".doc"})),
    "jpeg": FileKind("JPEG", "image/jpeg", frozenset({".jpg", ".jpeg", ".jpe", ".jfif"})),
    "png": FileKind("PNG", "image/png", frozenset({".png"})),
    "tiff": FileKind("TIFF", "image/tiff", frozenset({".tif", ".tiff"})),
}
_OLE_MAGIC = bytes.fromhex("d0cf11e0a1b11ae1")
_ZIP_MAGIC = b"PK\x03\x04"
_DOCX_MAIN = b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
_XLSX_MAIN = b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
_ODT_MIMETYPE = b"application/vnd.oasis.opendocument.text"


def _zip_kind(upload: File[Any]) -> str | None:
    """DOCX, XLSX and ODT are all ZIP files; the directory says which (nothing is unpacked)."""
    try:
        upload.seek(0)
        with zipfile.ZipFile(upload) as archive:
            names = set(archive.namelist())
            if (
                "mimetype" in names
                and archive.getinfo("mimetype").file_size < 256
                and archive.read("mimetype").strip() == _ODT_MIMETYPE
            ):
                return "odt"
            if "[Content_Types].xml" in names and archive.getinfo("[Content_Types].xml").file_size < 1 << 20:
                types = archive.read("[Content_Types].xml")
                if _DOCX_MAIN in types:
                    return "docx"
                if _XLSX_MAIN in types:
                    return "xlsx"
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        OSError,
        EOFError,
        RuntimeError,
        zlib.error,
        ValueError,
    ):
        return None  # a damaged or encrypted archive is no document we accept
    finally:
        upload.seek(0)
    return None


def sniff_kind(head: bytes, upload: File[Any]) -> tuple[str | None, str]:
    """(kind, what it looks like) from the first bytes; kind None when not an accepted type."""
    # puremagic, pypdf and python-docx are imported by the upload that needs them, not by every web
    # worker that imports this module with the views (README "Web worker memory").
    import puremagic

    try:
        candidates = puremagic.magic_string(head)
    except (puremagic.PureError, ValueError):
        return None, ""
    if not candidates:
        return None, ""
    best = max(candidate.confidence for candidate in candidates)
    top = [candidate for candidate in candidates if candidate.confidence == best]
    extensions = {candidate.extension.lower() for candidate in top}
    looks_like = top[0].name or top[0].extension
    if ".pdf" in extensions:
        return "pdf", looks_like
    if ".png" in extensions:
        return "png", looks_like
    if extensions & KINDS["jpeg"].extensions:
        return "jpeg", looks_like
    if extensions & KINDS["tiff"].extensions:
        return "tiff", looks_like
    if ".doc" in extensions and head.startswith(_OLE_MAGIC):
        return "doc", looks_like
    if head.startswith(_ZIP_MAGIC):
        return _zip_kind(upload), looks_like
    return None, looks_like


def allowed_labels() -> str:
    return ", ".join(kind.label for kind in KINDS.values())


def _clean_text(text: str) -> str:
    # PostgreSQL text holds no NUL; other control characters are noise from the extractor.
    text = unicodedata.normalize("NFC", text)
    text = "".join(char for char in text if char in "\n\t" or unicodedata.category(char) != "Cc")
    return text[:TEXT_MAX_CHARS]


def _pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    if reader.is_encrypted and not reader.decrypt(""):
        return ""  # needs a password: nothing to index
    parts: list[str] = []
    total = 0
    for page in reader.pages:
        text = page.extract_text() or ""
        parts.append(text)
        total += len(text)
        if total >= TEXT_MAX_CHARS:
            break
    return "\n".join(parts)


def _docx_text(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        if sum(info.file_size for info in archive.infolist()) > _DOCX_UNPACKED_MAX:
            logger.warning("DOCX unpacks beyond %s bytes; text not extracted", _DOCX_UNPACKED_MAX)
            return ""
    import docx

    document = docx.Document(io.BytesIO(data))
    parts = [paragraph.text for paragraph in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    return "\n".join(part for part in parts if part)


def extract_text(data: bytes, content_type: str) -> str:
    """Text of a PDF or DOCX, capped; "" for other types and for files that cannot be read."""
    readers = {KINDS["pdf"].content_type: _pdf_text, KINDS["docx"].content_type: _docx_text}
    reader = readers.get(content_type)
    if reader is None:
        return ""
    try:
        return _clean_text(reader(data))
    except Exception as exc:  # a damaged file is stored all the same; it just adds no text
        logger.warning("text extraction failed (%s): %s", content_type, exc)
        return ""
