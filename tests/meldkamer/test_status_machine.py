"""The unit status machine against the real store, driven by hypothesis.

Random sequences of dispatches, status changes and closes; after every step the store
must agree with the rules: a committed unit has exactly one open assignment on an open
incident, an available unit has none, a closed incident has no units, and the audit
chain is intact.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule
from sqlalchemy import select

from meldkamer.core import Meldkamer
from meldkamer.demo import load_demo
from meldkamer.domain.reference import load_reference
from meldkamer.domain.status_machine import AlreadyInStatus, check_transition
from meldkamer.errors import MeldkamerError, Refused
from meldkamer.store.db import Store
from meldkamer.store.models import Assignment, Incident, Unit

REF = load_reference(None)
STATUSES = sorted(REF.statuses)
CALLSIGNS = ["P-101", "P-102", "P-103", "A-101", "P-301"]
_TEMPLATE: Path | None = None


def _template() -> Path:
    """One migrated database with the demo roster, copied for every run."""
    global _TEMPLATE
    if _TEMPLATE is None:
        path = Path(tempfile.mkdtemp(prefix="mk-hyp-")) / "template.sqlite3"
        core = Meldkamer(Store(str(path)), REF, user="hypothesis")
        load_demo(core, incidents=False)
        core.close()
        _TEMPLATE = path
    return _TEMPLATE


def test_transition_table_matches_reference() -> None:
    for cur in REF.statuses.values():
        for target in REF.statuses.values():
            allowed = target.code in cur.next and not target.dispatch_only
            try:
                check_transition(REF, cur.code, target.code)
                assert allowed, f"{cur.code} -> {target.code} should be refused"
            except Refused as exc:
                assert not allowed, f"{cur.code} -> {target.code} refused: {exc}"
                assert cur.name("en") in str(exc) or "dispatch" in str(exc)  # names, not codes
                same = cur.code == target.code and not target.dispatch_only
                assert isinstance(exc, AlreadyInStatus) == same


class DispatchMachine(RuleBasedStateMachine):
    @initialize()
    def open_store(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="mk-run-"))
        db = self.dir / "run.sqlite3"
        shutil.copyfile(_template(), db)
        self.core = Meldkamer(Store(str(db)), REF, user="hypothesis")
        self.numbers: list[str] = []

    def teardown(self) -> None:
        if hasattr(self, "core"):
            self.core.close()
            shutil.rmtree(self.dir, ignore_errors=True)

    @rule(island=st.sampled_from([(12.15, -68.27), (17.6265, -63.2497)]))
    def new_incident(self, island: tuple[float, float]) -> None:
        inc = self.core.incidents.create(caller_number="+599 555 0000", lat=island[0],
                                         lon=island[1], classification="BZ.INB.WON")
        self.numbers.append(inc.number)

    @rule(data=st.data(), callsign=st.sampled_from(CALLSIGNS), override=st.booleans())
    def dispatch(self, data: st.DataObject, callsign: str, override: bool) -> None:
        if not self.numbers:
            return
        number = data.draw(st.sampled_from(self.numbers))
        before = self.core.units.get(callsign)
        try:
            self.core.dispatch.dispatch(number, [callsign],
                                        override_reason="test" if override else "")
        except MeldkamerError:
            after = self.core.units.get(callsign)
            assert (after.status, after.incident) == (before.status, before.incident)
            return
        after = self.core.units.get(callsign)
        assert after.status == "dispatched" and after.incident == number

    @rule(callsign=st.sampled_from(CALLSIGNS), status=st.sampled_from(STATUSES))
    def change_status(self, callsign: str, status: str) -> None:
        before = self.core.units.get(callsign)
        allowed = status in REF.statuses[before.status].next and not REF.statuses[
            status].dispatch_only
        try:
            after = self.core.units.set_status(callsign, status)
        except Refused:
            assert not allowed
            assert self.core.units.get(callsign).status == before.status
            return
        assert allowed and after.status == status

    @rule(data=st.data())
    def close(self, data: st.DataObject) -> None:
        if not self.numbers:
            return
        number = data.draw(st.sampled_from(self.numbers))
        inc = self.core.incidents.get(number)
        busy = [a for a in inc.assignments if a.active]
        try:
            self.core.incidents.close(number, "HANDLED")
        except Refused:
            assert busy or inc.state == "closed"
            return
        assert not busy

    @invariant()
    def store_agrees_with_rules(self) -> None:
        if not hasattr(self, "core"):
            return
        with self.core.store.read() as s:
            open_by_unit: dict[int, list[Assignment]] = {}
            for a in s.execute(select(Assignment).where(Assignment.cleared_at.is_(None))
                               ).scalars():
                open_by_unit.setdefault(a.unit_id, []).append(a)
            for unit in s.execute(select(Unit)).scalars():
                mine = open_by_unit.get(unit.id, [])
                if REF.statuses[unit.status].committed:
                    assert len(mine) == 1 and mine[0].incident_id == unit.incident_id
                    inc = s.get(Incident, unit.incident_id)
                    assert inc is not None and inc.state == "open"
                    assert inc.island == unit.island
                else:
                    assert mine == [] and unit.incident_id is None
        assert self.core.verify_audit().ok


DispatchMachine.TestCase.settings = settings(
    max_examples=25, stateful_step_count=20, deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestDispatchMachine = DispatchMachine.TestCase
