"""Secrets at rest: sealed under HUB_KEY_SECRET (never SECRET_KEY), refused when altered."""

from __future__ import annotations

import pytest

from interagency.edxml.certificates import generate_authority
from interagency.hub.services.sealing import SealError, seal, unseal


@pytest.fixture(scope="module")
def org_a() -> tuple[bytes, bytes]:
    return generate_authority("Tổ chức chứng thực thử")


def test_seal_and_unseal_round_trip(org_a):
    token = seal(org_a[0])

    assert org_a[0] not in token.encode()
    assert unseal(token) == org_a[0]


def test_a_tampered_token_raises_a_clear_error(org_a):
    token = seal(org_a[0])
    middle = len(token) // 2
    tampered = token[:middle] + ("A" if token[middle] != "A" else "B") + token[middle + 1 :]

    with pytest.raises(SealError, match="cannot be opened"):
        unseal(tampered)


def test_a_token_sealed_under_another_secret_cannot_be_opened(settings, org_a):
    settings.HUB_KEY_SECRET = "first-secret"
    token = seal(org_a[0])
    settings.HUB_KEY_SECRET = "second-secret"

    with pytest.raises(SealError):
        unseal(token)


def test_the_secret_key_plays_no_part_in_sealing(settings, org_a):
    # given a key sealed under HUB_KEY_SECRET
    settings.HUB_KEY_SECRET = "own-secret"
    token = seal(org_a[0])

    # when SECRET_KEY rotates (or leaks), the sealed key neither changes nor opens with it alone
    settings.SECRET_KEY = "rotated-secret-key"
    assert unseal(token) == org_a[0]
    settings.HUB_KEY_SECRET = settings.SECRET_KEY
    with pytest.raises(SealError):
        unseal(token)
