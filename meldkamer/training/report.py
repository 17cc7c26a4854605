"""The after-action report of a training run: one self-contained, offline HTML page.

``render_report(scenario, records, score)`` gives the page's text: the scenario's title,
islands, seed and speed, the run's totals (score, calls, the share dispatched within 60 s
against the NFPA 1225 target of 90%), a table of the calls (times to answer, classify and
dispatch, class and priority right, unit types right or unfillable, questions asked,
points and deductions) and a timeline chart (inline SVG drawn here: each call where it
rang, a bar from answering to dispatch). No external URL, no script: the CSS is inline.
Every text that comes from the scenario is escaped. The language is Dutch unless told.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from pathlib import Path

from meldkamer.errors import InvalidInput
from meldkamer.i18n import N_, tr
from meldkamer.training.engine import CallRecord
from meldkamer.training.scenario import Scenario
from meldkamer.training.scoring import (
    DUPLICATE_POINTS,
    POINTS,
    TARGET_S,
    TARGET_SHARE,
    CallScore,
    RunScore,
)

DEFAULT_LANGUAGE = "nl"

_CSS = """
body{font-family:sans-serif;margin:2em;color:#222}
h1{font-size:1.5em;margin-bottom:.2em}
table{border-collapse:collapse;margin:1em 0;font-size:.85em}
th,td{border:1px solid #bbb;padding:.25em .5em;text-align:left;vertical-align:top}
th{background:#eee}
td.num{text-align:right}
.bad{color:#a00}.good{color:#060}
dl.totals{display:grid;grid-template-columns:max-content auto;gap:.2em 1em}
dl.totals dt{font-weight:bold}dl.totals dd{margin:0}
svg{display:block}
svg text{font-size:10px;font-family:sans-serif}
@media print{
body{margin:0;font-size:9pt;-webkit-print-color-adjust:exact;print-color-adjust:exact}
h1,h2{break-after:avoid}
table{width:100%;font-size:7.5pt}
thead{display:table-header-group}
tr,svg,dl.totals{break-inside:avoid}
td.tel{white-space:nowrap}
td.wrap{overflow-wrap:anywhere}
svg{max-width:100%;height:auto}
}
"""
# Calls per timeline chart: a chart is one picture and a printed page cannot split it,
# so a long run gets one chart per this many calls, each with its own axis, that fits an
# A4 page (landscape or portrait) whole.
TIMELINE_ROWS = 20


def _t(template: str, lang: str, **fields: object) -> str:
    """Translated and escaped (the fields may come from the scenario)."""
    return escape(tr(template, lang=lang, **fields))


def _seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f} s"


def _clock(seconds: float) -> str:
    whole = max(0, int(seconds))
    return f"{whole // 3600}:{whole % 3600 // 60:02d}:{whole % 60:02d}"


def _yes_no(ok: bool, lang: str) -> str:
    if ok:
        return '<span class="good">' + _t(N_("yes"), lang) + "</span>"
    return '<span class="bad">' + _t(N_("no"), lang) + "</span>"


def _deductions(score: CallScore) -> str:
    full = DUPLICATE_POINTS if "duplicate" in score.points else POINTS
    lost = [f"{rule} -{full[rule] - got:g}" for rule, got in score.points.items()
            if got < full[rule]]
    return escape(", ".join(lost)) or "-"


def _row(record: CallRecord, score: CallScore, lang: str) -> str:
    call = record.call
    if call.duplicate_of:
        klass = _t(N_("duplicate of {call}"), lang, call=call.duplicate_of)
        klass += " " + _yes_no(score.points.get("duplicate", 0) > 0, lang)
        units = "-"
    else:
        klass = (escape(score.classification or "-") + " / "
                 + escape(str(record.priority) if record.priority is not None else "-") + " "
                 + _yes_no(score.points["class"] > 0 and score.points["priority"] > 0, lang))
        units = _yes_no(not score.missing and score.points["units"] > 0, lang)
        if score.missing:
            units += " " + _t(N_("missing: {caps}"), lang, caps=", ".join(score.missing))
        if score.unfillable:
            units += " " + _t(N_("unfillable: {caps}"), lang, caps=", ".join(score.unfillable))
    asked = sum(1 for q in call.answers if q in record.answered)
    cells = [
        escape(call.id), _clock(call.at), escape(call.name or "-"), escape(call.caller),
        escape(call.island), escape(call.classification) + " / " + str(call.priority),
        _seconds(score.time_to_answer), _seconds(score.time_to_classify),
        _seconds(score.time_to_dispatch), klass, units,
        f"{asked} / {len(call.answers)}", f"{score.score:g}", _deductions(score),
    ]
    num, tel, wrap = {1, 6, 7, 8, 11, 12}, {3}, {9, 10, 13}
    return "<tr>" + "".join(f'<td class="num">{c}</td>' if i in num
                            else f'<td class="tel">{c}</td>' if i in tel
                            else f'<td class="wrap">{c}</td>' if i in wrap
                            else f"<td>{c}</td>" for i, c in enumerate(cells)) + "</tr>"


def _timeline(records: Sequence[CallRecord], scores: Sequence[CallScore], lang: str) -> str:
    """SVG charts on one time axis: one line per call, a dot where it rang, a bar from
    answer to dispatch (green within 60 s, red later or never); one chart per
    ``TIMELINE_ROWS`` calls, so that each fits a printed page."""
    longest = max((len(r.call.id) for r in records), default=4)
    ends = [x for r in records for x in (r.call.at, r.rang_at, r.answered_at,
                                         r.dispatched_at, r.done_at) if x is not None]
    span = max(ends, default=0.0) or 1.0
    left = min(220, 12 + 6 * longest)
    charts = [_chart(records[i:i + TIMELINE_ROWS], scores[i:i + TIMELINE_ROWS], lang,
                     span=span, left=left)
              for i in range(0, len(records), TIMELINE_ROWS)]
    return "\n".join(charts) or _chart([], [], lang, span=span, left=left)


def _chart(records: Sequence[CallRecord], scores: Sequence[CallScore], lang: str, *,
           span: float, left: int) -> str:
    width, row, top = 900, 14, 24
    scale = (width - left - 10) / span
    height = top + row * len(records) + 10

    def x(t: float) -> float:
        return round(left + t * scale, 1)

    label = _t(N_("Timeline"), lang)
    parts = [f'<svg width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" role="img" '
             f'aria-label="{label}">']
    ticks = 6
    for k in range(ticks + 1):
        t = span * k / ticks
        parts.append(f'<line x1="{x(t)}" y1="{top - 6}" x2="{x(t)}" y2="{height - 10}" '
                     'stroke="#ddd"/>')
        anchor = "end" if k == ticks else "middle"  # the last label inside the chart
        parts.append(f'<text x="{x(t)}" y="{top - 10}" text-anchor="{anchor}">'
                     f'{_clock(t)}</text>')
    for n, (record, score) in enumerate(zip(records, scores, strict=True)):
        y = top + n * row + row / 2
        parts.append(f'<text x="{left - 6}" y="{y + 3}" text-anchor="end">'
                     f'{escape(record.call.id)}</text>')
        end = record.dispatched_at if record.dispatched_at is not None else record.done_at
        if record.answered_at is not None and end is not None:
            on_time = score.time_to_dispatch is not None and score.time_to_dispatch <= TARGET_S
            colour = "#2a2" if on_time else "#c22"
            w = max(1.5, round((end - record.answered_at) * scale, 1))
            parts.append(f'<rect x="{x(record.answered_at)}" y="{y - 4}" width="{w}" '
                         f'height="8" fill="{colour}"><title>{escape(record.call.id)}: '
                         f'{_seconds(score.time_to_dispatch)}</title></rect>')
        parts.append(f'<circle cx="{x(record.rang_at)}" cy="{y}" r="3" fill="#333"/>')
    parts.append("</svg>")
    return "".join(parts)


def render_report(scenario: Scenario, records: Sequence[CallRecord], score: RunScore, *,
                  speed: float | None = None, lang: str = DEFAULT_LANGUAGE) -> str:
    """The report's HTML text; ``speed`` None: as fast as the machine went."""
    title = _t(N_("After-action report: {title}"), lang, title=scenario.title or scenario.name)
    data = score.as_data()
    share = round(100 * score.within_target)
    totals = [
        (_t(N_("Scenario"), lang), escape(scenario.name)),
        (_t(N_("Islands"), lang), escape(", ".join(scenario.islands))),
        (_t(N_("Seed"), lang), escape(str(scenario.seed))),
        (_t(N_("Start"), lang), escape(scenario.start.isoformat())),
        (_t(N_("Speed"), lang), _t(N_("as fast as the machine goes"), lang) if speed is None
         else escape(f"{speed:g}x")),
        (_t(N_("Score"), lang), f"{score.score:g} / 100"),
        (_t(N_("Calls"), lang), str(len(score.calls))),
        (_t(N_("Dispatched within 60 s"), lang),
         _t(N_("{share}% (NFPA 1225 target: {target}%)"), lang, share=share,
            target=round(100 * TARGET_SHARE)) + " " + _yes_no(score.meets_nfpa, lang)),
        (_t(N_("Answered within 15 s"), lang),
         _t(N_("{share}% (NFPA 1225 target: {target}%)"), lang,
            share=round(100 * score.answered_in_time), target=round(100 * TARGET_SHARE))
         + " " + _yes_no(score.answered_in_time >= TARGET_SHARE, lang)),
        (_t(N_("Class right"), lang), str(data["class_right"])),
        (_t(N_("Unit types right"), lang), str(data["units_right"])),
        (_t(N_("Duplicates recognised"), lang), str(data["duplicates_recognised"])),
    ]
    heads = [_t(h, lang) for h in (
        N_("Call"), N_("Rang at"), N_("Caller"), N_("Number"), N_("Island"),
        N_("Expected"), N_("To answer"), N_("To classify"), N_("To dispatch"),
        N_("Class / priority"), N_("Unit types"), N_("Questions asked"), N_("Points"),
        N_("Deductions"))]
    body = "\n".join(_row(r, s, lang) for r, s in zip(records, score.calls, strict=True))
    legend = _t(N_("A dot where each call rang; a bar from answering to dispatch, green within "
                "60 s, red later or never."), lang)
    totals_head, timeline_head, calls_head = (
        _t(N_("Totals"), lang), _t(N_("Timeline"), lang), _t(N_("Calls"), lang))
    description = (f"<p>{escape(scenario.description)}</p>" if scenario.description else "")
    return (
        f'<!DOCTYPE html>\n<html lang="{escape(lang)}">\n<head>\n<meta charset="utf-8"/>\n'
        f"<title>{title}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n"
        f"<h1>{title}</h1>\n{description}\n"
        f"<h2>{totals_head}</h2>\n<dl class=\"totals\">"
        + "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in totals)
        + f"</dl>\n<h2>{timeline_head}</h2>\n"
        f"<p>{legend}</p>\n"
        + _timeline(records, score.calls, lang)
        + f"\n<h2>{calls_head}</h2>\n<table>\n<thead><tr>"
        + "".join(f"<th>{h}</th>" for h in heads)
        + f"</tr></thead>\n<tbody>\n{body}\n</tbody>\n</table>\n</body>\n</html>\n")


def write_report(path: str | Path, scenario: Scenario, records: Sequence[CallRecord],
                 score: RunScore, *, speed: float | None = None,
                 lang: str = DEFAULT_LANGUAGE) -> Path:
    """Write the report to ``path`` (UTF-8); the path. A path that cannot be written is
    ``InvalidInput``."""
    out = Path(path)
    text = render_report(scenario, records, score, speed=speed, lang=lang)
    try:
        out.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise InvalidInput(N_("cannot write the report {path} ({error})"), path=str(out),
                           error=exc.strerror or str(exc)) from None
    return out
