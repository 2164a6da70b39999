"""Backup pages: the province's console (operators) and an agency's workspace (its IT officer).
Thin: permission, a selector or one service call, a page or a redirect with a message."""

from __future__ import annotations

from uuid import UUID

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from backups import selectors
from backups.console import console_action_start
from backups.forms import RestoreForm
from backups.officer import backup_own_download, backup_own_start
from backups.permissions import (
    backups_can_operate,
    backups_can_restore,
    backups_can_run_own,
    backups_downloadable,
)
from core.audit import actor_from
from core.responses import message_call
from core.tenancy import in_public

# --- console -------------------------------------------------------------------------------------


def _operator(request: HttpRequest) -> None:
    if not backups_can_operate(request.user):
        raise PermissionDenied


@login_required
def console_backups_view(request: HttpRequest) -> HttpResponse:
    """Every tenant: newest backup, newest successful drill, open alerts; the open alerts below."""
    _operator(request)
    with in_public():
        tenants = list(selectors.tenants_backup_overview())
        alerts = list(selectors.alert_list())
    return render(request, "backups/console_home.html", {"tenants": tenants, "alerts": alerts})


@login_required
def console_tenant_view(request: HttpRequest, key: str) -> HttpResponse:
    _operator(request)
    with in_public():
        tenant = selectors.backup_tenant_get(key)
        if tenant is None:
            raise Http404
        context = {
            "tenant": tenant,
            "backups": list(selectors.backup_list(tenant_id=tenant.pk)[:100]),
            "drills": list(selectors.drill_list(tenant_id=tenant.pk)[:20]),
            "alerts": list(selectors.alert_list().filter(tenant=tenant)),
            "can_restore": backups_can_restore(request.user),
        }
    return render(request, "backups/console_tenant.html", context)


@login_required
def console_alerts_view(request: HttpRequest) -> HttpResponse:
    _operator(request)
    with in_public():
        alerts = list(selectors.alert_list(open_only=False))
    return render(request, "backups/console_alerts.html", {"alerts": alerts})


@login_required
def console_drills_view(request: HttpRequest) -> HttpResponse:
    _operator(request)
    with in_public():
        drills = list(selectors.drill_list()[:200])
    return render(request, "backups/console_drills.html", {"drills": drills})


@require_POST
@login_required
def console_action_view(request: HttpRequest, action: str, key: str) -> HttpResponse:
    """Back up a tenant now, or drill a backup: queued, the outcome on the tenant's page later."""
    if action not in ("backup", "drill"):
        raise Http404
    message_call(
        request,
        console_action_start,
        actor=actor_from(request),
        action=action,
        key=key,
        success=_("Đã đưa vào hàng đợi; kết quả sẽ hiện trên trang này."),
    )
    return redirect(request.POST.get("next") or "backup-console")


@login_required
def console_restore_view(request: HttpRequest, key: UUID) -> HttpResponse:
    if not backups_can_restore(request.user):
        raise PermissionDenied
    backup = selectors.backup_get(str(key))
    if backup is None:
        raise Http404
    form = RestoreForm(request.POST or None, backup=backup)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        outcome = message_call(
            request,
            console_action_start,
            actor=actor_from(request),
            action=data["mode"],
            key=str(backup.uuid),
            options={"name": data["name"], "org_code": data["org_code"], "host": data["host"]},
            success=_("Đã đưa việc khôi phục vào hàng đợi; kết quả ghi trong nhật ký."),
        )
        if outcome.ok:
            return redirect("backup-console-tenant", key=str(backup.tenant.uuid))
    return render(request, "backups/console_restore.html", {"backup": backup, "form": form})


# --- workspace: the agency's IT officer ----------------------------------------------------------


@login_required
def my_backups_view(request: HttpRequest) -> HttpResponse:
    tenant = getattr(request, "tenant", None)
    if tenant is None or not backups_can_run_own(request.user):
        raise PermissionDenied
    downloadable = backups_downloadable(request.user, tenant)  # asked here, in the tenant's scope
    with in_public():
        backups = list(downloadable.order_by("-started_at")[:50])
        running = selectors.backup_list(tenant_id=tenant.pk).filter(state="running").exists()
    return render(request, "backups/my_backups.html", {"backups": backups, "running": running})


@require_POST
@login_required
def my_backup_start_view(request: HttpRequest) -> HttpResponse:
    message_call(
        request,
        backup_own_start,
        actor=actor_from(request),
        tenant=getattr(request, "tenant", None),
        success=_("Đã bắt đầu sao lưu; tải về khi bản sao lưu hoàn tất."),
    )
    return redirect("my-backups")


@login_required
def my_backup_download_view(request: HttpRequest, key: UUID) -> StreamingHttpResponse:
    tenant = getattr(request, "tenant", None)
    if tenant is None:
        raise Http404
    backup, stream = backup_own_download(actor=actor_from(request), tenant=tenant, backup_uuid=str(key))
    response = StreamingHttpResponse(stream, content_type="application/x-tar")
    stamp = timezone.localtime(backup.started_at).strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="{backup.org_code}-{stamp}.tar"'
    response["Cache-Control"] = "no-store"
    return response
