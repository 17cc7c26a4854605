"""The trainer's injects by hand: a call, a unit status, a disturbance.

Each form only collects what the trainer typed and shows errors next to the field they
are about; the console checks the call (``meldkamer.training.manual``, memory only) and
hands every inject to the engine on its worker thread.
"""

from __future__ import annotations

from typing import Any, TypeVar

from meldkamer import names
from meldkamer.domain.reference import Reference
from meldkamer.i18n import N_, tr
from meldkamer.training.manual import CallForm, class_priority, leaf_classes
from meldkamer.training.scenario import DISTURBANCES, LANGUAGES, Call
from ui.i18n import Texts
from ui.qt import (
    QComboBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QWidget,
    Signal,
)
from ui.trainer.follow import disturbance_name

W = TypeVar("W", bound=QWidget)
ERROR_STYLE = "color: #b00020; font-weight: bold;"
LANGUAGE_NAMES = {"nl": "Nederlands", "en": "English", "pap": "Papiamentu"}


class _Form(QWidget):
    """A form whose rows can each show an error under their field."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.texts = Texts()
        self.layout_ = QFormLayout(self)
        self.errors: dict[str, QLabel] = {}

    def row(self, field: str, label: str, widget: W) -> W:
        title = QLabel(self)
        self.texts.bind(title.setText, label)
        title.setBuddy(widget)
        widget.setObjectName(f"{field}_input")
        self.layout_.addRow(title, widget)
        error = QLabel(self)
        error.setObjectName(f"{field}_error")
        error.setStyleSheet(ERROR_STYLE)
        error.setWordWrap(True)
        error.hide()
        self.layout_.addRow("", error)
        self.errors[field] = error
        return widget

    def show_error(self, field: str, text: str) -> None:
        """Show ``text`` next to ``field`` (the general line when the form has no such
        field) and put the cursor there."""
        label = self.errors.get(field) or self.errors["general"]
        label.setText(text)
        label.show()
        target = self.findChild(QWidget, f"{field}_input")
        if target is not None:
            target.setFocus()

    def clear_errors(self) -> None:
        for label in self.errors.values():
            label.clear()
            label.hide()

    def error_text(self, field: str) -> str:
        label = self.errors.get(field)
        return label.text() if label is not None and not label.isHidden() else ""

    def add_button(self, label: str, slot: Any) -> QPushButton:
        button = QPushButton(self)
        self.texts.bind(button.setText, label)
        button.clicked.connect(slot)
        self.layout_.addRow("", button)
        general = QLabel(self)
        general.setObjectName("general_error")
        general.setStyleSheet(ERROR_STYLE)
        general.setWordWrap(True)
        general.hide()
        self.layout_.addRow("", general)
        self.errors["general"] = general
        return button


class CallInjectForm(_Form):
    """A caller built by hand, or copied from one of the scenario's calls."""

    submitted = Signal(object)
    """The trainer asks to ring this ``CallForm`` now."""

    def __init__(self, ref: Reference, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ref = ref
        self.scenario_calls: list[Call] = []
        self.copy = self.row("copy", N_("Copy from"), QComboBox(self))
        self.copy.activated.connect(self._copy_chosen)
        self.caller = self.row("caller", N_("Caller number"), QLineEdit(self))
        self.caller.setPlaceholderText("+599 717 1234")
        self.name = self.row("name", N_("Name"), QLineEdit(self))
        self.language = self.row("language", N_("Language"), QComboBox(self))
        for code in LANGUAGES:
            self.language.addItem(LANGUAGE_NAMES.get(code, code), code)
        self.island = self.row("island", N_("Island"), QComboBox(self))
        for code, isl in ref.islands.items():
            self.island.addItem(isl.name, code)
        self.location = self.row("location", N_("Location"), QLineEdit(self))
        self.says = self.row("says", N_("Caller says"), QPlainTextEdit(self))
        self.says.setTabChangesFocus(True)
        self.says.setFixedHeight(56)
        self.classification = self.row("classification", N_("Class"), QComboBox(self))
        self.classification.setEditable(True)
        self.classification.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        for code in leaf_classes(ref):
            self.classification.addItem(f"{code}  {names.classification(ref, code)}", code)
        self.classification.setCurrentIndex(-1)
        self.classification.currentIndexChanged.connect(self._class_chosen)
        self.island.currentIndexChanged.connect(self._class_chosen)
        self.priority = self.row("priority", N_("Priority"), QSpinBox(self))
        self.priority.setRange(min(ref.priorities), max(ref.priorities))
        self.units = self.row("units", N_("Expected units"), QLineEdit(self))
        self.units.setToolTip(", ".join(sorted(ref.capabilities)))
        self.answers: dict[str, str] = {}
        self.copied: tuple[str, tuple[float, float]] | None = None
        self.button = self.add_button(N_("Ring now"), self._submit)
        self.texts.bind(self.location.setPlaceholderText, N_("place name, or lat, lon"))
        self.texts.bind(self.units.setPlaceholderText, N_("capabilities, comma-separated"))
        self.texts.bind(self.says.setPlaceholderText, N_("one sentence a line"))
        self.set_scenario_calls([])

    def set_scenario_calls(self, calls: list[Call]) -> None:
        self.scenario_calls = list(calls)
        self.copy.clear()
        self.copy.addItem(tr("(a new call)"), None)
        for n, call in enumerate(calls):
            self.copy.addItem(f"{call.id}  {call.classification}  {call.location}", n)

    def _copy_chosen(self, index: int) -> None:
        n = self.copy.itemData(index)
        if n is not None:
            self.fill(self.scenario_calls[n])

    def fill(self, call: Call) -> None:
        """Put a scenario call's caller, place and expectation into the form."""
        self.caller.setText(call.caller)
        self.name.setText(call.name)
        self.language.setCurrentIndex(max(0, self.language.findData(call.language)))
        self.island.setCurrentIndex(max(0, self.island.findData(call.island)))
        self.location.setText(call.location)
        self.says.setPlainText("\n".join(call.says))
        self.classification.setCurrentIndex(self.classification.findData(call.classification))
        self.priority.setValue(call.priority)
        self.units.setText(", ".join(call.units))
        self.answers = dict(call.answers)
        self.copied = (call.location, (call.lat, call.lon))

    def _class_chosen(self, *_: Any) -> None:
        code = self.classification.currentData()
        if not code:
            return
        self.priority.setValue(class_priority(self.ref, code))
        island = self.island.currentData() or self.ref.home_island
        self.units.setText(", ".join(self.ref.turnout(code, island).needs))
        self.answers = {}

    def form(self) -> CallForm:
        """What is in the form now (checked by the console)."""
        code = self.classification.currentData()
        typed = self.classification.currentText().strip()
        if code is None or not typed.startswith(str(code)):
            code = typed
        units = tuple(u for u in self.units.text().replace(";", ",").replace(" ", ",")
                      .split(",") if u)
        point = self.copied[1] if self.copied is not None \
            and self.copied[0] == self.location.text() else None
        return CallForm(caller=self.caller.text(), location=self.location.text(),
                        point=point,
                        island=str(self.island.currentData() or ""),
                        classification=str(code or ""), name=self.name.text(),
                        language=str(self.language.currentData() or "nl"),
                        says=tuple(self.says.toPlainText().splitlines()),
                        priority=self.priority.value(), units=units,
                        answers=dict(self.answers))

    def _submit(self) -> None:
        self.clear_errors()
        self.submitted.emit(self.form())


class StatusInjectForm(_Form):
    """A unit of the roster reports a status (as if over the radio)."""

    submitted = Signal(str, str, str)
    """The trainer asks to send (callsign, status, radio text) now."""

    def __init__(self, ref: Reference, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ref = ref
        self.unit = self.row("unit", N_("Unit"), QComboBox(self))
        self.status = self.row("status", N_("Status"), QComboBox(self))
        for code in ref.statuses:
            self.status.addItem(f"{ref.statuses[code].radio}  {names.status(ref, code)}", code)
        self.radio = self.row("radio", N_("Radio message"), QLineEdit(self))
        self.button = self.add_button(N_("Send status"), self._submit)

    def set_units(self, units: list[tuple[str, str]]) -> None:
        """The roster: (callsign, island) of each unit."""
        current = self.unit.currentData()
        self.unit.clear()
        for callsign, island in units:
            self.unit.addItem(f"{callsign}  ({island})", callsign)
        if current:
            self.unit.setCurrentIndex(max(0, self.unit.findData(current)))

    def _submit(self) -> None:
        self.clear_errors()
        callsign = self.unit.currentData()
        if not callsign:
            self.show_error("unit", tr("choose a unit"))
            return
        self.submitted.emit(str(callsign), str(self.status.currentData()),
                            self.radio.text().strip())


class DisturbanceInjectForm(_Form):
    """A gateway drop, a radio outage or hurricane mode, for some minutes from now."""

    submitted = Signal(str, float)
    """The trainer asks for (kind, duration in seconds) now."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.kind = self.row("kind", N_("Disturbance"), QComboBox(self))
        for kind in DISTURBANCES:
            self.kind.addItem(disturbance_name(kind), kind)
        self.minutes = self.row("duration", N_("Duration (minutes)"), QSpinBox(self))
        self.minutes.setRange(0, 24 * 60)
        self.minutes.setValue(10)
        self.button = self.add_button(N_("Start disturbance"), self._submit)

    def _submit(self) -> None:
        self.clear_errors()
        if self.minutes.value() < 1:
            self.show_error("duration", tr("a disturbance lasts at least a minute"))
            return
        self.submitted.emit(str(self.kind.currentData()), float(self.minutes.value() * 60))

