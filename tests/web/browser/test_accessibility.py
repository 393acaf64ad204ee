"""Accessibility check (issue 15, "Tests"): axe-core (bundled in ``axe-playwright-python``,
nothing fetched) runs on the chat page, Mod View (the owner, with held messages in the queue)
and the account page, in the light and the dark theme; no violation of impact "serious" or
"critical" is allowed. On failure the rule ids and the elements they name are printed."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from playwright.sync_api import expect

from tests.web.browser.support import Site, needs_browser
from tests.web.browser.test_screenshots import populate

if TYPE_CHECKING:
    from playwright.sync_api import Page

    from tests.web.browser.conftest import OpenPage

pytestmark = needs_browser

BLOCKING = ("serious", "critical")


def axe_problems(page: Page, where: str) -> list[str]:
    """The serious and critical violations axe finds on the page as it is now."""
    from axe_playwright_python.sync_playwright import Axe

    results: Any = Axe().run(page)
    out: list[str] = []
    for violation in results.response["violations"]:
        if violation.get("impact") not in BLOCKING:
            continue
        for node in violation["nodes"]:
            summary = (node.get("failureSummary") or "").replace("\n", " ")[:200]
            out.append(
                f"{where}: {violation['id']} ({violation['impact']}) {node['target']} {summary}"
            )
    return out


def test_chat_modview_and_account_have_no_serious_violations(
    site: Site, open_page: OpenPage
) -> None:
    populate(site)  # two held messages, chat lines, a note on mallory
    pages = (
        ("alice", "/c/main", ".chat-line", 4),
        ("owner", "/mod/main", "[data-testid=queue-item]", 2),
        ("alice", "/", "[data-testid=email-state]", 1),
    )
    problems: list[str] = []
    for user, path, ready, count in pages:
        page = open_page(user, path, width=1280, height=800)
        expect(page.locator(ready)).to_have_count(count)
        for theme in ("light", "dark"):
            page.get_by_test_id("theme-picker").select_option(theme)
            page.wait_for_timeout(100)  # transitions settle before colours are read
            problems += axe_problems(page, f"{path} ({user}, {theme})")
        if path.startswith("/mod/"):  # with the user card open
            page.get_by_test_id("queue-user").first.click()
            expect(page.get_by_test_id("usercard-note")).to_have_count(1)
            problems += axe_problems(page, f"{path} user card ({user}, dark)")
    assert not problems, f"{len(problems)} serious/critical axe violations:\n" + "\n".join(problems)


def test_other_pages_have_no_serious_violations(site: Site, open_page: OpenPage) -> None:
    """The login page, the API reference, a banned viewer's chat page (the unban request form)
    and a moderator's Mod View at phone width."""
    assert site["mod"].http.put("/api/v1/channels/main/bans/mallory", json={}).is_success
    pages = (
        (None, "/", "input", 1280),
        (None, "/docs", "h1, h2", 1280),
        ("mallory", "/c/main", "[data-testid=unban-text]", 1280),
        ("mod", "/mod/main", "[data-testid=modview-bar]", 375),
    )
    problems: list[str] = []
    for user, path, ready, width in pages:
        page = open_page(user, path, width=width, height=800)
        expect(page.locator(ready).first).to_be_visible()
        for theme in ("light", "dark"):
            page.get_by_test_id("theme-picker").select_option(theme)
            page.wait_for_timeout(100)
            problems += axe_problems(page, f"{path} ({user}, {width} px, {theme})")
    assert not problems, f"{len(problems)} serious/critical axe violations:\n" + "\n".join(problems)
