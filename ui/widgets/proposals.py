"""The unit proposal list: rank, unit, distance and why; dispatch by key."""

from __future__ import annotations

from meldkamer import names
from meldkamer.domain.reference import Reference
from meldkamer.domain.views import ProposalSet
from meldkamer.i18n import N_, tr
from ui.qt import QAbstractItemView, QKeyEvent, Qt, QTableWidget, QTableWidgetItem, Signal

COLUMNS = ("#", N_("Unit"), N_("Discipline"), N_("Capability"), N_("Travel"), N_("Why"))


class ProposalTable(QTableWidget):
    """Enter dispatches the selected units, 1-9 the unit with that rank."""

    dispatch_requested = Signal(list)
    """The operator asked to dispatch these callsigns."""

    def __init__(self, ref: Reference | None = None) -> None:
        super().__init__(0, len(COLUMNS))
        self.ref = ref
        self.extra_tip = ""
        self.setObjectName("proposals")
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.verticalHeader().setVisible(False)
        self.horizontalHeader().setStretchLastSection(True)
        for col, width in enumerate((28, 70, 80, 100, 170)):
            self.setColumnWidth(col, width)
        self.proposals: ProposalSet | None = None
        self.retranslate()

    def retranslate(self) -> None:
        """Headers, tooltip and rows in the current language."""
        self.setHorizontalHeaderLabels([tr(c) for c in COLUMNS])
        self.setToolTip(tr("Enter: dispatch selected units · 1-9: dispatch by rank · "
                           "Ctrl+click or Shift+arrows: select several") + self.extra_tip)
        if self.proposals is not None:
            selected = self.selected_callsigns()
            self.show_proposals(self.proposals)
            names_ = self.callsigns()
            for callsign in selected:
                if callsign in names_:
                    self.selectRow(names_.index(callsign))

    def show_proposals(self, proposals: ProposalSet | None) -> None:
        self.proposals = proposals
        rows = proposals.proposals if proposals else ()
        self.setRowCount(len(rows))
        for r, p in enumerate(rows):
            ref = self.ref
            texts = (str(p.rank), p.callsign,
                     names.discipline(ref, p.discipline) if ref else p.discipline,
                     names.capability(ref, p.capability) if ref else p.capability,
                     names.travel(p), names.proposal_reason(ref, p) if ref else p.reason)
            for c, text in enumerate(texts):
                item = QTableWidgetItem(text)
                if c == 4 and proposals is not None:
                    item.setToolTip(names.proposal_method(proposals))
                self.setItem(r, c, item)
        if rows:
            self.selectRow(0)

    def callsigns(self) -> list[str]:
        return [p.callsign for p in self.proposals.proposals] if self.proposals else []

    def selected_callsigns(self) -> list[str]:
        rows = sorted({i.row() for i in self.selectedIndexes()})
        names = self.callsigns()
        return [names[r] for r in rows if r < len(names)]

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            chosen = self.selected_callsigns()
            if chosen:
                self.dispatch_requested.emit(chosen)
            return
        text = event.text()
        if text.isdigit() and text != "0" and not event.modifiers() & (
                Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier):
            names = self.callsigns()
            index = int(text) - 1
            if index < len(names):
                self.dispatch_requested.emit([names[index]])
            return
        super().keyPressEvent(event)
