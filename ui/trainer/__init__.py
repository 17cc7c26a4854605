"""The trainer console (``ui.trainer.console``): in its own process or from the workstation.

- ``meldkamer trainer [--db URL] [--scenario NAME|FILE]``: ``launch`` (the ``trainer``
  frontend of the ``meldkamer.frontends`` entry point group) opens the training database
  (``config.database_url(training=True)``, the one ``meldkamer gui --training`` uses), puts
  the demo roster (and, while it has no real users, the demo accounts) in if it has no
  units, logs in someone who may train (``ui.trainer.login``), starts a runtime of its
  own and shows the console.
  ``--screenshot OUT.png`` renders it and exits; with ``--autopilot`` a perfect operator in
  the same process takes the calls and ``--jump H:MM:SS`` plays the scenario to there
  first (for demonstrations and the docs' picture).
- In the workstation with ``--training``: Training > Trainer console (Ctrl+Shift+T) calls
  ``open_console(window)``, a window of its own on the workstation's core and runtime,
  for a logged-in user who may train (the menu item is disabled for the others).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from meldkamer.errors import MeldkamerError
from meldkamer.i18n import tr

SCREENSHOT_TIMEOUT_MS = 60_000


def open_console(window: Any) -> Any:
    """The workstation's console window (made once, shown and raised on every call)."""
    from ui.trainer.console import TrainerConsole
    from ui.trainer.login import refusal

    refused = refusal(window.core, window.core.actor)
    if refused is not None:
        window.notify(str(refused))
        return None
    console = getattr(window, "trainer_console", None)
    if console is None:
        runtime = getattr(window, "runtime", None)
        if runtime is None or not window.core.training:
            window.notify(tr("The trainer console needs the workstation in training mode "
                             "(--training)"))
            return None
        # A window of its own, owned by the workstation's: it goes when the workstation
        # does, and does not keep the application running after it.
        console = TrainerConsole(window.core, runtime, parent=window)
        window.trainer_console = console
    console.show()
    console.raise_()
    console.activateWindow()
    return console


def launch(args: argparse.Namespace) -> int:
    """Entry point of ``meldkamer trainer`` (registered as the 'trainer' frontend)."""
    from meldkamer import config, i18n
    from meldkamer.core import Meldkamer
    from meldkamer.runtime import Runtime
    from meldkamer.settings import LANGUAGE, Settings
    from ui.app import need_screen

    screenshot = getattr(args, "screenshot", None)
    need_screen(bool(screenshot), MeldkamerError(
        "no screen to show the trainer console on (DISPLAY is not set); run it on a "
        "desktop, under Xvfb, or with --screenshot PATH"))
    url = config.database_url(getattr(args, "db", None), training=True)
    core = Meldkamer.open(url, user=getattr(args, "user", None), training=True)
    if not core.units.list_units():
        from meldkamer.demo import load_demo

        load_demo(core, incidents=False)
        core.users.create_demo_accounts()  # only where no real user exists yet
    from ui.trainer.login import read_login

    login = read_login(core, args, unattended=bool(screenshot))  # before the GUI thread
    prefs = Settings()
    lang = getattr(args, "lang", None) or prefs.get(LANGUAGE)
    i18n.set_language(lang)
    problem = _scenario_problem(getattr(args, "scenario", None), core.ref)
    if problem and not screenshot:  # said before anyone is asked to log in
        print("meldkamer: " + problem, file=sys.stderr)
        return 2
    # The change feed brings the trainees' answers (another process) back to the engine.
    runtime = Runtime(core)
    try:  # its start reads the store: before there is a GUI thread
        runtime.start()
    except BaseException:
        runtime.stop()
        raise
    try:
        return _show(args, core, runtime, lang, screenshot, login)
    finally:
        runtime.stop()


def _scenario_problem(name: str | None, ref: Any) -> str:
    """Why ``--scenario`` (a shipped name or a file) cannot be loaded, or ""."""
    from pathlib import Path

    from meldkamer.training import ScenarioError, load, shipped

    if not name or any(name == p.stem for p in shipped()):
        return ""
    for path in shipped():  # by its name inside the file, as the console finds it
        try:
            if load(path, ref).name == name:
                return ""
        except ScenarioError:
            continue  # a broken shipped one: the console lists it as broken
    try:
        load(Path(name), ref)
    except ScenarioError as exc:
        return str(exc)
    return ""


def _show(args: argparse.Namespace, core: Any, runtime: Any, lang: str,
          screenshot: str | None, login: Any) -> int:
    from meldkamer.settings import FONT_SCALE, Settings
    from meldkamer.training.scenario import offset
    from ui import theme
    from ui.i18n import install_qt_translations
    from ui.qt import QApplication, QTimer
    from ui.trainer.console import TrainerConsole

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("meldkamer-trainer")
    install_qt_translations(app, lang)  # type: ignore[arg-type]
    theme.apply_font(app, Settings().get(FONT_SCALE))  # type: ignore[arg-type]
    from ui.ops import Operations
    from ui.trainer.login import log_in

    ops = Operations()
    try:
        if log_in(core, ops, login) is None:
            return 0  # cancelled: no console
    finally:
        ops.wait()
    console = TrainerConsole(core, runtime, autopilot=bool(getattr(args, "autopilot", False)))
    result = {"code": 0}
    name = getattr(args, "scenario", None)
    to = offset(str(getattr(args, "jump", None) or "")) if getattr(args, "jump", None) else None
    if name and not console.load_name(name):
        print("meldkamer: " + console.scenario_error.text(), file=sys.stderr)
        result["code"] = 2
        if not screenshot:
            return result["code"]
    shot = {"due": False}

    def ready() -> None:
        """The scenario is loaded (and played to --jump): the picture, if one is wanted."""
        if screenshot and not shot["due"]:
            shot["due"] = True
            QTimer.singleShot(600, grab)  # a few refreshes: the table, totals, log

    def played() -> None:
        if not console.busy:
            ready()

    def loaded() -> None:
        if to is not None:
            console.ops.delivered.connect(played)
            console.play_to(to)
        else:
            ready()

    def grab() -> None:
        console.refresh()
        if not console.grab().save(str(screenshot), "PNG"):
            print(f"meldkamer: could not write {screenshot}", file=sys.stderr)
            result["code"] = 6
        app.quit()

    if console.scenario is not None:
        console.loaded.connect(loaded)
    if screenshot:
        width, _, height = str(getattr(args, "size", "1600x1000")).partition("x")
        console.resize(int(width), int(height))
        if console.scenario is None:
            QTimer.singleShot(300, grab)

        def too_slow() -> None:
            print("meldkamer: the trainer console did not finish in time", file=sys.stderr)
            result["code"] = 1
            app.quit()

        QTimer.singleShot(SCREENSHOT_TIMEOUT_MS, too_slow)
    console.show()
    app.exec()
    console.close()
    return result["code"]
