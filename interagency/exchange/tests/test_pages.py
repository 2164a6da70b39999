"""The clerk's hub pages and API through real HTTP, signed in through the real login pages:
A issues to B and C through the real hub; B accepts, C refuses; A reads what each did."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.tenancy import in_tenant
from interagency.exchange.models import InboxItem
from interagency.exchange.tests.flows import issue_to, office
from interagency.hub.services.deliveries import work
from qlvbdh.models import Document
from qlvbdh.services import documents

pytestmark = pytest.mark.django_db


@pytest.fixture
def agencies(province, tenant, other_tenant, third_tenant, make_user):
    for agency in (tenant, other_tenant, third_tenant):
        make_user(agency, "thuyctp", roles=("clerk",), full_name="Cao Thị Phương Thuý")
    make_user(other_tenant, "minhtht", roles=("official",), full_name="Trương Hoàng Tiến Minh")
    return {
        "a": (tenant, office(tenant)),
        "b": (other_tenant, office(other_tenant)),
        "c": (third_tenant, office(third_tenant)),
    }


@pytest.fixture
def sent(agencies):
    (a, a_people), (b, _b), (c, _c) = agencies["a"], agencies["b"], agencies["c"]
    document = issue_to(a, a_people, [b, c], summary="Về việc kết nối liên thông văn bản điện tử")
    work()
    return document


def _item(tenant) -> InboxItem:
    with in_tenant(tenant):
        return InboxItem.objects.select_related("document").get()


def _row(page: str, code: str) -> str:
    """The exchange section's row of one recipient."""
    found = re.search(rf'<tr data-recipient="{re.escape(code)}">(.*?)</tr>', page, re.S)
    assert found, page
    return found.group(1)


def test_b_accepts_c_refuses_and_a_sees_both_on_its_document_page(agencies, sent, sign_in):
    (a, _a), (b, _b), (c, _c) = agencies["a"], agencies["b"], agencies["c"]
    b_clerk, c_clerk, a_clerk = sign_in(b, "thuyctp"), sign_in(c, "thuyctp"), sign_in(a, "thuyctp")
    b_item = _item(b)

    inbox = b_clerk.get("/hub/inbox/").content.decode()
    assert "Văn bản đến qua trục" in inbox
    assert re.search(r"data-nav-count>1<", inbox)  # the nav's count of arrived items
    assert f"{sent.number}/{sent.notation}" in inbox
    assert f"/hub/inbox/{b_item.uuid}/" in inbox
    page = b_clerk.get(f"/hub/inbox/{b_item.uuid}/").content.decode()
    assert "cong-van.pdf" in page
    assert "Tiếp nhận" in page

    accepted = b_clerk.post(f"/hub/inbox/{b_item.uuid}/accept/")
    again = b_clerk.post(f"/hub/inbox/{b_item.uuid}/accept/")  # a double click

    b_item = _item(b)
    assert b_item.state == InboxItem.State.ACCEPTED
    assert b_item.document is not None
    assert accepted.status_code == 302
    assert accepted["Location"] == f"/documents/{b_item.document.uuid}/"
    assert again["Location"] == accepted["Location"]
    shown = b_clerk.get(accepted["Location"]).content.decode()
    assert "số đến 01" in shown
    assert 'id="arrival-number">01<' in shown
    with in_tenant(b):
        assert Document.objects.filter(direction="incoming").count() == 1
    assert "data-nav-count" not in b_clerk.get("/hub/inbox/").content.decode()

    c_item = _item(c)
    empty = c_clerk.post(f"/hub/inbox/{c_item.uuid}/refuse/", {"reason": "  "})
    assert empty.status_code == 200
    assert "Cần ghi lý do từ chối." in empty.content.decode()
    assert _item(c).state == InboxItem.State.ARRIVED
    refused = c_clerk.post(f"/hub/inbox/{c_item.uuid}/refuse/", {"reason": "Không đúng thẩm quyền"})
    assert refused.status_code == 302
    assert c_clerk.post(f"/hub/inbox/{c_item.uuid}/refuse/", {"reason": "x"}).status_code == 302  # harmless
    c_item = _item(c)
    assert (c_item.state, c_item.reason) == (InboxItem.State.REFUSED, "Không đúng thẩm quyền")
    # accepting what was refused: a message on the item's page, nothing registered
    late = c_clerk.post(f"/hub/inbox/{c_item.uuid}/accept/", follow=True)
    assert "Văn bản này đã được xử lý" in late.content.decode()
    with in_tenant(c):
        assert not Document.objects.filter(direction="incoming").exists()

    work()

    page = a_clerk.get(f"/documents/{sent.uuid}/").content.decode()
    assert "Tình hình tiếp nhận qua trục" in page
    b_row, c_row = _row(page, b.org_code), _row(page, c.org_code)
    assert 'data-status="03"' in b_row
    assert "Đã tiếp nhận, vào sổ" in b_row
    assert 'data-history="01"' in b_row
    assert 'data-status="02"' in c_row
    assert "Từ chối tiếp nhận" in c_row
    assert "Không đúng thẩm quyền" in c_row


def test_inbox_filters_by_state_and_lists_arrived_first(agencies, sent, sign_in):
    (a, a_people), (b, _b) = agencies["a"], agencies["b"]
    b_clerk = sign_in(b, "thuyctp")
    first = _item(b)
    b_clerk.post(f"/hub/inbox/{first.uuid}/refuse/", {"reason": "Trùng"})
    issue_to(a, a_people, [b], summary="Về việc thứ hai")
    work()

    page = b_clerk.get("/hub/inbox/").content.decode()
    refused = b_clerk.get("/hub/inbox/?state=refused").content.decode()
    nonsense = b_clerk.get("/hub/inbox/?state=nonsense&page=x")

    assert re.findall(r'data-state="(\w+)"', page) == ["arrived", "refused"]
    assert re.findall(r'data-state="(\w+)"', refused) == ["refused"]
    assert "Về việc thứ hai" not in refused
    assert nonsense.status_code == 200


def test_inbox_queries_do_not_grow_with_the_rows(agencies, sent, sign_in):
    (a, a_people), (b, _b) = agencies["a"], agencies["b"]
    b_clerk = sign_in(b, "thuyctp")
    b_clerk.get("/hub/inbox/")
    with CaptureQueriesContext(connection) as one:
        b_clerk.get("/hub/inbox/")
    for n in range(2):
        issue_to(a, a_people, [b], summary=f"Văn bản số {n + 2}")
    work()
    with CaptureQueriesContext(connection) as three:
        page = b_clerk.get("/hub/inbox/").content.decode()

    assert page.count('data-state="arrived"') == 3
    assert len(three) == len(one)


def test_only_the_clerk_reaches_the_inbox(agencies, sent, sign_in):
    b = agencies["b"][0]
    official = sign_in(b, "minhtht")
    item = _item(b)

    assert official.get("/hub/inbox/").status_code == 403
    assert official.get(f"/hub/inbox/{item.uuid}/").status_code == 403
    assert official.post(f"/hub/inbox/{item.uuid}/accept/").status_code == 403
    assert official.post(f"/hub/inbox/{item.uuid}/refuse/", {"reason": "x"}).status_code == 403
    assert official.get("/api/v1/hub/inbox/").status_code == 403
    assert official.post(f"/api/v1/hub/inbox/{item.uuid}/accept/").status_code == 403
    assert "/hub/inbox/" not in official.get("/").content.decode()
    assert _item(b).state == InboxItem.State.ARRIVED


def test_the_clerk_cannot_reach_another_agencys_items(agencies, sent, sign_in):
    (a, _a), (b, b_people), (c, _c) = agencies["a"], agencies["b"], agencies["c"]
    issue_to(b, b_people, [a])  # so A has an item of its own
    work()
    b_clerk = sign_in(b, "thuyctp")

    for foreign in (_item(a), _item(c)):
        assert b_clerk.get(f"/hub/inbox/{foreign.uuid}/").status_code == 404
        assert b_clerk.post(f"/hub/inbox/{foreign.uuid}/accept/").status_code == 404
        assert b_clerk.post(f"/hub/inbox/{foreign.uuid}/refuse/", {"reason": "x"}).status_code == 404
        assert b_clerk.get(f"/api/v1/hub/inbox/{foreign.uuid}/").status_code == 404
        assert b_clerk.post(f"/api/v1/hub/inbox/{foreign.uuid}/accept/").status_code == 404
    assert b_clerk.get("/hub/inbox/not-a-uuid/").status_code == 404
    assert _item(a).state == _item(c).state == InboxItem.State.ARRIVED


def test_the_senders_request_is_shown_and_answered_on_the_item_page(agencies, sent, sign_in):
    (a, a_people), (b, _b), (c, _c) = agencies["a"], agencies["b"], agencies["c"]
    b_clerk, c_clerk, a_clerk = sign_in(b, "thuyctp"), sign_in(c, "thuyctp"), sign_in(a, "thuyctp")
    b_clerk.post(f"/hub/inbox/{_item(b).uuid}/accept/")
    work()
    with in_tenant(a):
        documents.document_revoke(actor=a_people["head"], document=sent, reason="Sai số liệu ở phụ lục")
    work()
    b_item, c_item = _item(b), _item(c)

    assert "data-open-request" in b_clerk.get("/hub/inbox/").content.decode()
    page = b_clerk.get(f"/hub/inbox/{b_item.uuid}/").content.decode()
    assert "Sai số liệu ở phụ lục" in page
    assert "Đồng ý" in page
    assert b_clerk.post(f"/hub/inbox/{b_item.uuid}/answer/", {"agree": "1"}).status_code == 302
    assert b_clerk.post(f"/hub/inbox/{b_item.uuid}/answer/", {"agree": "1"}).status_code == 302  # again
    empty = c_clerk.post(f"/hub/inbox/{c_item.uuid}/answer/", {"agree": "0", "reason": ""})
    assert empty.status_code == 200
    assert "Cần ghi lý do từ chối." in empty.content.decode()
    assert (_item(c).request or {}).get("answer") is None
    answered = c_clerk.post(f"/hub/inbox/{c_item.uuid}/answer/", {"agree": "0", "reason": "Đã thực hiện"})
    assert answered.status_code == 302
    work()

    b_item = _item(b)
    assert b_item.state == InboxItem.State.CANCELLED
    assert b_item.document is not None
    with in_tenant(b):
        assert Document.objects.get(uuid=b_item.document.uuid).status == Document.Status.REVOKED
    assert (_item(c).request or {})["answer"] == "refuse"
    assert "data-open-request" not in c_clerk.get("/hub/inbox/").content.decode()
    page = a_clerk.get(f"/documents/{sent.uuid}/").content.decode()
    b_row, c_row = _row(page, b.org_code), _row(page, c.org_code)
    assert 'data-status="15"' in b_row
    assert 'data-history="13"' in b_row
    assert "đơn vị mình đề nghị" in b_row
    assert 'data-status="16"' in c_row
    assert "Đã thực hiện" in c_row


# --- the API -------------------------------------------------------------------------------------


def test_api_accept_refuse_and_the_senders_exchange_table(agencies, sent, sign_in):
    (a, _a), (b, _b), (c, _c) = agencies["a"], agencies["b"], agencies["c"]
    b_clerk, c_clerk, a_clerk = sign_in(b, "thuyctp"), sign_in(c, "thuyctp"), sign_in(a, "thuyctp")
    b_uuid, c_uuid = _item(b).uuid, _item(c).uuid

    listed = b_clerk.get("/api/v1/hub/inbox/").json()
    detail = b_clerk.get(f"/api/v1/hub/inbox/{b_uuid}/").json()
    assert [row["uuid"] for row in listed["results"]] == [str(b_uuid)]
    assert listed["results"][0]["state"] == "arrived"
    assert detail["metadata"]["attachments"][0]["name"] == "cong-van.pdf"
    assert (detail["number"], detail["notation"]) == (sent.number, sent.notation)
    assert b_clerk.get("/api/v1/hub/inbox/?state=nonsense").status_code == 400

    accepted = b_clerk.post(f"/api/v1/hub/inbox/{b_uuid}/accept/")
    again = b_clerk.post(f"/api/v1/hub/inbox/{b_uuid}/accept/")
    assert accepted.status_code == again.status_code == 200
    assert accepted.json()["state"] == "accepted"
    assert accepted.json()["arrival_number"] == 1
    assert again.json()["document"] == accepted.json()["document"]

    blank = c_clerk.post(
        f"/api/v1/hub/inbox/{c_uuid}/refuse/", {"reason": ""}, content_type="application/json"
    )
    assert blank.status_code == 400
    assert "Cần ghi lý do từ chối." in str(blank.json())
    refused = c_clerk.post(
        f"/api/v1/hub/inbox/{c_uuid}/refuse/", {"reason": "Sai nơi nhận"}, content_type="application/json"
    )
    assert refused.status_code == 200
    assert (refused.json()["state"], refused.json()["reason"]) == ("refused", "Sai nơi nhận")
    late = c_clerk.post(f"/api/v1/hub/inbox/{c_uuid}/accept/")
    assert late.status_code == 409
    assert "Văn bản này đã được xử lý" in late.json()["detail"]
    no_request = c_clerk.post(
        f"/api/v1/hub/inbox/{c_uuid}/answer/", {"agree": True}, content_type="application/json"
    )
    assert no_request.status_code == 409
    bad = c_clerk.post(
        f"/api/v1/hub/inbox/{c_uuid}/answer/", {"agree": "maybe"}, content_type="application/json"
    )
    assert bad.status_code == 400
    with in_tenant(c):
        assert not Document.objects.filter(direction="incoming").exists()

    work()

    table = {row["code"]: row for row in a_clerk.get(f"/api/v1/documents/{sent.uuid}/exchange/").json()}
    assert table[b.org_code]["latest"]["status_code"] == "03"
    assert table[b.org_code]["latest"]["status_label"] == "Đã tiếp nhận, vào sổ"
    assert [s["status_code"] for s in table[b.org_code]["history"]] == ["01", "03"]
    assert table[c.org_code]["latest"]["status_code"] == "02"
    assert table[c.org_code]["latest"]["description"] == "Sai nơi nhận"
    assert a_clerk.get("/api/v1/documents/not-a-uuid/exchange/").status_code == 404
    # B's document uuid means nothing on A's host
    assert a_clerk.get(f"/api/v1/documents/{accepted.json()['document']}/exchange/").status_code == 404
