"""Email verification in the browser, with a real local SMTP server (aiosmtpd): a viewer whose
channel asks for a verified email gets a "Verify your email" banner on the chat page, adds the
address there, opens the mailed link, and chats; the account page shows the verified address;
the link does not work twice."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import expect

from chatwarden.clock import FakeClock
from chatwarden.services import build_services
from chatwarden.web import WebSettings, create_app
from tests.mail_support import MailServer, link_in, mail_server, smtp_settings
from tests.web.browser.support import PEOPLE, Site, needs_browser
from tests.web.harness import LiveServer, make_config

if TYPE_CHECKING:
    from playwright.sync_api import Browser

    from tests.web.browser.conftest import OpenPage, Screenshot

pytestmark = needs_browser

ADDRESS = "alice@example.org"


@pytest.fixture
def mail() -> Iterator[MailServer]:
    with mail_server() as server:
        yield server


@pytest.fixture
def site(
    browser: Browser, _sqlite_template: Path, tmp_path: Path, mail: MailServer
) -> Iterator[Site]:
    """The browser tests' site (channel ``main`` and its people), mailing through ``mail``."""
    db = tmp_path / "chatwarden.db"
    db.write_bytes(_sqlite_template.read_bytes())
    config = make_config(f"sqlite:///{db}", smtp=smtp_settings(mail.port))
    clock = FakeClock()
    services = build_services(config, clock=clock)
    app = create_app(services, WebSettings(cookie_secure=True, tick_interval_s=0.2))
    try:
        with LiveServer(app) as live:
            site = Site(f"http://127.0.0.1:{live.port}", services, clock)
            try:
                for name in PEOPLE:
                    site.add_person(name)
                assert site["owner"].http.post("/api/v1/channels", json={"name": "main"}).is_success
                r = site["owner"].http.put(
                    "/api/v1/channels/main/roles/lead", json={"role": "lead_moderator"}
                )
                assert r.status_code == 200, r.text
                yield site
            finally:
                site.close()
    finally:
        services.close()


def test_verify_from_the_chat_page_then_chat(
    site: Site, mail: MailServer, open_page: OpenPage, screenshot: Screenshot
) -> None:
    r = site["lead"].http.patch(
        "/api/v1/channels/main/detection/trust", json={"email": {"applies_to": "everyone"}}
    )
    assert r.status_code == 200, r.text
    page = open_page("alice", "/c/main")
    page.get_by_test_id("chat-input").fill("hello everyone")
    page.get_by_test_id("chat-send").click()
    banner = page.get_by_test_id("banner-verify-email")
    expect(banner).to_contain_text("Verify your email")
    expect(page.get_by_test_id("verify-email-state")).to_have_text("No email address yet.")
    page.get_by_test_id("verify-email-input").fill(ADDRESS)
    banner.get_by_role("button", name="Save and send link").click()
    expect(page.get_by_test_id("verify-email-message")).to_have_text(
        f"We sent a verification link to {ADDRESS}."
    )
    expect(page.get_by_test_id("verify-email-state")).to_have_text(f"Not verified: {ADDRESS}")
    resend = page.get_by_test_id("verify-email-resend")
    expect(resend).to_be_disabled()  # rate limited: it counts down
    expect(resend).to_contain_text("Resend link (in")
    screenshot(page, "chat-verify-email-banner")

    link, token = link_in(mail.wait_for(ADDRESS))
    assert link.startswith("https://chat.example.org/verify-email#token=")
    mailed = open_page(None, f"/verify-email#token={token}")  # logged out: the token suffices
    expect(mailed.get_by_test_id("verify-result")).to_contain_text("Verified.")
    expect(mailed.get_by_test_id("verify-result")).to_contain_text(ADDRESS)
    assert "token" not in mailed.url  # the page took the token out of the address bar

    page.get_by_test_id("chat-input").fill("hello, verified now")
    page.get_by_test_id("chat-send").click()
    expect(page.get_by_test_id("chat-log")).to_contain_text("hello, verified now")
    expect(banner).to_have_count(0)  # the banner goes once the address is verified
    expect(page.get_by_test_id("chat-log")).to_contain_text("Your email address is verified.")

    account = open_page("alice", "/")
    expect(account.get_by_test_id("email-state")).to_have_text(f"✓ Verified: {ADDRESS}")
    expect(account.get_by_test_id("email-resend")).to_be_hidden()
    narrow = open_page("alice", "/", width=375)
    expect(narrow.get_by_test_id("email-state")).to_have_text(f"✓ Verified: {ADDRESS}")
    assert narrow.evaluate("document.scrollingElement.scrollWidth") <= 375  # no sideways scroll
    screenshot(narrow, "account-email-375px", full_page=True)

    again = open_page(None, f"/verify-email#token={token}")
    result = again.get_by_test_id("verify-result")
    expect(result).to_contain_text("already used")
    expect(result).to_have_attribute("data-code", "email_token_used")
