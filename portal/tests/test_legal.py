"""P1: an issued outgoing document of the workspace is published on the portal in one step, with
its metadata; only by whoever publishes (a secretary) and may see the document; once."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from accounts.tests.factories import UserFactory
from core.audit import Actor
from core.errors import ApplicationError
from core.tenancy import in_tenant
from portal.models import LegalDocumentPage
from portal.services.legal import legal_document_publish_from_outgoing
from qlvbdh.tests.factories import OutgoingDocumentFactory

pytestmark = pytest.mark.django_db


def test_secretary_publishes_an_issued_document_once_with_its_metadata(
    portal, signed_in, client, client_for, host_of
):
    with in_tenant(portal):
        secretary = UserFactory.create(roles=["clerk", "board_secretary"])
        document = OutgoingDocumentFactory.create(
            tenant=portal, status="issued", summary="Về việc tổ chức thi học kỳ"
        )
    workspace = signed_in(client, secretary)
    assert "portal-publish" in workspace.get(f"/documents/{document.uuid}/").content.decode()
    response = workspace.post(f"/portal/publish-outgoing/{document.uuid}/")
    assert response.status_code == 302
    workspace.post(f"/portal/publish-outgoing/{document.uuid}/")  # a double click changes nothing
    with in_tenant(portal):
        page = LegalDocumentPage.objects.get(source_uuid=document.uuid)
        assert LegalDocumentPage.objects.filter(source_uuid=document.uuid).count() == 1
        assert (page.number, page.notation, page.issued_on, page.issuer) == (
            document.number,
            document.notation,
            document.issued_on,
            document.issuer_name or portal.name,
        )
        assert page.live
        path = page.url_path.split("/home", 1)[1]
    html = client_for(host_of(portal, "portal")).get(path).content.decode()
    assert "Về việc tổ chức thi học kỳ" in html
    assert f"{document.number}/{document.notation}" in html


def test_only_publishers_who_see_the_document_and_only_issued_ones(portal):
    with in_tenant(portal):
        editor = UserFactory.create(roles=["clerk", "editor"])
        secretary = UserFactory.create(roles=["board_secretary"])  # sees no registered document
        clerk_secretary = UserFactory.create(roles=["clerk", "board_secretary"])
        issued = OutgoingDocumentFactory.create(tenant=portal, status="issued")
        signed = OutgoingDocumentFactory.create(tenant=portal, status="signed")
        with pytest.raises(PermissionDenied):
            legal_document_publish_from_outgoing(actor=Actor(user=editor), document_key=str(issued.uuid))
        with pytest.raises(Http404):
            legal_document_publish_from_outgoing(actor=Actor(user=secretary), document_key=str(issued.uuid))
        with pytest.raises(ApplicationError):
            legal_document_publish_from_outgoing(
                actor=Actor(user=clerk_secretary), document_key=str(signed.uuid)
            )
        assert not LegalDocumentPage.objects.exists()
