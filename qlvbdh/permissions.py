"""Who may act on which QLVBĐH object: each rule once, as the filter of the objects a person
may act on (see accounts.permissions.Rule). Registered in QlvbdhConfig.ready().

Need-to-know (R11; the README's "Need-to-know" section says it in prose):

- `qlvbdh.view_documents` on a Document: every *registered* document (incoming, issued
  outgoing or internal; `registered_at` set) for the holders of `qlvbdh.view_registered`
  (head, deputy heads, clerks); a draft on its way to signature for the signers, and a signed
  one waiting for its number for the clerks; and for everyone the documents they are involved
  in: assigned to them or their unit (any role, re-assignments included), submitted to them
  (trình), acted on by them (a step on the timeline: drafted, approved, signed, reported...),
  distributed to their unit, or shared with them or their unit.
- Files and the timeline follow their document; dossiers are seen by their owner and whom
  they are shared with.
- `qlvbdh.share`: a document by those who see it and direct or assign work (head, deputies) or
  drafted it; a dossier by its owner.

Every filter is written for the list at a million rows: "involved" is one `id IN (... UNION ...)`
over indexed columns (no per-row Python, no joins that multiply rows, no DISTINCT), and the
registry readers' branch is a plain predicate on the row, so their inbox stays an index scan.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Q, QuerySet

from accounts.permissions import Rule, can

if TYPE_CHECKING:
    from accounts.models import User

# Timeline entries that record reading, not taking part: they never give sight by themselves.
PASSIVE_EVENTS = ("viewed", "attachment_downloaded", "attachment_analysed")


def own_or_unit_task_parts(user: User) -> list[Q]:
    """The rule below in its disjoint parts (a task has a person or a unit, never both:
    qlvbdh_assignment_one_assignee), for a list that reads each part from its own index."""
    parts = [Q(assignee_id=user.pk)]
    if user.unit_id is not None:
        parts.append(Q(unit_id=user.unit_id))
    return parts


def _own_or_unit_tasks(user: User) -> Q:
    """A task is acted on by its person, or by any member of its unit."""
    mine = Q()
    for part in own_or_unit_task_parts(user):
        mine |= part
    return mine


def _person_or_unit(user: User) -> Q:
    """A row addressed (`user`/`unit`) to this person or to their unit."""
    mine = Q(user_id=user.pk)
    if user.unit_id is not None:
        mine |= Q(unit_id=user.unit_id)
    return mine


def involved_document_ids(user: User) -> QuerySet[Any]:
    """The ids of the documents this person is involved in, as one UNION subquery (each part an
    index lookup: assignment.assignee/unit, event.(actor, document), share.user/unit,
    document.submitted_to, distribution.unit)."""
    from qlvbdh.models import Assignment, Distribution, Document, DocumentEvent
    from qlvbdh.share_models import DocumentShare

    assigned = Assignment.objects.filter(_own_or_unit_tasks(user)).order_by().values("document_id")
    acted = (
        DocumentEvent.objects.filter(actor=user.get_username())
        .exclude(kind__in=PASSIVE_EVENTS)
        .order_by()
        .values("document_id")
    )
    shared = DocumentShare.objects.filter(_person_or_unit(user)).order_by().values("document_id")
    submitted = Document.objects.filter(submitted_to_id=user.pk).order_by().values("id")
    parts = [acted, shared, submitted]
    if user.unit_id is not None:
        parts.append(Distribution.objects.filter(unit_id=user.unit_id).order_by().values("document_id"))
    return assigned.union(*parts)


def _visible_documents(user: User) -> Q:
    from qlvbdh.models import Document

    visible = Q(pk__in=involved_document_ids(user))
    if can(user, "qlvbdh.view_registered"):
        visible |= Q(registered_at__isnull=False)
    if can(user, "qlvbdh.sign"):
        # A draft goes to the head for approval unless its drafter submitted it to someone
        # (then only that person), and every approved draft waits for a signature.
        visible |= Q(status=Document.Status.DRAFT, submitted_to__isnull=True)
        visible |= Q(status=Document.Status.APPROVED)
    if can(user, "qlvbdh.issue_outgoing"):
        visible |= Q(status=Document.Status.SIGNED)  # waiting for its number
    return visible


def documents_visible_to(user: Any) -> QuerySet[Any]:
    """The queryset form for documents (every read of documents starts here)."""
    from accounts.permissions import permitted
    from qlvbdh.models import Document

    return permitted(user, "qlvbdh.view_documents", Document)


def _through_document(user: User) -> Q:
    """Files, timeline entries: seen with their document."""
    from qlvbdh.models import Document

    return Q(document_id__in=Document.objects.filter(_visible_documents(user)).order_by().values("pk"))


def _shareable_documents(user: User) -> Q:
    if can(user, "qlvbdh.direct") or can(user, "qlvbdh.assign"):
        return _visible_documents(user)
    return _visible_documents(user) & Q(created_by=user.get_username())


def _visible_dossiers(user: User) -> Q:
    from qlvbdh.share_models import DossierShare

    shared = DossierShare.objects.filter(_person_or_unit(user)).order_by().values("dossier_id")
    return Q(owner_id=user.pk) | Q(pk__in=shared)


def _own_dossiers(user: User) -> Q:
    return Q(owner_id=user.pk)


def rules() -> tuple[Rule[Any], ...]:
    from qlvbdh.attachment_models import Attachment
    from qlvbdh.models import Assignment, Document, DocumentEvent, Dossier

    return (
        Rule("qlvbdh.process", Assignment, _own_or_unit_tasks),
        Rule("qlvbdh.view_documents", Document, _visible_documents),
        Rule("qlvbdh.view_documents", Attachment, _through_document),
        Rule("qlvbdh.view_documents", DocumentEvent, _through_document),
        Rule("qlvbdh.view_documents", Dossier, _visible_dossiers),
        Rule("qlvbdh.share", Document, _shareable_documents),
        Rule("qlvbdh.share", Dossier, _own_dossiers),
    )
