"""Tenant use cases: create, suspend, resume, archive. Each owns its transaction and history entry."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.audit import Actor, audit_record
from core.errors import ApplicationError
from core.tenancy import in_public
from core.text import nfc
from tenants import events, naming, provisioning
from tenants.models import Domain, Tenant, TenantEvent
from tenants.orgcode import normalize_org_code
from tenants.permissions import require_manage
from tenants.selectors import host_is_taken

__all__ = [
    "Actor",
    "public_tenant_ensure",
    "tenant_archive",
    "tenant_create",
    "tenant_domain_add",
    "tenant_domain_remove",
    "tenant_propose_hosts",
    "tenant_resume",
    "tenant_suspend",
]

logger = logging.getLogger(__name__)

CREATABLE_KINDS = [k for k in Tenant.Kind.values if k != Tenant.Kind.PROVINCE]


def _record(tenant: Tenant, action: str, actor: Actor, **detail: Any) -> None:
    TenantEvent.objects.create(
        tenant=tenant, action=action, actor=actor.name, actor_ip=actor.ip, detail=detail
    )
    audit_record(actor=actor, action=f"tenant.{action}", target=tenant, **detail)


def _authorise(actor: Actor) -> None:
    if actor.user is not None:
        require_manage(actor.user)


def _host_for(purpose: str, value: str) -> str:
    """An operator's override: a bare label goes under BASE_DOMAIN, a dotted name is taken whole."""
    value = value.strip().lower().rstrip(".")
    if "." in value:
        host = naming.validate_host(value)
        if host == settings.BASE_DOMAIN:
            # The parent of every tenant's host: a page there could set cookies for all of them.
            raise ValidationError(
                _("Tên miền %(host)s là tên miền chung của tỉnh, không cấp cho một đơn vị.") % {"host": host},
                code="reserved_host",
            )
        return host
    return f"{naming.validate_label(value)}.{settings.BASE_DOMAIN}"


def tenant_propose_hosts(*, name: str, kind: str) -> dict[str, str]:
    """The R7 proposal for each purpose, made unique across the province."""
    proposals = naming.propose_labels(nfc(name), kind)
    hosts: dict[str, str] = {}
    for purpose, label in proposals.items():

        def taken(candidate: str) -> bool:
            host = f"{candidate}.{settings.BASE_DOMAIN}"
            return host in hosts.values() or host_is_taken(host)

        hosts[purpose] = f"{naming.unique_label(label, taken)}.{settings.BASE_DOMAIN}"
    return hosts


def _schema_name_for(host: str) -> str:
    base = re.sub(r"[^a-z0-9_]", "_", host.split(".")[0])[:56]
    if not base or not base[0].isalpha() or base.startswith(provisioning.SPARE_PREFIX):
        base = f"t_{base}"
    candidate, n = base, 1
    while Tenant.objects.filter(schema_name=candidate).exists() or provisioning.schema_exists(candidate):
        n += 1
        candidate = f"{base}_{n}"
    return candidate


def _identity_check(
    *, name: str, kind: str, org_code: str, parent: Tenant | None, errors: dict[str, list[str]]
) -> str:
    """Name, kind, organisation code (normalised, unused) and parent; errors go into `errors`."""
    if not name:
        errors["name"] = [_("Tên đơn vị không được để trống.")]
    if kind not in CREATABLE_KINDS:
        errors["kind"] = [
            _("Loại đơn vị “%(kind)s” không hợp lệ; chọn một trong: %(choices)s.")
            % {"kind": kind, "choices": ", ".join(CREATABLE_KINDS)}
        ]
    try:
        org_code = normalize_org_code(org_code or "")
    except ValidationError as exc:
        errors["org_code"] = list(exc.messages)
    else:
        if Tenant.objects.filter(org_code=org_code).exists():
            errors["org_code"] = [
                _("Mã định danh %(code)s đã được dùng cho đơn vị khác.") % {"code": org_code}
            ]
    if parent is not None and parent.status == Tenant.Status.ARCHIVED:
        errors["parent"] = [_("Đơn vị cấp trên đã được lưu trữ.")]

    return org_code


def _hosts_check(
    *, name: str, kind: str, hosts: Mapping[str, str] | None, errors: dict[str, list[str]]
) -> dict[str, str]:
    """The proposed hosts, overridden by those given; errors go into `errors`."""
    final_hosts: dict[str, str] = {}
    try:
        final_hosts = tenant_propose_hosts(name=name, kind=kind)
    except ValidationError as exc:
        if not hosts:
            errors["hosts"] = list(exc.messages)
    for purpose, value in (hosts or {}).items():
        if purpose not in (Domain.Purpose.WORKSPACE, Domain.Purpose.PORTAL):
            errors.setdefault("hosts", []).append(
                _("Mục đích tên miền “%(p)s” không hợp lệ.") % {"p": purpose}
            )
            continue
        try:
            host = _host_for(purpose, value)
        except ValidationError as exc:
            errors.setdefault("hosts", []).extend(exc.messages)
            continue
        if host_is_taken(host) or host in {h for p, h in final_hosts.items() if p != purpose}:
            errors.setdefault("hosts", []).append(_("Tên miền %(host)s đã được dùng.") % {"host": host})
        final_hosts[purpose] = host
    if not final_hosts and "hosts" not in errors:
        errors["hosts"] = [_("Đơn vị cần ít nhất một tên miền.")]
    return final_hosts


def tenant_create(
    *,
    actor: Actor,
    name: str,
    kind: str,
    org_code: str,
    parent: Tenant | None = None,
    hosts: Mapping[str, str] | None = None,
    adopt_schema: str | None = None,
) -> Tenant:
    """Create a tenant with its hosts and a ready schema (from the spare pool when it can).

    `adopt_schema`: an existing, migrated schema no tenant uses (a restored backup) becomes its own."""
    _authorise(actor)
    started = time.perf_counter()
    errors: dict[str, list[str]] = {}
    name = nfc(name or "")
    org_code = _identity_check(name=name, kind=kind, org_code=org_code, parent=parent, errors=errors)
    final_hosts: dict[str, str] = {}
    if "name" not in errors and "kind" not in errors:
        final_hosts = _hosts_check(name=name, kind=kind, hosts=hosts, errors=errors)
    if errors:
        raise ValidationError(errors)

    primary_purpose = (
        Domain.Purpose.WORKSPACE if Domain.Purpose.WORKSPACE in final_hosts else next(iter(final_hosts))
    )
    try:
        with in_public(), transaction.atomic():
            if adopt_schema is not None:
                if Tenant.objects.filter(schema_name=adopt_schema).exists() or not provisioning.schema_exists(
                    adopt_schema
                ):
                    raise ApplicationError(
                        _("Không có lược đồ %(schema)s để nhận cho đơn vị mới.") % {"schema": adopt_schema}
                    )
                schema_name, method = adopt_schema, "adopt"
            else:
                schema_name = _schema_name_for(final_hosts[primary_purpose])
                method = "pool" if provisioning.spare_claim_into(schema_name) else "migrate"
            # None free: a spare made now for this tenant (by the owner, see provisioning).
            if method == "migrate" and not provisioning.spare_claim_into(
                schema_name, spare_name=provisioning.spare_create()
            ):
                raise ApplicationError(_("Không tạo được lược đồ cho đơn vị; hãy thử lại."))
            tenant = Tenant(schema_name=schema_name, name=name, kind=kind, org_code=org_code, parent=parent)
            tenant.full_clean()
            tenant.save()
            for purpose, host in final_hosts.items():
                Domain.objects.create(
                    tenant=tenant, domain=host, purpose=purpose, is_primary=purpose == primary_purpose
                )
            seconds = round(time.perf_counter() - started, 4)
            _record(tenant, "create", actor, method=method, seconds=seconds, hosts=final_hosts)
            transaction.on_commit(_enqueue_refill)
            created = events.TenantCreated(tenant=tenant)

            def announce_created() -> None:
                events.publish(created)

            transaction.on_commit(announce_created)
    except IntegrityError as exc:
        # Another operator took the same host or code a moment ago: nothing was written.
        raise ApplicationError(
            _("Tên miền hoặc mã định danh vừa được dùng cho đơn vị khác; hãy thử lại.")
        ) from exc
    logger.info("tenant %s created by %s in %.3fs (%s)", schema_name, actor.name, seconds, method)
    return tenant


def _enqueue_refill() -> None:
    from tenants.tasks import spare_pool_refill

    try:
        spare_pool_refill.delay()
    except Exception:
        # The broker being down must not fail a created tenant; beat refills the pool later.
        logger.warning("could not enqueue the spare pool refill", exc_info=True)


_TRANSITIONS: dict[str, tuple[set[str], str]] = {
    "suspend": ({Tenant.Status.ACTIVE}, Tenant.Status.SUSPENDED),
    "resume": ({Tenant.Status.SUSPENDED}, Tenant.Status.ACTIVE),
    "archive": ({Tenant.Status.ACTIVE, Tenant.Status.SUSPENDED}, Tenant.Status.ARCHIVED),
}


def _tenant_transition(*, actor: Actor, tenant: Tenant, action: str, reason: str) -> Tenant:
    _authorise(actor)
    allowed_from, target = _TRANSITIONS[action]
    with in_public(), transaction.atomic():
        locked = Tenant.objects.select_for_update().get(pk=tenant.pk)
        if locked.is_public:
            raise ApplicationError(
                _("Không thể thay đổi trạng thái của bảng điều khiển tỉnh."), code="public_tenant"
            )
        if locked.status == target:
            return locked  # retry of the same request: nothing to do
        if locked.status not in allowed_from:
            raise ApplicationError(
                _("Không thể %(action)s đơn vị đang ở trạng thái “%(status)s”.")
                % {"action": _ACTION_LABELS[action], "status": locked.get_status_display()},
                code="invalid_transition",
            )
        before = locked.status
        locked.status = target
        locked.status_changed_at = timezone.now()
        locked.save(update_fields=["status", "status_changed_at"])
        _record(locked, action, actor, reason=nfc(reason or ""), before=before, after=target)
    return locked


_ACTION_LABELS = {
    "suspend": gettext_lazy("tạm ngừng"),
    "resume": gettext_lazy("mở lại"),
    "archive": gettext_lazy("lưu trữ"),
}


def tenant_suspend(*, actor: Actor, tenant: Tenant, reason: str = "") -> Tenant:
    """Close the tenant's hosts with a "suspended" page; every row and file stays."""
    return _tenant_transition(actor=actor, tenant=tenant, action="suspend", reason=reason)


def tenant_resume(*, actor: Actor, tenant: Tenant, reason: str = "") -> Tenant:
    return _tenant_transition(actor=actor, tenant=tenant, action="resume", reason=reason)


def tenant_archive(*, actor: Actor, tenant: Tenant, reason: str = "") -> Tenant:
    """Final: the hosts answer 404, the schema is kept for backups and inspection."""
    return _tenant_transition(actor=actor, tenant=tenant, action="archive", reason=reason)


_ALIAS_PURPOSES = (Domain.Purpose.WORKSPACE, Domain.Purpose.PORTAL)


def _lock_open_tenant(tenant: Tenant) -> Tenant:
    locked = Tenant.objects.select_for_update().get(pk=tenant.pk)
    if locked.is_public:
        raise ApplicationError(
            _("Tên miền của bảng điều khiển tỉnh được đặt trong cấu hình."), code="public_tenant"
        )
    if locked.status == Tenant.Status.ARCHIVED:
        raise ApplicationError(_("Đơn vị đã được lưu trữ: không đổi tên miền."), code="archived")
    return locked


def tenant_domain_add(*, actor: Actor, tenant: Tenant, purpose: str, host: str) -> Domain:
    """One more host (an alias) for a tenant's workspace or portal. The same request again adds
    nothing; a host that anyone else already has is refused."""
    _authorise(actor)
    if purpose not in _ALIAS_PURPOSES:
        raise ValidationError({"purpose": [_("Mục đích tên miền “%(p)s” không hợp lệ.") % {"p": purpose}]})
    try:
        host = _host_for(purpose, host or "")
    except ValidationError as exc:
        raise ValidationError({"host": exc.messages}) from exc
    try:
        with in_public(), transaction.atomic():
            locked = _lock_open_tenant(tenant)
            existing = Domain.objects.filter(domain=host).first()
            if existing is not None:
                if existing.tenant_id == locked.pk and existing.purpose == purpose:
                    return existing  # a retry of the same request
                raise ValidationError({"host": [_("Tên miền %(host)s đã được dùng.") % {"host": host}]})
            domain = Domain.objects.create(tenant=locked, domain=host, purpose=purpose, is_primary=False)
            _record(locked, "domain_add", actor, host=host, purpose=purpose)
    except IntegrityError as exc:
        # Another operator took the same host a moment ago: nothing was written.
        raise ApplicationError(
            _("Tên miền %(host)s vừa được dùng cho đơn vị khác.") % {"host": host}
        ) from exc
    return domain


def tenant_domain_remove(*, actor: Actor, tenant: Tenant, host: str) -> None:
    """Take an alias away from a tenant. Its primary host and the last host of a purpose stay;
    a host it does not have (any more) is nothing to do."""
    _authorise(actor)
    host = (host or "").strip().lower().rstrip(".")
    with in_public(), transaction.atomic():
        locked = _lock_open_tenant(tenant)
        domain = Domain.objects.select_for_update().filter(tenant=locked, domain=host).first()
        if domain is None:
            return  # a retry, or a host of another tenant: nothing of this tenant's changes
        if domain.is_primary:
            raise ApplicationError(
                _("Không thể gỡ tên miền chính %(host)s của đơn vị.") % {"host": host}, code="primary_host"
            )
        purpose = domain.purpose
        if not Domain.objects.filter(tenant=locked, purpose=purpose).exclude(pk=domain.pk).exists():
            raise ApplicationError(
                _("%(host)s là tên miền duy nhất của %(purpose)s; hãy thêm tên miền khác trước.")
                % {"host": host, "purpose": domain.get_purpose_display()},
                code="last_host",
            )
        domain.delete()
        _record(locked, "domain_remove", actor, host=host, purpose=purpose)


def public_tenant_ensure(*, name: str, org_code: str) -> Tenant:
    """The public schema's row and its console host (CONSOLE_HOST, `console.<BASE_DOMAIN>`).

    The bare BASE_DOMAIN, the parent of every tenant's host, no longer serves the console: a row
    that an earlier version made for it is removed."""
    with in_public(), transaction.atomic():
        tenant, _created = Tenant.objects.get_or_create(
            schema_name="public",
            defaults={
                "name": nfc(name),
                "kind": Tenant.Kind.PROVINCE,
                "org_code": normalize_org_code(org_code),
            },
        )
        Domain.objects.filter(tenant=tenant, domain=settings.BASE_DOMAIN).exclude(
            domain=settings.CONSOLE_HOST
        ).delete()
        Domain.objects.get_or_create(
            domain=settings.CONSOLE_HOST,
            defaults={"tenant": tenant, "purpose": Domain.Purpose.CONSOLE, "is_primary": True},
        )
    return tenant
