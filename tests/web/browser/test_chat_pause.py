"""Mod View's chat pauses while the mouse is over it (issue 15, "Layout": a compact chat panel
with pause on hover): new lines arrive but the log does not scroll, a status line counts them,
and moving the mouse away jumps to the newest line."""

from __future__ import annotations

from typing import TYPE_CHECKING

from playwright.sync_api import expect

from tests.web.browser.support import Site, needs_browser

if TYPE_CHECKING:
    from playwright.sync_api import Page

    from tests.web.browser.conftest import OpenPage, Screenshot

pytestmark = needs_browser


def _post(site: Site, who: str, text: str, key: str) -> None:
    r = site[who].http.post(
        "/api/v1/channels/main/messages", json={"text": text, "idempotency_key": key}
    )
    assert r.json()["status"] == "delivered", r.text


def _gap(page: Page) -> float:
    """Pixels between the visible bottom of the chat log and its newest line."""
    return float(
        page.get_by_test_id("mod-chat-log").evaluate(
            "l => l.scrollHeight - l.scrollTop - l.clientHeight"
        )
    )


def _settled(page: Page) -> None:
    """Wait until no request is running and the log has not scrolled for half a second: a
    badge fetched for an earlier line can make it taller, and the browser's scroll anchoring
    then moves ``scrollTop`` to keep what is on screen in place (nothing visible moves)."""
    page.wait_for_load_state("networkidle")
    page.wait_for_function(
        "() => { const l = document.querySelector('[data-testid=mod-chat-log]');"
        " const now = performance.now();"
        " if (window.__cwTop !== l.scrollTop) { window.__cwTop = l.scrollTop;"
        " window.__cwSince = now; }"
        " return now - window.__cwSince > 500; }",
        polling=100,
    )


def test_chat_pauses_under_the_mouse_and_resumes(
    site: Site, open_page: OpenPage, screenshot: Screenshot
) -> None:
    for n in range(30):
        _post(site, "alice" if n % 2 else "vip", f"line number {n} of the warm-up", f"w{n}")
    mod = open_page("mod", "/mod/main", width=1280, height=800)
    log = mod.get_by_test_id("mod-chat-log")
    lines = log.get_by_test_id("mod-chat-line")
    expect(lines).to_have_count(30)
    assert _gap(mod) < 40  # following the newest line
    note = mod.get_by_test_id("mod-chat-paused")
    expect(note).to_be_hidden()

    _settled(mod)  # the lines' badges (fetched 250 ms after they arrive) are in place
    log.hover()
    expect(note).to_have_text("Chat paused while your pointer is over it")
    top = log.evaluate("l => l.scrollTop")
    for n in range(3):
        _post(site, "alice", f"new while paused {n}", f"p{n}")
    expect(lines).to_have_count(33)
    expect(note).to_have_text("Chat paused while your pointer is over it (3 new)")
    assert log.evaluate("l => l.scrollTop") == top  # nothing moved under the pointer
    assert _gap(mod) > 40
    screenshot(mod, "modview-chat-paused-1280x800")

    mod.mouse.move(5, 790)  # away from the log
    expect(note).to_be_hidden()
    mod.wait_for_function(
        "() => { const l = document.querySelector('[data-testid=mod-chat-log]');"
        " return l.scrollHeight - l.scrollTop - l.clientHeight < 40; }"
    )
    _post(site, "vip", "after the pause", "a1")  # following again
    expect(lines).to_have_count(34)
    mod.wait_for_function(
        "() => { const l = document.querySelector('[data-testid=mod-chat-log]');"
        " return l.scrollHeight - l.scrollTop - l.clientHeight < 40; }"
    )


def test_phone_width_chat_lines_hide_their_actions_behind_one_button(
    site: Site, open_page: OpenPage, screenshot: Screenshot
) -> None:
    _post(site, "alice", "hello from a phone test", "m1")
    _post(site, "vip", "another line", "m2")
    mod = open_page("mod", "/mod/main", width=375, height=812)
    line = mod.get_by_test_id("mod-chat-line").filter(has_text="hello from a phone")
    more = line.get_by_role("button", name="Actions for alice's message")
    delete = line.get_by_role("button", name="Delete message from alice")
    expect(more).to_be_visible()
    expect(delete).to_be_hidden()
    more.focus()
    mod.keyboard.press("Enter")
    expect(more).to_have_attribute("aria-expanded", "true")
    expect(delete).to_be_visible()
    expect(line.get_by_role("button", name="Ban alice")).to_be_visible()
    other = mod.get_by_test_id("mod-chat-line").filter(has_text="another line")
    expect(other.get_by_role("button", name="Ban vip")).to_be_hidden()  # only that line opened
    line.scroll_into_view_if_needed()
    screenshot(mod, "modview-chat-compact-375px")
    mod.keyboard.press("Enter")  # closes again
    expect(more).to_have_attribute("aria-expanded", "false")
    expect(delete).to_be_hidden()

    wide = open_page("mod", "/mod/main", width=1280, height=800)
    wide_line = wide.get_by_test_id("mod-chat-line").filter(has_text="hello from a phone")
    expect(wide_line.get_by_test_id("chat-line-more")).to_be_hidden()  # hover shows actions there
