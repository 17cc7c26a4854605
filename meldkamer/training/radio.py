"""A scenario's unit statuses over the radio path: the simulator on a real pty pair.

``RadioPath`` starts the radio simulator (``hardware.simulator``) on a new pty pair and a
``RadioLink`` with one PEI gateway on its other end, marked ``simulator`` so what it
hears is written as the simulator's. A scenario's status change is then sent as the
unit's radio status message and reaches the store the way a real radio's does: decoded
by the gateway, checked by the state machine, applied by the radio worker. The engine
waits for each to be handled before it goes on, so a run stays in order.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from meldkamer.errors import LinkProblem
from meldkamer.radio import GatewayConfig, RadioLink

if TYPE_CHECKING:
    from hardware.simulator import RadioSimulator
    from meldkamer.core import Meldkamer

HANDLED = ("applied", "refused", "repeated", "unknown_unit")


class RadioPath:
    """The simulator and the gateway for one scenario run."""

    def __init__(self, core: Meldkamer, *, timeout: float = 10.0) -> None:
        from hardware.tools import run_simulator

        self.core, self.timeout = core, timeout
        units = [u for u in core.units.list_units() if u.issi is not None]
        self.issi = {u.callsign: int(u.issi) for u in units if u.issi is not None}
        try:
            self.sim: RadioSimulator = run_simulator(
                None, [(int(u.issi), u.lat or 0.0, u.lon or 0.0) for u in units
                       if u.issi is not None], interval=None)
        except (OSError, ValueError) as exc:
            raise LinkProblem("cannot start the simulator: {error}", error=exc) from exc
        assert self.sim.pty_path is not None
        self.link = RadioLink(core, [GatewayConfig("scenario", self.sim.pty_path, "pei",
                                                   simulator=True)]).start()
        gateway = self.link.gateways["scenario"]
        if not self._until(lambda: bool(getattr(gateway, "ready", False))):
            self.close()
            raise LinkProblem("the scenario's radio gateway did not come up on {port}",
                              port=self.sim.pty_path)

    def _until(self, check: object) -> bool:
        deadline = time.monotonic() + self.timeout
        while not check():  # type: ignore[operator]
            if time.monotonic() > deadline:
                return False
            time.sleep(0.002)
        return True

    def handles(self, callsign: str) -> bool:
        return callsign in self.issi

    def send_status(self, callsign: str, status: str) -> bool:
        """The unit sends ``status`` by radio; True once the link has handled it (applied
        or refused), False when it did not within the timeout."""
        ref = self.core.ref
        value = ref.radio.value_of(ref.statuses[status].radio)
        before = sum(self.link.counts[k] for k in HANDLED)
        self.sim.inject_status(self.issi[callsign], value)

        def handled() -> bool:
            return sum(self.link.counts[k] for k in HANDLED) > before

        return self._until(handled) and self.link.wait_idle(self.timeout)

    def close(self) -> None:
        self.link.stop()
        self.sim.stop()
