"""Pseudo-terminal pairs, so a simulated radio can sit on the far end of a real tty path."""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import pty
import select
import struct
import termios
import time
import tty


def open_pty_pair() -> tuple[int, str]:
    """Create a raw pty pair; returns (master fd, slave path) for the gateway to open.

    The slave is set raw before anyone opens it, so nothing written to the master is
    echoed back while the gateway has not configured the port yet.
    """
    master, slave = pty.openpty()
    try:
        tty.setraw(slave)
        path = os.ttyname(slave)
    finally:
        os.close(slave)
    return master, path


class PtyMaster:
    """The master side of a pty with the pyserial calls SerialLink uses.

    Holds the slave open itself: while no slave fd is open, a Linux master reports
    readable and returns EIO, which would turn a read loop into a busy loop. Closing
    it looks to the slave side like an unplugged device; a closed master cannot be
    reopened.
    """

    def __init__(self, master_fd: int, slave_path: str | None = None, timeout: float = 0.1,
                 write_timeout: float = 2.0) -> None:
        self.fd: int | None = master_fd
        self.slave_path = slave_path
        self.timeout = max(timeout, 0.01)
        self.write_timeout = write_timeout
        self._hold: int | None = None
        if slave_path is not None:
            self._hold = os.open(slave_path, os.O_RDWR | os.O_NOCTTY)
        os.set_blocking(master_fd, False)

    @classmethod
    def create(cls, timeout: float = 0.1) -> PtyMaster:
        """A new pty pair; the slave path is in ``slave_path``."""
        master, path = open_pty_pair()
        return cls(master, path, timeout)

    @property
    def is_open(self) -> bool:
        """True until closed."""
        return self.fd is not None

    @property
    def in_waiting(self) -> int:
        """Bytes the slave side has written and we have not read."""
        if self.fd is None:
            raise OSError(errno.EBADF, "pty master closed")
        buf = fcntl.ioctl(self.fd, termios.FIONREAD, b"\0\0\0\0")
        return int(struct.unpack("i", buf)[0])

    def open(self) -> None:
        """A closed master is gone for good: raise like a vanished device."""
        if self.fd is None:
            raise OSError(errno.ENODEV, "a pty master cannot be reopened")

    def close(self) -> None:
        """Close the master (and our hold on the slave): the slave side sees a hang-up."""
        for fd in (self.fd, self._hold):
            if fd is not None:
                with contextlib.suppress(OSError):
                    os.close(fd)
        self.fd = None
        self._hold = None

    def read(self, size: int = 1) -> bytes:
        """Up to ``size`` bytes, waiting at most ``timeout`` for the first."""
        fd = self.fd
        if fd is None:
            raise OSError(errno.EBADF, "pty master closed")
        ready, _, _ = select.select([fd], [], [], self.timeout)
        if not ready:
            return b""
        try:
            return os.read(fd, size)
        except BlockingIOError:
            return b""
        except OSError as exc:
            if exc.errno == errno.EIO:
                # No slave open right now: behave like an idle line, not a busy one.
                time.sleep(self.timeout)
                return b""
            raise

    def write(self, data: bytes, /) -> int:
        """Write all of ``data``; raises TimeoutError when the slave stops reading."""
        fd = self.fd
        if fd is None:
            raise OSError(errno.EBADF, "pty master closed")
        view = memoryview(data)
        deadline = time.monotonic() + self.write_timeout
        while view:
            try:
                view = view[os.write(fd, view):]
            except BlockingIOError:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError("pty write timed out") from None
                select.select([], [fd], [], min(left, 0.1))
        return len(data)

    def fileno(self) -> int:
        """The master fd."""
        if self.fd is None:
            raise OSError(errno.EBADF, "pty master closed")
        return self.fd
