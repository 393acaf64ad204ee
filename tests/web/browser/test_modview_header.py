"""Mod View's header bar: the channel's state with one-click toggles (each changes the server's
chat modes; a second moderator's page follows the server's events), clear chat, the raid alert
as a banner over the page (its advice said once), keyboard use, and the tab-title count."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from playwright.sync_api import expect

from chatwarden.service.types import Actor, SendRequest
from tests.web.browser.support import Site, needs_browser
from tests.web.harness import PASSWORD

if TYPE_CHECKING:
    from playwright.sync_api import Page

    from tests.web.browser.conftest import OpenPage, Screenshot

pytestmark = needs_browser

MODES = "/api/v1/channels/main/chat-settings"


def _modes(site: Site) -> dict[str, object]:
    r = site["mod"].http.get(MODES)
    assert r.status_code == 200, r.text
    return dict(r.json())


def _raid(site: Site, n: int = 12) -> None:
    """A hate raid: brand-new accounts post the same hostile line at once."""
    channel = site.services.channels.get_channel_by_name("main")
    raiders = [site.services.accounts.register(f"raider{i}", PASSWORD) for i in range(n)]
    text = "this channel is trash, leave now losers"
    site.services.chat.send_messages(
        [SendRequest(Actor(r.id, r.username), channel.id, text) for r in raiders]
    )


def _set_hidden(page: Page, hidden: bool, event: str = "visibilitychange") -> None:
    """Pretend the tab is hidden (another tab in front) or shown again (with ``event``)."""
    page.evaluate(
        """([hidden, event]) => {
             Object.defineProperty(document, "hidden", {value: hidden, configurable: true});
             if (!hidden) (event === "focus" ? window : document).dispatchEvent(new Event(event));
           }""",
        [hidden, event],
    )


def test_toggles_change_the_server_and_a_second_moderator_sees_them(
    site: Site, open_page: OpenPage
) -> None:
    mod = open_page("mod", "/mod/main")
    lead = open_page("lead", "/mod/main")
    state = mod.get_by_test_id("channel-state")
    expect(state).to_have_text("No chat modes on")
    cases = [
        ("slow", "slow_mode_s", 30, "slow 30 s"),
        ("followers", "followers_only_min_age_s", 0, "followers-only"),
        ("subscribers", "subscribers_only", True, "subscribers-only"),
        ("emote", "emote_only", True, "emote-only"),
        ("unique", "unique_chat", True, "unique chat"),
    ]
    for name, field, value, label in cases:
        button = mod.get_by_test_id(f"toggle-{name}")
        expect(button).to_have_attribute("aria-pressed", "false")
        button.click()
        expect(button).to_have_attribute("aria-pressed", "true")
        assert _modes(site)[field] == value
        expect(state).to_contain_text(label)
        # the other moderator's header follows the server's settings event
        expect(lead.get_by_test_id(f"toggle-{name}")).to_have_attribute("aria-pressed", "true")
        expect(lead.get_by_test_id("channel-state")).to_contain_text(label)
    expect(mod.get_by_test_id("toggle-slow")).to_have_text("Slow 30 s")
    # a change made elsewhere (the API) shows up on both pages, and a click turns it off
    assert site["owner"].http.patch(MODES, json={"slow_mode_s": 0}).is_success
    expect(mod.get_by_test_id("toggle-slow")).to_have_attribute("aria-pressed", "false")
    expect(lead.get_by_test_id("toggle-slow")).to_have_attribute("aria-pressed", "false")
    lead.get_by_test_id("toggle-emote").click()
    expect(mod.get_by_test_id("toggle-emote")).to_have_attribute("aria-pressed", "false")
    assert _modes(site)["emote_only"] is False
    log = [e["action"] for e in site["mod"].http.get("/api/v1/channels/main/modlog").json()]
    assert log.count("chat_settings.update") == len(cases) + 2, log


def test_shield_toggle_and_keyboard(site: Site, open_page: OpenPage) -> None:
    mod = open_page("mod", "/mod/main")
    shield = mod.get_by_test_id("toggle-shield")
    expect(shield).to_have_attribute("aria-pressed", "false")
    # keyboard alone: focus the toggle and press Enter, then Space
    shield.focus()
    mod.keyboard.press("Enter")
    expect(shield).to_have_attribute("aria-pressed", "true")
    assert site["mod"].http.get("/api/v1/channels/main/shield").json()["active"] is True
    expect(mod.get_by_test_id("channel-state")).to_contain_text("Shield Mode")
    # Shield Mode's preset turned followers-only on: the header shows it
    expect(mod.get_by_test_id("toggle-followers")).to_have_attribute("aria-pressed", "true")
    expect(mod.locator("#panel-shield").get_by_test_id("shield-state")).to_have_text("on")
    mod.keyboard.press("Space")
    expect(shield).to_have_attribute("aria-pressed", "false")
    assert site["mod"].http.get("/api/v1/channels/main/shield").json()["active"] is False
    # Tab moves between the toggles (they are buttons with names)
    mod.get_by_test_id("toggle-slow").focus()
    mod.keyboard.press("Tab")
    assert mod.evaluate("document.activeElement.dataset.testid") == "toggle-followers"
    mod.keyboard.press("Enter")
    expect(mod.get_by_test_id("toggle-followers")).to_have_attribute("aria-pressed", "true")
    assert _modes(site)["followers_only_min_age_s"] == 0


def test_clear_chat_removes_messages_from_viewers(site: Site, open_page: OpenPage) -> None:
    for n, text in enumerate(["first line", "second line"]):
        r = site["alice"].http.post(
            "/api/v1/channels/main/messages", json={"text": text, "idempotency_key": f"c{n}"}
        )
        assert r.json()["status"] == "delivered", r.text
    viewer = open_page("vip", "/c/main")
    expect(viewer.locator(".chat-line")).to_have_count(2)
    mod = open_page("mod", "/mod/main")
    mod.get_by_test_id("clear-chat").click()
    mod.get_by_test_id("confirm-ok").click()
    expect(viewer.locator(".chat-line.deleted")).to_have_count(2)
    expect(viewer.get_by_test_id("notice")).to_have_text("A moderator cleared the chat.")
    log = site["mod"].http.get("/api/v1/channels/main/modlog").json()
    assert log[0]["action"] == "clear"
    # a viewer cannot clear chat through the API
    assert site["alice"].http.post("/api/v1/channels/main/chat/clear").status_code == 403


def test_raid_alert_is_a_banner_over_the_page_said_once(
    site: Site, open_page: OpenPage, screenshot: Screenshot
) -> None:
    r = site["lead"].http.patch("/api/v1/channels/main/detection/settings", json={"enabled": True})
    assert r.status_code == 200, r.text
    mod = open_page("mod", "/mod/main", width=1280, height=800)
    other = open_page("lead", "/mod/main")
    expect(mod.get_by_test_id("toggle-shield")).to_have_attribute("aria-pressed", "false")
    expect(other.get_by_test_id("toggle-shield")).to_have_attribute("aria-pressed", "false")
    _set_hidden(mod, True)
    _raid(site)
    banner = mod.get_by_test_id("raid-alert")
    expect(banner).to_be_visible(timeout=5000)
    expect(banner).to_contain_text("Hate raid suspected")
    text = banner.inner_text()
    assert text.count("Shield Mode") == 2, text  # the advice once, and its button
    assert "Recommendation: turn on Shield Mode." in text
    # over everything: at the top of the window, above the panels
    box = banner.bounding_box()
    assert box is not None and box["y"] < 120, box
    mod.evaluate("() => window.scrollTo(0, 1500)")
    assert mod.evaluate("window.scrollY") > 0
    assert (banner.bounding_box() or {"y": 999})["y"] < 5  # sticky: still at the top
    # the tab title counts the alert (and the held raid lines) while the tab is hidden
    expect(mod).to_have_title(re.compile(r"^\(\d+\) Mod View"), timeout=5000)
    screenshot(mod, "modview-raid-banner-1280x800")
    other_banner = other.get_by_test_id("raid-alert")
    expect(other_banner).to_be_visible()
    mod.get_by_test_id("raid-shield").click()
    expect(mod.get_by_test_id("toggle-shield")).to_have_attribute("aria-pressed", "true")
    # the other moderator's banner follows: Shield Mode is on, no button to turn it on again
    expect(other.get_by_test_id("toggle-shield")).to_have_attribute("aria-pressed", "true")
    expect(other_banner.get_by_test_id("raid-advice")).to_have_text("Shield Mode is on.")
    expect(other_banner.get_by_test_id("raid-shield")).to_have_count(0)
    other_banner.get_by_test_id("raid-dismiss").focus()
    other.keyboard.press("Enter")
    expect(other_banner).to_have_count(0)
    assert site["mod"].http.get("/api/v1/channels/main/shield").json()["active"] is True
    expect(banner).to_have_count(0)
    # looking at the tab again clears the count
    _set_hidden(mod, False)
    expect(mod).not_to_have_title(re.compile(r"^\("))


def test_hold_counts_in_the_tab_title_while_hidden(site: Site, open_page: OpenPage) -> None:
    mod = open_page("mod", "/mod/main")
    title = mod.title()
    _set_hidden(mod, True)
    r = site["mallory"].http.post(
        "/api/v1/channels/main/messages",
        json={"text": "you are a worthless idiot and everyone hates you", "idempotency_key": "h1"},
    )
    assert r.json()["status"] == "held", r.text
    expect(mod).to_have_title(f"(1) {title}")
    _set_hidden(mod, False, event="focus")
    expect(mod).to_have_title(title)


def test_header_screenshots(site: Site, open_page: OpenPage, screenshot: Screenshot) -> None:
    assert site["mod"].http.patch(MODES, json={"slow_mode_s": 10, "unique_chat": True}).is_success
    for width, height, tag in ((1280, 800, "1280x800"), (375, 812, "375px")):
        mod = open_page("mod", "/mod/main", width=width, height=height)
        expect(mod.get_by_test_id("channel-state")).to_contain_text("slow 10 s")
        width_px = mod.evaluate("document.documentElement.scrollWidth")
        assert width_px <= width, f"Mod View is {width_px} px wide at {width}"
        screenshot(mod, f"modview-header-{tag}")
