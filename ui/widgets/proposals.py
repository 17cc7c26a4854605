"""The unit proposal list: the turnout slot by slot, then alternatives; dispatch by key.

Each slot of the class's turnout is a row: the unit proposed for it, or, for a slot no
available unit fills, a red row naming the gap and the committed units that could be
diverted (their incident, its priority, travel time). ``GapBanner`` repeats the gaps in
large type above the list, so they cannot be overlooked.
"""

from __future__ import annotations

from meldkamer import names
from meldkamer.domain.reference import Reference
from meldkamer.domain.views import Proposal, ProposalSet, TurnoutSlot
from meldkamer.i18n import N_, tr
from ui.qt import (
    QAbstractItemView,
    QBrush,
    QColor,
    QFont,
    QKeyEvent,
    QLabel,
    Qt,
    QTableWidget,
    QTableWidgetItem,
    Signal,
)

COLUMNS = ("#", N_("Unit"), N_("Discipline"), N_("Capability"), N_("Travel"), N_("Why"))
NO_UNIT = N_("no unit")  # the unit column of a slot no unit fills
GAP_BACKGROUND = "#b71c1c"
GAP_TEXT = "#ffffff"


def gap_line(ref: Reference, island: str, slot: TurnoutSlot) -> str:
    """An unfilled slot: what is missing, and whom it could be diverted from."""
    gap = names.gap(ref, island, slot)
    if not slot.divert:
        return gap
    return tr("{gap} · divert: {candidates}", gap=gap, candidates="; ".join(
        names.divert_candidate(ref, d) for d in slot.divert))


def gap_lines(ref: Reference, ps: ProposalSet) -> list[str]:
    """One line per unfilled slot (``gap_line``)."""
    return [gap_line(ref, ps.island, slot) for slot in ps.gaps]


class GapBanner(QLabel):
    """The turnout's unfilled slots in large white-on-red type; hidden when it is complete."""

    def __init__(self, ref: Reference) -> None:
        super().__init__()
        self.ref = ref
        self.setObjectName("turnout_gaps")
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setStyleSheet(f"#turnout_gaps {{ background: {GAP_BACKGROUND}; color: {GAP_TEXT};"
                           " font-weight: bold; font-size: 115%; padding: 6px; }")
        self.hide()

    def show_gaps(self, ps: ProposalSet | None) -> None:
        lines = gap_lines(self.ref, ps) if ps is not None else []
        self.setText("\n".join(lines))
        self.setVisible(bool(lines))


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
        self._row_units: list[str | None] = []  # the callsign each row dispatches, if any
        self.retranslate()

    def retranslate(self) -> None:
        """Headers, tooltip and rows in the current language."""
        self.setHorizontalHeaderLabels([tr(c) for c in COLUMNS])
        self.setToolTip(tr("Enter: dispatch selected units · 1-9: dispatch by rank · "
                           "Ctrl+click or Shift+arrows: select several") + self.extra_tip)
        if self.proposals is not None:
            selected = self.selected_callsigns()
            self.show_proposals(self.proposals)
            for callsign in selected:
                if callsign in self._row_units:
                    self.selectRow(self._row_units.index(callsign))

    def show_proposals(self, proposals: ProposalSet | None) -> None:
        """The turnout's slots in order (gaps included), then the alternatives."""
        self.proposals = proposals
        rows: list[tuple[tuple[str, ...], str | None, bool]] = []
        if proposals is not None:
            in_slots = set()
            for slot in proposals.slots:
                rows.append((self._slot_texts(proposals, slot), slot.callsign
                             if slot.proposal else None, not slot.filled))
                if slot.proposal is not None:
                    in_slots.add(slot.proposal.callsign)
            for p in proposals.proposals:
                if p.callsign not in in_slots:
                    rows.append((self._texts(p), p.callsign, False))
        self.clearSelection()
        self.setRowCount(len(rows))
        self._row_units = [callsign for _, callsign, _ in rows]
        bold = QFont(self.font())
        bold.setBold(True)
        for r, (texts, _, gap) in enumerate(rows):
            for c, text in enumerate(texts):
                item = QTableWidgetItem(text)
                if c == 4 and proposals is not None and not gap:
                    item.setToolTip(names.proposal_method(proposals))
                if gap:
                    item.setBackground(QBrush(QColor(GAP_BACKGROUND)))
                    item.setForeground(QBrush(QColor(GAP_TEXT)))
                    item.setFont(bold)
                    item.setToolTip(texts[5])
                self.setItem(r, c, item)
        first = next((r for r, cs in enumerate(self._row_units) if cs is not None), None)
        if first is not None:
            self.selectRow(first)

    def _texts(self, p: Proposal) -> tuple[str, ...]:
        ref = self.ref
        return (str(p.rank), p.callsign,
                names.discipline(ref, p.discipline) if ref else p.discipline,
                names.capability(ref, p.capability) if ref else p.capability,
                names.travel(p), names.proposal_reason(ref, p) if ref else p.reason)

    def _slot_texts(self, ps: ProposalSet, slot: TurnoutSlot) -> tuple[str, ...]:
        ref = self.ref
        cap = names.capability(ref, slot.capability) if ref else slot.capability
        if slot.proposal is not None:
            return self._texts(slot.proposal)
        if slot.assigned is not None:
            return ("✓", slot.assigned, "", cap, "", tr("already on the incident"))
        why = gap_line(ref, ps.island, slot) if ref else slot.capability
        return ("!", tr(NO_UNIT), "", cap, "", why)

    def shortcut_help(self) -> list[tuple[str, str]]:
        """The keys this list handles itself, for the F1 overview."""
        return [("1-9, Enter", tr("Dispatch from the proposal list"))]

    def callsigns(self) -> list[str]:
        """The proposed units by rank (the number keys dispatch them)."""
        return [p.callsign for p in self.proposals.proposals] if self.proposals else []

    def selected_callsigns(self) -> list[str]:
        rows = sorted({i.row() for i in self.selectedIndexes()})
        return [cs for r in rows if r < len(self._row_units)
                and (cs := self._row_units[r]) is not None]

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
            ranked = self.callsigns()
            index = int(text) - 1
            if index < len(ranked):
                self.dispatch_requested.emit([ranked[index]])
            return
        super().keyPressEvent(event)
