"""Dark mode (issue 15, "Layout"): the header's theme picker sets ``data-theme`` on <html>, the
choice survives a reload, the system's dark preference applies when nobody chose, and in both
themes the text people read has a contrast of at least 4.5:1 (WCAG AA), measured from the
browser's computed colours, not from the stylesheet."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from playwright.sync_api import expect

from tests.web.browser.support import Site, needs_browser
from tests.web.browser.test_screenshots import populate

if TYPE_CHECKING:
    from playwright.sync_api import Page

    from tests.web.browser.conftest import OpenPage, Screenshot

pytestmark = needs_browser

#: WCAG 2 contrast of every visible element matching a selector against the first opaque
#: background behind it; disabled controls are exempt (WCAG 1.4.3), as in the guideline.
CONTRAST_JS = """(selector) => {
  const parse = (c) => {
    const m = c.match(/[\\d.]+/g).map(Number);
    return m.length > 3 ? m : [...m, 1];
  };
  const lum = ([r, g, b]) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const backdrop = (node) => {
    for (let n = node; n; n = n.parentElement) {
      const bg = parse(getComputedStyle(n).backgroundColor);
      if (bg[3] > 0) return bg;
    }
    return parse(getComputedStyle(document.documentElement).backgroundColor);
  };
  const out = [];
  for (const node of document.querySelectorAll(selector)) {
    if (!node.checkVisibility() || node.disabled || !node.textContent.trim()) continue;
    const a = lum(parse(getComputedStyle(node).color)), b = lum(backdrop(node));
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    out.push([node.className || node.tagName, node.textContent.trim().slice(0, 30), ratio]);
  }
  return out;
}"""

#: what is read on each page: body text, muted text, links, badges, buttons
CHECKED = {
    "/c/main": {
        "body text": ".chat-line .text",
        "muted text": ".chat-line .time, .muted",
        "primary button": ".btn.primary",
        "links and badges": ".topbar a, .topbar .role-badge, .badge, .btn.link, .where",
        "buttons": ".btn:not(.primary)",
    },
    "/mod/main": {
        "body text": ".queue-text, .panel-title h2, .list-item",
        "muted text": ".muted, .field-label, .empty",
        "primary button": ".btn.primary",
        "links and badges": ".badge, .btn.link, a",
        "buttons": ".btn.ok, .btn.danger, .btn:not(.primary):not(.ok):not(.danger)",
    },
}


def background_luminance(page: Page) -> float:
    """Relative luminance of the page background (0 black .. 1 white)."""
    rgb: list[float] = page.evaluate(
        "() => getComputedStyle(document.documentElement).backgroundColor"
        ".match(/[\\d.]+/g).slice(0, 3).map(Number)"
    )

    def channel(v: float) -> float:
        v /= 255
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(v) for v in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def theme_attr(page: Page) -> Any:
    return page.evaluate("() => document.documentElement.dataset.theme ?? null")


def test_picker_sets_the_theme_remembers_it_and_follows_the_system(open_page: OpenPage) -> None:
    page = open_page("alice", "/c/main")
    page.emulate_media(color_scheme="dark")
    picker = page.get_by_test_id("theme-picker")
    expect(picker).to_have_attribute("aria-label", "Colour theme")
    expect(picker).to_have_value("system")
    assert theme_attr(page) is None
    assert background_luminance(page) < 0.05  # the system is dark and nobody chose: dark

    picker.select_option("light")  # an explicit choice beats the system's
    assert theme_attr(page) == "light" and background_luminance(page) > 0.8
    page.reload()
    page.wait_for_selector("body[data-ready]", state="attached")
    assert theme_attr(page) == "light" and background_luminance(page) > 0.8
    expect(page.get_by_test_id("theme-picker")).to_have_value("light")

    page.emulate_media(color_scheme="light")
    picker = page.get_by_test_id("theme-picker")
    picker.focus()  # the keyboard alone changes it: Light -> Dark
    page.keyboard.press("ArrowDown")
    assert theme_attr(page) == "dark" and background_luminance(page) < 0.05
    assert page.evaluate("() => localStorage.getItem('cw-theme')") == "dark"

    picker.select_option("system")  # back to the system's (light here), nothing stored
    assert theme_attr(page) is None and background_luminance(page) > 0.8
    assert page.evaluate("() => localStorage.getItem('cw-theme')") is None

    # every page has the picker, and a stored dark choice is on <html> before any module ran
    for user, path in ((None, "/"), (None, "/docs"), ("mod", "/mod/main")):
        other = open_page(user, path)
        other.evaluate("() => localStorage.setItem('cw-theme', 'dark')")
        other.goto(path, wait_until="commit")
        other.wait_for_selector("body", state="attached")
        assert theme_attr(other) == "dark", path
        other.wait_for_selector("body[data-ready]", state="attached")
        expect(other.get_by_test_id("theme-picker")).to_have_value("dark")
        assert background_luminance(other) < 0.05, path


def test_contrast_in_both_themes_and_dark_screenshots(
    site: Site, open_page: OpenPage, screenshot: Screenshot
) -> None:
    populate(site)
    failures: list[str] = []
    for user, path, name in (("alice", "/c/main", "chat"), ("mod", "/mod/main", "modview")):
        page = open_page(user, path, width=1280, height=800)
        if name == "modview":
            expect(page.get_by_test_id("queue-item")).to_have_count(2)
        else:
            expect(page.locator(".chat-line")).to_have_count(4)
        for theme in ("light", "dark"):
            page.get_by_test_id("theme-picker").select_option(theme)
            for what, selector in CHECKED[path].items():
                measured = page.evaluate(CONTRAST_JS, selector)
                assert measured, f"nothing matched {selector} on {path}"
                failures += [
                    f"{path} {theme} {what}: {cls} {text!r} {ratio:.2f}"
                    for cls, text, ratio in measured
                    if ratio < 4.5
                ]
        # the picker's last choice is dark
        screenshot(page, f"{name}-dark-1280x800")
    assert not failures, "\n".join(failures)
