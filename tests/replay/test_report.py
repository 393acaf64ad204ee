"""The HTML report: hostile chat text is escaped everywhere, numbers match the summary."""

from __future__ import annotations

import json
import re

from chatwarden.pipeline import AutoMod
from chatwarden.replay import (
    ParsedLog,
    ReplaySettings,
    Variant,
    build_summary,
    parse_log,
    render_report,
    replay_records,
)
from chatwarden.replay.report import highlight, script_json
from chatwarden.settings import AutoModSettings, TermSpec

HOSTILE_USER = '<img src=x onerror="alert(1)">'
HOSTILE_TEXT = "pwned </script><script>alert(document.cookie)</script> &amp; <b>bold</b> pwned"


def hostile_log() -> ParsedLog:
    lines = [
        {"time": "2024-05-01T20:00:00Z", "user": HOSTILE_USER, "text": HOSTILE_TEXT},
        {"time": "2024-05-01T20:00:05Z", "user": "ok", "text": "gg <3"},
    ]
    text = "\n".join(json.dumps(x) for x in lines)
    text += '\n{"broken": "<svg onload=alert(2)>"\n'  # a parse problem with hostile content
    return parse_log(text)


def render(log: ParsedLog) -> tuple[dict[str, object], str]:
    terms = (TermSpec(text="pwned"), TermSpec(text="<script>*", is_regex=False))
    variants = [
        Variant("A", ReplaySettings(AutoModSettings(overall_level=0), source="<i>a</i>.toml")),
        Variant("B", ReplaySettings(AutoModSettings(overall_level=0, terms=terms[:1]))),
    ]
    summary = build_summary(log, replay_records(log.records, variants), variants)
    return summary, render_report(summary, title="<title>replay")


def test_hostile_chat_text_is_escaped_everywhere() -> None:
    log = hostile_log()
    assert log.problem_count == 1
    summary, page = render(log)
    # only the report's own two scripts: plotly.js and the chart set-up
    assert page.count("<script") == 2
    head, page = page.split("</script>", 1)  # plotly.js itself mentions <svg, <img ...
    assert "<title>&lt;title&gt;replay</title>" in head
    assert "<img" not in page and "<svg" not in page and "<b>bold" not in page
    assert "<i>a</i>" not in page and "<title>" not in page
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in page  # the username
    assert "&lt;/script&gt;&lt;script&gt;alert(document.cookie)&lt;/script&gt;" in page
    assert "&amp;amp;" in page  # an entity in chat is shown as typed, not interpreted
    assert "&lt;svg onload=alert(2)&gt;" in page  # the parse problem's excerpt
    # the blocked term is highlighted inside the escaped text
    assert "<mark>pwned</mark> &lt;/script&gt;" in page
    assert summary["comparison"]["differ"] == 1  # type: ignore[index]


def test_script_json_cannot_close_the_script() -> None:
    data = script_json({"x": "</script><script>alert(1)</script>", "y": "a & b"})
    assert "<" not in data and ">" not in data and "&" not in data
    assert json.loads(data) == {"x": "</script><script>alert(1)</script>", "y": "a & b"}


def test_highlight_merges_and_clamps_spans() -> None:
    reasons = [{"spans": [[0, 3], [2, 5], [40, 50]]}, {"spans": [[7, 8]]}]
    assert highlight("a<b>cd e", reasons) == "<mark>a&lt;b&gt;c</mark>d <mark>e</mark>"


def test_report_numbers_match_the_pipeline(small_log: ParsedLog) -> None:
    settings = AutoModSettings(overall_level=3)
    variants = [Variant("A", ReplaySettings(settings, source="level3"))]
    summary = build_summary(small_log, replay_records(small_log.records, variants), variants)
    page = render_report(summary)
    texts = [r.text for r in small_log.records]
    decisions = AutoMod(settings).check_batch(texts, roles=[r.role for r in small_log.records])
    held = sum(d.action.value == "hold" for d in decisions)
    blocked = sum(d.action.value == "block" for d in decisions)
    row = re.search(r"<tr><td>A</td><td>level3</td>(.*?)</tr>", page)
    assert row is not None
    cells = re.findall(r'<td class="n">(\d+)</td>', row.group(1))
    assert cells[:5] == [str(len(texts)), str(len(texts) - held - blocked), str(held), "0", "0"]
    # the chart data are the summary's timeline
    tl = summary["runs"][0]["timeline"]
    assert script_json(tl["counts"]["hold"]) in page
    # offline: plotly.js is inline, nothing is fetched
    assert "Plotly.newPlot" in page and "plotly.js v" in page
    assert not re.search(r"""<(script|link|img)[^>]+(src|href)=["']?https?:""", page)
