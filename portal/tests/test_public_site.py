"""P1 and visibility bound to state: the public site on the portal host shows live, public pages
only, in every way it can be reached (URL, search, feeds, sitemap, files, API)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from core.tenancy import in_tenant
from portal.tests import factories

pytestmark = pytest.mark.django_db


def _portal_client(client_for: Any, host_of: Any, tenant: Any) -> Any:
    return client_for(host_of(tenant, "portal"))


def _path(page: Any) -> str:
    """The page's path on the portal host (page.url needs the portal's URLconf, i.e. a request)."""
    return page.url_path.split("/home", 1)[1]


def _signed_image_url(image: Any, spec: str) -> str:
    from wagtail.images.utils import generate_signature

    return f"/images/{generate_signature(image.pk, spec)}/{image.pk}/{spec}/"


def _image_urls(html: str) -> list[str]:
    return re.findall(r'src="(/images/[^"]+)"', html)


def test_home_shows_every_section_of_p1(portal, client_for, host_of):
    response = _portal_client(client_for, host_of, portal).get("/")
    assert response.status_code == 200
    html = response.content.decode()
    for title in (
        "Giới thiệu",
        "Tin tức, sự kiện",
        "Văn bản pháp quy",
        "Dịch vụ công trực tuyến",
        "Danh bạ cán bộ",
    ):
        assert title in html
    assert "Bài gửi chờ biên tập" not in html  # the drafts tray is never public
    assert 'property="og:title"' in html


def test_unpublished_article_reveals_nothing(portal, client_for, host_of):
    with in_tenant(portal):
        image = factories.image_create()
        document = factories.document_create()
        page = factories.article_create(publish=False, image=image, document=document)
        url = _path(page)
        original = image.file.url
    client = _portal_client(client_for, host_of, portal)
    assert client.get(url).status_code == 404
    assert "Đầu tư công" not in client.get("/search/", {"q": "dau tu cong"}).content.decode()
    assert "dau-tu-cong" not in client.get("/rss/").content.decode()
    assert "dau-tu-cong" not in client.get("/rss/tin-tuc-su-kien/").content.decode()
    assert "dau-tu-cong" not in client.get("/sitemap.xml").content.decode()
    assert client.get(f"/documents/{document.pk}/{document.filename}").status_code == 404
    assert client.get(original).status_code == 404
    for spec in ("original", "max-960x720"):
        assert client.get(_signed_image_url(image, spec)).status_code == 404
    assert client.get("/api/v1/pages/").json()["count"] == len(
        [p for p in client.get("/api/v1/pages/").json()["results"] if p["type"] != "articlepage"]
    )
    assert client.get(f"/api/v1/pages/{page.pk}/").status_code == 404


def test_published_article_is_found_everywhere(portal, client_for, host_of):
    with in_tenant(portal):
        image = factories.image_create()
        document = factories.document_create()
        page = factories.article_create(image=image, document=document)
        url = _path(page)
    client = _portal_client(client_for, host_of, portal)
    response = client.get(url)
    assert response.status_code == 200, url
    html = response.content.decode()
    assert "Đầu tư công năm 2026" in html
    assert 'property="og:type" content="article"' in html
    # search ignores diacritics, either way
    assert "Đầu tư công năm 2026" in client.get("/search/", {"q": "dau tu cong"}).content.decode()
    assert "Đầu tư công năm 2026" in client.get("/search/", {"q": "ĐẦU TƯ"}).content.decode()
    assert url in client.get("/rss/").content.decode()
    assert url in client.get("/rss/tin-tuc-su-kien/").content.decode()
    assert url in client.get("/sitemap.xml").content.decode()
    assert client.get(f"/documents/{document.pk}/{document.filename}").status_code == 200
    renditions = _image_urls(html)
    assert renditions
    assert client.get(renditions[0]).status_code == 200
    assert client.get(_signed_image_url(image, "original")).status_code == 404  # renditions only
    assert client.get(f"/api/v1/pages/{page.pk}/").json()["title"] == "Đầu tư công năm 2026"
    assert client.get("/api/v1/search/", {"q": "dau tu cong"}).json()[0]["id"] == page.pk


def test_the_public_api_writes_nothing(portal, client_for, host_of):
    with in_tenant(portal):
        page = factories.article_create()
    client = _portal_client(client_for, host_of, portal)
    for method in (client.post, client.put, client.patch, client.delete):
        assert (
            method(f"/api/v1/pages/{page.pk}/", {"live": False}, content_type="application/json").status_code
            == 405
        )
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    assert b"/api/v1/pages/" in schema.content


def test_same_path_on_two_tenants_serves_each_its_own(
    portal, other_portal, client_for, host_of, django_capture_on_commit_callbacks
):
    with in_tenant(portal):
        factories.article_create(title="Tin của đơn vị A")
    with in_tenant(other_portal):
        factories.article_create(title="Tin của đơn vị B")
    path = "/tin-tuc-su-kien/dau-tu-cong/"
    for _ in range(2):  # the second time from the cache
        a = _portal_client(client_for, host_of, portal).get(path).content.decode()
        b = _portal_client(client_for, host_of, other_portal).get(path).content.decode()
        assert "Tin của đơn vị A" in a
        assert "Tin của đơn vị B" not in a
        assert "Tin của đơn vị B" in b
        assert "Tin của đơn vị A" not in b


def test_a_published_change_shows_at_once_despite_the_cache(
    portal, client_for, host_of, django_capture_on_commit_callbacks
):
    with in_tenant(portal):
        page = factories.article_create()
    client = _portal_client(client_for, host_of, portal)
    client.get(_path(page))
    assert client.get(_path(page))["X-Portal-Cache"] == "hit"
    with in_tenant(portal), django_capture_on_commit_callbacks(execute=True):
        page.title = "Tiêu đề đã sửa"
        page.save_revision().publish()
    response = client.get(_path(page))
    assert "Tiêu đề đã sửa" in response.content.decode()
    assert "X-Portal-Cache" not in response


def test_the_console_and_workspace_hosts_serve_no_page_tree(portal, client_for, host_of, settings):
    assert client_for(settings.CONSOLE_HOST).get("/cms/").status_code == 404
    assert client_for(settings.CONSOLE_HOST).get("/tin-tuc-su-kien/").status_code == 404
    # the back office's own login is not a second door: it sends to the workspace's login
    workspace = client_for(host_of(portal))
    response = workspace.get("/cms/login/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")
    response = workspace.get("/cms/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_the_pages_api_takes_any_limit_and_offset_as_a_capped_page(client_for, host_of, portal):
    # Found by fuzzing (tests/fuzz): a limit or offset past a bigint was a 500 from the database.
    client = _portal_client(client_for, host_of, portal)
    everything = client.get("/api/v1/pages/", {"limit": 2**63})
    assert everything.status_code == 200, everything.content[:300]
    assert everything.json()["results"]  # a page of at most the cap
    for query in ({"offset": 2**63}, {"offset": 10**30, "limit": 10**30}):
        response = client.get("/api/v1/pages/", query)
        assert response.status_code == 200, (query, response.content[:300])
        assert response.json()["results"] == []  # past the end
    assert client.get("/api/v1/pages/", {"offset": -1}).json()["results"] == everything.json()["results"]
