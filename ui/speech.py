"""Spoken caller lines for training: espeak-ng writes a WAV, Qt Multimedia plays it.

Optional: a scenario plays the same without it. Where ``espeak-ng`` is on the PATH, a
caller's line is spoken in the caller's language; nothing goes over the network (espeak-ng
is a local synthesiser).

API (for the caller panel)::

    speaker = Speaker(parent)
    speaker.failed.connect(status_bar.showMessage)  # once per cause, translated
    if speaker.available():
        speaker.say("Er is ingebroken bij de buren.", "nl")   # queued, returns at once
    speaker.stop()                                          # the queue and what plays

- ``available() -> bool``: espeak-ng is installed. Without it ``say`` does nothing.
- ``say(text, language)``: queue a line; ``language`` is a scenario's caller language
  (``nl``, ``en``, ``pap``), anything else is spoken as Dutch. Lines play one after the
  other. Synthesis runs in an espeak-ng process (``QProcess``, never blocking the GUI
  thread), playback through ``QSoundEffect``.
- ``stop()``: drop the queue, end the synthesis and the playback under way.
- ``failed(str)``: speech could not be produced or played; each cause (no audio output,
  espeak-ng failing, a voice missing) is reported once per Speaker, not per line.
- ``synthesized(str)``: the WAV file of the next line is ready at this path (it is
  removed once played).

Voices: Dutch ``nl``; English ``en-029`` (Caribbean English, the English of Statia and
Saba), else ``en``; Papiamento ``pap`` (espeak-ng 1.51 has it), else Latin-American
Spanish ``es-419`` (the closest voice to Papiamentu's spelling), else Dutch. ``voice_for``
picks the first that this espeak-ng has.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import wave
from collections import deque
from pathlib import Path

from PySide6.QtCore import QProcess, QUrl
from PySide6.QtMultimedia import QMediaDevices, QSoundEffect

from meldkamer.i18n import tr
from ui.qt import QObject, QTimer, Signal

BINARY = "espeak-ng"
VOICES = {"nl": ("nl",), "en": ("en-029", "en"), "pap": ("pap", "es-419", "es", "nl")}
DEFAULT_LANGUAGE = "nl"
SYNTH_TIMEOUT_MS = 20_000
PLAY_MARGIN_MS = 2_000  # after a line's own length, playback counts as stuck


def voices(binary: str = BINARY) -> set[str]:
    """The voice names this espeak-ng has (empty when it is missing or fails)."""
    path = shutil.which(binary)
    if path is None:
        return set()
    try:
        listing = subprocess.run([path, "--voices"], capture_output=True, text=True,
                                 timeout=10, check=True).stdout
    except (OSError, subprocess.SubprocessError):
        return set()
    return {line.split()[1] for line in listing.splitlines()[1:] if len(line.split()) > 1}


def voice_for(language: str, known: set[str]) -> str | None:
    """The voice to speak ``language`` with, from those ``known``; None when none fits."""
    for voice in VOICES.get(language, VOICES[DEFAULT_LANGUAGE]):
        if voice in known:
            return voice
    return None


def espeak_arguments(voice: str, wav: str | Path) -> list[str]:
    """espeak-ng's arguments: this voice, UTF-8 text on stdin, a WAV file out."""
    return ["-v", voice, "-b", "1", "--stdin", "-w", str(wav)]


def _length_ms(wav: Path) -> int:
    try:
        with wave.open(str(wav), "rb") as w:
            return int(1000 * w.getnframes() / max(1, w.getframerate()))
    except (OSError, EOFError, wave.Error):
        return 0


class Speaker(QObject):
    """Speaks queued caller lines one after the other; see the module docstring."""

    failed = Signal(str)
    """Speech could not be produced or played (translated; once per cause)."""
    synthesized = Signal(str)
    """The WAV file of the line about to play is ready at this path."""

    def __init__(self, parent: QObject | None = None, *, binary: str = BINARY) -> None:
        super().__init__(parent)
        self._binary = shutil.which(binary)
        self._voices = voices(binary) if self._binary else set()
        self._queue: deque[tuple[str, str]] = deque()
        self._dir = tempfile.TemporaryDirectory(prefix="meldkamer-speech-")
        self._count = 0
        self._reported: set[str] = set()
        self._process: QProcess | None = None
        self._wav: Path | None = None
        self._effect: QSoundEffect | None = None
        self._watchdog = QTimer(self)
        self._watchdog.setSingleShot(True)
        self._watchdog.timeout.connect(self._stuck)

    def available(self) -> bool:
        """espeak-ng is installed (with at least one voice)."""
        return self._binary is not None and bool(self._voices)

    def busy(self) -> bool:
        """A line is being synthesised or played, or waits in the queue."""
        return bool(self._queue) or self._process is not None or self._wav is not None

    def say(self, text: str, language: str) -> None:
        """Queue a caller's line in the caller's language; a no-op without espeak-ng."""
        if not self.available() or not text.strip():
            return
        self._queue.append((text, language))
        if self._process is None and self._wav is None:
            self._next()

    def stop(self) -> None:
        """Drop the queued lines and end the one under way."""
        self._queue.clear()
        self._watchdog.stop()
        if self._process is not None:
            process, self._process = self._process, None
            process.finished.disconnect()
            process.kill()
            process.waitForFinished(1000)
            process.deleteLater()
        if self._effect is not None:
            self._effect.stop()
        self._done()

    # -- one line: synthesise, then play ------------------------------------------------

    def _report(self, cause: str, message: str) -> None:
        if cause not in self._reported:
            self._reported.add(cause)
            self.failed.emit(message)

    def _next(self) -> None:
        if self._process is not None or self._wav is not None:
            return  # a line is under way; it calls again when it is over
        while self._queue:
            text, language = self._queue.popleft()
            voice = voice_for(language, self._voices)
            if voice is None:
                self._report(f"voice:{language}", tr(
                    "espeak-ng has no voice for {language}; the caller's lines are not "
                    "spoken", language=language))
                continue
            if voice.split("-")[0] != language:
                self._report(f"fallback:{language}", tr(
                    "the caller's language {language} is spoken with the voice {voice}",
                    language=language, voice=voice))
            self._count += 1
            self._wav = Path(self._dir.name) / f"line-{self._count}.wav"
            process = QProcess(self)
            process.finished.connect(self._synthesised)
            process.errorOccurred.connect(self._process_error)
            self._process = process
            assert self._binary is not None
            process.start(self._binary, espeak_arguments(voice, self._wav))
            process.write(text.encode("utf-8"))
            process.closeWriteChannel()
            self._watchdog.start(SYNTH_TIMEOUT_MS)
            return

    def _process_error(self, error: QProcess.ProcessError) -> None:
        if error == QProcess.ProcessError.FailedToStart and self._process is not None:
            self._process.finished.disconnect()
            self._process.deleteLater()
            self._process = None
            self._report("espeak", tr("espeak-ng could not be started; the caller's lines "
                                      "are not spoken"))
            self._done()

    def _synthesised(self, code: int, status: QProcess.ExitStatus) -> None:
        process, self._process = self._process, None
        self._watchdog.stop()
        if process is not None:
            process.deleteLater()
        wav = self._wav
        if (status != QProcess.ExitStatus.NormalExit or code != 0 or wav is None
                or not wav.is_file() or wav.stat().st_size <= 44):
            self._report("espeak", tr("espeak-ng could not speak a line (exit code {code})",
                                      code=code))
            self._done()
            return
        self.synthesized.emit(str(wav))
        if not QMediaDevices.audioOutputs():
            self._report("audio", tr("no audio output: the caller's lines are not spoken"))
            self._done()
            return
        if self._effect is None:
            self._effect = QSoundEffect(self)
            self._effect.statusChanged.connect(self._status)
            self._effect.playingChanged.connect(self._playing)
        self._effect.setSource(QUrl.fromLocalFile(str(wav)))
        self._watchdog.start(_length_ms(wav) + PLAY_MARGIN_MS)
        if self._effect.status() == QSoundEffect.Status.Ready:
            self._effect.play()

    def _status(self) -> None:
        effect = self._effect
        if effect is None or self._wav is None:
            return
        if effect.status() == QSoundEffect.Status.Ready and not effect.isPlaying():
            effect.play()
        elif effect.status() == QSoundEffect.Status.Error:
            self._report("play", tr("the audio output cannot play the caller's lines"))
            self._done()

    def _playing(self) -> None:
        if self._effect is not None and not self._effect.isPlaying() and self._wav is not None:
            self._done()

    def _stuck(self) -> None:
        process, self._process = self._process, None
        if process is not None:
            process.finished.disconnect()
            process.kill()
            process.deleteLater()
            self._report("espeak", tr("espeak-ng took too long to speak a line"))
        self._done()

    def _done(self) -> None:
        """The current line is over (played, failed or stopped): remove it, play on."""
        self._watchdog.stop()
        wav, self._wav = self._wav, None
        if wav is not None:
            wav.unlink(missing_ok=True)
        if self._queue and self._process is None:
            QTimer.singleShot(0, self._next)

