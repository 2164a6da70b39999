"""Registers the reader may see."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from accounts.permissions import can
from qlvbdh.models import Register


def register_list(*, reader: Any, year: int | None = None) -> QuerySet[Register]:
    if not can(reader, "qlvbdh.view_documents") and not can(reader, "qlvbdh.manage_registers"):
        return Register.objects.none()
    registers = Register.objects.all()
    return registers.filter(year=year) if year else registers
