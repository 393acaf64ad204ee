"""Mod View's Team panel: a split (near-identical held messages decided both ways) and a
reversal (an allow, then a timeout of the sender) are listed with who decided what, the
workload table counts each moderator's work, and a lead moderator settles the split into a
blocked term that then blocks the same words; a moderator sees the report but cannot settle."""

from __future__ import annotations

from typing import TYPE_CHECKING

from playwright.sync_api import expect

from tests.web.browser.support import Site, needs_browser

if TYPE_CHECKING:
    from tests.web.browser.conftest import OpenPage

pytestmark = needs_browser

ABUSE = "you are a worthless idiot and everyone hates you"


def hold(site: Site, who: str, text: str, key: str) -> int:
    r = site[who].http.post(
        "/api/v1/channels/main/messages", json={"text": text, "idempotency_key": key}
    )
    assert r.json()["status"] == "held", r.text
    items = site["mod"].http.get("/api/v1/channels/main/queue").json()
    return next(i["id"] for i in items if i["message"]["text"] == text)


def test_disagreements_workload_and_settling(site: Site, open_page: OpenPage) -> None:
    first = hold(site, "mallory", ABUSE, "a")
    assert site["mod"].http.post(f"/api/v1/queue/{first}", json={"action": "allow"}).is_success
    site.clock.advance(30)
    second = hold(site, "alice", ABUSE + "!!", "b")
    assert site["lead"].http.post(f"/api/v1/queue/{second}", json={"action": "deny"}).is_success
    r = site["lead"].http.put(
        "/api/v1/channels/main/timeouts/mallory", json={"duration_s": 60, "reason": "x"}
    )
    assert r.is_success, r.text

    lead = open_page("lead", "/mod/main")
    team = lead.locator("#panel-team")
    items = team.get_by_test_id("team-disagreement")
    expect(items).to_have_count(2)
    split = items.filter(has_text="decided both ways")
    expect(split).to_contain_text("mod allowed it and lead denied it")
    expect(split.get_by_test_id("team-text")).to_have_count(2)
    expect(items.filter(has_text="timed out mallory")).to_contain_text("mod allowed it; lead")
    rows = team.get_by_test_id("team-moderator")
    expect(rows).to_have_count(2)
    expect(rows.filter(has_text="lead")).to_contain_text("1")

    split.get_by_test_id("team-settle-deny").click()
    lead.get_by_test_id("confirm-ok").click()
    expect(lead.get_by_text("Blocked term added")).to_be_visible()
    terms = site["lead"].http.get("/api/v1/channels/main/automod/terms").json()
    assert any(t["text"] == ABUSE + "!!" and t["kind"] == "blocked" for t in terms), terms
    r = site["alice"].http.post(
        "/api/v1/channels/main/messages", json={"text": ABUSE + "!!", "idempotency_key": "c"}
    )
    assert r.json()["status"] == "blocked", r.text

    mod = open_page("mod", "/mod/main")
    expect(mod.locator("#panel-team").get_by_test_id("team-disagreement")).to_have_count(2)
    expect(mod.locator("#panel-team").get_by_test_id("team-settle-deny")).to_have_count(0)


def test_a_suggested_term_is_added_with_one_click(site: Site, open_page: OpenPage) -> None:
    spam = "free followers at cheapviews"
    site.add_person("carol")
    for n, who in enumerate(("mallory", "alice", "carol")):
        r = site[who].http.post(
            "/api/v1/channels/main/messages", json={"text": f"{spam} {n}", "idempotency_key": "s"}
        )
        assert r.json()["status"] == "delivered", r.text
        gone = site["mod"].http.delete(f"/api/v1/channels/main/messages/{r.json()['message_id']}")
        assert gone.is_success, gone.text
    site.clock.advance(15 * 60)

    mod = open_page("mod", "/mod/main")
    team = mod.locator("#panel-team")
    expect(team.get_by_test_id("team-suggested-term")).to_have_text([spam])
    expect(team.get_by_test_id("team-suggestion")).to_contain_text("none let stand")
    team.get_by_test_id("team-suggestion-add").click()
    mod.get_by_test_id("confirm-ok").click()
    expect(team.get_by_test_id("team-suggestion")).to_have_count(0)
    terms = site["mod"].http.get("/api/v1/channels/main/automod/terms").json()
    assert [t["text"] for t in terms if t["kind"] == "blocked"] == [spam]
