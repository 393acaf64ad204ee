"""Mod View's health and shadow panels in Chromium: plotly (served from the installed Python
package under the page's CSP) draws one bar per minute with chat, and the shadow panel shows
how often a candidate disagrees."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from playwright.sync_api import expect

from tests.web.browser.support import Site, needs_browser

if TYPE_CHECKING:
    from tests.web.browser.conftest import OpenPage, Screenshot

pytestmark = needs_browser

HARSH = "you are a worthless idiot and everyone hates you"


def _say(site: Site, who: str, text: str, key: str) -> dict[str, Any]:
    r = site[who].http.post(
        "/api/v1/channels/main/messages", json={"text": text, "idempotency_key": key}
    )
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def _seed(site: Site) -> None:
    """Minute 1: three messages (one held); minute 2: nothing; minute 3: two; then finished."""
    clock = site.clock
    clock.advance(61 - clock.now().second)
    _say(site, "alice", "hello chat", "a1")
    _say(site, "alice", "HELLO   chat", "a2")
    assert _say(site, "mallory", HARSH, "m1")["status"] == "held"
    clock.advance(120)
    _say(site, "alice", "gg", "a3")
    _say(site, "vip", "gg", "v1")
    clock.advance(70)
    site.services.tick()


def test_health_panel_draws_the_seeded_minutes(
    site: Site, open_page: OpenPage, screenshot: Screenshot
) -> None:
    _seed(site)
    page = open_page("mod", "/mod/main")
    csp_errors: list[str] = []
    page.on(
        "console",
        lambda m: csp_errors.append(m.text) if "Content Security Policy" in m.text else None,
    )
    panel = page.locator("#panel-health")
    expect(panel.get_by_test_id("health-total-messages")).to_have_text("5")
    expect(panel.get_by_test_id("health-total-held")).to_have_text("1 / 0")
    activity = panel.get_by_test_id("health-activity")
    # plotly's SVG: one bar per minute with messages (2 of the 60 minutes shown)
    expect(activity.locator("svg.main-svg").first).to_be_visible()
    expect(activity.locator(".barlayer .point")).to_have_count(2)
    # the held-rate line has a point where there were messages (a gap elsewhere)
    held = panel.get_by_test_id("health-moderation").locator(".scatterlayer .trace").first
    expect(held.locator(".points .point")).to_have_count(2)
    expect(panel.get_by_test_id("health-compare").locator(".scatterlayer .trace")).to_have_count(1)
    href = panel.get_by_test_id("health-export-csv").get_attribute("href")
    assert href is not None and href.startswith("/api/v1/channels/main/health/export?")
    csv = site["mod"].http.get(href)
    assert csv.status_code == 200 and "messages" in csv.text.splitlines()[0]
    panel.scroll_into_view_if_needed()
    screenshot(page, "modview-health")
    assert csp_errors == []


def test_shadow_panel_starts_a_candidate_and_shows_disagreement(
    site: Site, open_page: OpenPage, screenshot: Screenshot
) -> None:
    page = open_page("lead", "/mod/main")
    panel = page.locator("#panel-shadow")
    panel.get_by_test_id("shadow-level").select_option("0")
    panel.get_by_test_id("shadow-save").click()
    expect(panel.get_by_test_id("shadow-state")).to_contain_text("Running")
    config = site["mod"].http.get("/api/v1/channels/main/shadow").json()["config"]
    assert config["candidate_settings"] == {"overall_level": 0}
    _seed(site)
    site.clock.advance(30)
    site.services.shadow.evaluate(force=True)
    page.reload()
    page.wait_for_selector("body[data-ready]", state="attached")
    panel = page.locator("#panel-shadow")
    expect(panel.get_by_test_id("shadow-evaluated")).to_have_text("5")
    expect(panel.get_by_test_id("shadow-disagreement")).to_contain_text("20.0 %")
    expect(panel.get_by_test_id("shadow-sample")).to_have_count(1)
    expect(panel.get_by_test_id("shadow-sample")).to_contain_text(HARSH)
    expect(panel.get_by_test_id("shadow-chart").locator(".barlayer .point")).to_have_count(1)
    panel.scroll_into_view_if_needed()
    screenshot(page, "modview-shadow")
    # a moderator sees the results but cannot change the candidate
    mod_page = open_page("mod", "/mod/main")
    expect(mod_page.locator("#panel-shadow").get_by_test_id("shadow-save")).to_have_count(0)
