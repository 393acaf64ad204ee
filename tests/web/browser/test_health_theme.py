"""The health panel's charts follow the theme (issue 15, "Layout": dark mode): switching the
theme picker, or the system's scheme while "System" is chosen, redraws them with the theme's
text colour, without reloading the page; screenshots of the dark charts at 1280x800 and 375 px."""

from __future__ import annotations

from typing import TYPE_CHECKING

from playwright.sync_api import expect

from tests.web.browser.support import Site, needs_browser
from tests.web.browser.test_health_panel import _seed

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

    from tests.web.browser.conftest import OpenPage, Screenshot

pytestmark = needs_browser


def _tick_colour(chart: Locator) -> str:
    """The fill of the chart's first axis label, as plotly drew it."""
    return str(chart.locator("g.xtick text").first.evaluate("t => getComputedStyle(t).fill"))


def _fg(page: Page) -> str:
    """The theme's text colour, as the browser resolves ``--fg`` (rgb(...))."""
    return str(
        page.evaluate(
            """() => { const p = document.createElement("span"); p.style.color = "var(--fg)";
                 document.body.append(p); const c = getComputedStyle(p).color; p.remove();
                 return c; }"""
        )
    )


def test_charts_redraw_when_the_theme_changes(
    site: Site, open_page: OpenPage, screenshot: Screenshot
) -> None:
    _seed(site)
    for width, height, tag in ((1280, 800, "1280x800"), (375, 812, "375px")):
        page = open_page("mod", "/mod/main", width=width, height=height)
        page.emulate_media(color_scheme="light")
        chart = page.locator("#panel-health").get_by_test_id("health-activity")
        expect(chart.locator("g.xtick text").first).to_be_attached()
        light = _tick_colour(chart)
        assert light == _fg(page), (light, _fg(page))

        page.get_by_test_id("theme-picker").select_option("dark")
        page.wait_for_function(
            "(before) => getComputedStyle(document.querySelector("
            "'[data-testid=health-activity] g.xtick text')).fill !== before",
            arg=light,
        )
        dark = _tick_colour(chart)
        assert dark == _fg(page) and dark != light
        chart.scroll_into_view_if_needed()
        screenshot(page, f"modview-health-dark-{tag}")

        # "System" on a dark system stays dark; the system turning light draws them light again
        page.emulate_media(color_scheme="dark")
        page.get_by_test_id("theme-picker").select_option("system")
        page.wait_for_timeout(300)
        assert _tick_colour(chart) == dark
        page.emulate_media(color_scheme="light")
        page.wait_for_function(
            "(before) => getComputedStyle(document.querySelector("
            "'[data-testid=health-activity] g.xtick text')).fill !== before",
            arg=dark,
        )
        assert _tick_colour(chart) == light
