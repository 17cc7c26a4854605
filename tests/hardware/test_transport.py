"""Serial transport over loop://, a pty pair and socket://: lines, counters, reconnect."""

from __future__ import annotations

import contextlib
import os
import queue
import socket
import threading
from collections.abc import Iterator

import pytest

from hardware.ptys import PtyMaster, open_pty_pair
from hardware.transport import LineSplitter, SerialLink

WAIT = 10.0


class Lines:
    """Collects lines from the reader thread; tests wait for a count."""

    def __init__(self) -> None:
        self.items: list[str] = []
        self.cond = threading.Condition()

    def __call__(self, line: str) -> None:
        with self.cond:
            self.items.append(line)
            self.cond.notify_all()

    def wait(self, count: int) -> list[str]:
        with self.cond:
            assert self.cond.wait_for(lambda: len(self.items) >= count, WAIT), self.items
            return list(self.items)


@pytest.fixture
def loop_link() -> Iterator[tuple[SerialLink, Lines]]:
    lines = Lines()
    link = SerialLink("loop://", on_line=lines, max_line=64).start()
    assert link.wait_up(WAIT)
    yield link, lines
    link.stop()


@pytest.mark.parametrize(("chunks", "expected"), [
    ([b"OK\r\n"], ["OK"]),
    ([b"OK\r"], ["OK"]),
    ([b"OK\n"], ["OK"]),
    ([b"O", b"K\r", b"\nAT\r", b"\n"], ["OK", "AT"]),
    ([b"A\rB\nC\r\nD\n\rE\r\r\n"], ["A", "B", "C", "D", "E"]),
    ([b"\x00O\x00K\x07\r\n"], ["OK"]),
    ([b"\r\n\r\n\r\n"], []),
    ([b"caf\xe9\r\n"], ["café"]),
])
def test_splitter_terminators(chunks: list[bytes], expected: list[str]) -> None:
    splitter = LineSplitter()
    out: list[str] = []
    for chunk in chunks:
        out += splitter.feed(chunk)
    assert out == expected


def test_splitter_cuts_a_line_that_never_ends() -> None:
    splitter = LineSplitter(max_line=16)
    assert splitter.feed(b"x" * 10) == []
    assert splitter.feed(b"x" * 10) == []
    assert splitter.cut_lines == 1
    assert splitter.pending == 0
    assert splitter.feed(b"y" * 100) == []  # still the same endless line
    assert splitter.feed(b"tail\r\nOK\r\n") == ["OK"]
    assert splitter.feed(b"z" * 40 + b"\r\nAT\r\n") == ["AT"]
    assert splitter.cut_lines == 2


def test_splitter_extra_terminator() -> None:
    splitter = LineSplitter(terminators=b"\r\n\x1a")
    assert splitter.feed(b"AT+CMGS=1,16\r\n8004\x1aAT\r") == ["AT+CMGS=1,16", "8004", "AT"]


def test_loop_lines_and_counters(loop_link: tuple[SerialLink, Lines]) -> None:
    link, lines = loop_link
    assert link.write(b"hello\r\nwor")
    assert link.write(b"ld\r")
    assert link.write_line("\x00AT\x01")
    assert link.write(b"y" * 200 + b"\n")
    assert link.write(b"end\n")
    assert lines.wait(4) == ["hello", "world", "AT", "end"]
    stats = link.stats()
    assert stats.lines == 4 and stats.cut_lines == 1
    assert stats.bytes_in == stats.bytes_out == 224
    assert stats.frames >= 1 and stats.opens == 1 and stats.reconnects == 0
    assert stats.to_dict()["bytes_in"] == 224


def test_read_timeout_is_never_zero() -> None:
    link = SerialLink("loop://", read_timeout=0).start()
    try:
        assert link.wait_up(WAIT)
        assert link.read_timeout > 0
        assert getattr(link._port, "timeout", None) == link.read_timeout
    finally:
        link.stop()


def test_callback_exception_does_not_kill_the_reader() -> None:
    lines = Lines()

    def explode(line: str) -> None:
        lines(line)
        if line == "boom":
            raise RuntimeError("callback bug")

    link = SerialLink("loop://", on_line=explode).start()
    try:
        assert link.wait_up(WAIT)
        link.write(b"boom\r\nstill alive\r\n")
        assert lines.wait(2) == ["boom", "still alive"]
        assert link.stats().callback_errors == 1
        assert link.reader_thread is not None and link.reader_thread.is_alive()
    finally:
        link.stop()


def test_raw_data_callback() -> None:
    got: queue.Queue[bytes] = queue.Queue()
    link = SerialLink("loop://", on_data=got.put).start()
    try:
        assert link.wait_up(WAIT)
        link.write(b"\xb5\x62\x00\xff")
        data = b""
        while len(data) < 4:
            data += got.get(timeout=WAIT)
        assert data == b"\xb5\x62\x00\xff"
    finally:
        link.stop()


def test_write_when_down_is_refused_and_counted() -> None:
    link = SerialLink("/nonexistent/tty", backoff_initial=0.05)
    assert not link.write(b"AT\r")
    assert link.stats().dropped_writes == 1


def test_open_failure_is_retried_with_backoff(tmp_path: object) -> None:
    states: list[str] = []
    link = SerialLink("/nonexistent/tty", backoff_initial=0.01, backoff_max=0.02,
                      on_up=lambda: states.append("up")).start()
    try:
        assert not link.wait_up(0.2)
        assert link.stats().errors >= 2
        assert states == []
    finally:
        link.stop()


def test_pty_pair_both_ways() -> None:
    master = PtyMaster.create()
    far, near = Lines(), Lines()
    far_link = SerialLink(master, on_line=far, reconnect=False).start()
    assert master.slave_path is not None
    near_link = SerialLink(master.slave_path, on_line=near).start()
    try:
        assert far_link.wait_up(WAIT) and near_link.wait_up(WAIT)
        near_link.write(b"AT\r")
        assert far.wait(1) == ["AT"]
        far_link.write(b"OK\r\n")
        assert near.wait(1) == ["OK"]
    finally:
        near_link.stop()
        far_link.stop()


def test_open_pty_pair_is_raw() -> None:
    master, path = open_pty_pair()
    try:
        assert path.startswith("/dev/")
        port = PtyMaster(master, path)
        port.write(b"no echo please\r\n")
        assert port.read(100) == b""  # raw slave: nothing echoed back to the master
        port.close()
        assert not port.is_open
        with pytest.raises(OSError):
            port.open()
    finally:
        with contextlib.suppress(OSError):
            os.close(master)


def test_pty_vanishes_link_goes_down() -> None:
    master = PtyMaster.create()
    downs: list[str] = []
    down = threading.Event()

    def on_down(reason: str) -> None:
        downs.append(reason)
        down.set()

    assert master.slave_path is not None
    link = SerialLink(master.slave_path, backoff_initial=0.05, on_down=on_down).start()
    try:
        assert link.wait_up(WAIT)
        master.close()
        assert down.wait(WAIT)
        assert downs[0]  # EOF ("returned no data") or EIO, depending on timing
        assert not link.is_up
        assert not link.write(b"AT\r")
    finally:
        link.stop()


class DroppingServer:
    """A TCP server that sends lines, then drops the client and accepts the next one.

    It waits for the client's hello first: pyserial's socket:// discards whatever arrives
    while it connects (``reset_input_buffer`` in ``open``).
    """

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.scripts: queue.Queue[bytes] = queue.Queue()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                script = self.scripts.get()
                if not script:
                    return
                conn.recv(16)
                conn.sendall(script)
                if script.endswith(b"last\r\n"):
                    conn.recv(16)  # wait for the client's acknowledgement, then drop it


def test_socket_reconnects_without_duplicates() -> None:
    server = DroppingServer()
    lines = Lines()
    link = SerialLink(f"socket://127.0.0.1:{server.port}", on_line=lines, backoff_initial=0.05,
                      backoff_max=0.1)

    def hello() -> None:
        link.write(b"hello")

    link.on_up = hello

    def ack(line: str) -> None:
        lines(line)
        if line.endswith("last"):
            link.write(b"ack")

    link.on_line = ack
    server.scripts.put(b"1\r\n2\r\n3 last\r\n")
    server.scripts.put(b"half a li")  # a partial line must not survive the reconnect
    server.scripts.put(b"ne?\r\n4\r\n5 last\r\n")
    link.start()
    try:
        assert lines.wait(6) == ["1", "2", "3 last", "ne?", "4", "5 last"]
        assert link.stats().reconnects >= 2
    finally:
        server.scripts.put(b"")
        link.stop()
        server.sock.close()
