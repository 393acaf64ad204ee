"""Resume in one process (no ``--bus``): nothing changes. Frames carry no ``seq``, and a
client that asks to resume is told it cannot (``resumed: false``) and gets the usual recent
messages; without asking, the welcome is as before (the two-gateway resume is in
tests/web/test_scaleout_events.py)."""

from __future__ import annotations

from websockets.sync.client import connect

from tests.web.harness import Chat, World


def test_one_process_keeps_no_history_to_resume_from(world: World) -> None:
    alice = world["alice"]
    chat = alice.chat("main")
    sent = alice.say(chat, "hello in one process")
    frame = chat.expect_type("message", message_id=sent["message_id"])
    assert "seq" not in frame
    fresh = alice.chat("main", welcome=False).expect_type("welcome")
    assert "resumed" not in fresh and "seq" not in fresh
    assert [m["id"] for m in fresh["recent"]] == [sent["message_id"]]
    conn = connect(
        f"{world.ws_base}/api/v1/channels/main/chat/ws?since=1765084800000-0",
        additional_headers={"Cookie": f"cw_session={alice.session}"},
        open_timeout=5,
    )
    with conn:
        welcome = Chat(conn).expect_type("welcome")
    assert welcome["resumed"] is False
    assert [m["id"] for m in welcome["recent"]] == [sent["message_id"]]
