"""Run every benchmark and print one table (``make bench``)."""

from __future__ import annotations

import argparse
import os
import platform
import sys

from bench.stats import table


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--only", nargs="*", default=None,
                        choices=["core", "dispatch", "workstation", "maps", "lookup",
                                 "hardware", "radio", "cli", "training", "reports",
                                 "livesync", "installer", "roster",
                                 "faults", "audit", "journal"],
                        help="run only these groups")
    args = parser.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    import ui.map.webengine  # noqa: F401  (QtWebEngine must load before any QApplication)
    from bench import (
        audit_bench,
        cli_bench,
        core_ops,
        faults_bench,
        hardware_bench,
        installer_bench,
        journal_bench,
        livesync_bench,
        lookup_bench,
        maps_bench,
        radio_bench,
        reports_bench,
        roster_bench,
        shift_bench,
        training_bench,
        turnout_bench,
        workstation_bench,
    )
    from meldkamer.domain.reference import load_reference

    ref = load_reference(None)
    groups = {
        "core": lambda: core_ops.run(ref),
        "audit": audit_bench.run,
        "dispatch": lambda: turnout_bench.run(ref),
        "workstation": lambda: workstation_bench.run(ref),
        "maps": maps_bench.run,
        "lookup": lambda: lookup_bench.run(ref),
        "hardware": hardware_bench.run,
        "radio": lambda: radio_bench.run(ref),
        "cli": lambda: cli_bench.run(ref),
        "training": lambda: training_bench.run(ref),
        "reports": lambda: [*reports_bench.run(), *shift_bench.run(ref)],
        "livesync": lambda: livesync_bench.run(ref),
        "installer": installer_bench.run,
        "roster": lambda: roster_bench.run(ref),
        "faults": lambda: faults_bench.run(ref),
        "journal": lambda: journal_bench.run(ref),
    }
    rows = []
    for name, run in groups.items():
        if args.only is None or name in args.only:
            print(f"running {name} benchmarks...", file=sys.stderr, flush=True)
            rows += run()
    print(f"\nmeldkamer benchmarks on {platform.node()} ({os.cpu_count()} cores, "
          f"Python {platform.python_version()})\n")
    print(table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
