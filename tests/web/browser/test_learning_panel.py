"""Mod View's "Learned from moderators" panel: after moderators allowed a run of trash talk,
the lead moderator sees bullying held less often and why, freezes learning, resets it and rolls
back to the learned version; a moderator does not get the panel."""

from __future__ import annotations

from typing import TYPE_CHECKING

from playwright.sync_api import expect

from chatwarden.categories import CATEGORIES
from chatwarden.pipeline.learned import BANDS, FEATURES
from chatwarden.store import channels as channel_store
from chatwarden.store import learning as learning_store
from tests.service.moderation.test_learning import BANTER
from tests.web.browser.support import Site, needs_browser

if TYPE_CHECKING:
    from playwright.sync_api import Page

    from tests.web.browser.conftest import OpenPage

pytestmark = needs_browser


def confirm(page: Page) -> None:
    page.get_by_test_id("confirm-ok").click()


def test_see_freeze_reset_and_roll_back(site: Site, open_page: OpenPage) -> None:
    lead = site["lead"].http
    assert lead.patch(
        "/api/v1/channels/main/automod/settings", json={"overall_level": 4}
    ).is_success
    for n, text in enumerate(BANTER):
        r = site["mallory"].http.post(
            "/api/v1/channels/main/messages", json={"text": text, "idempotency_key": f"b{n}"}
        )
        assert r.json()["status"] == "held", r.text
        site.clock.advance(5)
    # The site's tick runs every 0.2 s and would learn from half the decisions (a first
    # version), then from all of them (a second): learning stays frozen while they are made.
    frozen = "/api/v1/channels/main/automod/learning/frozen"
    assert lead.put(frozen, json={"frozen": True}).is_success
    for item in site["mod"].http.get("/api/v1/channels/main/queue").json():
        assert site["mod"].http.post(f"/api/v1/queue/{item['id']}", json={"action": "allow"})
    assert lead.put(frozen, json={"frozen": False}).is_success
    site.services.learning.learn_due(force=True)  # unless the tick got there first
    history = lead.get("/api/v1/channels/main/automod/learning").json()["history"]
    assert [v["version"] for v in history] == [1]

    page = open_page("lead", "/mod/main")
    panel = page.locator("#panel-learning")
    shift = panel.get_by_test_id("learning-shift")
    expect(shift).to_have_count(1)
    expect(shift).to_contain_text("Bullying: level 4 →")
    expect(shift).to_contain_text("moderators let 14 of 14 such messages stand")
    expect(panel.get_by_test_id("learning-version")).to_have_count(1)

    panel.get_by_test_id("learning-freeze").click()
    confirm(page)
    expect(panel.get_by_test_id("learning-status")).to_contain_text("frozen")

    panel.get_by_test_id("learning-reset").click()
    confirm(page)
    expect(panel.get_by_test_id("learning-none")).to_be_visible()
    expect(panel.get_by_test_id("learning-version")).to_have_count(2)

    panel.get_by_test_id("learning-rollback").click()  # the only version not active: v1
    confirm(page)
    expect(panel.get_by_test_id("learning-shift")).to_have_count(1)
    expect(panel.get_by_test_id("learning-version")).to_have_count(3)
    state = lead.get("/api/v1/channels/main/automod/learning").json()
    assert state["frozen"] and state["active"]["reason"] == "rollback"
    assert [v["version"] for v in state["history"]] == [3, 2, 1]

    mod = open_page("mod", "/mod/main")
    expect(mod.locator("#panel-queue")).to_be_visible()
    expect(mod.locator("#panel-learning")).to_have_count(0)
    assert site["mod"].http.get("/api/v1/channels/main/automod/learning").status_code == 403


def test_a_learned_head_is_shown_and_explains_what_it_held(site: Site, open_page: OpenPage) -> None:
    """A channel whose stored version carries a learned head: the panel says what it learned,
    and a message only the head held shows its explanation in the queue (as text)."""
    services = site.services
    with services.db.read() as conn:
        channel = channel_store.get_channel_by_name_txn(conn, "main")
    assert channel is not None
    cid = channel.id
    head = {
        "format": 1,
        "weights": dict.fromkeys(FEATURES, 0.0) | {"bias": 20.0},
        "bands": {cat: [[50, 40]] * len(BANDS) for cat in CATEGORIES},
        "outcomes": 1000,
        "acted": 100,
    }
    with services.db.write() as conn:
        learning_store.insert_state_txn(
            conn,
            cid,
            shifts=[],
            head=head,
            outcomes=1000,
            labelled=100,
            reason="learned",
            actor_id=None,
            now=site.clock.now(),
        )
        channel_store.bump_settings_rev_txn(conn, cid)
    r = site["mallory"].http.post(
        "/api/v1/channels/main/messages", json={"text": "gg wp", "idempotency_key": "h1"}
    )
    assert r.json()["status"] == "held", r.text

    page = open_page("lead", "/mod/main")
    learned = page.locator("#panel-learning").get_by_test_id("learning-head")
    expect(learned).to_contain_text("Learned head: learned from 1000 outcomes (100 acted on)")
    why = page.locator("#panel-queue").get_by_test_id("queue-learned")
    expect(why).to_contain_text("held: moderators acted on 40 of 50 messages like this")
