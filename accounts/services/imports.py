"""Bulk import of a staff file: read and check (nothing stored), preview, confirm once, cancel."""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import importing, naming
from accounts.models import ImportBatch, OrgUnit, Position, User, folded_name_of
from accounts.permissions import require_actor
from accounts.services.units import position_ensure
from accounts.services.users import existing_holders
from core.audit import Actor, audit_record, audit_record_many
from core.errors import ApplicationError
from core.text import nfc


def _resolve_batch_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Check units and e-mails against today's database and propose every account name at once (R8).

    The file's own errors (`file_errors`) stay; the database-derived ones are worked out afresh,
    so a unit created after the preview makes its rows good at confirmation.
    """
    units = Counter(OrgUnit.objects.filter(is_active=True).values_list("folded_name", flat=True))
    for row in rows:
        row["username"] = ""
        row.setdefault("file_errors", list(row.get("errors") or []))
        row["errors"] = list(row["file_errors"])
        folded_unit = folded_name_of(row.get("unit") or "")
        if folded_unit and units[folded_unit] == 0:
            row["errors"].append(
                _("Phòng, ban “%(unit)s” chưa có trong danh mục; hãy tạo trước hoặc sửa tên.")
                % {"unit": row["unit"]}
            )
        elif folded_unit and units[folded_unit] > 1:
            row["errors"].append(
                _("Có nhiều phòng, ban tên “%(unit)s” ở các cấp khác nhau; hãy đổi tên cho phân biệt.")
                % {"unit": row["unit"]}
            )
    emails = {row["email"] for row in rows if row.get("email")}
    taken_emails = (
        dict(User.objects.filter(email__in=emails).values_list("email", "username")) if emails else {}
    )
    people = []
    for index, row in enumerate(rows):
        if row.get("email") in taken_emails:
            row["errors"].append(
                _("Thư điện tử %(email)s đã thuộc tài khoản %(user)s.")
                % {"email": row["email"], "user": taken_emails[row["email"]]}
            )
        if row["errors"]:
            continue
        try:
            parts = naming.name_parts(row["full_name"])
        except ApplicationError as exc:
            row["errors"].append(exc.message)
            continue
        people.append(
            (
                index,
                parts,
                naming.Person(key=index, full_name=row["full_name"], birth_year=row.get("birth_year")),
            )
        )
    candidates: set[str] = set()
    for _index, parts, _person in people:
        candidates.add(naming.base_name(parts))
        candidates.add(naming.expanded_name(parts) or "")
    names = naming.propose_names([person for _i, _p, person in people], existing_holders(candidates))
    for index, _parts, _person in people:
        rows[index]["username"] = names[index]
    return rows


def import_rows_check(*, actor: Actor, filename: str, content: bytes) -> list[dict[str, Any]]:
    """Read a staff file and check every row against today's accounts; writes nothing."""
    require_actor(actor, "accounts.manage_accounts")
    parsed = importing.read_staff_file(filename, content)
    return _resolve_batch_rows([row.as_dict() for row in parsed])


def import_preview(*, actor: Actor, filename: str, content: bytes) -> ImportBatch:
    """Read and check a staff file; nothing but the preview itself is stored until confirmation."""
    rows = import_rows_check(actor=actor, filename=filename, content=content)
    with transaction.atomic():
        batch = ImportBatch.objects.create(filename=nfc(filename)[:255], rows=rows, created_by=actor.name)
        audit_record(
            actor=actor,
            action="account.import_preview",
            target=batch,
            rows=len(rows),
            bad_rows=len(batch.bad_rows),
        )
    return batch


def import_confirm(*, actor: Actor, batch: ImportBatch) -> ImportBatch:
    """Create one account per good row, in one transaction. Confirming again changes nothing."""
    require_actor(actor, "accounts.manage_accounts")
    with transaction.atomic():
        locked = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        if locked.status == ImportBatch.Status.CONFIRMED:
            return locked
        if locked.status != ImportBatch.Status.PREVIEW:
            raise ApplicationError(_("Đợt nhập này đã bị huỷ."), code="import_cancelled")
        # Accounts may have been created since the preview: resolve names again against today's table.
        rows = _resolve_batch_rows([dict(row) for row in locked.rows])
        units = {unit.folded_name: unit for unit in OrgUnit.objects.filter(is_active=True)}
        positions: dict[str, Position | None] = {}
        users = []
        for row in rows:
            if row["errors"]:
                continue
            position_key = folded_name_of(row.get("position") or "")
            if position_key not in positions:
                positions[position_key] = position_ensure(row.get("position") or "")
            user = User(
                username=row["username"],
                full_name=row["full_name"],
                folded_name=folded_name_of(row["full_name"]),
                birth_year=row.get("birth_year"),
                unit=units.get(folded_name_of(row.get("unit") or "")),
                position=positions[position_key],
                email=row.get("email") or "",
                phone=row.get("phone") or "",
                must_change_password=True,
            )
            # No password yet: the IT officer hands each person a one-time password (reset).
            user.set_unusable_password()
            users.append(user)
        try:
            with transaction.atomic():
                User.objects.bulk_create(users, batch_size=500)
        except IntegrityError as exc:
            # Someone took one of these names since they were resolved above: nothing is written.
            raise ApplicationError(
                _("Một tên tài khoản vừa được cấp cho người khác trong lúc nhập; hãy xác nhận lại."),
                code="import_name_taken",
                status=409,
            ) from exc
        created = list(User.objects.filter(username__in=[u.username for u in users]).order_by("id"))
        audit_record_many(
            actor=actor, action="account.create", targets=created, source=f"import:{locked.uuid}"
        )
        locked.rows = rows
        locked.status = ImportBatch.Status.CONFIRMED
        locked.confirmed_at = timezone.now()
        locked.created_count = len(created)
        locked.save(update_fields=["rows", "status", "confirmed_at", "created_count"])
        audit_record(actor=actor, action="account.import_confirm", target=locked, created=len(created))
    return locked


def import_cancel(*, actor: Actor, batch: ImportBatch) -> ImportBatch:
    require_actor(actor, "accounts.manage_accounts")
    with transaction.atomic():
        locked = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        if locked.status != ImportBatch.Status.PREVIEW:
            return locked
        locked.status = ImportBatch.Status.CANCELLED
        locked.save(update_fields=["status"])
        audit_record(actor=actor, action="account.import_cancel", target=locked)
    return locked
