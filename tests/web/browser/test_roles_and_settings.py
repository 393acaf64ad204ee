"""Only what the role allows is shown (and the server refuses the rest); the user card; every
settings change is confirmed and lands in the mod log."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from playwright.sync_api import expect

from tests.web.browser.support import Site, needs_browser

if TYPE_CHECKING:
    from tests.web.browser.conftest import OpenPage

pytestmark = needs_browser


def test_vip_and_viewer_cannot_open_mod_view(site: Site, open_page: OpenPage) -> None:
    for person in ("vip", "alice"):
        page = open_page(person, "/mod/main")
        expect(page.get_by_test_id("modview-denied")).to_be_visible()
        expect(page.locator(".panel")).to_have_count(0)
        # and the server refuses what the page does not offer
        r = site[person].http.get("/api/v1/channels/main/queue")
        assert r.status_code == 403
    # a moderator of main is a viewer in a channel where they have no role
    r = site["owner"].http.post("/api/v1/channels", json={"name": "elsewhere"})
    assert r.status_code == 201
    page = open_page("mod", "/mod/elsewhere")
    expect(page.get_by_test_id("modview-denied")).to_contain_text("viewer")


def test_moderator_does_not_see_owner_only_settings(site: Site, open_page: OpenPage) -> None:
    mod = open_page("mod", "/mod/main")
    settings = mod.locator("#panel-settings")
    expect(settings.get_by_test_id("levels-readonly")).to_be_visible()
    expect(settings.get_by_test_id("level-bullying")).to_be_disabled()
    expect(settings.get_by_test_id("term-add")).to_be_visible()  # moderators manage terms
    expect(settings.get_by_test_id("term-private")).to_have_count(0)  # but not private ones
    r = site["mod"].http.patch("/api/v1/channels/main/automod/settings", json={"overall_level": 4})
    assert r.status_code == 403

    owner = open_page("owner", "/mod/main")
    settings = owner.locator("#panel-settings")
    expect(settings.get_by_test_id("levels-readonly")).to_have_count(0)
    expect(settings.get_by_test_id("term-private")).to_be_visible()

    # a level change: explained, confirmed, saved, logged
    settings.get_by_test_id("level-swearing").select_option("3")
    dialog = owner.get_by_role("dialog")
    expect(dialog).to_contain_text("likely cases are held too")
    owner.get_by_test_id("confirm-ok").click()
    expect(owner.locator(".toast")).to_contain_text("Saved")
    levels = site["owner"].http.get("/api/v1/channels/main/automod/settings").json()
    assert levels["overall_level"] is None and levels["levels"]["swearing"] == 3
    # a cancelled change changes nothing
    settings.get_by_test_id("overall-level").select_option("4")
    owner.get_by_role("button", name="Cancel").click()
    expect(settings.get_by_test_id("overall-level")).to_have_value("")
    assert site["owner"].http.get("/api/v1/channels/main/automod/settings").json() == levels

    # a private blocked term, then the export shows it
    settings.get_by_test_id("term-text").fill("secretword")
    settings.get_by_test_id("term-private").check()
    settings.get_by_test_id("term-add").click()
    owner.get_by_test_id("confirm-ok").click()
    expect(settings.get_by_test_id("term").filter(has_text="secretword")).to_contain_text("private")
    settings.get_by_test_id("terms-export").click()
    expect(settings.get_by_test_id("terms-data")).to_have_value(re.compile("secretword"))
    # importing an export adds nothing twice; a new CSV row is added
    settings.get_by_test_id("terms-import").click()
    owner.get_by_test_id("confirm-ok").click()
    expect(owner.locator(".toast").filter(has_text="Imported 0, skipped 1")).to_be_visible()
    settings.get_by_test_id("terms-format").select_option("csv")
    settings.get_by_test_id("terms-export").click()
    # the CSV export has replaced the JSON one (on a loaded machine the JSON was still there)
    expect(settings.get_by_test_id("terms-data")).not_to_have_value(re.compile(r"^\s*[\[{]"))
    expect(settings.get_by_test_id("terms-data")).to_have_value(re.compile("secretword"))
    csv = settings.get_by_test_id("terms-data").input_value()
    settings.get_by_test_id("terms-data").fill(csv.replace("secretword", "othersecret"))
    settings.get_by_test_id("terms-import").click()
    owner.get_by_test_id("confirm-ok").click()
    expect(owner.locator(".toast").filter(has_text="Imported 1, skipped 0")).to_be_visible()
    expect(settings.get_by_test_id("term").filter(has_text="othersecret")).to_be_visible()
    # the moderator never sees it
    terms = site["mod"].http.get("/api/v1/channels/main/automod/terms").json()
    assert all(t["text"] != "secretword" for t in terms)

    # chat modes, by the moderator
    modes = mod.locator("#panel-settings").get_by_test_id("settings-modes")
    modes.get_by_test_id("mode-slow").fill("30")
    modes.get_by_test_id("modes-save").click()
    expect(mod.get_by_role("dialog")).to_contain_text("slow mode s: 30")
    mod.get_by_test_id("confirm-ok").click()
    expect(mod.locator(".toast").filter(has_text="Saved")).to_be_visible()
    assert site["mod"].http.get("/api/v1/channels/main/chat-settings").json()["slow_mode_s"] == 30

    log = owner.locator("#panel-modlog")
    for action in ("automod.settings.update", "automod.terms.add", "chat_settings.update"):
        expect(log.locator(f'[data-action="{action}"]').first).to_be_visible()


def test_user_card_notes_by_permission(site: Site, open_page: OpenPage) -> None:
    r = site["mallory"].http.post(
        "/api/v1/channels/main/messages", json={"text": "hi all", "idempotency_key": "c1"}
    )
    assert r.status_code == 200, r.text
    mod = open_page("mod", "/mod/main")
    mod.get_by_test_id("chat-user").filter(has_text="mallory").first.click()
    card = mod.get_by_test_id("usercard")
    expect(card.get_by_test_id("usercard-name")).to_have_text("mallory")
    expect(card.get_by_test_id("usercard-messages")).to_contain_text("hi all")
    expect(card.get_by_test_id("usercard-follow")).to_have_text("not following")
    expect(card.get_by_test_id("count-bans")).to_have_text("0")
    card.get_by_test_id("note-text").fill("spams links in other channels")
    card.get_by_test_id("note-add").click()
    expect(card.get_by_test_id("usercard-note")).to_contain_text("spams links")
    expect(card.get_by_test_id("note-delete")).to_have_count(0)  # moderators cannot delete
    card.get_by_test_id("card-timeout").click()
    mod.get_by_test_id("prompt-input").fill("cool off")
    mod.get_by_test_id("prompt-ok").click()
    expect(card.get_by_test_id("count-timeouts")).to_have_text("1")
    mod.keyboard.press("Escape")
    expect(card).to_have_count(0)

    lead = open_page("lead", "/mod/main")
    # the timeout purged mallory's line from chat: the lead finds her by name instead
    lead.get_by_test_id("people-search").fill("mallory")
    expect(lead.get_by_role("list", name="Users found").get_by_text("mallory")).to_be_visible()
    lead.get_by_test_id("people-search").press("Enter")
    card = lead.get_by_test_id("usercard")
    expect(card.get_by_test_id("usercard-note")).to_contain_text("spams links")
    card.get_by_test_id("note-delete").click()
    lead.get_by_test_id("confirm-ok").click()
    expect(card.get_by_test_id("usercard-note")).to_have_count(0)


def test_demoted_moderator_loses_mod_view_live(site: Site, open_page: OpenPage) -> None:
    page = open_page("mod", "/mod/main")
    expect(page.locator("#panel-queue")).to_be_visible()
    r = site["owner"].http.put("/api/v1/channels/main/roles/mod", json={"role": "viewer"})
    assert r.status_code == 200, r.text
    # the server closes the socket subscribed as a moderator; the page rebuilds for the new role
    expect(page.get_by_test_id("modview-denied")).to_contain_text("viewer")
    expect(page.locator(".panel")).to_have_count(0)
