"""`manage.py seed_demo`: the demo province on BASE_DOMAIN. Idempotent: run it as often as you like."""

from __future__ import annotations

import os
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from accounts import demo
from core.tenancy import in_public, in_tenant
from portal import demo as portal_demo
from tenants import services
from tenants.models import Tenant

PROVINCE = {"name": "UBND tỉnh Gia Lai", "org_code": "000.00.00.H21"}
DEMO_TENANTS: list[dict[str, Any]] = [
    {
        "name": "Sở Thông tin và Truyền thông",
        "kind": "department",
        "org_code": "000.00.15.H21",
        "hosts": {},
        "abbr": "STTTT",
    },
    {
        "name": "UBND xã Mang Yang",
        "kind": "commune",
        "org_code": "000.01.33.H21",
        "hosts": {},
        "abbr": "UBND",
    },
    {
        "name": "Trường THPT Đạ Tông",
        "kind": "school",
        "org_code": "000.05.15.H21",
        "hosts": {},
        "abbr": "THPTĐT",
    },
]


class Command(BaseCommand):
    help = "Create the demo province (console, a department, a commune, a school) with an admin each."

    def handle(self, *args: Any, **options: Any) -> None:
        password = os.environ.get("DEMO_PASSWORD", "tinhso-demo-2026")
        port = os.environ.get("PORT", "8000")
        actor = services.Actor(label="seed_demo")

        province = services.public_tenant_ensure(**PROVINCE)
        with in_public():
            demo.province_people_ensure(password=password)
        lines = [("console", f"http://{settings.CONSOLE_HOST}:{port}/", "operator, thanhtra")]
        logins = ", ".join(username for username, *_rest in demo.TENANT_PEOPLE)

        for spec in DEMO_TENANTS:
            tenant = Tenant.objects.filter(org_code=spec["org_code"]).first()
            if tenant is None:
                tenant = services.tenant_create(
                    actor=actor,
                    name=spec["name"],
                    kind=spec["kind"],
                    org_code=spec["org_code"],
                    hosts=spec["hosts"],
                )
                self.stdout.write(f"created {tenant.name}")
            with in_tenant(tenant):
                demo.tenant_people_ensure(password=password)
                self._registers_ensure(actor, spec["abbr"])
                portal_demo.portal_site_ready()
                if spec["kind"] == "school":
                    demo.board_people_ensure(password=password)
                    portal_demo.portal_content_ensure()
                self._resources_ensure(actor)
            for domain in tenant.domains.order_by("purpose"):
                login = logins if domain.purpose == "workspace" else "(public)"
                lines.append((f"{tenant.name} ({domain.purpose})", f"http://{domain.domain}:{port}/", login))

        # The hub's directory lists every agency, so they can send documents to each other at once.
        # Through its command: tenants sits below the hub and imports none of it.
        call_command("directory", "sync", stdout=self.stdout, stderr=self.stderr)
        self.stdout.write(self.style.SUCCESS(f"Demo province {province.name} is ready."))
        self.stdout.write(f"Every account below has the password: {password}")
        self.stdout.write(
            "operator, admin (IT officer) and nguyentd (head) enrol an authenticator app (TOTP) "
            "at their first login."
        )
        for label, url, login in lines:
            self.stdout.write(f"  {url:<48} {label}\n  {'':<48} login: {login}")

    @staticmethod
    def _registers_ensure(actor: services.Actor, abbreviation: str) -> None:
        """This year's incoming and outgoing registers, so the demo numbers and notates at once."""
        from django.utils import timezone

        from qlvbdh.models import Register
        from qlvbdh.services.registers import register_create

        year = timezone.localdate().year
        for direction, name in (("incoming", "Sổ văn bản đến"), ("outgoing", "Sổ văn bản đi")):
            if not Register.objects.filter(year=year, direction=direction).exists():
                register_create(
                    actor=actor, year=year, direction=direction, name=name, agency_abbreviation=abbreviation
                )

    @staticmethod
    def _resources_ensure(actor: services.Actor) -> None:
        """A meeting room and a car kept by the clerk, so booking can be tried at once."""
        from accounts.models import User
        from collab.models import Resource
        from collab.services.resources import resource_create

        clerk = User.objects.filter(username="thuyctp").first()
        if clerk is None or Resource.objects.exists():
            return
        resource_create(
            actor=actor, name="Phòng họp tầng 2", kind="room", manager=clerk, needs_approval=False
        )
        resource_create(actor=actor, name="Xe 81A-001.23", kind="car", manager=clerk)
