"""Need-to-know (R11, issue 10): who sees which document, file, timeline and dossier, on every surface.

The acceptance walk goes through real HTTP on the tenant's workspace host: the clerk registers a
document; an official with no part gets 0 from search and 404 on the document, its files and its
timeline; after the head assigns it to that official all of them work. Then one test per surface
(lists, search, saved searches, exports, counts, reminders), the rules' two forms agreeing over a
mixed set, sharing, and the list's query count.
"""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from accounts.models import Notification, OrgUnit, User
from accounts.permissions import can, permitted
from accounts.tests.factories import OrgUnitFactory, UserFactory
from core.audit import Actor
from core.models import AuditEntry
from core.tenancy import in_tenant
from qlvbdh import reminders
from qlvbdh.attachment_models import Attachment
from qlvbdh.models import Assignment, Document, DocumentEvent, Dossier
from qlvbdh.services import sharing
from qlvbdh.services.attachments import attachment_add
from qlvbdh.services.outgoing import outgoing_approve
from qlvbdh.services.processing import document_submit
from qlvbdh.tests.factories import (
    AssignmentFactory,
    DossierFactory,
    IncomingDocumentFactory,
    OutgoingDocumentFactory,
)

# The files live on a real S3-compatible server on loopback.
from qlvbdh.tests.test_attachments import post_file, s3  # noqa: F401
from qlvbdh.tests.test_signatures import pdf_with_text

pytestmark = pytest.mark.django_db

SYSTEM = Actor(label="t")
SUMMARY = "Kế hoạch chuyển đổi số năm 2027"


@pytest.fixture
def office(tenant: Any) -> dict[str, Any]:
    """A clerk and a head in the office, a deputy, two officials in the technical unit and one in
    the office."""
    with in_tenant(tenant):
        office_unit = OrgUnitFactory.create(name="Văn phòng")
        tech = OrgUnitFactory.create(name="Phòng Kỹ thuật")
    people = {
        "clerk": ("thuyctp", "clerk", office_unit),
        "head": ("nguyentd", "head", office_unit),
        "deputy": ("phongnv", "deputy_head", office_unit),
        "minh": ("minhtht", "official", tech),
        "an": ("annv", "official", tech),
        "lan": ("lanlt", "official", office_unit),
    }
    made: dict[str, Any] = {"office": office_unit, "tech": tech}
    for key, (username, role, unit) in people.items():
        made[key] = UserFactory.create(tenant=tenant, username=username, roles=[role], unit=unit)
    return made


@pytest.fixture
def as_(signed_in: Callable[..., Client]) -> Callable[[Any], Client]:
    return lambda user: signed_in(Client(), user)


def _register(clerk: Client) -> str:
    body = {
        "issuer_name": "UBND tỉnh Gia Lai",
        "document_type": "KH",
        "summary": SUMMARY,
        "number": "88",
        "notation": "KH-UBND",
    }
    response = clerk.post("/api/v1/documents/incoming/", body, content_type="application/json")
    assert response.status_code == 201, response.content
    return str(response.json()["uuid"])


def _surfaces(client: Client, key: str, attachment: str) -> dict[str, int]:
    """What one person gets from each way into a document."""
    return {
        "search": client.get("/api/v1/documents/", {"q": "chuyen doi so"}).json()["count"],
        "page": client.get(f"/documents/{key}/").status_code,
        "api": client.get(f"/api/v1/documents/{key}/").status_code,
        "timeline": client.get(f"/api/v1/documents/{key}/timeline/").status_code,
        "files": client.get(f"/api/v1/documents/{key}/attachments/").status_code,
        "download": client.get(f"/api/v1/attachments/{attachment}/download/").status_code,
    }


NOTHING = {"search": 0, "page": 404, "api": 404, "timeline": 404, "files": 404, "download": 404}
EVERYTHING = {"search": 1, "page": 200, "api": 200, "timeline": 200, "files": 200, "download": 200}


def test_an_official_sees_a_document_only_once_it_is_assigned_to_them(tenant, office, as_, s3):  # noqa: F811
    clerk, head, minh, an = (as_(office[k]) for k in ("clerk", "head", "minh", "an"))
    # given: the clerk registers a document and attaches its scan
    key = _register(clerk)
    scan = post_file(clerk, Document(uuid=key), "ban-quet.pdf", pdf_with_text("Kế hoạch"))
    assert scan.status_code == 201, scan.content
    attachment = scan.json()["uuid"]

    # then: an official with no part learns nothing, not even that it exists
    assert _surfaces(minh, key, attachment) == NOTHING
    assert _surfaces(clerk, key, attachment) == EVERYTHING  # the clerk keeps the register
    assert _surfaces(head, key, attachment) == EVERYTHING

    # when: the head assigns it to minhtht
    directed = head.post(
        f"/api/v1/documents/{key}/direct/",
        {"note": "Đề nghị xử lý.", "assignments": [{"role": "lead", "assignee": "minhtht"}]},
        content_type="application/json",
    )
    assert directed.status_code == 200, directed.content

    # then: everything opens for minhtht, and still nothing for a colleague of the same unit
    assert _surfaces(minh, key, attachment) == EVERYTHING
    download = minh.get(f"/api/v1/attachments/{attachment}/download/")
    assert b"".join(download.streaming_content).startswith(b"%PDF")
    assert _surfaces(an, key, attachment) == NOTHING
    with in_tenant(tenant):
        # a refused reader leaves no trace of reading: no view, no download on record
        assert not AuditEntry.objects.filter(actor="annv").exists()
        assert not DocumentEvent.objects.filter(actor="annv").exists()


def test_a_unit_assignment_opens_the_document_to_its_members_only(tenant, office, as_):
    with in_tenant(tenant):
        task = AssignmentFactory.create(assignee=None, unit=office["tech"], role=Assignment.Role.COOPERATE)
    key = task.document.uuid

    assert as_(office["minh"]).get(f"/api/v1/documents/{key}/").status_code == 200
    assert as_(office["an"]).get(f"/api/v1/documents/{key}/").status_code == 200
    assert as_(office["lan"]).get(f"/api/v1/documents/{key}/").status_code == 404


def test_a_reassignment_opens_the_document_to_the_new_holder(tenant, office, as_):
    with in_tenant(tenant):
        task = AssignmentFactory.create(assignee=office["minh"])
    key = task.document.uuid
    assert as_(office["an"]).get(f"/api/v1/documents/{key}/").status_code == 404

    passed = as_(office["minh"]).post(
        f"/api/v1/tasks/{task.uuid}/reassign/", {"to": "annv"}, content_type="application/json"
    )

    assert passed.status_code == 201, passed.content
    assert as_(office["an"]).get(f"/api/v1/documents/{key}/").status_code == 200
    assert as_(office["minh"]).get(f"/api/v1/documents/{key}/").status_code == 200  # they took part


def test_a_draft_is_seen_by_its_drafter_and_the_signer_not_by_clerks_deputies_or_colleagues(
    tenant, office, as_
):
    with in_tenant(tenant):
        draft = OutgoingDocumentFactory.create(drafter=office["minh"])
        approved = OutgoingDocumentFactory.create(drafter=office["minh"], status="approved")
        signed = OutgoingDocumentFactory.create(drafter=office["minh"], status="signed")
        issued = OutgoingDocumentFactory.create(drafter=office["minh"], status="issued")

    def sees(person: str) -> set[str]:
        listed = as_(office[person]).get("/api/v1/documents/", {"limit": 50}).json()["results"]
        return {row["status"] for row in listed}

    assert sees("minh") == {"draft", "approved", "signed", "issued"}  # what they drafted
    assert sees("head") == {"draft", "approved", "issued"}  # it goes to the head to approve and sign
    assert sees("clerk") == {"signed", "issued"}  # to the clerk only once signed, for its number
    assert sees("deputy") == {"issued"}  # registered documents only, until someone shares a draft
    assert sees("an") == set()
    # and the page agrees with the list
    assert as_(office["deputy"]).get(f"/documents/{draft.uuid}/").status_code == 404
    assert as_(office["deputy"]).post(f"/api/v1/documents/{draft.uuid}/approve/").status_code == 404
    assert as_(office["clerk"]).get(f"/documents/{approved.uuid}/").status_code == 404
    assert as_(office["clerk"]).get(f"/documents/{signed.uuid}/").status_code == 200
    assert as_(office["an"]).get(f"/documents/{issued.uuid}/").status_code == 404


def test_the_drafter_shares_a_draft_with_a_deputy_who_may_then_approve_it(tenant, office, as_):
    with in_tenant(tenant):
        draft = OutgoingDocumentFactory.create(drafter=office["minh"])
    deputy = as_(office["deputy"])
    assert deputy.post(f"/api/v1/documents/{draft.uuid}/approve/").status_code == 404

    shared = as_(office["minh"]).post(
        f"/api/v1/documents/{draft.uuid}/shares/", {"user": "phongnv"}, content_type="application/json"
    )

    assert shared.status_code == 201, shared.content
    assert deputy.post(f"/api/v1/documents/{draft.uuid}/approve/").json()["status"] == "approved"


# --- sharing -------------------------------------------------------------------------------------


def test_sharing_a_document_is_audited_idempotent_and_undone_by_unsharing(tenant, office, as_):
    with in_tenant(tenant):
        document = IncomingDocumentFactory.create()
    head, lan, minh = as_(office["head"]), as_(office["lan"]), as_(office["minh"])
    url = f"/api/v1/documents/{document.uuid}/shares/"

    first = head.post(url, {"unit": str(office["office"].uuid)}, content_type="application/json")
    again = head.post(url, {"unit": str(office["office"].uuid)}, content_type="application/json")

    assert (first.status_code, again.status_code) == (201, 201)
    assert [row["unit_name"] for row in head.get(url).json()] == ["Văn phòng"]
    assert lan.get(f"/api/v1/documents/{document.uuid}/").status_code == 200  # a member of the unit
    assert minh.get(f"/api/v1/documents/{document.uuid}/").status_code == 404  # not a member
    with in_tenant(tenant):
        assert AuditEntry.objects.filter(action="document.share").count() == 1
        assert DocumentEvent.objects.filter(document=document, kind="shared").count() == 1

    removed = head.post(
        f"{url}remove/", {"unit": str(office["office"].uuid)}, content_type="application/json"
    )
    head.post(f"{url}remove/", {"unit": str(office["office"].uuid)}, content_type="application/json")

    assert removed.json() == []
    assert lan.get(f"/api/v1/documents/{document.uuid}/").status_code == 404
    with in_tenant(tenant):
        assert AuditEntry.objects.filter(action="document.unshare").count() == 1


def test_who_may_share_a_document(tenant, office, as_):
    with in_tenant(tenant):
        registered = IncomingDocumentFactory.create()
        mine = OutgoingDocumentFactory.create(drafter=office["minh"])
        task = AssignmentFactory.create(assignee=office["an"])
    body = {"user": "lanlt"}

    def share(person: str, document: Any) -> int:
        url = f"/api/v1/documents/{document.uuid}/shares/"
        return int(as_(office[person]).post(url, body, content_type="application/json").status_code)

    assert share("minh", registered) == 404  # may not see it: no hint it exists
    assert share("clerk", registered) == 403  # sees it, but neither directs nor drafted it
    assert share("an", task.document) == 403  # holding a task is not giving it away
    assert share("minh", mine) == 201  # the drafter
    assert share("deputy", registered) == 201  # those who direct and assign work
    with in_tenant(tenant):
        assert AuditEntry.objects.filter(action="document.share").count() == 2


def test_sharing_with_someone_who_cannot_use_documents_is_a_form_error(tenant, office, as_):
    with in_tenant(tenant):
        document = IncomingDocumentFactory.create()
        UserFactory.create(username="itvn", roles=["it_officer"])
        UserFactory.create(username="nghiviec", roles=["official"], is_active=False)
    head = as_(office["head"])
    url = f"/api/v1/documents/{document.uuid}/shares/"

    for body in ({"user": "itvn"}, {"user": "nghiviec"}, {"user": "khongco"}, {}, {"unit": "x"}):
        response = head.post(url, body, content_type="application/json")
        assert response.status_code == 400, (body, response.content)
    with in_tenant(tenant):
        assert not AuditEntry.objects.filter(action="document.share").exists()


def test_a_dossier_shared_with_a_unit_is_visible_to_its_members_only(tenant, office, as_):
    minh, lan, an, clerk = (as_(office[k]) for k in ("minh", "lan", "an", "clerk"))
    created = minh.post(
        "/api/v1/dossiers/",
        {
            "year": timezone.localdate().year,
            "code": "01/HS-KT",
            "title": "Hồ sơ chuyển đổi số",
            "retention": "10",
        },
        content_type="application/json",
    )
    key = created.json()["uuid"]
    assert lan.get("/api/v1/dossiers/").json() == []
    assert lan.get(f"/dossiers/{key}/").status_code == 404

    shared = minh.post(
        f"/api/v1/dossiers/{key}/shares/",
        {"unit": str(office["office"].uuid)},
        content_type="application/json",
    )

    assert shared.status_code == 201, shared.content
    for member in (lan, clerk):  # the office's members
        assert [row["uuid"] for row in member.get("/api/v1/dossiers/").json()] == [key]
        assert "01/HS-KT" in member.get("/dossiers/").content.decode()
        assert member.get(f"/dossiers/{key}/").status_code == 200
        assert member.get(f"/api/v1/dossiers/{key}/export.xml").status_code == 200
    assert an.get("/api/v1/dossiers/").json() == []  # the owner's own colleague is not in the office
    assert an.get(f"/dossiers/{key}/").status_code == 404
    assert an.get(f"/api/v1/dossiers/{key}/export.pdf").status_code == 404
    # sharing gives sight, not keeping: a member may not close it or share it on
    assert lan.post(f"/api/v1/dossiers/{key}/close/").status_code == 403
    assert (
        lan.post(
            f"/api/v1/dossiers/{key}/shares/", {"user": "annv"}, content_type="application/json"
        ).status_code
        == 403
    )
    with in_tenant(tenant):
        assert AuditEntry.objects.filter(action="dossier.share", actor="minhtht").count() == 1


def test_a_shared_dossier_shows_only_the_documents_the_reader_may_see(tenant, office, as_):
    with in_tenant(tenant):
        dossier = DossierFactory.create(owner=office["minh"])
        seen = AssignmentFactory.create(assignee=office["minh"]).document
        secret = AssignmentFactory.create(assignee=office["minh"]).document
        for document in (seen, secret):
            dossier.links.create(document=document, added_by="minhtht")
        sharing.dossier_share(actor=SYSTEM, dossier=dossier, user=office["an"])
        sharing.document_share(actor=SYSTEM, document=seen, user=office["an"])
    an = as_(office["an"])

    listed = an.get("/api/v1/dossiers/").json()
    xml = ET.fromstring(an.get(f"/api/v1/dossiers/{dossier.uuid}/export.xml").content)  # noqa: S314
    page = an.get(f"/dossiers/{dossier.uuid}/").content.decode()

    assert [row["document_count"] for row in listed] == [1]
    assert [item.get("uuid") for item in xml.iter("MucVanBan")] == [str(seen.uuid)]
    assert seen.summary in page
    assert secret.summary not in page
    assert as_(office["minh"]).get("/api/v1/dossiers/").json()[0]["document_count"] == 2


def test_the_share_panel_works_through_htmx_on_the_document_page(tenant, office, as_):
    with in_tenant(tenant):
        document = IncomingDocumentFactory.create()
    head = as_(office["head"])
    page = head.get(f"/documents/{document.uuid}/").content.decode()
    assert 'id="shares"' in page
    assert 'id="share-button"' in page

    panel = head.post(
        f"/documents/{document.uuid}/shares/", {"user": str(office["minh"].pk)}, HTTP_HX_REQUEST="true"
    )

    assert panel.status_code == 200
    assert "minhtht" in panel.content.decode()
    assert as_(office["minh"]).get(f"/documents/{document.uuid}/").status_code == 200
    # the clerk sees the panel's list but no form; a post is refused
    clerk = as_(office["clerk"])
    assert 'id="share-button"' not in clerk.get(f"/documents/{document.uuid}/").content.decode()
    refused = clerk.post(f"/documents/{document.uuid}/shares/", {"user": str(office["lan"].pk)})
    assert refused.status_code == 403
    removed = head.post(
        f"/documents/{document.uuid}/shares/", {"remove_user": "minhtht"}, HTTP_HX_REQUEST="true"
    )
    assert "minhtht" not in removed.content.decode().split("<form")[0]
    assert as_(office["minh"]).get(f"/documents/{document.uuid}/").status_code == 404


# --- every surface -------------------------------------------------------------------------------


@pytest.fixture
def hidden(tenant: Any, office: dict[str, Any]) -> Document:
    """A registered document nobody assigned to anyone (the clerk's and the head's only)."""
    with in_tenant(tenant):
        return IncomingDocumentFactory.create(summary=SUMMARY)


def _assign_to_minh(tenant: Any, office: dict[str, Any], document: Document) -> None:
    with in_tenant(tenant):
        AssignmentFactory.create(document=document, assignee=office["minh"])


def test_document_list_page(tenant, office, hidden, as_):
    minh = as_(office["minh"])
    assert SUMMARY not in minh.get("/documents/").content.decode()
    assert SUMMARY in as_(office["clerk"]).get("/documents/").content.decode()
    _assign_to_minh(tenant, office, hidden)
    assert SUMMARY in minh.get("/documents/").content.decode()


def test_search_and_its_count(tenant, office, hidden, as_):
    minh = as_(office["minh"])
    for params in ({"q": "chuyen doi so"}, {"direction": "incoming"}, {"status": "registered"}):
        assert minh.get("/api/v1/documents/", params).json()["count"] == 0
    _assign_to_minh(tenant, office, hidden)
    assert minh.get("/api/v1/documents/", {"q": "chuyen doi so"}).json()["count"] == 1


def test_saved_searches_run_under_the_reader(tenant, office, hidden, as_):
    minh = as_(office["minh"])
    saved = minh.post(
        "/api/v1/searches/",
        {"name": "Chuyển đổi số", "params": {"q": "chuyen doi so"}},
        content_type="application/json",
    ).json()
    assert minh.get("/api/v1/documents/", {"saved": saved["id"]}).json()["count"] == 0
    # someone else's saved search is not a way in either
    assert as_(office["clerk"]).get("/api/v1/documents/", {"saved": saved["id"]}).status_code == 404
    _assign_to_minh(tenant, office, hidden)
    assert minh.get("/api/v1/documents/", {"saved": saved["id"]}).json()["count"] == 1


def test_register_exports_hold_only_what_the_reader_may_see(tenant, office, hidden, as_):
    minh, clerk = as_(office["minh"]), as_(office["clerk"])
    register = hidden.register
    day = timezone.localtime(hidden.registered_at).date().isoformat()

    def xlsx_rows(client: Client) -> list[Any]:
        response = client.get(f"/api/v1/registers/{register.uuid}/export.xlsx", {"start": day, "end": day})
        assert response.status_code == 200
        sheet = load_workbook(io.BytesIO(response.content)).active
        return [row for row in sheet.iter_rows(values_only=True) if any(SUMMARY in str(c) for c in row if c)]

    def printed(client: Client) -> int:
        """How many documents the day's printed register held (its audit entry counts them)."""
        response = client.get(f"/api/v1/registers/{register.uuid}/print.pdf", {"date": day})
        assert response.status_code == 200
        assert response.content.startswith(b"%PDF")
        with in_tenant(tenant):
            return int(AuditEntry.objects.filter(action="register.print").latest("id").detail["documents"])

    assert xlsx_rows(minh) == []
    assert printed(minh) == 0
    assert len(xlsx_rows(clerk)) == 1
    assert printed(clerk) == 1
    _assign_to_minh(tenant, office, hidden)
    assert len(xlsx_rows(minh)) == 1
    assert printed(minh) == 1


def test_navigation_count_of_my_tasks(tenant, office, hidden, as_):
    minh = as_(office["minh"])

    def badge() -> int:
        nav = minh.get("/").context["nav_items"]
        return int(next(item["count"] for item in nav if item["url"] == "/tasks/"))

    assert badge() == 0
    _assign_to_minh(tenant, office, hidden)
    with in_tenant(tenant):
        AssignmentFactory.create(assignee=office["an"])  # not minh's
    assert badge() == 1


def test_reminders_name_a_document_only_to_those_who_may_open_it(tenant, office, hidden):
    with in_tenant(tenant):
        mine = AssignmentFactory.create(assignee=office["minh"], deadline=timezone.localdate())
        units = AssignmentFactory.create(assignee=None, unit=office["tech"], deadline=timezone.localdate())
        AssignmentFactory.create(
            assignee=office["lan"], deadline=timezone.localdate() + timedelta(days=9)
        )  # not due yet

        sent = reminders.reminders_send()

        by_person = {
            username: sorted(
                Notification.objects.filter(user__username=username).values_list("link", flat=True)
            )
            for username in ("minhtht", "annv", "lanlt", "thuyctp", "nguyentd")
        }
    assert sent == 3
    assert by_person["minhtht"] == sorted(
        [f"/api/v1/documents/{mine.document.uuid}/", f"/api/v1/documents/{units.document.uuid}/"]
    )
    assert by_person["annv"] == [f"/api/v1/documents/{units.document.uuid}/"]
    assert by_person["lanlt"] == by_person["thuyctp"] == by_person["nguyentd"] == []


def test_a_service_resolves_the_document_through_what_the_actor_may_see(tenant, office, hidden):
    """Services are reachable without a page (the hub, the shell, future code): they check too."""
    from django.core.exceptions import PermissionDenied
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.http import Http404

    upload = SimpleUploadedFile("a.pdf", pdf_with_text("x"))
    with in_tenant(tenant), pytest.raises((PermissionDenied, Http404)):
        attachment_add(actor=Actor(user=office["lan"]), document=hidden, upload=upload)
    with in_tenant(tenant), pytest.raises(PermissionDenied):
        sharing.document_share(actor=Actor(user=office["lan"]), document=hidden, user=office["lan"])
    with in_tenant(tenant):
        draft = OutgoingDocumentFactory.create(drafter=office["minh"])
        with pytest.raises(Http404):  # the deputy may approve, but this draft never came to them
            outgoing_approve(actor=Actor(user=office["deputy"]), document=draft)
        with pytest.raises(Http404):  # the clerk submits, but only what they may see
            document_submit(actor=Actor(user=office["clerk"]), document=draft, head=office["head"])
        assert not Attachment.objects.exists()
        assert Document.objects.get(pk=draft.pk).status == "draft"


# --- the two forms of each rule agree ------------------------------------------------------------


@pytest.fixture
def mixed(tenant: Any, office: dict[str, Any]) -> dict[str, Any]:
    """Documents in every state and every way of being involved, files, timelines and dossiers."""
    minh, an, lan, head, deputy = (office[k] for k in ("minh", "an", "lan", "head", "deputy"))
    with in_tenant(tenant):
        documents = [
            IncomingDocumentFactory.create(),
            IncomingDocumentFactory.create(submitted_to=head),
            AssignmentFactory.create(assignee=minh).document,
            AssignmentFactory.create(assignee=None, unit=office["tech"], role="inform").document,
            AssignmentFactory.create(assignee=lan, role="cooperate").document,
            OutgoingDocumentFactory.create(drafter=minh),
            OutgoingDocumentFactory.create(drafter=an, status="approved"),
            OutgoingDocumentFactory.create(drafter=lan, status="signed"),
            OutgoingDocumentFactory.create(drafter=lan, status="issued", distribute_to=[office["tech"]]),
            OutgoingDocumentFactory.create(drafter=an, status="revoked"),
            OutgoingDocumentFactory.create(drafter=lan, internal=True),
        ]
        sharing.document_share(actor=SYSTEM, document=documents[0], unit=office["office"])
        sharing.document_share(actor=SYSTEM, document=documents[10], user=deputy)
        for document in documents:
            Attachment.objects.create(
                document=document,
                original_name="a.pdf",
                version=1,
                file=f"attachments/{document.uuid}/a.pdf",
                size=1,
                sha256="0" * 64,
                content_type="application/pdf",
                uploaded_by="t",
            )
        dossiers = [DossierFactory.create(owner=person) for person in (minh, an, lan)]
        sharing.dossier_share(actor=SYSTEM, dossier=dossiers[0], unit=office["office"])
        sharing.dossier_share(actor=SYSTEM, dossier=dossiers[1], user=lan)
    return {"documents": documents}


RULES = [
    ("qlvbdh.view_documents", Document),
    ("qlvbdh.view_documents", Attachment),
    ("qlvbdh.view_documents", DocumentEvent),
    ("qlvbdh.view_documents", Dossier),
    ("qlvbdh.share", Document),
    ("qlvbdh.share", Dossier),
    ("qlvbdh.process", Assignment),
]


@pytest.mark.parametrize(("code", "model"), RULES, ids=[f"{c}:{m.__name__}" for c, m in RULES])
def test_the_yes_no_and_the_queryset_form_agree(tenant, office, mixed, code, model):
    with in_tenant(tenant):
        everything = list(model.objects.all())
        people = list(User.objects.all())
        for person in people:
            person = User.objects.get(pk=person.pk)  # roles read fresh
            listed = set(permitted(person, code, model).values_list("pk", flat=True))
            asked = {obj.pk for obj in everything if can(person, code, obj)}
            assert listed == asked, (person.username, code, model.__name__)
        # the set is mixed: every rule says yes to someone and no to someone
        for obj in everything[:3]:
            answers = {can(User.objects.get(pk=p.pk), code, obj) for p in people}
            assert answers == {True, False} or model is Assignment, (code, obj)


def test_who_sees_which_document_of_the_mixed_set(tenant, office, mixed):
    documents = mixed["documents"]
    with in_tenant(tenant):

        def seen(person: str) -> set[int]:
            user = User.objects.get(pk=office[person].pk)
            indices = {d.pk: i for i, d in enumerate(documents)}
            return {
                indices[pk]
                for pk in permitted(user, "qlvbdh.view_documents", Document).values_list("pk", flat=True)
            }

        assert seen("minh") == {2, 3, 5, 8}  # assigned, unit informed, drafted, distributed to the unit
        assert seen("an") == {3, 6, 8, 9}  # unit informed, drafted (approved), distributed, drafted (revoked)
        assert seen("lan") == {0, 4, 7, 8, 10}  # shared with the office, cooperating, drafted x3
        assert seen("deputy") == {0, 1, 2, 3, 4, 8, 9, 10}  # registered ones, and the draft shared with them
        assert seen("head") == {0, 1, 2, 3, 4, 5, 6, 8, 9, 10}  # registered, drafts and the approved one
        assert seen("clerk") == {0, 1, 2, 3, 4, 7, 8, 9}  # registered, and the signed one to number


# --- the list at scale ---------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["minh", "head"])
def test_document_list_query_count_does_not_grow_with_rows(tenant, office, as_, who):
    client = as_(office[who])

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/api/v1/documents/", {"limit": 50}).status_code == 200
            assert client.get("/documents/").status_code == 200
        return len(captured)

    with in_tenant(tenant):
        for _ in range(2):
            AssignmentFactory.create(assignee=office["minh"])
    queries()  # warm: the session and the first request's one-off reads
    few = queries()
    with in_tenant(tenant):
        for _ in range(20):
            AssignmentFactory.create(assignee=office["minh"])
            IncomingDocumentFactory.create()
    many = queries()

    assert many == few
    visible = client.get("/api/v1/documents/", {"limit": 100}).json()["count"]
    assert visible == (22 if who == "minh" else 42)


def test_the_visibility_filter_has_no_join_that_multiplies_rows(tenant, office):
    """One `id IN (... UNION ...)` over indexed columns: no DISTINCT, no JOIN in the list's SQL."""
    with in_tenant(tenant):
        user = User.objects.get(pk=office["minh"].pk)
        sql = str(permitted(user, "qlvbdh.view_documents", Document).query).upper()
    assert "DISTINCT" not in sql
    assert " JOIN " not in sql
    assert "UNION" in sql


def test_another_tenants_shares_give_nothing_here(tenant, other_tenant, office, as_):
    """Ids repeat across schemas: a share row in another agency means nothing in this one."""
    with in_tenant(other_tenant):
        unit = OrgUnit.objects.create(name="Phòng Kỹ thuật", folded_name="phong ky thuat")
        elsewhere = UserFactory.create(username="minhtht", roles=["official"], unit=unit)
        document = IncomingDocumentFactory.create()
        sharing.document_share(actor=SYSTEM, document=document, user=elsewhere)
    with in_tenant(tenant):
        here = IncomingDocumentFactory.create()
    minh = as_(office["minh"])
    assert minh.get("/api/v1/documents/").json()["count"] == 0
    assert minh.get(f"/api/v1/documents/{document.uuid}/").status_code == 404
    assert minh.get(f"/api/v1/documents/{here.uuid}/").status_code == 404
