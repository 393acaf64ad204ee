"""Pages whose session ends while they are open (logout in another tab, expiry, revocation):
the chat socket closes with 4401 and the page goes to the login page, no reconnect loop."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from playwright.sync_api import expect

from tests.web.browser.support import Site, needs_browser

if TYPE_CHECKING:
    from tests.web.browser.conftest import OpenPage

pytestmark = needs_browser


def test_chat_and_mod_view_go_to_login_when_the_session_ends(
    site: Site, open_page: OpenPage
) -> None:
    chat = open_page("alice", "/c/main")
    mod = open_page("mod", "/mod/main")
    for name in ("alice", "mod"):  # the same sessions end on the server, as a logout elsewhere
        assert site[name].http.delete("/api/v1/sessions/current").status_code == 204
    expect(chat).to_have_url(re.compile(r"/\?next=%2Fc%2Fmain$"), timeout=3000)
    expect(mod).to_have_url(re.compile(r"/\?next=%2Fmod%2Fmain$"), timeout=3000)
    expect(chat.get_by_text("Please log in to continue")).to_be_visible()
