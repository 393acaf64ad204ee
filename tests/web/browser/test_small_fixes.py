"""Small things a new user saw in Mod View (issue 15): checkboxes beside their labels, the
preview panel's download link and its level selector."""

from __future__ import annotations

from typing import TYPE_CHECKING

from playwright.sync_api import expect

from tests.web.browser.support import needs_browser

if TYPE_CHECKING:
    from tests.web.browser.conftest import OpenPage, Screenshot

pytestmark = needs_browser


def test_detection_checkboxes_sit_beside_their_labels(
    open_page: OpenPage, screenshot: Screenshot
) -> None:
    for width in (1280, 375):
        page = open_page("owner", "/mod/main", width=width)
        panel = page.locator("#panel-detection")
        panel.scroll_into_view_if_needed()
        for testid in ("detection-enabled", "detection-auto-shield", "detection-strikes"):
            box = panel.get_by_test_id(testid)
            label = panel.locator("label.check", has=page.get_by_test_id(testid))
            text = label.locator("span")
            expect(text).to_be_visible()
            b, t = box.bounding_box(), text.bounding_box()
            assert b is not None and t is not None
            assert b["x"] + b["width"] <= t["x"], (width, testid, b, t)  # left of the words
            assert b["y"] < t["y"] + t["height"] and t["y"] < b["y"] + b["height"], (
                width,
                testid,
                b,
                t,
            )  # on the first line of the words, not above them
        screenshot(page, f"detection-checkboxes-{width}")


def test_preview_level_selector_waits_for_a_category_and_the_link_has_no_backticks(
    open_page: OpenPage,
) -> None:
    page = open_page("mod", "/mod/main")
    panel = page.locator("#panel-preview")
    level = panel.get_by_test_id("preview-category-level")
    expect(level).to_be_hidden()
    panel.get_by_test_id("preview-category").select_option("bullying")
    expect(level).to_be_visible()
    level.select_option("4")
    panel.get_by_test_id("preview-category").select_option("")
    expect(level).to_be_hidden()
    link = panel.get_by_test_id("preview-export")
    expect(link).to_have_text("Download this history for chatwarden replay")
    expect(link.locator("code")).to_have_text("chatwarden replay")
