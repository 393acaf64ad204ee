"""The replay report: one self-contained HTML file (charts included, works offline).

The report is a pure function of the JSON summary (``summary.build_summary``), so the HTML and
``--json`` always show the same numbers. Every piece of chat text, username, term and problem
excerpt goes through ``html.escape``; chart data is JSON with ``<``, ``>`` and ``&`` escaped.
The charts use plotly.js, read from the installed ``plotly`` package and inlined (no CDN).
"""

from __future__ import annotations

import html
import importlib.util
import json
import math
import re
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from chatwarden.errors import ConfigError
from chatwarden.replay.modes import NOT_SIMULATED

_COLOURS = {"allow": "#8fbf8f", "hold": "#e6a23c", "block": "#d9534f", "rejected": "#7a7aa8"}
_CSP = (
    "default-src 'none'; script-src 'unsafe-inline' 'unsafe-eval'; "
    "style-src 'unsafe-inline'; img-src data:; font-src data:"
)
_STYLE = """
body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:1200px;color:#222;padding:0 1em}
h1{font-size:1.6em}h2{margin-top:2em;border-bottom:1px solid #ddd;padding-bottom:.2em}
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ddd;padding:.25em .6em;
text-align:left;vertical-align:top}th{background:#f4f4f4}td.n{text-align:right}
mark{background:#ffd38a;padding:0 1px}.allow{color:#2e7d32}.hold{color:#b36b00}
.block{color:#c62828}.rejected{color:#4a4a8a}.muted{color:#777}.side{display:grid;
grid-template-columns:1fr 1fr;gap:0}.chart{width:100%;height:380px}code{white-space:pre-wrap}
"""


@cache
def plotly_js() -> str:
    """plotly.js from the installed ``plotly`` package (pinned in pyproject)."""
    spec = importlib.util.find_spec("plotly")
    if spec is None or not spec.submodule_search_locations:
        raise ConfigError("the HTML report needs the plotly package: pip install plotly==7.1.0")
    path = Path(next(iter(spec.submodule_search_locations))) / "package_data" / "plotly.min.js"
    try:
        js = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read plotly.js at {path}: {exc.strerror}") from None
    return re.sub(r"</(script)", r"<\\/\1", js, flags=re.IGNORECASE)


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def script_json(value: object) -> str:
    """JSON that is safe inside a ``<script>`` element."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def highlight(text: str, reasons: list[dict[str, Any]]) -> str:
    """The message, escaped, with the spans that triggered each reason in ``<mark>``."""
    spans = sorted(
        (max(0, int(s[0])), min(len(text), int(s[1])))
        for r in reasons
        for s in r.get("spans", [])
        if isinstance(s, list | tuple) and len(s) == 2
    )
    merged: list[list[int]] = []
    for start, end in spans:
        if end <= start:
            continue
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    out, pos = [], 0
    for start, end in merged:
        out.append(_e(text[pos:start]))
        out.append(f"<mark>{_e(text[start:end])}</mark>")
        pos = end
    out.append(_e(text[pos:]))
    return "".join(out)


def explain(reasons: list[dict[str, Any]]) -> str:
    """One line per reason: category, level, score vs threshold and the words; or the term."""
    parts = []
    for r in reasons:
        words = ", ".join(_e(w) for w in r.get("words", [])) or "-"
        if r.get("kind") == "category":
            parts.append(
                f"{_e(r.get('category'))} (level {_e(r.get('level'))}): score "
                f"{_e(r.get('score'))} &ge; {_e(r.get('threshold'))}; words: {words}"
            )
        else:
            term = "(private term)" if r.get("term") is None else r.get("term")
            parts.append(f"blocked term {_e(term)}; matched: {words}")
    return "<br>".join(parts)


def _outcome_cell(side: dict[str, Any]) -> str:
    action = str(side.get("action", ""))
    label = f'<b class="{_e(action)}">{_e(action)}</b>'
    if side.get("rule"):
        label += f" ({_e(side['rule'])})"
    reasons = side.get("reasons") or []
    if reasons:
        label += "<br>" + explain(reasons)
    return label


def _table(
    headers: list[str],
    rows: list[list[str]],
    numeric: set[int] | None = None,
    table_id: str = "",
) -> str:
    numeric = numeric or set()
    head = "".join(f"<th>{_e(h)}</th>" for h in headers)
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="n">{c}</td>' if i in numeric else f"<td>{c}</td>"
            for i, c in enumerate(row)
        )
        + "</tr>"
        for row in rows
    )
    attrs = f' id="{_e(table_id)}"' if table_id else ""
    return f"<table{attrs}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _time_axis(runs: list[dict[str, Any]]) -> str:
    """The timeline's x axis: from the first bucket to the end of the last, so a replay of a
    few seconds shows a minute (plotly's own range around one point ticks in microseconds)."""
    tl = next((run["timeline"] for run in runs if run.get("timeline")), None)
    if not tl or not tl["starts"]:
        return script_json({"type": "date"})
    width = int(tl["bucket_s"])
    start = datetime.fromisoformat(tl["starts"][0])
    end = datetime.fromisoformat(tl["starts"][-1]) + timedelta(seconds=width)
    step = width * max(1, math.ceil(len(tl["starts"]) / 10))  # about 10 ticks, whole buckets
    fmt = (
        "%b %d"
        if width >= 86400
        else ("%H:%M" if end - start <= timedelta(days=1) else "%b %d %H:%M")
    )
    return script_json(
        {
            "type": "date",
            "range": [start.isoformat(), end.isoformat()],
            "tick0": start.isoformat(),
            "dtick": step * 1000,  # milliseconds
            "tickformat": fmt,
        }
    )


def _charts(runs: list[dict[str, Any]]) -> tuple[str, str]:
    """Plotly figure data for the timeline and the category chart."""
    timeline: list[dict[str, Any]] = []
    for run in runs:
        tl = run.get("timeline")
        if not tl:
            continue
        dash = "solid" if run is runs[0] else "dot"
        for action in ("hold", "block", "rejected"):
            timeline.append(
                {
                    "type": "scatter",
                    "mode": "lines+markers",
                    "name": f"{run['label']}: {action}",
                    "x": tl["starts"],
                    "y": tl["counts"][action],
                    "line": {"color": _COLOURS[action], "dash": dash},
                }
            )
    categories = sorted({c for run in runs for c in run["held_by_category"]})
    bars = [
        {
            "type": "bar",
            "name": run["label"],
            "x": categories,
            "y": [run["held_by_category"].get(c, 0) for c in categories],
        }
        for run in runs
    ]
    return script_json(timeline), script_json(bars)


def render_report(summary: dict[str, Any], *, title: str = "ChatWarden replay") -> str:
    """The HTML report for a summary from ``build_summary``."""
    log, runs, comparison = summary["log"], summary["runs"], summary.get("comparison")
    out: list[str] = [
        "<!doctype html><html lang=en><head><meta charset=utf-8>",
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">',
        f"<title>{_e(title)}</title><style>{_STYLE}</style>",
        f"<script>{plotly_js()}</script></head><body>",
        f"<h1>{_e(title)}</h1>",
        f'<p class="muted">Log {_e(summary.get("source", ""))}: format {_e(log["format"])}, '
        f"{log['lines']} lines, {log['records']} messages replayed, "
        f"{log['problems']} lines not usable. Nothing was sent and no one was moderated: "
        "this is what would have happened.</p>",
    ]
    # -- overview
    rows = []
    for run in runs:
        c = run["counts"]
        rows.append(
            [
                _e(run["label"]),
                _e(run["settings"]),
                str(run["messages"]),
                str(c["allow"]),
                str(c["hold"]),
                str(c["block"]),
                str(c["rejected"]),
                str(run["exempt"]),
                _e(", ".join(run["modes"]) or "none"),
                f"<code>{_e(run['model_version'])}</code>",
            ]
        )
    out.append('<h2 id="overview">Outcomes</h2>')
    out.append(
        _table(
            [
                "run",
                "settings",
                "messages",
                "allowed",
                "held",
                "blocked",
                "rejected by a rule",
                "exempt",
                "chat modes simulated",
                "model",
            ],
            rows,
            {2, 3, 4, 5, 6, 7},
        )
    )
    for run in runs:
        if run.get("recorded"):
            r = run["recorded"]
            out.append(
                f"<p>{_e(run['label'])}: {r['agree']} of {r['with_recorded']} messages with a "
                f"recorded decision get the same outcome now; {r['differ']} differ.</p>"
            )
        out.append(_detection_html(run))
    timeline_data, category_data = _charts(runs)
    out.append('<h2 id="timeline">Held, blocked and rejected over time</h2>')
    out.append('<div id="chart-timeline" class="chart"></div>')
    out.append('<h2 id="categories">Held by category</h2>')
    out.append('<div id="chart-categories" class="chart"></div>')
    cats = sorted({c for run in runs for c in run["held_by_category"]})
    out.append(
        _table(
            ["category", *[run["label"] for run in runs]],
            [[_e(c), *[str(run["held_by_category"].get(c, 0)) for run in runs]] for c in cats],
            set(range(1, len(runs) + 1)),
        )
        if cats
        else "<p>No message was held for a category.</p>"
    )
    for run in runs:
        if run["rejected_by_rule"]:
            out.append(
                f"<p>{_e(run['label'])}: rejected by chat rules: "
                + ", ".join(f"{_e(k)} {v}" for k, v in run["rejected_by_rule"].items())
                + "</p>"
            )
    # -- terms
    out.append('<h2 id="terms">Top triggering words and terms</h2><div class="side">')
    for run in runs:
        out.append(f"<div><h3>{_e(run['label'])}</h3>")
        out.append(
            _table(["word", "times"], [[_e(w), str(n)] for w, n in run["top_triggers"]], {1})
            if run["top_triggers"]
            else "<p>None.</p>"
        )
        if run["blocked_terms"]:
            out.append(
                _table(
                    ["blocked term", "messages"],
                    [[_e(t), str(n)] for t, n in run["blocked_terms"].items()],
                    {1},
                )
            )
        out.append("</div>")
    out.append("</div>")
    # -- A/B
    if comparison is not None:
        out.append(_comparison(comparison))
    # -- samples
    out.append('<h2 id="samples">Samples with their explanations</h2>')
    for run in runs:
        out.append(f"<h3>{_e(run['label'])}: first held or blocked messages</h3>")
        sample_rows = [
            [
                str(s["line"]),
                _e(s["time"]),
                _e(s["user"]),
                highlight(s["text"], s.get("reasons", [])),
                _outcome_cell(s),
            ]
            for s in run["samples"]
        ]
        out.append(
            _table(["line", "time", "user", "message", "outcome"], sample_rows, {0})
            if sample_rows
            else "<p>None.</p>"
        )
    # -- problems
    out.append('<h2 id="problems">Lines that could not be replayed</h2>')
    if log["problems"]:
        out.append(
            f"<p>{log['problems']} lines or items were not usable chat messages"
            + (
                f" (the first {len(log['first_problems'])} are listed)"
                if len(log["first_problems"]) < log["problems"]
                else ""
            )
            + ". By reason: "
            + ", ".join(f"{_e(k)} {v}" for k, v in log["problem_reasons"].items())
            + "</p>"
        )
        out.append(
            _table(
                ["line", "reason", "content"],
                [
                    [str(p["line"]), _e(p["reason"]), f"<code>{_e(p['excerpt'])}</code>"]
                    for p in log["first_problems"]
                ],
                {0},
            )
        )
    else:
        out.append("<p>Every line was read.</p>")
    out.append('<h2 id="limits">What this replay does not simulate</h2><ul>')
    out.extend(f"<li>{_e(item)}</li>" for item in NOT_SIMULATED)
    out.append("</ul>")
    out.append(
        "<script>(function(){var tl="
        + timeline_data
        + ",cat="
        + category_data
        + ";var cfg={displaylogo:false,responsive:true};"
        + "if(window.Plotly){Plotly.newPlot('chart-timeline',tl,{barmode:'stack',xaxis:"
        + _time_axis(runs)
        + ",yaxis:{title:{text:'messages'}},margin:{t:20}},cfg);"
        + "Plotly.newPlot('chart-categories',cat,{barmode:'group',"
        + "yaxis:{title:{text:'messages held'}},margin:{t:20}},cfg);}})();</script>"
    )
    out.append("</body></html>")
    return "\n".join(out)


def _comparison(c: dict[str, Any]) -> str:
    a, b = _e(c["a"]), _e(c["b"])
    out = [
        f'<h2 id="compare">Difference: {a} vs {b}</h2>',
        f"<p>{c['differ']} of {c['messages']} messages get a different outcome: "
        f"{c['stricter_in_b']} stricter under {b}, {c['looser_in_b']} looser.</p>",
    ]
    if c["transitions"]:
        out.append(
            _table(
                [f"{c['a']} → {c['b']}", "messages"],
                [[_e(k.replace("->", " → ")), str(v)] for k, v in c["transitions"].items()],
                {1},
            )
        )
    if c["by_category"]:
        out.append(
            _table(
                [
                    "category",
                    f"held in {c['a']}",
                    f"held in {c['b']}",
                    f"only in {c['a']}",
                    f"only in {c['b']}",
                ],
                [
                    [_e(cat), str(v["a"]), str(v["b"]), str(v["only_a"]), str(v["only_b"])]
                    for cat, v in c["by_category"].items()
                ],
                {1, 2, 3, 4},
            )
        )
    if c["samples"]:
        out.append(f"<h3>Messages whose outcome differs (side by side, {len(c['samples'])})</h3>")
        out.append(
            _table(
                ["line", "user", "message", c["a"], c["b"]],
                [
                    [
                        str(s["line"]),
                        _e(s["user"]),
                        highlight(s["text"], s["a"].get("reasons", []) + s["b"].get("reasons", [])),
                        _outcome_cell(s["a"]),
                        _outcome_cell(s["b"]),
                    ]
                    for s in c["samples"]
                ],
                {0},
                "diff-samples",
            )
        )
    return "\n".join(out)


def _detection_html(run: dict[str, Any]) -> str:
    """One paragraph: what proactive detection did in a run (or that it was off)."""
    label = _e(run["label"])
    detection = run.get("detection")
    if not isinstance(detection, dict):
        return ""
    if not detection["enabled"]:
        return f"<p>{label}: proactive detection off.</p>"
    effects = ", ".join(f"{n} {_e(e)}" for e, n in detection["effects"].items() if n)
    by = ", ".join(f"{_e(d)} {n}" for d, n in detection["by_detector"].items())
    text = f"{label}: proactive detection: {effects or 'nothing'}"
    if by:
        text += f" (by {by})"
    text += f"; it set {detection['decided']} outcomes"
    text += f"; {len(detection['raid_alerts'])} raid alerts"
    if run.get("recorded_detection"):
        r = run["recorded_detection"]
        text += f"; the same effect as live on {r['agree']} of {r['with_recorded']} messages"
    return f"<p>{text}.</p>"
