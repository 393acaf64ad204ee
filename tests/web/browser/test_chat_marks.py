"""Mod View's chat marks first-time chatters, monitored users and users back from a timeout
(issue 15, "Layout"): a badge before the name on the right lines only, readable by a screen
reader (text, not colour alone); screenshots at 1280x800 and 375 px."""

from __future__ import annotations

from typing import TYPE_CHECKING

from playwright.sync_api import expect

from tests.web.browser.support import Site, needs_browser

if TYPE_CHECKING:
    from tests.web.browser.conftest import OpenPage, Screenshot

pytestmark = needs_browser


def _post(site: Site, who: str, text: str, key: str) -> None:
    r = site[who].http.post(
        "/api/v1/channels/main/messages", json={"text": text, "idempotency_key": key}
    )
    assert r.json()["status"] == "delivered", r.text


def test_first_time_monitored_and_back_from_timeout_are_marked(
    site: Site, open_page: OpenPage, screenshot: Screenshot
) -> None:
    r = site["mod"].http.put(
        "/api/v1/channels/main/suspicious-users/vip", json={"status": "monitored", "reason": "alt?"}
    )
    assert r.status_code in (200, 201), r.text
    _post(site, "vip", "an older line from vip", "c0")
    mod = open_page("mod", "/mod/main", width=1280, height=800)
    chat = mod.locator("#panel-chat")
    lines = chat.get_by_test_id("mod-chat-line")
    # from the welcome's history: vip's line is monitored
    old = lines.filter(has_text="an older line")
    expect(old.get_by_test_id("mark-monitored")).to_have_text("Monitored")
    expect(old.get_by_test_id("mark-first")).to_have_text("First message")

    _post(site, "alice", "hello, first time here!", "c1")
    _post(site, "alice", "second line", "c2")
    _post(site, "vip", "vip again", "c3")
    first = lines.filter(has_text="first time here")
    expect(first.get_by_test_id("mark-first")).to_have_text("First message")
    expect(first).to_have_class("chat-line mark-first")
    expect(lines.filter(has_text="vip again").get_by_test_id("mark-monitored")).to_have_count(1)
    expect(lines.filter(has_text="vip again").get_by_test_id("mark-first")).to_have_count(0)
    expect(lines.filter(has_text="second line").locator(".chat-mark")).to_have_count(0)

    # a timeout that runs out: the first line back is marked, the next is not
    assert (
        site["mod"]
        .http.put("/api/v1/channels/main/timeouts/alice", json={"duration_s": 60})
        .is_success
    )
    site.clock.advance(61)
    _post(site, "alice", "I am back, sorry", "c4")
    back = lines.filter(has_text="I am back")
    expect(back.get_by_test_id("mark-back")).to_have_text("Back from timeout")
    _post(site, "alice", "chatting normally now", "c5")
    expect(lines.filter(has_text="chatting normally")).to_have_count(1)
    mod.wait_for_timeout(600)  # the marks request goes out 250 ms after a line
    expect(lines.filter(has_text="chatting normally").locator(".chat-mark")).to_have_count(0)
    # the badge is keyboard-free text before the name: the line reads "Back from timeout alice ..."
    expect(back).to_contain_text("Back from timeout alice")
    screenshot(mod, "modview-chat-marks-1280x800")
    narrow = open_page("lead", "/mod/main", width=375, height=812)
    expect(narrow.locator("#panel-chat").get_by_test_id("mark-monitored").first).to_be_visible()
    screenshot(narrow, "modview-chat-marks-375px")


def test_a_viewer_gets_no_marks(site: Site, open_page: OpenPage) -> None:
    _post(site, "alice", "hello there", "v1")
    page = open_page("vip", "/c/main")
    expect(page.locator(".chat-line")).to_have_count(1)
    expect(page.locator(".chat-mark")).to_have_count(0)
    r = site["vip"].http.get("/api/v1/channels/main/chat-marks", params={"user": "alice"})
    assert r.status_code == 403


def test_marks_follow_a_flag_changed_while_the_lines_are_on_screen(
    site: Site, open_page: OpenPage
) -> None:
    _post(site, "alice", "just chatting", "f1")
    _post(site, "vip", "me too", "f2")
    mod = open_page("mod", "/mod/main")
    lines = mod.locator("#panel-chat").get_by_test_id("mod-chat-line")
    alice, vip = lines.filter(has_text="just chatting"), lines.filter(has_text="me too")
    expect(alice.get_by_test_id("mark-first")).to_have_count(1)
    expect(alice.get_by_test_id("mark-restricted")).to_have_count(0)
    flags = "/api/v1/channels/main/suspicious-users"
    r = site["mod"].http.put(f"{flags}/alice", json={"status": "restricted", "reason": "alt"})
    assert r.status_code in (200, 201), r.text
    expect(alice.get_by_test_id("mark-restricted")).to_have_text("Restricted")
    expect(alice).to_have_class("chat-line mark-first mark-restricted")
    expect(vip.get_by_test_id("mark-restricted")).to_have_count(0)
    r = site["mod"].http.put(f"{flags}/alice", json={"status": "monitored", "reason": "calmer"})
    assert r.status_code in (200, 201), r.text
    expect(alice.get_by_test_id("mark-monitored")).to_have_count(1)
    expect(alice.get_by_test_id("mark-restricted")).to_have_count(0)
    assert site["mod"].http.delete(f"{flags}/alice").status_code == 204
    expect(alice.get_by_test_id("mark-monitored")).to_have_count(0)
    expect(alice.get_by_test_id("mark-first")).to_have_count(1)  # the first line stays marked
