"""The caller on the line (training): what they say, and their answers when asked.

Opens when the trainee answers a ringing scenario call (F2) and closes when the intake is
done. It shows the caller's language and what they say at once; their name, where they
are and their answer to each structured question of the class the trainee picked stay
hidden until the trainee asks ("Vraag", Ctrl+1 to Ctrl+9 by row), as a caller answers
when asked. A question of another class than the scenario's gets "does not know".

``said`` carries each thing the caller says (and its language), for speech.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from meldkamer.domain.reference import Reference
from meldkamer.i18n import LANGUAGES, N_, language, tr
from meldkamer.intake import IntakeSession, Part
from meldkamer.training.channel import RingingCall
from ui.i18n import Texts
from ui.qt import (
    QDockWidget,
    QGridLayout,
    QKeySequence,
    QLabel,
    QPushButton,
    QShortcut,
    Qt,
    QVBoxLayout,
    QWidget,
    Signal,
)
from ui.widgets.phone import shown_number

KEYS = 9
"""Ctrl+1 to Ctrl+9 ask the question of that row."""
HIDDEN = "…"


@dataclass(frozen=True)
class Ask:
    """One thing the trainee can ask the caller."""

    key: str
    """``name``, ``location`` or a question id of the class."""
    question: str
    answer: str
    """As the trainee reads it (in the workstation's language)."""
    spoken: str
    """As the caller says it (in the caller's language)."""


class CallerDock(QDockWidget):
    """The caller of the call being taken, in a training run."""

    asked = Signal(str)
    """The trainee asked the caller (the row's key: name, location or a question id)."""
    said = Signal(str, str)
    """The caller says something: the text and its language (nl, en, pap)."""

    def __init__(self, ref: Reference, session: IntakeSession,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ref, self.session = ref, session
        self.texts = Texts()
        self.texts.bind(self.setWindowTitle, N_("Caller"))
        self.setObjectName("dock_caller")
        self.call: RingingCall | None = None
        self.asked_keys: set[str] = set()
        self.rows: list[Ask] = []
        body = QWidget(self)
        outer = QVBoxLayout(body)
        self.header = QLabel(objectName="caller_header")
        self.header.setWordWrap(True)
        self.says = QLabel(objectName="caller_says")
        self.says.setWordWrap(True)
        self.says.setTextFormat(Qt.TextFormat.RichText)
        self.says.setStyleSheet("#caller_says { font-size: 12pt; padding: 4px; "
                                "border-left: 3px solid #ffb300; }")
        outer.addWidget(self.header)
        outer.addWidget(self.says)
        self.grid_box = QWidget(body)
        self.grid = QGridLayout(self.grid_box)
        self.grid.setContentsMargins(0, 4, 0, 0)
        self.grid.setColumnStretch(0, 3)
        self.grid.setColumnStretch(1, 2)
        outer.addWidget(self.grid_box)
        self.hint = QLabel(objectName="caller_keys")
        self.hint.setWordWrap(True)
        self.hint.setStyleSheet("color: #8a9099;")
        self.texts.bind(self.hint.setText,
                        N_("Ctrl+1 … Ctrl+9 asks the caller the question of that row"))
        outer.addWidget(self.hint)
        outer.addStretch(1)
        self.setWidget(body)
        self.buttons: list[QPushButton] = []
        self.answers: list[QLabel] = []
        self.shortcuts = []
        for n in range(KEYS):
            sc = QShortcut(QKeySequence(f"Ctrl+{n + 1}"), body)
            sc.setContext(Qt.ShortcutContext.WindowShortcut)  # from the intake form too
            sc.activated.connect(lambda n=n: self.ask_row(n))
            self.shortcuts.append(sc)
        session.subscribe(self._session_changed)

    def shortcut_help(self) -> list[tuple[str, str]]:
        """For F1: the keys this panel handles."""
        return [("Ctrl+1 … Ctrl+9", tr("Ask the caller the question of that row"))]

    # -- the call ----------------------------------------------------------------------

    def show_call(self, call: RingingCall) -> None:
        """The trainee answered ``call``: show the caller and what they say."""
        self.call, self.asked_keys = call, set()
        self._show_header()
        self._build_rows()
        self.show()
        self.raise_()
        if call.says:
            self.said.emit(" ".join(call.says), call.language)

    def end(self) -> None:
        """The call is over (an incident made, attached, or discarded): close."""
        self.call, self.asked_keys, self.rows = None, set(), []
        self._build_rows()
        self.hide()

    def retranslate(self) -> None:
        self.texts.apply()
        if self.call is not None:
            self._show_header()
            self._build_rows()

    def _show_header(self) -> None:
        call = self.call
        if call is None:
            return
        lang = LANGUAGES.get(call.language, call.language)
        self.header.setText(tr("{number} · speaks {language}", number=shown_number(call.caller),
                               language=lang))
        lines = "<br>".join(f"“{escape(line)}”" for line in call.says)
        self.says.setText(lines or tr("(the caller waits for your question)"))

    def _session_changed(self, parts: frozenset[Part]) -> None:
        if self.call is not None and parts & {Part.CLASSIFICATION, Part.FORM} \
                and [r.key for r in self.rows] != [r.key for r in self._asks()]:
            self._build_rows()

    def _asks(self) -> list[Ask]:
        call = self.call
        if call is None:
            return []
        lang = language()
        said = call.language
        no_name, nowhere, unknown = (N_("(gives no name)"), N_("(cannot say where)"),
                                     N_("(does not know)"))
        asks = [Ask("name", tr("Your name?"), call.name or tr(no_name),
                    call.name or tr(no_name, lang=said)),
                Ask("location", tr("Where are you?"), call.location or tr(nowhere),
                    call.location or tr(nowhere, lang=said))]
        for q in self.session.questions:
            given = call.answers.get(q.id)
            if not given:
                answer, spoken = tr(unknown), tr(unknown, lang=said)
            elif q.answers:
                answer, spoken = self.ref.answer_name(given), self.ref.answer_name(given, said)
            else:
                answer = spoken = given
            asks.append(Ask(q.id, q.texts.get(lang) or q.texts["nl"], answer, spoken))
        return asks

    def _build_rows(self) -> None:
        while self.grid.count():
            item = self.grid.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.hide()  # gone now, not when the event loop deletes it
                widget.deleteLater()
        self.rows = self._asks()
        self.buttons, self.answers = [], []
        for n, ask in enumerate(self.rows):
            question = QLabel(ask.question)
            question.setWordWrap(True)
            answer = QLabel(objectName=f"answer_{ask.key}")
            answer.setWordWrap(True)
            button = QPushButton(tr("Ask"), objectName=f"ask_{ask.key}")
            button.setFocusPolicy(Qt.FocusPolicy.TabFocus)
            if n < KEYS:
                button.setToolTip(f"{tr('Ask')} (Ctrl+{n + 1})")
                button.setText(f"{tr('Ask')}  Ctrl+{n + 1}")
            button.clicked.connect(lambda _=False, n=n: self.ask_row(n))
            self.grid.addWidget(question, n, 0)
            self.grid.addWidget(answer, n, 1)
            self.grid.addWidget(button, n, 2)
            self.buttons.append(button)
            self.answers.append(answer)
            self._show_answer(n)

    def _show_answer(self, n: int) -> None:
        ask, label = self.rows[n], self.answers[n]
        known = ask.key in self.asked_keys
        label.setText(ask.answer if known else HIDDEN)
        label.setStyleSheet("font-weight: bold; color: palette(link);" if known else
                            "color: #8a9099;")
        self.buttons[n].setEnabled(not known)

    def ask_row(self, n: int) -> None:
        """Ask the caller the question of row ``n`` (0-based): the answer shows."""
        if self.call is None or not 0 <= n < len(self.rows):
            return
        ask = self.rows[n]
        if ask.key in self.asked_keys:
            return
        self.asked_keys.add(ask.key)
        self._show_answer(n)
        self.asked.emit(ask.key)
        self.said.emit(ask.spoken, self.call.language)

    def ask(self, key: str) -> str | None:
        """Ask by key (name, location or a question id); the answer, or None if there is
        no such row."""
        n = next((i for i, r in enumerate(self.rows) if r.key == key), None)
        if n is None:
            return None
        self.ask_row(n)
        return self.rows[n].answer

    def answer_shown(self, key: str) -> str:
        """What the panel shows as the answer of ``key`` now (tests, the trainer)."""
        n = next(i for i, r in enumerate(self.rows) if r.key == key)
        return str(self.answers[n].text())
