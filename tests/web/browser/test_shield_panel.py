"""Mod View's detection panels: a raid alert appears, one click turns Shield Mode on (the chat
modes change on the server), another turns it off (the previous modes come back exactly);
suspicious users show why they were flagged and their text stays text."""

from __future__ import annotations

from typing import TYPE_CHECKING

from playwright.sync_api import expect

from chatwarden.service.types import Actor, SendRequest
from tests.web.browser.support import PASSWORD, Site, needs_browser

if TYPE_CHECKING:
    from tests.web.browser.conftest import OpenPage, Screenshot

pytestmark = needs_browser

HOSTILE = '<img src=x onerror="alert(1)"> leave now losers'


def _raid(site: Site, n: int = 12) -> None:
    """A hate raid: brand-new accounts post the same hostile line at once."""
    channel = site.services.channels.get_channel_by_name("main")
    raiders = []
    for i in range(n):
        user = site.services.accounts.register(f"raider{i}", PASSWORD)
        raiders.append(Actor(user.id, user.username))
    text = "this channel is trash, leave now losers"
    site.services.chat.send_messages([SendRequest(r, channel.id, text) for r in raiders])


def test_raid_alert_then_shield_mode_on_and_off(
    site: Site, open_page: OpenPage, screenshot: Screenshot
) -> None:
    mod = site["mod"].http
    r = site["lead"].http.patch("/api/v1/channels/main/detection/settings", json={"enabled": True})
    assert r.status_code == 200, r.text
    assert mod.patch("/api/v1/channels/main/chat-settings", json={"slow_mode_s": 3}).is_success
    before = mod.get("/api/v1/channels/main/chat-settings").json()
    page = open_page("mod", "/mod/main")
    panel = page.locator("#panel-shield")
    state = panel.get_by_test_id("shield-state")
    expect(state).to_have_text("off")
    _raid(site)
    banner = page.get_by_test_id("raid-alert")  # Mod View's banner, over every panel
    expect(banner).to_be_visible(timeout=5000)
    expect(banner).to_contain_text("Hate raid suspected")
    expect(panel.get_by_test_id("raid-alert")).to_have_count(0)  # said once, not in the panel too
    screenshot(page, "modview-raid-alert")
    panel.get_by_test_id("shield-toggle").click()
    page.get_by_test_id("confirm-ok").click()
    expect(state).to_have_text("on", timeout=3000)
    during = mod.get("/api/v1/channels/main/chat-settings").json()
    assert during["followers_only_min_age_s"] == 600 and during["slow_mode_s"] == 10
    panel.get_by_test_id("shield-toggle").click()
    page.get_by_test_id("confirm-ok").click()
    expect(state).to_have_text("off", timeout=3000)
    assert mod.get("/api/v1/channels/main/chat-settings").json() == before
    log = [e["action"] for e in mod.get("/api/v1/channels/main/modlog").json()]
    assert log[:2] == ["shield.off", "shield.on"]


def test_suspicious_users_panel_shows_why_and_clears(site: Site, open_page: OpenPage) -> None:
    r = site["mod"].http.put(
        "/api/v1/channels/main/suspicious-users/mallory",
        json={"status": "restricted", "reason": "<b>alt</b> of a banned user"},
    )
    assert r.status_code == 200, r.text
    page = open_page("mod", "/mod/main")
    panel = page.locator("#panel-suspicious")
    item = panel.get_by_test_id("suspicious-item")
    expect(item).to_have_count(1)
    expect(item).to_contain_text("added by mod: <b>alt</b> of a banned user")
    expect(item.locator("b")).to_have_count(0)
    r = site["mallory"].http.post(
        "/api/v1/channels/main/messages", json={"text": HOSTILE, "idempotency_key": "s1"}
    )
    assert r.json()["status"] == "delivered"
    feed = panel.get_by_test_id("suspicious-feed")
    expect(feed).to_contain_text(HOSTILE, timeout=3000)
    expect(feed.locator("img")).to_have_count(0)
    item.get_by_test_id("suspicious-clear").click()
    page.get_by_test_id("confirm-ok").click()
    expect(panel.get_by_test_id("suspicious-item")).to_have_count(0, timeout=3000)
    assert site["mod"].http.get("/api/v1/channels/main/suspicious-users").json() == []


def test_viewers_cannot_use_the_detection_api(site: Site) -> None:
    r = site["alice"].http.put("/api/v1/channels/main/shield", json={"active": True})
    assert r.status_code == 403
