"""Smoke check of the one-folder bundle (``make installer-smoke``; not part of ``make test``).

Builds dist/meldkamer/ if it is missing, then runs the bundle the way a control-room PC
would: from its own folder, in an empty HOME with its own XDG folders, no MELDKAMER_*
variables, no virtualenv on PATH or PYTHONPATH, offscreen. It checks ``--version``, a
screenshot of the demo workstation (a real picture of the window: its size, many
colours), ``gateway loopback loop://``, ``maps render`` (the page and its assets
reference no http(s) URL), the pdf and trainer frontends (a shift report PDF, the
console's screenshot), and on Linux the tarball's ``install.sh --user`` and
``--uninstall``. The sandbox variable is left to the app (ui/qt.py sets it only when
running as root). Exit 0 when every check passes, 1 at the first failure.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import tomllib
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
BUNDLE = ROOT / "dist" / "meldkamer"
EXE = BUNDLE / ("meldkamer.exe" if sys.platform == "win32" else "meldkamer")
SIZE = (1280, 800)
# Strings in Leaflet's script that are not fetched: the SVG namespace and the
# attribution link an operator may click (the page's guard refuses it anyway).
NOT_FETCHED = {"http://www.w3.org/2000/svg", "https://leafletjs.com"}
URL = re.compile(r"https?://[^\s\"'()<>]+")


def clean_env(home: Path) -> dict[str, str]:
    """A fresh user on a PC without Python: nothing of this checkout leaks in."""
    keep = {"LANG": "C.UTF-8", "PATH": "/usr/local/bin:/usr/bin:/bin",
            "QT_QPA_PLATFORM": "offscreen"}
    for name in ("SYSTEMROOT", "TEMP", "TMP"):  # Windows needs these to start at all
        if name in os.environ:
            keep[name] = os.environ[name]
    dirs = {"HOME": home, "XDG_CONFIG_HOME": home / ".config",
            "XDG_DATA_HOME": home / ".local" / "share", "XDG_CACHE_HOME": home / ".cache",
            "XDG_STATE_HOME": home / ".local" / "state", "XDG_RUNTIME_DIR": home / "run"}
    for path in dirs.values():
        path.mkdir(parents=True, exist_ok=True)
    (home / "run").chmod(0o700)
    return {**keep, **{k: str(v) for k, v in dirs.items()}}


def run(args: list[str], env: dict[str, str], cwd: Path, timeout: int = 180,
        stdin: str | None = None) -> str:
    """Run the bundle; its output, or fail with what it said."""
    proc = subprocess.run([str(EXE), *args], env=env, cwd=cwd, capture_output=True,
                          text=True, timeout=timeout, input=stdin)
    if proc.returncode != 0:
        fail(f"'meldkamer {' '.join(args)}' exited {proc.returncode}:\n"
             f"{proc.stdout}\n{proc.stderr}")
    return proc.stdout


def fail(message: str) -> None:
    print(f"installer-smoke: FAILED: {message}", file=sys.stderr)
    raise SystemExit(1)


def ok(message: str) -> None:
    print(f"installer-smoke: ok: {message}", flush=True)


def picture_size(png: Path) -> tuple[int, int]:
    """Width and height of a picture; (0, 0) when it is missing or unreadable."""
    from PySide6.QtGui import QImage

    image = QImage(str(png))
    return (0, 0) if image.isNull() else (image.width(), image.height())


def check_install(tarball: Path, tmpdir: Path) -> None:
    """Unpack the tarball as from a USB stick, install for one user, run, uninstall."""
    usb = tmpdir / "usb"
    usb.mkdir()
    subprocess.run(["tar", "-C", str(usb), "-xzf", str(tarball)], check=True)
    folder = usb / tarball.name.removesuffix(".tar.gz")
    home = tmpdir / "technician"
    env = clean_env(home)
    proc = subprocess.run(["sh", str(folder / "install.sh"), "--user"], env=env,
                          capture_output=True, text=True, timeout=300)
    if proc.returncode != 0:
        fail(f"install.sh --user exited {proc.returncode}: {proc.stderr}")
    prefix = home / ".local" / "opt" / "meldkamer"
    entry = home / ".local" / "share" / "applications" / "meldkamer.desktop"
    icon = home / ".local" / "share" / "icons" / "hicolor" / "scalable" / "apps" / "meldkamer.svg"
    if not (entry.is_file() and icon.is_file()):
        fail(f"install.sh --user did not install {entry} and {icon}")
    if f"Exec={prefix}/meldkamer gui" not in entry.read_text("utf-8"):
        fail(f"{entry} does not start {prefix}/meldkamer gui")
    out = subprocess.run([str(prefix / "meldkamer"), "--version"], env=env, cwd=home,
                         capture_output=True, text=True, timeout=120)
    if out.returncode != 0 or not out.stdout.startswith("meldkamer "):
        fail(f"the installed {prefix}/meldkamer --version failed: {out.stderr}")
    proc = subprocess.run(["sh", str(folder / "install.sh"), "--user", "--uninstall"], env=env,
                          capture_output=True, text=True, timeout=120)
    if proc.returncode != 0 or prefix.exists() or entry.exists():
        fail(f"install.sh --uninstall left {prefix} or {entry} behind: {proc.stderr}")
    ok(f"{tarball.name}: install.sh --user, run, --uninstall")


def check_picture(png: Path) -> None:
    """The PNG is the window at the size asked for, with a real picture on it."""
    from PySide6.QtGui import QImage  # the build environment's Qt, only to read the file

    image = QImage(str(png))
    if image.isNull():
        fail(f"{png} is not a readable PNG")
    if (image.width(), image.height()) != SIZE:
        fail(f"{png} is {image.width()}x{image.height()}, not {SIZE[0]}x{SIZE[1]}")
    colours = {image.pixel(x, y) for x in range(0, image.width(), 8)
               for y in range(0, image.height(), 8)}
    if len(colours) < 64:
        fail(f"{png} looks blank ({len(colours)} colours on a grid of samples)")
    # The map (right of the docks) must have painted too, not stayed a grey pane.
    right = {image.pixel(x, y) for x in range(image.width() // 2, image.width(), 8)
             for y in range(0, image.height(), 8)}
    if len(right) < 16:
        fail(f"{png}: the right half of the window is nearly blank ({len(right)} colours)")
    ok(f"screenshot {image.width()}x{image.height()}, {len(colours)} colours sampled")


def check_offline(folder: Path) -> None:
    """No file of the rendered page references the network."""
    files = [p for p in folder.rglob("*") if p.suffix in {".html", ".js", ".css"}]
    if not any(p.suffix == ".html" for p in files):
        fail(f"maps render wrote no HTML page in {folder}")
    for path in files:
        text = path.read_text("utf-8", errors="replace")
        if path.suffix == ".css":  # comments may cite bug trackers; url(...) would load
            text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
        found = set(URL.findall(text)) - (NOT_FETCHED if path.suffix == ".js" else set())
        if found:
            fail(f"{path.relative_to(folder)} references the network: {sorted(found)[:5]}")
    ok(f"maps render: {len(files)} files, no http(s) reference")


def main() -> int:
    if not EXE.is_file():
        print("installer-smoke: no bundle yet, building it (make installer)", flush=True)
        subprocess.run(["bash", str(ROOT / "installer" / "build.sh")], cwd=ROOT, check=True,
                       env={**os.environ, "PYTHON": sys.executable})
    version = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]["version"]
    with tempfile.TemporaryDirectory(prefix="meldkamer-smoke-") as tmp:
        tmpdir = Path(tmp)
        env = clean_env(tmpdir / "home")
        work = tmpdir / "work"  # not the checkout: the bundle must find its own assets
        work.mkdir()

        out = run(["--version"], env, work).strip()
        if out != f"meldkamer {version}":
            fail(f"--version printed {out!r}, expected 'meldkamer {version}'")
        ok(out)

        png = work / "workstation.png"
        run(["gui", "--demo", "--screenshot", str(png), "--size", f"{SIZE[0]}x{SIZE[1]}"],
            env, work)
        if not png.is_file():
            fail("gui --screenshot exited 0 but wrote no picture")
        check_picture(png)

        # The CLI acts as a logged-in user: the demo operator of the demo database (a token).
        out = run(["login", "--user", "demo", "--password-stdin"], env, work,
                  stdin="demo-kpcn\n")
        ok(out.strip())

        out = run(["gateway", "loopback", "loop://"], env, work)
        ok("gateway loopback loop://: " + " ".join(out.split())[:100])

        pages = work / "map"
        pages.mkdir()
        run(["maps", "render", str(pages / "map.html")], env, work)
        check_offline(pages)

        # The other two frontends, found like 'gui' through the bundled entry points.
        pdf = work / "shift.pdf"
        today = datetime.now(ZoneInfo("America/Kralendijk")).date().isoformat()
        run(["report", "shift", "--date", today, "--pdf", str(pdf)], env, work)
        if not pdf.is_file() or not pdf.read_bytes().startswith(b"%PDF-"):
            fail(f"report shift --pdf wrote no PDF at {pdf}")
        ok(f"pdf frontend: shift report {pdf.stat().st_size // 1024} KiB")
        console = work / "trainer.png"
        run(["trainer", "--screenshot", str(console)], env, work)
        if picture_size(console) != (1600, 1000):
            fail(f"trainer --screenshot wrote no 1600x1000 picture at {console}")
        ok("trainer frontend: console screenshot 1600x1000")

        db = tmpdir / "home" / ".local" / "share" / "meldkamer" / "meldkamer.sqlite3"
        if sys.platform.startswith("linux") and not db.is_file():
            fail(f"the demo database is not in the clean HOME ({db} is missing)")
        ok(f"the demo database was made in the clean HOME ({db.name})")
        tarballs = sorted((ROOT / "dist").glob(f"meldkamer-{version}-linux-*.tar.gz"))
        if sys.platform.startswith("linux"):
            if not tarballs:
                fail(f"no dist/meldkamer-{version}-linux-*.tar.gz (make installer)")
            check_install(tarballs[-1], tmpdir)
    print("installer-smoke: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
