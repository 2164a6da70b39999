"""The image's entry point and the Citus command, where they can be run here."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from config import container

pytestmark = pytest.mark.django_db


def test_citus_refuses_with_a_sentence_on_a_database_without_citus():
    with pytest.raises(CommandError, match="no Citus extension"):
        call_command("citus", "distribute", stdout=io.StringIO())


def test_health_of_a_web_role_asks_its_healthz(live_server, monkeypatch, tmp_path):
    # given a container whose role is web, listening where the live server does
    monkeypatch.setattr(container, "ROLE_FILE", tmp_path / "role")
    container._role("web")
    monkeypatch.setenv("PORT", live_server.url.rsplit(":", 1)[1])

    assert container.health() == 0

    # when nothing listens there any more, the health check fails
    monkeypatch.setenv("PORT", "1")
    assert container.health() == 1


def test_health_of_beat_or_a_command_is_its_process_being_alive(monkeypatch, tmp_path):
    monkeypatch.setattr(container, "ROLE_FILE", tmp_path / "role")
    assert container.health() == 0


def test_province_init_makes_the_console_and_one_operator_once(province):
    from accounts.models import User
    from core.tenancy import in_public

    first, again = io.StringIO(), io.StringIO()
    call_command(
        "province", "init", "--name", "UBND tỉnh Gia Lai", "--org-code", "000.00.00.H21",
        "--operator", "Nguyễn Văn Bình", stdout=first,
    )  # fmt: skip
    call_command(
        "province", "init", "--name", "UBND tỉnh Gia Lai", "--org-code", "000.00.00.H21",
        "--operator", "Lê Thị Hoa", stdout=again,
    )  # fmt: skip

    with in_public():
        operators = list(User.objects.filter(role_grants__role="operator").values_list("username", flat=True))
    assert operators == ["binhnv"]
    assert "one-time password" in first.getvalue()
    assert "binhnv exists; nothing changed" in again.getvalue()


def test_province_init_refuses_a_bad_name_with_a_sentence(province):
    with pytest.raises(CommandError):
        call_command(
            "province", "init", "--name", "UBND tỉnh Gia Lai", "--org-code", "000.00.00.H21",
            "--operator", "   ", stdout=io.StringIO(),
        )  # fmt: skip
