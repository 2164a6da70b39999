"""Work dossiers (hồ sơ công việc): the yearly catalogue, documents linked without copying, and
the export of a dossier to one PDF and one XML, documents in date order."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.permissions import can, require_actor
from core.audit import Actor, audit_record
from core.errors import ApplicationError
from core.pdf import FONT_FAMILY, pdf_new, pdf_start
from core.text import legacy_encoding, nfc
from qlvbdh import catalogue
from qlvbdh.models import Document, Dossier, DossierDocument
from qlvbdh.selectors.dossiers import dossier_documents


def dossier_create(
    *,
    actor: Actor,
    year: int,
    code: str,
    title: str,
    retention: str,
    owner: Any,
    opened_on: date | None = None,
) -> Dossier:
    require_actor(actor, "qlvbdh.process")
    errors: dict[str, list[str]] = {}
    code, title = nfc(code or ""), nfc(title or "")
    if not code:
        errors["code"] = [_("Cần số và ký hiệu hồ sơ.")]
    if not title:
        errors["title"] = [_("Cần tiêu đề hồ sơ.")]
    elif legacy_encoding(title):
        errors["title"] = [_("Tiêu đề có vẻ được gõ bằng bảng mã cũ; hãy chuyển sang Unicode.")]
    if retention not in Dossier.Retention.values:
        errors["retention"] = [_("Thời hạn bảo quản không hợp lệ.")]
    if not 2000 <= year <= timezone.localdate().year + 1:
        errors["year"] = [_("Năm không hợp lệ.")]
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            dossier = Dossier.objects.create(
                year=year,
                code=code[:50],
                title=title[:500],
                retention=retention,
                owner=owner,
                opened_on=opened_on or timezone.localdate(),
            )
            audit_record(actor=actor, action="dossier.create", target=dossier)
    except IntegrityError as exc:
        raise ApplicationError(
            _("Hồ sơ %(code)s đã có trong danh mục năm %(year)s.") % {"code": code, "year": year}
        ) from exc
    return dossier


def _require_keeper(actor: Actor, dossier: Dossier) -> None:
    """A dossier is kept by the person who opened it; a head may act on any they may see."""
    require_actor(actor, "qlvbdh.process")
    require_actor(actor, "qlvbdh.view_documents", dossier)
    if actor.user is not None and dossier.owner_id != actor.user.pk and not can(actor.user, "qlvbdh.direct"):
        raise PermissionDenied


def dossier_add_document(*, actor: Actor, dossier: Dossier, document: Document) -> Dossier:
    """Link, never copy; linking again changes nothing. A closed dossier takes nothing more."""
    _require_keeper(actor, dossier)
    require_actor(actor, "qlvbdh.view_documents", document)  # nobody files what they may not see
    with transaction.atomic():
        locked = Dossier.objects.select_for_update().get(pk=dossier.pk)
        if locked.closed_on is not None:
            raise ApplicationError(_("Hồ sơ đã đóng."), code="dossier_closed", status=409)
        _link, created = DossierDocument.objects.get_or_create(
            dossier=locked, document=document, defaults={"added_by": actor.name}
        )
        if created:
            audit_record(
                actor=actor, action="dossier.add_document", target=locked, document=str(document.uuid)
            )
    return locked


def dossier_close(*, actor: Actor, dossier: Dossier) -> Dossier:
    _require_keeper(actor, dossier)
    with transaction.atomic():
        locked = Dossier.objects.select_for_update().get(pk=dossier.pk)
        if locked.closed_on is None:
            locked.closed_on = timezone.localdate()
            locked.save(update_fields=["closed_on"])
            audit_record(actor=actor, action="dossier.close", target=locked)
    return locked


def _label(document: Document) -> str:
    return f"{document.number}/{document.notation}" if document.number else document.notation


def dossier_xml(dossier: Dossier, *, reader: Any = None) -> bytes:
    root = ET.Element("HoSo", {"ma": dossier.code, "nam": str(dossier.year)})
    ET.SubElement(root, "TieuDe").text = dossier.title
    ET.SubElement(root, "ThoiHanBaoQuan").text = dossier.retention
    ET.SubElement(root, "NguoiLap").text = dossier.owner.get_full_name() or dossier.owner.get_username()
    ET.SubElement(root, "NgayMo").text = dossier.opened_on.isoformat()
    if dossier.closed_on:
        ET.SubElement(root, "NgayDong").text = dossier.closed_on.isoformat()
    items = ET.SubElement(root, "VanBan")
    for order, document in enumerate(dossier_documents(dossier, reader=reader), start=1):
        item = ET.SubElement(items, "MucVanBan", {"stt": str(order), "uuid": str(document.uuid)})
        ET.SubElement(item, "SoKyHieu").text = _label(document)
        ET.SubElement(item, "NgayBanHanh").text = document.issued_on.isoformat() if document.issued_on else ""
        ET.SubElement(item, "LoaiVanBan").text = catalogue.DOCUMENT_TYPES.get(document.document_type, "")
        ET.SubElement(item, "TrichYeu").text = document.summary
        ET.SubElement(item, "CoQuanBanHanh").text = document.issuer_name
        ET.SubElement(item, "TrangThai").text = document.status
    return bytes(ET.tostring(root, encoding="utf-8", xml_declaration=True))


def dossier_pdf(dossier: Dossier, *, reader: Any = None) -> bytes:
    agency = str(getattr(getattr(connection, "tenant", None), "name", ""))
    pdf = pdf_start(
        pdf_new(orientation="P", format="A4"),
        title=_("HỒ SƠ %(code)s") % {"code": dossier.code},
        author=agency,
        bottom=15,
    )
    pdf.set_font(FONT_FAMILY, "B", 10)
    pdf.multi_cell(0, 6, agency.upper(), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT_FAMILY, "B", 14)
    pdf.multi_cell(
        0, 9, _("HỒ SƠ %(code)s") % {"code": dossier.code}, align="C", new_x="LMARGIN", new_y="NEXT"
    )
    pdf.set_font(FONT_FAMILY, "", 11)
    pdf.multi_cell(0, 6, dossier.title, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    pdf.set_font(FONT_FAMILY, "", 9)
    retention = dict(Dossier.Retention.choices)[dossier.retention]
    pdf.multi_cell(
        0,
        5,
        _("Năm %(year)s · Thời hạn bảo quản: %(retention)s · Người lập: %(owner)s")
        % {"year": dossier.year, "retention": retention, "owner": dossier.owner.get_full_name()},
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.ln(3)
    headers = [_("STT"), _("Số, ký hiệu"), _("Ngày"), _("Trích yếu"), _("Cơ quan ban hành")]
    widths = [10, 32, 22, 80, 46]
    with pdf.table(col_widths=widths, text_align="LEFT", line_height=5) as table:
        heading = table.row()
        for header in headers:
            heading.cell(str(header))
        for order, document in enumerate(dossier_documents(dossier, reader=reader), start=1):
            row = table.row()
            row.cell(str(order))
            row.cell(_label(document))
            row.cell(f"{document.issued_on:%d/%m/%Y}" if document.issued_on else "")
            row.cell(document.summary)
            row.cell(document.issuer_name)
    return bytes(pdf.output())


def dossier_export(*, actor: Actor, dossier: Dossier, kind: str) -> bytes:
    require_actor(actor, "qlvbdh.view_documents", dossier)
    reader = actor.user  # None: the trusted command line exports the whole dossier
    data = dossier_pdf(dossier, reader=reader) if kind == "pdf" else dossier_xml(dossier, reader=reader)
    with transaction.atomic():
        audit_record(actor=actor, action=f"dossier.export_{kind}", target=dossier)
    return data
