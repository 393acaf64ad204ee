"""Sending messages: statuses, persistence, idempotency, rules and modes, events."""

from __future__ import annotations

import threading

import pytest

from chatwarden.bus import InProcessBus, channel_topic, mods_topic, user_topic
from chatwarden.clock import FakeClock
from chatwarden.errors import Conflict, Forbidden, InputError, NotFound
from chatwarden.services import Services
from chatwarden.store import messages as message_store
from tests.service.conftest import Cast, Recorder

TOXIC = "you are a worthless idiot and everyone hates you"


def count(services: Services, channel_id: int) -> int:
    with services.db.read() as conn:
        return message_store.count_messages_txn(conn, channel_id)


@pytest.fixture
def rec(services: Services, cast: Cast, bus: InProcessBus):  # type: ignore[no-untyped-def]
    cid = cast.channel.id
    r = Recorder(
        bus,
        channel_topic(cid),
        mods_topic(cid),
        user_topic(cast.victor.user_id),
        user_topic(cast.mallory.user_id),
    )
    yield r
    r.close()


def test_delivered_message_is_stored_and_published(
    services: Services, cast: Cast, rec: Recorder
) -> None:
    result = services.chat.send_message(cast.victor, cast.channel.id, "  hello chat  ", "k1")
    assert result.status == "delivered" and result.message_id and not result.replayed
    assert result.decision is not None and result.decision.action == "allow"
    events = rec.drain(channel_topic(cast.channel.id))
    assert [e["type"] for e in events] == ["channel.chat.message"]
    body = events[0]["event"]
    assert body["message"]["text"] == "hello chat"
    assert body["chatter_user_login"] == "victor" and body["message_id"] == result.message_id
    assert body["broadcaster_user_login"] == "alpha"
    recent = services.chat.recent_messages(cast.channel.id)
    assert [(m.id, m.text, m.status) for m in recent] == [
        (result.message_id, "hello chat", "delivered")
    ]


def test_idempotent_replay_returns_first_result_and_writes_nothing(
    services: Services, cast: Cast, rec: Recorder
) -> None:
    cid = cast.channel.id
    first = services.chat.send_message(cast.mallory, cid, TOXIC, "same-key")
    assert first.status == "held"
    rec.drain(mods_topic(cid))
    n = count(services, cid)
    again = services.chat.send_message(cast.mallory, cid, TOXIC, "same-key")
    assert (again.status, again.message_id, again.replayed) == ("held", first.message_id, True)
    assert again.reason == "held_for_review"
    assert count(services, cid) == n
    assert rec.drain(mods_topic(cid)) == []  # nothing re-published
    assert len(services.review.list_pending(cast.mike, cid)) == 1
    with pytest.raises(Conflict, match="different message"):
        services.chat.send_message(cast.mallory, cid, "other text", "same-key")
    # the same key from another sender or channel is independent
    other = services.chat.send_message(cast.victor, cid, TOXIC, "same-key")
    assert other.message_id != first.message_id and not other.replayed


def test_concurrent_replays_store_one_message(services: Services, cast: Cast) -> None:
    cid = cast.channel.id
    results = []
    barrier = threading.Barrier(4)

    def send() -> None:
        barrier.wait()
        results.append(services.chat.send_message(cast.victor, cid, "once only", "dup"))

    threads = [threading.Thread(target=send) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len({r.message_id for r in results}) == 1
    assert sum(not r.replayed for r in results) == 1
    assert count(services, cid) == 1


def test_held_message_tells_sender_and_mods(services: Services, cast: Cast, rec: Recorder) -> None:
    cid = cast.channel.id
    result = services.chat.send_message(cast.mallory, cid, TOXIC)
    assert result.status == "held" and result.reason == "held_for_review"
    assert result.detail and "not been sent" in result.detail
    assert rec.drain(channel_topic(cid)) == []  # nobody else sees it
    hold = rec.drain(mods_topic(cid))
    assert [e["type"] for e in hold] == ["automod.message.hold"]
    assert hold[0]["event"]["reason"] == "automod"
    assert hold[0]["event"]["automod"]["category"] == "bullying"
    notices = rec.drain(user_topic(cast.mallory.user_id))
    assert [n["event"]["kind"] for n in notices] == ["message_held"]
    [entry] = services.modlog.list_entries(cast.mike, cid, action="automod.hold")
    assert entry.actor_id is None and entry.target_user_id == cast.mallory.user_id


def test_blocked_term_blocks_and_logs(services: Services, cast: Cast, rec: Recorder) -> None:
    cid = cast.channel.id
    services.automod.add_term(cast.olivia, cid, "forbiddenword")
    result = services.chat.send_message(cast.victor, cid, "this has forbiddenword in it")
    assert (result.status, result.reason) == ("blocked", "blocked_term")
    assert rec.drain(channel_topic(cid)) == []
    assert services.modlog.list_entries(cast.mike, cid, action="automod.block")
    # moderators are exempt from AutoMod
    assert services.chat.send_message(cast.mike, cid, "forbiddenword").status == "delivered"


def test_bad_input_is_rejected_clearly_and_stores_nothing(services: Services, cast: Cast) -> None:
    cid = cast.channel.id
    with pytest.raises(InputError, match="501 characters; the limit is 500"):
        services.chat.send_message(cast.victor, cid, "a" * 501)
    services.chat.send_message(cast.victor, cid, "a" * 500)
    for bad in ("", "   ", "line\nbreak"):
        with pytest.raises(InputError):
            services.chat.send_message(cast.victor, cid, bad)
    with pytest.raises(InputError, match="string"):
        services.chat.send_message(cast.victor, cid, 42)  # type: ignore[arg-type]
    with pytest.raises(InputError, match="idempotency_key"):
        services.chat.send_message(cast.victor, cid, "hi", "k" * 65)
    with pytest.raises(NotFound, match="channel"):
        services.chat.send_message(cast.victor, 9999, "hi")
    assert count(services, cid) == 1


def test_token_without_chat_scope_cannot_send(services: Services, cast: Cast) -> None:
    token = services.accounts.create_api_token(cast.victor, "ro", ["moderation:read"]).token
    reader = services.accounts.authenticate(token)
    with pytest.raises(Forbidden, match="chat:write"):
        services.chat.send_message(reader, cast.channel.id, "hi")


def test_ban_timeout_warning_reject(services: Services, cast: Cast, clock: FakeClock) -> None:
    cid, v = cast.channel.id, cast.victor
    services.actions.timeout(cast.mike, cid, v.user_id, 60, "calm down")
    r = services.chat.send_message(v, cid, "let me talk")
    assert (r.status, r.reason, r.message_id) == ("rejected", "timed_out", None)
    assert r.retry_after_s == pytest.approx(60)
    clock.advance(60)
    assert services.chat.send_message(v, cid, "back").status == "delivered"
    services.actions.warn(cast.mike, cid, v.user_id, "rule 1: be kind")
    r = services.chat.send_message(v, cid, "hello?")
    assert r.reason == "warning_unacknowledged" and r.detail and "rule 1" in r.detail
    services.actions.acknowledge_warning(v, cid)
    assert services.chat.send_message(v, cid, "ok sorry").status == "delivered"
    services.actions.ban(cast.mike, cid, v.user_id, "spam")
    assert services.chat.send_message(v, cid, "hi").reason == "banned"
    # banned in alpha is not banned in beta
    assert services.chat.send_message(v, cast.other.id, "hi beta").status == "delivered"


def test_chat_modes(services: Services, cast: Cast, clock: FakeClock) -> None:
    cid, send = cast.channel.id, services.chat.send_message
    services.modes.update(cast.mike, cid, {"followers_only_min_age_s": 600})
    assert send(cast.victor, cid, "hi").reason == "followers_only"
    assert send(cast.fiona, cid, "hi").status == "delivered"  # followed an hour ago
    services.channels.follow(cast.victor, cid)
    r = send(cast.victor, cid, "hi")
    assert r.reason == "followers_only" and r.retry_after_s == pytest.approx(600)
    assert send(cast.sam, cid, "sub here").status == "delivered"
    assert send(cast.vera, cid, "vip here").status == "delivered"
    services.modes.update(cast.mike, cid, {"followers_only_min_age_s": None})

    services.modes.update(cast.mike, cid, {"subscribers_only": True})
    assert send(cast.fiona, cid, "hi").reason == "subscribers_only"
    assert send(cast.sam, cid, "hi sub").status == "delivered"
    services.modes.update(cast.mike, cid, {"subscribers_only": False})

    services.modes.update(cast.mike, cid, {"emote_only": True, "emote_set": ["Kappa", "PogChamp"]})
    assert send(cast.fiona, cid, "words").reason == "emote_only"
    assert send(cast.fiona, cid, "Kappa PogChamp").status == "delivered"
    assert send(cast.mike, cid, "mods may type").status == "delivered"
    services.modes.update(cast.mike, cid, {"emote_only": False})

    services.modes.update(cast.mike, cid, {"slow_mode_s": 30})
    assert send(cast.victor, cid, "one").status == "delivered"
    r = send(cast.victor, cid, "two")
    assert r.reason == "slow_mode" and r.retry_after_s == pytest.approx(30)
    assert send(cast.vera, cid, "vip1").status == "delivered"
    assert send(cast.vera, cid, "vip2").status == "delivered"
    clock.advance(30)
    assert send(cast.victor, cid, "two").status == "delivered"
    services.modes.update(cast.mike, cid, {"slow_mode_s": 0})

    services.modes.update(cast.mike, cid, {"unique_chat": True})
    assert send(cast.victor, cid, "copy pasta").status == "delivered"
    assert send(cast.fiona, cid, "COPY  pasta").reason == "duplicate_message"
    clock.advance(31)
    assert send(cast.fiona, cid, "copy pasta").status == "delivered"


def test_non_mod_chat_delay(
    services: Services, cast: Cast, clock: FakeClock, rec: Recorder
) -> None:
    cid = cast.channel.id
    services.modes.update(cast.olivia, cid, {"non_mod_chat_delay_s": 4})
    rec.drain(channel_topic(cid))
    r = services.chat.send_message(cast.victor, cid, "delayed hello")
    assert r.status == "delayed"
    assert services.chat.send_message(cast.mike, cid, "mod now").status == "delivered"
    assert [e["event"]["message"]["text"] for e in rec.drain(channel_topic(cid))] == ["mod now"]
    assert services.chat.release_delayed() == 0
    clock.advance(4)
    services.tick()
    assert [e["event"]["message"]["text"] for e in rec.drain(channel_topic(cid))] == [
        "delayed hello"
    ]
    assert [m.text for m in services.chat.recent_messages(cid)] == ["mod now", "delayed hello"]


def test_rate_limit(services: Services, cast: Cast, model: object) -> None:
    from tests.service.conftest import make_config

    limited = services.config.model_copy(update={"rate_limit_messages_per_30s": 3})
    object.__setattr__(services.chat, "config", limited)
    cid = cast.channel.id
    for i in range(3):
        assert services.chat.send_message(cast.victor, cid, f"m{i}").status == "delivered"
    r = services.chat.send_message(cast.victor, cid, "m3")
    assert r.reason == "rate_limited" and r.retry_after_s is not None
    assert services.chat.send_message(cast.mike, cid, "mods unlimited").status == "delivered"
    del make_config


def test_precheck(services: Services, cast: Cast) -> None:
    cid = cast.channel.id
    assert services.chat.precheck(cast.mike, cid, TOXIC)["action"] == "hold"
    assert services.chat.precheck(cast.mike, cid, "gg")["action"] == "allow"
    with pytest.raises(Forbidden):
        services.chat.precheck(cast.victor, cid, "gg")
    assert count(services, cid) == 0


def test_the_channels_emotes_are_not_held_as_words(services: Services, cast: Cast) -> None:
    cid = cast.channel.id
    first = services.chat.send_message(cast.fiona, cid, "wardenKillYourself")
    assert first.status == "held"  # the model reads the emote's code as a threat
    services.modes.update(cast.mike, cid, {"emote_set": ["wardenKillYourself", "Kappa"]})
    after = services.chat.send_message(cast.fiona, cid, "wardenKillYourself")
    assert after.status == "delivered"
    assert services.chat.precheck(cast.mike, cid, "wardenKillYourself")["action"] == "allow"
    abuse = "wardenKillYourself you are a worthless idiot and everyone hates you"
    assert services.chat.send_message(cast.fiona, cid, abuse).status == "held"
