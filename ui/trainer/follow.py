"""Following a run live: the calls as the trainee handled them, and the engine's log.

``Snapshot.take(engine)`` copies what the console shows out of the engine under its lock
(memory only, never the database) without waiting: while the scheduler's tick holds the
lock the console skips a refresh rather than stall the GUI thread. The table model shows
one row per call: when it rang (the scenario's clock), how many seconds after ringing it
was answered, classified and dispatched, the class and units expected against those
chosen and sent, the duplicate handling and its points (``meldkamer.training.scoring``).
A call late to dispatch (over 60 s from answering) is amber, a wrong one red, a call
done right green.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from meldkamer import names
from meldkamer.domain.reference import Reference
from meldkamer.i18n import N_, tr
from meldkamer.training.engine import CallRecord, Engine
from meldkamer.training.scoring import (
    DUPLICATE_POINTS,
    POINTS,
    TARGET_S,
    CallScore,
    RunScore,
    score_run,
)
from ui.qt import QAbstractTableModel, QBrush, QColor, QModelIndex, QPersistentModelIndex, Qt

LATE = QColor("#ffe0a3")
WRONG = QColor("#f6b8b8")
RIGHT = QColor("#c8ebc8")
WAITING = QColor("#e4ecf7")


@dataclass
class Snapshot:
    """What the engine holds, copied at one moment."""

    now: float
    records: list[CallRecord]
    log: list[dict[str, Any]]
    score: RunScore
    total: int
    """The calls of the scenario plus those injected so far."""
    ringing: int
    paused: bool
    started: bool
    finished: bool
    speed: float | None

    @classmethod
    def take(cls, engine: Engine, log_from: int = 0) -> Snapshot | None:
        """A copy of the engine's state; None when it is busy (try again next time)."""
        if not engine.lock.acquire(blocking=False):
            return None
        try:
            records = [copy.copy(r) for r in engine.records]
            log = list(engine.log[log_from:])
            now, ringing = engine.now, len(engine.ringing)
            paused, started, finished = engine.paused, engine.started, engine.finished
            speed = engine.speed
            injected = sum(1 for e in engine.log if e["kind"] == "inject"
                           and e.get("what") == "call")
        finally:
            engine.lock.release()
        return cls(now=now, records=records, log=log, score=score_run(records),
                   total=len(engine.scenario.calls) + injected, ringing=ringing,
                   paused=paused, started=started, finished=finished, speed=speed)


def clock(seconds: float) -> str:
    """An offset as h:mm:ss."""
    whole = max(0, int(seconds))
    return f"{whole // 3600}:{whole % 3600 // 60:02d}:{whole % 60:02d}"


def counted(ref: Reference, codes: tuple[str, ...]) -> str:
    """Capabilities by name, a repeated one once with its count ("2× Patrol car")."""
    order = list(dict.fromkeys(codes))
    return ", ".join(names.capability(ref, c) if codes.count(c) == 1
                     else f"{codes.count(c)}× {names.capability(ref, c)}" for c in order)


def _after(record: CallRecord, at: float | None) -> str:
    return "" if at is None else f"{at - record.rang_at:.0f}"


COLUMNS = (
    N_("Call"), N_("Rang"), N_("Answered"), N_("Classified"), N_("Dispatched"),
    N_("Expected"), N_("Chosen"), N_("Units expected"), N_("Sent"),
    N_("Duplicate"), N_("Points"),
)
KEYS = ("call", "rang", "answered", "classified", "dispatched", "expected", "chosen",
        "units", "sent", "duplicate", "points")
ORDER = (0, 10, 1, 2, 3, 4, 5, 6, 7, 8, 9)
"""The columns as shown: the points next to the call, where a trainer looks first."""
TIPS = {
    1: N_("When the call rang, from the scenario's start"),
    2: N_("Seconds after ringing"), 3: N_("Seconds after ringing"),
    4: N_("Seconds after ringing"),
    5: N_("The class and priority the scenario expects"),
    6: N_("The class and priority the trainee chose"),
    7: N_("The unit types that should go"),
    8: N_("The units dispatched"),
    10: N_("Points of 100 (docs/scenarios.md, Scoring)"),
}


class RecordsModel(QAbstractTableModel):
    """The run's calls, one row each, refreshed from a snapshot."""

    def __init__(self, ref: Reference, parent: Any = None) -> None:
        super().__init__(parent)
        self.ref = ref
        self.records: list[CallRecord] = []
        self.scores: list[CallScore] = []
        self.now = 0.0

    def show(self, snap: Snapshot) -> None:
        old, new = len(self.records), len(snap.records)
        if new < old:
            self.beginResetModel()
            self.records, self.scores, self.now = snap.records, list(snap.score.calls), snap.now
            self.endResetModel()
            return
        if new > old:
            self.beginInsertRows(QModelIndex(), old, new - 1)
        self.records, self.scores, self.now = snap.records, list(snap.score.calls), snap.now
        if new > old:
            self.endInsertRows()
        if old:
            self.dataChanged.emit(self.index(0, 0), self.index(old - 1, len(COLUMNS) - 1))

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.records)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return tr(COLUMNS[ORDER[section]])
        if role == Qt.ItemDataRole.ToolTipRole:
            return tr(TIPS[ORDER[section]]) if ORDER[section] in TIPS else None
        return None

    def state(self, row: int) -> str:
        """'wrong' (points lost for more than time), 'late' (over 60 s from answering to
        dispatch, or still waiting past it), 'right', or 'open' (still being handled)."""
        record, score = self.records[row], self.scores[row]
        done = record.done_at is not None
        full = DUPLICATE_POINTS if record.call.duplicate_of else POINTS
        if done and any(score.points.get(rule, 0) < points for rule, points in full.items()
                        if rule != "on_time"):
            return "wrong"
        waited = self.now - (record.answered_at if record.answered_at is not None
                             else record.rang_at)
        if (score.time_to_dispatch is not None and score.time_to_dispatch > TARGET_S) or (
                not done and waited > TARGET_S):
            return "late"
        return "right" if done else "open"

    def data(self, index: QModelIndex | QPersistentModelIndex,
             role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        record, score = self.records[index.row()], self.scores[index.row()]
        if role == Qt.ItemDataRole.BackgroundRole:
            colour = {"wrong": WRONG, "late": LATE, "right": RIGHT}.get(
                self.state(index.row()), WAITING)
            return QBrush(colour)
        if role == Qt.ItemDataRole.ForegroundRole:
            return QBrush(QColor("#1a1a1a"))
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(record, score)
        column = ORDER[index.column()]
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (1, 2, 3, 4, 10):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        return self._text(column, record, score)

    @staticmethod
    def column(key: str) -> int:
        """Where the column ``key`` (one of ``KEYS``) is shown."""
        return ORDER.index(KEYS.index(key))

    def _text(self, column: int, record: CallRecord, score: CallScore) -> str:
        call = record.call
        if column == 0:
            return call.id
        if column == 1:
            return clock(record.rang_at)
        if column == 2:
            return _after(record, record.answered_at)
        if column == 3:
            return _after(record, record.classified_at)
        if column == 4:
            return _after(record, record.dispatched_at)
        if column == 5:
            return "" if call.duplicate_of else f"{call.classification} P{call.priority}"
        if column == 6:
            if record.classification is None:
                return ""
            prio = f" P{record.priority}" if record.priority is not None else ""
            return f"{record.classification}{prio}"
        if column == 7:
            return counted(self.ref, call.units) if call.units else "-"
        if column == 8:
            sent = ", ".join(record.dispatched)
            if score.missing:
                sent += "  " + tr("missing: {caps}", caps=counted(self.ref, score.missing))
            return sent
        if column == 9:
            return self._duplicate(record, score)
        return f"{score.score:g}" if record.done_at is not None else ""

    @staticmethod
    def _duplicate(record: CallRecord, score: CallScore) -> str:
        if not record.call.duplicate_of:
            return tr("attached (should be new)") if record.attached else ""
        if record.done_at is None:
            return tr("of {call}", call=record.call.duplicate_of)
        if score.points.get("duplicate", 0) > 0:
            return tr("attached to {number}", number=record.incident or "")
        return tr("not recognised (new incident {number})", number=record.incident or "")

    def _tooltip(self, record: CallRecord, score: CallScore) -> str:
        call = record.call
        lines = [f"{call.id}: {call.caller} {call.name}".strip(),
                 f"{call.location} ({call.island})"]
        lines += [f"« {line} »" for line in call.says]
        if record.incident:
            lines.append(tr("Incident {number}", number=record.incident))
        if record.done_at is not None:
            lines.append(", ".join(f"{rule} {got:g}" for rule, got in score.points.items()))
        if record.problem:
            lines.append(record.problem)
        return "\n".join(lines)


_LOG = {
    "ring": N_("call {call} rings ({caller})"),
    "answer": N_("call {call} answered"),
    "incident": N_("call {call} became {number} ({units})"),
    "attached": N_("call {call} attached to {number}"),
    "status": N_("{unit}: {status}"),
    "refused": N_("{unit}: {status} refused"),
    "held": N_("{unit}: message held (no radio)"),
    "position": N_("{unit}: position {lat}, {lon}"),
    "radio": N_("{unit} over the radio: {text}"),
}
_DISTURBANCE = {
    "gateway_drop": N_("gateway drop"), "radio_outage": N_("radio outage"),
    "hurricane": N_("hurricane"),
}


def disturbance_name(kind: str) -> str:
    return tr(_DISTURBANCE[kind]) if kind in _DISTURBANCE else kind


def log_line(ref: Reference, entry: dict[str, Any]) -> str:
    """One line of the engine's log as the trainer reads it."""
    kind = entry.get("kind", "")
    fields = {k: v for k, v in entry.items() if k not in ("at", "kind")}
    if kind == "status" or kind == "refused":
        fields["status"] = names.status(ref, str(fields.get("status", ""))) \
            if fields.get("status") else tr("position")
    if kind == "incident":
        fields["units"] = ", ".join(fields.get("units") or []) or tr("no unit")
    if kind == "end":
        text = tr("the run ends")
    elif kind == "answer" and fields.get("by"):
        text = tr("call {call} answered by {by}", call=fields.get("call", ""),
                  by=fields.get("by", ""))
    elif kind == "refused" and fields.get("what") == "channel":
        text = tr("training channel: {event} not sent ({problem})",
                  event=fields.get("event", ""), problem=fields.get("problem", ""))
    elif kind == "disturbance":
        text = tr("{what} begins", what=disturbance_name(str(fields.get("what")))) \
            if fields.get("state") == "begins" else \
            tr("{what} ends", what=disturbance_name(str(fields.get("what"))))
    elif kind == "inject":
        what = fields.get("what")
        if what == "call":
            text = tr("trainer injects call {call}", call=fields.get("call", ""))
        elif what == "status":
            text = tr("trainer injects {unit}: {status}", unit=fields.get("unit", ""),
                      status=names.status(ref, str(fields.get("status", ""))))
        else:
            text = tr("trainer injects {what} for {minutes} min",
                      what=disturbance_name(str(fields.get("disturbance", ""))),
                      minutes=round(float(fields.get("duration", 0)) / 60))
    elif kind in _LOG:
        try:
            text = tr(_LOG[kind], **{k: fields.get(k, "") for k in
                                     ("call", "caller", "number", "units", "unit", "status",
                                      "lat", "lon", "text")})
        except (KeyError, ValueError):
            text = " ".join(f"{k}={v}" for k, v in fields.items())
    else:
        text = kind + " " + " ".join(f"{k}={v}" for k, v in fields.items())
    return f"{clock(float(entry.get('at', 0)))}  {text}"
