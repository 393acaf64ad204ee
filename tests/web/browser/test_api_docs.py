"""/docs in Chromium with no network but our own server: the API reference renders from
/openapi.json under the strict CSP, opens an operation, follows a schema link, filters."""

from __future__ import annotations

from typing import TYPE_CHECKING

from playwright.sync_api import expect

from tests.web.browser.support import Site, needs_browser

if TYPE_CHECKING:
    from tests.web.browser.conftest import OpenPage, Screenshot

pytestmark = needs_browser


def test_api_docs_render_offline_under_the_csp(
    site: Site, open_page: OpenPage, screenshot: Screenshot
) -> None:
    page = open_page(None, "/docs", ready=False)
    requests: list[str] = []
    errors: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.reload()
    page.wait_for_selector("body[data-ready]", state="attached")
    expect(page.get_by_role("heading", name="ChatWarden", exact=False).first).to_be_visible()
    assert page.get_by_test_id("api-group").count() >= 5
    assert all(url.startswith(site.base_url) for url in requests), requests  # no CDN
    assert not errors, errors  # no CSP violation, no script error

    path = page.locator("code.api-path", has_text="/api/v1/sessions")
    login = page.locator("details.api-op", has=path).first
    login.locator("summary").focus()
    page.keyboard.press("Enter")  # the keyboard opens an operation
    expect(login.get_by_role("heading", name="Responses")).to_be_visible()
    expect(login.get_by_role("cell", name="422")).to_be_visible()
    assert "``" not in login.inner_text()  # ``code`` in a description is shown as code
    ref = login.locator("a.api-ref").first
    name = ref.inner_text()
    ref.click()
    schema = page.locator(f"#schema-{name}")
    expect(schema).to_have_attribute("open", "")
    expect(schema.get_by_role("table")).to_be_visible()

    page.get_by_test_id("api-filter").fill("unban")
    visible = page.locator("details.api-op:visible")
    expect(visible.first).to_be_visible()
    assert all("unban" in t.lower() for t in visible.all_inner_texts())
    page.get_by_test_id("api-filter").fill("")
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, "api-docs-1280")
