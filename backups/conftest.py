"""A real S3-compatible server (moto's server mode) on a free loopback port, and a clean slate."""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto.server import ThreadedMotoServer

BUCKET = "tinhso-backups"


class S3Server:
    def __init__(self) -> None:
        self.server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self.server.start()
        host, port = self.server.get_host_and_port()
        self.endpoint = f"http://{host}:{port}"

    def client(self) -> Any:
        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            region_name="us-east-1",
        )

    def stop(self) -> None:
        """An outage: the listening socket closes, so new connections are refused."""
        self.server.stop()
        if self.server._server is not None:
            self.server._server.server_close()


class CuttingProxy:
    """A TCP relay to the S3 server that goes down for good once `cut_after` bytes went up it:
    an outage in the middle of an upload, at a point the test chooses, over real sockets."""

    def __init__(self, target: tuple[str, int], cut_after: int) -> None:
        self.target, self.cut_after = target, cut_after
        self.sent = 0
        self.cut = threading.Event()
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.endpoint = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self.cut.is_set():
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            with self._lock:
                self._sockets += [client, upstream]
            threading.Thread(target=self._pump, args=(client, upstream, True), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, client, False), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket, counted: bool) -> None:
        try:
            while data := source.recv(65536):
                if counted:
                    with self._lock:
                        self.sent += len(data)
                        if self.sent > self.cut_after:
                            self._down()
                            return
                sink.sendall(data)
        except OSError:
            pass

    def _down(self) -> None:
        self.cut.set()
        for sock in [self.listener, *self._sockets]:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()


@pytest.fixture
def s3(settings: Any, tmp_path: Any) -> Iterator[S3Server]:
    server = S3Server()
    server.client().create_bucket(Bucket=BUCKET)
    settings.BACKUP_S3_BUCKET = BUCKET
    settings.S3_ENDPOINT_URL = server.endpoint
    settings.S3_ACCESS_KEY_ID = "testing"
    settings.S3_SECRET_ACCESS_KEY = "testing"
    settings.MEDIA_ROOT = tmp_path / "media"
    yield server
    server.stop()


@pytest.fixture
def drop_restored_schemas() -> Iterator[None]:
    """Restores make schemas (restore_*) outside the session's test tenants: dropped after the test."""
    yield
    from django.db import connection

    from core.tenancy import in_public

    with in_public(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT nspname FROM pg_namespace WHERE nspname LIKE 'restore\\_%' OR nspname LIKE 'hold\\_%'"
        )
        for (name,) in cursor.fetchall():
            cursor.execute(f'DROP SCHEMA "{name}" CASCADE')
