"""The structured question script of a classification, walked by keyboard."""

from __future__ import annotations

from collections.abc import Mapping

from meldkamer.domain.reference import Question, Reference
from meldkamer.i18n import language, tr
from ui.qt import QComboBox, QFormLayout, QLabel, QLineEdit, QWidget, Signal


class QuestionPanel(QWidget):
    """One row per question; Tab moves on, typing picks an answer."""

    answered = Signal(str, str)
    """The operator changed an answer: question id, the answer in its data form."""

    def __init__(self, parent: QWidget | None = None, ref: Reference | None = None) -> None:
        super().__init__(parent)
        self.ref = ref  # the answers' names (reference data); without it, the codes
        self.form = QFormLayout(self)
        self.form.setContentsMargins(0, 0, 0, 0)
        # Each question on a line of its own (wrapped if need be), its answer below it:
        # the intake column stays narrow and every question reads whole. (Qt sizes a
        # wrapped label by its height only on a row of its own.)
        self.form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapAllRows)
        self._fields: list[tuple[Question, QComboBox | QLineEdit]] = []
        self.questions: tuple[Question, ...] = ()
        self._quiet = False
        self.empty = QLabel(tr("No questions for this class"))
        self.form.addRow(self.empty)

    def _emit(self, question: str, answer: str | None) -> None:
        if not self._quiet:
            self.answered.emit(question, answer or "")

    def set_questions(self, questions: tuple[Question, ...]) -> None:
        self._quiet = True
        try:
            self._build(questions)
        finally:
            self._quiet = False

    def _build(self, questions: tuple[Question, ...]) -> None:
        while self.form.rowCount():
            self.form.removeRow(0)
        self._fields = []
        self.questions = questions
        lang = language()
        for q in questions:
            field: QComboBox | QLineEdit
            if q.answers:
                field = QComboBox()
                field.addItem("", "")
                for a in q.answers:  # shown by name, kept by code
                    field.addItem(self.ref.answer_name(a) if self.ref else a, a)
                field.currentIndexChanged.connect(
                    lambda _=0, q=q, f=field: self._emit(q.id, f.currentData()))
            else:
                field = QLineEdit()
                field.textChanged.connect(lambda text, q=q: self._emit(q.id, text))
            field.setObjectName(f"question_{q.id}")
            label = QLabel(q.texts.get(lang) or q.texts["nl"])
            label.setWordWrap(True)  # a long question never widens the intake column
            self.form.addRow(label, field)
            self._fields.append((q, field))
        if not questions:
            self.empty = QLabel(tr("No questions for this class"))
            self.form.addRow(self.empty)

    def retranslate(self) -> None:
        """Questions and answers in the current language; the answers given stay."""
        given = self.answers()
        self.set_questions(self.questions)
        self.set_answers(given)

    def fields(self) -> list[QWidget]:
        return [f for _, f in self._fields]

    def answers(self) -> dict[str, str]:
        """Answers shown, by question id, in their data form."""
        out = {}
        for q, field in self._fields:
            value = field.currentData() if isinstance(field, QComboBox) else field.text()
            if value and value.strip():
                out[q.id] = value.strip()
        return out

    def set_answers(self, answers: Mapping[str, str]) -> None:
        """Show these answers (a field whose text already matches is left alone)."""
        self._quiet = True
        try:
            self._show(answers)
        finally:
            self._quiet = False

    def _show(self, answers: Mapping[str, str]) -> None:
        for q, field in self._fields:
            value = answers.get(q.id, "")
            if isinstance(field, QComboBox):
                field.setCurrentIndex(max(0, field.findData(value)))
            elif field.text().strip() != value:
                field.setText(value)
