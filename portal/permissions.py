"""Object rules of the portal's duties (P8), registered in PortalConfig.ready(); each is also a
queryset (accounts.permissions.permitted).

- `portal.answer_feedback` on Feedback: every item for who handles feedback (the board's head,
  deputies and secretaries, `portal.handle_feedback`); otherwise only the items assigned to the
  person (an editor given one to answer).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Q

from accounts.permissions import Rule, can

if TYPE_CHECKING:
    from accounts.models import User


def _answerable_feedback(user: User) -> Q:
    if can(user, "portal.handle_feedback"):
        return Q()
    return Q(assignee=user)


def rules() -> tuple[Rule[Any], ...]:
    from portal.models import Feedback

    return (Rule("portal.answer_feedback", Feedback, _answerable_feedback),)
