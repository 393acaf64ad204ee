"""Fixtures for browser tests (see docs/web-ui.md): ``browser``, ``site``, ``open_page``,
``screenshot``; the screenshots folder is printed in the terminal summary."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests.web.browser.support import (
    ARTIFACTS,
    CHROMIUM,
    CHROMIUM_ARGS,
    Site,
    browser_problem,
    report_screenshots,
    running_site,
    skip_or_fail,
)

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page, Playwright

OpenPage = Callable[..., "Page"]
Screenshot = Callable[..., Path]


# Module scope, not session: while Playwright's sync API is running it leaves an event loop
# marked as running in this thread, so a later non-browser test's ``asyncio.run`` would fail.
# pytest tears a module's fixtures down before the next module's tests (also under xdist).
@pytest.fixture(scope="module")
def _playwright() -> Iterator[Playwright]:
    problem = browser_problem()
    if problem is not None:
        skip_or_fail(problem)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="module")
def _expect_timeout(_playwright: Playwright) -> None:
    """``expect(...)`` waits up to 10 s: two workers share two cores with the servers."""
    from playwright.sync_api import expect

    expect.set_options(timeout=10_000)


@pytest.fixture(scope="module")
def browser(_playwright: Playwright, _expect_timeout: None) -> Iterator[Browser]:
    """One headless Debian Chromium per test module (per worker)."""
    chromium = _playwright.chromium.launch(
        executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
    )
    try:
        yield chromium
    finally:
        chromium.close()


@pytest.fixture
def site(browser: Browser, _sqlite_template: Path, tmp_path: Path) -> Iterator[Site]:
    """A live server on a fresh SQLite database with channel ``main`` and its people."""
    db = tmp_path / "chatwarden.db"
    db.write_bytes(_sqlite_template.read_bytes())
    with running_site(f"sqlite:///{db}") as s:
        yield s


@pytest.fixture
def open_page(browser: Browser, site: Site) -> Iterator[OpenPage]:
    """``open_page(username, path, width=1280, height=720)``: a ready page logged in as that
    user (``username=None``: logged out). Any alert/confirm/prompt fails the test."""
    contexts: list[Any] = []
    dialogs: list[str] = []

    def open_(
        username: str | None, path: str, width: int = 1280, height: int = 720, ready: bool = True
    ) -> Page:
        context = browser.new_context(
            viewport={"width": width, "height": height}, base_url=site.base_url
        )
        contexts.append(context)
        if username is not None:
            context.add_cookies(site[username].cookies_for(site.base_url))  # type: ignore[arg-type]
        page = context.new_page()
        page.set_default_timeout(10_000)

        def on_dialog(dialog: Any) -> None:
            dialogs.append(f"{dialog.type}: {dialog.message}")
            dialog.dismiss()

        page.on("dialog", on_dialog)
        page.goto(path)
        if ready:
            page.wait_for_selector("body[data-ready]", state="attached", timeout=20_000)
        return page

    yield open_
    for context in contexts:
        context.close()
    assert not dialogs, f"a browser dialog opened (script ran): {dialogs}"


@pytest.fixture
def screenshot() -> Screenshot:
    """``screenshot(page, name, full_page=False)``: ``test-artifacts/screenshots/<name>.png``."""

    def take(page: Page, name: str, full_page: bool = False) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=full_page)
        return path

    return take


def pytest_terminal_summary(terminalreporter: Any) -> None:
    report_screenshots(terminalreporter)
