"""The organisation directory (public schema): sync from tenants, import from CSV, look up by code.

Every read and write runs inside `in_public()`: the directory lives in the public schema only
(see `interagency.hub.models`).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from core.audit import Actor, audit_record
from core.errors import ApplicationError
from core.tenancy import in_public
from core.text import nfc
from interagency.edxml.codes import InvalidOrgCode, org_code_key, org_code_normal
from interagency.hub.models import Organisation
from tenants.orgcode import normalize_org_code

__all__ = [
    "ImportResult",
    "SyncResult",
    "directory_import_csv",
    "directory_lookup",
    "directory_sync_tenants",
    "org_code_forms",
]

MAX_CSV_BYTES = 5 * 1024 * 1024

# Header spellings (folded: stripped, lower-case, NFC) to column keys.
_HEADERS = {
    "org_code": "org_code",
    "mã định danh": "org_code",
    "name": "name",
    "tên cơ quan": "name",
    "hub_url": "hub_url",
    "địa chỉ trục": "hub_url",
}


@dataclass(frozen=True)
class SyncResult:
    created: int
    updated: int
    deactivated: int
    skipped: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    errors: list[str] = field(default_factory=list)


def org_code_forms(code: str) -> set[str]:
    """The stored spellings that mean the same organisation as ``code`` (already normalised).

    A short variant drops leading all-zero levels: "15.H21" and "000.00.15.H21" are the same
    code. Both directions are given, so a lookup finds a row whichever way it was written.
    """
    parts = code.split(".")
    level1, numeric = parts[-1], parts[:-1]
    forms = {code}
    widths = [3, 2, 2]  # levels 4, 3, 2
    slots = widths[3 - len(numeric) :]  # the numeric parts fill the lowest levels
    if len(numeric) < 3 and all(len(part) == width for part, width in zip(numeric, slots, strict=True)):
        padded = ["0" * width for width in widths[: 3 - len(numeric)]] + numeric
        forms.add(".".join([*padded, level1]))
    full = next((form for form in forms if form.count(".") == 3), None)
    if full is not None:
        levels = full.split(".")[:-1]
        while levels and set(levels[0]) == {"0"}:
            levels = levels[1:]
            forms.add(".".join([*levels, level1]))
    return forms


def _is_standard(code: str) -> bool:
    try:
        org_code_normal(code)
    except InvalidOrgCode:
        return False
    return True


def _same_code(code: str) -> Q:
    """Rows whose code means ``code`` (a key): a standard code in any of its spellings, another
    scheme's code compared case-insensitively (it is kept verbatim)."""
    if _is_standard(code):
        return Q(org_code__in=org_code_forms(code.upper()))
    return Q(org_code__iexact=code)


def _existing(code: str) -> Organisation | None:
    return Organisation.objects.filter(_same_code(code)).order_by("pk").first()


def directory_lookup(org_code: str) -> Organisation | None:
    """The active organisation with this code, in any real-world spelling, or another scheme's code
    (``vxp.saas.03``) whatever its case; None if unknown or unusable."""
    try:
        code = org_code_key(org_code)
    except InvalidOrgCode:
        return None
    with in_public():
        return Organisation.objects.filter(_same_code(code), is_active=True).order_by("pk").first()


def directory_sync_tenants(*, actor: Actor) -> SyncResult:
    """One active `tenant` row per non-archived tenant; rows of tenants gone or archived are deactivated.

    Idempotent: a second run changes nothing and reports zero created and updated.
    """
    from tenants.models import Tenant

    created = updated = 0
    skipped: list[str] = []
    seen: set[int] = set()
    with in_public(), transaction.atomic():
        tenants = Tenant.objects.exclude(status=Tenant.Status.ARCHIVED).order_by("pk")
        for tenant in tenants:
            try:
                code = normalize_org_code(tenant.org_code)
            except ValidationError:
                skipped.append(
                    _("Đơn vị “%(name)s” có mã định danh không hợp lệ: %(code)s")
                    % {"name": tenant.name, "code": tenant.org_code}
                )
                continue
            name = nfc(tenant.name)
            row = _existing(code)
            if row is None:
                row = Organisation.objects.create(
                    org_code=code, name=name, kind=Organisation.Kind.TENANT, hub_url="", is_active=True
                )
                created += 1
            elif (row.org_code, row.name, row.kind, row.hub_url, row.is_active) != (
                code,
                name,
                Organisation.Kind.TENANT,
                "",
                True,
            ):
                row.org_code, row.name, row.kind, row.hub_url, row.is_active = (
                    code,
                    name,
                    Organisation.Kind.TENANT,
                    "",
                    True,
                )
                row.save()
                updated += 1
            seen.add(row.pk)
        deactivated = (
            Organisation.objects.filter(kind=Organisation.Kind.TENANT, is_active=True)
            .exclude(pk__in=seen)
            .update(is_active=False)
        )
        if created or updated or deactivated:
            audit_record(
                actor=actor,
                action="directory.sync",
                created=created,
                updated=updated,
                deactivated=deactivated,
            )
    return SyncResult(created=created, updated=updated, deactivated=deactivated, skipped=skipped)


@dataclass(frozen=True)
class _Row:
    line: int
    org_code: str
    name: str
    hub_url: str


def _hub_url_error(url: str) -> str | None:
    if not url:
        return _("thiếu địa chỉ trục (hub_url) của cơ quan bên ngoài")
    if urlsplit(url).scheme.lower() != "https":
        return _("địa chỉ trục “%(url)s” phải dùng https") % {"url": url}
    try:
        URLValidator(schemes=["https"])(url)
    except ValidationError:
        return _("địa chỉ trục “%(url)s” không phải là URL hợp lệ") % {"url": url}
    return None


def _parse_csv(content: bytes) -> tuple[list[_Row], list[str]]:
    if len(content) > MAX_CSV_BYTES:
        raise ApplicationError(_("Tệp CSV quá lớn (tối đa %(size)d byte).") % {"size": MAX_CSV_BYTES})
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ApplicationError(
            _("Tệp CSV phải dùng mã UTF-8 (byte lỗi ở vị trí %(pos)d).") % {"pos": exc.start}
        ) from exc
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if header is None:
        raise ApplicationError(_("Tệp CSV rỗng."))
    columns = [_HEADERS.get(nfc(cell).lower()) for cell in header]
    missing = [key for key in ("org_code", "name", "hub_url") if key not in columns]
    if missing:
        raise ApplicationError(
            _(
                "Dòng tiêu đề phải có các cột org_code,name,hub_url "
                "(hoặc Mã định danh,Tên cơ quan,Địa chỉ trục); thiếu: %(missing)s"
            )
            % {"missing": ", ".join(missing)}
        )
    index = {key: columns.index(key) for key in ("org_code", "name", "hub_url")}
    rows: list[_Row] = []
    errors: list[str] = []
    seen: dict[str, int] = {}
    try:
        for record in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in record):
                continue
            if len(record) < len(header):
                errors.append(_("dòng %(line)d: thiếu cột") % {"line": line})
                continue
            problems: list[str] = []
            raw_code, name, url = (record[index[key]].strip() for key in ("org_code", "name", "hub_url"))
            code = ""
            try:
                # An external organisation may use another scheme's code: kept verbatim.
                code = org_code_key(raw_code)
            except InvalidOrgCode as exc:
                problems.append(str(exc))
            name = nfc(name)
            if not name:
                problems.append(_("thiếu tên cơ quan"))
            url_problem = _hub_url_error(url)
            if url_problem:
                problems.append(url_problem)
            if code:
                key = min(org_code_forms(code), key=len) if _is_standard(code) else code.upper()
                if key in seen:
                    problems.append(
                        _("mã định danh %(code)s trùng với dòng %(other)d")
                        % {"code": code, "other": seen[key]}
                    )
                else:
                    seen[key] = line
            if problems:
                errors.append(
                    _("dòng %(line)d: %(problems)s") % {"line": line, "problems": "; ".join(problems)}
                )
            else:
                rows.append(_Row(line=line, org_code=code, name=name, hub_url=url))
    except csv.Error as exc:
        errors.append(
            _("dòng %(line)d: CSV không đọc được (%(error)s)") % {"line": reader.line_num, "error": exc}
        )
    return rows, errors


def directory_import_csv(*, actor: Actor, content: bytes) -> ImportResult:
    """Create or update external organisations from a CSV list; all or nothing.

    Headers `org_code,name,hub_url` or `Mã định danh,Tên cơ quan,Địa chỉ trục`, UTF-8 with or
    without BOM. If any line is bad, nothing is written and every bad line is reported as
    "dòng N: ..." (N counts the header as line 1). A malformed file raises ApplicationError.
    """
    rows, errors = _parse_csv(content)
    if errors:
        return ImportResult(created=0, updated=0, errors=errors)
    created = updated = 0
    with in_public(), transaction.atomic():
        pending: list[tuple[Organisation | None, _Row]] = []
        for row in rows:
            existing = _existing(row.org_code)
            if existing is not None and existing.kind == Organisation.Kind.TENANT:
                errors.append(
                    _(
                        "dòng %(line)d: mã định danh %(code)s là của một đơn vị trong tỉnh, "
                        "không nhập từ danh sách"
                    )
                    % {"line": row.line, "code": row.org_code}
                )
            pending.append((existing, row))
        if errors:
            return ImportResult(created=0, updated=0, errors=errors)
        for existing, row in pending:
            if existing is None:
                Organisation.objects.create(
                    org_code=row.org_code, name=row.name, kind=Organisation.Kind.EXTERNAL, hub_url=row.hub_url
                )
                created += 1
            elif (existing.org_code, existing.name, existing.hub_url, existing.is_active) != (
                row.org_code,
                row.name,
                row.hub_url,
                True,
            ):
                existing.org_code, existing.name, existing.hub_url, existing.is_active = (
                    row.org_code,
                    row.name,
                    row.hub_url,
                    True,
                )
                existing.save()
                updated += 1
        audit_record(
            actor=actor, action="directory.import", created=created, updated=updated, lines=len(rows)
        )
    return ImportResult(created=created, updated=updated, errors=[])
