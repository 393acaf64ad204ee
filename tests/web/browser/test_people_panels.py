"""Mod View's people panels (issue 15): the banned-users list (reason, who, when, pages, unban
with a confirmation, logged as an unban), finding a user by name (keyboard: Tab to the box,
type, Enter opens the first user card; ban, time out and unban from the results) and the
Roles Manager (the team, adding and removing roles the user may manage, subscribers)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from playwright.sync_api import expect

from chatwarden.service.types import Actor
from tests.web.browser.support import Site, needs_browser
from tests.web.harness import PASSWORD

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

    from tests.web.browser.conftest import OpenPage, Screenshot

pytestmark = needs_browser

API = "/api/v1/channels/main"
#: focus the control that comes just before the search box in the page's tab order
FOCUS_BEFORE_BOX = """() => {
  const box = document.querySelector('[data-testid="people-search"]');
  const tabbable = [...document.querySelectorAll(
    'a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), '
    + 'textarea:not([disabled]), [tabindex]:not([tabindex="-1"])')]
    .filter((e) => e.tabIndex >= 0 && e.getClientRects().length > 0);
  tabbable[tabbable.indexOf(box) - 1].focus();
}"""


def show(panel: Locator) -> None:
    """Scroll ``panel``'s top to just below Mod View's sticky bar (for a screenshot)."""
    panel.evaluate(
        """(e) => {
          const bar = document.querySelector(".modview-top");
          const below = bar ? bar.getBoundingClientRect().height + 12 : 12;
          window.scrollTo(0, e.getBoundingClientRect().top + scrollY - below);
        }"""
    )


def narrow(page: Page, panel: Locator, screenshot: Screenshot, name: str) -> None:
    """A phone-width screenshot of ``panel`` (375 px), then back to 1280x800."""
    page.set_viewport_size({"width": 375, "height": 800})
    show(panel)
    screenshot(page, name)
    page.set_viewport_size({"width": 1280, "height": 800})


def test_the_banned_list_pages_and_unbans(
    site: Site, open_page: OpenPage, screenshot: Screenshot
) -> None:
    channel = site.services.channels.get_channel_by_name("main")
    mod = site.services.accounts.get_user_by_name("mod")
    as_mod = Actor(mod.id, mod.username)
    for n in range(25):  # straight through the service: a page's worth, quickly
        bot = site.services.accounts.register(f"bot_{n:02d}", PASSWORD)
        site.services.actions.ban(as_mod, channel.id, bot.id, f"spam wave {n}")
    site.clock.advance(120)
    r = site["lead"].http.put(f"{API}/bans/mallory", json={"reason": "slurs in chat"})
    assert r.is_success, r.text

    page = open_page("mod", "/mod/main", height=800)
    panel = page.locator("#panel-banned")
    rows = panel.get_by_test_id("banned-user")
    expect(rows).to_have_count(25)
    expect(panel.get_by_test_id("banned-summary")).to_have_text("1–25 of 26 banned")
    first = rows.first
    expect(first.get_by_test_id("banned-name")).to_have_text("mallory")
    expect(first.get_by_test_id("banned-reason")).to_have_text("Reason: slurs in chat")
    expect(first.get_by_test_id("banned-by")).to_have_text("by lead")
    expect(first.locator("time")).to_have_attribute("datetime", r.json()["created_at"])
    show(panel)
    screenshot(page, "modview-banned-1280")
    narrow(page, panel, screenshot, "modview-banned-375")

    panel.get_by_test_id("banned-next").click()
    expect(rows).to_have_count(1)
    expect(rows.first.get_by_test_id("banned-name")).to_have_text("bot_00")
    expect(panel.get_by_test_id("banned-summary")).to_have_text("26–26 of 26 banned")
    panel.get_by_test_id("banned-prev").click()
    expect(rows).to_have_count(25)

    panel.get_by_test_id("banned-filter").fill("MAL")
    expect(rows).to_have_count(1)
    rows.first.get_by_test_id("banned-unban").click()
    expect(page.get_by_test_id("confirm-ok")).to_have_text("Unban")
    page.get_by_test_id("confirm-ok").click()
    expect(page.get_by_text("mallory is unbanned")).to_be_visible()
    expect(panel.get_by_test_id("banned-list")).to_contain_text("Nobody banned whose name")
    [entry] = site["mod"].http.get(f"{API}/modlog", params={"action": "unban"}).json()
    assert (entry["target_name"], entry["actor_name"]) == ("mallory", "mod")
    assert site["mod"].http.get(f"{API}/bans").json()["total"] == 25

    # a ban made elsewhere shows up live
    panel.get_by_test_id("banned-filter").fill("")
    r = site["lead"].http.put(f"{API}/bans/alice", json={"reason": "raid"})
    assert r.is_success, r.text
    expect(rows.first.get_by_test_id("banned-name")).to_have_text("alice")


def test_find_a_user_with_the_keyboard_then_act_on_them(
    site: Site, open_page: OpenPage, screenshot: Screenshot
) -> None:
    page = open_page("mod", "/mod/main", height=800)
    panel = page.locator("#panel-people")
    expect(page.locator("#panel-roles")).to_have_count(0)  # moderators do not manage roles
    box = panel.get_by_test_id("people-search")
    page.keyboard.press("/")  # the shortcut jumps to the box
    expect(box).to_be_focused()
    page.evaluate(FOCUS_BEFORE_BOX)  # the tabbable control just before the box
    expect(box).not_to_be_focused()
    page.keyboard.press("Tab")
    expect(box).to_be_focused()
    page.keyboard.type("MAL")
    results = panel.get_by_test_id("people-result")
    expect(results).to_have_count(1)
    page.keyboard.press("Enter")
    card = page.get_by_test_id("usercard")
    expect(card).to_be_visible()
    expect(card).to_have_attribute("aria-label", "User card: mallory")
    page.get_by_test_id("usercard-close").click()
    expect(card).to_have_count(0)

    # ban by name, with a reason
    results.first.get_by_test_id("people-ban").click()
    page.get_by_test_id("prompt-input").fill("ban evasion")
    page.get_by_test_id("prompt-ok").click()
    expect(results.first.get_by_test_id("people-banned")).to_be_visible()
    [ban] = site["mod"].http.get(f"{API}/bans").json()["bans"]
    assert (ban["username"], ban["reason"], ban["moderator_name"]) == (
        "mallory",
        "ban evasion",
        "mod",
    )
    show(panel)
    screenshot(page, "modview-people-1280")
    narrow(page, panel, screenshot, "modview-people-375")
    results.first.get_by_test_id("people-unban").click()
    page.get_by_test_id("confirm-ok").click()
    expect(results.first.get_by_test_id("people-banned")).to_have_count(0)
    assert site["mod"].http.get(f"{API}/bans").json()["total"] == 0

    # time out with the shared duration menu; a moderator's row offers nothing
    box.fill("a")
    expect(results).to_have_count(1)
    alice = results.first
    expect(alice.get_by_test_id("people-role")).to_have_text("follower")
    alice.get_by_test_id("people-timeout-durations").click()
    alice.get_by_test_id("people-timeout-preset-3600").click()
    page.get_by_test_id("prompt-ok").click()
    expect(alice.get_by_test_id("people-timed-out")).to_be_visible()
    [alice_now] = site["mod"].http.get(f"{API}/users", params={"q": "alice"}).json()
    assert alice_now["timed_out"]
    page.get_by_role("button", name="Undo the timeout of alice").click()  # as everywhere
    expect(alice.get_by_test_id("people-timed-out")).to_have_count(0)
    [alice_now] = site["mod"].http.get(f"{API}/users", params={"q": "alice"}).json()
    assert not alice_now["timed_out"]
    box.fill("lea")
    expect(results.first).to_contain_text("on the mod team")
    expect(results.first.get_by_test_id("people-ban")).to_have_count(0)
    box.press("Escape")
    expect(results).to_have_count(0)


def test_the_roles_manager(site: Site, open_page: OpenPage, screenshot: Screenshot) -> None:
    page = open_page("owner", "/mod/main", height=800)
    panel = page.locator("#panel-roles")
    expect(panel.get_by_test_id("roles-group-owner")).to_contain_text("owner")
    expect(panel.get_by_test_id("roles-group-lead_moderator")).to_contain_text("lead")
    expect(panel.get_by_test_id("roles-group-vip")).to_contain_text("vip")
    options = panel.get_by_test_id("roles-role").locator("option")
    expect(options).to_have_text(["Lead moderator", "Moderator", "VIP"])

    panel.get_by_test_id("roles-username").fill("alice")
    panel.get_by_test_id("roles-username").press("Enter")  # the form submits
    moderators = panel.get_by_test_id("roles-group-moderator")
    expect(moderators.get_by_test_id("roles-member")).to_have_count(2)
    expect(moderators).to_contain_text("alice")
    vip = panel.get_by_test_id("roles-group-vip").get_by_test_id("roles-member")
    vip.get_by_test_id("roles-remove").click()
    page.get_by_test_id("confirm-ok").click()
    expect(panel.get_by_test_id("roles-group-vip")).to_contain_text("Nobody.")
    roles = {m["username"]: m["role"] for m in site["owner"].http.get(f"{API}/members").json()}
    assert roles["alice"] == "moderator" and roles["vip"] == "viewer"

    panel.get_by_test_id("roles-sub-username").fill("mallory")
    panel.get_by_test_id("roles-sub-add").click()
    expect(panel.get_by_test_id("roles-subscriber")).to_have_count(1)
    expect(panel.get_by_test_id("roles-subscriber")).to_contain_text("mallory")
    show(panel)
    screenshot(page, "modview-roles-1280")
    narrow(page, panel, screenshot, "modview-roles-375")

    # the owner outranks moderators: the search offers to act on one
    page.get_by_test_id("people-search").fill("mod")
    expect(page.locator("#panel-people").get_by_test_id("people-ban")).to_have_count(1)

    # a lead moderator manages moderators and VIPs only (a moderator has no Roles panel)
    lead = open_page("lead", "/mod/main")
    lead_panel = lead.locator("#panel-roles")
    expect(lead_panel.get_by_test_id("roles-role").locator("option")).to_have_text(
        ["Moderator", "VIP"]
    )
    lead_mods = lead_panel.get_by_test_id("roles-group-moderator")
    expect(lead_mods.get_by_test_id("roles-remove")).to_have_count(2)
    expect(
        lead_panel.get_by_test_id("roles-group-lead_moderator").get_by_test_id("roles-remove")
    ).to_have_count(0)
    expect(lead_panel.get_by_test_id("roles-sub-add")).to_have_count(0)
