"""``meldkamer --version``: the package version, from its metadata or the checkout."""

from __future__ import annotations

import importlib.metadata
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from meldkamer.cli import main, version

REPO = Path(__file__).resolve().parents[3]
PROJECT_VERSION = tomllib.loads((REPO / "pyproject.toml").read_text("utf-8"))["project"][
    "version"]


def test_version_option_prints_the_package_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out.strip() == f"meldkamer {PROJECT_VERSION}"


def test_version_comes_from_the_installed_metadata() -> None:
    assert version() == importlib.metadata.version("meldkamer") == PROJECT_VERSION


def test_version_of_a_checkout_never_installed_reads_pyproject(
        monkeypatch: pytest.MonkeyPatch) -> None:
    def not_installed(name: str) -> str:
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(importlib.metadata, "version", not_installed)
    assert version() == PROJECT_VERSION


def test_version_from_the_command_line_in_a_subprocess() -> None:
    proc = subprocess.run([sys.executable, "-m", "meldkamer", "--version"], cwd=REPO,
                          capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == f"meldkamer {PROJECT_VERSION}"
