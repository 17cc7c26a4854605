"""Training: scenario files, the engine that plays them, the autopilot and scoring (Qt-free).

``play(core, scenario)`` runs a scenario headless with the autopilot; the trainer console
(ui/) drives an ``Engine`` of its own.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from meldkamer.training.scenario import Scenario, ScenarioError, load, parse, shipped

if TYPE_CHECKING:
    from meldkamer.core import Meldkamer
    from meldkamer.training.engine import Engine
    from meldkamer.training.scoring import RunScore

__all__ = ["Scenario", "ScenarioError", "load", "parse", "play", "shipped"]


def play(core: Meldkamer, scenario: Scenario, *, autopilot: bool = True,
         radio: bool = False) -> tuple[Engine, RunScore]:
    """Run ``scenario`` headless on a training core to its end; the engine and the score.

    ``radio``: the units' status changes go over the radio path (the simulator on a pty
    pair and a gateway, see ``meldkamer.training.radio``)."""
    from meldkamer.training.autopilot import Autopilot
    from meldkamer.training.engine import Engine
    from meldkamer.training.scoring import score_run

    path = None
    if radio:
        from meldkamer.training.radio import RadioPath

        path = RadioPath(core)
    try:
        engine = Engine(core, scenario, speed=None, radio=path)
        try:
            if autopilot:
                Autopilot(engine)
            engine.run()
        finally:
            engine.close()
    finally:
        if path is not None:
            path.close()
    return engine, score_run(engine.records)
