"""Mod View's terms (several at once with one confirmation and per-line errors, an expiry shown
on each term, search as you type) and the Detection panel's spam filters and link allow-list
(bounds checked in the page, server errors shown, one Save, mod-log entry), by mouse and by
keyboard."""

from __future__ import annotations

from typing import TYPE_CHECKING

from playwright.sync_api import expect

from tests.web.browser.support import Site, needs_browser

if TYPE_CHECKING:
    from tests.web.browser.conftest import OpenPage, Screenshot

pytestmark = needs_browser

TERMS = "/api/v1/channels/main/automod/terms"


def test_bulk_add_expiry_and_search(
    site: Site, open_page: OpenPage, screenshot: Screenshot
) -> None:
    assert site["mod"].http.post(TERMS, json={"text": "already"}).status_code == 201
    page = open_page("mod", "/mod/main")
    terms = page.locator("#panel-settings").get_by_test_id("settings-terms")
    expect(terms.get_by_test_id("term")).to_have_count(1)

    terms.get_by_test_id("term-expiry-select").select_option(label="1 day")
    terms.get_by_test_id("terms-bulk").fill("spamword\nalready\n\nscamlink\nx\n  botword  ")
    terms.get_by_test_id("terms-bulk-add").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("Add these 5 terms (blocked, expiring in 1 day)?")
    expect(dialog.get_by_test_id("terms-bulk-confirm").locator("li")).to_have_text(
        ["spamword", "already", "scamlink", "x", "botword"]
    )
    page.get_by_test_id("confirm-ok").click()  # one confirmation for all of them

    errors = terms.get_by_test_id("terms-bulk-error")
    expect(errors).to_have_count(2)
    expect(errors.nth(0)).to_contain_text("already (line 2)")
    expect(errors.nth(0)).to_contain_text("already in the list")
    expect(errors.nth(1)).to_contain_text("x (line 4)")
    expect(terms.get_by_test_id("terms-bulk")).to_have_value("already\nx")  # only the failures
    expect(terms.get_by_test_id("term")).to_have_count(4)
    for text in ("spamword", "scamlink", "botword"):
        row = terms.get_by_test_id("term").filter(has_text=text)
        expect(row.get_by_test_id("term-expiry")).to_contain_text("expires")
    expect(
        terms.get_by_test_id("term").filter(has_text="already").get_by_test_id("term-expiry")
    ).to_have_count(0)
    terms.scroll_into_view_if_needed()
    screenshot(page, "modview-terms-bulk-add-1280")
    listed = {t["text"]: t["expires_at"] for t in site["mod"].http.get(TERMS).json()}
    assert listed["already"] is None and listed["spamword"] is not None

    # search as you type, with the keyboard
    search = terms.get_by_test_id("terms-search")
    search.focus()
    page.keyboard.type("AM")
    expect(terms.get_by_test_id("term").locator("visible=true")).to_have_count(2)
    expect(terms.get_by_test_id("terms-count")).to_have_text("2 of 4 terms match")
    page.keyboard.type("L")
    expect(terms.get_by_test_id("term").locator("visible=true")).to_have_count(1)
    expect(terms.get_by_test_id("term").locator("visible=true")).to_contain_text("scamlink")
    search.fill("")
    expect(terms.get_by_test_id("term").locator("visible=true")).to_have_count(4)

    # a single term with an expiry, by keyboard: the expiry is in the mod log
    terms.get_by_test_id("term-expiry-select").select_option(label="1 hour")
    terms.get_by_test_id("term-text").fill("hourterm")
    terms.get_by_test_id("term-text").press("Enter")
    expect(page.get_by_role("dialog")).to_contain_text("expiring in 1 hour")
    page.keyboard.press("Enter")  # the dialog's focused Save
    row = terms.get_by_test_id("term").filter(has_text="hourterm")
    expect(row.get_by_test_id("term-expiry")).to_be_visible()
    log = site["mod"].http.get("/api/v1/channels/main/modlog").json()
    hour = [
        e for e in log if e["action"] == "automod.terms.add" and e["details"]["text"] == "hourterm"
    ]
    assert hour and hour[0]["details"]["expires_at"] is not None

    # once the hour is up the term is gone (the page shows the server's list)
    site.clock.advance(3600)
    page.reload()
    terms = page.locator("#panel-settings").get_by_test_id("settings-terms")
    expect(terms.get_by_test_id("term")).to_have_count(4)
    expect(terms.get_by_test_id("term").filter(has_text="hourterm")).to_have_count(0)


def test_spam_threshold_and_allow_list_saved_from_the_detection_panel(
    site: Site, open_page: OpenPage, screenshot: Screenshot
) -> None:
    page = open_page("lead", "/mod/main")
    panel = page.locator("#panel-detection")
    filters = panel.get_by_test_id("spam-filters")
    filters.locator("summary").click()
    caps = filters.get_by_test_id("spam-caps-threshold")
    expect(caps).to_have_value("0.7")
    expect(caps).to_have_attribute("max", "1")

    # out of bounds: refused in the page, named, nothing sent
    caps.fill("1.5")
    panel.get_by_test_id("detection-save").click()
    expect(panel.get_by_test_id("detection-errors")).to_contain_text(
        "Capital letters: share of the message that trips it (0 to 1) must be at most 1"
    )
    expect(caps).to_be_focused()
    expect(caps).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_role("dialog")).to_have_count(0)
    screenshot(page, "modview-spam-filters-1280")

    # a domain the server refuses: its message is shown, nothing saved
    caps.fill("0.8")
    expect(caps).not_to_have_attribute("aria-invalid", "true")
    domains = filters.get_by_test_id("spam-links-domains")
    domains.fill("twitch.tv\nhttp://bad url")
    panel.get_by_test_id("detection-save").click()
    page.get_by_test_id("confirm-ok").click()
    expect(panel.get_by_test_id("detection-errors")).to_contain_text("is not a domain name")
    settings = site["lead"].http.get("/api/v1/channels/main/detection/settings").json()
    assert settings["detectors"]["spam"]["caps"]["threshold"] == 0.7

    # valid: one Save, confirmed, stored, logged
    domains.fill("twitch.tv\nExample.ORG\n")
    filters.get_by_test_id("spam-caps-enabled").check()
    filters.get_by_test_id("spam-rate-max_messages").fill("5")
    panel.get_by_test_id("detection-save").click()
    page.get_by_test_id("confirm-ok").click()
    expect(page.locator(".toast").filter(has_text="Detection settings saved")).to_be_visible()
    spam = site["lead"].http.get("/api/v1/channels/main/detection/settings").json()
    spam = spam["detectors"]["spam"]
    assert spam["caps"] == {**spam["caps"], "enabled": True, "threshold": 0.8}
    assert spam["rate"]["max_messages"] == 5
    assert spam["links"]["allowed_domains"] == ["example.org", "twitch.tv"]
    expect(panel.get_by_test_id("detection-errors").locator("li")).to_have_count(0)
    log = site["lead"].http.get("/api/v1/channels/main/modlog").json()
    changes = [e for e in log if e["action"] == "detection.settings.update"]
    assert changes and "detectors.spam.caps.threshold" in str(changes[0]["details"])

    # a moderator sees the values but cannot change them
    mod = open_page("mod", "/mod/main")
    mod_filters = mod.locator("#panel-detection").get_by_test_id("spam-filters")
    mod_filters.locator("summary").click()
    expect(mod_filters.get_by_test_id("spam-caps-threshold")).to_have_value("0.8")
    expect(mod_filters.get_by_test_id("spam-caps-threshold")).to_be_disabled()
    expect(mod.locator("#panel-detection").get_by_test_id("detection-save")).to_have_count(0)
