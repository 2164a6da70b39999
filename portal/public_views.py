"""The public's own pages on the portal host (P8): send feedback, follow it by its tracking code,
read the published questions and answers; comment on drafts put out for consultation; and the
feed of articles marked for the sector (decision Điều 2). Nothing here shows a sender's contact."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from core.http import client_ip
from core.paging import CappedPaginator
from core.responses import form_call
from portal import selectors
from portal.cache import cached_public_page
from portal.forms import CommentForm, FeedbackForm, TrackForm
from portal.models import Consultation, ConsultationComment, Feedback
from portal.spam import form_check, form_token, submission_key
from portal.views import _PortalFeed


def _refused(request: HttpRequest, template: str, context: dict[str, Any], refusal: Any) -> HttpResponse:
    context["form"].add_error(None, refusal.message)
    response = render(request, template, context, status=refusal.status)
    if refusal.retry_after:
        response["Retry-After"] = str(refusal.retry_after)
    return response


def _guarded(request: HttpRequest, form: Any) -> Any:
    """None when the sending may go on; else the refusal (honeypot, too fast, too many, too big)."""
    return form_check(data=request.POST.dict(), ip=client_ip(request))


@require_http_methods(["GET", "HEAD", "POST"])
def feedback_view(request: HttpRequest) -> HttpResponse:
    from portal.services.feedback import feedback_submit

    if request.method != "POST":
        form = FeedbackForm(initial={"token": form_token()})
        return render(request, "portal/feedback.html", {"form": form})
    form = FeedbackForm(request.POST, request.FILES)
    context: dict[str, Any] = {"form": form}
    refusal = _guarded(request, form)
    if refusal is not None:
        return _refused(request, "portal/feedback.html", context, refusal)
    if form.is_valid():
        outcome = form_call(
            form,
            feedback_submit,
            data=form.cleaned_data,
            attachment=form.cleaned_data.get("attachment"),
            key=submission_key(form.cleaned_data["token"]),
            ip=client_ip(request),
        )
        if outcome.ok and outcome.value is not None:
            return render(request, "portal/feedback_sent.html", {"feedback": outcome.value})
    # the same token stays valid: the visitor corrects the form and sends it again
    return render(request, "portal/feedback.html", context, status=400)


@require_safe
def feedback_track_view(request: HttpRequest) -> HttpResponse:
    """The item a tracking code names, its status and answer; never another's, never a contact."""
    form = TrackForm(request.GET or None)
    item: Feedback | None = None
    searched = False
    if form.is_bound and form.is_valid():
        from core.ratelimits import window_hit
        from portal.services.feedback import feedback_by_code

        # guessing codes is slow: 60 look-ups an hour per address
        if window_hit("portal-track", client_ip(request) or "unknown", seconds=3600).over(60):
            return render(request, "portal/feedback_track.html", {"form": form, "limited": True}, status=429)
        searched = True
        item = feedback_by_code(form.cleaned_data["code"])
    status = 404 if searched and item is None else 200
    return render(
        request,
        "portal/feedback_track.html",
        {"form": form, "item": item, "searched": searched},
        status=status,
    )


@require_safe
def qa_view(request: HttpRequest) -> HttpResponse:
    items = (
        Feedback.objects.filter(published_at__isnull=False)
        .only("subject", "text", "answer", "answered_at", "published_at")
        .order_by("-published_at", "-id")
    )
    page = CappedPaginator(items, 20).get_page(request.GET.get("page"))
    return render(request, "portal/qa.html", {"page": page})


@require_safe
def consultations_view(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    rows = Consultation.objects.filter(opens_on__lte=today).order_by("-opens_on", "-id")
    page = CappedPaginator(rows, 20).get_page(request.GET.get("page"))
    return render(request, "portal/consultations.html", {"page": page, "today": today})


@require_http_methods(["GET", "HEAD", "POST"])
def consultation_view(request: HttpRequest, key: str) -> HttpResponse:
    from portal.services.consultation import comment_submit, consultation_is_open

    today = timezone.localdate()
    consultation = Consultation.objects.filter(uuid=_uuid_or_404(key), opens_on__lte=today).first()
    if consultation is None:
        raise Http404
    comments = consultation.comments.filter(status=ConsultationComment.Status.APPROVED).only(
        "name", "text", "created_at"
    )
    context: dict[str, Any] = {
        "consultation": consultation,
        "comments": comments,
        "open": consultation_is_open(consultation),
        "sent": False,
    }
    if request.method != "POST":
        context["form"] = CommentForm(initial={"token": form_token()})
        return render(request, "portal/consultation.html", context)
    form = CommentForm(request.POST)
    context["form"] = form
    refusal = _guarded(request, form)
    if refusal is not None:
        return _refused(request, "portal/consultation.html", context, refusal)
    if form.is_valid():
        outcome = form_call(
            form,
            comment_submit,
            consultation=consultation,
            data=form.cleaned_data,
            key=submission_key(form.cleaned_data["token"]),
            ip=client_ip(request),
        )
        if outcome.ok:
            context.update(sent=True, form=CommentForm(initial={"token": form_token()}))
            return render(request, "portal/consultation.html", context)
    return render(request, "portal/consultation.html", context, status=400)


def _uuid_or_404(key: str) -> str:
    from uuid import UUID

    try:
        return str(UUID(key))
    except ValueError as exc:
        raise Http404 from exc


class _SectorFeed(_PortalFeed):
    """Articles marked for the sector (Importance.SECTOR), live and public, newest first."""

    def get_object(self, request: HttpRequest, slug: str | None = None) -> Any:
        return super().get_object(request, None)

    def title(self, obj: Any) -> str:
        return _("Tin gửi ngành: %(name)s") % {"name": obj.title}

    def description(self, obj: Any) -> str:
        return _("Các bài viết của %(name)s được đánh dấu liên quan đến ngành") % {"name": obj.title}

    def items(self, obj: Any) -> list[Any]:
        return selectors.articles_for_sector(obj, limit=30)


sector_feed = require_safe(cached_public_page(_SectorFeed()))
