"""Streaming authenticated encryption of a backup part: AES-256-GCM in chunks (the STREAM construction).

A part is `header || record*`; the header is a magic, the key's id and a random nonce prefix, and
is authenticated with every chunk. Each record is a 4-byte length and one chunk sealed with the
nonce `prefix || counter || final`, so a reordered, dropped, appended or truncated chunk fails to
open: the last record must carry the final flag. Keys come from BACKUP_KEYS (newest first): a
backup is sealed under the newest and opened by whichever key its header names (rotation).
"""

from __future__ import annotations

import hashlib
import os
import struct
from collections.abc import Iterable, Iterator
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

MAGIC = b"TSBK1\n"
CHUNK = 1024 * 1024
_TAG = 16
_HEADER = len(MAGIC) + 8 + 7
_LENGTH = struct.Struct(">I")


class DecryptionError(Exception):
    """The part cannot be opened: wrong key, tampered, truncated or not a backup part."""


class BackupKey:
    def __init__(self, secret: str) -> None:
        if len(secret) < 32:
            raise ValueError("a backup key must have at least 32 characters")
        material = secret.encode()
        self.key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"tinhso backup v1").derive(
            material
        )
        self.id = hashlib.sha256(b"tinhso backup key id:" + material).digest()[:8]

    @property
    def id_hex(self) -> str:
        return self.id.hex()


def configured_keys() -> list[BackupKey]:
    """BACKUP_KEYS, newest first; the first one seals, every one may open."""
    keys = [BackupKey(secret) for secret in settings.BACKUP_KEYS]
    if not keys:
        raise DecryptionError("No backup key is configured (BACKUP_KEYS).")
    return keys


def _nonce(prefix: bytes, counter: int, final: bool) -> bytes:
    return prefix + struct.pack(">I", counter) + (b"\x01" if final else b"\x00")


def _rechunk(pieces: Iterable[bytes]) -> Iterator[bytes]:
    buffer = bytearray()
    for piece in pieces:
        buffer += piece
        while len(buffer) >= CHUNK:
            yield bytes(buffer[:CHUNK])
            del buffer[:CHUNK]
    yield bytes(buffer)  # possibly empty: the final chunk always exists


def encrypt_stream(pieces: Iterable[bytes], key: BackupKey) -> Iterator[bytes]:
    prefix = os.urandom(7)
    header = MAGIC + key.id + prefix
    aead = AESGCM(key.key)
    yield header
    counter = 0
    pending: bytes | None = None
    for chunk in _rechunk(pieces):
        if pending is not None:
            sealed = aead.encrypt(_nonce(prefix, counter, False), pending, header)
            yield _LENGTH.pack(len(sealed)) + sealed
            counter += 1
        pending = chunk
    sealed = aead.encrypt(_nonce(prefix, counter, True), pending or b"", header)
    yield _LENGTH.pack(len(sealed)) + sealed


def _read_exactly(source: BinaryIO, size: int) -> bytes:
    data = bytearray()
    while len(data) < size:
        piece = source.read(size - len(data))
        if not piece:
            break
        data += piece
    return bytes(data)


def decrypt_stream(source: BinaryIO, keys: list[BackupKey]) -> Iterator[bytes]:
    """The plaintext chunks; DecryptionError on anything that is not exactly what was sealed."""
    header = _read_exactly(source, _HEADER)
    if len(header) < _HEADER or not header.startswith(MAGIC):
        raise DecryptionError("The part is not a tinhso backup part (its header is missing or damaged).")
    key_id, prefix = header[len(MAGIC) : len(MAGIC) + 8], header[len(MAGIC) + 8 :]
    key = next((k for k in keys if k.id == key_id), None)
    if key is None:
        raise DecryptionError(
            f"No configured backup key has the id {key_id.hex()} this part was sealed with."
        )
    aead = AESGCM(key.key)
    counter = 0
    length_bytes = _read_exactly(source, _LENGTH.size)
    while True:
        if len(length_bytes) < _LENGTH.size:
            raise DecryptionError("The part is truncated (a chunk's length is missing).")
        (length,) = _LENGTH.unpack(length_bytes)
        if length < _TAG or length > CHUNK + _TAG:
            raise DecryptionError("The part is damaged (a chunk has an impossible length).")
        sealed = _read_exactly(source, length)
        if len(sealed) < length:
            raise DecryptionError("The part is truncated (a chunk is cut short).")
        length_bytes = _read_exactly(source, _LENGTH.size)
        final = not length_bytes
        try:
            yield aead.decrypt(_nonce(prefix, counter, final), sealed, header)
        except InvalidTag:
            raise DecryptionError(
                f"Chunk {counter} does not authenticate: the part was altered or truncated."
            ) from None
        if final:
            return
        counter += 1
