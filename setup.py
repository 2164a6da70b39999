"""The wheel carries the project-wide templates and translations inside the config package.

In a checkout they are the top-level `templates/` and `locale/` folders; a wheel has no checkout
around it, so the build copies them to `config/templates` and `config/locale`, where the settings
look when the top-level ones are absent (config.settings.SITE_DIR). Everything else is declared in
pyproject.toml.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
SITE_FOLDERS = ("templates", "locale")


class BuildWithSiteFiles(build_py):
    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return  # an editable install reads the checkout's own folders
        for name in SITE_FOLDERS:
            target = Path(self.build_lib) / "config" / name
            shutil.rmtree(target, ignore_errors=True)
            shutil.copytree(ROOT / name, target, ignore=shutil.ignore_patterns("*~", ".*"))


setup(cmdclass={"build_py": BuildWithSiteFiles})
