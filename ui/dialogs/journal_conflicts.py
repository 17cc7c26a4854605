"""The commands that conflicted at replay: the operator retries or dismisses each.

Nothing found at replay is dropped: a dispatch whose unit was taken meanwhile is retried
with another unit, a close of an incident someone else closed is dismissed with a reason
(logged on the incident). The work runs off the GUI thread (``Operations``).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from meldkamer.i18n import tr
from meldkamer.journal.store import Entry
from ui.qt import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    Qt,
    QVBoxLayout,
    QWidget,
    Signal,
)

if TYPE_CHECKING:
    from meldkamer.journal.outage import Outage
    from ui.ops import Operations


def describe(entry: Entry) -> str:
    """One conflict as the operator reads it: the command, its incident, what happened."""
    data = json.loads(entry.command)["fields"]
    problem = entry.problem or {}
    why = tr(problem["template"], **problem.get("fields", {})) if problem.get("template") \
        else ""
    return tr("{name} on {number}: {why}", name=entry.name,
              number=data.get("number") or entry.provisional or "", why=why)


class ConflictsDialog(QDialog):
    """The list of conflicts, worked through one by one."""

    settled = Signal()
    """A conflict was retried or dismissed."""

    def __init__(self, outage: Outage, ops: Operations, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.outage, self.ops = outage, ops
        self.setObjectName("journal_conflicts")
        self.setWindowTitle(tr("Conflicts found at replay"))
        col = QVBoxLayout(self)
        self.list = QListWidget()
        self.list.setObjectName("conflict_list")
        col.addWidget(self.list)
        self.callsigns = QLineEdit()
        self.callsigns.setObjectName("conflict_callsigns")
        self.callsigns.setPlaceholderText(tr("Other units (callsigns)"))
        self.reason = QLineEdit()
        self.reason.setObjectName("conflict_reason")
        self.reason.setPlaceholderText(tr("Reason for dismissing"))
        self.retry_button = QPushButton(tr("Retry"))
        self.retry_button.setObjectName("conflict_retry")
        self.dismiss_button = QPushButton(tr("Dismiss"))
        self.dismiss_button.setObjectName("conflict_dismiss")
        row = QHBoxLayout()
        row.addWidget(self.callsigns)
        row.addWidget(self.retry_button)
        row.addWidget(self.reason)
        row.addWidget(self.dismiss_button)
        col.addLayout(row)
        self.message = QLabel()
        self.message.setObjectName("conflict_message")
        col.addWidget(self.message)
        self.retry_button.clicked.connect(self.retry)
        self.dismiss_button.clicked.connect(self.dismiss)
        self.reload()

    def reload(self) -> None:
        """Read the conflicts again (off the GUI thread)."""
        self.ops.run(self.outage.conflicts, self._show, self._failed)

    def _show(self, entries: list[Entry]) -> None:
        self.list.clear()
        for entry in entries:
            item = QListWidgetItem(describe(entry))
            item.setData(Qt.ItemDataRole.UserRole, entry.command_id)
            self.list.addItem(item)
        if entries:
            self.list.setCurrentRow(0)

    def _chosen(self) -> str | None:
        item = self.list.currentItem()
        return str(item.data(Qt.ItemDataRole.UserRole)) if item is not None else None

    def retry(self) -> None:
        """Run the chosen command again, with the units typed in where it dispatches."""
        command_id = self._chosen()
        if command_id is None:
            return
        units = self.callsigns.text().replace(",", " ").split()
        changes = {"callsigns": units} if units else {}
        self.ops.run(lambda: self.outage.retry(command_id, **changes), self._done,
                     self._failed)

    def dismiss(self) -> None:
        """Give the chosen command up, with the reason typed in (logged on the incident)."""
        command_id = self._chosen()
        if command_id is None:
            return
        reason = self.reason.text()
        self.ops.run(lambda: self.outage.dismiss(command_id, reason), self._done,
                     self._failed)

    def _done(self, _result: object) -> None:
        self.message.setText("")
        self.callsigns.clear()
        self.reason.clear()
        self.settled.emit()
        self.reload()

    def _failed(self, error: Exception) -> None:
        self.message.setText(str(error))
