"""schemathesis over the OpenAPI of the workspace, console and portal APIs: no 5xx, and every 4xx
carries a message.

Each API's schema is read as its users read it (`/api/schema/`, with a real token where the API
needs one); schemathesis generates requests for every operation (valid and invalid ones, its
positive and negative modes; integer query parameters also at the edges a column or a slice does
not take; path keys half the time drawn from rows that exist), sent through Django's test client
on the host of a real tenant, as a real user with every role of that host. The examples are
bounded and derandomised (same requests every run); run more locally with FUZZ_EXAMPLES=200.
"""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
import requests
import schemathesis
from django.apps import apps as django_apps
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import DatabaseError, router, transaction
from django.test import Client
from hypothesis import HealthCheck, given, strategies
from hypothesis import settings as hypothesis_settings
from schemathesis import GenerationMode

from accounts.models import User
from accounts.roles import PROVINCE_ROLES, TENANT_ROLES
from accounts.services.tokens import token_create
from core.audit import Actor
from core.tenancy import in_public, in_tenant
from interagency.exchange.tests.flows import PDF, office
from qlvbdh.services import outgoing
from qlvbdh.services.attachments import attachment_add
from qlvbdh.tests.factories import AssignmentFactory, DossierFactory, IncomingDocumentFactory

pytestmark = [pytest.mark.fuzz, pytest.mark.django_db]

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "6"))
EDGES = [-1, 0, 2**31, 2**63, 10**30]


def _token(tenant: Any, make_user: Callable[..., Any], roles: tuple[str, ...]) -> str:
    user = make_user(tenant, "kiemthu", roles=roles, full_name="Kiểm Thử")
    with in_tenant(tenant) if tenant is not None else in_public():
        owner = User.objects.get(pk=user.pk)
        _row, secret = token_create(actor=Actor(user=owner), user=owner, name="fuzz", scope="write", days=1)
    return secret


def _schema(client: Client, headers: dict[str, str]) -> dict[str, Any]:
    response = client.get("/api/schema/", {"format": "json"}, headers=headers)
    assert response.status_code == 200, response.content[:500]
    return json.loads(response.content)


def _has_message(body: bytes) -> bool:
    """A 4xx says why: a JSON `detail`, or field errors with their sentences, or a page's text."""
    try:
        data = json.loads(body)
    except ValueError:
        return bool(body.strip())

    def sentences(value: Any) -> bool:
        if isinstance(value, str):
            return bool(value.strip())
        if isinstance(value, list):
            return bool(value) and all(sentences(item) for item in value)
        if isinstance(value, dict):
            return bool(value) and any(sentences(item) for item in value.values())
        return False

    return sentences(data)


def _send(client: Client, case: Any, headers: dict[str, str]) -> Any:
    kwargs = case.as_transport_kwargs(base_url="http://testserver")
    prepared = requests.Request(
        method=kwargs["method"],
        url=kwargs["url"],
        headers={**kwargs.get("headers", {}), **headers},
        params=kwargs.get("params"),
        data=kwargs.get("data"),
        json=kwargs.get("json"),
        files=kwargs.get("files"),
    ).prepare()
    path = prepared.path_url
    sent = {
        str(k): str(v)
        for k, v in prepared.headers.items()
        if k.lower() not in ("content-length", "content-type", "host")
    }
    return client.generic(
        prepared.method or "GET",
        path,
        data=prepared.body or b"",
        content_type=str(prepared.headers.get("Content-Type", "application/octet-stream")),
        headers=sent,
    )


def _known_keys(tenant: Any) -> list[str]:
    """UUIDs of rows that exist on this host (two per model): path parameters drawn from them reach
    the code behind the 404, where the bugs are."""
    keys: list[str] = []
    with in_tenant(tenant) if tenant is not None else in_public():
        for model in django_apps.get_models():
            names = {field.name for field in model._meta.get_fields()}
            if "uuid" not in names or not router.allow_migrate_model("default", model):
                continue
            try:
                with transaction.atomic():
                    keys += [
                        str(value) for value in model._default_manager.values_list("uuid", flat=True)[:2]
                    ]
            except DatabaseError:  # a model of the other kind of schema
                continue
    return keys


def _seed(tenant: Any, user: Any) -> None:
    """A few rows of every kind the workspace API serves, the user's among them."""
    people = office(tenant)
    document = IncomingDocumentFactory.create(tenant=tenant)
    AssignmentFactory.create(tenant=tenant, document=document, assignee=user)
    DossierFactory.create(tenant=tenant)
    with in_tenant(tenant):
        draft = outgoing.outgoing_draft_create(
            actor=people["official"],
            data=outgoing.OutgoingData(
                document_type="CV",
                summary="Về việc thử API",
                signer_name="Nguyễn Văn Giám",
                signing_authority="",
                drafting_unit="VP",
            ),
        )
        attachment_add(actor=people["official"], document=draft, upload=ContentFile(PDF, name="thu.pdf"))


def _path_names(path: str) -> list[str]:
    return re.findall(r"{([^}]+)}", path)


def _fuzz(host: str, headers: dict[str, str], keys: list[str] = ()) -> None:  # type: ignore[assignment]
    client = Client(HTTP_HOST=host, raise_request_exception=False)
    raw = _schema(client, headers)
    schema = schemathesis.openapi.from_dict(raw)
    failures: list[str] = []
    statuses: Counter[int] = Counter()
    operations = [result.ok() for result in schema.get_all_operations()]  # type: ignore[union-attr]
    assert operations, "the schema lists no operation"

    for operation in operations:
        if operation.path.endswith("/schema/") or operation.path.startswith("/cms/"):
            continue  # the schema itself; Wagtail's admin API (session only, behind the login page)

        integers = [
            parameter["name"]
            for parameter in raw["paths"][operation.path][operation.method.lower()].get("parameters", [])
            if parameter.get("in") == "query" and parameter.get("schema", {}).get("type") == "integer"
        ]
        try:  # valid requests and invalid ones (wrong types, missing fields, out of range)
            cases = strategies.one_of(
                operation.as_strategy(), operation.as_strategy(generation_mode=GenerationMode.NEGATIVE)
            )
        except Exception:  # an operation whose schema cannot be negated: valid requests only
            cases = operation.as_strategy()

        def check(case: Any) -> None:
            response = _send(client, case, headers)
            status = response.status_code
            statuses[status] += 1
            if status >= 500 or (400 <= status < 500 and not _has_message(response.content)):
                failures.append(
                    f"{case.method} {case.formatted_path} query={case.query} body={case.body!r:.300}"
                    f" -> {status} {response.content[:300]!r}"
                )

        @hypothesis_settings(
            max_examples=EXAMPLES,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=cases, data=strategies.data())
        def run(case: Any, data: Any) -> None:
            for name in case.path_parameters or {}:
                if keys and data.draw(strategies.booleans()):
                    case.path_parameters[name] = data.draw(strategies.sampled_from(keys))
            check(case)

        run()
        if operation.method.upper() == "GET":
            # Every integer query parameter at each edge a column or a slice does not take, once; and
            # the paging ones, which the lists read but their APIView schemas do not name.
            path_keys = {name: keys[0] if keys else "1" for name in _path_names(operation.path)}
            for name in sorted({*integers, "limit", "offset"}):
                for edge in EDGES:
                    check(operation.Case(path_parameters=path_keys, query={name: edge}))
    print(host, len(operations), "operations", dict(statuses))  # noqa: T201  (shown with -s)
    assert not failures, "\n".join(failures)
    # The user's token was taken: most requests got past authentication.
    assert statuses[401] + statuses[403] < sum(statuses.values()) / 2, statuses


def test_workspace_api_answers_no_5xx_and_every_4xx_says_why(tenant, make_user, host_of):
    token = _token(tenant, make_user, TENANT_ROLES)
    with in_tenant(tenant):
        user = User.objects.get(username="kiemthu")
    _seed(tenant, user)
    _fuzz(host_of(tenant), {"Authorization": f"Bearer {token}"}, _known_keys(tenant))


def test_console_api_answers_no_5xx_and_every_4xx_says_why(province, tenant, make_user):
    token = _token(None, make_user, PROVINCE_ROLES)
    _fuzz(
        settings.CONSOLE_HOST, {"Authorization": f"Bearer {token}"}, [*_known_keys(None), tenant.schema_name]
    )


def test_portal_content_api_answers_no_5xx_and_every_4xx_says_why(portal, tenant, host_of):
    _fuzz(host_of(tenant, "portal"), {})
