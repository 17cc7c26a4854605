"""Render the F5 confirmation (a turnout with a gap) to a PNG, in Dutch, dark theme.

Usage: QT_QPA_PLATFORM=offscreen python scripts/f5_confirm_screenshot.py docs/f5-confirm.png

The situation of issue 9: a vessel sinking at 12.30, -68.50 needs a boat and an
ambulance, and Bonaire's only boat, K-101, is on its way to another incident.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from PySide6.QtWidgets import QApplication

from meldkamer import i18n
from meldkamer.core import Meldkamer
from meldkamer.demo import load_demo
from meldkamer.domain.reference import load_reference
from meldkamer.store.db import Store
from ui import theme
from ui.dialogs.turnout import TurnoutGapDialog
from ui.i18n import set_language


def main(target: str) -> int:
    app = QApplication(sys.argv[:1])
    theme.apply(app, "dark")
    set_language("nl")
    i18n.set_language("nl")
    ref = load_reference(None)
    with tempfile.TemporaryDirectory() as tmp:
        core = Meldkamer(Store(str(Path(tmp) / "shot.sqlite3")), ref, user="centralist")
        try:
            load_demo(core, incidents=False)
            other = core.incidents.create(caller_number="+599 717 1234", lat=12.10,
                                          lon=-68.28, classification="WZ.VAA.DRI").number
            core.dispatch.dispatch(other, ["K-101"])
            ps = core.dispatch.propose_at(island="BO", lat=12.30, lon=-68.50,
                                          classification="WZ.VAA.NOO")
        finally:
            core.close()
    dialog = TurnoutGapDialog(None, ref, ps, ps.suggested_diverts())
    dialog.resize(640, dialog.sizeHint().height())
    dialog.show()
    app.processEvents()
    return 0 if dialog.grab().save(target, "PNG") else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "docs/f5-confirm.png"))
