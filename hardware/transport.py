"""Serial transport: a reader thread per port, bounded lines, a write queue, reconnect with backoff.

Opens anything ``serial.serial_for_url`` opens (COM port, /dev path, ``loop://``,
``socket://``, ``rfc2217://``, a pty path) or takes an already-open port object.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import re
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import asdict, dataclass, fields
from typing import Protocol, runtime_checkable

import serial

__all__ = ["LineSplitter", "LinkStats", "PortLike", "SerialLink", "open_port", "open_pty_pair"]

log = logging.getLogger(__name__)

_CONTROL = bytes(range(0x20))
LINK_ERRORS = (serial.SerialException, OSError)


@runtime_checkable
class PortLike(Protocol):
    """The part of ``serial.Serial`` the link uses; PtyMaster and test doubles provide it."""

    @property
    def is_open(self) -> bool: ...

    @property
    def in_waiting(self) -> int: ...

    def open(self) -> None: ...

    def close(self) -> None: ...

    def read(self, size: int = 1) -> bytes: ...

    def write(self, data: bytes, /) -> int | None: ...


def open_pty_pair() -> tuple[int, str]:
    """Create a raw pty pair (POSIX only); returns (master fd, slave path)."""
    from hardware import ptys  # POSIX-only modules stay out of a Windows import

    return ptys.open_pty_pair()


def open_port(url: str, baudrate: int = 115200, timeout: float = 0.1,
              write_timeout: float = 2.0) -> serial.SerialBase:
    """Open ``url`` with pyserial, 8N1, no flow control; never with a zero read timeout."""
    return serial.serial_for_url(url, baudrate=baudrate, timeout=max(timeout, 0.01),
                                 write_timeout=write_timeout)


class LineSplitter:
    """Splits a byte stream into text lines with a bounded buffer.

    Accepts CR, LF, CRLF and terminators split across reads, skips empty lines, drops
    bytes below 0x20 inside lines and decodes as Latin-1 (never fails). A line longer
    than ``max_line`` is discarded up to its terminator and counted in ``cut_lines``.
    """

    def __init__(self, max_line: int = 2048, terminators: bytes = b"\r\n") -> None:
        self.max_line = max_line
        self._split = re.compile(b"[" + re.escape(terminators) + b"]").split
        self._term = terminators
        self._buf = b""
        self._discarding = False
        self.cut_lines = 0

    def reset(self) -> None:
        """Forget a partial line (the link went down)."""
        self._buf = b""
        self._discarding = False

    @property
    def pending(self) -> int:
        """Bytes of an unfinished line held in the buffer."""
        return len(self._buf)

    def feed(self, data: bytes) -> list[str]:
        """Complete lines found after adding ``data``."""
        if self._discarding:
            cut = self._first_terminator(data)
            if cut < 0:
                return []
            self._discarding = False
            data = data[cut + 1:]
        parts = self._split(self._buf + data)
        rest = parts.pop()
        if len(rest) > self.max_line:
            self.cut_lines += 1
            rest = b""
            self._discarding = True
        self._buf = rest
        lines = []
        for part in parts:
            if not part:
                continue
            if len(part) > self.max_line:
                self.cut_lines += 1
                continue
            text = part.translate(None, _CONTROL)
            if text:
                lines.append(text.decode("latin-1"))
        return lines

    def _first_terminator(self, data: bytes) -> int:
        found = [i for i in (data.find(bytes([t])) for t in self._term) if i >= 0]
        return min(found) if found else -1


@dataclass(frozen=True, slots=True)
class LinkStats:
    """Counters of one link since it was created.

    ``frames`` counts read chunks, ``cut_lines`` over-long lines thrown away, ``reconnects``
    successful reopens after the first open, ``errors`` failed opens, reads and writes.
    """

    bytes_in: int = 0
    bytes_out: int = 0
    lines: int = 0
    frames: int = 0
    errors: int = 0
    cut_lines: int = 0
    reconnects: int = 0
    opens: int = 0
    dropped_writes: int = 0
    callback_errors: int = 0

    def to_dict(self) -> dict[str, int]:
        """JSON-ready counters."""
        return asdict(self)


class SerialLink:
    """A serial port with a reader thread, a writer thread and reconnect with backoff.

    Callbacks run on the reader thread and must not block; an exception in a callback is
    logged and counted, never allowed to kill the thread. ``on_line`` gets text lines,
    ``on_data`` raw chunks (either or both), ``on_up``/``on_down`` the link state.
    """

    def __init__(self, port: str | PortLike, *, baudrate: int = 115200, name: str | None = None,
                 on_line: Callable[[str], None] | None = None,
                 on_data: Callable[[bytes], None] | None = None,
                 on_up: Callable[[], None] | None = None,
                 on_down: Callable[[str], None] | None = None,
                 max_line: int = 2048, terminators: bytes = b"\r\n",
                 read_timeout: float = 0.1, write_timeout: float = 2.0, reconnect: bool = True,
                 backoff_initial: float = 0.1, backoff_max: float = 5.0,
                 write_queue: int = 1024) -> None:
        self._url = port if isinstance(port, str) else None
        self._port: PortLike | None = None if isinstance(port, str) else port
        self.name = name or (self._url or type(port).__name__)
        self.baudrate = baudrate
        self.on_line = on_line
        self.recent_lines: deque[str] = deque(maxlen=50)  # what a technician wants to see
        self.on_data = on_data
        self.on_up = on_up
        self.on_down = on_down
        self.read_timeout = max(read_timeout, 0.01)
        self.write_timeout = write_timeout
        self.reconnect = reconnect
        self.backoff_initial = backoff_initial
        self.backoff_max = backoff_max
        self.splitter = LineSplitter(max_line, terminators)
        self._queue: queue.Queue[bytes | None] = queue.Queue(write_queue)
        self._stop = threading.Event()
        self._up = threading.Event()
        self._lock = threading.Lock()  # counters only, never held while doing I/O
        self._port_lock = threading.Lock()  # writes against close
        self._counts = {f.name: 0 for f in fields(LinkStats)}
        self._reader: threading.Thread | None = None
        self._writer: threading.Thread | None = None
        self.last_error = ""

    # -- public API ------------------------------------------------------------------
    @property
    def url(self) -> str | None:
        """The URL the link (re)opens, None when it was given a port object."""
        return self._url

    @property
    def is_up(self) -> bool:
        """True while the port is open and reading."""
        return self._up.is_set()

    @property
    def reader_thread(self) -> threading.Thread | None:
        """The thread that runs every callback."""
        return self._reader

    def start(self) -> SerialLink:
        """Start the reader and writer threads; the reader opens the port."""
        if self._reader is not None:
            return self
        self._reader = threading.Thread(target=self._read_loop, name=f"link-read {self.name}",
                                        daemon=True)
        self._writer = threading.Thread(target=self._write_loop,
                                        name=f"link-write {self.name}", daemon=True)
        self._reader.start()
        self._writer.start()
        return self

    def stop(self, timeout: float = 2.0) -> None:
        """Stop both threads and close the port."""
        self._stop.set()
        with contextlib.suppress(queue.Full):
            self._queue.put_nowait(None)
        port = self._port
        cancel = getattr(port, "cancel_read", None)
        if callable(cancel):
            with contextlib.suppress(Exception):  # a port closing underneath us is fine
                cancel()
        for thread in (self._reader, self._writer):
            if thread is not None and thread is not threading.current_thread():
                thread.join(timeout)
        self._close_port()

    def wait_up(self, timeout: float) -> bool:
        """Block until the link is up or ``timeout`` passes."""
        return self._up.wait(timeout)

    def write(self, data: bytes | str) -> bool:
        """Queue bytes for the writer thread; False (and counted) when the link is down."""
        payload = data.encode("latin-1") if isinstance(data, str) else data
        if not self._up.is_set() or self._stop.is_set():
            self._count("dropped_writes")
            return False
        try:
            self._queue.put_nowait(payload)
        except queue.Full:
            self._count("dropped_writes")
            return False
        return True

    def write_line(self, text: str, terminator: str = "\r\n") -> bool:
        """Queue one text line with its terminator."""
        return self.write(text + terminator)

    def flush(self, timeout: float = 2.0) -> bool:
        """Wait until the write queue is empty."""
        deadline = time.monotonic() + timeout
        while self._queue.unfinished_tasks and time.monotonic() < deadline:
            time.sleep(0.005)
        return not self._queue.unfinished_tasks

    def stats(self) -> LinkStats:
        """A snapshot of the counters."""
        with self._lock:
            counts = dict(self._counts)
        counts["cut_lines"] = self.splitter.cut_lines
        return LinkStats(**counts)

    # -- internals -------------------------------------------------------------------
    def _count(self, key: str, amount: int = 1) -> None:
        with self._lock:
            self._counts[key] += amount

    def _call(self, callback: Callable[..., None] | None, *args: object) -> None:
        if callback is None:
            return
        try:
            callback(*args)
        except Exception:
            self._count("callback_errors")
            log.exception("%s: callback %r failed", self.name, callback)

    def _open(self) -> None:
        if self._url is not None:
            self._port = open_port(self._url, self.baudrate, self.read_timeout,
                                   self.write_timeout)
        elif self._port is not None and not self._port.is_open:
            self._port.open()

    def _close_port(self) -> None:
        self._up.clear()
        with self._port_lock:
            port = self._port
            if port is not None:
                try:
                    port.close()
                except Exception as exc:  # closing a dead port may fail too
                    log.debug("%s: close failed: %s", self.name, exc)

    def _read_loop(self) -> None:
        backoff = self.backoff_initial
        ever_up = False
        while not self._stop.is_set():
            if not self._up.is_set():
                try:
                    self._open()
                except (*LINK_ERRORS, ValueError) as exc:
                    self._count("errors")
                    self.last_error = str(exc)
                    log.info("%s: open failed (%s), retry in %.1f s", self.name, exc, backoff)
                    if ever_up and not self.reconnect:
                        return
                    self._stop.wait(backoff)
                    backoff = min(backoff * 2, self.backoff_max)
                    continue
                backoff = self.backoff_initial
                self.splitter.reset()
                self._count("opens")
                if ever_up:
                    self._count("reconnects")
                ever_up = True
                self._up.set()
                log.info("%s: link up", self.name)
                self._call(self.on_up)
            port = self._port
            assert port is not None
            try:
                waiting = port.in_waiting
                data = port.read(waiting if waiting > 0 else 1)
            except LINK_ERRORS as exc:
                if self._stop.is_set():
                    return
                self._count("errors")
                self.last_error = str(exc)
                log.warning("%s: link down: %s", self.name, exc)
                self._close_port()
                self.splitter.reset()
                self._call(self.on_down, str(exc))
                if not self.reconnect:
                    return
                continue
            if data:
                self._receive(data)

    def _receive(self, data: bytes) -> None:
        self._count("bytes_in", len(data))
        self._count("frames")
        self._call(self.on_data, data)
        if self.on_line is None:
            return
        lines = self.splitter.feed(data)
        if lines:
            self._count("lines", len(lines))
        for line in lines:
            self.recent_lines.append(line)
            self._call(self.on_line, line)

    def _write_loop(self) -> None:
        while True:
            item = self._queue.get()
            try:
                if item is None or self._stop.is_set():
                    return
                self._write_now(item)
            finally:
                self._queue.task_done()

    def _write_now(self, data: bytes) -> None:
        with self._port_lock:
            port = self._port
            if port is None or not self._up.is_set():
                self._count("dropped_writes")
                return
            try:
                port.write(data)
            except Exception as exc:  # loop:// raises queue.Full on timeout
                self._count("errors")
                self._count("dropped_writes")
                self.last_error = str(exc) or type(exc).__name__
                log.warning("%s: write failed: %s", self.name, self.last_error)
                return
        self._count("bytes_out", len(data))
