"""Who may act on which QLVBĐH object: each rule once, as the filter of the objects a person
may act on (see accounts.permissions.Rule). Registered in QlvbdhConfig.ready()."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Q

from accounts.permissions import Rule

if TYPE_CHECKING:
    from accounts.models import User


def _own_or_unit_tasks(user: User) -> Q:
    """A task is acted on by its person, or by any member of its unit."""
    mine = Q(assignee_id=user.pk)
    if user.unit_id is not None:
        mine |= Q(unit_id=user.unit_id)
    return mine


def rules() -> tuple[Rule[Any], ...]:
    from qlvbdh.models import Assignment

    return (Rule("qlvbdh.process", Assignment, _own_or_unit_tasks),)
