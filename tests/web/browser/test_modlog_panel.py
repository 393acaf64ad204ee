"""Mod View's mod-log panel in Chromium: server-side filters reached with the keyboard, text
search with a literal "%", "Load older" paging, usernames opening the user card, live entries."""

from __future__ import annotations

from datetime import timedelta

from playwright.sync_api import Locator, Page, expect

from chatwarden.store import accounts, audit
from tests.web.browser.conftest import OpenPage, Screenshot
from tests.web.browser.support import Site, needs_browser

pytestmark = needs_browser
API = "/api/v1/channels/main"


def _seed(site: Site, timeouts: int) -> None:
    """``timeouts`` old timeouts of mallory by mod (written straight to the log: fast), then a
    ban of alice by the owner through the API."""
    services = site.services
    with services.db.write() as conn:
        mod = accounts.get_user_by_login_txn(conn, "mod")
        mallory = accounts.get_user_by_login_txn(conn, "mallory")
        channel = services.channels.get_channel_by_name("main")
        assert mod is not None and mallory is not None
        at = site.clock.now() - timedelta(days=30)
        audit.append_many_txn(
            conn,
            [
                {
                    "channel_id": channel.id,
                    "actor_id": mod.id,
                    "action": "timeout",
                    "target_user_id": mallory.id,
                    "message_id": None,
                    "reason": f"old timeout {i}",
                    "details": {},
                    "created_at": at,
                }
                for i in range(timeouts)
            ],
        )
    r = site["owner"].http.put(f"{API}/bans/alice", json={"reason": "50% off spam"})
    assert r.status_code == 200, r.text


def _entries(page: Page) -> Locator:
    return page.locator("#panel-modlog").get_by_test_id("modlog-entry")


def test_filters_by_keyboard_paging_and_user_cards(
    site: Site, open_page: OpenPage, screenshot: Screenshot
) -> None:
    _seed(site, 55)
    total = len(site["mod"].http.get(f"{API}/modlog", params={"limit": 1000}).json())
    page = open_page("mod", "/mod/main")
    panel = page.locator("#panel-modlog")
    entries = _entries(page)
    expect(entries).to_have_count(50)  # the newest page
    expect(entries.first.get_by_test_id("modlog-action-name")).to_have_text("Banned")

    # "Load older" with the keyboard appends the rest of the history, each entry once
    older = panel.get_by_test_id("modlog-older")
    older.focus()
    page.keyboard.press("Enter")
    expect(entries).to_have_count(total)
    expect(older).to_be_hidden()
    ids = [int(i) for i in entries.evaluate_all("(els) => els.map((e) => e.dataset.id)")]
    assert ids == sorted(set(ids), reverse=True)

    # Tab into the filters: action type, who acted, then the moderator's name
    panel.get_by_test_id("modlog-action").focus()
    page.keyboard.press("Tab")
    expect(panel.get_by_test_id("modlog-who")).to_be_focused()
    page.keyboard.press("Tab")
    expect(panel.get_by_test_id("modlog-moderator")).to_be_focused()
    page.keyboard.type("owner")
    expect(entries.filter(has_text="old timeout")).to_have_count(0)
    page.keyboard.press("Tab")
    expect(panel.get_by_test_id("modlog-user")).to_be_focused()
    page.keyboard.type("alice")
    expect(entries).to_have_count(1)
    expect(entries.first).to_contain_text("50% off spam")
    screenshot(page, "modview-modlog-filtered")

    # the search text is literal and searched on the server: "%" is a percent sign
    panel.get_by_test_id("modlog-clear").click()
    expect(entries).to_have_count(50)
    search = panel.get_by_test_id("modlog-filter")
    search.focus()
    page.keyboard.type("0% off")
    expect(entries).to_have_count(1)
    search.fill("old timeout 1")  # 1, 10..19: beyond the newest page too
    expect(entries).to_have_count(11)

    # an action type with a human-readable name, and a family of them
    search.fill("")
    panel.get_by_test_id("modlog-action").select_option("role.*")
    expect(entries).to_have_count(3)
    expect(entries.get_by_test_id("modlog-action-name")).to_contain_text(
        ["Made VIP", "Made moderator", "Made lead moderator"]
    )

    # usernames are buttons that open the user card
    panel.get_by_test_id("modlog-action").select_option("ban")
    expect(entries).to_have_count(1)
    entries.first.get_by_test_id("modlog-target").click()
    card = page.get_by_test_id("usercard")
    expect(card.get_by_test_id("usercard-name")).to_have_text("alice")
    page.keyboard.press("Escape")

    # live: a new ban appears at the top of the filtered list
    r = site["mod"].http.put(f"{API}/bans/mallory", json={"reason": "back again"})
    assert r.status_code == 200, r.text
    expect(entries).to_have_count(2)
    expect(entries.first).to_contain_text("back again")


def test_dates_filter_and_a_narrow_screen(
    site: Site, open_page: OpenPage, screenshot: Screenshot
) -> None:
    _seed(site, 3)
    page = open_page("lead", "/mod/main", width=375, height=800)
    panel = page.locator("#panel-modlog")
    entries = _entries(page)
    expect(entries.filter(has_text="old timeout")).to_have_count(3)
    today = site.clock.now().date()
    panel.get_by_test_id("modlog-from").fill((today - timedelta(days=1)).isoformat())
    expect(entries.filter(has_text="old timeout")).to_have_count(0)
    expect(entries.filter(has_text="50% off spam")).to_have_count(1)
    panel.get_by_test_id("modlog-from").fill("")
    panel.get_by_test_id("modlog-to").fill((today - timedelta(days=2)).isoformat())
    expect(entries).to_have_count(3)
    panel.scroll_into_view_if_needed()
    overflow = panel.evaluate(  # this panel and its filters fit (375 px): nothing sticks out
        "(p) => [p, ...p.querySelectorAll('*')].filter((e) => e.getBoundingClientRect().right"
        " > p.getBoundingClientRect().right + 1).map((e) => e.outerHTML.slice(0, 60))"
    )
    assert overflow == [], overflow
    screenshot(page, "modview-modlog-375")
