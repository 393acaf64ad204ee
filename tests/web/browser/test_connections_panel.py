"""Mod View's Connections panel (the owner): add a connection with its credential (a password
field, cleared once sent, never shown again), see the status, last message and last error its
runner reports (an error's text shown as text), and remove it; the platform selector shows each
platform's own fields (Twitch EventSub, Discord) and the secrets never come back; a lead
moderator has no panel."""

from __future__ import annotations

from typing import TYPE_CHECKING

from playwright.sync_api import expect

from tests.web.browser.support import Site, needs_browser
from tests.web.browser.test_accessibility import axe_problems

if TYPE_CHECKING:
    from tests.web.browser.conftest import OpenPage, Screenshot

pytestmark = needs_browser

SECRET = "oauth:panel-secret-token-77"
HTML_ERROR = '<img src=x onerror="document.body.dataset.pwned=1"> 464 Password incorrect'


def test_the_owner_adds_watches_and_removes_a_connection(
    site: Site, open_page: OpenPage, screenshot: Screenshot
) -> None:
    page = open_page("owner", "/mod/main")
    panel = page.locator("#panel-connections")
    expect(panel).to_be_visible()
    panel.get_by_test_id("connections-platform").select_option("irc")
    panel.get_by_test_id("connections-target").fill("irc.example.net:6697")
    panel.get_by_test_id("connections-room").fill("#main")
    panel.get_by_test_id("connections-account").fill("cwbot")
    panel.get_by_test_id("connections-tls").check()
    panel.get_by_test_id("connections-credential").fill(SECRET)
    panel.get_by_test_id("connections-add").click()

    item = panel.get_by_test_id("connection")
    expect(item).to_have_count(1)
    expect(item).to_contain_text("irc · #main")
    expect(item).to_contain_text("irc.example.net:6697 as cwbot")
    expect(item.get_by_test_id("connection-status")).to_have_text("disconnected")
    expect(item.get_by_test_id("connection-status-at")).to_have_text("never run")
    expect(item.get_by_test_id("connection-last-message")).to_contain_text("No message yet")
    expect(item).to_contain_text("credential stored encrypted")
    expect(panel.get_by_test_id("connections-credential")).to_have_value("")
    assert SECRET not in page.content()

    (stored,) = site["owner"].http.get("/api/v1/channels/main/connections").json()
    assert stored["has_credential"] and SECRET not in str(stored)
    opened = site.services.connections.runnable(stored["id"])
    assert opened.credentials.secret == SECRET

    connections = site.services.connections
    connections.report_status(
        stored["id"], "error", last_message_at=site.clock.now(), last_error=HTML_ERROR
    )
    panel.get_by_test_id("connections-refresh").click()
    expect(item.get_by_test_id("connection-status")).to_have_text("error")
    expect(item.get_by_test_id("connection-status-at")).to_contain_text("reported")
    expect(item.get_by_test_id("connection-last-error")).to_have_text(f"Last error: {HTML_ERROR}")
    expect(item.get_by_test_id("connection-last-message")).to_contain_text("Last message")
    assert page.evaluate("document.body.dataset.pwned") is None
    assert page.locator("#panel-connections img").count() == 0
    panel.scroll_into_view_if_needed()
    screenshot(page, "modview-connections-1280x720")

    item.get_by_test_id("connection-remove").click()
    page.get_by_test_id("confirm-ok").click()
    expect(item).to_have_count(0)
    assert site["owner"].http.get("/api/v1/channels/main/connections").json() == []


def test_a_lead_moderator_has_no_connections_panel(site: Site, open_page: OpenPage) -> None:
    page = open_page("lead", "/mod/main")
    expect(page.locator("#panel-roles")).to_be_visible()
    expect(page.locator("#panel-connections")).to_have_count(0)


TWITCH_TOKEN = "panel-twitch-user-token-88"
REFRESH = "panel-twitch-refresh-token-89"
CLIENT_SECRET = "panel-twitch-client-secret-90"
BOT_TOKEN = "MTEw.panel-discord-bot-token-91"


def test_the_owner_adds_twitch_eventsub_and_discord_connections_with_their_own_fields(
    site: Site, open_page: OpenPage, screenshot: Screenshot
) -> None:
    page = open_page("owner", "/mod/main")
    panel = page.locator("#panel-connections")
    expect(panel).to_be_visible()
    platform = panel.get_by_test_id("connections-platform")

    platform.select_option("eventsub")  # no server; the client id and refresh fields instead
    expect(panel.get_by_test_id("connections-target")).to_be_hidden()
    expect(panel.get_by_test_id("connections-oper")).to_be_hidden()
    expect(panel.get_by_test_id("connections-warn")).to_be_hidden()
    expect(panel.get_by_text("Broadcaster login")).to_be_visible()
    panel.get_by_test_id("connections-room").fill("Cool_Streamer")
    panel.get_by_test_id("connections-account").fill("cw_bot")
    panel.get_by_test_id("connections-client-id").fill("abc123")
    panel.get_by_test_id("connections-automod").check()
    panel.get_by_test_id("connections-credential").fill(TWITCH_TOKEN)
    panel.get_by_test_id("connections-refresh-token").fill(REFRESH)
    panel.get_by_test_id("connections-client-secret").fill(CLIENT_SECRET)
    assert axe_problems(page, "connections (Twitch EventSub)") == []
    panel.get_by_test_id("connections-add").click()
    item = panel.get_by_test_id("connection")
    expect(item).to_have_count(1)
    expect(item).to_contain_text("twitch · cool_streamer")
    expect(item).to_contain_text("eventsub as cw_bot")
    expect(item.get_by_test_id("connection-settings")).to_have_text(
        "client id abc123 · Twitch's AutoMod holds managed · token refreshed when refused"
    )
    for testid in ("credential", "refresh-token", "client-secret"):
        expect(panel.get_by_test_id(f"connections-{testid}")).to_have_value("")

    platform.select_option("discord")  # the role map and the warn mode; no client id
    expect(panel.get_by_test_id("connections-client-id")).to_be_hidden()
    expect(panel.get_by_test_id("connections-target")).to_be_visible()
    panel.get_by_test_id("connections-target").fill("1200000000000000001")
    panel.get_by_test_id("connections-room").fill("1250000000000000001")
    panel.get_by_test_id("connections-account").fill("1100000000000000001")
    panel.get_by_test_id("connections-role-id").fill("1300000000000000003")
    panel.get_by_test_id("connections-role").select_option("moderator")
    panel.get_by_test_id("connections-role-add").click()
    panel.get_by_test_id("connections-role-id").nth(1).fill("1300000000000000004")
    panel.get_by_test_id("connections-role").nth(1).select_option("vip")
    panel.get_by_test_id("connections-warn").select_option("reply")
    panel.get_by_test_id("connections-credential").fill(BOT_TOKEN)
    assert axe_problems(page, "connections (Discord)") == []
    panel.get_by_test_id("connections-add").click()
    expect(item).to_have_count(2)
    discord = item.nth(1)
    expect(discord).to_contain_text("discord · 1250000000000000001")
    expect(discord.get_by_test_id("connection-settings")).to_have_text(
        "2 Discord roles mapped · warnings said in the channel"
    )
    expect(discord).to_contain_text("credential stored encrypted")

    listed = site["owner"].http.get("/api/v1/channels/main/connections").json()
    assert [c["platform"] for c in listed] == ["twitch", "discord"]
    assert listed[1]["options"]["roles"] == {
        "1300000000000000003": "moderator",
        "1300000000000000004": "vip",
    }
    opened = site.services.connections.runnable(listed[0]["id"]).credentials
    assert (opened.secret, opened.refresh_token, opened.client_secret) == (
        TWITCH_TOKEN,
        REFRESH,
        CLIENT_SECRET,
    )
    assert site.services.connections.runnable(listed[1]["id"]).credentials.secret == BOT_TOKEN
    content = page.content()
    for secret in (TWITCH_TOKEN, REFRESH, CLIENT_SECRET, BOT_TOKEN):
        assert secret not in content and secret not in str(listed)
    panel.scroll_into_view_if_needed()
    screenshot(page, "modview-connections-twitch-discord-1280x720")


def test_a_refused_twitch_connection_says_which_field_is_wrong(
    site: Site, open_page: OpenPage
) -> None:
    page = open_page("owner", "/mod/main")
    panel = page.locator("#panel-connections")
    panel.get_by_test_id("connections-platform").select_option("eventsub")
    panel.get_by_test_id("connections-room").fill("cool_streamer")
    panel.get_by_test_id("connections-account").fill("cw_bot")
    panel.get_by_test_id("connections-credential").fill(TWITCH_TOKEN)
    panel.get_by_test_id("connections-add").click()  # no client id
    expect(page.get_by_text("client_id is required")).to_be_visible()
    expect(panel.get_by_test_id("connection")).to_have_count(0)
    expect(panel.get_by_test_id("connections-credential")).to_have_value("")
    assert TWITCH_TOKEN not in page.content()


NEW_TOKEN = "panel-twitch-new-token-92"
NEW_REFRESH = "panel-twitch-new-refresh-93"


def test_the_owner_replaces_a_token_and_the_connection_keeps_its_id_and_status(
    site: Site, open_page: OpenPage
) -> None:
    owner = site["owner"].http
    body = {
        "platform": "twitch",
        "target": "eventsub",
        "room": "cool_streamer",
        "account": "cw_bot",
        "client_id": "abc123",
        "credential": TWITCH_TOKEN,
        "refresh_token": REFRESH,
        "client_secret": CLIENT_SECRET,
    }
    made = owner.post("/api/v1/channels/main/connections", json=body).json()
    site.services.connections.report_status(made["id"], "error", last_error="refresh refused")
    page = open_page("owner", "/mod/main")
    panel = page.locator("#panel-connections")
    item = panel.get_by_test_id("connection")
    expect(item.get_by_test_id("connection-status")).to_have_text("error")

    item.get_by_test_id("connection-replace").click()
    form = item.get_by_test_id("connection-replace-form")
    expect(form).to_contain_text("New user access token")
    expect(form.get_by_test_id("connection-new-credential")).to_have_attribute("type", "password")
    form.get_by_test_id("connection-new-credential").fill(NEW_TOKEN)
    form.get_by_test_id("connection-new-refresh-token").fill(NEW_REFRESH)
    assert axe_problems(page, "connections (replace a token)") == []
    form.get_by_test_id("connection-replace-save").click()

    expect(page.get_by_text("restart it to use it")).to_be_visible()
    expect(form).to_have_count(0)
    expect(item).to_have_count(1)
    expect(item).to_have_attribute("data-id", str(made["id"]))
    expect(item.get_by_test_id("connection-status")).to_have_text("error")  # its history kept
    opened = site.services.connections.runnable(made["id"]).credentials
    assert (opened.secret, opened.refresh_token, opened.client_secret) == (
        NEW_TOKEN,
        NEW_REFRESH,
        CLIENT_SECRET,  # not given: the stored one kept
    )
    modlog = owner.get("/api/v1/channels/main/modlog").text
    assert "connection.update" in modlog
    content = page.content()
    for secret in (TWITCH_TOKEN, REFRESH, CLIENT_SECRET, NEW_TOKEN, NEW_REFRESH):
        assert secret not in content and secret not in modlog

    # a refused token says why, and the field is cleared all the same
    item.get_by_test_id("connection-replace").click()
    form.get_by_test_id("connection-new-credential").fill("bad\u0007token")
    form.get_by_test_id("connection-replace-save").click()
    expect(page.get_by_text("credential must be at most")).to_be_visible()
    expect(form.get_by_test_id("connection-new-credential")).to_have_value("")
    assert site.services.connections.runnable(made["id"]).credentials.secret == NEW_TOKEN


MATRIX_TOKEN = "syt_panel_matrix_token_55"


def test_the_owner_adds_a_matrix_connection_with_its_levels_warn_mode_and_policy_rooms(
    site: Site, open_page: OpenPage, screenshot: Screenshot
) -> None:
    page = open_page("owner", "/mod/main")
    panel = page.locator("#panel-connections")
    expect(panel).to_be_visible()
    panel.get_by_test_id("connections-platform").select_option("matrix")
    expect(panel.get_by_test_id("connections-tls")).to_be_hidden()
    expect(panel.get_by_test_id("connections-role-id")).to_be_hidden()  # Discord's map
    expect(panel.get_by_text("Homeserver")).to_be_visible()
    levels = panel.get_by_test_id("connections-level")
    expect(levels).to_have_count(2)  # Matrix's defaults to start from
    expect(levels.nth(0)).to_have_value("100")
    expect(panel.get_by_test_id("connections-level-role").nth(0)).to_have_value("owner")
    expect(levels.nth(1)).to_have_value("50")
    panel.get_by_test_id("connections-level-role").nth(1).select_option("lead_moderator")
    panel.get_by_test_id("connections-level-add").click()
    levels.nth(2).fill("10")
    panel.get_by_test_id("connections-level-role").nth(2).select_option("vip")
    panel.get_by_test_id("connections-warn").select_option("reply")
    panel.get_by_test_id("connections-target").fill("https://matrix.example.org")
    panel.get_by_test_id("connections-room").fill("#chat:example.org")
    panel.get_by_test_id("connections-account").fill("@cwbot:example.org")
    hostile = "#<b>bans</b>:example.org"  # a legal alias that looks like markup
    panel.get_by_test_id("connections-policy-rooms").fill(f"{hostile}, !list:matrix.org")
    panel.get_by_test_id("connections-publish-room").fill("#ours:example.org")
    panel.get_by_test_id("connections-credential").fill(MATRIX_TOKEN)
    assert axe_problems(page, "connections (Matrix)") == []
    panel.get_by_test_id("connections-add").click()

    item = panel.get_by_test_id("connection")
    expect(item).to_have_count(1)
    expect(item).to_contain_text("matrix · #chat:example.org")
    expect(item.get_by_test_id("connection-settings")).to_have_text(
        "power levels: 100 → owner, 50 → lead_moderator, 10 → vip · "
        f"follows {hostile}, !list:matrix.org · publishes bans to #ours:example.org · "
        "warnings said in the channel"
    )
    assert panel.locator("b", has_text="bans").count() == 0  # shown as text, not markup
    expect(panel.get_by_test_id("connections-credential")).to_have_value("")
    (listed,) = site["owner"].http.get("/api/v1/channels/main/connections").json()
    assert listed["options"]["levels"] == {"100": "owner", "50": "lead_moderator", "10": "vip"}
    assert listed["options"]["warn"] == "reply"
    assert listed["options"]["policy_rooms"] == [hostile, "!list:matrix.org"]
    assert listed["options"]["publish_room"] == "#ours:example.org"
    assert site.services.connections.runnable(listed["id"]).credentials.secret == MATRIX_TOKEN
    assert MATRIX_TOKEN not in page.content() and MATRIX_TOKEN not in str(listed)
    panel.scroll_into_view_if_needed()
    screenshot(page, "modview-connections-matrix-1280x720")
