"""Secrets at rest (private keys, a peer's password): sealed with Fernet under a key derived from
HUB_KEY_SECRET (required, like SECRET_KEY; never derived from it)."""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

_HKDF_INFO = b"tinhso-hub-keys"


class SealError(ValueError):
    """A sealed secret that cannot be opened: altered, or sealed under another secret."""


def _fernet() -> Fernet:
    secret = settings.HUB_KEY_SECRET
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_HKDF_INFO).derive(secret.encode())
    return Fernet(base64.urlsafe_b64encode(key))


def seal(secret: bytes) -> str:
    """Encrypt ``secret`` (a private key PEM) for storage, under HUB_KEY_SECRET."""
    return _fernet().encrypt(secret).decode("ascii")


def unseal(token: str) -> bytes:
    """Decrypt what ``seal`` made; raise ``SealError`` if it was altered or sealed under another secret."""
    try:
        return _fernet().decrypt(token.encode("utf-8"))
    except InvalidToken as exc:
        raise SealError(
            "Không giải mã được khóa đã niêm phong: dữ liệu bị sửa hoặc khác khóa bí mật "
            "(sealed key cannot be opened: altered, or HUB_KEY_SECRET changed)."
        ) from exc
