"""`manage.py tenants ...` as an operator types it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from tenants.models import Tenant

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


def _run(*args: str) -> str:
    out = StringIO()
    call_command("tenants", *args, stdout=out)
    return out.getvalue()


def test_create_list_suspend_resume_archive(province, spare_pool):
    spare_pool(1)
    created = _run(
        "create", "--name", "UBND xã Mang Yang", "--kind", "commune", "--code", "000.01.33.H21", "--json"
    )
    payload = json.loads(created)
    assert payload["hosts"]["workspace"] == "qlvbdhmangyang.gialai.localhost"

    listed = json.loads(_run("list", "--json"))
    assert [row["org_code"] for row in listed] == ["000.01.33.H21"]

    assert _run("suspend", "000.01.33.H21", "--reason", "test").strip().endswith("suspended")
    assert _run("resume", payload["uuid"]).strip().endswith("active")
    assert _run("archive", payload["schema"]).strip().endswith("archived")
    assert Tenant.objects.get(uuid=payload["uuid"]).status == "archived"


def test_propose_prints_the_rule_r7_hosts(province):
    out = _run("propose", "--name", "Sở Thông tin và Truyền thông", "--kind", "department")

    assert "workspace\tqlvbdhstttt.gialai.localhost" in out


def test_bad_code_is_a_command_error_with_a_sentence(province):
    with pytest.raises(CommandError, match="org_code"):
        _run("create", "--name", "Sở Y tế", "--kind", "department", "--code", "12345")

    assert not Tenant.objects.filter(name="Sở Y tế").exists()


def test_unknown_tenant_is_a_command_error(province):
    with pytest.raises(CommandError, match="No tenant matches"):
        _run("suspend", "no-such-tenant")


def _test_database_url() -> str:
    db = connection.settings_dict
    host = db["HOST"] or db.get("OPTIONS", {}).get("host", "")
    if host.startswith("/"):  # the embedded server listens on a unix socket
        return f"postgresql://{db['USER']}@/{db['NAME']}?host={host}"
    return f"postgresql://{db['USER']}:{db['PASSWORD'] or ''}@{host}:{db['PORT'] or 5432}/{db['NAME']}"


def test_cli_exits_1_with_one_sentence_on_bad_input(province):
    # A real process: the exit status and stderr a shell script sees. It fails before any write.
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DATABASE_URL": _test_database_url()}
    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "tenants",
            "create",
            "--name",
            "Sở Y tế",
            "--kind",
            "department",
            "--code",
            "not-a-code",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 1
    assert "org_code" in result.stderr
    assert "Traceback" not in result.stderr
