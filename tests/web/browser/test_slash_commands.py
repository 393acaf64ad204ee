"""Slash commands typed in chat, in Chromium: a moderator's /timeout runs (the panel says so,
the mod log has it, nothing is posted); a typo is an error; a viewer's /ban is refused."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from playwright.sync_api import expect

from tests.web.browser.support import Site, needs_browser

if TYPE_CHECKING:
    from tests.web.browser.conftest import OpenPage, Screenshot

pytestmark = needs_browser


def test_a_moderator_types_commands_in_mod_view_chat(
    site: Site, open_page: OpenPage, screenshot: Screenshot
) -> None:
    page = open_page("mod", "/mod/main")
    panel = page.locator("#panel-chat")
    box = panel.get_by_test_id("mod-chat-input")
    result = panel.get_by_test_id("mod-chat-result")

    box.fill("/timeout alice 60 stop spamming")
    box.press("Enter")  # the keyboard sends it, as chat
    expect(result).to_have_text("alice is timed out for 1 min")
    expect(result).to_have_attribute("data-kind", "ok")
    expect(box).to_have_value("")

    box.fill("/timout alice 60")
    box.press("Enter")
    expect(result).to_have_text("unknown command /timout: not sent to chat")
    expect(result).to_have_attribute("data-kind", "error")
    screenshot(page, "modview-slash-command")

    box.fill("hello chat")
    box.press("Enter")
    expect(panel.get_by_test_id("mod-chat-line")).to_have_count(1)  # only the real message
    expect(panel.get_by_test_id("mod-chat-line")).to_contain_text("hello chat")

    log = site["mod"].http.get("/api/v1/channels/main/modlog").json()
    timeouts = [e for e in log if e["action"] == "timeout"]
    assert [(e["target_name"], e["reason"]) for e in timeouts] == [("alice", "stop spamming")]
    texts = [m["text"] for m in site["mod"].http.get("/api/v1/channels/main/messages").json()]
    assert texts == ["hello chat"]


def test_a_viewers_command_is_refused_and_not_posted(site: Site, open_page: OpenPage) -> None:
    page = open_page("alice", "/c/main")
    page.get_by_test_id("chat-input").fill("/ban mod")
    page.get_by_test_id("chat-input").press("Enter")
    notice = page.get_by_test_id("notice").last
    expect(notice).to_contain_text("Error: ")
    expect(notice).to_contain_text("cannot ban")
    assert site["alice"].http.get("/api/v1/channels/main/messages").json() == []


def test_mod_view_is_offered_only_where_it_opens(open_page: OpenPage) -> None:
    viewer = open_page("alice", "/")
    expect(viewer.get_by_test_id("channel-list")).to_contain_text("main")
    expect(viewer.get_by_test_id("open-mod-view")).to_have_count(0)
    mod = open_page("mod", "/")
    expect(mod.get_by_test_id("channel-list")).to_contain_text("main")
    expect(mod.get_by_test_id("open-mod-view")).to_have_count(1)
    mod.get_by_test_id("open-mod-view").click()
    expect(mod).to_have_url(re.compile(r"/mod/main$"))
