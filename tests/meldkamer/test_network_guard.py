"""The test session refuses every network connection except loopback."""

from __future__ import annotations

import socket

import pytest


def test_remote_connection_is_blocked() -> None:
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        with pytest.raises(OSError, match="only loopback"):
            s.connect(("93.184.216.34", 80))
    finally:
        s.close()
    with pytest.raises(OSError, match="only loopback"):
        socket.create_connection(("example.org", 443), timeout=1)


def test_loopback_is_allowed() -> None:
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    client = socket.create_connection(server.getsockname(), timeout=2)
    conn, _ = server.accept()
    client.sendall(b"ok")
    assert conn.recv(2) == b"ok"
    for s in (client, conn, server):
        s.close()
