"""Opt-in alerts for new holds and raid alerts (issue 15, "Emergency and live work"): the header
bar's Sound and Desktop alerts toggles are off at first, work from the keyboard, are remembered
per moderator across reloads; with them on a new hold plays a chime (Web Audio) and, while the
tab is in the background, shows a desktop notification naming the channel."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from playwright.sync_api import expect

from tests.web.browser.support import Site, needs_browser
from tests.web.browser.test_modview_header import _raid, _set_hidden

if TYPE_CHECKING:
    from playwright.sync_api import Page

    from tests.web.browser.conftest import OpenPage, Screenshot

pytestmark = needs_browser

ABUSE = "you are a worthless idiot and everyone hates you"

#: counts what the page asks the browser for: oscillators started (chimes) and notifications
#: shown (title, body); the real Web Audio and Notification objects still do the work
RECORD = """
window.__chimes = 0;
window.__notes = [];
const start = OscillatorNode.prototype.start;
OscillatorNode.prototype.start = function (...args) {
  window.__chimes += 1;
  return start.apply(this, args);
};
const Real = window.Notification;
window.Notification = class extends Real {
  constructor(title, options) {
    super(title, options);
    window.__notes.push([title, options && options.body]);
  }
};
"""


def _hold(site: Site, key: str) -> None:
    r = site["mallory"].http.post(
        "/api/v1/channels/main/messages", json={"text": ABUSE, "idempotency_key": key}
    )
    assert r.json()["status"] == "held", r.text


def _recorded(page: Page) -> Any:
    return page.evaluate("() => [window.__chimes, window.__notes]")


def test_sound_and_desktop_alerts_opt_in_remembered(
    site: Site, open_page: OpenPage, screenshot: Screenshot
) -> None:
    mod = open_page("mod", "/mod/main", width=1280, height=800)
    mod.context.grant_permissions(["notifications"], origin=site.base_url)
    mod.context.add_init_script(RECORD)
    mod.reload()
    mod.wait_for_selector("body[data-ready]", state="attached")
    sound, desktop = mod.get_by_test_id("alert-sound"), mod.get_by_test_id("alert-desktop")
    expect(sound).to_have_attribute("aria-pressed", "false")
    expect(desktop).to_have_attribute("aria-pressed", "false")

    # off: a hold while the tab is hidden only counts in the title
    _set_hidden(mod, True)
    _hold(site, "h1")
    expect(mod).to_have_title("(1) Mod View · ChatWarden")
    assert _recorded(mod) == [0, []]
    _set_hidden(mod, False)

    # on, by keyboard: Sound plays a test chime at once; Desktop alerts asks the browser
    sound.focus()
    mod.keyboard.press("Enter")
    expect(sound).to_have_attribute("aria-pressed", "true")
    expect(mod.get_by_test_id("alert-status")).to_have_text("Sound alerts on")
    desktop.focus()
    mod.keyboard.press("Space")
    expect(desktop).to_have_attribute("aria-pressed", "true")
    assert _recorded(mod)[0] == 1
    screenshot(mod, "modview-alerts-1280x800")

    # remembered after a reload; a hold in the background: a chime and a notification
    mod.reload()
    mod.wait_for_selector("body[data-ready]", state="attached")
    expect(mod.get_by_test_id("alert-sound")).to_have_attribute("aria-pressed", "true")
    expect(mod.get_by_test_id("alert-desktop")).to_have_attribute("aria-pressed", "true")
    _set_hidden(mod, True)
    _hold(site, "h2")
    mod.wait_for_function("() => window.__notes.length === 1")
    chimes, notes = _recorded(mod)
    assert chimes == 1
    assert notes == [["Held for review in main", "A message from mallory waits for a decision"]]

    # another moderator's choice is their own; turning Sound off stops the chimes
    lead = open_page("lead", "/mod/main", width=375, height=812)
    expect(lead.get_by_test_id("alert-sound")).to_have_attribute("aria-pressed", "false")
    screenshot(lead, "modview-alerts-375px")
    _set_hidden(mod, False)
    mod.get_by_test_id("alert-sound").click()
    expect(mod.get_by_test_id("alert-sound")).to_have_attribute("aria-pressed", "false")
    mod.get_by_test_id("alert-desktop").click()
    expect(mod.get_by_test_id("alert-desktop")).to_have_attribute("aria-pressed", "false")
    _hold(site, "h3")
    expect(mod.get_by_test_id("queue-item")).to_have_count(3)
    assert _recorded(mod)[0] == 1 and len(_recorded(mod)[1]) == 1


def test_a_raid_alert_notifies_once_with_its_summary(site: Site, open_page: OpenPage) -> None:
    mod = open_page("mod", "/mod/main")
    mod.context.grant_permissions(["notifications"], origin=site.base_url)
    mod.context.add_init_script(RECORD)
    user_id = site["mod"].http.get("/api/v1/me").json()["id"]
    mod.evaluate(
        "(k) => localStorage.setItem(k, JSON.stringify({sound: false, desktop: true}))",
        f"cw.modview.alerts.v1.{user_id}",
    )
    mod.reload()
    mod.wait_for_selector("body[data-ready]", state="attached")
    expect(mod.get_by_test_id("alert-desktop")).to_have_attribute("aria-pressed", "true")
    expect(mod.get_by_test_id("alert-sound")).to_have_attribute("aria-pressed", "false")
    _set_hidden(mod, True)
    _raid(site)
    expect(mod.get_by_test_id("raid-alert")).to_be_visible()
    mod.wait_for_function("() => window.__notes.some(([t]) => t.startsWith('Hate raid'))")
    chimes, notes = _recorded(mod)
    raids = [n for n in notes if n[0] == "Hate raid suspected in main"]
    assert len(raids) == 1 and raids[0][1] and "Recommendation" not in raids[0][1]
    assert chimes == 0  # sound stays off
