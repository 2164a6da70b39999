"""Portal content for tests: images, documents and pages made as the back office makes them
(a revision saved, then published, or left as a draft)."""

from __future__ import annotations

import io
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.images import ImageFile
from PIL import Image as PILImage
from wagtail.documents.models import Document

from portal.models import ArticlePage, PortalImage, SectionPage


def png_bytes(color: str = "red", size: tuple[int, int] = (64, 48)) -> bytes:
    buffer = io.BytesIO()
    PILImage.new("RGB", size, color).save(buffer, "PNG")
    return buffer.getvalue()


def image_create(title: str = "Ảnh thử") -> PortalImage:
    return PortalImage.objects.create(title=title, file=ImageFile(io.BytesIO(png_bytes()), name="anh.png"))


def document_create(title: str = "Tệp thử", content: bytes = b"%PDF-1.4 test") -> Document:
    return Document.objects.create(title=title, file=ContentFile(content, name="tep.pdf"))


def section(kind: str = SectionPage.Kind.NEWS) -> SectionPage:
    return SectionPage.objects.get(kind=kind)


def article_create(
    *,
    title: str = "Đầu tư công năm 2026",
    slug: str = "dau-tu-cong",
    parent: SectionPage | None = None,
    publish: bool = True,
    image: PortalImage | None = None,
    document: Document | None = None,
    **fields: Any,
) -> ArticlePage:
    body: list[Any] = [("paragraph", "<p>Kế hoạch đầu tư công trung hạn của trường.</p>")]
    if image is not None:
        body.append(("image", {"image": image, "caption": "Ảnh minh hoạ"}))
    if document is not None:
        body.append(("attachment", document))
    page = ArticlePage(
        title=title,
        slug=slug,
        summary=fields.pop("summary", "Tóm tắt bài."),
        body=body,
        cover=image,
        live=False,
        **fields,
    )
    (parent or section()).add_child(instance=page)
    revision = page.save_revision()
    if publish:
        revision.publish()
        page.refresh_from_db()
    return page
