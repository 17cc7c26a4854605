"""The Qt binding itself: defects of a PySide6 release that would crash a long shift."""

from __future__ import annotations

import sys

from ui.qt import QObject, Signal


class _Emitter(QObject):
    fired = Signal(object)
    """Carries one value."""


def test_emitting_a_signal_keeps_pythons_reference_counts() -> None:
    """PySide6 6.12.0 dropped a reference to True on every emit: after enough events the
    interpreter aborts ("bool_dealloc"). Every operation and bridge event emits."""
    emitter = _Emitter()
    seen: list[object] = []
    emitter.fired.connect(seen.append)
    before = sys.getrefcount(True)
    for i in range(1000):
        emitter.fired.emit(i)
    after = sys.getrefcount(True)
    assert len(seen) == 1000
    assert abs(after - before) < 10
