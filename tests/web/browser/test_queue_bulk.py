"""Mod View's queue: filter by category and level, sort by age or score, select several with
the keyboard and allow/deny them at once (each item's result shown, one another moderator
decided first included), and the Handled list keeps the message text after a reload."""

from __future__ import annotations

from typing import TYPE_CHECKING

from playwright.sync_api import expect

from tests.web.browser.support import Site, needs_browser

if TYPE_CHECKING:
    from playwright.sync_api import Page, Route

    from tests.web.browser.conftest import OpenPage

pytestmark = needs_browser

BULLY = "you are a worthless idiot and everyone hates you"  # bullying, level 1, score 1.0
KILL = "i will kill you"  # aggression, level 2, score 0.9
SHUT = "shut up you stupid bitch"  # misogyny, level 2, score 0.68
LOSER = "go kill yourself loser"  # aggression, level 2, score 0.99
TEXTS = [BULLY, KILL, SHUT, LOSER]


def hold_all(site: Site) -> dict[str, int]:
    """Hold every text (oldest first); the review item id by text."""
    ids: dict[str, int] = {}
    for n, text in enumerate(TEXTS):
        r = site["mallory"].http.post(
            "/api/v1/channels/main/messages", json={"text": text, "idempotency_key": f"q{n}"}
        )
        assert r.json()["status"] == "held", r.text
        site.clock.advance(1)
    for item in site["mod"].http.get("/api/v1/channels/main/queue").json():
        ids[item["message"]["text"]] = item["id"]
    assert set(ids) == set(TEXTS)
    return ids


def shown(mod: Page) -> list[str]:
    texts = mod.locator("[data-testid=queue-item]:visible [data-testid=queue-text]")
    return texts.all_text_contents()


def test_filter_and_sort(site: Site, open_page: OpenPage) -> None:
    hold_all(site)
    mod = open_page("mod", "/mod/main")
    expect(mod.get_by_test_id("queue-item")).to_have_count(4)
    assert shown(mod) == TEXTS

    mod.get_by_label("Filter by category").select_option("aggression")
    expect(mod.locator("[data-testid=queue-item]:visible")).to_have_count(2)
    assert shown(mod) == [KILL, LOSER]
    mod.get_by_label("Filter by category").select_option("")
    mod.get_by_label("Filter by level").select_option("2")
    expect(mod.locator("[data-testid=queue-item]:visible")).to_have_count(3)
    assert shown(mod) == [KILL, SHUT, LOSER]
    mod.get_by_label("Filter by category").select_option("misogyny")
    expect(mod.locator("[data-testid=queue-item]:visible")).to_have_count(1)
    mod.get_by_label("Filter by category").select_option("")
    mod.get_by_label("Filter by level").select_option("")
    expect(mod.locator("[data-testid=queue-item]:visible")).to_have_count(4)

    mod.get_by_label("Sort the queue").select_option("score")
    expect(mod.locator("[data-testid=queue-item]").first).to_contain_text(BULLY)
    assert shown(mod) == [BULLY, LOSER, KILL, SHUT]
    mod.get_by_label("Sort the queue").select_option("newest")
    expect(mod.locator("[data-testid=queue-item]").first).to_contain_text(LOSER)
    assert shown(mod) == [LOSER, SHUT, KILL, BULLY]
    # a new hold goes into its place in the chosen order
    r = site["mallory"].http.post(
        "/api/v1/channels/main/messages", json={"text": BULLY + " again", "idempotency_key": "n"}
    )
    assert r.json()["status"] == "held", r.text
    expect(mod.locator("[data-testid=queue-item]").first).to_contain_text("again")
    # j/k follow the order on screen
    mod.get_by_label("Sort the queue").select_option("oldest")
    mod.locator("[data-testid=queue-item]").first.focus()
    mod.keyboard.press("j")
    expect(mod.locator(".queue-item.selected")).to_contain_text(KILL)


def test_keyboard_multi_select_bulk_allow_with_a_race_and_reload(
    site: Site, open_page: OpenPage
) -> None:
    ids = hold_all(site)
    mod = open_page("mod", "/mod/main")
    expect(mod.get_by_test_id("queue-item")).to_have_count(4)
    boxes = mod.get_by_role("checkbox", name="Select the message from mallory")
    expect(boxes).to_have_count(4)
    expect(mod.get_by_test_id("queue-bulk-allow")).to_be_disabled()

    # another moderator decides KILL just before this moderator's request for it arrives
    def lead_first(route: Route) -> None:
        if route.request.method == "POST":
            r = site["lead"].http.post(f"/api/v1/queue/{ids[KILL]}", json={"action": "deny"})
            assert r.status_code == 200, r.text
        route.continue_()

    mod.route(f"**/api/v1/queue/{ids[KILL]}", lead_first)

    kb = mod.keyboard
    mod.locator("[data-testid=queue-item]").first.focus()
    kb.press("x")  # BULLY
    kb.press("j")
    kb.press("x")  # KILL
    kb.press("j")
    kb.press("x")  # SHUT
    expect(mod.get_by_test_id("queue-picked")).to_have_text("3 selected")
    expect(boxes.nth(0)).to_be_checked()
    expect(boxes.nth(3)).not_to_be_checked()
    kb.press("x")  # and off again, and on
    expect(mod.get_by_test_id("queue-picked")).to_have_text("2 selected")
    kb.press("x")
    kb.press("Shift+A")  # allow the selected

    results = mod.get_by_test_id("queue-bulk-result")
    expect(results).to_have_count(3)
    expect(results.filter(has_text=BULLY)).to_contain_text("allowed")
    expect(results.filter(has_text=SHUT)).to_contain_text("allowed")
    expect(results.filter(has_text=KILL)).to_contain_text("already denied")
    expect(mod.get_by_test_id("queue-item")).to_have_count(1)
    expect(mod.get_by_test_id("queue-item")).to_contain_text(LOSER)
    expect(mod.locator(".toast").filter(has_text="Allowed 2 of 3 selected")).to_be_visible()

    statuses = {
        m["text"]: m["status"]
        for m in site["mod"]
        .http.get("/api/v1/channels/main/users/mallory/card", params={"messages": 10})
        .json()["messages"]
    }
    assert statuses == {BULLY: "delivered", KILL: "denied", SHUT: "delivered", LOSER: "held"}

    mod.reload()
    expect(mod.get_by_test_id("queue-item")).to_have_count(1)
    handled = mod.get_by_test_id("handled-item")
    expect(handled).to_have_count(3)
    expect(handled.filter(has_text=KILL)).to_contain_text("lead denied mallory")
    expect(handled.filter(has_text=BULLY)).to_contain_text("mod allowed mallory")
    expect(handled.filter(has_text=SHUT)).to_contain_text("mod allowed mallory")
    assert mod.get_by_test_id("handled-text").all_text_contents()[0] == SHUT  # newest first


def test_select_all_shown_and_deny_with_the_keyboard(site: Site, open_page: OpenPage) -> None:
    hold_all(site)
    mod = open_page("mod", "/mod/main")
    expect(mod.get_by_test_id("queue-item")).to_have_count(4)
    mod.get_by_label("Filter by category").select_option("aggression")
    expect(mod.locator("[data-testid=queue-item]:visible")).to_have_count(2)
    select_all = mod.get_by_label("Select all shown")
    select_all.focus()
    mod.keyboard.press("Space")
    expect(mod.get_by_test_id("queue-picked")).to_have_text("2 selected")
    deny = mod.get_by_test_id("queue-bulk-deny")
    deny.focus()
    mod.keyboard.press("Enter")
    expect(mod.get_by_test_id("queue-bulk-result")).to_have_count(2)
    expect(mod.get_by_test_id("queue-bulk-result").first).to_contain_text("denied")
    mod.get_by_label("Filter by category").select_option("")
    expect(mod.get_by_test_id("queue-item")).to_have_count(2)
    assert shown(mod) == [BULLY, SHUT]  # what was filtered out was never acted on
    expect(mod.get_by_test_id("queue-picked")).to_have_text("0 selected")
    pending = site["mod"].http.get("/api/v1/channels/main/queue").json()
    assert sorted(i["message"]["text"] for i in pending) == sorted([BULLY, SHUT])
