"""The viewers' chat page while moderation happens: the active chat modes shown before typing
(and kept current from the server's events), the log that keeps following new lines after a
warning, timeout or ban banner, the "new messages" button when the reader scrolled up (mouse
and keyboard), a detection block told as what to do, and a removal that does not claim a
moderator did it."""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

import httpx
from playwright.sync_api import expect

from tests.web.browser.support import Site, needs_browser

if TYPE_CHECKING:
    from playwright.sync_api import Page

    from tests.web.browser.conftest import OpenPage, Screenshot

pytestmark = needs_browser

MODES = "/api/v1/channels/main/chat-settings"
LOUD = "THIS STREAM IS ABSOLUTELY AMAZING EVERYONE"


def _post(site: Site, who: str, text: str, key: str) -> None:
    r = site[who].http.post(
        "/api/v1/channels/main/messages", json={"text": text, "idempotency_key": key}
    )
    assert r.json()["status"] == "delivered", r.text


def _gap(page: Page) -> float:
    """Pixels between the bottom of the visible log and its newest line (0: following)."""
    return float(
        page.get_by_test_id("chat-log").evaluate(
            "l => l.scrollHeight - l.scrollTop - l.clientHeight"
        )
    )


def _wait_scrolled_up(page: Page) -> None:
    """Wait until the log's top is in view (polled here: the page's CSP forbids eval)."""
    log = page.get_by_test_id("chat-log")
    deadline = time.monotonic() + 10
    while log.evaluate("l => l.scrollTop") > 50:
        assert time.monotonic() < deadline, "the chat log did not scroll up"
        page.wait_for_timeout(50)


def _fill(site: Site, n: int, start: int = 0) -> None:
    for i in range(start, start + n):
        _post(site, "alice", f"line {i}: the boss fight is going well so far", f"f{i}")


def test_active_modes_are_shown_before_typing_and_follow_changes(
    site: Site, open_page: OpenPage
) -> None:
    mod = site["mod"].http
    assert mod.patch(MODES, json={"followers_only_min_age_s": 600, "slow_mode_s": 30}).is_success
    viewer = open_page("mallory", "/c/main")
    modes = viewer.get_by_test_id("chat-modes")
    expect(modes).to_contain_text(
        "Followers-only (after following for 10 min): follow the channel to chat"
    )
    expect(modes).to_contain_text("Slow mode: one message every 30 s")
    # the line sits right above the input, before anything was sent
    expect(viewer.get_by_test_id("notice")).to_have_count(0)
    assert mod.patch(MODES, json={"emote_only": True, "slow_mode_s": 0}).is_success
    expect(modes).to_contain_text("Emote-only")
    expect(modes).not_to_contain_text("Slow mode")
    # following the channel drops the "follow to chat" advice
    viewer.get_by_test_id("follow").click()
    expect(modes).not_to_contain_text("follow the channel to chat")
    expect(modes).to_contain_text("Followers-only (after following for 10 min)")
    off = {"followers_only_min_age_s": None, "emote_only": False}
    assert mod.patch(MODES, json=off).is_success
    expect(modes).to_have_text("")
    expect(modes).to_be_hidden()


def test_log_keeps_following_after_warning_timeout_and_ban_banners(
    site: Site, open_page: OpenPage
) -> None:
    _fill(site, 30)
    viewer = open_page("mallory", "/c/main", width=1280, height=600)
    expect(viewer.locator(".chat-line")).to_have_count(30)
    assert _gap(viewer) < 5
    mod = site["mod"].http
    base = "/api/v1/channels/main"
    steps: list[tuple[str, Callable[[], httpx.Response]]] = [
        ("warning", partial(mod.post, f"{base}/warnings/mallory", json={"reason": "calm down"})),
        ("timeout", partial(mod.put, f"{base}/timeouts/mallory", json={"duration_s": 600})),
        ("banned", partial(mod.put, f"{base}/bans/mallory", json={"reason": "spam"})),
    ]
    n = 30
    for name, act in steps:
        assert act().is_success
        expect(viewer.get_by_test_id(f"banner-{name}")).to_be_visible()
        _fill(site, 3, start=n)
        n += 3
        expect(viewer.locator(".chat-line").last).to_contain_text(f"line {n - 1}:")
        expect(viewer.get_by_test_id("new-messages")).to_be_hidden()
        gap = _gap(viewer)
        assert gap < 5, f"after the {name} banner the newest line is {gap} px below the view"


def test_new_messages_button_when_scrolled_up_mouse_and_keyboard(
    site: Site, open_page: OpenPage
) -> None:
    _fill(site, 30)
    viewer = open_page("vip", "/c/main", width=1280, height=600)
    log = viewer.get_by_test_id("chat-log")
    expect(viewer.locator(".chat-line")).to_have_count(30)
    jump = viewer.get_by_test_id("new-messages")
    expect(jump).to_be_hidden()
    log.hover()
    viewer.mouse.wheel(0, -2000)
    _wait_scrolled_up(viewer)
    _fill(site, 1, start=30)
    expect(viewer.locator(".chat-line").last).to_contain_text("line 30:")
    expect(jump).to_be_visible()
    assert _gap(viewer) > 100  # the reader's place is kept
    jump.click()
    expect(jump).to_be_hidden()
    assert _gap(viewer) < 5
    # keyboard: the log is focusable, Home scrolls up; the button is reached with Tab
    log.focus()
    viewer.keyboard.press("Home")
    _wait_scrolled_up(viewer)
    _fill(site, 1, start=31)
    expect(jump).to_be_visible()
    viewer.keyboard.press("Tab")
    assert viewer.evaluate("document.activeElement.dataset.testid") == "new-messages"
    viewer.keyboard.press("Enter")
    expect(jump).to_be_hidden()
    assert _gap(viewer) < 5
    # the button hands the focus back to the log; scrolling down by hand hides it too
    assert viewer.evaluate("document.activeElement.dataset.testid") == "chat-log"
    viewer.keyboard.press("Home")
    _wait_scrolled_up(viewer)
    _fill(site, 1, start=32)
    expect(jump).to_be_visible()
    log.evaluate("l => l.scrollTo(0, l.scrollHeight)")  # the reader scrolls down themselves
    expect(jump).to_be_hidden()


def test_detection_block_says_what_to_do_and_removal_wording(
    site: Site, open_page: OpenPage
) -> None:
    spam = {"enabled": True, "detectors": {"spam": {"caps": {"enabled": True}}}}
    r = site["lead"].http.patch("/api/v1/channels/main/detection/settings", json=spam)
    assert r.status_code == 200, r.text
    viewer = open_page("mallory", "/c/main")
    viewer.get_by_test_id("chat-input").fill(LOUD)
    viewer.get_by_test_id("chat-input").press("Enter")
    blocked = viewer.get_by_test_id("notice").filter(has_text="Not sent.")
    expect(blocked).to_contain_text("Write your own message in your own words")
    expect(blocked).to_contain_text(LOUD)  # the viewer's own text, as sent
    expect(blocked).not_to_contain_text("capital")  # not the detector's reasoning
    # a moderator's removal says so (AutoMod's: tests/web/browser/test_removed_by.py)
    _post(site, "alice", "a line that will go", "rm1")
    line = viewer.locator(".chat-line").filter(has_text="a line that will go")
    expect(line).to_have_count(1)
    message_id = line.get_attribute("data-id")
    assert site["mod"].http.delete(f"/api/v1/channels/main/messages/{message_id}").is_success
    expect(line).to_have_class("chat-line deleted")
    expect(line).to_contain_text("(removed by a moderator)")
    expect(line).not_to_contain_text("AutoMod")


def test_chat_page_screenshots(site: Site, open_page: OpenPage, screenshot: Screenshot) -> None:
    _fill(site, 12)
    assert site["mod"].http.patch(MODES, json={"slow_mode_s": 30, "unique_chat": True}).is_success
    assert (
        site["mod"]
        .http.post("/api/v1/channels/main/warnings/mallory", json={"reason": "no spoilers please"})
        .is_success
    )
    for width, height, tag in ((1280, 800, "1280x800"), (375, 812, "375px")):
        page = open_page("mallory", "/c/main", width=width, height=height)
        expect(page.get_by_test_id("chat-modes")).to_contain_text("Slow mode")
        expect(page.get_by_test_id("banner-warning")).to_be_visible()
        assert _gap(page) < 5
        width_px = page.evaluate("document.documentElement.scrollWidth")
        assert width_px <= width, f"the chat page is {width_px} px wide at {width}"
        screenshot(page, f"chat-modes-warning-{tag}")
