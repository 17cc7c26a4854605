"""Starting the workstation: the Qt-free runtime first, then Qt on top of it.

The runtime (``meldkamer.runtime``) owns the core, the change feed, the radio links and
the scheduler; this module only adds the application, the main window and screenshots.
"""

from __future__ import annotations

import argparse
import os
import sys

from meldkamer import config
from meldkamer.core import Meldkamer
from meldkamer.errors import MeldkamerError
from meldkamer.events import AuditBroken
from meldkamer.i18n import tr
from meldkamer.runtime import Runtime

SCREENSHOT_TIMEOUT_MS = 30_000
DEMO_CALL = {
    "caller": "+599 717 4455", "name": "M. Martis", "location_text": "Dorp Rincon",
    "location": {"label": "Dorp Rincon", "kind": "town", "lat": 12.23762, "lon": -68.33059,
                 "island": "BO", "source": "places"},
    "classification": "BZ.INB.WON", "class_text": "BZ.INB.WON  Inbraak woning",
    "answers": {},
}


def need_screen(screenshot: bool, no_screen: MeldkamerError) -> None:
    """Without a display on Linux: render offscreen for a screenshot, else refuse with
    ``no_screen`` (a window nobody can see is no use)."""
    headless = sys.platform.startswith("linux") and not (
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    if headless and not os.environ.get("QT_QPA_PLATFORM"):
        if not screenshot:
            raise no_screen
        os.environ["QT_QPA_PLATFORM"] = "offscreen"


def launch(args: argparse.Namespace) -> int:
    """Entry point of ``meldkamer gui`` (registered as the 'gui' frontend)."""
    screenshot = getattr(args, "screenshot", None)
    need_screen(bool(screenshot), MeldkamerError(
        "no screen to show the workstation on (DISPLAY is not set); run it on a "
        "desktop, under Xvfb, or with --screenshot PATH"))
    core = Meldkamer.open(getattr(args, "db", None), user=getattr(args, "user", None),
                          training=getattr(args, "training", False))
    if getattr(args, "demo", False) and not core.units.list_units():
        from meldkamer.demo import load_demo

        load_demo(core)
    if getattr(args, "demo", False):
        core.users.create_demo_accounts()  # only where no real user exists yet
    # Who logs in, read now: the GUI thread never touches the database.
    login = _login_before_window(core, args, bool(screenshot))

    from meldkamer import i18n
    from meldkamer.drafts import DraftJournal
    from meldkamer.settings import FONT_SCALE, LANGUAGE, THEME, Settings
    from ui import theme
    from ui.main_window import MainWindow
    from ui.ops import Operations
    from ui.qt import QApplication, QSettings, QTimer

    prefs = Settings()
    lang = getattr(args, "lang", None) or prefs.get(LANGUAGE)  # --lang for this session only
    i18n.set_language(lang)
    from meldkamer.radio import usable_configs

    configs, gateway_problems = usable_configs(prefs.gateways())
    runtime = Runtime(core, configs, journal=True)
    # Its start reads the store: done before there is a GUI thread, which never does.
    try:
        runtime.start()
    except BaseException:
        runtime.stop()
        raise
    import ui.map.webengine  # noqa: F401  (QtWebEngine and the tile scheme first)

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("meldkamer")
    from ui.i18n import install_qt_translations

    install_qt_translations(app, lang)  # Qt's own buttons and menus (qtbase_nl.qm)
    theme.apply(app, prefs.get(THEME))  # type: ignore[arg-type]
    theme.apply_font(app, prefs.get(FONT_SCALE))  # type: ignore[arg-type]
    settings = None if screenshot else QSettings(
        str(config.config_dir() / "window.ini"), QSettings.Format.IniFormat)
    ops = Operations()
    if login["actor"] is None and login["ask"]:
        from ui.login import FirstStartDialog, LoginDialog, run_dialog

        dialog = (FirstStartDialog(core, ops) if not login["users"] else
                  LoginDialog(core, ops, name=login["name"], demo_accounts=login["demo"],
                              message=login["message"]))
        if run_dialog(dialog) is None:  # cancelled: no one logged in, no window
            ops.wait()
            runtime.stop()
            return 0
    elif login["actor"] is not None:
        core.set_actor(login["actor"])
    # A screenshot or a demo run neither restores nor keeps a call in progress: its fake
    # call must never reach the real workstation, nor a real one the picture.
    demo = bool(getattr(args, "demo", False))
    journal = (DraftJournal(None) if screenshot or demo
               else DraftJournal.for_database(core.store.url, core.user))
    window = MainWindow(core, ops, settings, prefs, journal, radio=runtime.radio,
                        with_map=True)
    window.runtime = runtime  # type: ignore[attr-defined]  # Training > Trainer console
    from ui.lock import LockScreen

    window.lock_screen = LockScreen(window, core, ops, prefs)  # type: ignore[attr-defined]
    if login["actor"] is None and not login["ask"]:
        window.lock_screen.lock()  # type: ignore[attr-defined]  # nobody logged in: locked
    if runtime.trail.broken is not None:  # found at start, before the window listened
        window.show_trail_break(AuditBroken(seq=0, problem=runtime.trail.broken.problem,
                                            workstation=core.workstation))
    for problem in gateway_problems:
        window.notify(problem)
        print("meldkamer: " + tr("{problem} (gateway skipped)", problem=problem),
              file=sys.stderr)
    result = {"code": 0}

    def too_slow() -> None:
        print("meldkamer: the window did not finish loading in time", file=sys.stderr)
        result["code"] = 1
        app.quit()

    if screenshot:
        width, _, height = str(getattr(args, "size", "1920x1080")).partition("x")
        window.resize(int(width), int(height))

        def grab() -> None:
            ok = window.grab().save(screenshot, "PNG")
            if not ok:
                print(f"meldkamer: could not write {screenshot}", file=sys.stderr)
                result["code"] = 6
            app.quit()

        waiting = {"data", "map"}

        def shoot(part: str) -> None:
            waiting.discard(part)
            if waiting:
                return
            # Show a shift as an operator sees it: the most urgent incident opened and,
            # with demo data, a call being taken (form state only, nothing is stored).
            top = window.incidents.incident_at(0) if window.incidents.rowCount() else None
            if top is not None:
                window.incidents_dock.select(top.number)
            if getattr(args, "demo", False) and window.intake_dock.is_empty():
                from meldkamer import names

                code = str(DEMO_CALL["classification"])  # the class as typed, in the language
                window.intake_dock.restore({**DEMO_CALL, "class_text": f"{code}  "
                                            f"{names.classification(core.ref, code)}"})
            QTimer.singleShot(1500, grab)

        window.loaded.connect(lambda: shoot("data"))
        window.map_added.connect(lambda: window.map_dock.ready.connect(lambda: shoot("map")))
    elif getattr(args, "exit_when_loaded", False):
        window.loaded.connect(app.quit)
    from meldkamer.tuning import settle_after_start

    window.loaded.connect(settle_after_start)
    if screenshot or getattr(args, "exit_when_loaded", False):
        QTimer.singleShot(SCREENSHOT_TIMEOUT_MS, too_slow)
    _quit_on_signals(app)
    if screenshot or window.geometry_restored:
        window.show()
    else:  # first start at a control-room screen: the whole screen, not a 1600x900 window
        screen = window.screen() or app.primaryScreen()
        if screen is not None:  # a screen without a window manager does not maximize
            window.setGeometry(screen.availableGeometry())
        window.showMaximized()
    try:
        app.exec()
    finally:
        ops.wait()
        runtime.stop()  # radio, then scheduler, then the store
    return result["code"]


def _login_before_window(core: Meldkamer, args: argparse.Namespace,
                         screenshot: bool) -> dict[str, object]:
    """What the login needs, read before the GUI thread exists.

    A token file named with --token-file or MELDKAMER_TOKEN_FILE logs in like the CLI. A
    run nobody watches (a screenshot, --exit-when-loaded) cannot ask: with --demo it logs
    in the demo operator with the documented demo password, else the window starts locked.
    """
    from meldkamer.auth.users import DEMO_PASSWORD
    from meldkamer.errors import NotLoggedIn

    actor, message = core.users.actor_for_token_file(getattr(args, "token_file", None))
    unattended = screenshot or bool(getattr(args, "exit_when_loaded", False))
    demo = core.users.demo_accounts()
    if actor is None and unattended and getattr(args, "demo", False) and demo:
        try:
            actor = core.users.authenticate(demo[0].name, DEMO_PASSWORD)
        except NotLoggedIn as exc:
            message = str(exc)
    name = getattr(args, "user", None) or ""
    return {"actor": actor, "ask": not unattended, "users": core.users.count(), "demo": demo,
            "name": name, "message": message}


def _quit_on_signals(app: object) -> None:
    """Ctrl+C or SIGTERM in the terminal closes the window cleanly (drafts are journaled)."""
    import signal

    from ui.qt import QTimer

    def stop(*_: object) -> None:
        app.closeAllWindows()  # type: ignore[attr-defined]
        app.quit()  # type: ignore[attr-defined]

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    timer = QTimer(app)  # type: ignore[arg-type]
    timer.timeout.connect(lambda: None)  # lets Python run its signal handlers
    timer.start(250)


def main() -> int:
    """Start the workstation directly (``python -m ui``)."""
    from meldkamer.cli import main as cli_main

    try:
        return cli_main(["gui", *sys.argv[1:]])
    except MeldkamerError as exc:
        print(f"meldkamer: {exc}", file=sys.stderr)
        return exc.exit_code
