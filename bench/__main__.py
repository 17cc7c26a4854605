"""Run every benchmark and print one table (``make bench``)."""

from __future__ import annotations

import argparse
import platform
import sys

from bench import core_ops, workstation_bench
from bench.stats import table
from meldkamer.domain.reference import load_reference


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.parse_args()
    ref = load_reference(None)
    rows = core_ops.run(ref)
    rows += workstation_bench.run(ref)
    print(f"\nmeldkamer benchmarks on {platform.node()} ({platform.processor() or 'cpu'}, "
          f"Python {platform.python_version()})\n")
    print(table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
