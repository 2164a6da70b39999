"""Bad input answers 400 with a message, never a 500 (issue 12, "server errors from bad input").

Each request here was a 500 once: a NUL byte reaches PostgreSQL (which refuses it in text), a
lone surrogate cannot be encoded as UTF-8, a username longer than the column reaches the
database. The general rules (`core/input.py`): a NUL or a lone surrogate in the path, the query
string, a form or a JSON body is refused with a 400 before any view runs.
"""

from __future__ import annotations

import json

import pytest
from django.conf import settings
from django.test import Client

from accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LONG_NAME = "a" * 300


def _client(**defaults) -> Client:
    # A 500 is answered, not raised: the test sees what a browser would.
    return Client(raise_request_exception=False, **defaults)


def _refused(response, *words: str) -> str:
    assert response.status_code == 400, (response.status_code, response.content[:500])
    text = response.content.decode()
    for word in words:
        assert word in text
    return text


@pytest.fixture
def console(province, signed_in) -> Client:
    operator = UserFactory.create(tenant=province, username="operator1", roles=["operator"])
    return signed_in(_client(), operator)


@pytest.fixture
def officer(tenant, signed_in) -> Client:
    return signed_in(_client(), UserFactory.create(tenant=tenant, username="admin1", roles=["it_officer"]))


@pytest.fixture
def clerk(tenant, signed_in) -> Client:
    return signed_in(_client(), UserFactory.create(tenant=tenant, username="vanthu1", roles=["clerk"]))


# --- a username longer than any account name ---------------------------------------------------


@pytest.mark.parametrize("where", ["workspace", "console"])
def test_a_username_over_255_characters_on_the_login_page_is_a_form_error(tenant, province, host_of, where):
    host = host_of(tenant) if where == "workspace" else settings.CONSOLE_HOST

    response = _client(HTTP_HOST=host).post("/login/", {"username": LONG_NAME, "password": "x" * 12})

    assert response.status_code == 200  # the form again, with the error
    assert "150" in response.content.decode()


def test_an_api_token_of_any_length_is_a_401_with_a_sentence_never_a_lookup_or_a_500(tenant, host_of):
    token = "tinhso_" + "a" * 100_000

    response = _client(HTTP_HOST=host_of(tenant)).get("/api/v1/me/", HTTP_AUTHORIZATION=f"Bearer {token}")

    assert response.status_code == 401
    assert "tinhso_" in response.json()["detail"]


# --- a lone surrogate --------------------------------------------------------------------------


def test_a_lone_surrogate_in_a_saved_searchs_name_is_a_400_with_a_message(clerk):
    body = '{"name": "T\\ud800m", "params": {"urgency": "urgent"}}'

    response = clerk.post("/api/v1/searches/", body, content_type="application/json")

    detail = json.loads(_refused(response))["detail"]
    assert "surrogate" in detail or "Unicode" in detail


# --- a NUL byte --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/tenants/%00/",
        "/api/v1/tenants/%00/",
        "/?status=%00",
        "/api/v1/tenants/?status=active%00",
        "/hub/deliveries/?recipient=%00",
        "/hub/deliveries/?sender=%00",
        "/hub/deliveries/?document_id=x%00y",
    ],
)
def test_a_nul_byte_on_the_console_is_a_400_with_a_message(console, path):
    _refused(console.get(path), "NUL")


@pytest.mark.parametrize("path", ["/audit/?action=%00", "/accounts/?status=%00", "/api/v1/users/?q=%00"])
def test_a_nul_byte_in_a_workspace_filter_is_a_400_with_a_message(officer, path):
    _refused(officer.get(path), "NUL")
