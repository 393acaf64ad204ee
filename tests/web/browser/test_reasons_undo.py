"""Channel rules as reasons, and undo (modview/reasons.js): the owner writes the rules in Mod
View's settings, a viewer reads them on the chat page, a moderator picks one as the reason of a
timeout (the mod log carries it) and undoes it from the toast (the mod log keeps both); the same
by keyboard from the queue (Tab into the rules, arrows pick, Enter confirms, "u" undoes); a ban
undone from inside the user card."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from playwright.sync_api import expect

from tests.web.browser.support import Site, needs_browser

if TYPE_CHECKING:
    from tests.web.browser.conftest import OpenPage

pytestmark = needs_browser

RULES = ["Be kind to each other", "No spoilers", "No links without asking"]
ABUSE = "you are a worthless idiot and everyone hates you"


def _set_rules(site: Site, rules: list[str]) -> None:
    r = site["owner"].http.put("/api/v1/channels/main/rules", json={"rules": rules})
    assert r.status_code == 200, r.text


def _log(site: Site, target: str) -> list[tuple[str, str, str]]:
    """(action, moderator, reason) of the timeouts and bans of ``target`` and their undoing in
    the mod log, oldest first."""
    entries: list[dict[str, Any]] = site["mod"].http.get("/api/v1/channels/main/modlog").json()
    kinds = {"timeout", "untimeout", "ban", "unban"}
    mine = (e for e in entries if e["target_name"] == target and e["action"] in kinds)
    rows = sorted(mine, key=lambda e: e["id"])
    return [(e["action"], e["actor_name"], e["reason"]) for e in rows]


def _timed_out(site: Site, user: str) -> bool:
    card = site["mod"].http.get(f"/api/v1/channels/main/users/{user}/card").json()
    return card["timeout_until"] is not None


def test_owner_writes_rules_viewer_reads_them_mod_times_out_with_one_and_undoes(
    site: Site, open_page: OpenPage
) -> None:
    owner = open_page("owner", "/mod/main")
    box = owner.get_by_test_id("settings-rules")
    expect(box.get_by_test_id("rules-text")).to_have_value("")
    box.get_by_test_id("rules-text").fill("\n".join(RULES) + "\n\n")
    box.get_by_test_id("rules-save").click()
    owner.get_by_test_id("confirm-ok").click()
    expect(box.get_by_test_id("rule")).to_have_text(RULES)
    assert site["alice"].http.get("/api/v1/channels/main/rules").json() == {"rules": RULES}

    viewer = open_page("alice", "/c/main")
    rules = viewer.get_by_test_id("chat-rules")
    expect(rules).to_contain_text("Rules of main (3)")
    rules.locator("summary").click()
    expect(rules.get_by_test_id("chat-rules-list").locator("li")).to_have_text(RULES)

    r = site["alice"].http.post(
        "/api/v1/channels/main/messages",
        json={"text": "the butler did it", "idempotency_key": "a1"},
    )
    assert r.json()["status"] == "delivered", r.text
    mod = open_page("mod", "/mod/main")
    mod_rules = mod.get_by_test_id("settings-rules")  # a moderator reads them, cannot edit
    expect(mod_rules.get_by_test_id("rule")).to_have_text(RULES)
    expect(mod_rules.get_by_test_id("rules-readonly")).to_be_visible()
    expect(mod_rules.get_by_test_id("rules-text")).to_have_count(0)
    line = mod.locator("#panel-chat").get_by_test_id("mod-chat-line").filter(has_text="butler")
    line.get_by_role("button", name="Timeout durations for alice").click()
    line.get_by_role("menuitem", name="1 h").click()
    dialog = mod.get_by_test_id("reason-dialog")
    expect(dialog).to_contain_text("Time alice out for 1 h?")
    expect(dialog.get_by_test_id("reason-preset")).to_have_count(3)
    dialog.get_by_role("radio", name="No spoilers").check()
    expect(dialog.get_by_test_id("prompt-input")).to_have_value("No spoilers")
    dialog.get_by_test_id("prompt-ok").click()
    toast = mod.get_by_test_id("undo-toast")
    expect(toast).to_contain_text("alice timed out for 1 h")
    expect(viewer.get_by_test_id("banner-timeout")).to_be_visible()
    assert _log(site, "alice") == [("timeout", "mod", "No spoilers")]

    toast.get_by_role("button", name="Undo the timeout of alice").click()
    expect(mod.locator(".toast").filter(has_text="Timeout undone")).to_be_visible()
    expect(toast).to_have_count(0)
    expect(viewer.get_by_test_id("banner-timeout")).to_have_count(0)
    assert not _timed_out(site, "alice")
    assert _log(site, "alice") == [
        ("timeout", "mod", "No spoilers"),
        ("untimeout", "mod", "undone"),
    ]
    # an undo, not a plain lift: the untimeout names the timeout it undid
    log = site["mod"].http.get("/api/v1/channels/main/modlog", params={"user": "alice"}).json()
    by_action = {e["action"]: e for e in log}
    assert by_action["untimeout"]["details"] == {"undo": by_action["timeout"]["id"]}


def test_queue_reason_presets_and_undo_by_keyboard(site: Site, open_page: OpenPage) -> None:
    _set_rules(site, RULES)
    mod = open_page("mod", "/mod/main")
    r = site["mallory"].http.post(
        "/api/v1/channels/main/messages", json={"text": ABUSE, "idempotency_key": "q1"}
    )
    assert r.json()["status"] == "held", r.text
    item = mod.get_by_test_id("queue-item").filter(has_text=ABUSE)
    expect(item).to_have_count(1)
    item.focus()
    mod.keyboard.press("t")  # deny + timeout: the reason first
    dialog = mod.get_by_test_id("reason-dialog")
    text = dialog.get_by_test_id("prompt-input")
    expect(text).to_be_focused()
    expect(text).to_have_value("held message denied (AutoMod queue)")
    presets = dialog.get_by_role("radio")
    mod.keyboard.press("Tab")  # into the rules
    expect(presets.nth(0)).to_be_focused()
    mod.keyboard.press("ArrowDown")
    mod.keyboard.press("ArrowDown")
    expect(presets.nth(2)).to_be_focused()
    expect(presets.nth(2)).to_be_checked()
    expect(text).to_have_value(RULES[2])
    mod.keyboard.press("ArrowUp")
    expect(text).to_have_value(RULES[1])
    mod.keyboard.press("Enter")
    expect(dialog).to_have_count(0)
    expect(mod.get_by_test_id("undo-toast")).to_contain_text(
        "Denied and timed out mallory for 10 min"
    )
    expect(item).to_have_count(0)
    assert _log(site, "mallory") == [("timeout", "mod", "No spoilers")]
    mod.keyboard.press("u")  # undo the newest, while its toast shows
    expect(mod.locator(".toast").filter(has_text="Timeout undone")).to_be_visible()
    assert not _timed_out(site, "mallory")
    assert _log(site, "mallory") == [
        ("timeout", "mod", "No spoilers"),
        ("untimeout", "mod", "undone"),
    ]


def test_ban_from_the_user_card_with_free_text_then_undo_inside_the_card(
    site: Site, open_page: OpenPage
) -> None:
    mod = open_page("mod", "/mod/main")  # no rules: a free-text reason only
    r = site["mallory"].http.post(
        "/api/v1/channels/main/messages", json={"text": "buy followers", "idempotency_key": "m1"}
    )
    assert r.json()["status"] == "delivered", r.text
    mod.locator("#panel-chat").get_by_test_id("chat-user").filter(has_text="mallory").first.click()
    card = mod.get_by_test_id("usercard")
    card.get_by_test_id("card-ban").click()
    dialog = mod.get_by_test_id("reason-dialog")
    expect(dialog.get_by_test_id("reason-no-rules")).to_be_visible()
    dialog.get_by_test_id("prompt-input").fill("spam bot")
    dialog.get_by_test_id("prompt-ok").click()
    expect(card.get_by_test_id("count-bans")).to_have_text("1")
    toast = card.get_by_test_id("undo-toast")  # inside the modal card, so it can be clicked
    expect(toast).to_contain_text("Ban: mallory")
    toast.get_by_test_id("toast-undo").click()
    expect(card.get_by_test_id("card-unban")).to_have_count(0)
    expect(card.get_by_test_id("card-ban")).to_be_visible()  # the card reloaded: not banned
    assert _log(site, "mallory") == [("ban", "mod", "spam bot"), ("unban", "mod", "undone")]
