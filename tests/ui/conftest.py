"""UI tests: nothing the workstation does touches the database on the GUI thread.

See ``tests.ui.dbguard``: test code that arranges or checks data itself wraps it in
``db_allowed()`` (or ``allowed(fn)`` for ``qtbot.waitUntil``).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.ui import dbguard


@pytest.fixture(autouse=True)
def gui_thread_guard() -> Iterator[None]:
    """Active in every UI test, set-up to teardown: a GUI-thread statement fails it."""
    remove = dbguard.install()
    try:
        yield
    finally:
        violations = remove()
    assert not violations, "\n".join(violations)
