"""Mod View's Connections panel (the owner): add a connection with its credential (a password
field, cleared once sent, never shown again), see the status, last message and last error its
runner reports (an error's text shown as text), and remove it; a lead moderator has no panel."""

from __future__ import annotations

from typing import TYPE_CHECKING

from playwright.sync_api import expect

from tests.web.browser.support import Site, needs_browser

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
