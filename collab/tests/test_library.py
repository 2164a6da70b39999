"""The shared library: access per unit or person, versions kept, search inside the files (the
attachments' text extraction), the attachments' checks on every upload."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from accounts.tests.factories import OrgUnitFactory, UserFactory
from collab.models import FileVersion, LibraryItem
from collab.services.library import folder_create, folder_grant, item_upload, version_extract
from core.audit import Actor
from core.errors import ApplicationError
from core.tenancy import in_tenant
from qlvbdh.tests.test_attachments import docx_bytes

pytestmark = pytest.mark.django_db


def _file(name: str, *paragraphs: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, docx_bytes(*paragraphs), content_type="application/octet-stream")


def _upload(actor: Any, folder: Any, title: str, *paragraphs: str) -> FileVersion:
    version = item_upload(
        actor=Actor(user=actor), folder=folder, title=title, upload=_file("quy-che.docx", *paragraphs)
    )
    version_extract(version_id=version.uuid)  # the task's body, called as the worker would
    return version


def _titles(browser: Any, q: str) -> list[str]:
    return [item["title"] for item in browser.get("/api/v1/library/items/", {"q": q}).json()]


def test_search_finds_words_inside_files_without_diacritics_and_only_for_who_may_see(
    tenant: Any, clerk: Any, official: Any, colleague: Any, signed_in: Any, client: Any
) -> None:
    with in_tenant(tenant):
        outsider = UserFactory.create(roles=["official"], unit=OrgUnitFactory.create())
        folder = folder_create(actor=Actor(user=clerk), name="Quy chế nội bộ")
        folder_grant(actor=Actor(user=clerk), folder=folder, unit=official.unit)
        _upload(clerk, folder, "Quy chế chi tiêu nội bộ", "Mức chi công tác phí cho cán bộ đi cơ sở")
    assert _titles(signed_in(client, official), "cong tac phi") == ["Quy chế chi tiêu nội bộ"]
    assert _titles(signed_in(Client(), colleague), "CÔNG TÁC PHÍ") == ["Quy chế chi tiêu nội bộ"]  # same unit
    assert _titles(signed_in(Client(), outsider), "cong tac phi") == []
    folder_url = f"/library/folders/{folder.uuid}/"
    assert signed_in(Client(), outsider).get(folder_url).status_code == 404


def test_a_new_version_keeps_the_old_and_search_follows_the_current_text(
    tenant: Any, clerk: Any, signed_in: Any, client: Any
) -> None:
    with in_tenant(tenant):
        folder = folder_create(actor=Actor(user=clerk), name="Biểu mẫu", everyone=True)
        first = _upload(clerk, folder, "Mẫu giấy nghỉ phép", "Mẫu cũ năm trước")
        second = _upload(clerk, folder, "Mẫu giấy nghỉ phép", "Mẫu mới áp dụng từ tháng một")
        assert LibraryItem.objects.count() == 1
        assert list(FileVersion.objects.order_by("number").values_list("number", flat=True)) == [1, 2]
        # a late extraction of the old version does not bring its words back
        FileVersion.objects.filter(pk=first.pk).update(extracted_at=None)
        version_extract(version_id=first.uuid)
    browser = signed_in(client, clerk)
    assert _titles(browser, "ap dung") == ["Mẫu giấy nghỉ phép"]
    assert _titles(browser, "nam truoc") == []
    old = browser.get(f"/library/versions/{first.uuid}/download/")
    assert old.status_code == 200
    assert b"".join(old.streaming_content) == docx_bytes("Mẫu cũ năm trước")
    assert second.number == 2


def test_only_editors_upload_and_only_the_creator_grants(
    tenant: Any, clerk: Any, official: Any, colleague: Any, signed_in: Any, client: Any
) -> None:
    with in_tenant(tenant):
        folder = folder_create(actor=Actor(user=clerk), name="Tài liệu tham khảo", everyone=True)
        with pytest.raises(PermissionDenied):
            item_upload(actor=Actor(user=official), folder=folder, title="X", upload=_file("x.docx", "x"))
        with pytest.raises(PermissionDenied):
            folder_grant(actor=Actor(user=official), folder=folder, user=official, can_edit=True)
        folder_grant(actor=Actor(user=clerk), folder=folder, user=official, can_edit=True)
        item_upload(
            actor=Actor(user=official), folder=folder, title="Luật", upload=_file("luat.docx", "Điều 1")
        )
    answer = signed_in(client, colleague).post(
        f"/api/v1/library/folders/{folder.uuid}/items/", {"title": "Y", "file": _file("y.docx", "y")}
    )
    assert answer.status_code == 403


def test_uploads_get_the_attachments_checks(tenant: Any, clerk: Any, signed_in: Any, client: Any) -> None:
    with in_tenant(tenant):
        folder = folder_create(actor=Actor(user=clerk), name="Mẫu")
        with pytest.raises(ApplicationError):
            item_upload(
                actor=Actor(user=clerk),
                folder=folder,
                title="Giả",
                upload=SimpleUploadedFile("gia.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf"),
            )
    answer = signed_in(client, clerk).post(
        f"/api/v1/library/folders/{folder.uuid}/items/",
        {"title": "Bảng", "file": SimpleUploadedFile("bang.xlsx", docx_bytes("x"))},
    )
    assert answer.status_code == 400
    assert "đuôi .xlsx" in answer.json()["detail"]
    with in_tenant(tenant):
        assert LibraryItem.objects.count() == 0
        assert FileVersion.objects.count() == 0


def test_another_agency_sees_no_folder(
    tenant: Any, other_tenant: Any, clerk: Any, signed_in: Any, client: Any
) -> None:
    with in_tenant(tenant):
        folder = folder_create(actor=Actor(user=clerk), name="Chung", everyone=True)
    with in_tenant(other_tenant):
        stranger = UserFactory.create(roles=["head"])
    browser = signed_in(client, stranger)
    assert browser.get("/api/v1/library/folders/").json() == []
    assert browser.get(f"/library/folders/{folder.uuid}/").status_code == 404
