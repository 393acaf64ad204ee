"""A resend with the same idempotency key gets the first result, whatever the rules say now.

The key is looked up before the chat rules run: a client that retries a send it already made
(a dropped connection) during slow mode, or after it was banned, must get the message it sent,
not a rejection for a message it never sent twice.
"""

from __future__ import annotations

from chatwarden.clock import FakeClock
from chatwarden.service.types import SendRequest
from chatwarden.services import Services
from tests.service.conftest import Cast


def test_resend_during_slow_mode_returns_the_first_result(services: Services, cast: Cast) -> None:
    cid, send = cast.channel.id, services.chat.send_message
    services.modes.update(cast.mike, cid, {"slow_mode_s": 30})
    first = send(cast.victor, cid, "first try", "k-slow")
    assert first.status == "delivered" and not first.replayed
    again = send(cast.victor, cid, "first try", "k-slow")
    assert (again.status, again.message_id, again.replayed) == ("delivered", first.message_id, True)
    # slow mode still holds back a message that is new
    fresh = send(cast.victor, cid, "second thought", "k-other")
    assert (fresh.status, fresh.reason) == ("rejected", "slow_mode")


def test_resend_after_a_ban_returns_the_first_result(
    services: Services, cast: Cast, clock: FakeClock
) -> None:
    cid, send = cast.channel.id, services.chat.send_message
    first = send(cast.victor, cid, "hello there", "k-ban")
    assert first.status == "delivered"
    clock.advance(5)
    services.actions.ban(cast.mike, cid, cast.victor.user_id, "spam")
    again = send(cast.victor, cid, "hello there", "k-ban")
    assert (again.status, again.message_id, again.replayed) == ("delivered", first.message_id, True)
    assert send(cast.victor, cid, "hello again", "k-new").reason == "banned"


def test_a_key_repeated_in_one_batch_during_slow_mode_is_one_message(
    services: Services, cast: Cast
) -> None:
    cid = cast.channel.id
    services.modes.update(cast.mike, cid, {"slow_mode_s": 30})
    req = SendRequest(cast.victor, cid, "only once", "k-batch")
    first, again = services.chat.send_messages([req, req])
    assert not isinstance(first, Exception) and not isinstance(again, Exception)
    assert first.status == "delivered" and not first.replayed
    assert (again.status, again.message_id, again.replayed) == ("delivered", first.message_id, True)
