"""CLI start-up: a command that touches the database, as a new process on the 100k database.

Scripts and technicians start ``meldkamer`` once per call, so what counts is the whole
process: interpreter, imports, opening the store (schema check), reference data, the
query and the output. Runs alternate between the two commands so a busy machine slows
both alike. ``python -c "import sqlalchemy.orm"`` is measured the same way as the floor
no meldkamer command can go below.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench import history
from bench.stats import Row, median, p95
from meldkamer.domain.reference import Reference

RESULTS = Path(__file__).parent / "results"
RUNS = 20
BUDGET_MS = 300.0
COMMANDS = {
    "incident list --active --json": ["incident", "list", "--active", "--json"],
    "incident create ... --json": ["incident", "create", "--caller", "+599 717 1234",
                                   "--name", "Bench", "--lat", "12.1505", "--lon", "-68.2760",
                                   "--address", "Kaya Grandi 12",
                                   "--classification", "BZ.INB.WON", "--json"],
}


def _env(home: Path, db: Path) -> dict[str, str]:
    env = dict(os.environ)
    # An installed workstation has its bytecode cached; measure that, not recompiling.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    root = str(Path(__file__).resolve().parents[1])
    env["PYTHONPATH"] = os.pathsep.join([root, *filter(None, [env.get("PYTHONPATH")])])
    env.update(MELDKAMER_DB=str(db), MELDKAMER_DATA_DIR=str(home / "data"),
               MELDKAMER_CONFIG_DIR=str(home / "config"),
               MELDKAMER_CACHE_DIR=str(home / "cache"), MELDKAMER_USER="bench")
    env.pop("MELDKAMER_REFERENCE_DIR", None)
    return env


def log_in(env: dict[str, str], cwd: Path) -> None:
    """Create the bench administrator and log in, as a site does (``user init``,
    ``login``): every command then reads the token, as in use."""
    env["MELDKAMER_TOKEN_FILE"] = str(Path(env["MELDKAMER_CONFIG_DIR"]) / "token")
    password = "bench-password\n"
    for args in (["user", "init", "--name", "bench", "--password-stdin"],
                 ["login", "--user", "bench", "--password-stdin"]):
        done = subprocess.run([sys.executable, "-m", "meldkamer", *args], env=env, cwd=cwd,
                              input=password.encode(), capture_output=True, check=False)
        if done.returncode not in (0, 4):  # 4: the administrator was made before
            raise RuntimeError(f"meldkamer {args[0]} exited {done.returncode}: "
                               f"{done.stderr.decode(errors='replace')[-500:]}")


def _once(argv: list[str], env: dict[str, str], cwd: Path) -> float:
    t0 = time.perf_counter()
    # A neutral folder: ``python -m`` looks in the working directory before PYTHONPATH.
    done = subprocess.run(argv, env=env, cwd=cwd, stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, check=False)
    ms = (time.perf_counter() - t0) * 1000
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} exited {done.returncode}: "
                           f"{done.stderr.decode(errors='replace')[-500:]}")
    return ms


def run(ref: Reference, runs: int = RUNS) -> list[Row]:
    """Median and p95 of each command as a new process, and the SQLAlchemy floor."""
    src = history.build(RESULTS / "history-100k.sqlite3", ref)
    with tempfile.TemporaryDirectory(prefix="meldkamer-cli-bench-") as tmp:
        home = Path(tmp)
        db = history.copy(src, home / "cli.sqlite3")
        env = _env(home, db)
        log_in(env, home)
        argvs = {name: [sys.executable, "-m", "meldkamer", *args]
                 for name, args in COMMANDS.items()}
        argvs["floor"] = [sys.executable, "-c", "import sqlalchemy.orm"]
        for argv in argvs.values():  # bytecode and the reference cache, as after install
            _once(argv, env, home)
        samples: dict[str, list[float]] = {name: [] for name in argvs}
        for _ in range(runs):
            for name, argv in argvs.items():
                samples[name].append(_once(argv, env, home))
    rows = []
    for name in COMMANDS:
        note = f"new process, 100k incidents, {runs} runs"
        rows += [Row(f"cli: {name}", "median", median(samples[name]), BUDGET_MS, note),
                 Row(f"cli: {name}", "p95", p95(samples[name]), None)]
    rows.append(Row("cli: python -c 'import sqlalchemy.orm' (floor)", "median",
                    median(samples["floor"]), None, "for comparison: not ours to cut"))
    return rows


if __name__ == "__main__":
    from bench.stats import table
    from meldkamer.domain.reference import load_reference

    print(table(run(load_reference(None), int(sys.argv[1]) if len(sys.argv) > 1 else RUNS)))
