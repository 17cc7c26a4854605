"""Spoken caller lines: espeak-ng's WAV for a line, played through Qt Multimedia when
there is an audio output; without espeak-ng the Speaker is unavailable and silent."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from ui.speech import Speaker, espeak_arguments, voice_for, voices

needs_espeak = pytest.mark.skipif(shutil.which("espeak-ng") is None,
                                  reason="espeak-ng is not installed")


def _riff_wave(data: bytes) -> None:
    assert len(data) > 1000  # a spoken sentence, not a header
    assert data[:4] == b"RIFF" and data[8:12] == b"WAVE"
    assert int.from_bytes(data[4:8], "little") == len(data) - 8


@needs_espeak
def test_the_voices_for_the_callers_languages() -> None:
    known = voices()
    assert {"nl", "pap"} <= known
    assert voice_for("nl", known) == "nl"
    assert voice_for("en", known) == "en-029"
    assert voice_for("pap", known) == "pap"
    assert voice_for("xx", known) == "nl"  # an unknown language is spoken as Dutch
    assert voice_for("pap", {"es-419", "nl"}) == "es-419"  # an espeak-ng without Papiamento
    assert voice_for("pap", set()) is None


@needs_espeak
def test_espeak_writes_a_wav_for_a_dutch_line(tmp_path: Path) -> None:
    wav = tmp_path / "line.wav"
    subprocess.run(["espeak-ng", *espeak_arguments("nl", wav)],
                   input="Er is brand in het café, komt u snel?".encode(), check=True)
    _riff_wave(wav.read_bytes())


@needs_espeak
def test_say_synthesises_each_line_in_turn_and_never_raises(qtbot: Any) -> None:
    speaker = Speaker()
    assert speaker.available()
    produced: list[bytes] = []
    speaker.synthesized.connect(lambda path: produced.append(Path(path).read_bytes()))
    failures: list[str] = []
    speaker.failed.connect(failures.append)
    speaker.say("Er is ingebroken bij de buren.", "nl")
    speaker.say("Mi ta yama pa un aksidente na Kaya Grandi.", "pap")
    speaker.say("There is smoke coming out of the house next door.", "en")
    qtbot.waitUntil(lambda: len(produced) == 3 and not speaker.busy(), timeout=30_000)
    for data in produced:
        _riff_wave(data)
    # Offscreen there is usually no audio output: said once, not once per line.
    assert len(failures) == len(set(failures)) <= 1
    speaker.say("Nog een zin.", "nl")
    speaker.stop()
    assert not speaker.busy()


def test_without_espeak_the_speaker_is_unavailable_and_silent(
        qtbot: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty folder: no espeak-ng on it
    speaker = Speaker()
    assert not speaker.available()
    failures: list[str] = []
    speaker.failed.connect(failures.append)
    speaker.say("Er is ingebroken bij de buren.", "nl")
    assert not speaker.busy() and failures == []
    speaker.stop()
