"""Issue 13 budgets: the one-folder bundle's size and its start-up from its own folder.

Needs a built bundle (``make installer``); without one the group says so and measures
nothing. Start-up is measured as for the workstation from a checkout (workstation_bench):
from launching ``meldkamer gui --exit-when-loaded`` to its exit once the window has
loaded, here from dist/meldkamer/ in a clean HOME, offscreen, on a demo database.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.stats import Row, median

ROOT = Path(__file__).resolve().parent.parent
BUNDLE = ROOT / "dist" / "meldkamer"
STARTS = 3


def _size_mb(path: Path) -> float:
    total = sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())
    return total / 1e6


def _env(home: Path) -> dict[str, str]:
    """A user of a PC without Python: nothing of this checkout or venv leaks in."""
    return {"HOME": str(home), "PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8",
            "QT_QPA_PLATFORM": "offscreen", "XDG_CONFIG_HOME": str(home / ".config"),
            "XDG_DATA_HOME": str(home / ".local" / "share"),
            "XDG_CACHE_HOME": str(home / ".cache")}


def start_times(exe: Path, home: Path, runs: int = STARTS) -> list[float]:
    """Seconds from launch to the loaded window's exit, per run (after one warm-up start
    that also loads the demo data)."""
    env = _env(home)
    subprocess.run([str(exe), "demo", "load"], env=env, capture_output=True, check=True,
                   timeout=300)
    cmd = [str(exe), "gui", "--exit-when-loaded"]
    subprocess.run(cmd, env=env, capture_output=True, check=True, timeout=300)
    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run(cmd, env=env, capture_output=True, check=True, timeout=300)
        out.append(time.perf_counter() - t0)
    return out


def run() -> list[Row]:
    exe = BUNDLE / "meldkamer"
    if not exe.is_file():
        print("installer: no bundle in dist/meldkamer (make installer first)", file=sys.stderr)
        return []
    rows = [Row("installer: bundle unpacked", "size", _size_mb(BUNDLE), 600, "dist/meldkamer",
                unit="MB")]
    tarballs = sorted((ROOT / "dist").glob("meldkamer-*-linux-*.tar.gz"), key=os.path.getmtime)
    if tarballs:
        rows.append(Row("installer: tarball", "size", tarballs[-1].stat().st_size / 1e6, None,
                        tarballs[-1].name, unit="MB"))
    with tempfile.TemporaryDirectory(prefix="meldkamer-bench-") as tmp:
        samples = start_times(exe, Path(tmp))
    rows.append(Row("installer: start to window loaded", f"median of {len(samples)}",
                    median(samples) * 1000, 2000, "from the bundle, offscreen, demo data"))
    return rows


if __name__ == "__main__":
    from bench.stats import table

    print(table(run()))
