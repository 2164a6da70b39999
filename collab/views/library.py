"""The shared library's pages: folders, a folder's documents and versions, upload, access, search."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.permissions import require
from collab.permissions import folder_can_edit
from collab.selectors.library import folder_get, folder_list, item_list, version_get
from collab.selectors.people import active_people, active_units
from collab.services.library import (
    folder_create,
    folder_grant,
    folder_revoke,
    item_download_record,
    item_upload,
)
from core.audit import actor_from
from core.ids import is_uuid
from core.responses import message_call


@login_required
def library_view(request: HttpRequest) -> HttpResponse:
    require(request.user, "collab.view")
    if request.method == "POST":
        outcome = message_call(
            request,
            folder_create,
            actor=actor_from(request),
            name=request.POST.get("name", ""),
            everyone=request.POST.get("everyone") == "on",
            success=_("Đã tạo thư mục."),
        )
        if outcome.ok and outcome.value is not None:
            return redirect("collab-folder", key=outcome.value.uuid)
        return redirect("collab-library")
    q = request.GET.get("q", "")[:200]
    return render(
        request,
        "collab/library.html",
        {
            "folders": folder_list(reader=request.user),
            "q": q,
            "found": item_list(reader=request.user, q=q)[:100] if q else None,
        },
    )


@login_required
def folder_view(request: HttpRequest, key: str) -> HttpResponse:
    require(request.user, "collab.view")
    folder = folder_get(reader=request.user, key=key)
    if folder is None:
        raise Http404
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            messages.error(request, _("Chưa chọn tệp."))
        else:
            message_call(
                request,
                item_upload,
                actor=actor_from(request),
                folder=folder,
                title=request.POST.get("title", ""),
                upload=upload,
                note=request.POST.get("note", ""),
                success=_("Đã tải lên."),
            )
        return redirect("collab-folder", key=folder.uuid)
    q = request.GET.get("q", "")[:200]
    is_owner = folder.created_by_id == request.user.pk
    return render(
        request,
        "collab/folder.html",
        {
            "folder": folder,
            "items": item_list(reader=request.user, folder=folder, q=q),
            "q": q,
            "can_edit": folder_can_edit(request.user, folder),
            "is_owner": is_owner,
            "access": folder.access.select_related("user", "unit") if is_owner else [],
            "people": active_people() if is_owner else [],
            "units": active_units() if is_owner else [],
        },
    )


@login_required
@require_POST
def folder_access_view(request: HttpRequest, key: str) -> HttpResponse:
    require(request.user, "collab.view")
    folder = folder_get(reader=request.user, key=key)
    if folder is None:
        raise Http404
    actor = actor_from(request)
    revoke = request.POST.get("revoke", "")
    if revoke:
        access = (
            folder.access.filter(pk=int(revoke)).first() if revoke.isdigit() and len(revoke) < 12 else None
        )
        if access is None:
            raise Http404
        message_call(
            request, folder_revoke, actor=actor, folder=folder, access=access, success=_("Đã thu hồi quyền.")
        )
        return redirect("collab-folder", key=folder.uuid)
    person_key, unit_key = request.POST.get("user", ""), request.POST.get("unit", "")
    user = active_people().filter(uuid=person_key).first() if is_uuid(person_key) else None
    unit = active_units().filter(uuid=unit_key).first() if is_uuid(unit_key) else None
    message_call(
        request,
        folder_grant,
        actor=actor,
        folder=folder,
        user=user,
        unit=unit,
        can_edit=request.POST.get("can_edit") == "on",
        success=_("Đã cấp quyền."),
    )
    return redirect("collab-folder", key=folder.uuid)


@login_required
@require_GET
def version_download_view(request: HttpRequest, key: str) -> FileResponse:
    require(request.user, "collab.view")
    version = version_get(reader=request.user, key=key)
    if version is None:
        raise Http404
    try:
        handle = version.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    item_download_record(actor=actor_from(request), version=version)
    return FileResponse(
        handle, as_attachment=True, filename=version.original_name, content_type=version.content_type
    )
