"""Redis (the cache and Celery's broker) goes away while people work, then comes back.

gunicorn serves the test database with a Redis of the test's own, which is killed. Guarantees: the
workspace's pages (every request reads the maintenance mark from Redis) and the API are still
served; a document issued meanwhile is issued (its relay could not be queued), and when Redis is
back the hub's sweep (the beat task) carries it to the recipient, once. The public portal's pages
are served uncached. What Redis guards fails closed: a sign-in (its throttle cannot be read) and a
rate-limited look-up answer 503 with a sentence, never 500 and never "no failures counted".
"""

from __future__ import annotations

import json
import re
import urllib.parse
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.test import Client

from accounts.models import User
from accounts.services.tokens import token_create
from accounts.tests.factories import PASSWORD, UserFactory
from conftest import signed_in_client
from core.audit import Actor
from core.tenancy import in_tenant
from interagency.exchange.models import InboxItem, OutboxEntry
from interagency.exchange.tests.flows import PDF, office
from interagency.hub.tasks import hub_sweep_task
from portal.services.site import portal_site_ensure
from portal.tests import factories as portal_factories
from qlvbdh.models import Document
from qlvbdh.services import outgoing as documents
from qlvbdh.services.attachments import attachment_add
from tenants.tests.test_cli import _test_database_url
from tests.faults.servers import Answer, Gunicorn, RedisServer, gunicorn

pytestmark = [pytest.mark.faults, pytest.mark.django_db(transaction=True)]


def _signed_draft(tenant: Any, people: dict[str, Actor]) -> Document:
    with in_tenant(tenant):
        draft = documents.outgoing_draft_create(
            actor=people["official"],
            data=documents.OutgoingData(
                document_type="CV",
                summary="Về việc thử khi mất Redis",
                signer_name="Nguyễn Văn Giám",
                signing_authority="",
                drafting_unit="VP",
            ),
        )
        attachment_add(actor=people["official"], document=draft, upload=ContentFile(PDF, name="cong-van.pdf"))
        documents.outgoing_approve(actor=people["head"], document=draft)
        documents.outgoing_sign(actor=people["head"], document=draft)
    return draft


def test_with_redis_away_pages_are_served_and_the_sweep_delivers_what_was_issued(
    province, tenant, other_tenant, host_of
):
    people = office(tenant)
    office(other_tenant)
    draft = _signed_draft(tenant, people)
    with in_tenant(tenant):
        clerk = User.objects.get(username="vanthu")  # office()'s clerk
        _row, token = token_create(actor=Actor(user=clerk), user=clerk, name="faults", scope="write", days=1)
    session = signed_in_client(Client(), clerk, tenant=tenant).cookies["sessionid"].value
    host = host_of(tenant)
    redis = RedisServer()
    redis.start()
    try:
        with gunicorn(DATABASE_URL=_test_database_url(), REDIS_URL=redis.url) as web:
            assert web.get("/", host=host, headers={"Cookie": f"sessionid={session}"}).status == 200

            # when Redis goes away
            redis.stop()

            # then pages and the API are served, and a document is issued
            page = web.get("/", host=host, headers={"Cookie": f"sessionid={session}"})
            assert page.status == 200, page.body[:500]
            auth = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
            recipients = {"recipients": [{"org_code": other_tenant.org_code, "org_name": other_tenant.name}]}
            issued = web.request(
                "POST",
                f"/api/v1/documents/{draft.uuid}/issue/",
                host=host,
                headers=auth,
                body=json.dumps(recipients).encode(),
            )
            assert issued.status == 200, issued.body[:500]
            assert web.get("/api/v1/me/", host=host, headers=auth).status == 200
            with in_tenant(tenant):
                assert OutboxEntry.objects.filter(document=draft).count() == 1  # its relay was never queued

            # when Redis is back, the beat's sweep carries it, once
            redis.start()
            hub_sweep_task()
            hub_sweep_task()
    finally:
        redis.stop()
    with in_tenant(other_tenant):
        assert InboxItem.objects.count() == 1


def _login(web: Gunicorn, host: str, username: str, password: str) -> Answer:
    """The login form as a browser posts it (its CSRF cookie and token first)."""
    form = web.get("/login/", host=host)
    assert form.status == 200, form.body[:500]
    cookie = re.search(r"csrftoken=([^;]+)", form.headers.get("Set-Cookie", ""))
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.body)
    assert cookie
    assert token
    body = urllib.parse.urlencode(
        {"username": username, "password": password, "csrfmiddlewaretoken": token.group(1)}
    ).encode()
    headers = {"Cookie": f"csrftoken={cookie.group(1)}", "Content-Type": "application/x-www-form-urlencoded"}
    return web.request("POST", "/login/", host=host, headers=headers, body=body)


def test_with_redis_away_the_portal_is_served_and_what_redis_guards_fails_closed(tenant, host_of, settings):
    UserFactory.create(tenant=tenant, username="vanthu", roles=["clerk"])
    with in_tenant(tenant):
        portal_site_ensure()
        portal_factories.article_create(title="Tin khi mất Redis")
    portal, workspace = host_of(tenant, "portal"), host_of(tenant)
    pages = ["/", "/tin-tuc-su-kien/", "/tin-tuc-su-kien/dau-tu-cong/"]
    redis = RedisServer()
    redis.start()
    try:
        with gunicorn(DATABASE_URL=_test_database_url(), REDIS_URL=redis.url) as web:
            for path in pages:  # served, and cached
                assert web.get(path, host=portal).status == 200
            assert web.get(pages[-1], host=portal).headers.get("X-Portal-Cache") == "hit"
            # "vanthu" guessed at until the next attempt must wait
            for _ in range(settings.AXES_FAILURE_LIMIT + 1):
                assert _login(web, workspace, "vanthu", "wrong").status in (200, 429)
            assert _login(web, workspace, "vanthu", PASSWORD).status == 429

            # when Redis goes away
            redis.stop()

            # then the portal's pages are served (from the database, not the cache)
            for path in pages:
                page = web.get(path, host=portal)
                assert page.status == 200, (path, page.body[:500])
                assert "X-Portal-Cache" not in page.headers
            assert "Tin khi mất Redis" in page.body
            # and a sign-in is refused with a sentence, not let through: the wait cannot be read
            refused = _login(web, workspace, "vanthu", PASSWORD)
            assert refused.status == 503, refused.body[:500]
            assert "thử lại sau" in refused.body
            assert "sessionid" not in refused.headers.get("Set-Cookie", "")
            # and a rate-limited look-up is refused too (its counter cannot be kept)
            track = web.get("/feedback/track/?code=ABC123", host=portal)
            assert track.status == 503, track.body[:500]

            # when Redis is back (empty: it kept nothing on disk), the throttle is forgotten
            redis.start()
            assert _login(web, workspace, "vanthu", PASSWORD).status == 302
            assert web.get(pages[0], host=portal).status == 200
    finally:
        redis.stop()
