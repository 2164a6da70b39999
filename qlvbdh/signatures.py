"""Digital signatures embedded in a PDF, read and verified with pyHanko.

Trust comes only from the roots given in configuration (`PDF_TRUST_ROOTS`: paths of PEM or
DER files, e.g. the national root CA of Ban Cơ yếu Chính phủ); nothing is hard-coded and the
operating system's TLS list is never used. No network fetching: revocation is checked from
what the file carries (soft-fail), so verification works on an isolated worker.
"""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Iterable, Mapping
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

if TYPE_CHECKING:
    # pyHanko (with aiohttp and pypdf's kin) weighs some 25 MB: imported by the upload that verifies
    # a signature, not by every web worker whose views show one (README "Web worker memory").
    from asn1crypto import x509
    from pyhanko.sign.validation.status import PdfSignatureStatus

logger = logging.getLogger(__name__)

# A signature dictionary or a signature field, even in a file cut short before its /ByteRange
# (pyHanko writes /Contents first): shown as a signature that could not be read, never as none.
_LOOKS_SIGNED = re.compile(rb"/ByteRange\b|/(?:Type|FT)\s*/(?:Sig|DocTimeStamp)\b")

# What a reader is told about one signature; kept apart, never folded into one "valid" flag.
VERDICTS = ("valid", "untrusted", "modified", "invalid")
# What may follow a signed revision, as pyHanko's difference analysis tells it.
CHANGES = ("signature", "validation_data", "form_filling", "annotations", "other", "appended")

# By the name of pyHanko's SignatureCoverageLevel.
_COVERAGE = {
    "ENTIRE_FILE": "entire file",
    "ENTIRE_REVISION": "entire revision",
    "CONTIGUOUS_BLOCK_FROM_START": "partial",
    "UNCLEAR": "unclear",
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
    from asn1crypto import pem, x509

    blobs = [der for _type, _headers, der in pem.unarmor(data, multiple=True)] if pem.detect(data) else [data]
    certificates = [x509.Certificate.load(blob) for blob in blobs]
    for certificate in certificates:
        _subject = certificate.subject  # asn1crypto parses lazily: a damaged file fails here, not later
    return certificates


def pdf_signatures(data: bytes, trust_roots: Iterable[x509.Certificate]) -> list[dict[str, Any]]:
    """One dict per embedded signature, in file order; [] for an unsigned PDF. Never raises.

    Each says which of four verdicts holds (`VERDICTS`), apart: signed and unchanged by a trusted
    signer (`valid`), the same by a signer not trusted (`untrusted`), signed and then changed
    (`modified`, with `changes` naming what followed), and a broken or unreadable signature
    (`invalid`). `summary` and `reason` are in the language active now; `signature_text` words
    them again in the reader's language."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    roots = list(trust_roots)
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        embedded = list(reader.embedded_signatures)
    except Exception as exc:  # a file pyHanko cannot parse at all
        if not _LOOKS_SIGNED.search(data):
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
            # Fields signed in later revisions: a change to them is another person's signature.
            signed_later = {
                str(other.field_name)
                for other in embedded
                if other.signed_revision > signature.signed_revision
            }
            # Bytes after the signed range that no later revision explains (pyHanko: no change).
            _start, _length, second, second_length = signature.byte_range
            appended = bool(data[second + second_length :].strip(b" \t\r\n\x00\x0c"))
            results.append(_describe(status, signed_later, appended=appended))
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


def _changes(status: PdfSignatureStatus, signed_later: set[str], *, appended: bool) -> list[str]:
    """What followed the signed revision, by pyHanko's difference analysis; [] when nothing did.
    `appended`: the file goes on after the signed range with more than white space."""
    from pyhanko.sign.diff_analysis import DiffResult, ModificationLevel
    from pyhanko.sign.validation.status import SignatureCoverageLevel

    if status.coverage == SignatureCoverageLevel.ENTIRE_FILE:
        return []
    changes = ["signature"] if signed_later else []
    diff = status.diff_result
    if status.coverage != SignatureCoverageLevel.ENTIRE_REVISION or not isinstance(diff, DiffResult):
        # Bytes outside any revision, or a SuspiciousModification: nothing explains the change.
        return [*changes, "other"]
    level = diff.modification_level
    if level == ModificationLevel.LTA_UPDATES:
        changes.append("validation_data")
    elif level == ModificationLevel.FORM_FILLING and diff.changed_form_fields - signed_later:
        changes.append("form_filling")
    elif level == ModificationLevel.ANNOTATIONS:
        changes.append("annotations")
    elif level == ModificationLevel.OTHER:
        changes.append("other")
    elif level == ModificationLevel.NONE and not changes and appended:
        # Bytes after %%EOF that are no revision: pyHanko sees no change, a lenient viewer that
        # rebuilds the file from its objects may show them. Never "unchanged".
        changes.append("appended")
    return changes


def _describe(status: PdfSignatureStatus, signed_later: set[str], *, appended: bool) -> dict[str, Any]:
    intact = bool(status.intact)
    changes = _changes(status, signed_later, appended=appended)
    # Whether what followed is within what the signer allowed (DocMDP); "other" and unexplained
    # appended bytes never are.
    changes_allowed = status.docmdp_ok is not False and not {"other", "appended"} & set(changes)
    trusted = bool(status.trusted)
    if not intact:
        verdict, problem = "invalid", "altered"
    elif not status.valid:
        verdict, problem = "invalid", "mismatch"
    elif changes:
        verdict, problem = "modified", ""
    else:
        verdict, problem = ("valid" if trusted else "untrusted"), ""
    coverage = _COVERAGE.get(status.coverage.name, "unclear") if status.coverage is not None else "unclear"
    signature: dict[str, Any] = {
        "signer": _common_name(status.signing_cert.subject),
        "signed_at": _signed_at(status),
        "verdict": verdict,
        "changes": changes,
        "changes_allowed": changes_allowed,
        "problem": problem,
        "intact": intact,
        # The bytes are the signed ones, the signature checks out, and nothing added after
        # signing goes beyond what the signer allowed.
        "valid": intact and bool(status.valid) and changes_allowed,
        "trusted": trusted,
        "coverage": coverage,
    }
    return signature | signature_text(signature)


VERDICT_LABELS = {
    "valid": gettext_lazy("Hợp lệ"),
    "untrusted": gettext_lazy("Chưa xác thực người ký"),
    "modified": gettext_lazy("Bị thay đổi sau khi ký"),
    "invalid": gettext_lazy("Không hợp lệ"),
}

_CHANGES = {
    "signature": gettext_lazy("thêm chữ ký số khác"),
    "validation_data": gettext_lazy("thêm dấu thời gian hoặc dữ liệu kiểm tra chữ ký"),
    "form_filling": gettext_lazy("điền vào biểu mẫu"),
    "annotations": gettext_lazy("thêm hoặc sửa chú thích"),
    "other": gettext_lazy("thay đổi khác đối với nội dung tệp"),
    "appended": gettext_lazy("dữ liệu được nối thêm vào cuối tệp"),
}


def signatures_shown(signatures: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Stored signatures as a page or the API shows them: worded in the reader's language, with
    the verdict's short label."""
    return [
        {
            **signature,
            **signature_text(signature),
            "verdict_label": str(VERDICT_LABELS.get(str(signature.get("verdict")), "")),
        }
        for signature in signatures
    ]


def signature_text(signature: Mapping[str, Any]) -> dict[str, str]:
    """`summary` and `reason` of one signature in the language active now. A signature stored
    before verdicts existed keeps the words it was stored with."""
    verdict = signature.get("verdict")
    if verdict not in VERDICTS:
        return {"summary": str(signature.get("summary", "")), "reason": str(signature.get("reason", ""))}
    values = {"signer": signature.get("signer", "")}
    if verdict == "invalid":
        problem = signature.get("problem")
        if problem == "unreadable":
            reason = _("không đọc được chữ ký (%(error)s)") % {"error": signature.get("error", "")}
            summary = (
                _("Không kiểm tra được chữ ký số của %(signer)s: %(reason)s.") % {**values, "reason": reason}
                if values["signer"]
                else _("Không kiểm tra được chữ ký số: %(reason)s.") % {"reason": reason}
            )
            return {"summary": summary, "reason": reason}
        reason = (
            _("nội dung tệp đã bị thay đổi sau khi ký")
            if problem == "altered"
            else _("giá trị chữ ký không khớp với chứng thư số")
        )
        return {
            "summary": _("Chữ ký số của %(signer)s không hợp lệ: %(reason)s.") % {**values, "reason": reason},
            "reason": reason,
        }
    if verdict == "valid":
        summary = _(
            "Chữ ký số của %(signer)s hợp lệ: tệp không bị thay đổi sau khi ký và chứng thư số "
            "được cấp bởi tổ chức chứng thực được tin cậy."
        )
        return {"summary": summary % values, "reason": ""}
    if verdict == "untrusted":
        summary = _(
            "Chữ ký số của %(signer)s đúng với nội dung tệp nhưng chứng thư số chưa được xác thực: "
            "không thuộc tổ chức chứng thực được tin cậy, đã hết hạn hoặc bị thu hồi."
        )
        return {"summary": summary % values, "reason": _("chứng thư số không được tin cậy")}
    changes = ", ".join(
        str(_CHANGES.get(change, _CHANGES["other"])) for change in signature.get("changes", [])
    )
    if signature.get("changes_allowed"):
        summary = _(
            "Chữ ký số của %(signer)s đúng với bản đã ký; sau khi ký, tệp có thay đổi được phép: %(changes)s."
        )
    else:
        summary = _(
            "Chữ ký số của %(signer)s đúng với bản đã ký, nhưng tệp đã bị sửa đổi sau khi ký "
            "(%(changes)s): nội dung đang xem không phải là nội dung đã ký."
        )
    trust = (
        _("Chứng thư số được cấp bởi tổ chức chứng thực được tin cậy.")
        if signature.get("trusted")
        else _("Chứng thư số chưa được xác thực.")
    )
    return {"summary": f"{summary % {**values, 'changes': changes}} {trust}", "reason": changes}


def _broken(signer: str, exc: Exception) -> dict[str, Any]:
    logger.info("PDF signature could not be verified: %s", exc)
    signature: dict[str, Any] = {
        "signer": signer,
        "signed_at": None,
        "verdict": "invalid",
        "changes": [],
        "changes_allowed": False,
        "problem": "unreadable",
        "error": str(exc)[:200] or type(exc).__name__,
        "intact": False,
        "valid": False,
        "trusted": False,
        "coverage": "unclear",
    }
    return signature | signature_text(signature)
