"""My tasks and what I do on one: report progress, close."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.permissions import require
from core.audit import actor_from
from core.paging import CappedPaginator
from core.responses import message_call
from qlvbdh.forms import (
    TaskForm,
)
from qlvbdh.selectors.assignments import assignment_get, my_tasks_list
from qlvbdh.services.processing import (
    assignment_close,
    assignment_report,
)


@login_required
def my_tasks_view(request: HttpRequest) -> HttpResponse:
    require(request.user, "qlvbdh.process")
    page = CappedPaginator(my_tasks_list(user=request.user), 50).get_page(request.GET.get("page"))
    return render(request, "qlvbdh/my_tasks.html", {"tasks": page, "page": page, "form": TaskForm()})


@require_POST
@login_required
def task_action_view(request: HttpRequest, key: str, action: str) -> HttpResponse:
    task = assignment_get(user=request.user, key=key)
    if task is None or action not in ("report", "close"):
        raise Http404
    form = TaskForm(request.POST)
    report = form.cleaned_data["report"] if form.is_valid() else ""
    service = assignment_close if action == "close" else assignment_report
    message_call(
        request,
        service,
        success=_("Đã cập nhật việc."),
        actor=actor_from(request),
        assignment=task,
        report=report,
    )
    return redirect("my-tasks")
