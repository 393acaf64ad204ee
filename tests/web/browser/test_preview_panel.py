"""Mod View's "Preview a change" panel: pick a change, see the differing messages as text."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from playwright.sync_api import expect

from tests.web.browser.support import Site, needs_browser

if TYPE_CHECKING:
    from tests.web.browser.conftest import OpenPage, Screenshot

pytestmark = needs_browser

HOSTILE = '<img src=x onerror="alert(1)"> what a noob'


def test_preview_panel_shows_what_a_blocked_term_would_change(
    site: Site, open_page: OpenPage, screenshot: Screenshot
) -> None:
    for i, text in enumerate(["gg wp", HOSTILE, "nice play"]):
        r = site["alice"].http.post(
            "/api/v1/channels/main/messages", json={"text": text, "idempotency_key": f"p{i}"}
        )
        assert r.status_code == 200, r.text
    page = open_page("mod", "/mod/main")
    panel = page.locator("#panel-preview")
    panel.get_by_test_id("preview-term").fill("noob")
    panel.get_by_test_id("preview-days").select_option("7")
    panel.get_by_test_id("preview-run").click()
    expect(panel.get_by_test_id("preview-window")).to_contain_text("Replayed 3 messages")
    expect(panel.get_by_test_id("preview-differ")).to_contain_text("1 message would get")
    sample = panel.get_by_test_id("preview-sample")
    expect(sample).to_have_count(1)
    # the chat text is shown as text (no element was made from it), the term highlighted
    expect(sample).to_contain_text(HOSTILE)
    expect(sample.locator("img")).to_have_count(0)
    expect(sample.locator("mark")).to_have_text("noob")
    expect(sample).to_contain_text("with the change: block")
    row = panel.get_by_test_id("preview-summary").locator("tr[data-action=block] td")
    expect(row).to_have_text(["0", "1"])
    detection = panel.get_by_test_id("preview-summary").locator("tr[data-action=detection] td")
    expect(detection).to_have_text(["0", "0"])  # the channel's detectors ran; nothing to act on
    link = panel.get_by_test_id("preview-export")
    expect(link).to_have_attribute("href", "/api/v1/channels/main/history/export?days=7")
    with page.expect_download() as download:
        link.click()
    exported = Path(download.value.path()).read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["text"] for line in exported] == ["gg wp", HOSTILE, "nice play"]
    panel.scroll_into_view_if_needed()
    screenshot(page, "modview-preview")
    # one category's level, on top of the current preset
    panel.get_by_test_id("preview-term").fill("")
    panel.get_by_test_id("preview-category").select_option("bullying")
    panel.get_by_test_id("preview-category-level").select_option("0")
    panel.get_by_test_id("preview-run").click()
    expect(panel.get_by_test_id("preview-differ")).to_contain_text("0 messages would get")
    expect(panel.get_by_test_id("preview-sample")).to_have_count(0)
    # nothing changed on the server
    terms = site["mod"].http.get("/api/v1/channels/main/automod/terms").json()
    assert terms == []


def test_viewers_do_not_get_the_preview(site: Site, open_page: OpenPage) -> None:
    r = site["vip"].http.post("/api/v1/channels/main/automod/preview", json={"overall_level": 4})
    assert r.status_code == 403
