"""The sealed stream format: what is sealed opens exactly; any cut, swap or addition does not."""

from __future__ import annotations

import io
import os

import pytest

from backups.crypto import CHUNK, BackupKey, DecryptionError, decrypt_stream, encrypt_stream

KEY = BackupKey("unit-test-backup-key-0123456789-abcdefgh")
OTHER = BackupKey("another-backup-key-0123456789-abcdefghij")
HEADER = 21


def _seal(data: bytes) -> bytes:
    return b"".join(encrypt_stream([data[i : i + 7000] for i in range(0, len(data), 7000)], KEY))


def _open(sealed: bytes, keys: list[BackupKey] | None = None) -> bytes:
    return b"".join(decrypt_stream(io.BytesIO(sealed), keys or [KEY]))


def _records(sealed: bytes) -> list[bytes]:
    records, at = [], HEADER
    while at < len(sealed):
        length = int.from_bytes(sealed[at : at + 4], "big")
        records.append(sealed[at : at + 4 + length])
        at += 4 + length
    return records


@pytest.mark.parametrize("size", [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK + 5])
def test_what_is_sealed_opens_exactly(size: int) -> None:
    data = os.urandom(size)
    assert _open(_seal(data)) == data


def test_a_stream_cut_at_a_chunk_boundary_is_refused() -> None:
    sealed = _seal(os.urandom(3 * CHUNK))
    records = _records(sealed)
    assert len(records) == 4  # three full chunks and the (empty) final one
    with pytest.raises(DecryptionError, match="altered or truncated"):
        _open(sealed[:HEADER] + b"".join(records[:-1]))


def test_swapped_chunks_and_an_appended_chunk_are_refused() -> None:
    sealed = _seal(os.urandom(3 * CHUNK))
    records = _records(sealed)
    with pytest.raises(DecryptionError):
        _open(sealed[:HEADER] + records[1] + records[0] + b"".join(records[2:]))
    with pytest.raises(DecryptionError):
        _open(sealed + records[0])


def test_an_unknown_key_is_named_and_refused() -> None:
    with pytest.raises(DecryptionError, match=KEY.id_hex):
        _open(_seal(b"xin chao"), keys=[OTHER])


def test_a_short_secret_is_not_a_key() -> None:
    with pytest.raises(ValueError, match="32 characters"):
        BackupKey("short")
