"""A viewer and a moderator in two browser contexts: hold -> queue -> allow/deny/timeout/ban,
unban request, warn + acknowledge, and the queue handled with the keyboard alone."""

from __future__ import annotations

from typing import TYPE_CHECKING

from playwright.sync_api import expect

from tests.web.browser.support import Site, needs_browser

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

    from tests.web.browser.conftest import OpenPage

pytestmark = needs_browser

ABUSE = "you are a worthless idiot and everyone hates you"


def say(page: Page, text: str) -> None:
    page.get_by_test_id("chat-input").fill(text)
    page.get_by_test_id("chat-input").press("Enter")


def queue_item(mod: Page, text: str) -> Locator:
    return mod.get_by_test_id("queue-item").filter(has_text=text)


def notice(page: Page, text: str) -> Locator:
    return page.get_by_test_id("notice").filter(has_text=text)


def test_held_message_is_queued_live_highlighted_and_allowed(
    site: Site, open_page: OpenPage
) -> None:
    mod = open_page("mod", "/mod/main")
    viewer = open_page("mallory", "/c/main")
    # time it inside the browsers (same machine clock), not through Playwright's polling
    mod.evaluate(
        """() => new MutationObserver((_, obs) => {
             if (document.querySelector('[data-testid=queue-item]')) {
               window.__heldAt = Date.now(); obs.disconnect();
             }
           }).observe(document.body, {childList: true, subtree: true})"""
    )
    viewer.get_by_test_id("chat-input").fill(ABUSE)
    sent_at = viewer.evaluate(
        "() => { document.querySelector('[data-testid=chat-input]').form.requestSubmit();"
        " return Date.now(); }"
    )
    item = queue_item(mod, "worthless")
    expect(item).to_be_visible()
    latency_ms = mod.evaluate("window.__heldAt") - sent_at
    # live, not on a reload or a poll; generous, as a loaded CI machine took 1.2 s once
    assert 0 <= latency_ms < 5000, f"the held message reached Mod View after {latency_ms} ms"
    # the triggering words are highlighted inside the original text
    marks = item.locator("mark.hit").all_text_contents()
    assert {"worthless", "idiot"} <= set(marks), marks
    expect(item.get_by_test_id("queue-text")).to_have_text(ABUSE)
    expect(item.get_by_test_id("queue-category")).to_contain_text("Bullying")
    expect(item.get_by_test_id("queue-category")).to_contain_text("level")
    expect(item.get_by_test_id("queue-category")).to_contain_text("score")
    expect(notice(viewer, "Held for review")).to_be_visible()
    expect(viewer.locator(".chat-line", has_text=ABUSE)).to_have_count(0)

    item.get_by_role("button", name="Allow").click()
    expect(viewer.locator(".chat-line", has_text=ABUSE)).to_be_visible()
    expect(notice(viewer, "approved your held message")).to_be_visible()
    expect(item).to_have_count(0)
    expect(mod.get_by_test_id("handled-item").first).to_contain_text("mod allowed mallory")
    # and in the moderators' chat, with inline actions
    line = mod.get_by_test_id("mod-chat-line").filter(has_text=ABUSE)
    expect(line.get_by_role("button", name="Ban mallory")).to_be_visible()


def test_deny_timeout_ban_and_unban_request(site: Site, open_page: OpenPage) -> None:
    mod = open_page("mod", "/mod/main")
    viewer = open_page("mallory", "/c/main")

    say(viewer, ABUSE + " 1")
    queue_item(mod, ABUSE + " 1").get_by_role("button", name="Deny", exact=True).click()
    expect(notice(viewer, "Denied")).to_be_visible()

    say(viewer, ABUSE + " 2")
    queue_item(mod, ABUSE + " 2").get_by_role("button", name="Deny + timeout").click()
    mod.get_by_test_id("prompt-ok").click()  # the reason dialog (its default reason)
    expect(viewer.get_by_test_id("banner-timeout")).to_contain_text("timed out for 10 min")
    again = open_page("mallory", "/c/main")  # after a reload too
    expect(again.get_by_test_id("banner-timeout")).to_contain_text("timed out for 10 min")
    again.close()
    say(viewer, "can I talk")
    expect(notice(viewer, "Not sent")).to_contain_text("timed out")
    r = site["mod"].http.delete("/api/v1/channels/main/timeouts/mallory")
    assert r.status_code == 200, r.text
    expect(notice(viewer, "timeout was lifted")).to_be_visible()
    expect(viewer.get_by_test_id("banner-timeout")).to_have_count(0)

    say(viewer, ABUSE + " 3")
    queue_item(mod, ABUSE + " 3").get_by_role("button", name="Ban").click()
    mod.get_by_test_id("prompt-ok").click()
    banned = viewer.get_by_test_id("banner-banned")
    expect(banned).to_contain_text("You are banned")
    # a reload still shows where the viewer stands
    viewer.close()
    viewer = open_page("mallory", "/c/main")
    banned = viewer.get_by_test_id("banner-banned")
    expect(banned).to_contain_text("You are banned")
    banned.get_by_test_id("unban-text").fill("sorry, it will not happen again")
    banned.get_by_test_id("unban-submit").click()
    expect(viewer.get_by_test_id("unban-filed")).to_be_visible()

    request = mod.get_by_test_id("unban-request").filter(has_text="it will not happen again")
    expect(request).to_be_visible()
    request.get_by_test_id("unban-note").fill("welcome back, be nice")
    request.get_by_test_id("unban-approve").click()
    mod.get_by_test_id("confirm-ok").click()
    expect(notice(viewer, "Unban request approved")).to_contain_text("welcome back, be nice")
    expect(notice(viewer, "You were unbanned")).to_be_visible()
    expect(request).to_have_count(0)

    # the mod log has every step, and filters by action
    log = mod.locator("#panel-modlog")
    log.get_by_test_id("modlog-action").select_option("ban")
    expect(log.get_by_test_id("modlog-entry")).to_have_count(1)
    expect(log.get_by_test_id("modlog-entry")).to_contain_text("mod")
    log.get_by_test_id("modlog-action").select_option("")
    for action in ("automod.deny", "timeout", "unban_request.approve"):
        expect(log.locator(f'[data-action="{action}"]').first).to_be_visible()


def test_warn_from_chat_then_acknowledge(site: Site, open_page: OpenPage) -> None:
    mod = open_page("mod", "/mod/main")
    viewer = open_page("alice", "/c/main")
    say(viewer, "first message from alice")
    line = mod.get_by_test_id("mod-chat-line").filter(has_text="first message from alice")
    line.get_by_role("button", name="Warn alice").click()
    mod.get_by_test_id("prompt-input").fill("keep it friendly")
    mod.get_by_test_id("prompt-ok").click()

    banner = viewer.get_by_test_id("banner-warning")
    expect(banner).to_contain_text("keep it friendly")
    again = open_page("alice", "/c/main")  # a reload shows the warning too
    expect(again.get_by_test_id("banner-warning")).to_contain_text("keep it friendly")
    again.close()
    say(viewer, "am I muted")
    expect(notice(viewer, "Not sent")).to_contain_text("Acknowledge")
    banner.get_by_test_id("ack-warning").click()
    expect(banner).to_have_count(0)
    say(viewer, "ok, understood")
    expect(mod.get_by_test_id("mod-chat-line").filter(has_text="ok, understood")).to_be_visible()
    card = site["mod"].http.get("/api/v1/channels/main/users/alice/card").json()
    assert card["warnings"] == 1


def test_the_whole_queue_with_the_keyboard_only(site: Site, open_page: OpenPage) -> None:
    texts = [f"{ABUSE} number {n}" for n in (1, 2, 3)]
    ids = []
    for n, text in enumerate(texts):
        r = site["mallory"].http.post(
            "/api/v1/channels/main/messages", json={"text": text, "idempotency_key": f"k{n}"}
        )
        assert r.json()["status"] == "held", r.text
        ids.append(r.json()["message_id"])
    mod = open_page("mod", "/mod/main")
    items = mod.get_by_test_id("queue-item")
    expect(items).to_have_count(3)

    kb = mod.keyboard
    kb.press("?")
    expect(mod.get_by_test_id("shortcut-help")).to_contain_text("deny and ban")
    kb.press("Escape")
    expect(mod.get_by_test_id("shortcut-help")).to_have_count(0)

    expect(mod.locator(".queue-item.selected")).to_contain_text("number 1")
    kb.press("j")
    expect(mod.locator(".queue-item.selected")).to_contain_text("number 2")
    kb.press("a")  # allow 2; the selection moves on to 3
    expect(items).to_have_count(2)
    expect(mod.locator(".queue-item.selected")).to_contain_text("number 3")
    kb.press("k")
    expect(mod.locator(".queue-item.selected")).to_contain_text("number 1")
    kb.press("d")  # deny 1
    expect(items).to_have_count(1)
    kb.press("t")  # deny 3 and time mallory out
    expect(mod.get_by_test_id("prompt-input")).to_be_focused()
    kb.press("Enter")  # with the reason as prefilled
    expect(mod.get_by_test_id("queue-empty")).to_be_visible()
    expect(mod.locator(".toast").filter(has_text="timed out mallory")).to_be_visible()

    statuses = {
        m["id"]: m["status"]
        for m in site["mod"]
        .http.get("/api/v1/channels/main/users/mallory/card", params={"messages": 10})
        .json()["messages"]
    }
    # number 2 was allowed into chat; the timeout then purged it (as on Twitch)
    assert [statuses[i] for i in ids] == ["denied", "deleted", "denied"]
    card = site["mod"].http.get("/api/v1/channels/main/users/mallory/card").json()
    assert card["timeouts"] == 1 and card["timeout_until"] is not None


def test_viewer_notices_for_blocked_terms_and_chat_modes(site: Site, open_page: OpenPage) -> None:
    owner = site["owner"].http
    assert owner.post("/api/v1/channels/main/automod/terms", json={"text": "zorgle"}).is_success
    viewer = open_page("alice", "/c/main")
    say(viewer, "what a zorgle move")
    expect(notice(viewer, "Blocked")).to_contain_text("term blocked in this channel")
    expect(notice(viewer, "Blocked")).to_contain_text("what a zorgle move")
    r = site["mod"].http.patch("/api/v1/channels/main/chat-settings", json={"slow_mode_s": 60})
    assert r.status_code == 200, r.text
    say(viewer, "first")
    expect(viewer.locator(".chat-line", has_text="first")).to_be_visible()
    say(viewer, "second")
    expect(notice(viewer, "Not sent: Slow mode")).to_contain_text("Try again in")
    expect(viewer.locator(".chat-line", has_text="second")).to_have_count(0)


def test_keyboard_only_chat_and_queue_with_tab_and_enter(site: Site, open_page: OpenPage) -> None:
    viewer = open_page("mallory", "/c/main")
    # the message box has focus on load; Enter sends
    viewer.keyboard.type(ABUSE)
    viewer.keyboard.press("Enter")
    expect(notice(viewer, "Held for review")).to_be_visible()

    mod = open_page("mod", "/mod/main")
    expect(mod.get_by_test_id("queue-item")).to_have_count(1)
    kb = mod.keyboard
    kb.press("Tab")  # the skip link comes first
    assert mod.evaluate("document.activeElement.className") == "skip-link"
    for _ in range(40):  # then Tab through the header into the queue
        kb.press("Tab")
        if mod.evaluate("document.activeElement.textContent") == "Allow":
            break
    else:
        raise AssertionError("Tab never reached the Allow button")
    outline = mod.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"  # focus is visible
    # a new hold arriving meanwhile does not take the focus away
    r = site["mallory"].http.post(
        "/api/v1/channels/main/messages", json={"text": ABUSE + " again", "idempotency_key": "2"}
    )
    assert r.json()["status"] == "held", r.text
    expect(mod.get_by_test_id("queue-item")).to_have_count(2)
    focused = mod.evaluate(
        "[document.activeElement.textContent,"
        " document.activeElement.closest('[data-testid=queue-item]').textContent]"
    )
    assert focused[0] == "Allow" and "again" not in focused[1], focused
    kb.press("Enter")
    expect(viewer.locator(".chat-line", has_text=ABUSE)).to_be_visible()
    expect(mod.get_by_test_id("queue-item")).to_have_count(1)
    # the focus moves on to the next held message, so the keys keep working
    kb.press("d")
    expect(mod.get_by_test_id("queue-empty")).to_be_visible()
