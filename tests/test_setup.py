"""A fresh checkout's `manage.py` works with nothing configured, and a configured deployment stays
strict: no SECRET_KEY and no DEBUG refuses to start with a sentence, not a traceback."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# What the caller's environment may not lend the command: it must stand on its own.
_CONFIG = (
    "SECRET_KEY",
    "HUB_KEY_SECRET",
    "DATABASE_URL",
    "REDIS_URL",
    "DEBUG",
    "TINHSO_VAR_DIR",
    "DJANGO_SETTINGS_MODULE",
)


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {key: value for key, value in os.environ.items() if key not in _CONFIG}
    return subprocess.run(  # noqa: S603  (our own manage.py, fixed arguments)
        [sys.executable, str(ROOT / "manage.py"), *args],
        env={**clean, **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


@pytest.fixture
def var_dir() -> Iterator[Path]:
    """A var/ of its own (the embedded PostgreSQL runs as its own user under root: world-readable)."""
    path = Path(tempfile.mkdtemp(prefix="tinhso-var-"))
    path.chmod(0o755)
    yield path
    stop = "from config import embedded; embedded.stop_postgres()"
    subprocess.run(  # noqa: S603
        [sys.executable, "-c", stop],
        env={**os.environ, "TINHSO_VAR_DIR": str(path)},
        cwd=ROOT,
        timeout=60,
        check=False,
    )
    shutil.rmtree(path, ignore_errors=True)


def test_manage_py_runs_on_the_embedded_defaults_with_the_kept_key(var_dir):
    # given nothing configured: no SECRET_KEY, no DATABASE_URL, no REDIS_URL
    # when the README's commands run
    check = _manage("check", TINHSO_VAR_DIR=str(var_dir))
    again = _manage("makemigrations", "--check", "--dry-run", TINHSO_VAR_DIR=str(var_dir))

    # then they work, with one key kept (owner-readable only) for make run and manage.py alike
    assert check.returncode == 0, check.stderr
    assert "ImproperlyConfigured" not in check.stderr
    assert again.returncode == 0, again.stderr
    for name in ("secret_key", "hub_key_secret"):
        key = var_dir / name
        assert len(key.read_text().strip()) >= 50
        assert key.stat().st_mode & 0o077 == 0
    assert (var_dir / "hub_key_secret").read_text() != (var_dir / "secret_key").read_text()


def test_the_kept_key_is_made_once(tmp_path, monkeypatch):
    from config import embedded

    monkeypatch.setattr(embedded, "VAR_DIR", tmp_path)

    first = embedded.kept_secret_key()

    assert embedded.kept_secret_key() == first
    assert [path.name for path in tmp_path.iterdir()] == ["secret_key"]


def test_a_configured_deployment_without_secret_key_refuses_with_a_sentence():
    configured = {
        "DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none",
        "REDIS_URL": "redis://127.0.0.1:1/0",
    }

    refused = _manage("check", **configured)
    debug = _manage("check", DEBUG="1", **configured)

    assert refused.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert debug.returncode == 0, debug.stderr  # the development default, DEBUG only


def test_a_configured_deployment_without_hub_key_secret_refuses_with_a_sentence():
    configured = {
        "DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none",
        "REDIS_URL": "redis://127.0.0.1:1/0",
        "SECRET_KEY": "a-configured-secret-key",
    }

    refused = _manage("check", **configured)
    given = _manage("check", HUB_KEY_SECRET="a-configured-hub-secret", **configured)

    assert refused.returncode != 0
    assert "HUB_KEY_SECRET must be set when DEBUG is off" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert given.returncode == 0, given.stderr


def test_a_var_from_before_the_hub_key_secret_keeps_opening_what_it_sealed(tmp_path, monkeypatch):
    # Sealed keys of an older demo were sealed under its kept SECRET_KEY.
    from config import embedded

    monkeypatch.setattr(embedded, "VAR_DIR", tmp_path)
    earlier = embedded.kept_secret_key()
    (tmp_path / "postgres").mkdir()
    (tmp_path / "postgres" / "PG_VERSION").write_text("18\n")

    assert embedded.kept_hub_key_secret() == earlier
    assert embedded.kept_hub_key_secret() == earlier


def _pins(lines: list[str]) -> dict[str, str]:
    pins = {}
    for line in lines:
        match = re.match(r"^\s*\"?([A-Za-z0-9_.\-]+)(?:\[[^\]]*\])?==([^\s\"\\;,]+)", line)
        if match:
            pins[re.sub(r"[-_.]+", "-", match.group(1)).lower()] = match.group(2)
    return pins


def test_the_lock_pins_every_dependency_of_pyproject_at_its_version_with_hashes():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = _pins([*project["dependencies"], *project["optional-dependencies"]["dev"]])
    lock_text = (ROOT / "requirements.lock").read_text()
    locked = _pins(lock_text.splitlines())

    stale = {
        name: (version, locked.get(name)) for name, version in wanted.items() if locked.get(name) != version
    }
    assert not stale, f"requirements.lock is stale ({stale}): run `make lock`"
    entries = re.split(r"\n(?=[A-Za-z0-9])", lock_text.split("\n\n", 1)[1])
    assert all("--hash=sha256:" in entry for entry in entries if "==" in entry)


def test_the_image_lock_is_the_runtime_part_of_the_full_lock_with_hashes():
    # The Dockerfile installs requirements-runtime.lock: the same versions, no dev tool.
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    runtime_text = (ROOT / "requirements-runtime.lock").read_text()
    runtime = _pins(runtime_text.splitlines())
    full = _pins((ROOT / "requirements.lock").read_text().splitlines())

    assert {name: version for name, version in runtime.items() if full.get(name) != version} == {}
    assert _pins(project["dependencies"]).items() <= runtime.items(), "run `make lock`"
    assert not set(_pins(project["optional-dependencies"]["dev"])) & set(runtime)
    entries = re.split(r"\n(?=[A-Za-z0-9])", runtime_text.split("\n\n", 1)[1])
    assert all("--hash=sha256:" in entry for entry in entries if "==" in entry)


def test_a_parallel_worker_empties_only_its_own_cache_keys():
    from django.core.cache import cache

    from conftest import cache_clear_keys

    client = cache._cache.get_client(None, write=True)  # type: ignore[attr-defined]
    client.set("test_alpha:test-gwA:1:failures", 3)
    client.set("test_alpha:test-gwB:1:failures", 5)

    cache_clear_keys("test-gwA")

    assert client.get("test_alpha:test-gwA:1:failures") is None
    assert client.get("test_alpha:test-gwB:1:failures") == b"5"  # another worker's counter stays
    client.delete("test_alpha:test-gwB:1:failures")
