"""The structured question script of a classification, walked by keyboard."""

from __future__ import annotations

from meldkamer.domain.reference import Question
from meldkamer.i18n import language, tr
from ui.qt import QComboBox, QFormLayout, QLabel, QLineEdit, QWidget, Signal


class QuestionPanel(QWidget):
    """One row per question; Tab moves on, typing picks an answer."""

    changed = Signal()
    """An answer changed."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.form = QFormLayout(self)
        self.form.setContentsMargins(0, 0, 0, 0)
        self._fields: list[tuple[Question, QComboBox | QLineEdit]] = []
        self.empty = QLabel(tr("No questions for this class"))
        self.form.addRow(self.empty)

    def set_questions(self, questions: tuple[Question, ...]) -> None:
        while self.form.rowCount():
            self.form.removeRow(0)
        self._fields = []
        lang = language()
        for q in questions:
            field: QComboBox | QLineEdit
            if q.answers:
                field = QComboBox()
                field.addItem("")
                field.addItems([tr(a) for a in q.answers])
                field.currentIndexChanged.connect(self.changed)
            else:
                field = QLineEdit()
                field.textChanged.connect(self.changed)
            field.setObjectName(f"question_{q.id}")
            self.form.addRow(q.texts.get(lang) or q.texts["nl"], field)
            self._fields.append((q, field))
        if not questions:
            self.empty = QLabel(tr("No questions for this class"))
            self.form.addRow(self.empty)

    def fields(self) -> list[QWidget]:
        return [f for _, f in self._fields]

    def answers(self) -> dict[str, str]:
        """Answers given so far, by question id."""
        out = {}
        for q, field in self._fields:
            value = field.currentText() if isinstance(field, QComboBox) else field.text()
            if value.strip():
                out[q.id] = value.strip()
        return out

    def set_answers(self, answers: dict[str, str]) -> None:
        for q, field in self._fields:
            value = answers.get(q.id, "")
            if isinstance(field, QComboBox):
                field.setCurrentIndex(max(0, field.findText(value)))
            else:
                field.setText(value)

    def summary(self) -> str:
        """The answers as one log line, with the questions in Dutch (the log's language)."""
        given = self.answers()
        parts = [f"{q.texts['nl']} {given[q.id]}" for q, _ in self._fields if q.id in given]
        return "; ".join(parts)
