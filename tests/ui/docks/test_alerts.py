"""The public warnings dock: an imported CAP alert shows in the list, its text below."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from meldkamer.core import Meldkamer
from meldkamer.domain.reference import Reference
from meldkamer.exchange.alerts import PublicWarnings
from meldkamer.exchange.cap import Alert, Area, Info, to_xml
from tests.fixtures import open_core
from tests.ui.dbguard import allowed_steps, db_allowed
from ui import i18n as ui_i18n
from ui.docks.alerts import AlertsDock
from ui.ops import Operations

SENT = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=20)


def _core(url: str, ref: Reference) -> Iterator[Meldkamer]:
    mk = open_core(url, ref, "centralist")
    yield mk
    mk.close()


@pytest.fixture
def core(sqlite_url: str, ref: Reference) -> Iterator[Meldkamer]:
    yield from allowed_steps(_core(sqlite_url, ref))


def weather_warning() -> bytes:
    """A warning as the meteorological service would send it (Dutch and English)."""
    area = Area("Bonaire", ("12.01,-68.44 12.34,-68.44 12.34,-68.17 12.01,-68.44",))
    infos = tuple(Info(language=lang, categories=("Met",), event=event, urgency="Expected",
                       severity="Severe", certainty="Likely", headline=headline,
                       description=text, instruction=todo,
                       expires=SENT + timedelta(hours=12), sender_name="Meteo BES",
                       areas=(area,))
                  for lang, event, headline, text, todo in (
                      ("nl-BQ", "Zware regenval", "Code oranje: zware regenval Bonaire",
                       "Tot 100 mm regen in zes uur; kans op overstroomde rooien.",
                       "Mijd rooien en laaggelegen wegen."),
                      ("en-BQ", "Heavy rain", "Code orange: heavy rain Bonaire",
                       "Up to 100 mm of rain in six hours.", "Avoid gullies.")))
    return to_xml(Alert("MDS-2026-0042", "meteo@meteo.cw", SENT, "Actual", "Alert",
                        "Public", infos))


def test_an_imported_alert_is_listed_and_read_by_keyboard(
        qtbot: QtBot, core: Meldkamer, tmp_path: Path) -> None:
    ui_i18n.set_language("nl")
    file = tmp_path / "warning.xml"
    file.write_bytes(weather_warning())
    with db_allowed():
        PublicWarnings(core).export(PublicWarnings(core).compose(
            headline="Kaya Grandi afgesloten na ongeval", areas=["BO"],
            event="road_closure", description="Omleiding via Kaya Nikiboko.",
            expires=datetime.now(UTC) + timedelta(hours=3)))
    ops = Operations()
    try:
        dock = AlertsDock(core, ops)
        qtbot.addWidget(dock)
        dock.resize(900, 460)
        dock.show()
        messages: list[str] = []
        dock.message.connect(messages.append)
        dock.reload()
        qtbot.waitUntil(lambda: dock.view.rowCount() == 1, timeout=5000)
        assert dock.windowTitle() == "Publiekswaarschuwingen (1)"
        with db_allowed():
            PublicWarnings(core).import_file(file)
        dock.reload()  # as the window does on the stored event, or its minute timer
        qtbot.waitUntil(lambda: dock.view.rowCount() == 2, timeout=5000)
        assert messages == ["Nieuwe publiekswaarschuwing: Code oranje: zware regenval Bonaire"]
        texts = {dock.view.item(r, 1).text() for r in range(2)}
        assert "Code oranje: zware regenval Bonaire" in texts
        assert dock.view.item(0, 0).text() in {"Ernstig", "Matig"}
        dock.focus_list()
        dock.view.setFocus()
        dock.view.setCurrentCell(0, 0)
        row = next(r for r in range(2) if dock.view.item(r, 1).text().startswith("Code"))
        other = 1 - row
        dock.view.setCurrentCell(other, 0)
        qtbot.keyClick(dock.view, Qt.Key.Key_Down if row > other else Qt.Key.Key_Up)
        assert dock.selected() is not None
        assert dock.selected().alert.identifier == "MDS-2026-0042"  # type: ignore[union-attr]
        shown = dock.detail.toPlainText()
        assert "Tot 100 mm regen" in shown and "Mijd rooien" in shown
        assert "Meteo BES" in shown and "geïmporteerd" in shown and "Instructie:" in shown
        image = tmp_path / "cap-alerts.png"
        assert dock.grab().save(str(image))
        if os.environ.get("MELDKAMER_DOCS_IMAGES"):  # refresh the picture in the docs
            out = Path(__file__).resolve().parents[3] / "docs" / "images" / "cap-alerts.png"
            out.write_bytes(image.read_bytes())
    finally:
        ops.wait()
        ui_i18n.set_language("en")


def test_expired_and_cancelled_alerts_are_not_shown(qtbot: QtBot, core: Meldkamer) -> None:
    with db_allowed():
        warnings = PublicWarnings(core)
        first = warnings.export(warnings.compose(headline="Storm", areas=["SE"],
                                                 event="tropical_storm")).alert
        warnings.export(warnings.compose(headline="", areas=["SE"], event="tropical_storm",
                                         cancel=first.identifier))
    ops = Operations()
    try:
        dock = AlertsDock(core, ops)
        qtbot.addWidget(dock)
        dock.alerts = [object()]  # type: ignore[list-item]  # anything: the load replaces it
        dock.reload()
        qtbot.waitUntil(lambda: dock.alerts == [], timeout=5000)
        assert dock.view.rowCount() == 0
        assert "No public warnings" in dock.detail.toPlainText()
    finally:
        ops.wait()
