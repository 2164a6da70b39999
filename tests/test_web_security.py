"""Cookies, origins and headers for a province of about 1,000 sibling hosts under one BASE_DOMAIN.

An attacker who runs script on one tenant's portal (an editor's HTML, one XSS) is "same-site" with
every workspace and the console: the browser sends his requests with their cookies, and lets him
set cookies with `Domain=.BASE_DOMAIN` that reach them all. These tests play that attacker through
real requests on real hosts. The HTTPS settings are the ones `config.settings` makes from
`HTTPS_ONLY=1`, read from a fresh process.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from conftest import PASSWORD

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent
HTTPS_KEYS = (
    "SESSION_COOKIE_NAME",
    "CSRF_COOKIE_NAME",
    "LANGUAGE_COOKIE_NAME",
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "LANGUAGE_COOKIE_SECURE",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "CSRF_TRUSTED_ORIGINS",
)
_https_cache: dict[str, Any] = {}


def _settings_of(**env: str) -> dict[str, Any]:
    """`config.settings` as a process started with `env` makes them."""
    code = (
        "import json, django; django.setup(); from django.conf import settings; "
        f"print(json.dumps({{k: getattr(settings, k) for k in {HTTPS_KEYS!r}}}))"
    )
    done = subprocess.run(  # noqa: S603  (our own settings, fixed code)
        [sys.executable, "-c", code],
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


@pytest.fixture
def https(settings: Any) -> Any:
    """This test runs with the settings of a deployment served over HTTPS."""
    if not _https_cache:
        _https_cache.update(_settings_of(HTTPS_ONLY="1"))
    for key, value in _https_cache.items():
        setattr(settings, key, value)
    return settings


def _csrf_login(client: Client, username: str, **extra: Any) -> Any:
    """The login form posted with the CSRF token the page handed out, and `extra` headers."""
    from django.conf import settings

    assert client.get("/login/", **extra).status_code == 200
    token = client.cookies[settings.CSRF_COOKIE_NAME].value
    return client.post(
        "/login/", {"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token}, **extra
    )


# --- origins -------------------------------------------------------------------------------------


def test_a_sibling_tenants_origin_is_refused_for_csrf(tenant, other_tenant, make_user, host_of):
    make_user(tenant, "lananh")
    workspace = host_of(tenant)
    sibling = host_of(other_tenant, "portal")

    # when a page on a sibling tenant's portal posts to the workspace (with a token it obtained)
    forged = _csrf_login(
        Client(HTTP_HOST=workspace, enforce_csrf_checks=True), "lananh", HTTP_ORIGIN=f"http://{sibling}"
    )
    own = _csrf_login(
        Client(HTTP_HOST=workspace, enforce_csrf_checks=True), "lananh", HTTP_ORIGIN=f"http://{workspace}"
    )

    # then it is refused; the workspace's own page is not
    assert forged.status_code == 403
    assert own.status_code == 302


def test_a_sibling_origin_is_refused_over_https_too(https, tenant, other_tenant, make_user, host_of):
    make_user(tenant, "lananh")
    workspace = host_of(tenant)
    sibling = host_of(other_tenant)

    forged = _csrf_login(
        Client(HTTP_HOST=workspace, enforce_csrf_checks=True),
        "lananh",
        secure=True,
        HTTP_ORIGIN=f"https://{sibling}",
    )
    referred = _csrf_login(  # no Origin: over HTTPS the Referer must be the host itself
        Client(HTTP_HOST=workspace, enforce_csrf_checks=True),
        "lananh",
        secure=True,
        HTTP_REFERER=f"https://{sibling}/",
    )
    own = _csrf_login(
        Client(HTTP_HOST=workspace, enforce_csrf_checks=True),
        "lananh",
        secure=True,
        HTTP_ORIGIN=f"https://{workspace}",
    )

    assert forged.status_code == 403
    assert referred.status_code == 403
    assert own.status_code == 302


def test_no_origin_is_trusted_by_default(https):
    assert https.CSRF_TRUSTED_ORIGINS == []


# --- cookies -------------------------------------------------------------------------------------


def test_over_https_the_cookies_are_host_only_secure_and_prefixed(https, tenant, make_user, host_of):
    make_user(tenant, "lananh")
    client = Client(HTTP_HOST=host_of(tenant))

    response = client.post("/login/", {"username": "lananh", "password": PASSWORD}, secure=True)

    assert response.status_code == 302
    session = response.cookies["__Host-sessionid"]
    csrf = response.cookies["__Host-csrftoken"]
    for cookie in (session, csrf):
        assert cookie["secure"] is True
        assert cookie["path"] == "/"
        assert not cookie["domain"]  # host-only: no Domain attribute
        assert cookie["httponly"] is True
        assert cookie["samesite"] == "Lax"


def test_over_https_the_language_cookie_is_host_only_too(https, tenant, host_of):
    client = Client(HTTP_HOST=host_of(tenant))

    response = client.post("/i18n/setlang/", {"language": "en", "next": "/login/"}, secure=True)

    cookie = response.cookies["__Host-language"]
    assert cookie["secure"] is True
    assert not cookie["domain"]
    assert 'lang="en"' in client.get("/login/", secure=True).content.decode()


def test_a_session_cookie_planted_by_a_sibling_host_is_not_taken(
    https, tenant, make_user, host_of, signed_in
):
    # given a valid session of the workspace (the attacker's own account, say)
    user = make_user(tenant, "lananh")
    session_key = signed_in(Client(), user, tenant=tenant).session.session_key
    workspace = host_of(tenant)

    # when it arrives under the plain name, as a `Domain=.BASE_DOMAIN` cookie set by a sibling would
    planted = Client(HTTP_HOST=workspace)
    planted.cookies["sessionid"] = session_key
    # (the same key under the __Host- name, which only the workspace itself can set, is taken)
    own = Client(HTTP_HOST=workspace)
    own.cookies["__Host-sessionid"] = session_key

    # then it is ignored: the visitor is not signed in as that account
    assert planted.get("/", secure=True)["Location"].startswith("/login/")
    assert own.get("/", secure=True).status_code == 200


def test_a_csrf_cookie_planted_by_a_sibling_host_is_not_taken(https, tenant, make_user, host_of):
    # given a CSRF cookie the attacker chose, tossed from a sibling under the plain name
    make_user(tenant, "lananh")
    workspace = host_of(tenant)
    client = Client(HTTP_HOST=workspace, enforce_csrf_checks=True)
    chosen = "a" * 32
    client.cookies["csrftoken"] = chosen

    # when a forged form carries the matching token, from the workspace's own origin even
    response = client.post(
        "/login/",
        {"username": "lananh", "password": PASSWORD, "csrfmiddlewaretoken": chosen},
        secure=True,
        HTTP_ORIGIN=f"https://{workspace}",
    )

    # then the token is not taken: CSRF failure, nobody signed in
    assert response.status_code == 403
    assert "_auth_user_id" not in client.session


def test_over_http_the_demo_keeps_plain_cookie_names_without_hsts(tenant, host_of, settings):
    # Browsers refuse __Host- without Secure: the *.localhost demo over plain http keeps plain names.
    assert settings.SESSION_COOKIE_NAME == "sessionid"
    assert settings.CSRF_COOKIE_NAME == "csrftoken"
    response = Client(HTTP_HOST=host_of(tenant)).get("/login/")
    assert "Strict-Transport-Security" not in response.headers
    assert not response.cookies["csrftoken"]["secure"]


# --- headers -------------------------------------------------------------------------------------


def _policy(response: Any) -> dict[str, list[str]]:
    directives = [part.strip().split() for part in response["Content-Security-Policy"].split(";")]
    return {words[0]: words[1:] for words in directives if words}


@pytest.mark.parametrize("purpose", ["workspace", "portal"])
def test_pages_carry_a_strict_csp_and_refuse_framing(purpose, tenant, host_of):
    response = Client(HTTP_HOST=host_of(tenant, purpose)).get("/login/")

    policy = _policy(response)
    assert policy["script-src"] == ["'self'"]  # no 'unsafe-inline', no 'unsafe-eval', no CDN
    assert policy["style-src"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'none'"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_the_unknown_host_page_carries_the_headers_too():
    response = Client(HTTP_HOST="nobody.gialai.localhost").get("/")

    assert response.status_code == 404
    assert _policy(response)["frame-ancestors"] == ["'none'"]
    assert response["Referrer-Policy"] == "same-origin"


def test_only_the_admin_may_use_inline_style_and_nowhere_inline_script(tenant, make_user, signed_in):
    client = signed_in(Client(), make_user(tenant, "lananh"), tenant=tenant)

    admin = _policy(client.get("/admin/"))
    page = _policy(client.get("/"))

    assert admin["style-src"] == ["'self'", "'unsafe-inline'"]  # Django's admin templates need it
    assert admin["script-src"] == ["'self'"]
    assert page["style-src"] == ["'self'"]


def test_the_browsable_api_carries_no_inline_style(tenant, make_user, signed_in):
    client = signed_in(Client(), make_user(tenant, "lananh"), tenant=tenant)

    page = client.get("/api/v1/me/", HTTP_ACCEPT="text/html")

    assert page.status_code == 200
    assert "<style" not in page.content.decode()


def test_over_https_the_answer_carries_hsts(https, tenant, host_of):
    response = Client(HTTP_HOST=host_of(tenant)).get("/login/", secure=True)

    assert response["Strict-Transport-Security"] == "max-age=31536000"


def test_no_template_carries_inline_script_or_style():
    """The CSP refuses inline code; a template that brings some back breaks its page silently."""
    import re

    inline = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|\son[a-z]+=|\sstyle=|<style", re.IGNORECASE)
    offenders = [
        f"{path.relative_to(ROOT)}: {match.group(0)}"
        for path in ROOT.glob("**/templates/**/*.html")
        if ".venv" not in path.parts
        for match in inline.finditer(path.read_text())
    ]
    assert offenders == []


# --- API docs ------------------------------------------------------------------------------------


def test_api_docs_are_for_signed_in_people_only(tenant, province, host_of, settings):
    for host in (host_of(tenant), settings.CONSOLE_HOST):
        anonymous = Client(HTTP_HOST=host)

        assert anonymous.get("/api/schema/").status_code in (401, 403)
        docs = anonymous.get("/api/docs/")
        assert docs.status_code == 302
        assert docs["Location"].startswith("/login/")


def test_each_host_serves_its_own_schema(tenant, province, make_user, signed_in):
    from accounts.tests.factories import UserFactory

    workspace = signed_in(Client(), make_user(tenant, "lananh"), tenant=tenant)
    operator = signed_in(
        Client(), UserFactory.create(tenant=province, username="operator1", roles=["operator"])
    )

    at_workspace = workspace.get("/api/schema/", {"format": "json"}).json()["paths"]
    at_console = operator.get("/api/schema/", {"format": "json"}).json()["paths"]

    assert "/api/v1/documents/" in at_workspace
    assert "/api/v1/tenants/" not in at_workspace  # the console's API is not the workspace's
    assert "/api/v1/tenants/" in at_console
    assert "/api/v1/documents/" not in at_console


def test_swagger_ui_comes_from_our_own_static_files(tenant, make_user, signed_in):
    workspace = signed_in(Client(), make_user(tenant, "lananh"), tenant=tenant)

    page = workspace.get("/api/docs/")

    html = page.content.decode()
    assert page.status_code == 200
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert "/static/core/api-docs.js" in html
    assert "cdn" not in html.lower()
    assert "<script>" not in html


# --- console host --------------------------------------------------------------------------------


def test_the_bare_base_domain_is_no_host_of_the_console(province, settings):
    assert Client(HTTP_HOST=settings.BASE_DOMAIN).get("/login/").status_code == 404
    assert Client(HTTP_HOST=settings.CONSOLE_HOST).get("/login/").status_code == 200


def test_a_tenant_cannot_take_the_bare_base_domain(province, settings):
    from django.core.exceptions import ValidationError

    from core.audit import Actor
    from tenants.services import tenant_create

    with pytest.raises(ValidationError) as refused:
        tenant_create(
            actor=Actor(label="test"),
            name="Sở Nội vụ",
            kind="department",
            org_code="000.00.31.H21",
            hosts={"portal": settings.BASE_DOMAIN},
        )

    assert "tên miền chung của tỉnh" in str(refused.value.message_dict["hosts"])


def test_the_console_row_of_the_bare_base_domain_goes_when_the_province_is_ensured(province, settings):
    from tenants.models import Domain
    from tenants.services import public_tenant_ensure

    # given a console row an earlier version made for the bare domain
    Domain.objects.create(domain=settings.BASE_DOMAIN, tenant=province, purpose="console", is_primary=False)

    public_tenant_ensure(name=province.name, org_code=province.org_code)

    assert list(Domain.objects.filter(tenant=province).values_list("domain", flat=True)) == [
        settings.CONSOLE_HOST
    ]
