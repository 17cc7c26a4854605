"""hardware/ is a standalone library: no project packages, no Qt."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import hardware

FORBIDDEN = ("meldkamer", "ui", "maps", "PySide6", "shiboken6")
PACKAGE = Path(hardware.__file__).parent


def imported_roots(path: Path) -> set[str]:
    roots: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def test_no_forbidden_imports() -> None:
    modules = sorted(PACKAGE.glob("*.py"))
    assert len(modules) > 10
    for path in modules:
        assert not imported_roots(path) & set(FORBIDDEN), path.name


def test_importing_everything_pulls_in_nothing_forbidden() -> None:
    code = ("import sys, hardware, hardware.tools, hardware.linktest, hardware.simulator; "
            f"bad = [m for m in sys.modules if m.split('.')[0] in {FORBIDDEN!r}]; "
            "print(bad); sys.exit(1 if bad else 0)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=PACKAGE.parent, timeout=60, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_imports_without_posix_only_modules() -> None:
    """Windows has no fcntl, termios, pty or tty: the package must still import."""
    code = ("import sys\n"
            "import serial  # pyserial itself picks its Windows backend there\n"
            "for name in ('fcntl', 'termios', 'pty', 'tty'):\n"
            "    sys.modules[name] = None\n"
            "import hardware, hardware.tools, hardware.linktest, hardware.netport\n"
            "print(hardware.SerialLink, hardware.PeiGateway, hardware.RadioSimulator)\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=PACKAGE.parent, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
