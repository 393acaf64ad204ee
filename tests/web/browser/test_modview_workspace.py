"""Mod View as a workspace (modview/workspace.js, layout.js, switcher.js): panels collapse,
move, resize and pop out, with the keyboard; the layout is remembered per moderator and
channel and "Reset layout" restores the default; the channel switcher lists only the channels
the user moderates. Screenshots at 1280x800 and 375 px go to test-artifacts/screenshots/."""

from __future__ import annotations

from typing import TYPE_CHECKING

from playwright.sync_api import expect

from tests.web.browser.support import Site, needs_browser

if TYPE_CHECKING:
    from playwright.sync_api import FloatRect, Locator, Page

    from tests.web.browser.conftest import OpenPage, Screenshot

pytestmark = needs_browser

BULLY = "you are a worthless idiot and everyone hates you"
KILL = "i will kill you"


def order(page: Page) -> list[str]:
    ids = page.locator("main.modview-grid > section.panel").evaluate_all(
        "sections => sections.map(s => s.dataset.panel)"
    )
    return list(ids)


def box(locator: Locator) -> FloatRect:
    rect = locator.bounding_box()
    assert rect is not None
    return rect


def settled_height(page: Page, locator: Locator) -> float:
    """The height once the panel has stopped growing (its entries load after the page does:
    on a loaded machine the first measurement came before them)."""
    last = -1.0
    for _ in range(50):
        height = box(locator)["height"]
        if height == last:
            return height
        last = height
        page.wait_for_timeout(200)
    raise AssertionError(f"the panel's height never settled (last {last})")


def reload(page: Page) -> None:
    page.reload()
    page.wait_for_selector("body[data-ready]", state="attached", timeout=20_000)


def hold(site: Site, text: str, key: str) -> None:
    r = site["mallory"].http.post(
        "/api/v1/channels/main/messages", json={"text": text, "idempotency_key": key}
    )
    assert r.json()["status"] == "held", r.text


def test_collapse_with_the_keyboard_survives_a_reload(site: Site, open_page: OpenPage) -> None:
    hold(site, BULLY, "c1")
    mod = open_page("mod", "/mod/main")
    toggle = mod.get_by_test_id("panel-toggle-queue")
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(mod.get_by_test_id("queue-item")).to_be_visible()
    toggle.focus()
    mod.keyboard.press("Enter")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(mod.get_by_test_id("queue-item")).to_be_hidden()
    expect(toggle).to_be_focused()

    reload(mod)
    toggle = mod.get_by_test_id("panel-toggle-queue")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(mod.locator("#panel-queue-body")).to_be_hidden()
    expect(mod.get_by_test_id("panel-toggle-chat")).to_have_attribute("aria-expanded", "true")
    toggle.focus()
    mod.keyboard.press("Space")
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(mod.get_by_test_id("queue-item")).to_be_visible()
    reload(mod)
    expect(mod.get_by_test_id("queue-item")).to_be_visible()


def test_reorder_is_per_moderator_and_reset_restores(site: Site, open_page: OpenPage) -> None:
    mod = open_page("mod", "/mod/main")
    default = order(mod)
    assert default[:2] == ["queue", "chat"]  # the queue and the chat first
    assert len(default) > 5

    down = mod.get_by_test_id("panel-down-queue")
    down.focus()
    mod.keyboard.press("Enter")
    mod.keyboard.press("Enter")  # focus stays on the button that moved
    expect(down).to_be_focused()
    moved = [default[1], default[2], "queue", *default[3:]]
    assert order(mod) == moved
    expect(mod.get_by_test_id("layout-status")).to_have_text(
        f"AutoMod queue moved to place 3 of {len(default)}."
    )
    up = mod.get_by_test_id("panel-up-chat")
    up.focus()
    mod.keyboard.press("Enter")  # already first: nothing moves, the reader is told
    expect(mod.get_by_test_id("layout-status")).to_have_text("Chat is already first.")
    mod.get_by_test_id("panel-toggle-modlog").click()

    reload(mod)
    assert order(mod) == moved
    expect(mod.get_by_test_id("panel-toggle-modlog")).to_have_attribute("aria-expanded", "false")

    # another moderator in the same browser has their own layout
    context = mod.context
    context.clear_cookies()
    context.add_cookies(site["lead"].cookies_for(site.base_url))  # type: ignore[arg-type]
    reload(mod)
    expect(mod.get_by_test_id("whoami")).to_have_text("lead")
    assert order(mod)[:2] == ["queue", "chat"]
    expect(mod.get_by_test_id("panel-toggle-modlog")).to_have_attribute("aria-expanded", "true")
    context.clear_cookies()
    context.add_cookies(site["mod"].cookies_for(site.base_url))  # type: ignore[arg-type]
    reload(mod)
    assert order(mod) == moved

    mod.get_by_test_id("layout-reset").click()
    assert order(mod) == default
    expect(mod.get_by_test_id("panel-toggle-modlog")).to_have_attribute("aria-expanded", "true")
    reload(mod)
    assert order(mod) == default
    expect(mod.get_by_test_id("panel-toggle-modlog")).to_have_attribute("aria-expanded", "true")


def test_drag_a_panel_onto_another(site: Site, open_page: OpenPage) -> None:
    mod = open_page("mod", "/mod/main")
    default = order(mod)
    at = default.index("modlog")
    mod.get_by_test_id("panel-grip-modlog").drag_to(mod.locator("#panel-queue"))
    moved = ["modlog", *[p for p in default if p != "modlog"]]
    assert order(mod) == moved
    expect(mod.get_by_test_id("layout-status")).to_have_text(
        f"Mod log moved to place 1 of {len(default)}."
    )
    mod.get_by_test_id("panel-grip-modlog").drag_to(mod.locator(f"#panel-{moved[at]}"))
    assert order(mod) == default  # dragged down: it takes that panel's place again
    mod.get_by_test_id("panel-grip-chat").drag_to(mod.locator("#panel-queue"))
    reload(mod)
    assert order(mod)[:2] == ["chat", "queue"]


def test_resize_with_the_keyboard_and_the_pointer(site: Site, open_page: OpenPage) -> None:
    mod = open_page("mod", "/mod/main")
    body = mod.locator("#panel-modlog-body")
    natural = settled_height(mod, body)
    handle = mod.get_by_test_id("panel-resize-modlog")
    handle.focus()
    mod.keyboard.press("ArrowDown")
    mod.keyboard.press("ArrowDown")
    expect(handle).to_have_attribute("aria-valuenow", str(round(natural + 80)))
    reload(mod)
    assert abs(box(mod.locator("#panel-modlog-body"))["height"] - round(natural + 80)) <= 1

    # drag the handle 100 px up
    grip = mod.get_by_test_id("panel-resize-modlog")
    grip.scroll_into_view_if_needed()
    g = box(grip)
    mod.mouse.move(g["x"] + g["width"] / 2, g["y"] + 5)
    mod.mouse.down()
    mod.mouse.move(g["x"] + g["width"] / 2, g["y"] - 95, steps=5)
    mod.mouse.up()
    dragged = round(natural + 80 - 100)
    expect(grip).to_have_attribute("aria-valuenow", str(dragged))
    reload(mod)
    expect(mod.get_by_test_id("panel-resize-modlog")).to_have_attribute(
        "aria-valuenow", str(dragged)
    )
    mod.get_by_test_id("panel-resize-modlog").focus()
    mod.keyboard.press("Home")  # back to its own height
    expect(mod.get_by_test_id("panel-resize-modlog")).not_to_have_attribute(
        "aria-valuenow", str(dragged)
    )
    assert abs(settled_height(mod, mod.locator("#panel-modlog-body")) - natural) <= 1


def test_pop_out_shows_one_live_panel(
    site: Site, open_page: OpenPage, screenshot: Screenshot
) -> None:
    mod = open_page("mod", "/mod/main")
    link = mod.get_by_test_id("panel-popout-queue")
    expect(link).to_have_attribute("href", "/mod/main?panel=queue")
    with mod.context.expect_page() as opened:
        link.click()
    alone = opened.value
    alone.wait_for_selector("body[data-ready]", state="attached", timeout=20_000)
    assert alone.url.endswith("/mod/main?panel=queue")
    expect(alone.locator("section.panel")).to_have_count(1)
    expect(alone.locator("section.panel")).to_have_attribute("data-panel", "queue")
    expect(alone.get_by_test_id("modview-bar")).to_have_count(0)
    expect(alone).to_have_title("AutoMod queue · main · ChatWarden")
    expect(alone.get_by_test_id("queue-item")).to_have_count(0)

    hold(site, KILL, "p1")  # arrives live, in the popped-out queue and in the whole Mod View
    expect(alone.get_by_test_id("queue-text")).to_have_text([KILL])
    expect(mod.get_by_test_id("queue-text")).to_have_text([KILL])
    alone.set_viewport_size({"width": 1280, "height": 800})
    screenshot(alone, "modview-popout-queue-1280x800")

    # a panel this moderator may not see is not shown alone either
    roles = open_page("mod", "/mod/main?panel=roles")
    expect(roles.get_by_test_id("popout-missing")).to_be_visible()
    expect(roles.locator("section.panel")).to_have_count(0)


def test_channel_switcher_lists_only_moderated_channels(
    site: Site, open_page: OpenPage, screenshot: Screenshot
) -> None:
    owner = site["owner"].http
    for name in ("second", "other"):
        assert owner.post("/api/v1/channels", json={"name": name}).status_code == 201
    r = owner.put("/api/v1/channels/second/roles/mod", json={"role": "moderator"})
    assert r.status_code == 200, r.text
    r = owner.put("/api/v1/channels/other/roles/mod", json={"role": "vip"})
    assert r.status_code == 200, r.text

    lead = open_page("lead", "/mod/main")  # moderates one channel: no switcher
    expect(lead.get_by_test_id("layout-reset")).to_be_visible()
    expect(lead.get_by_test_id("channel-switcher-toggle")).to_have_count(0)

    mod = open_page("mod", "/mod/main", width=1280, height=800)
    toggle = mod.get_by_test_id("channel-switcher-toggle")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(mod.get_by_test_id("channel-switcher-list")).to_be_hidden()
    toggle.focus()
    mod.keyboard.press("Enter")
    expect(toggle).to_have_attribute("aria-expanded", "true")
    links = mod.get_by_test_id("channel-switcher-link")
    expect(links).to_have_text(["main", "second"])  # not "other" (a VIP there)
    expect(links.first).to_be_focused()
    expect(links.first).to_have_attribute("aria-current", "page")
    screenshot(mod, "modview-switcher-1280x800")
    mod.keyboard.press("Escape")
    expect(mod.get_by_test_id("channel-switcher-list")).to_be_hidden()
    expect(toggle).to_be_focused()

    mod.keyboard.press("Enter")
    mod.keyboard.press("ArrowDown")
    expect(links.nth(1)).to_be_focused()
    mod.keyboard.press("Enter")
    mod.wait_for_url("**/mod/second")
    mod.wait_for_selector("body[data-ready]", state="attached", timeout=20_000)
    expect(mod.get_by_test_id("role")).to_have_text("moderator")
    expect(mod.locator("section.panel").first).to_have_attribute("data-panel", "queue")


def test_workspace_screenshots(site: Site, open_page: OpenPage, screenshot: Screenshot) -> None:
    hold(site, BULLY, "s1")
    hold(site, KILL, "s2")
    for width, height, tag in ((1280, 800, "1280x800"), (375, 812, "375px")):
        mod = open_page("mod", "/mod/main", width=width, height=height)
        expect(mod.get_by_test_id("queue-item")).to_have_count(2)
        inner = mod.evaluate("window.innerWidth")
        assert mod.evaluate("document.documentElement.scrollWidth") <= inner
        screenshot(mod, f"modview-workspace-{tag}")
        if width > 1000:
            screenshot(mod, f"modview-workspace-{tag}-full-page", full_page=True)
        mod.get_by_test_id("panel-toggle-chat").click()
        mod.get_by_test_id("panel-toggle-unban").click()
        expect(mod.get_by_test_id("panel-toggle-chat")).to_have_attribute("aria-expanded", "false")
        assert mod.evaluate("document.documentElement.scrollWidth") <= inner
        screenshot(mod, f"modview-workspace-collapsed-{tag}")
        alone = open_page("mod", "/mod/main?panel=chat", width=width, height=height)
        expect(alone.locator("section.panel")).to_have_count(1)
        assert alone.evaluate("document.documentElement.scrollWidth") <= inner
        screenshot(alone, f"modview-popout-chat-{tag}")


def test_a_stale_saved_layout_keeps_every_panel(site: Site, open_page: OpenPage) -> None:
    """A layout saved before panels were added (or with one since removed) still shows every
    panel: unknown ones dropped, missing ones at their default place, bad heights ignored."""
    mod = open_page("mod", "/mod/main")
    default = order(mod)
    key = mod.evaluate("Object.keys(localStorage).find(k => k.startsWith('cw.modview.layout'))")
    assert key is None  # nothing saved until the moderator changes something
    user_id = site["mod"].http.get("/api/v1/me").json()["id"]
    stale = {
        "order": ["chat", "gone", "queue"],
        "collapsed": ["gone", "chat"],
        "heights": {"queue": "x", "gone": 300},
    }
    mod.evaluate(
        "([k, v]) => localStorage.setItem(k, JSON.stringify(v))",
        [f"cw.modview.layout.v1.{user_id}.main", stale],
    )
    reload(mod)
    assert order(mod) == ["chat", "queue", *default[2:]]
    expect(mod.get_by_test_id("panel-toggle-chat")).to_have_attribute("aria-expanded", "false")
    expect(mod.locator("#panel-queue-body")).not_to_have_class("panel-body sized")
    # no saved height: the handle tells the height the body has now (ARIA needs a value)
    natural = mod.evaluate(
        "() => Math.round(document.getElementById('panel-queue-body')"
        ".getBoundingClientRect().height)"
    )
    expect(mod.get_by_test_id("panel-resize-queue")).to_have_attribute(
        "aria-valuenow", str(natural)
    )
