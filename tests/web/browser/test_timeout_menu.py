"""The shared timeout control (modview/timeoutmenu.js) in Mod View's chat, user card and queue:
presets (1 s purge .. 7 d) and a custom duration, driven by the keyboard; each pick reaches the
timeout API with its duration (the mod log says so)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from playwright.sync_api import expect

from tests.web.browser.support import Site, needs_browser

if TYPE_CHECKING:
    from playwright.sync_api import Page

    from tests.web.browser.conftest import OpenPage

pytestmark = needs_browser

PRESETS = ["1 s (purge)", "1 min", "10 min", "1 h", "24 h", "7 d", "Custom…"]
ABUSE = "you are a worthless idiot and everyone hates you"


def _post(site: Site, who: str, text: str, key: str) -> None:
    r = site[who].http.post(
        "/api/v1/channels/main/messages", json={"text": text, "idempotency_key": key}
    )
    assert r.json()["status"] == "delivered", r.text


def _timeouts(site: Site) -> list[tuple[str, int, str]]:
    """(target, duration_s, reason) of every timeout in the mod log, oldest first."""
    log = site["mod"].http.get("/api/v1/channels/main/modlog").json()
    rows = [e for e in log if e["action"] == "timeout"]
    rows.sort(key=lambda e: e["id"])
    return [(e["target_name"], e["details"]["duration_s"], e["reason"]) for e in rows]


def _reason(page: Page, text: str) -> None:
    """Answer the reason prompt by keyboard."""
    box = page.get_by_test_id("prompt-input")
    expect(box).to_be_focused()
    page.keyboard.type(text)
    page.keyboard.press("Enter")


def test_chat_panel_presets_by_keyboard(site: Site, open_page: OpenPage) -> None:
    page = open_page("mod", "/mod/main")
    _post(site, "alice", "hello from alice", "a1")
    line = page.locator("#panel-chat").get_by_test_id("mod-chat-line").filter(has_text="hello")
    toggle = line.get_by_role("button", name="Timeout durations for alice")
    menu = line.get_by_role("menu", name="Time out alice for")
    expect(toggle).to_have_attribute("aria-haspopup", "menu")
    expect(menu).to_be_hidden()
    toggle.focus()
    page.keyboard.press("Enter")
    expect(menu).to_be_visible()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(menu.get_by_role("menuitem")).to_have_text(PRESETS)
    expect(menu.get_by_role("menuitem", name="1 s (purge)")).to_be_focused()
    page.keyboard.press("Escape")
    expect(menu).to_be_hidden()
    expect(toggle).to_be_focused()
    expect(toggle).to_have_attribute("aria-expanded", "false")
    page.keyboard.press("ArrowUp")  # opens on the last item
    expect(menu.get_by_role("menuitem", name="Custom…")).to_be_focused()
    page.keyboard.press("Home")
    for _ in range(3):
        page.keyboard.press("ArrowDown")
    expect(menu.get_by_role("menuitem", name="1 h")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("dialog[open]").filter(has_text="Time alice out for 1 h?")).to_be_visible()
    _reason(page, "cool off")
    expect(page.locator(".toast-ok")).to_contain_text("alice timed out for 1 h")
    assert _timeouts(site) == [("alice", 3600, "cool off")]


def test_user_card_purge_and_custom_duration_by_keyboard(site: Site, open_page: OpenPage) -> None:
    page = open_page("mod", "/mod/main")
    _post(site, "alice", "hello from alice", "a1")
    page.locator("#panel-chat").get_by_test_id("chat-user").filter(has_text="alice").first.click()
    card = page.get_by_test_id("usercard")
    expect(card.get_by_test_id("usercard-name")).to_have_text("alice")
    toggle = card.get_by_test_id("card-timeout-durations")
    expect(toggle).to_have_accessible_name("Timeout durations for alice")
    # the 1 s purge: the server takes a 1 s timeout
    toggle.focus()
    page.keyboard.press("Space")
    expect(card.get_by_test_id("card-timeout-preset-1")).to_be_focused()
    page.keyboard.press("Enter")
    _reason(page, "purge")
    expect(card.get_by_test_id("count-timeouts")).to_have_text("1")
    assert _timeouts(site) == [("alice", 1, "purge")]
    # a custom duration that the server refuses is never sent
    toggle.focus()
    page.keyboard.press("ArrowUp")
    expect(card.get_by_test_id("card-timeout-custom")).to_be_focused()
    page.keyboard.press("Enter")
    _reason(page, "15d")  # over the 14-day bound
    expect(page.locator(".toast-error")).to_contain_text("not a duration from 1 s to 14 d")
    # a custom 90 min
    toggle.focus()
    page.keyboard.press("ArrowUp")
    page.keyboard.press("Enter")
    _reason(page, "90m")
    _reason(page, "longer")
    expect(card.get_by_test_id("count-timeouts")).to_have_text("2")
    assert _timeouts(site) == [("alice", 1, "purge"), ("alice", 5400, "longer")]


def test_queue_deny_with_a_preset_by_keyboard(site: Site, open_page: OpenPage) -> None:
    # held before the page opens: the queue loads it (a hold arriving live is the moderation
    # flow tests' business; here it raced the page's socket on a loaded machine)
    r = site["mallory"].http.post(
        "/api/v1/channels/main/messages", json={"text": ABUSE, "idempotency_key": "q1"}
    )
    assert r.json()["status"] == "held", r.text
    page = open_page("mod", "/mod/main")
    item = page.get_by_test_id("queue-item").filter(has_text=ABUSE)
    toggle = item.get_by_role("button", name="Timeout durations for mallory")
    toggle.focus()
    page.keyboard.press("ArrowDown")
    menu = item.get_by_role("menu", name="Time out mallory for")
    expect(menu.get_by_role("menuitem", name="1 s (purge)")).to_be_focused()
    page.keyboard.press("End")
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowUp")
    expect(menu.get_by_role("menuitem", name="24 h")).to_be_focused()
    page.keyboard.press("t")  # Mod View's "deny + timeout (10 min)" key does nothing in the menu
    expect(menu.get_by_role("menuitem", name="24 h")).to_be_focused()
    page.keyboard.press("Enter")
    # the reason, prefilled with the queue's own (Enter keeps it; reasons.js)
    expect(page.get_by_test_id("reason-dialog")).to_contain_text("time mallory out for 24 h")
    expect(page.get_by_test_id("prompt-input")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator(".toast-ok")).to_contain_text("Denied and timed out mallory for 24 h")
    expect(item).to_have_count(0)
    reason = "held message denied (AutoMod queue)"
    assert _timeouts(site) == [("mallory", 86400, reason)]
