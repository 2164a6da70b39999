"""Digital signatures embedded in a PDF, read and verified with pyHanko.

Trust comes only from the roots given in configuration (`PDF_TRUST_ROOTS`: paths of PEM or
DER files, e.g. the national root CA of Ban Cơ yếu Chính phủ); nothing is hard-coded and the
operating system's TLS list is never used. No network fetching: revocation is checked from
what the file carries (soft-fail), so verification works on an isolated worker.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

from asn1crypto import pem, x509
from django.conf import settings
from django.utils.translation import gettext as _
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import PdfSignatureStatus, SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

logger = logging.getLogger(__name__)

_COVERAGE = {
    SignatureCoverageLevel.ENTIRE_FILE: "entire file",
    SignatureCoverageLevel.ENTIRE_REVISION: "entire revision",
    SignatureCoverageLevel.CONTIGUOUS_BLOCK_FROM_START: "partial",
    SignatureCoverageLevel.UNCLEAR: "unclear",
}


def configured_trust_roots() -> list[x509.Certificate]:
    """The certificates named by `PDF_TRUST_ROOTS`. A file that cannot be read is logged and
    skipped: fewer roots only means fewer signatures shown as trusted, never more."""
    roots: list[x509.Certificate] = []
    for path in getattr(settings, "PDF_TRUST_ROOTS", []) or []:
        try:
            roots.extend(_certificates(Path(path).read_bytes()))
        except (OSError, ValueError, TypeError) as exc:
            logger.error("PDF trust root %s could not be read: %s", path, exc)
    return roots


def _certificates(data: bytes) -> list[x509.Certificate]:
    """Every certificate of a PEM file (a bundle may hold several), or the one of a DER file."""
    blobs = [der for _type, _headers, der in pem.unarmor(data, multiple=True)] if pem.detect(data) else [data]
    certificates = [x509.Certificate.load(blob) for blob in blobs]
    for certificate in certificates:
        _subject = certificate.subject  # asn1crypto parses lazily: a damaged file fails here, not later
    return certificates


def pdf_signatures(data: bytes, trust_roots: Iterable[x509.Certificate]) -> list[dict[str, Any]]:
    """One dict per embedded signature, in file order; [] for an unsigned PDF. Never raises."""
    roots = list(trust_roots)
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        embedded = list(reader.embedded_signatures)
    except Exception as exc:  # a file pyHanko cannot parse at all
        if b"/ByteRange" not in data:
            return []  # unreadable, and nothing in it looks like a signature
        return [_broken("", exc)]
    results = []
    for signature in embedded:
        signer = ""
        try:
            signer = _common_name(signature.signer_cert.subject)
            # A fresh context per signature: it caches paths and revocation answers.
            context = ValidationContext(trust_roots=roots, allow_fetching=False)
            status = validate_pdf_signature(signature, context)
            results.append(_describe(status))
        except Exception as exc:  # malformed CMS, unknown algorithm, ...: shown, not raised
            results.append(_broken(signer, exc))
    return results


def _common_name(name: Any) -> str:
    if name is None:
        return ""
    common_name = name.native.get("common_name", "")
    if isinstance(common_name, list):  # several CN attributes: the last is the most specific
        common_name = common_name[-1] if common_name else ""
    return str(common_name) if common_name else str(name.human_friendly)


def _signed_at(status: PdfSignatureStatus) -> str | None:
    timestamp = getattr(status, "timestamp_validity", None)
    moment: datetime | None = None
    if timestamp is not None and timestamp.valid and timestamp.trusted:
        moment = timestamp.timestamp  # a trusted timestamp beats the signer's own clock
    if moment is None:
        moment = getattr(status, "signer_reported_dt", None)
    return moment.isoformat() if moment is not None else None


def _describe(status: PdfSignatureStatus) -> dict[str, Any]:
    signer = _common_name(status.signing_cert.subject)
    intact = bool(status.intact)
    # "Valid" for the reader: the bytes are the signed ones, the signature checks out, and
    # nothing added after signing breaks the permissions the signer set (DocMDP).
    valid = intact and bool(status.valid) and status.docmdp_ok is not False
    trusted = bool(status.trusted)
    coverage = _COVERAGE.get(status.coverage, "unclear") if status.coverage is not None else "unclear"
    reason = ""
    if not intact:
        reason = _("nội dung tệp đã bị thay đổi sau khi ký")
    elif not status.valid:
        reason = _("giá trị chữ ký không khớp với chứng thư số")
    elif status.docmdp_ok is False:
        reason = _("tệp bị sửa đổi sau khi ký theo cách người ký không cho phép")
    values = {"signer": signer}
    if not valid:
        summary = _("Chữ ký số của %(signer)s không hợp lệ: %(reason)s.") % {**values, "reason": reason}
    elif trusted:
        summary = (
            _(
                "Chữ ký số của %(signer)s hợp lệ: tệp không bị thay đổi sau khi ký và chứng thư số "
                "được cấp bởi tổ chức chứng thực được tin cậy."
            )
            % values
        )
    else:
        summary = (
            _(
                "Chữ ký số của %(signer)s đúng với nội dung tệp nhưng chứng thư số chưa được xác thực: "
                "không thuộc tổ chức chứng thực được tin cậy, đã hết hạn hoặc bị thu hồi."
            )
            % values
        )
        reason = _("chứng thư số không được tin cậy")
    if valid and coverage != "entire file":
        summary += " " + _("Tệp có phần được thêm vào sau khi ký.")
    return {
        "signer": signer,
        "signed_at": _signed_at(status),
        "intact": intact,
        "valid": valid,
        "trusted": trusted,
        "coverage": coverage,
        "reason": reason,
        "summary": summary,
    }


def _broken(signer: str, exc: Exception) -> dict[str, Any]:
    logger.info("PDF signature could not be verified: %s", exc)
    reason = _("không đọc được chữ ký (%(error)s)") % {"error": str(exc)[:200] or type(exc).__name__}
    return {
        "signer": signer,
        "signed_at": None,
        "intact": False,
        "valid": False,
        "trusted": False,
        "coverage": "unclear",
        "reason": reason,
        "summary": (
            _("Không kiểm tra được chữ ký số của %(signer)s: %(reason)s.")
            % {"signer": signer, "reason": reason}
            if signer
            else _("Không kiểm tra được chữ ký số: %(reason)s.") % {"reason": reason}
        ),
    }
