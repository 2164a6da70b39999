"""What a web worker imports before its first request (README "Web worker memory").

Libraries that only an export, an upload or a deployment option uses are imported where they are
used, so a worker that never prints a PDF does not hold fpdf2 (issue 19: a worker under 150 MB).
A fresh interpreter does what gunicorn's worker does (django.setup(), the WSGI application, every
URLconf) and names the heavy libraries it ended up with."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Each weighs megabytes in a worker; who needs it imports it inside the function that does.
LAZY = (
    "fpdf",  # core.pdf: printed registers, reports, dossiers
    "fontTools",  # fpdf2's fonts
    "openpyxl",  # the XLSX exports
    "pyhanko",  # qlvbdh.signatures: verifying an uploaded PDF's signatures
    "pyhanko_certvalidator",
    "aiohttp",  # pyHanko's timestamp client
    "pypdf",  # qlvbdh.filekinds: text of an uploaded PDF
    "docx",  # ... and of a DOCX
    "puremagic",  # ... and what an upload is
    "icalendar",  # collab.ical: the calendar feed
    "boto3",  # core.storage_s3: only with S3_BUCKET set
    "botocore",
    "storages",
    "segno",  # accounts.views.login: the QR code of a TOTP enrolment
    "pillow_heif",  # refused outright (config.settings): HEIC is no allowed image
)

_WORKER = """
import json, sys
import django
django.setup()
from django.conf import settings
from django.utils.module_loading import import_string
import_string(settings.WSGI_APPLICATION)
for urlconf in {settings.ROOT_URLCONF, *settings.PURPOSE_URLCONFS.values()}:
    __import__(urlconf)
print(json.dumps(sorted({name.split(".")[0] for name, module in sys.modules.items() if module is not None})))
"""


def test_a_web_worker_imports_no_library_only_an_export_or_upload_needs():
    # given a worker's environment with files on disk (no S3_BUCKET), as the bench runs it
    env = {key: value for key, value in os.environ.items() if not key.startswith("S3_")}
    env.update(DJANGO_SETTINGS_MODULE="config.settings", SECRET_KEY="test", HUB_KEY_SECRET="test")

    # when a fresh interpreter loads the application and every URLconf
    loaded = subprocess.run(  # noqa: S603  (our own interpreter, a fixed script)
        [sys.executable, "-c", _WORKER],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
        check=True,
    )

    # then none of the libraries kept for the functions that use them came along
    modules = set(json.loads(loaded.stdout.strip().splitlines()[-1]))
    assert sorted(modules & set(LAZY)) == []
