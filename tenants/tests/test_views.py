"""The console's tenant pages, as an operator uses them."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client

from accounts.tests.factories import UserFactory
from tenants.models import Tenant

pytestmark = pytest.mark.django_db


@pytest.fixture
def console(operator) -> Client:
    return operator


def test_operator_creates_a_tenant_from_the_form(console, spare_pool):
    spare_pool(1)
    response = console.post(
        "/tenants/new/", {"name": "Sở Giáo dục và Đào tạo", "kind": "department", "org_code": "000.00.16.H21"}
    )

    tenant = Tenant.objects.get(org_code="000.00.16.H21")
    assert response.status_code == 302
    assert response["Location"] == f"/tenants/{tenant.uuid}/"
    assert "qlvbdhsgddt.gialai.localhost" in console.get(response["Location"]).content.decode()


def test_form_shows_errors_and_keeps_input(console):
    response = console.post(
        "/tenants/new/",
        {"name": "Sở Giáo dục và Đào tạo", "kind": "department", "org_code": "xyz", "workspace_host": "www"},
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert "Sở Giáo dục và Đào tạo" in page
    assert "000.00.15.H21" in page  # the message shows the expected form
    assert not Tenant.objects.filter(name="Sở Giáo dục và Đào tạo").exists()


def test_host_proposal_fragment(console):
    response = console.get("/tenants/proposal/", {"name": "Trường THPT Đạ Tông", "kind": "school"})

    assert "thptdatong.gialai.localhost" in response.content.decode()


def test_suspend_button_changes_status_and_history(console, tenant):
    response = console.post(f"/tenants/{tenant.uuid}/suspend/", {"reason": "chậm nộp phí"})

    assert response.status_code == 302
    assert Tenant.objects.get(pk=tenant.pk).status == "suspended"
    assert "chậm nộp phí" in console.get(f"/tenants/{tenant.uuid}/").content.decode()


def test_signed_in_user_without_permission_gets_403(province, signed_in):
    client = signed_in(Client(), UserFactory.create(tenant=province))

    assert client.defaults["HTTP_HOST"] == "console.gialai.localhost"
    assert client.get("/").status_code == 403
    assert client.get("/tenants/new/").status_code == 403


def test_login_page_is_vietnamese_by_default(province):
    page = Client(HTTP_HOST="console.gialai.localhost").get("/login/").content.decode()

    assert "Đăng nhập" in page
    assert 'lang="vi"' in page


def test_in_english_the_buttons_are_verbs_and_the_status_an_adjective(operator, tenant):
    """One Vietnamese word, two English ones (pgettext): "Tạm ngừng" is Suspend on the button and
    Suspended as the status."""
    operator.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    active = operator.get(f"/tenants/{tenant.uuid}/").content.decode()
    operator.post(f"/tenants/{tenant.uuid}/suspend/", {"reason": "test"})
    suspended = operator.get(f"/tenants/{tenant.uuid}/").content.decode()

    assert ">Suspend</button>" in active
    assert ">Archive</button>" in active
    assert "Suspended" in suspended
    assert ">Suspended</button>" not in active + suspended
