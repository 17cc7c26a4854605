"""The proposal list: every turnout slot, an unfilled one in red with whom to divert."""

from __future__ import annotations

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from meldkamer import i18n
from meldkamer.domain.reference import Reference
from meldkamer.domain.views import DivertCandidate, Proposal, ProposalSet, TurnoutSlot
from ui.widgets.proposals import GAP_BACKGROUND, GapBanner, ProposalTable


def proposal(callsign: str, cap: str, rank: int, basis: str = "needed") -> Proposal:
    return Proposal(callsign, "ambulance", cap, 1200.0, "available_station", "", rank,
                    travel_s=120.0, basis=basis)


def sinking() -> ProposalSet:
    ambulance = proposal("A-101", "ambulance", 1)
    k101 = DivertCandidate("K-101", "coastguard", "en_route", "BON-2026-000007", 2, 5400.0,
                           travel_s=600.0)
    slots = (TurnoutSlot("boat", divert=(k101,), gap="busy"),
             TurnoutSlot("ambulance", proposal=ambulance))
    return ProposalSet("", "BO", "WZ.VAA.NOO", (ambulance, proposal("A-102", "ambulance", 2,
                                                                       "alternative")),
                       ("boat",), slots=slots)


def test_an_unfilled_slot_is_a_red_row_and_a_banner(qtbot: QtBot, ref: Reference) -> None:
    table, banner = ProposalTable(ref), GapBanner(ref)
    qtbot.addWidget(table)
    qtbot.addWidget(banner)
    ps = sinking()
    table.show_proposals(ps)
    banner.show_gaps(ps)
    banner.show()
    assert table.rowCount() == 3  # boat (unfilled), ambulance, the alternative
    gap = table.item(0, 5)
    assert gap.text() == ("Boat: no unit available; K-101 busy on BON-2026-000007 · divert: "
                          "K-101 on BON-2026-000007 (priority 2) · ~10 min (estimate) · 5.4 km")
    assert gap.background().color().name() == GAP_BACKGROUND
    assert gap.font().bold() and table.item(0, 1).text() == "no unit"
    assert table.selected_callsigns() == ["A-101"]  # the first row a key can dispatch
    assert "K-101 on BON-2026-000007 (priority 2)" in banner.text() and banner.isVisible()
    sent: list[list[str]] = []
    table.dispatch_requested.connect(sent.append)
    table.selectRow(0)
    qtbot.keyClick(table, Qt.Key.Key_Return)  # the gap row dispatches nothing
    qtbot.keyClick(table, Qt.Key.Key_2)  # rank 2: the alternative
    table.selectRow(1)
    qtbot.keyClick(table, Qt.Key.Key_Return)
    assert sent == [["A-102"], ["A-101"]]
    i18n.set_language("nl")
    table.retranslate()
    banner.show_gaps(ps)
    assert table.item(0, 5).text().startswith("Vaartuig: geen eenheid beschikbaar; K-101 bezet")
    assert table.item(0, 1).text() == "geen eenheid"  # not the bare, ambiguous "none"
    assert "K-101 op BON-2026-000007 (prio 2)" in banner.text()
    banner.show_gaps(ProposalSet("", "BO", None, (), ()))
    assert not banner.isVisible()
