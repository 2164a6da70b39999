"""Real document sizes: a 30 MB scan crosses two tinhso deployments (HTTPS, signatures, both
hubs, the clerk's acceptance) and arrives byte for byte. Marked ``large`` to be deselectable
(``-m "not large"``); it runs in ``make test``."""

from __future__ import annotations

import pytest

from interagency.exchange.tests.test_federation import (  # noqa: F401 (fixture, used by name)
    INBOX,
    X_ORG,
    Y_ORG,
    deployments,
)

SCAN_BYTES = 30 * 1024 * 1024

ISSUE_SCAN = """
import hashlib
import os

from interagency.exchange.tests import flows
from tenants.models import Tenant

# Random bytes do not compress: the packet carries all 30 MB (40 MB of base64).
flows.PDF = b"%PDF-1.4\\n" + os.urandom({size}) + b"\\n%%EOF\\n"
agency = Tenant.objects.get(org_code={sender!r})
recipient = type("Recipient", (), {{"org_code": {to!r}, "name": "Sở Y"}})
flows.issue_to(agency, flows.office(agency), [recipient], summary={summary!r})
report({{"sha256": hashlib.sha256(flows.PDF).hexdigest(), "size": len(flows.PDF)}})
"""

ACCEPTED_FILES = """
import hashlib

from core.tenancy import in_tenant
from interagency.exchange.models import InboxItem
from interagency.exchange.services.inbox import inbox_item_accept
from interagency.exchange.tests.flows import office
from qlvbdh.models import Attachment
from qlvbdh.selectors.attachments import attachment_open
from tenants.models import Tenant

agency = Tenant.objects.get(org_code={code!r})
people = office(agency)
with in_tenant(agency):
    item = InboxItem.objects.get(summary={summary!r})
    document = inbox_item_accept(actor=people["clerk"], item=item)
    files = []
    for attachment in Attachment.objects.filter(document=document):
        digest = hashlib.sha256()
        with attachment_open(attachment=attachment) as stream:
            for chunk in iter(lambda: stream.read(1024 * 1024), b""):
                digest.update(chunk)
        files.append({{"name": attachment.original_name, "sha256": digest.hexdigest()}})
    report(files)
"""


@pytest.mark.federation
@pytest.mark.large
def test_a_30_mb_scan_crosses_two_deployments_byte_for_byte(request):
    a, b = request.getfixturevalue("deployments")
    summary = "Bản quét 30 MB"

    sent = a.run(ISSUE_SCAN.format(size=SCAN_BYTES, sender=X_ORG, to=Y_ORG, summary=summary))
    a.manage("hub", "work", timeout=300)
    b.manage("hub", "work", timeout=300)

    assert sent["size"] > SCAN_BYTES
    items = b.run(INBOX.format(code=Y_ORG))
    assert [(i["summary"], i["state"], i["sender_code"]) for i in items] == [(summary, "arrived", X_ORG)]
    files = b.run(ACCEPTED_FILES.format(code=Y_ORG, summary=summary))
    assert files == [{"name": "cong-van.pdf", "sha256": sent["sha256"]}]
