"""Screenshots of the chat page and Mod View at 1280x720 and at phone width (375 px), saved
under test-artifacts/screenshots/ for a person to look at; the pages must not scroll sideways."""

from __future__ import annotations

from typing import TYPE_CHECKING

from playwright.sync_api import expect

from tests.web.browser.support import Site, needs_browser

if TYPE_CHECKING:
    from tests.web.browser.conftest import OpenPage, Screenshot

pytestmark = needs_browser

LINES = [
    ("alice", "hi chat! what did I miss?"),
    ("vip", "the boss fight just started, gl everyone"),
    ("alice", "that dodge was insane"),
    ("vip", "gg, well played"),
    ("mallory", "you are a worthless idiot and everyone hates you"),
    ("mallory", "shut up, nobody asked you, loser, go kill yourself"),
]


def populate(site: Site) -> None:
    for n, (who, text) in enumerate(LINES):
        r = site[who].http.post(
            "/api/v1/channels/main/messages", json={"text": text, "idempotency_key": f"s{n}"}
        )
        assert r.status_code == 200, r.text
    r = site["mod"].http.post(
        "/api/v1/channels/main/users/mallory/notes", json={"text": "second warning this week"}
    )
    assert r.status_code == 201


def no_sideways_scroll(page: object) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")  # type: ignore[attr-defined]
    inner = page.evaluate("window.innerWidth")  # type: ignore[attr-defined]
    assert width <= inner, f"the page is {width} px wide in a {inner} px window"


def test_screenshots_desktop_and_phone(
    site: Site, open_page: OpenPage, screenshot: Screenshot
) -> None:
    populate(site)
    sizes = ((1280, 720, "1280x720"), (375, 812, "375px"))
    for n, (width, height, tag) in enumerate(sizes):
        chat = open_page("alice", "/c/main", width=width, height=height)
        expect(chat.locator(".chat-line")).to_have_count(4 + n)
        chat.get_by_test_id("chat-input").fill(f"is the stream still on? ({tag})")
        chat.get_by_test_id("chat-input").press("Enter")
        expect(chat.locator(".chat-line")).to_have_count(5 + n)
        no_sideways_scroll(chat)
        screenshot(chat, f"chat-{tag}")

        mod = open_page("mod", "/mod/main", width=width, height=height)
        expect(mod.get_by_test_id("queue-item")).to_have_count(2)
        no_sideways_scroll(mod)
        screenshot(mod, f"modview-{tag}")
        if width > 1000:
            screenshot(mod, f"modview-{tag}-full-page", full_page=True)
        mod.get_by_test_id("queue-user").first.click()
        expect(mod.get_by_test_id("usercard-note")).to_have_count(1)
        no_sideways_scroll(mod)
        screenshot(mod, f"usercard-{tag}")
    # what a banned viewer sees on a phone: the notice and the unban request form
    assert site["mod"].http.put("/api/v1/channels/main/bans/mallory", json={}).is_success
    banned = open_page("mallory", "/c/main", width=375, height=812)
    expect(banned.get_by_test_id("unban-text")).to_be_visible()
    no_sideways_scroll(banned)
    screenshot(banned, "chat-banned-375px")
