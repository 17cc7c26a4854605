"""One language on every screen: each widget and dialog, in each language, switched live.

The walk reads every text a person can see (dock titles, menus, labels, placeholders,
buttons, combo items, table headers and cells, tooltips, the log, the status bar, the
keys dialog, the discard question, the reason dialog) and fails on an empty title, on
English left on a Dutch or Papiamentu screen (or Dutch on an English one), and on a raw
code (``en_route``, ``HANDLED``, ``patrol_car``, ...).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QApplication,
    QComboBox,
    QDialog,
    QDockWidget,
    QLabel,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QTableView,
    QWidget,
)
from pytestqt.qtbot import QtBot

from meldkamer import i18n
from meldkamer.core import Meldkamer
from meldkamer.demo import load_demo
from meldkamer.domain.reference import Reference
from meldkamer.drafts import DraftJournal
from meldkamer.settings import LANGUAGE, Settings
from tests.fixtures import open_core
from tests.ui.dbguard import db_allowed
from ui import i18n as ui_i18n
from ui.main_window import MainWindow
from ui.ops import Operations

LOCALE = Path(__file__).resolve().parents[2] / "meldkamer" / "locale"
QT_ENGLISH = {"Yes", "No", "Cancel", "Close", "Apply", "Save", "Discard", "Open"}
QT_DUTCH = {"Ja", "Nee", "Annuleren", "Sluiten"}
# Words that are the same in every language here, or names nobody translates.
NEUTRAL = {"Nederlands", "English", "Papiamentu", "Bonaire", "Sint Eustatius", "Saba",
           "Meldkamer KPCN", "KPCN", "BKCN", "AMB", "KMar", "KWCARIB", "SDS", "ISSI", "F1",
           "F2", "F3", "F4", "F5", "F6", "F8", "F9", "F10", "F11", "F12", "Esc", "Enter"}
TAG = re.compile(r"<[^>]+>")
SEGMENT = re.compile(r"\s*(?:·|;|:|\(|\)|\[|\]|,|\n|—|\|| - )\s*")


def _po_pairs(lang: str) -> dict[str, str]:
    with open(LOCALE / lang / "LC_MESSAGES" / "meldkamer.po", "rb") as f:
        return {m.id: m.string for m in read_po(f) if m.id and m.string}


def _clean(text: str) -> str:
    return TAG.sub(" ", text).replace("&nbsp;", " ").replace("&", "").strip()


def _segments(text: str) -> set[str]:
    text = _clean(text)
    parts = {p.strip(" .!?~") for p in SEGMENT.split(text)}
    return {p for p in parts | {text} if p}


class Vocabulary:
    """What English, Dutch and the codes look like, from the catalogues and reference data."""

    def __init__(self, ref: Reference) -> None:
        nl = _po_pairs("nl")
        plain = [k for k in nl if "{" not in k]
        named = [*ref.statuses.values(), *ref.dispositions.values(), *ref.disciplines.values(),
                 *ref.capabilities.values(), *ref.priorities.values(), *ref.answers.values()]
        shown = {lang: {_clean(i18n.tr(m, lang=lang)) for m in plain}
                 | {o.name(lang) for o in named} for lang in ("nl", "en", "pap")}
        # English on a Dutch or Papiamentu screen: a source text that has a translation
        # there, and is not itself how something reads in that language.
        self.english: dict[str, set[str]] = {}
        for lang in ("nl", "pap"):
            found = {_clean(m) for m in plain if i18n.tr(m, lang=lang) != m}
            found |= {o.names["en"] for o in named if o.name(lang) != o.names["en"]}
            self.english[lang] = (found | QT_ENGLISH) - shown[lang] - NEUTRAL
        self.dutch = (shown["nl"] | QT_DUTCH) - shown["en"] - NEUTRAL
        self.codes = (set(ref.statuses) | set(ref.dispositions) | set(ref.capabilities)
                      | set(ref.disciplines) | {"open", "closed", "cleared", "unknown",
                                                "outside", "island", "address", "risk",
                                                "repeat", "info", "call", "location",
                                                "classification", "note", "radio",
                                                "dispatch", "status", "link", "close",
                                                "alarm"})
        self.words: dict[str, set[str]] = {}
        for lang in ("nl", "en", "pap"):
            texts = [i18n.tr(m, lang=lang) for m in nl] + [o.name(lang) for o in named]
            texts += [c.path(ref, lang) for c in ref.classifications.values()]
            self.words[lang] = {w for t in texts for w in re.findall(r"[\w]+", t)}

    def problems(self, lang: str, where: str, text: str) -> list[str]:
        out = []
        for seg in _segments(text):
            if lang in ("nl", "pap") and seg in self.english[lang]:
                out.append(f"{where}: English {seg!r} on a {lang} screen in {text!r}")
            if lang == "en" and seg in self.dutch:
                out.append(f"{where}: Dutch {seg!r} on the English screen in {text!r}")
        for word in re.findall(r"[A-Za-z_]+", _clean(text)):
            if word in self.codes and word not in self.words[lang]:
                out.append(f"{where}: raw code {word!r} in {text!r}")
        return out


def visible_texts(root: QWidget) -> Iterator[tuple[str, str, bool]]:
    """(where, text, must_not_be_empty) for everything a person can read under ``root``."""
    widgets = [root, *root.findChildren(QWidget)]
    for w in widgets:
        name = w.objectName() or type(w).__name__
        if isinstance(w, QDockWidget | QDialog) or w is root:
            yield f"{name} title", w.windowTitle(), isinstance(w, QDockWidget)
        if w.toolTip():
            yield f"{name} tooltip", w.toolTip(), False
        if isinstance(w, QLabel):
            yield name, w.text(), False
        elif isinstance(w, QAbstractButton):
            yield name, w.text(), False  # a dock's float and close buttons have only icons
        elif isinstance(w, QLineEdit):
            yield f"{name} placeholder", w.placeholderText(), False
        elif isinstance(w, QComboBox):
            for i in range(w.count()):
                yield f"{name} item {i}", w.itemText(i), False
        elif isinstance(w, QPlainTextEdit):
            for line in w.toPlainText().splitlines():
                if f" {i18n.tr('Note')} " not in line:  # what people wrote stays as written
                    yield f"{name} line", line, False
        if isinstance(w, QListWidget):
            for i in range(w.count()):
                yield f"{name} result {i}", w.item(i).text(), False
        if isinstance(w, QAbstractItemView) and w.model() is not None:
            model = w.model()
            if isinstance(w, QTableView):
                for c in range(model.columnCount()):
                    header = model.headerData(c, Qt.Orientation.Horizontal)
                    yield f"{name} header {c}", str(header or ""), True
            for r in range(min(model.rowCount(), 40)):
                for c in range(model.columnCount()):
                    for role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
                        value = model.data(model.index(r, c), role)
                        if isinstance(value, str):
                            yield f"{name} cell {r},{c}", value, False
    if isinstance(root, MainWindow):
        for action in _all_actions(root.menuBar().actions()):
            if not action.isSeparator():
                yield f"action {action.text()!r}", action.text(), True
                yield "action tooltip", action.toolTip(), False
        for sc in root.intake_dock.shortcuts:
            yield "shortcut", sc.whatsThis(), True
        yield "status bar", root.statusBar().currentMessage(), False


def _all_actions(actions: list) -> Iterator:
    for action in actions:
        yield action
        if action.menu() is not None:
            yield from _all_actions(action.menu().actions())


def check(vocab: Vocabulary, lang: str, root: QWidget) -> list[str]:
    problems = []
    for where, text, required in visible_texts(root):
        if required and not _clean(text):
            problems.append(f"{where}: empty")
        problems += vocab.problems(lang, where, text)
    return problems


def in_dialog(qtbot: QtBot, open_it: Callable[[], object], vocab: Vocabulary,
              lang: str) -> list[str]:
    """Open a modal dialog, walk it while it is up, then close it."""
    found: list[str] = []
    seen: list[QWidget] = []

    def walk() -> None:
        dialog = QApplication.activeModalWidget()
        if dialog is None:
            QTimer.singleShot(20, walk)
            return
        seen.append(dialog)
        found.extend(check(vocab, lang, dialog))
        dialog.close() if not isinstance(dialog, QDialog) else dialog.reject()

    QTimer.singleShot(0, walk)
    open_it()
    assert seen, "the dialog never showed"
    return found


@pytest.fixture
def shift(sqlite_url: str, ref: Reference) -> Iterator[Meldkamer]:
    with db_allowed():
        core = open_core(sqlite_url, ref, "centralist")
        load_demo(core)
    yield core
    core.close()


@pytest.fixture
def window(qtbot: QtBot, shift: Meldkamer, tmp_path: Path) -> Iterator[MainWindow]:
    ops = Operations()
    win = MainWindow(shift, ops, None, Settings(tmp_path / "settings.toml"),
                     DraftJournal(tmp_path / "draft.json"))
    qtbot.addWidget(win)
    with qtbot.waitSignal(win.loaded, timeout=10_000):
        win.show()
    yield win
    ops.wait()
    ui_i18n.set_language("en")


def busy_screen(qtbot: QtBot, win: MainWindow, core: Meldkamer) -> None:
    """Put something in every part of the window: a call being taken, a closed incident
    with a full log in the detail dock, units in every status, an emergency."""
    with qtbot.waitSignal(win.map_added, timeout=10_000):
        win.add_map()  # the map dock's controls (the page itself has no words)
    with db_allowed():  # the test arranges the shift itself
        busy = core.incidents.list_incidents(active=True)[0]
        done = core.incidents.create(caller_number="+599 717 5555", lat=12.15, lon=-68.27,
                                     classification="BZ.INB.WON", priority=1,
                                     priority_reason="x")
        unit = core.dispatch.propose(done.number).proposals[0].callsign
        core.dispatch.dispatch(done.number, [unit])
        for status in ("en_route", "on_scene", "available_mobile"):
            core.units.set_status(unit, status)
        core.incidents.close(done.number, "HANDLED")
        core.alarms.raise_alarm(busy.assignments[0].callsign if busy.assignments else unit,
                                "button")
        candidates = core.intake.locations().search("Kralendijk", limit=1)
    win.load()
    win.detail_dock.load(done.number)
    qtbot.waitUntil(lambda: win.detail_dock.incident is not None
                    and win.detail_dock.incident.number == done.number, timeout=5000)
    qtbot.waitUntil(lambda: win.alarm_banner.alarms != [], timeout=5000)
    session = win.intake_dock.session  # the call being taken, driven like the dock does
    session.set_caller("+599 717 5555")
    session.set_location(candidates[0])
    session.set_classification(core.ref.classifications["BR.GEB.WON"])
    qtbot.waitUntil(lambda: session.proposals is not None and session.nearby is not None
                    and session.history is not None, timeout=5000)
    session.answer("persons_inside", "ja")


@pytest.mark.parametrize("lang", ["nl", "en", "pap"])
def test_every_text_of_the_window_and_its_dialogs_is_in_the_chosen_language(
        qtbot: QtBot, window: MainWindow, shift: Meldkamer, ref: Reference, lang: str) -> None:
    busy_screen(qtbot, window, shift)
    vocab = Vocabulary(ref)
    other = "en" if lang != "en" else "nl"
    window.set_language(other)  # start from another language: the switch is live
    window.set_language(lang)
    assert i18n.language() == lang
    problems = check(vocab, lang, window)
    problems += in_dialog(qtbot, window.show_keys, vocab, lang)
    problems += in_dialog(qtbot, window.intake_dock.discard, vocab, lang)
    problems += in_dialog(qtbot, window.detail_dock.dispatch_more, vocab, lang)
    assert problems == [], "\n".join(problems)


def test_qt_buttons_follow_the_language(qtbot: QtBot, window: MainWindow) -> None:
    texts: dict[str, set[str]] = {}

    def buttons(lang: str) -> None:
        window.set_language(lang)
        seen: set[str] = set()

        def grab() -> None:
            dialog = QApplication.activeModalWidget()
            if dialog is None:
                QTimer.singleShot(20, grab)
                return
            seen.update(b.text().replace("&", "") for b in dialog.findChildren(QAbstractButton))
            dialog.close()

        QTimer.singleShot(0, grab)
        window.intake_dock.caller.setText("112")
        window.intake_dock.discard()
        texts[lang] = seen

    menus: dict[str, set[str]] = {}
    for lang in ("nl", "en", "pap"):
        buttons(lang)
        menu = window.detail_dock.note.createStandardContextMenu()  # Qt's own context menu
        menus[lang] = {a.text().replace("&", "").split("\t")[0] for a in menu.actions()}
        menu.deleteLater()
    assert "Plakken" in menus["nl"] and "Paste" in menus["en"] and "Plakken" in menus["pap"]
    assert {"Ja", "Nee"} <= texts["nl"]
    assert {"Yes", "No"} <= texts["en"]
    assert {"Ja", "Nee"} <= texts["pap"]  # Qt has no Papiamentu: Dutch


def test_a_language_switch_is_live_and_remembered(qtbot: QtBot, window: MainWindow,
                                                  tmp_path: Path) -> None:
    window.set_language("nl")
    assert window.incidents_dock.windowTitle() == "Actieve incidenten"
    header = window.incidents.headerData(0, Qt.Orientation.Horizontal)
    window.set_language("en")
    assert window.incidents_dock.windowTitle() == "Active incidents"
    assert window.incidents.headerData(0, Qt.Orientation.Horizontal) == "Number" != header
    assert [a.text() for a in window.menuBar().actions()][:2] == ["&File", "&Call"]
    assert window.language_actions["en"].isChecked()
    assert not window.language_actions["nl"].isChecked()
    assert Settings(tmp_path / "settings.toml").get(LANGUAGE) == "en"
