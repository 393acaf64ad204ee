"""The replay's HTML report in a real Chromium: charts draw offline, hostile chat stays text."""

from __future__ import annotations

import json
import re
from pathlib import Path

from playwright.sync_api import Browser, expect

from chatwarden.replay import (
    ReplaySettings,
    Variant,
    build_summary,
    parse_log,
    render_report,
    replay_records,
)
from chatwarden.settings import AutoModSettings, TermSpec
from tests.web.browser.support import needs_browser

pytestmark = needs_browser

HOSTILE = '<img src=x onerror="alert(1)"> noob <script>alert(2)</script>'


def test_report_renders_offline_with_hostile_text(browser: Browser, tmp_path: Path) -> None:
    lines = [
        {"time": "2024-05-01T20:00:00Z", "user": "<b>evil</b>", "text": HOSTILE},
        {"time": "2024-05-01T20:01:00Z", "user": "ok", "text": "gg wp"},
    ]
    log = parse_log("\n".join(json.dumps(x) for x in lines) + "\nnot json\n")
    variants = [
        Variant("A", ReplaySettings(AutoModSettings())),
        Variant("B", ReplaySettings(AutoModSettings(terms=(TermSpec(text="noob"),)))),
    ]
    summary = build_summary(log, replay_records(log.records, variants), variants)
    path = tmp_path / "report.html"
    path.write_text(render_report(summary), encoding="utf-8")

    context = browser.new_context()
    page = context.new_page()
    problems: list[str] = []
    page.on("dialog", lambda d: (problems.append(f"dialog {d.message}"), d.dismiss()))
    page.on("pageerror", lambda e: problems.append(f"error {e}"))
    page.on(
        "request",
        lambda r: problems.append(f"request {r.url}") if r.url.startswith("http") else None,
    )
    page.goto(path.as_uri())
    expect(page.locator("#chart-timeline .main-svg").first).to_be_visible(timeout=10000)
    expect(page.locator("#chart-categories .main-svg").first).to_be_visible()
    row = page.locator("#diff-samples tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text(HOSTILE)  # shown as text
    expect(row.locator("mark")).to_have_text("noob")
    expect(page.locator("body img")).to_have_count(0)
    expect(page.get_by_text("<b>evil</b>").first).to_be_visible()
    context.close()
    assert problems == []


def test_a_short_replay_labels_its_time_axis_in_minutes(browser: Browser, tmp_path: Path) -> None:
    """A replay of a few seconds: the axis spans its minute bucket, ticks read HH:MM (it showed
    sub-millisecond labels such as 20:00:00.0005 around a single point)."""
    lines = [
        {"time": "2024-05-01T20:00:01Z", "user": "a", "text": "you are an idiot"},
        {"time": "2024-05-01T20:00:03Z", "user": "b", "text": "gg wp"},
    ]
    log = parse_log("\n".join(json.dumps(x) for x in lines) + "\n")
    variants = [Variant("A", ReplaySettings(AutoModSettings()))]
    summary = build_summary(log, replay_records(log.records, variants), variants)
    path = tmp_path / "short.html"
    path.write_text(render_report(summary), encoding="utf-8")
    context = browser.new_context()
    page = context.new_page()
    page.goto(path.as_uri())
    ticks = page.locator("#chart-timeline .xtick text")
    expect(ticks.first).to_be_visible(timeout=10000)
    labels = ticks.all_text_contents()
    context.close()
    assert labels and all(re.fullmatch(r"\d\d:\d\d", t) for t in labels), labels
    assert "20:00" in labels
