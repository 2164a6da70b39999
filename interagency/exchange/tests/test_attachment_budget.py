"""Resources before trust: a decompression bomb posted by a peer costs the hub nothing. Its
attachments are not decoded before the signature is checked, and once it is, the per-packet
budget (compression method, ratio) stops them before they inflate. Memory is measured."""

from __future__ import annotations

import base64
import io
import tracemalloc
import uuid
import zipfile
from collections.abc import Callable
from typing import Any

import pytest
from lxml import etree

from core.tenancy import in_public
from interagency.edxml.codes import NS
from interagency.edxml.packets import Attachment, Organisation
from interagency.edxml.signatures import sign_packet
from interagency.edxml.tests.factories import DocumentPacketFactory
from interagency.edxml.writer import build
from interagency.exchange.tests.test_federation import (  # noqa: F401 (fixtures, used by name)
    FOREIGN_ORG,
    _post,
    foreign_authority,
    foreign_signer,
    peer,
)
from interagency.hub.models import HubDelivery, HubPacket

MB = 1024 * 1024
# What handling one bomb may add to the process's peak (the bombs inflate to 490 and 160 MB).
GROWTH_BOUND = 64 * MB


def _zip(data: bytes, method: int) -> str:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=method) as archive:
        archive.writestr("scan.pdf", data)
    return base64.b64encode(buffer.getvalue()).decode()


def bzip2_bomb() -> list[str]:
    # Ten attachments of 49 MB of zeros each (under the old 50 MB per file), about 100 bytes each.
    return [_zip(bytes(49 * MB), zipfile.ZIP_BZIP2)] * 10


def deflate_bomb() -> list[str]:
    # Forty attachments of 4 MB of zeros each, about 4 KB each: only the ratio tells.
    return [_zip(bytes(4 * MB), zipfile.ZIP_DEFLATED)] * 40


def _bomb_packet(tenant: Any, signer: tuple[bytes, bytes], encoded: list[str], *, tamper: bool) -> bytes:
    packet = DocumentPacketFactory.build(
        sender=Organisation(FOREIGN_ORG, organ_name="Sở Y tỉnh khác"),
        recipients=(Organisation(tenant.org_code, organ_name=tenant.name),),
        document_id=f"{FOREIGN_ORG},2026/11/20,125/SYT-VP",
        trace=(),
        attachments=tuple(
            Attachment(content_id=str(index), name=f"scan-{index}.pdf", data=b"%PDF")
            for index in range(1, len(encoded) + 1)
        ),
    )
    root = etree.fromstring(build(packet))
    for element, text in zip(root.iter(f"{{{NS}}}ContentTransferEncoded"), encoded, strict=True):
        element.text = text
    signed = etree.tostring(sign_packet(root, key_pem=signer[0], cert_pem=signer[1]), encoding="UTF-8")
    if tamper:  # the signature no longer verifies
        signed = signed.replace("kết nối".encode(), "kêt nối".encode(), 1)
    return signed


def _peak_growth(post: Callable[[], Any]) -> tuple[Any, int]:
    tracemalloc.start()
    try:
        base, _peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        response = post()
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return response, peak - base


@pytest.mark.django_db
@pytest.mark.usefixtures("peer")
@pytest.mark.parametrize(
    ("bomb", "tamper", "refusal"),
    [
        (bzip2_bomb, True, "chữ ký"),
        (bzip2_bomb, False, "phương thức nén 12"),
        (deflate_bomb, True, "chữ ký"),
        (deflate_bomb, False, "tỷ lệ nén vượt"),
    ],
    ids=["bzip2-bad-signature", "bzip2-signed", "deflate-bad-signature", "deflate-signed"],
)
def test_a_decompression_bomb_is_refused_without_inflating(request, tenant, bomb, tamper, refusal):
    signer = request.getfixturevalue("foreign_signer")
    content = _bomb_packet(tenant, signer, bomb(), tamper=tamper)

    response, growth = _peak_growth(lambda: _post(content, packet_id=str(uuid.uuid4())))

    assert len(content) < 250 * 1024
    assert response.status_code == 400, response.content
    body = response.json()
    assert refusal in (body["detail"] + " ".join(body.get("errors", []))).lower()
    assert growth < GROWTH_BOUND, f"peak grew by {growth / MB:.0f} MB"
    with in_public():
        assert HubPacket.objects.count() == 0
        assert HubDelivery.objects.count() == 0
