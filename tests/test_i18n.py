"""Vietnamese by default, English on request, and an English catalogue with no gaps.

The catalogue test compares the .po (every msgid makemessages found) with the compiled .mo:
msgfmt leaves untranslated and fuzzy entries out of the .mo, so a msgid that is in the .po but
missing or empty in the .mo is a string an English reader would see in Vietnamese.
"""

from __future__ import annotations

import ast
import gettext
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

pytestmark = pytest.mark.django_db

CATALOGUE = Path(settings.LOCALE_PATHS[0]) / "en" / "LC_MESSAGES"
PLACEHOLDER = re.compile(r"%\([^)]+\)[-#0 +]*\d*(?:\.\d+)?[sdifr]")


@pytest.fixture(autouse=True)
def _default_language_after_test() -> Iterator[None]:
    # A language activated for this thread (by a middleware or a test) must not leak into the next test.
    yield
    translation.deactivate()


def _english() -> gettext.GNUTranslations:
    with (CATALOGUE / "django.mo").open("rb") as mo:
        return gettext.GNUTranslations(mo)


def _po_entries() -> list[dict[str, object]]:
    """The live (not obsolete) entries of django.po, header excluded: msgctxt, msgid, msgid_plural, flags."""
    entries: list[dict[str, object]] = []
    current: dict[str, object] = {}
    field = ""

    def finish() -> None:
        if current.get("msgid"):
            entries.append(dict(current))
        current.clear()

    for raw in (CATALOGUE / "django.po").read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#~"):
            continue
        if line.startswith("#,"):
            finish()
            current["flags"] = {flag.strip() for flag in line[2:].split(",")}
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            current[field] = str(current.get(field, "")) + ast.literal_eval(line)
        else:
            field, _, value = line.partition(" ")
            field = field.split("[")[0]  # msgstr[0], msgstr[1] -> msgstr
            if field in ("msgctxt", "msgid") and "msgstr" in current:
                finish()
            if field == "msgstr" and field in current:
                current[field] = str(current[field]) + "\x00"  # keep plural forms apart
            current[field] = str(current.get(field, "")) + ast.literal_eval(value)
    finish()
    return entries


def test_login_page_is_vietnamese_by_default_and_english_after_switching(tenant, host_of, client_for):
    english = _english()
    sign_in = english.gettext("Đăng nhập")
    assert sign_in == "Sign in"

    browser = client_for(host_of(tenant))
    page = browser.get("/login/")
    assert page.status_code == 200
    body = page.content.decode()
    assert '<html lang="vi">' in body
    assert "<h1>Đăng nhập</h1>" in body
    assert "Tên đăng nhập" in body

    switched = browser.post("/i18n/setlang/", {"language": "en", "next": "/login/"})
    assert switched.status_code == 302
    assert switched["Location"] == "/login/"
    assert browser.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"

    page = browser.get(switched["Location"])  # the client sends the language cookie back
    assert page.status_code == 200
    body = page.content.decode()
    assert '<html lang="en">' in body
    assert f"<h1>{sign_in}</h1>" in body
    assert f'type="submit">{sign_in}</button>' in body
    assert english.gettext("Tên đăng nhập") in body
    assert "Đăng nhập" not in body
    assert "Tên đăng nhập" not in body

    # A fresh browser without the cookie still gets Vietnamese.
    assert '<html lang="vi">' in client_for(host_of(tenant)).get("/login/").content.decode()


def test_every_msgid_has_a_compiled_english_translation():
    entries = _po_entries()
    assert len(entries) > 300, "makemessages found far fewer strings than expected"
    catalog = _english()._catalog  # type: ignore[attr-defined]

    problems = []
    for entry in entries:
        msgid = str(entry["msgid"])
        if "fuzzy" in entry.get("flags", set()):  # type: ignore[operator]
            problems.append(f"fuzzy in django.po: {msgid!r}")
        key = f"{entry['msgctxt']}\x04{msgid}" if "msgctxt" in entry else msgid
        if "msgid_plural" in entry:
            forms = [catalog.get((key, n), "") for n in range(2)]
        else:
            forms = [catalog.get(key, "")]
        if not all(form.strip() for form in forms):
            problems.append(f"untranslated (or .mo not recompiled): {msgid!r}")
            continue
        for form in forms:
            if sorted(PLACEHOLDER.findall(msgid)) != sorted(PLACEHOLDER.findall(form)):
                problems.append(f"placeholders differ: {msgid!r} -> {form!r}")
    assert not problems, "\n".join(problems)
