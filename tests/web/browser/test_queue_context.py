"""Mod View's queue shows a held message's context under AutoMod's reasons: a chatter who was
warned and repeats the held line gets a "Context:" line saying so, on the item loaded with the
page and on one that arrives live; a first message gets none."""

from __future__ import annotations

from typing import TYPE_CHECKING

from playwright.sync_api import expect

from tests.web.browser.support import Site, needs_browser

if TYPE_CHECKING:
    from tests.web.browser.conftest import OpenPage

pytestmark = needs_browser

BULLY = "you are a worthless idiot and everyone hates you"


def send(site: Site, text: str, key: str) -> str:
    r = site["mallory"].http.post(
        "/api/v1/channels/main/messages", json={"text": text, "idempotency_key": key}
    )
    assert r.json()["status"] == "held", r.text
    return str(r.json()["message_id"])


def test_a_repeat_after_a_warning_shows_its_context(site: Site, open_page: OpenPage) -> None:
    send(site, BULLY, "c1")
    site.clock.advance(10)
    r = site["mod"].http.post("/api/v1/channels/main/warnings/mallory", json={"reason": "stop"})
    assert r.status_code == 201, r.text
    r = site["mallory"].http.post("/api/v1/channels/main/warning-acknowledgement")
    assert r.status_code == 204, r.text
    site.clock.advance(10)
    send(site, BULLY + "!", "c2")

    mod = open_page("mod", "/mod/main")
    items = mod.get_by_test_id("queue-item")
    expect(items).to_have_count(2)
    expect(items.nth(0).get_by_test_id("queue-context")).to_have_count(0)  # a first message
    second = items.nth(1).get_by_test_id("queue-context")
    expect(second).to_have_text(
        "Context: earlier message (20 s before) scored harm 1.00 (escalation); "
        "after 1 warning in this channel; repeats own message (2nd time in 20 s)"
    )
    # under AutoMod's reasons, before the message text
    order = items.nth(1).evaluate("n => [...n.children].map(c => c.dataset.testid || c.className)")
    assert order.index("queue-context") == order.index("queue-meta") + 1

    # a third repeat arrives live (the hold event carries its context)
    site.clock.advance(5)
    send(site, BULLY + "!!", "c3")
    expect(items).to_have_count(3)
    expect(items.nth(2).get_by_test_id("queue-context")).to_contain_text(
        "repeats own message (3rd time in 25 s)"
    )
    expect(items.nth(2).get_by_test_id("queue-context")).to_contain_text(
        "after 1 warning in this channel"
    )

    # the user card shows the newest message's context too
    items.nth(2).get_by_test_id("queue-user").click()
    expect(mod.get_by_test_id("usercard-context")).to_contain_text("Newest message's context: ")
    expect(mod.get_by_test_id("usercard-context")).to_contain_text(
        "repeats own message (3rd time in 25 s)"
    )
