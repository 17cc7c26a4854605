"""A listening TCP socket that looks like a serial port, so a gateway can reach it as socket://.

Puts the simulator on a training machine's network (or on 127.0.0.1 in tests). Each
``open()`` accepts one client; when the client goes away the link's reconnect simply
accepts the next one.
"""

from __future__ import annotations

import contextlib
import errno
import select
import socket
import struct


class TcpServerPort:
    """Server side of ``socket://host:port`` with the pyserial calls SerialLink uses."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, timeout: float = 0.1,
                 accept_timeout: float = 0.2) -> None:
        self._server = socket.create_server((host, port))
        self._server.settimeout(accept_timeout)
        self.host, self.port = self._server.getsockname()[:2]
        self.timeout = max(timeout, 0.01)
        self._conn: socket.socket | None = None

    @property
    def url(self) -> str:
        """The URL a gateway opens to reach this port."""
        return f"socket://{self.host}:{self.port}"

    @property
    def is_open(self) -> bool:
        """True while a client is connected."""
        return self._conn is not None

    @property
    def in_waiting(self) -> int:
        """Bytes received from the client and not read yet."""
        conn = self._require()
        try:
            import fcntl
            import termios
        except ImportError:  # Windows: say "something is there" like pyserial's socket://
            return len(select.select([conn], [], [], 0)[0])
        buf = fcntl.ioctl(conn.fileno(), termios.FIONREAD, b"\0\0\0\0")
        return int(struct.unpack("i", buf)[0])

    def _require(self) -> socket.socket:
        if self._conn is None:
            raise OSError(errno.ENOTCONN, "no client connected")
        return self._conn

    def open(self) -> None:
        """Wait (up to the accept timeout) for a client; raises OSError when none came."""
        conn, _ = self._server.accept()
        conn.settimeout(2.0)
        self._conn = conn

    def read(self, size: int = 1) -> bytes:
        """Up to ``size`` bytes, waiting at most ``timeout`` for the first."""
        conn = self._require()
        ready, _, _ = select.select([conn], [], [], self.timeout)
        if not ready:
            return b""
        data = conn.recv(size)
        if not data:
            raise ConnectionResetError(errno.ECONNRESET, "client disconnected")
        return data

    def write(self, data: bytes, /) -> int:
        """Send all of ``data`` to the client."""
        self._require().sendall(data)
        return len(data)

    def drop(self) -> None:
        """Cut the client off (like pulling the cable); the reader sees the end of stream."""
        if self._conn is not None:
            with contextlib.suppress(OSError):
                self._conn.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        """Close the client connection; the server keeps listening for the next one."""
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(OSError):
                conn.close()

    def shutdown(self) -> None:
        """Close the client and stop listening."""
        self.close()
        with contextlib.suppress(OSError):
            self._server.close()
