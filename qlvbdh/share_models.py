"""Sharing: a document or a dossier shown to a person or to a whole unit (need-to-know, R11).

A share gives sight, never a task: the person (or every member of the unit) may read the
document, its files and its timeline, or the dossier. Unsharing deletes the row; the audit
trail and the document's timeline keep who shared what with whom, and when.

Registered through the last line of qlvbdh/models.py, so the app label is qlvbdh.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


def _constraints(owner: str) -> list[models.BaseConstraint]:
    """One person or one unit per row, and each at most once per shared object."""
    one_target = Q(user__isnull=False, unit__isnull=True) | Q(user__isnull=True, unit__isnull=False)
    return [
        models.CheckConstraint(condition=one_target, name=f"qlvbdh_{owner}_share_one_target"),
        models.UniqueConstraint(
            fields=[owner, "user"], condition=Q(user__isnull=False), name=f"qlvbdh_{owner}_share_user"
        ),
        models.UniqueConstraint(
            fields=[owner, "unit"], condition=Q(unit__isnull=False), name=f"qlvbdh_{owner}_share_unit"
        ),
    ]


class Share(models.Model):
    """To a person (`user`) or to every member of a unit (`unit`)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    unit = models.ForeignKey(
        "accounts.OrgUnit", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    shared_by = models.CharField(max_length=150)
    shared_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True
        ordering = ["shared_at", "id"]


class DocumentShare(Share):
    document = models.ForeignKey(
        "qlvbdh.Document", on_delete=models.PROTECT, related_name="shares", verbose_name=_("văn bản")
    )

    class Meta(Share.Meta):
        verbose_name = _("chia sẻ văn bản")
        verbose_name_plural = _("chia sẻ văn bản")
        constraints = _constraints("document")

    def __str__(self) -> str:
        return f"{self.document_id} → {self.user or self.unit}"


class DossierShare(Share):
    dossier = models.ForeignKey(
        "qlvbdh.Dossier", on_delete=models.PROTECT, related_name="shares", verbose_name=_("hồ sơ")
    )

    class Meta(Share.Meta):
        verbose_name = _("chia sẻ hồ sơ")
        verbose_name_plural = _("chia sẻ hồ sơ")
        constraints = _constraints("dossier")

    def __str__(self) -> str:
        return f"{self.dossier_id} → {self.user or self.unit}"
