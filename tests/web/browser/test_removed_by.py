"""The viewer's chat page tells an automatic removal ("removed by AutoMod", a bot wave's earlier
lines) from a moderator's ("removed by a moderator"), from the delete event's ``removed_by``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from playwright.sync_api import expect

from chatwarden.rules.effects import Delete, Target
from chatwarden.service.detection.effects import ChatEffects
from chatwarden.store import accounts as account_store
from chatwarden.store import channels as channel_store
from tests.web.browser.support import Site, needs_browser

if TYPE_CHECKING:
    from tests.web.browser.conftest import OpenPage

pytestmark = needs_browser


def _post(site: Site, who: str, text: str, key: str) -> str:
    r = site[who].http.post(
        "/api/v1/channels/main/messages", json={"text": text, "idempotency_key": key}
    )
    assert r.json()["status"] == "delivered", r.text
    return str(r.json()["message_id"])


def _bot_wave_cleanup(site: Site, username: str) -> None:
    """What the detection hook does when a bot wave is recognised: the wave's bot-like members'
    earlier lines are removed (``ChatEffects`` with a ``Delete`` naming them)."""
    services = site.services
    with services.chat.transaction() as out:
        channel = channel_store.get_channel_by_name_txn(out.conn, "main")
        user = account_store.get_user_by_login_txn(out.conn, username)
        assert channel is not None and user is not None
        uid = int(user.id)
        target = Target(channel.id, uid, username, None, "")
        ChatEffects(out, {channel.id: channel}, services.shield).apply(
            target, [Delete("earlier message of a bot wave", user_ids=(uid,), since_s=60)]
        )


def test_automatic_and_moderator_removals_are_told_apart(site: Site, open_page: OpenPage) -> None:
    viewer = open_page("vip", "/c/main")
    _post(site, "mallory", "free followers at my site", "wave1")
    kept = _post(site, "alice", "a line a moderator removes", "mod1")
    wave_line = viewer.locator(".chat-line").filter(has_text="free followers at my site")
    mod_line = viewer.locator(".chat-line").filter(has_text="a line a moderator removes")
    expect(wave_line).to_have_count(1)
    expect(mod_line).to_have_count(1)
    _bot_wave_cleanup(site, "mallory")
    expect(wave_line).to_have_class("chat-line deleted")
    expect(wave_line).to_contain_text("(removed by AutoMod)")
    expect(mod_line).not_to_have_class("chat-line deleted")
    assert site["mod"].http.delete(f"/api/v1/channels/main/messages/{kept}").is_success
    expect(mod_line).to_have_class("chat-line deleted")
    expect(mod_line).to_contain_text("(removed by a moderator)")
    expect(wave_line).not_to_contain_text("moderator")
