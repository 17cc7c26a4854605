"""Starting the workstation: application, core, change feed, main window, screenshots."""

from __future__ import annotations

import argparse
import sys

from meldkamer import config
from meldkamer.core import Meldkamer
from meldkamer.errors import MeldkamerError
from meldkamer.services.changes import ChangeWatcher

SCREENSHOT_TIMEOUT_MS = 30_000


def launch(args: argparse.Namespace) -> int:
    """Entry point of ``meldkamer gui`` (registered as the 'gui' frontend)."""
    core = Meldkamer.open(getattr(args, "db", None), user=getattr(args, "user", None),
                          training=getattr(args, "training", False))
    if getattr(args, "demo", False) and not core.units.list_units():
        from meldkamer.demo import load_demo

        load_demo(core)

    from ui import theme
    from ui.main_window import MainWindow
    from ui.ops import Operations
    from ui.qt import QApplication, QSettings, QTimer

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("meldkamer")
    theme.apply(app)  # type: ignore[arg-type]
    screenshot = getattr(args, "screenshot", None)
    settings = None if screenshot else QSettings(
        str(config.config_dir() / "window.ini"), QSettings.Format.IniFormat)
    ops = Operations()
    watcher = ChangeWatcher(core)
    window = MainWindow(core, ops, settings)
    result = {"code": 0}

    if screenshot:
        width, _, height = str(getattr(args, "size", "1920x1080")).partition("x")
        window.resize(int(width), int(height))

        def grab() -> None:
            ok = window.grab().save(screenshot, "PNG")
            if not ok:
                print(f"meldkamer: could not write {screenshot}", file=sys.stderr)
                result["code"] = 6
            app.quit()

        def too_slow() -> None:
            print("meldkamer: the window did not finish loading in time", file=sys.stderr)
            result["code"] = 1
            app.quit()

        window.loaded.connect(lambda: QTimer.singleShot(300, grab))
        QTimer.singleShot(SCREENSHOT_TIMEOUT_MS, too_slow)
    watcher.start()
    window.show()
    try:
        app.exec()
    finally:
        watcher.stop()
        ops.wait()
        core.close()
    return result["code"]


def main() -> int:
    """Start the workstation directly (``python -m ui``)."""
    from meldkamer.cli import main as cli_main

    try:
        return cli_main(["gui", *sys.argv[1:]])
    except MeldkamerError as exc:
        print(f"meldkamer: {exc}", file=sys.stderr)
        return exc.exit_code
