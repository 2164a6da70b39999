"""What Wagtail needs to know of the editorial board, derived from the roles held in accounts.

accounts stays the only source of truth (P2): a Wagtail group per board role, with its page and
collection permissions, and each person's membership recomputed on every grant and revoke
(accounts.events.RolesChanged). Nobody edits these groups by hand: the next sync overwrites them.

| role            | pages (whole site)                     | images, documents   |
|-----------------|----------------------------------------|---------------------|
| contributor     | add, in the drafts tray only           | add, choose         |
| editor          | add, change, lock                      | add, change, choose |
| board deputy    | add, change, lock                      | add, change, choose |
| board secretary | add, change, lock                      | add, change, choose |
| board head      | add, change, lock, unlock, publish(*)  | add, change, choose |

(*) Wagtail lets "publish" unpublish: only the board head takes an item down (P4). Publishing
itself goes through the workflow (portal.workflow), whoever holds this permission.
"""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from wagtail.models import Collection, GroupCollectionPermission, GroupPagePermission, Page

from accounts.models import User
from accounts.permissions import forget_roles, user_roles
from accounts.roles import Role

BOARD_ROLES: tuple[str, ...] = (
    Role.BOARD_HEAD,
    Role.BOARD_DEPUTY,
    Role.BOARD_SECRETARY,
    Role.EDITOR,
    Role.CONTRIBUTOR,
)
GROUP_PREFIX = "board:"

_PAGE_CODES: dict[str, tuple[str, ...]] = {
    Role.CONTRIBUTOR: ("add_page",),
    Role.EDITOR: ("add_page", "change_page", "lock_page"),
    Role.BOARD_DEPUTY: ("add_page", "change_page", "lock_page"),
    Role.BOARD_SECRETARY: ("add_page", "change_page", "lock_page"),
    Role.BOARD_HEAD: ("add_page", "change_page", "lock_page", "unlock_page", "publish_page"),
}
_FILE_CODES_CONTRIBUTOR = ("add_image", "choose_image", "add_document", "choose_document")
_FILE_CODES = (*_FILE_CODES_CONTRIBUTOR, "change_image", "change_document")


def group_name(role: str) -> str:
    return f"{GROUP_PREFIX}{role}"


def _permission(app_label: str, codename: str) -> Permission:
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


def _app_of(codename: str) -> str:
    if codename.endswith("_page"):
        return "wagtailcore"
    return "wagtailimages" if codename.endswith("_image") else "wagtaildocs"


@transaction.atomic
def board_groups_ensure() -> dict[str, Group]:
    """The board's groups and their permissions, as the table above says (idempotent)."""
    from portal.models import HomePage, SectionPage

    home = HomePage.objects.first()
    inbox = SectionPage.objects.filter(kind=SectionPage.Kind.INBOX).first()
    collection = Collection.get_first_root_node()
    access_admin = _permission("wagtailadmin", "access_admin")
    groups: dict[str, Group] = {}
    for role in BOARD_ROLES:
        group, _created = Group.objects.get_or_create(name=group_name(role))
        group.permissions.set([access_admin])
        groups[role] = group
        page: Page | None = inbox if role == Role.CONTRIBUTOR else home
        wanted_pages = {(page.pk, code) for code in _PAGE_CODES[role]} if page is not None else set()
        have = {
            (row.page_id, row.permission.codename): row
            for row in GroupPagePermission.objects.filter(group=group).select_related("permission")
        }
        for key, row in have.items():
            if key not in wanted_pages:
                row.delete()
        for page_id, code in wanted_pages - have.keys():
            GroupPagePermission.objects.create(
                group=group, page_id=page_id, permission=_permission("wagtailcore", code)
            )
        if collection is not None:
            codes = _FILE_CODES_CONTRIBUTOR if role == Role.CONTRIBUTOR else _FILE_CODES
            GroupCollectionPermission.objects.filter(group=group).exclude(
                collection=collection, permission__codename__in=codes
            ).delete()
            for code in codes:
                GroupCollectionPermission.objects.get_or_create(
                    group=group, collection=collection, permission=_permission(_app_of(code), code)
                )
    return groups


def board_groups_sync(user: User) -> None:
    """The person's Wagtail groups: exactly the board roles they hold now (other groups are left)."""
    forget_roles(user)
    held = user_roles(user)
    groups = {group.name: group for group in Group.objects.filter(name__startswith=GROUP_PREFIX)}
    if any(group_name(role) not in groups for role in BOARD_ROLES if role in held):
        groups = {group.name: group for group in board_groups_ensure().values()}
    wanted = {groups[group_name(role)] for role in BOARD_ROLES if role in held}
    current = set(user.groups.filter(name__startswith=GROUP_PREFIX))
    user.groups.remove(*(current - wanted))
    user.groups.add(*(wanted - current))
    # Wagtail caches group checks on the object; the next request loads the person afresh.
    for attr in ("_group_approval_task_checks",):
        if hasattr(user, attr):
            delattr(user, attr)


def board_groups_sync_all() -> int:
    """Every person of this schema (a repair after restoring a backup, or for an older tenant)."""
    board_groups_ensure()
    count = 0
    for user in User.objects.order_by("id"):
        board_groups_sync(user)
        count += 1
    return count
