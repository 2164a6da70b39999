"""The portal's page types (Wagtail), its image model, and what the editorial board records.

Each tenant schema has its own page tree: a HomePage under Wagtail's root, the sections of P1
(SectionPage, one per kind) under it, and the items (articles, legal documents, procedures) under
the sections. Only live, public pages are ever shown on the portal host (portal.selectors).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.http import HttpRequest
from django.utils.html import strip_tags
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.embeds.blocks import EmbedBlock
from wagtail.fields import RichTextField, StreamField
from wagtail.images.blocks import ImageChooserBlock
from wagtail.images.models import AbstractImage, AbstractRendition, Image
from wagtail.models import Page, Task
from wagtail.search import index

from core.text import fold, nfc

# The board's duties (P6-P8) live in modules of their own; Django finds their models here.
from portal.models.duties import DutySettings, Event, EventKind, EventKindUnit, EventReminder, QuotaGroup
from portal.models.public import Consultation, ConsultationComment, Feedback

__all__ = [
    "ArticlePage",
    "BoardTask",
    "Consultation",
    "ConsultationComment",
    "DutySettings",
    "Event",
    "EventKind",
    "EventKindUnit",
    "EventReminder",
    "Feedback",
    "HomePage",
    "Importance",
    "LegalDocumentPage",
    "PortalImage",
    "PortalRendition",
    "PublicServicePage",
    "QuotaGroup",
    "RefusalReason",
    "SectionPage",
    "SourceChannel",
]


class PortalImage(AbstractImage):
    """Wagtail's image with a caption and the author's credit (shown under the picture)."""

    caption = models.CharField(_("chú thích"), max_length=255, blank=True)
    credit = models.CharField(_("tác giả ảnh"), max_length=255, blank=True)

    admin_form_fields = (*Image.admin_form_fields, "caption", "credit")

    class Meta:
        verbose_name = _("ảnh")
        verbose_name_plural = _("ảnh")


class PortalRendition(AbstractRendition):
    image = models.ForeignKey(PortalImage, on_delete=models.CASCADE, related_name="renditions")

    class Meta:
        unique_together = (("image", "filter_spec", "focal_point_key"),)


def _stream_text(value: Any) -> str:
    """The words of a StreamField value (rich text and captions), for the folded search text."""
    parts: list[str] = []
    for block in value or ():
        raw = block.value
        if hasattr(raw, "source"):
            parts.append(strip_tags(raw.source))
        elif isinstance(raw, str):
            parts.append(strip_tags(raw))
        elif isinstance(raw, dict):
            parts.extend(strip_tags(str(v)) for v in raw.values() if isinstance(v, str))
    return " ".join(parts)


class FoldedSearchMixin:
    """Search ignores diacritics: the index holds a folded copy of the page's words and the query is
    folded the same way (portal.selectors.page_search)."""

    def search_words(self) -> str:
        return str(getattr(self, "title", ""))

    def search_folded(self) -> str:
        return fold(self.search_words())


_FOLDED = index.SearchField("search_folded")


class HomePage(FoldedSearchMixin, Page):
    intro = RichTextField(_("giới thiệu ngắn"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    search_fields = [*Page.search_fields, _FOLDED]
    subpage_types = ["portal.SectionPage"]
    parent_page_types = ["wagtailcore.Page"]
    max_count_per_parent = 1

    class Meta:
        verbose_name = _("trang chủ")

    def get_context(self, request: HttpRequest, *args: Any, **kwargs: Any) -> dict[str, Any]:
        from portal import selectors

        context = super().get_context(request, *args, **kwargs)
        context["sections"] = selectors.sections_visible(self)
        context["latest"] = selectors.articles_latest(self, limit=8)
        return context


class SectionPage(FoldedSearchMixin, Page):
    """A section (chuyên mục) of P1. `routine` marks a column where editors and deputies may approve
    and publish themselves (regulation Điều 12.2: teaching news, periodic columns)."""

    class Kind(models.TextChoices):
        INTRO = "intro", _("Giới thiệu")
        NEWS = "news", _("Tin tức, sự kiện")
        EVENTS = "events", _("Sự kiện")
        DIRECTION = "direction", _("Văn bản chỉ đạo, điều hành")
        PLANS = "plans", _("Kế hoạch, chiến lược")
        LEGAL = "legal", _("Văn bản quy phạm pháp luật")
        SERVICES = "services", _("Dịch vụ công trực tuyến")
        DIRECTORY = "directory", _("Danh bạ cán bộ, điện thoại")
        COMMENDATIONS = "commendations", _("Thi đua, khen thưởng")
        RESEARCH = "research", _("Nghiên cứu khoa học, sáng kiến")
        INBOX = "inbox", _("Bài gửi chờ biên tập")

    kind = models.CharField(_("loại chuyên mục"), max_length=20, choices=Kind.choices, default=Kind.NEWS)
    intro = RichTextField(_("giới thiệu"), blank=True)
    routine = models.BooleanField(
        _("chuyên mục thường xuyên"),
        default=False,
        help_text=_("Biên tập viên và phó trưởng ban được duyệt và đăng bài trong chuyên mục này."),
    )

    content_panels = [*Page.content_panels, FieldPanel("kind"), FieldPanel("intro"), FieldPanel("routine")]
    search_fields = [*Page.search_fields, _FOLDED]
    parent_page_types = ["portal.HomePage", "portal.SectionPage"]
    subpage_types = [
        "portal.SectionPage",
        "portal.ArticlePage",
        "portal.LegalDocumentPage",
        "portal.PublicServicePage",
    ]

    class Meta:
        verbose_name = _("chuyên mục")
        verbose_name_plural = _("chuyên mục")

    def search_words(self) -> str:
        return f"{self.title} {strip_tags(self.intro)}"

    def get_context(self, request: HttpRequest, *args: Any, **kwargs: Any) -> dict[str, Any]:
        from portal import selectors

        context = super().get_context(request, *args, **kwargs)
        context["items"] = selectors.children_visible(self)
        if self.kind == self.Kind.DIRECTORY:
            context["staff"] = selectors.staff_directory()
        return context


class Importance(models.TextChoices):
    """Items other than normal need the board head's approval (P3)."""

    NORMAL = "normal", _("Thông thường")
    IMPORTANT = "important", _("Quan trọng")
    SENSITIVE = "sensitive", _("Nhạy cảm")
    SECTOR = "sector", _("Liên quan đến ngành")


class SourceChannel(models.TextChoices):
    """How a draft arrived (Điều 12.3): through the system, or off it and entered by an editor."""

    SYSTEM = "system", _("Qua hệ thống")
    EMAIL = "email", _("Thư điện tử")
    ZALO = "zalo", _("Zalo")
    PAPER = "paper", _("Bản giấy")
    DISC = "disc", _("Đĩa, thiết bị lưu trữ")


class ArticleBody(blocks.StreamBlock):
    paragraph = blocks.RichTextBlock(label=_("Đoạn văn"))
    image = blocks.StructBlock(
        [("image", ImageChooserBlock(label=_("Ảnh"))), ("caption", blocks.CharBlock(required=False))],
        label=_("Ảnh"),
        icon="image",
    )
    video = EmbedBlock(label=_("Video (đường dẫn)"), icon="media")
    attachment = DocumentChooserBlock(label=_("Tệp đính kèm"))


class BoardItemMixin(models.Model):
    """What the board records on every item: how important it is and where it came from."""

    importance = models.CharField(
        _("mức độ"), max_length=12, choices=Importance.choices, default=Importance.NORMAL
    )
    source_channel = models.CharField(
        _("nguồn bài"), max_length=12, choices=SourceChannel.choices, default=SourceChannel.SYSTEM
    )
    source_sender = models.CharField(_("người, đơn vị gửi"), max_length=255, blank=True)

    board_panels = [
        MultiFieldPanel(
            [FieldPanel("importance"), FieldPanel("source_channel"), FieldPanel("source_sender")],
            heading=_("Ban biên tập"),
        )
    ]

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return str(getattr(self, "title", ""))

    def clean(self) -> None:
        super().clean()
        # A draft that arrived off the system (Điều 12.3) says who sent it.
        self.source_sender = nfc(self.source_sender or "")
        if self.source_channel != SourceChannel.SYSTEM and not self.source_sender:
            raise ValidationError({"source_sender": _("Hãy ghi người, đơn vị đã gửi bài này.")})

    def needs_board_head(self) -> bool:
        return self.importance != Importance.NORMAL


class ArticlePage(FoldedSearchMixin, BoardItemMixin, Page):
    summary = models.TextField(_("tóm tắt"), blank=True)
    cover = models.ForeignKey(
        PortalImage,
        verbose_name=_("ảnh đại diện"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    body = StreamField(ArticleBody(), verbose_name=_("nội dung"), blank=True)

    content_panels = [
        *Page.content_panels,
        FieldPanel("summary"),
        FieldPanel("cover"),
        FieldPanel("body"),
        *BoardItemMixin.board_panels,
    ]
    search_fields = [*Page.search_fields, index.SearchField("summary"), _FOLDED]
    parent_page_types = ["portal.SectionPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("bài viết")
        verbose_name_plural = _("bài viết")

    def search_words(self) -> str:
        return f"{self.title} {self.summary} {_stream_text(self.body)}"


class LegalDocumentPage(FoldedSearchMixin, BoardItemMixin, Page):
    """A legal or direction document with its metadata; `source_uuid` is the workspace's outgoing
    document it was published from (one page per document)."""

    number = models.CharField(_("số"), max_length=30)
    notation = models.CharField(_("ký hiệu"), max_length=100, blank=True)
    issued_on = models.DateField(_("ngày ban hành"))
    issuer = models.CharField(_("cơ quan ban hành"), max_length=255)
    summary = models.TextField(_("trích yếu"), blank=True)
    file = models.ForeignKey(
        "wagtaildocs.Document",
        verbose_name=_("tệp văn bản"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    source_uuid = models.UUIDField(null=True, blank=True, unique=True, editable=False)

    content_panels = [
        *Page.content_panels,
        FieldPanel("number"),
        FieldPanel("notation"),
        FieldPanel("issued_on"),
        FieldPanel("issuer"),
        FieldPanel("summary"),
        FieldPanel("file"),
        *BoardItemMixin.board_panels,
    ]
    search_fields = [*Page.search_fields, _FOLDED]
    parent_page_types = ["portal.SectionPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("văn bản")
        verbose_name_plural = _("văn bản")

    @property
    def number_notation(self) -> str:
        return f"{self.number}/{self.notation}" if self.notation else self.number

    def search_words(self) -> str:
        return f"{self.title} {self.number_notation} {self.issuer} {self.summary}"


class PublicServicePage(FoldedSearchMixin, BoardItemMixin, Page):
    """An administrative procedure offered online, with its level and its forms."""

    class Level(models.TextChoices):
        INFORMATION = "information", _("Cung cấp thông tin")
        PARTIAL = "partial", _("Dịch vụ công trực tuyến một phần")
        FULL = "full", _("Dịch vụ công trực tuyến toàn trình")

    level = models.CharField(_("mức độ"), max_length=12, choices=Level.choices, default=Level.INFORMATION)
    procedure = RichTextField(_("trình tự thực hiện"), blank=True)
    processing_time = models.CharField(_("thời hạn giải quyết"), max_length=255, blank=True)
    forms = StreamField(
        [("form", DocumentChooserBlock(label=_("Mẫu đơn, tờ khai")))],
        verbose_name=_("mẫu đơn, tờ khai"),
        blank=True,
    )

    content_panels = [
        *Page.content_panels,
        FieldPanel("level"),
        FieldPanel("procedure"),
        FieldPanel("processing_time"),
        FieldPanel("forms"),
        *BoardItemMixin.board_panels,
    ]
    search_fields = [*Page.search_fields, _FOLDED]
    parent_page_types = ["portal.SectionPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("thủ tục hành chính")
        verbose_name_plural = _("thủ tục hành chính")

    def search_words(self) -> str:
        return f"{self.title} {strip_tags(self.procedure)}"


class RefusalReason(models.TextChoices):
    """Why the board refuses an item (P5, regulation Điều 15)."""

    POLICY = "policy", _("Trái đường lối, chính sách của Đảng, pháp luật của Nhà nước")
    SECRET = "secret", _("Có nội dung bí mật nhà nước")
    UNTRUE = "untrue", _("Thông tin không chính xác, không đúng sự thật")
    QUALITY = "quality", _("Chất lượng thấp")
    UNLAWFUL = "unlawful", _("Vi phạm quy định khác của pháp luật")


class BoardTask(Task):
    """One step of the editorial board's workflow (P3); who may act is read from the roles held in
    accounts each time (portal.workflow.user_can_act), never from a group list kept here."""

    class Step(models.TextChoices):
        EDIT = "edit", _("Biên tập, xếp chuyên mục")
        APPROVE = "approve", _("Phê duyệt")
        PUBLISH = "publish", _("Xuất bản")

    step = models.CharField(_("bước"), max_length=10, choices=Step.choices, unique=True)

    admin_form_fields = [*Task.admin_form_fields, "step"]

    class Meta:
        verbose_name = _("bước duyệt của Ban biên tập")
        verbose_name_plural = _("bước duyệt của Ban biên tập")

    def user_can_access_editor(self, obj: Any, user: Any) -> bool:
        from portal.workflow import user_can_act

        return user_can_act(self, obj, user)

    def locked_for_user(self, obj: Any, user: Any) -> bool:
        from portal.workflow import user_can_act

        return not user_can_act(self, obj, user)

    def get_actions(self, obj: Any, user: Any) -> list[tuple[str, str, bool]]:
        from portal.workflow import actions_for

        return actions_for(self, obj, user)

    def get_form_for_action(self, action: str) -> Any:
        from portal.workflow import form_for_action

        return form_for_action(action)

    def on_action(self, task_state: Any, user: Any, action_name: str, **kwargs: Any) -> Any:
        from portal.services.workflow import task_act

        return task_act(task=self, task_state=task_state, user=user, action=action_name, **kwargs)

    def get_task_states_user_can_moderate(self, user: Any, **kwargs: Any) -> Any:
        from portal.workflow import task_states_moderatable

        return task_states_moderatable(self, user)

    @classmethod
    def get_description(cls) -> str:
        return str(_("Người giữ vai trò tương ứng trong Ban biên tập thực hiện bước này."))
