"""Attachments: stored through the tenant-scoped storage on a real S3-compatible server (moto in
server mode on loopback), checked by content, versioned, searchable, verified, audited."""

from __future__ import annotations

import hashlib
import io
import zipfile
from typing import Any

import boto3
import docx
import openpyxl
import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from PIL import Image

from conftest import together
from core.audit import Actor
from core.models import AuditEntry
from core.tenancy import in_tenant
from qlvbdh.attachment_models import Attachment
from qlvbdh.models import Document, DocumentEvent
from qlvbdh.services import attachments as attachment_services
from qlvbdh.services.attachments import attachment_add
from qlvbdh.services.incoming import IncomingData, incoming_document_register
from qlvbdh.tasks import attachment_analyse_task
from qlvbdh.tests.test_signatures import append_page_content, make_pki, pdf_with_text, sign_pdf

pytestmark = pytest.mark.django_db

BUCKET = "tinhso-attachments-test"
CLERK = Actor(label="test-clerk")
PDF_LINES = ("Kế hoạch phòng, chống lụt bão năm 2027", "Ủy ban nhân dân huyện Đắk Đoa")


# --- files ---------------------------------------------------------------------------------------


def docx_bytes(*paragraphs: str, cell: str = "") -> bytes:
    document = docx.Document()
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    if cell:
        document.add_table(rows=1, cols=1).rows[0].cells[0].text = cell
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def xlsx_bytes() -> bytes:
    out = io.BytesIO()
    openpyxl.Workbook().save(out)
    return out.getvalue()


def odt_bytes() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr(
            zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.text", zipfile.ZIP_STORED
        )
        archive.writestr("content.xml", "<office:document-content/>")
    return out.getvalue()


def image_bytes(kind: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(out, kind)
    return out.getvalue()


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    # The browser's Content-Type is a lie on purpose: only the bytes decide.
    return SimpleUploadedFile(name, content, content_type="application/pdf")


# --- fixtures ------------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def s3(s3_endpoint, settings):
    """The default storage is the tenant-scoped S3 storage, on the loopback server."""
    client = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        aws_access_key_id="test",
        aws_secret_access_key="test",
        region_name="us-east-1",
    )
    client.create_bucket(Bucket=BUCKET)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "core.storage_s3.TenantS3Storage",
            "OPTIONS": {
                "bucket_name": BUCKET,
                "endpoint_url": s3_endpoint,
                "access_key": "test",
                "secret_key": "test",
                "region_name": "us-east-1",
                "default_acl": None,
                "file_overwrite": False,
                "querystring_auth": True,
            },
        },
    }
    yield client
    for obj in client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        client.delete_object(Bucket=BUCKET, Key=obj["Key"])
    client.delete_bucket(Bucket=BUCKET)


def stored_keys(client) -> list[str]:
    return sorted(obj["Key"] for obj in client.list_objects_v2(Bucket=BUCKET).get("Contents", []))


@pytest.fixture
def document(tenant):
    with in_tenant(tenant):
        return incoming_document_register(
            actor=CLERK,
            data=IncomingData(
                issuer_name="UBND huyện Đắk Đoa",
                issuer_code="000.00.31.H21",
                document_type="KH",
                summary="Về việc triển khai công tác năm 2027",
                number="12",
                notation="UBND-VP",
            ),
        )


@pytest.fixture
def clerk(tenant, make_user, sign_in):
    make_user(tenant, "thuyctp", roles=("clerk",))
    return sign_in(tenant, "thuyctp")


def post_file(client, document, name: str, content: bytes):
    return client.post(f"/api/v1/documents/{document.uuid}/attachments/", {"file": upload(name, content)})


def analyse_all(tenant) -> None:
    """What the worker does for each queued message: the task body, in the tenant's schema."""
    with in_tenant(tenant):
        for attachment_uuid in Attachment.objects.values_list("uuid", flat=True):
            attachment_analyse_task(str(attachment_uuid))


def search(client, q: str) -> list[str]:
    response = client.get("/api/v1/documents/", {"q": q})
    assert response.status_code == 200, response.content
    return [row["uuid"] for row in response.json()["results"]]


# --- storing -------------------------------------------------------------------------------------


def test_pdf_and_docx_are_stored_under_the_tenant_prefix_with_their_sha256_size_and_type(
    tenant, clerk, document, s3
):
    pdf = pdf_with_text(*PDF_LINES)
    word = docx_bytes("Báo cáo")

    pdf_response = post_file(clerk, document, "Kế hoạch.pdf", pdf)
    word_response = post_file(clerk, document, "bao-cao.docx", word)

    assert pdf_response.status_code == 201, pdf_response.content
    assert word_response.status_code == 201, word_response.content
    body = pdf_response.json()
    assert body["original_name"] == "Kế hoạch.pdf"
    assert body["version"] == 1
    assert body["sha256"] == hashlib.sha256(pdf).hexdigest()
    assert body["size"] == len(pdf)
    assert body["content_type"] == "application/pdf"
    assert word_response.json()["content_type"] == (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    keys = stored_keys(s3)
    assert len(keys) == 2
    assert all(key.startswith(f"tenants/test_alpha/attachments/{document.uuid}/") for key in keys)
    with in_tenant(tenant):
        stored = Attachment.objects.get(uuid=body["uuid"])
        assert (
            s3.get_object(Bucket=BUCKET, Key=f"tenants/test_alpha/{stored.file.name}")["Body"].read() == pdf
        )
        assert AuditEntry.objects.filter(action="attachment.add", target_id=body["uuid"]).get().detail == {
            "document": str(document.uuid),
            "name": "Kế hoạch.pdf",
            "sha256": body["sha256"],
            "size": len(pdf),
            "version": 1,
            "content_type": "application/pdf",
        }
        assert DocumentEvent.objects.filter(document=document, kind="attachment_added").count() == 2


def test_a_name_typed_in_decomposed_unicode_is_stored_in_nfc(tenant, document):
    decomposed = "Ke\u0302\u0301 hoa\u0323ch.pdf"

    with in_tenant(tenant):
        attachment = attachment_add(
            actor=CLERK, document=document, upload=ContentFile(pdf_with_text("x"), name=decomposed)
        )

    assert attachment.original_name == "Kế hoạch.pdf"


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("scan.pdf", image_bytes("PNG"), "file_type_mismatch"),
        ("bang-tong-hop.xlsx", docx_bytes("không phải bảng tính"), "file_type_mismatch"),
        ("ghi-chu.txt", "chỉ là văn bản".encode(), "file_type_not_allowed"),
        ("nen.zip", b"PK\x03\x04" + b"\x00" * 100, "file_type_not_allowed"),
        ("trong.pdf", b"", "empty_file"),
        ("khong-duoi", pdf_with_text("x"), "invalid_name"),
    ],
)
def test_a_file_whose_content_does_not_match_its_name_is_refused_and_nothing_is_stored(
    tenant, clerk, document, s3, name, content, code
):
    response = post_file(clerk, document, name, content)

    assert response.status_code == 400, response.content
    assert response.json()["code"] == code
    with in_tenant(tenant):
        assert not Attachment.objects.exists()
        assert not AuditEntry.objects.filter(action="attachment.add").exists()
    assert stored_keys(s3) == []


def test_png_named_pdf_is_refused_with_a_vietnamese_message(clerk, document):
    response = post_file(clerk, document, "scan.pdf", image_bytes("PNG"))

    assert response.status_code == 400
    assert response.json()["detail"].startswith("Tên tệp có đuôi .pdf nhưng nội dung là PNG")


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("a.pdf", pdf_with_text("x"), "application/pdf"),
        (
            "a.docx",
            docx_bytes("x"),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        ("a.xlsx", xlsx_bytes(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ("a.odt", odt_bytes(), "application/vnd.oasis.opendocument.text"),
        ("a.doc", bytes.fromhex("d0cf11e0a1b11ae1") + b"\x00" * 1024, "application/msword"),
        ("a.JPG", image_bytes("JPEG"), "image/jpeg"),
        ("a.png", image_bytes("PNG"), "image/png"),
        ("a.tif", image_bytes("TIFF"), "image/tiff"),
    ],
)
def test_each_accepted_type_is_recognised_by_its_content(tenant, document, name, content, content_type):
    with in_tenant(tenant):
        attachment = attachment_add(actor=CLERK, document=document, upload=upload(name, content))

    assert attachment.content_type == content_type


def test_a_file_over_the_configured_limit_is_refused(tenant, clerk, document, s3, settings):
    settings.ATTACHMENT_MAX_BYTES = 1000

    response = post_file(clerk, document, "lon.pdf", pdf_with_text("x" * 50) + b"%" * 2000)

    assert response.status_code == 413
    assert response.json()["code"] == "file_too_large"
    with in_tenant(tenant):
        assert not Attachment.objects.exists()
    assert stored_keys(s3) == []


def test_a_failure_after_the_file_is_written_removes_it_again(tenant, document, s3, monkeypatch):
    def refuse(**_kwargs: Any) -> None:
        raise RuntimeError("audit trail unavailable")

    monkeypatch.setattr(attachment_services, "audit_record", refuse)

    with in_tenant(tenant), pytest.raises(RuntimeError):
        attachment_add(actor=CLERK, document=document, upload=upload("a.pdf", pdf_with_text("x")))

    with in_tenant(tenant):
        assert not Attachment.objects.exists()
    assert stored_keys(s3) == []


def test_a_revoked_document_takes_no_new_attachment(tenant, clerk, document):
    with in_tenant(tenant):
        Document.objects.filter(pk=document.pk).update(status=Document.Status.REVOKED)

    response = post_file(clerk, document, "a.pdf", pdf_with_text("x"))

    assert response.status_code == 409
    assert response.json()["code"] == "document_revoked"


def test_a_request_without_exactly_one_file_is_refused(clerk, document):
    assert clerk.post(f"/api/v1/documents/{document.uuid}/attachments/", {}).status_code == 400
    two = {"file": [upload("a.pdf", pdf_with_text("x")), upload("b.pdf", pdf_with_text("y"))]}
    assert clerk.post(f"/api/v1/documents/{document.uuid}/attachments/", two).status_code == 400
    as_json = clerk.post(
        f"/api/v1/documents/{document.uuid}/attachments/", {"file": "x"}, content_type="application/json"
    )
    assert as_json.status_code == 415


# --- versions ------------------------------------------------------------------------------------


def test_the_same_name_again_is_version_2_and_version_1_is_kept(tenant, clerk, document, s3):
    first, second = pdf_with_text("Dự thảo lần 1"), pdf_with_text("Dự thảo lần 2")
    post_file(clerk, document, "Dự thảo.pdf", first)

    response = post_file(clerk, document, "Dự thảo.pdf", second)

    assert response.status_code == 201
    assert response.json()["version"] == 2
    listed = clerk.get(f"/api/v1/documents/{document.uuid}/attachments/").json()
    assert [(row["original_name"], row["version"]) for row in listed] == [
        ("Dự thảo.pdf", 2),
        ("Dự thảo.pdf", 1),
    ]
    old = clerk.get(listed[1]["download_url"])
    assert b"".join(old.streaming_content) == first
    assert len(stored_keys(s3)) == 2


@pytest.mark.django_db(transaction=True)
def test_concurrent_uploads_of_one_name_get_consecutive_versions(tenant, document):
    def add(index: int) -> None:
        with in_tenant(tenant):
            attachment_add(
                actor=CLERK, document=document, upload=upload("To trinh.pdf", pdf_with_text(str(index)))
            )

    failures = together(4, add)

    assert failures == []
    with in_tenant(tenant):
        assert sorted(Attachment.objects.values_list("version", flat=True)) == [1, 2, 3, 4]


# --- analysis: text, search, signatures -----------------------------------------------------------


def test_upload_enqueues_the_analysis_only_after_commit(
    tenant, document, django_capture_on_commit_callbacks, monkeypatch
):
    queued: list[str] = []
    monkeypatch.setattr(attachment_analyse_task, "delay", queued.append)

    with in_tenant(tenant), django_capture_on_commit_callbacks(execute=False) as callbacks:
        attachment = attachment_add(
            actor=CLERK, document=document, upload=upload("a.pdf", pdf_with_text("x"))
        )
        assert queued == []  # nothing leaves before the commit
    [callback] = callbacks
    callback()

    assert queued == [str(attachment.uuid)]


def test_text_of_pdf_and_docx_makes_the_document_findable_without_diacritics(tenant, clerk, document):
    post_file(clerk, document, "ke-hoach.pdf", pdf_with_text(*PDF_LINES))
    post_file(clerk, document, "phu-luc.docx", docx_bytes("Danh sách xã", cell="Hà Bầu, Ia Băng, Kdang"))
    assert search(clerk, "phong, chong lut bao") == []  # not before the worker has read the files

    analyse_all(tenant)

    assert search(clerk, "phong, chong lut bao") == [str(document.uuid)]
    assert search(clerk, "dak doa") == [str(document.uuid)]
    assert search(clerk, "HA BAU, IA BANG") == [str(document.uuid)]
    with in_tenant(tenant):
        pdf = Attachment.objects.get(original_name="ke-hoach.pdf")
        assert pdf.extracted_text.splitlines() == list(PDF_LINES)
        assert "Hà Bầu, Ia Băng, Kdang" in Attachment.objects.get(original_name="phu-luc.docx").extracted_text


def test_running_the_analysis_twice_changes_nothing(tenant, clerk, document):
    post_file(clerk, document, "ke-hoach.pdf", pdf_with_text(*PDF_LINES))
    analyse_all(tenant)
    with in_tenant(tenant):
        before = (
            Document.objects.get(pk=document.pk).search_text,
            list(Attachment.objects.values("extracted_text", "signatures", "analysed_at")),
            DocumentEvent.objects.count(),
            AuditEntry.objects.count(),
        )

    analyse_all(tenant)

    with in_tenant(tenant):
        after = (
            Document.objects.get(pk=document.pk).search_text,
            list(Attachment.objects.values("extracted_text", "signatures", "analysed_at")),
            DocumentEvent.objects.count(),
            AuditEntry.objects.count(),
        )
    assert after == before


@pytest.fixture
def pki(settings, tmp_path):
    """A signer whose CA is the configured PDF trust root."""
    pki = make_pki(signer_name="Trần Thị Bình")
    root = tmp_path / "root.pem"
    root.write_bytes(pki.ca_pem)
    settings.PDF_TRUST_ROOTS = [str(root)]
    return pki


def test_a_signed_pdf_shows_its_verified_signature_on_the_document(tenant, clerk, document, pki):
    post_file(clerk, document, "quyet-dinh.pdf", sign_pdf(pdf_with_text("Quyết định"), pki))

    analyse_all(tenant)

    [row] = clerk.get(f"/api/v1/documents/{document.uuid}/attachments/").json()
    [signature] = row["signatures"]
    assert signature["signer"] == "Trần Thị Bình"
    assert (signature["intact"], signature["valid"], signature["trusted"]) == (True, True, True)
    timeline = clerk.get(f"/api/v1/documents/{document.uuid}/timeline/").json()
    [analysed] = [event for event in timeline if event["kind"] == "attachment_analysed"]
    assert analysed["detail"]["signatures"] == [signature["summary"]]


def test_a_pdf_changed_after_signing_is_shown_as_changed_in_vietnamese_and_english(
    tenant, clerk, document, pki
):
    signed = sign_pdf(pdf_with_text("Quyết định"), pki)
    post_file(clerk, document, "quyet-dinh.pdf", append_page_content(signed))
    analyse_all(tenant)

    page = clerk.get(f"/documents/{document.uuid}/").content.decode()
    [row] = clerk.get(f"/api/v1/documents/{document.uuid}/attachments/").json()
    clerk.post("/i18n/setlang/", {"language": "en", "next": "/"})
    english_page = clerk.get(f"/documents/{document.uuid}/").content.decode()
    [english_row] = clerk.get(f"/api/v1/documents/{document.uuid}/attachments/").json()

    [signature] = row["signatures"]
    assert (signature["verdict"], signature["changes"], signature["valid"]) == ("modified", ["other"], False)
    assert signature["verdict_label"] == "Bị thay đổi sau khi ký"
    assert "Bị thay đổi sau khi ký" in page
    assert "nội dung đang xem không phải là nội dung đã ký" in page
    assert "tệp không bị thay đổi sau khi ký" not in page
    [english_signature] = english_row["signatures"]
    assert english_signature["verdict"] == "modified"
    assert english_signature["verdict_label"] == "Changed after signing"
    assert "what you see is not what was signed" in english_signature["summary"]
    assert "Changed after signing" in english_page
    assert "other changes to the file&#x27;s content" in english_page


def test_stored_bytes_that_no_longer_match_their_sha256_are_not_analysed(tenant, document, s3):
    with in_tenant(tenant):
        attachment = attachment_add(
            actor=CLERK, document=document, upload=upload("a.pdf", pdf_with_text("nguyen ban"))
        )
    s3.put_object(
        Bucket=BUCKET, Key=f"tenants/test_alpha/{attachment.file.name}", Body=pdf_with_text("sua doi")
    )

    analyse_all(tenant)

    with in_tenant(tenant):
        attachment.refresh_from_db()
        assert attachment.analysed_at is None
        assert "sua doi" not in Document.objects.get(pk=document.pk).search_text


# --- reading: permissions, tenants, audit, query count --------------------------------------------


def test_downloading_writes_an_audit_entry_and_a_timeline_event(tenant, clerk, document):
    content = pdf_with_text("x")
    uuid = post_file(clerk, document, "Công văn số 12.pdf", content).json()["uuid"]

    response = clerk.get(f"/api/v1/attachments/{uuid}/download/")

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == content
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "filename*=utf-8''C%C3%B4ng%20v%C4%83n" in response["Content-Disposition"]
    with in_tenant(tenant):
        entry = AuditEntry.objects.get(action="attachment.download")
        assert (entry.actor, entry.target_id) == ("thuyctp", uuid)
        assert DocumentEvent.objects.filter(kind="attachment_downloaded", actor="thuyctp").count() == 1


def test_another_tenant_can_neither_list_nor_download_nor_add(
    tenant, other_tenant, clerk, document, make_user, sign_in
):
    uuid = post_file(clerk, document, "a.pdf", pdf_with_text("x")).json()["uuid"]
    make_user(other_tenant, "clerkb", roles=("clerk",))
    other = sign_in(other_tenant, "clerkb")

    assert other.get(f"/api/v1/documents/{document.uuid}/attachments/").status_code == 404
    assert other.get(f"/api/v1/attachments/{uuid}/download/").status_code == 404
    assert post_file(other, document, "b.pdf", pdf_with_text("y")).status_code == 404
    with in_tenant(other_tenant):
        assert not AuditEntry.objects.filter(action__startswith="attachment.").exists()


def test_reading_needs_view_documents_and_adding_needs_register_or_process(
    tenant, clerk, document, make_user, sign_in
):
    uuid = post_file(clerk, document, "a.pdf", pdf_with_text("x")).json()["uuid"]
    make_user(tenant, "itofficer", roles=("it_officer",))
    make_user(tenant, "official", roles=("official",))
    it_officer, official = sign_in(tenant, "itofficer"), sign_in(tenant, "official")

    assert it_officer.get(f"/api/v1/documents/{document.uuid}/attachments/").status_code == 403
    assert it_officer.get(f"/api/v1/attachments/{uuid}/download/").status_code == 403
    assert post_file(it_officer, document, "b.pdf", pdf_with_text("y")).status_code == 403
    # need-to-know: an official with no part in the document does not learn it exists
    assert official.get(f"/api/v1/documents/{document.uuid}/attachments/").status_code == 404
    assert official.get(f"/api/v1/attachments/{uuid}/download/").status_code == 404
    # an official attaches only to a document they hold a task on (R11: nobody adds to others' files)
    assert post_file(official, document, "c.pdf", pdf_with_text("z")).status_code == 404
    with in_tenant(tenant):
        from accounts.models import User
        from qlvbdh.services import processing as qlvbdh_services

        person = User.objects.get(username="official")
        qlvbdh_services.document_direct(
            actor=Actor(label="t"),
            document=document,
            note="",
            assignments=[qlvbdh_services.AssignmentSpec(role="lead", assignee=person)],
        )
    assert official.get(f"/api/v1/documents/{document.uuid}/attachments/").status_code == 200
    assert official.get(f"/api/v1/attachments/{uuid}/download/").status_code == 200
    assert post_file(official, document, "c.pdf", pdf_with_text("z")).status_code == 201


def test_unknown_or_malformed_keys_are_404(clerk, document):
    assert clerk.get("/api/v1/attachments/not-a-uuid/download/").status_code == 404
    assert clerk.get("/api/v1/attachments/00000000-0000-0000-0000-000000000000/download/").status_code == 404
    assert clerk.get("/api/v1/documents/00000000-0000-0000-0000-000000000000/attachments/").status_code == 404


def test_a_file_lost_from_storage_answers_404_with_a_message(tenant, clerk, document, s3):
    uuid = post_file(clerk, document, "a.pdf", pdf_with_text("x")).json()["uuid"]
    for key in stored_keys(s3):
        s3.delete_object(Bucket=BUCKET, Key=key)

    response = clerk.get(f"/api/v1/attachments/{uuid}/download/")

    assert response.status_code == 404
    assert response.json()["code"] == "file_missing"


def test_the_list_costs_the_same_queries_for_one_file_or_many(clerk, document):
    url = f"/api/v1/documents/{document.uuid}/attachments/"
    post_file(clerk, document, "a.pdf", pdf_with_text("x"))
    clerk.get(url)  # warm the session
    with CaptureQueriesContext(connection) as one:
        assert len(clerk.get(url).json()) == 1
    for index in range(3):
        post_file(clerk, document, f"b{index}.png", image_bytes("PNG"))

    with CaptureQueriesContext(connection) as four:
        assert len(clerk.get(url).json()) == 4

    assert len(four) == len(one)
