"""Mod View's Connections panel with a Discord connection: added from the form with the bot
token (never shown again), and the guild's own AutoMod rules its runner read shown as text."""

from __future__ import annotations

from typing import TYPE_CHECKING

from playwright.sync_api import expect

from tests.web.browser.support import Site, needs_browser

if TYPE_CHECKING:
    from tests.web.browser.conftest import OpenPage

pytestmark = needs_browser

TOKEN = "MTEw.panel-discord-bot-token"
HTML_NAME = '<img src=x onerror="document.body.dataset.pwned=1"> Keyword Filter'


def test_a_discord_connection_shows_the_guilds_own_automod_rules(
    site: Site, open_page: OpenPage
) -> None:
    page = open_page("owner", "/mod/main")
    panel = page.locator("#panel-connections")
    expect(panel).to_be_visible()
    panel.get_by_test_id("connections-platform").select_option("discord")
    panel.get_by_test_id("connections-target").fill("1200000000000000001")
    panel.get_by_test_id("connections-room").fill("1250000000000000001")
    panel.get_by_test_id("connections-account").fill("1100000000000000001")
    panel.get_by_test_id("connections-credential").fill(TOKEN)
    panel.get_by_test_id("connections-add").click()
    item = panel.get_by_test_id("connection")
    expect(item).to_contain_text("discord · 1250000000000000001")
    expect(item).to_contain_text("credential stored encrypted")
    expect(item.get_by_test_id("connection-platform-rules")).to_have_count(0)  # none read yet
    assert TOKEN not in page.content()

    (stored,) = site["owner"].http.get("/api/v1/channels/main/connections").json()
    rules = [
        {"id": "1", "name": HTML_NAME, "enabled": True, "trigger": "keyword",
         "actions": ["block_message", "timeout"], "exempt_roles": 1},
        {"id": "2", "name": "Mention Spam", "enabled": False, "trigger": "mention_spam",
         "actions": ["block_message"], "exempt_roles": 0},
    ]  # fmt: skip
    assert site.services.connections.report_platform_rules(stored["id"], rules)
    panel.get_by_test_id("connections-refresh").click()
    shown = item.get_by_test_id("connection-platform-rules")
    expect(shown).to_contain_text("discord's own AutoMod rules")
    expect(shown).to_contain_text(": 2")
    shown.locator("summary").click()
    listed = shown.get_by_test_id("platform-rule")
    expect(listed).to_have_count(2)
    expect(listed.nth(0)).to_have_text(
        f"{HTML_NAME} · enabled · trigger: keyword · actions: block_message, timeout"
    )
    expect(listed.nth(1)).to_contain_text("Mention Spam · disabled · trigger: mention_spam")
    assert page.evaluate("document.body.dataset.pwned") is None
    assert page.locator("#panel-connections img").count() == 0
