"""A built wheel works outside the checkout (issue 18): templates, translations, static files,
fonts and migrations travel inside it, and `django check` passes from an installed copy.

The wheel is built from a copy of the sources; it goes into a fresh venv that borrows the lock's
installed packages by path (not the checkout's editable install: no .pth of .venv is processed),
and every command runs from a folder with no checkout in it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_NOT_SOURCES = shutil.ignore_patterns(
    ".venv", "var", "build", "dist", ".git", "*.egg-info", "__pycache__", ".mypy_cache", ".ruff_cache"
)

# Runs inside the installed copy: where each piece was found, and that it works.
_PROBE = """
import json, django
from pathlib import Path
django.setup()
import config, core.pdf
from django.conf import settings
from django.core.management import call_command
from django.template.loader import get_template
from django.utils import translation
call_command("collectstatic", "--noinput", "-v", "0")
with translation.override("en"):
    english = str(translation.gettext("Đăng nhập"))
print(json.dumps({
    "config": config.__file__,
    "base": str(get_template("base.html").origin.name),
    "app_template": str(get_template("qlvbdh/document_detail.html").origin.name),
    "english": english,
    "fonts": sorted(path.name for path in Path(core.pdf.FONT_DIR).glob("*.ttf")),
    "static": sorted(path.name for path in (Path(settings.STATIC_ROOT) / "core").glob("site.*")),
}))
"""


def _run(command: list[str], *, cwd: Path, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(  # noqa: S603  (our own interpreter and the wheel we built)
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, f"{command[:4]} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done.stdout


def test_the_built_wheel_runs_django_check_outside_the_checkout(tmp_path):
    # given the wheel, built from a copy of the sources
    sources = tmp_path / "sources"
    shutil.copytree(ROOT, sources, ignore=_NOT_SOURCES)
    dist = tmp_path / "dist"
    _run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(dist),
            ".",
        ],
        cwd=sources,
    )
    (wheel,) = dist.glob("tinhso-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "config/templates/base.html" in names
    assert "config/locale/en/LC_MESSAGES/django.mo" in names
    assert "qlvbdh/migrations/0001_initial.py" in names
    assert not [name for name in names if "/tests/" in name]

    # installed in a venv of its own, which finds the lock's packages by path only
    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)], cwd=tmp_path)
    python = venv / "bin" / "python"
    site = Path(
        _run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"], cwd=tmp_path
        ).strip()
    )
    (site / "lock-packages.pth").write_text(sysconfig.get_path("purelib") + "\n")
    _run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(site), str(wheel)],
        cwd=tmp_path,
    )

    # when django's check and the probe run from a folder outside the checkout
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DATABASE_", "DJANGO_", "PYTHON", "S3_", "BACKUP_"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DATABASE_URL="postgresql://tinhso_app@db.invalid:5432/tinhso",
        REDIS_URL="redis://redis.invalid:6379/0",
        SECRET_KEY="wheel-test",
        HUB_KEY_SECRET="wheel-test",
        TINHSO_VAR_DIR=str(tmp_path / "var"),
        STATIC_ROOT=str(tmp_path / "static"),
    )
    checked = subprocess.run(  # noqa: S603
        [str(python), "-m", "django", "check"],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    found = json.loads(_run([str(python), "-c", _PROBE], cwd=elsewhere, env=env).strip().splitlines()[-1])

    # then it passes, and every piece came from the installed copy
    assert checked.returncode == 0, checked.stderr[-3000:]
    assert "System check identified no issues" in checked.stdout
    assert Path(found["config"]).is_relative_to(site)
    assert Path(found["base"]).is_relative_to(site / "config" / "templates")
    assert Path(found["app_template"]).is_relative_to(site / "qlvbdh" / "templates")
    assert found["english"] == "Sign in"
    assert found["fonts"] == ["DejaVuSans-Bold.ttf", "DejaVuSans.ttf"]
    # (and a Brotli copy of each where the brotli package is installed: locust brings it in dev)
    assert [name for name in found["static"] if not name.endswith(".br")] == [
        "site.css",
        "site.css.gz",
        "site.js",
        "site.js.gz",
    ]
