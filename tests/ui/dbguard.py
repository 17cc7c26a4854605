"""The GUI-thread database guard of the UI tests (the fixture is in conftest.py).

A SQLAlchemy ``before_cursor_execute`` listener on every engine fails any statement run
on the GUI thread (the main thread, where the QApplication lives) while a UI test runs,
from its fixtures' set-up to their teardown. Test code that reads or changes the
database itself, to arrange a situation or check a result, says so::

    with db_allowed():
        core.incidents.create(...)
    qtbot.waitUntil(allowed(lambda: core.units.get("P-101").status == "en_route"))

Even inside ``db_allowed`` a statement made from code of the ``ui`` package fails: a
service called by the test that publishes an event must not let the UI's reaction to it
(which runs on the same thread, at once) read the database unnoticed.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from sqlalchemy import event
from sqlalchemy.engine import Engine

T = TypeVar("T")


class GuiThreadDatabaseAccess(AssertionError):
    """A statement ran on the GUI thread."""


class _Guard:
    def __init__(self) -> None:
        self.allowed = 0  # depth of db_allowed() on the GUI thread
        self.violations: list[str] = []

    def check(self, statement: str) -> None:
        if threading.current_thread() is not threading.main_thread():
            return  # the operations worker, the radio link, the change feed: all fine
        frame = _ui_frame()
        if self.allowed and frame is None:
            return
        where = f" from {frame}" if frame else ""
        problem = f"database statement on the GUI thread{where}: {statement.strip()[:200]}"
        self.violations.append(problem)
        raise GuiThreadDatabaseAccess(problem)


def _ui_frame() -> str | None:
    """The innermost frame of the ``ui`` package on the current stack, if any."""
    frame = sys._getframe(2)
    while frame is not None:
        module = frame.f_globals.get("__name__", "")
        if module == "ui" or module.startswith("ui."):
            return f"{module}:{frame.f_lineno} ({frame.f_code.co_name})"
        frame = frame.f_back  # type: ignore[assignment]
    return None


_guard: _Guard | None = None


def violations() -> list[str]:
    """The statements the running test's guard has refused so far."""
    assert _guard is not None, "no UI test is running"
    return _guard.violations


def install() -> Callable[[], list[str]]:
    """Guard every engine until the returned function is called; it gives the violations."""
    global _guard
    guard = _guard = _Guard()

    def before(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        guard.check(statement)

    event.listen(Engine, "before_cursor_execute", before)

    def remove() -> list[str]:
        global _guard
        _guard = None
        event.remove(Engine, "before_cursor_execute", before)
        return guard.violations

    return remove


@contextmanager
def db_allowed() -> Iterator[None]:
    """Let the test's own code use the database on the GUI thread for a moment."""
    guard = _guard
    if guard is None:
        yield
        return
    guard.allowed += 1
    try:
        yield
    finally:
        guard.allowed -= 1


def allowed(fn: Callable[[], T]) -> Callable[[], T]:
    """``fn`` run inside ``db_allowed`` (for ``qtbot.waitUntil`` conditions)."""
    def run() -> T:
        with db_allowed():
            return fn()

    return run


def allowed_steps(steps: Iterator[T]) -> Iterator[T]:
    """A generator fixture's set-up and teardown, each step inside ``db_allowed``."""
    while True:
        with db_allowed():
            try:
                value = next(steps)
            except StopIteration:
                return
        yield value
