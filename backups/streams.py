"""Pull-based byte streams: every stage reads a bounded piece at a time, so memory stays flat."""

from __future__ import annotations

import hashlib
import io
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import IO, BinaryIO, cast

import zstandard

from backups.crypto import BackupKey, decrypt_stream, encrypt_stream

PIECE = 256 * 1024


def reader_of(pieces: Iterable[bytes]) -> BinaryIO:
    """`pieces` as a buffered, readable binary file."""
    return cast(BinaryIO, io.BufferedReader(IterReader(pieces), buffer_size=PIECE))


class IterReader(io.RawIOBase):
    """An iterator of bytes as a readable file (what boto3, zstandard and tarfile read from)."""

    def __init__(self, pieces: Iterable[bytes]) -> None:
        self._pieces = iter(pieces)
        self._buffer = b""

    def readable(self) -> bool:
        return True

    def readinto(self, target: bytearray | memoryview) -> int:  # type: ignore[override]
        while not self._buffer:
            try:
                self._buffer = next(self._pieces)
            except StopIteration:
                return 0
        size = min(len(target), len(self._buffer))
        target[:size] = self._buffer[:size]
        self._buffer = self._buffer[size:]
        return size


# A command line's progress bar: told how many stored (sealed) bytes went through, from whichever
# thread moves them. One per process (a command runs one operation); None most of the time.
_progress: Callable[[int], None] | None = None
_progress_lock = threading.Lock()


def progress_to(callback: Callable[[int], None] | None) -> None:
    global _progress  # one per process, set by the command line only
    with _progress_lock:
        _progress = callback


class Tally:
    """SHA-256 and size of what passes through; `reports`: the stored side, which a progress bar counts."""

    def __init__(self, *, reports: bool = False) -> None:
        self._hash = hashlib.sha256()
        self.size = 0
        self.reports = reports

    def count(self, pieces: Iterable[bytes]) -> Iterator[bytes]:
        for piece in pieces:
            self._hash.update(piece)
            self.size += len(piece)
            report = _progress if self.reports else None
            if report is not None:
                report(len(piece))
            yield piece

    @property
    def sha256(self) -> str:
        return self._hash.hexdigest()


def read_pieces(source: IO[bytes]) -> Iterator[bytes]:
    while piece := source.read(PIECE):
        yield piece


def seal(source: IO[bytes], key: BackupKey, plain: Tally, sealed: Tally) -> Iterator[bytes]:
    """Plaintext from `source` -> zstandard -> AES-GCM chunks, tallying both sides."""
    compressed = zstandard.ZstdCompressor(level=3).read_to_iter(reader_of(plain.count(read_pieces(source))))
    return sealed.count(encrypt_stream(compressed, key))


def unseal(source: BinaryIO, keys: list[BackupKey], plain: Tally, sealed: Tally) -> Iterator[bytes]:
    """The reverse of `seal`: sealed bytes from `source` -> plaintext pieces, tallying both sides."""
    decrypted = decrypt_stream(reader_of(sealed.count(read_pieces(source))), keys)
    reader = zstandard.ZstdDecompressor().stream_reader(reader_of(decrypted))
    return plain.count(read_pieces(cast(BinaryIO, reader)))


def tar_stream(members: Iterable[tuple[str, int, Iterable[bytes]]]) -> Iterator[bytes]:
    """A tar archive of (name, size, pieces) members, written as it is read: each member's size is
    known beforehand (the manifest's), so no member is ever held whole. A member whose pieces do
    not add up to its size is an error, not a quietly broken archive."""
    import tarfile
    import time

    for name, size, pieces in members:
        info = tarfile.TarInfo(name)
        info.size, info.mtime, info.mode = size, int(time.time()), 0o600
        yield info.tobuf(format=tarfile.PAX_FORMAT)
        written = 0
        for piece in pieces:
            written += len(piece)
            if written > size:
                raise ValueError(f"{name} is longer than its {size} bytes")
            yield piece
        if written != size:
            raise ValueError(f"{name} has {written} bytes, not {size}")
        if size % tarfile.BLOCKSIZE:
            yield bytes(tarfile.BLOCKSIZE - size % tarfile.BLOCKSIZE)
    yield bytes(2 * tarfile.BLOCKSIZE)
