"""The user card shows the user's moderation history (who, what, reason, duration) from the
mod log's server-side search, and trust flags: verified email and phone, monitored or
restricted (issue 15, "Team and users"). Opened by keyboard from Find a user; screenshots at
1280x800 and 375 px."""

from __future__ import annotations

from typing import TYPE_CHECKING

from playwright.sync_api import expect

from tests.web.browser.support import Site, needs_browser

if TYPE_CHECKING:
    from playwright.sync_api import Page

    from tests.web.browser.conftest import OpenPage, Screenshot

pytestmark = needs_browser

MAIN = "/api/v1/channels/main"


def _card_by_keyboard(page: Page, name: str) -> None:
    box = page.get_by_role("searchbox", name="Find a user by name")
    box.focus()
    page.keyboard.type(name)
    expect(page.get_by_role("list", name="Users found").get_by_text(name)).to_be_visible()
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("usercard-name")).to_have_text(name)


def test_history_and_trust_flags_in_the_user_card(
    site: Site, open_page: OpenPage, screenshot: Screenshot
) -> None:
    mod = site["mod"].http
    assert mod.post(f"{MAIN}/warnings/mallory", json={"reason": "be civil"}).is_success
    r = mod.put(f"{MAIN}/timeouts/mallory", json={"duration_s": 600, "reason": "insults"})
    assert r.is_success, r.text
    assert mod.delete(f"{MAIN}/timeouts/mallory", params={"reason": "served"}).status_code < 300
    r = mod.put(f"{MAIN}/suspicious-users/mallory", json={"status": "restricted", "reason": "alt"})
    assert r.status_code in (200, 201), r.text

    for width, height, tag in ((1280, 800, "1280x800"), (375, 812, "375px")):
        page = open_page("mod", "/mod/main", width=width, height=height)
        _card_by_keyboard(page, "mallory")
        items = page.get_by_test_id("usercard-history-item")
        expect(items).to_have_count(3)  # newest first: lifted, timed out, warned
        expect(items.nth(0)).to_contain_text("Timeout lifted by mod: served")
        expect(items.nth(1)).to_contain_text("Timed out for 10 min by mod: insults")
        expect(items.nth(2)).to_contain_text("Warned by mod: be civil")
        expect(page.get_by_test_id("usercard-email")).to_have_text("not verified")
        expect(page.get_by_test_id("usercard-phone")).to_have_text("not verified")
        expect(page.get_by_test_id("usercard-suspicious")).to_have_text("restricted")
        page.get_by_test_id("usercard-history").scroll_into_view_if_needed()
        screenshot(page, f"usercard-history-{tag}")
        page.keyboard.press("Escape")
        expect(page.get_by_test_id("usercard")).to_have_count(0)

    # someone with a clean record: an empty history, not suspicious
    page = open_page("lead", "/mod/main")
    _card_by_keyboard(page, "alice")
    expect(page.get_by_test_id("usercard-history")).to_have_text(
        "No warnings, timeouts, bans or deletions here."
    )
    expect(page.get_by_test_id("usercard-suspicious")).to_have_text("no")
