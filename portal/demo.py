"""The demo portal for `manage.py seed_demo`: every section filled, several published articles with
images, a legal document, a procedure, and one article in review. Idempotent."""

from __future__ import annotations

import datetime
import io

from django.core.files.base import ContentFile
from django.core.files.images import ImageFile
from django.db import transaction
from PIL import Image as PILImage
from PIL import ImageDraw
from wagtail.documents.models import Document
from wagtail.models import Page

from portal.models import ArticlePage, LegalDocumentPage, PortalImage, PublicServicePage, SectionPage
from portal.services.board import board_groups_sync_all
from portal.services.site import portal_site_ensure
from portal.services.workflow import board_workflow_ensure


def portal_site_ready() -> None:
    """Any tenant: its portal site and the board's groups (as the tenant-created event makes them)."""
    portal_site_ensure()
    board_groups_sync_all()
    board_workflow_ensure()


def _image(title: str, color: tuple[int, int, int]) -> PortalImage:
    found = PortalImage.objects.filter(title=title).first()
    if found is not None:
        return found
    picture = PILImage.new("RGB", (1200, 675), color)
    ImageDraw.Draw(picture).rectangle((80, 80, 1120, 595), outline=(255, 255, 255), width=12)
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", quality=80)
    return PortalImage.objects.create(
        title=title, caption=title, file=ImageFile(io.BytesIO(buffer.getvalue()), name="demo.jpg")
    )


def _pdf(title: str) -> Document:
    from fpdf import FPDF

    found = Document.objects.filter(title=title).first()
    if found is not None:
        return found
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=14)
    pdf.cell(text="tinhso demo")
    return Document.objects.create(title=title, file=ContentFile(bytes(pdf.output()), name="van-ban.pdf"))


def _add(parent: Page, page: Page, *, publish: bool = True) -> Page:
    existing = parent.get_children().filter(slug=page.slug).first()
    if existing is not None:
        return existing
    page.live = False
    parent.add_child(instance=page)
    revision = page.save_revision()
    if publish:
        revision.publish()
    return page


ARTICLES = [
    ("Lễ khai giảng năm học mới", "le-khai-giang", (11, 79, 138)),
    ("Hội thao chào mừng ngày Nhà giáo Việt Nam", "hoi-thao-20-11", (20, 110, 60)),
    ("Kế hoạch đầu tư công trung hạn", "ke-hoach-dau-tu-cong", (140, 60, 20)),
]


@transaction.atomic
def portal_content_ensure() -> None:
    def section(kind: str) -> SectionPage:
        return SectionPage.objects.get(kind=kind)

    news = section(SectionPage.Kind.NEWS)
    for title, slug, color in ARTICLES:
        image = _image(title, color)
        body = [
            ("paragraph", f"<p>{title} của Trường THPT Đạ Tông.</p>"),
            ("image", {"image": image, "caption": title}),
        ]
        _add(news, ArticlePage(title=title, slug=slug, summary=title, cover=image, body=body))
    intro = section(SectionPage.Kind.INTRO)
    for title, slug in (
        ("Chức năng, nhiệm vụ", "chuc-nang-nhiem-vu"),
        ("Cơ cấu tổ chức", "co-cau-to-chuc"),
        ("Lịch sử phát triển", "lich-su"),
        ("Thông tin liên hệ", "lien-he"),
        ("Tiểu sử lãnh đạo", "tieu-su-lanh-dao"),
    ):
        _add(
            intro,
            ArticlePage(title=title, slug=slug, summary=title, body=[("paragraph", f"<p>{title}.</p>")]),
        )
    for kind, title, slug in (
        (SectionPage.Kind.DIRECTION, "Chỉ đạo về công tác chuyển đổi số", "chi-dao-chuyen-doi-so"),
        (
            SectionPage.Kind.PLANS,
            "Chiến lược phát triển nhà trường giai đoạn 2025-2030",
            "chien-luoc-2025-2030",
        ),
        (SectionPage.Kind.COMMENDATIONS, "Khen thưởng học sinh giỏi cấp tỉnh", "khen-thuong-hsg"),
        (SectionPage.Kind.RESEARCH, "Sáng kiến dạy học môn Ngữ văn", "sang-kien-ngu-van"),
    ):
        _add(
            section(kind),
            ArticlePage(title=title, slug=slug, summary=title, body=[("paragraph", f"<p>{title}.</p>")]),
        )
    _add(
        section(SectionPage.Kind.LEGAL),
        LegalDocumentPage(
            title="Quy chế hoạt động của Cổng thông tin điện tử",
            slug="quy-che-cong-thong-tin",
            number="45",
            notation="QĐ-THPTĐT",
            issued_on=datetime.date(2023, 9, 5),
            issuer="Trường THPT Đạ Tông",
            summary="Ban hành Quy chế hoạt động của Cổng thông tin điện tử nhà trường",
            file=_pdf("Quyết định 45/QĐ-THPTĐT"),
        ),
    )
    _add(
        section(SectionPage.Kind.SERVICES),
        PublicServicePage(
            title="Cấp bản sao văn bằng, chứng chỉ",
            slug="cap-ban-sao-van-bang",
            level=PublicServicePage.Level.PARTIAL,
            procedure="<p>Nộp đơn tại văn phòng hoặc trực tuyến; nhận kết quả sau 3 ngày làm việc.</p>",
            processing_time="3 ngày làm việc",
            forms=[("form", _pdf("Mẫu đơn đề nghị cấp bản sao"))],
        ),
    )
    # One article in review: saved as a draft in the drafts tray (the workflow, when present, has it).
    inbox = section(SectionPage.Kind.INBOX)
    draft = _add(
        inbox,
        ArticlePage(
            title="Đoàn trường ra quân tình nguyện hè",
            slug="doan-truong-tinh-nguyen-he",
            summary="Bài của Đoàn Thanh niên gửi Ban biên tập",
            body=[("paragraph", "<p>Đoàn trường ra quân chiến dịch tình nguyện hè.</p>")],
            source_sender="Đoàn Thanh niên",
        ),
        publish=False,
    )
    _submit_for_review(draft)


def _submit_for_review(page: Page) -> None:
    from portal.workflow import submit_demo_draft

    submit_demo_draft(page)
