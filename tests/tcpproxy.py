"""A TCP proxy the test controls, to cut the network to PostgreSQL without touching it.

It listens on 127.0.0.1 (a free port) and forwards to the shared server. The test
switches it between three modes and back:

- ``pass``: bytes flow both ways;
- ``refuse``: every connection, open or new, is reset (RST), like a server that is gone;
- ``silent``: sockets stay open but nothing is forwarded, like a cable cut or a
  firewall that drops packets (a black hole).

``cut_at_commit(mode)`` lets everything pass until a client sends a ``COMMIT`` query
message; that message reaches the server, the server's reply is swallowed, and the proxy
switches to ``mode``: the commit is saved but its reply is lost.

Written here because the fault injectors we know (toxiproxy, tc/iptables) need a daemon
or root; this is one thread and the standard library.
"""

from __future__ import annotations

import contextlib
import selectors
import socket
import struct
import threading
import time
from dataclasses import dataclass

MODES = ("pass", "refuse", "silent")
COMMIT_MESSAGE = b"Q" + struct.pack("!I", 4 + len(b"COMMIT\x00")) + b"COMMIT\x00"


@dataclass(eq=False)
class _Pair:
    client: socket.socket
    server: socket.socket | None = None
    cutting: float = 0.0  # when COMMIT was forwarded and its reply is awaited


def _reset(sock: socket.socket | None) -> None:
    """Close with RST, not FIN: the peer sees 'connection reset'."""
    if sock is None:
        return
    with contextlib.suppress(OSError):  # closed by the peer already: closing is all that's left
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


class TcpProxy:
    """Forward 127.0.0.1:<port> to ``upstream``; switch with ``set_mode``."""

    def __init__(self, upstream: tuple[str, int] = ("127.0.0.1", 5432)) -> None:
        self.upstream = upstream
        self.mode = "pass"
        self.commits_cut = 0
        self._cut_mode: str | None = None
        self._pairs: list[_Pair] = []
        self._lock = threading.Lock()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.setblocking(False)
        self.port: int = self._listener.getsockname()[1]
        self._wake_r, self._wake_w = socket.socketpair()
        self._stop = False
        self._thread = threading.Thread(target=self._run, name="tcp-proxy", daemon=True)
        self._thread.start()

    def url(self, database_url: str) -> str:
        """``database_url`` (on 127.0.0.1:5432) routed through this proxy."""
        host = f"{self.upstream[0]}:{self.upstream[1]}"
        return database_url.replace(host, f"127.0.0.1:{self.port}", 1)

    def set_mode(self, mode: str) -> None:
        if mode not in MODES:
            raise ValueError(mode)
        with self._lock:
            self.mode = mode
            self._cut_mode = None
        self._wake_w.send(b"x")

    def cut_at_commit(self, mode: str = "refuse") -> None:
        """Pass until the next COMMIT reaches the server, then lose its reply and go ``mode``."""
        if mode not in ("refuse", "silent"):
            raise ValueError(mode)
        with self._lock:
            self.mode = "pass"
            self._cut_mode = mode
        self._wake_w.send(b"x")

    def connections(self) -> int:
        with self._lock:
            return len(self._pairs)

    def close(self) -> None:
        self._stop = True
        self._wake_w.send(b"x")
        self._thread.join(5)
        for pair in self._pairs:
            _reset(pair.client)
            _reset(pair.server)
        self._listener.close()
        self._wake_r.close()
        self._wake_w.close()

    # -- the loop ----------------------------------------------------------------------

    def _run(self) -> None:
        while not self._stop:
            with self._lock:
                mode = self.mode
                if mode == "refuse":
                    for pair in self._pairs:
                        _reset(pair.client)
                        _reset(pair.server)
                    self._pairs.clear()
            sel = selectors.DefaultSelector()
            sel.register(self._wake_r, selectors.EVENT_READ, "wake")
            sel.register(self._listener, selectors.EVENT_READ, "accept")
            for pair in self._pairs:
                if pair.cutting:  # swallow the server's reply to COMMIT
                    if pair.server is not None:
                        sel.register(pair.server, selectors.EVENT_READ, (pair, "swallow"))
                    continue
                if mode != "pass":
                    continue
                if pair.server is None:
                    self._connect(pair)
                    if pair.server is None:
                        continue
                sel.register(pair.client, selectors.EVENT_READ, (pair, "up"))
                sel.register(pair.server, selectors.EVENT_READ, (pair, "down"))
            for key, _ in sel.select(timeout=0.2):
                if key.data == "wake":
                    self._wake_r.recv(4096)
                elif key.data == "accept":
                    self._accept()
                else:
                    pair, direction = key.data
                    self._forward(pair, direction)
            sel.close()
            self._finish_cuts()

    def _accept(self) -> None:
        try:
            client, _ = self._listener.accept()
        except BlockingIOError:
            return
        with self._lock:
            mode = self.mode  # now, not when the loop went round: set_mode may have come
        if mode == "refuse":
            _reset(client)
            return
        pair = _Pair(client)
        if mode == "pass":
            self._connect(pair)
        with self._lock:
            self._pairs.append(pair)

    def _connect(self, pair: _Pair) -> None:
        try:
            pair.server = socket.create_connection(self.upstream, timeout=5)
        except OSError:
            self._drop(pair)

    def _forward(self, pair: _Pair, direction: str) -> None:
        src = pair.client if direction == "up" else pair.server
        dst = pair.server if direction == "up" else pair.client
        if direction == "swallow":
            src, dst = pair.server, None
        assert src is not None
        try:
            data = src.recv(65536)
        except OSError:
            data = b""
        if not data:
            self._drop(pair)
            return
        if direction == "swallow":  # the commit is done; its reply goes nowhere
            pair.cutting = -1.0
            return
        try:
            assert dst is not None
            dst.sendall(data)
        except OSError:
            self._drop(pair)
            return
        if direction == "up" and self._cut_mode and COMMIT_MESSAGE in data:
            pair.cutting = time.monotonic()

    def _finish_cuts(self) -> None:
        """Once a cut COMMIT was answered (or after 2 s), the network fails as asked."""
        with self._lock:
            for pair in list(self._pairs):
                if pair.cutting == -1.0 or (pair.cutting and time.monotonic() - pair.cutting > 2):
                    pair.cutting = 0.0
                    self.commits_cut += 1
                    self.mode = self._cut_mode or "refuse"
                    self._cut_mode = None
                    if self.mode == "refuse":
                        self._pairs.remove(pair)
                        _reset(pair.client)
                        _reset(pair.server)

    def _drop(self, pair: _Pair) -> None:
        with self._lock:
            if pair in self._pairs:
                self._pairs.remove(pair)
        _reset(pair.client)
        _reset(pair.server)
