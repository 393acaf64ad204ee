"""The chat socket follows role changes: a demoted moderator stops hearing moderator events."""

from __future__ import annotations

import pytest
from websockets.exceptions import ConnectionClosed

from chatwarden.web.ws import CLOSE_ROLE_CHANGED
from tests.web.harness import World, abusive_text


def test_demoted_moderator_socket_is_closed_and_reconnects_as_viewer(world: World) -> None:
    mod, owner, mallory = world["mod"], world["owner"], world["mallory"]
    mod_chat = mod.chat("main")
    mallory_chat = mallory.chat("main")
    assert mallory.say(mallory_chat, abusive_text())["status"] == "held"
    mod_chat.expect_type("queue")  # a moderator hears the hold

    r = owner.http.put("/api/v1/channels/main/roles/mod", json={"role": "viewer"})
    assert r.status_code == 200, r.text
    notice = mod_chat.expect(lambda f: f.get("kind") == "role_changed", timeout=5)
    assert notice["role"] == "viewer"
    with pytest.raises(ConnectionClosed) as closed:
        for _ in range(50):
            mod_chat.recv(timeout=5)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == CLOSE_ROLE_CHANGED

    again = mod.chat("main", welcome=False)
    welcome = again.expect_type("welcome")
    assert welcome["role"] == "viewer" and welcome["moderator"] is False
    assert mallory.say(mallory_chat, abusive_text() + " again")["status"] == "held"
    again.quiet(lambda f: f.get("type") == "queue", wait=0.5)  # no more moderator events
