"""The "1 s (purge)" timeout preset really purges (issue 15): picked by keyboard in Mod View's
chat, the chatter's recent lines are struck out as removed on a viewer's open chat page and in
Mod View, while other people's lines stay."""

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


def test_one_second_purge_removes_the_chatters_lines_everywhere(
    site: Site, open_page: OpenPage, screenshot: Screenshot
) -> None:
    viewer = open_page("vip", "/c/main", width=375, height=812)
    mod = open_page("mod", "/mod/main", width=1280, height=800)
    _post(site, "alice", "cheap followers at spam dot example", "p1")
    _post(site, "vip", "hello everyone", "p2")
    _post(site, "alice", "cheap followers, last chance", "p3")
    mine = viewer.locator(".chat-line")
    expect(mine).to_have_count(3)
    chat = mod.locator("#panel-chat")
    line = chat.get_by_test_id("mod-chat-line").filter(has_text="last chance")
    toggle = line.get_by_role("button", name="Timeout durations for alice")
    toggle.focus()
    mod.keyboard.press("Enter")
    expect(line.get_by_role("menuitem", name="1 s (purge)")).to_be_focused()
    mod.keyboard.press("Enter")
    expect(mod.locator("dialog[open]").filter(has_text="Time alice out for 1 s?")).to_be_visible()
    expect(mod.get_by_test_id("prompt-input")).to_be_focused()
    mod.keyboard.type("spam")
    mod.keyboard.press("Enter")
    expect(mod.locator(".toast-ok")).to_contain_text("alice timed out for 1 s")

    # the viewer's screen: both of alice's lines removed, vip's line untouched
    alice_lines = mine.filter(has_text="cheap followers")
    expect(alice_lines).to_have_count(2)
    for n in range(2):
        expect(alice_lines.nth(n)).to_have_class("chat-line deleted")
        expect(alice_lines.nth(n).locator(".removed-by")).to_have_text(" (removed by a moderator)")
    expect(mine.filter(has_text="hello everyone")).not_to_have_class("chat-line deleted")
    # Mod View's chat marks them too
    expect(chat.locator(".chat-line.deleted")).to_have_count(2)
    log = site["mod"].http.get("/api/v1/channels/main/modlog").json()
    timeout = next(e for e in log if e["action"] == "timeout")
    assert timeout["details"]["purged"] == 2 and timeout["details"]["duration_s"] == 1
    screenshot(viewer, "chat-purged-375px")
    screenshot(mod, "modview-purged-1280x800")
