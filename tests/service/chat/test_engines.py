"""Per-channel AutoMod engines (service/chat/engines.py): a broken or slow channel's engine costs
only that channel, its messages still get one stored decision each, and the cache is bounded.
Runs on SQLite and PostgreSQL (``database_url``)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from chatwarden.bus import InProcessBus
from chatwarden.clock import FakeClock
from chatwarden.decision import Action
from chatwarden.errors import Forbidden, InputError
from chatwarden.model import Model
from chatwarden.service.chat.engines import REPEAT_MIN_MESSAGES, UNAVAILABLE_VERSION
from chatwarden.service.types import SendRequest
from chatwarden.services import Services, build_services
from chatwarden.store import channels as channel_store
from tests.service.conftest import Cast, make_actor, make_config

MakeServices = Callable[..., Services]
WORDS = [rf"\bw{i:04d}z+\b" for i in range(1001)]


def plant(services: Services, channel_id: int, patterns: list[str]) -> None:
    """Regex terms saved before the budget checks existed: straight into the database."""
    with services.db.write() as conn:
        for text in patterns:
            channel_store.insert_term_txn(
                conn,
                channel_id=channel_id,
                text=text,
                kind="blocked",
                private=False,
                is_regex=True,
                created_by=None,
                created_at=services.clock.now(),
            )
        channel_store.bump_settings_rev_txn(conn, channel_id)


@pytest.fixture
def make_services(
    database_url: str, clock: FakeClock, bus: InProcessBus, model: Model
) -> Iterator[MakeServices]:
    made: list[Services] = []

    def make(**overrides: object) -> Services:
        svc = build_services(
            make_config(database_url, **overrides), clock=clock, bus=bus, model=model, migrate=False
        )
        made.append(svc)
        return svc

    yield make
    for svc in made:
        svc.close()


def test_a_failed_build_is_cached_until_the_terms_change(services: Services, cast: Cast) -> None:
    cid = cast.channel.id
    plant(services, cid, WORDS)
    cache = services.chat.engines
    with services.db.read() as conn:
        channel = channel_store.get_channel_txn(conn, cid)
        assert channel is not None
        first = cache.get(conn, channel, services.clock.now())
        assert first.automod is None
        assert first.error is not None and "too many regex terms: 1001" in first.error
        assert cache.get(conn, channel, services.clock.now()) is first  # not rebuilt per message
    with pytest.raises(InputError, match="too many regex terms: 1001"):
        services.chat.precheck(cast.olivia, cid, "hello")
    term = services.automod.list_terms(cast.olivia, cid)[-1]
    services.automod.remove_term(cast.olivia, cid, term.id)  # 1,000: within the budget
    with services.db.read() as conn:
        channel = channel_store.get_channel_txn(conn, cid)
        assert channel is not None
        assert cache.get(conn, channel, services.clock.now()).automod is not None


def test_a_broken_channel_holds_its_messages_and_others_are_delivered(
    services: Services, cast: Cast
) -> None:
    broken, fine = cast.channel.id, cast.other.id
    plant(services, broken, WORDS)
    results = services.chat.send_messages(
        [
            SendRequest(cast.victor, fine, "hello beta", "k1"),
            SendRequest(cast.victor, broken, "hello alpha", "k2"),
            SendRequest(cast.fiona, fine, "gg wp", "k3"),
        ]
    )
    statuses = [getattr(r, "status", r) for r in results]
    assert statuses == ["delivered", "held", "delivered"]
    held = results[1]
    assert not isinstance(held, Exception) and held.decision is not None
    assert held.decision.action is Action.HOLD
    assert held.decision.settings_version == UNAVAILABLE_VERSION
    # exactly one stored decision: a resend replays it, the queue and mod log have it once
    again = services.chat.send_message(cast.victor, broken, "hello alpha", "k2")
    assert again.replayed and again.status == "held" and again.message_id == held.message_id
    items = services.review.list_pending(cast.olivia, broken)
    assert len(items) == 1
    entries = services.modlog.list_entries(cast.olivia, broken, action="automod.hold")
    assert len(entries) == 1
    assert entries[0].reason.startswith("AutoMod could not check this message: ")
    assert "too many regex terms: 1001" in entries[0].reason


def test_one_failing_message_does_not_fail_its_batch(services: Services, cast: Cast) -> None:
    cache = services.chat.engines
    with services.db.read() as conn:
        channel = channel_store.get_channel_txn(conn, cast.channel.id)
        assert channel is not None
        engine = cache.get(conn, channel, services.clock.now())
    texts: list[object] = ["gg wp", 42, "nice play"]  # 42: the engine refuses a non-text
    decisions = cache.check(engine, texts, [None, None, None])  # type: ignore[arg-type]
    assert [d.action for d in decisions] == [Action.ALLOW, Action.HOLD, Action.ALLOW]
    assert decisions[1].meta["automod_error"] == "AutoMod failed on this message (InputError)"
    assert decisions[0].settings_version != UNAVAILABLE_VERSION


def test_the_engine_cache_is_a_bounded_lru(make_services: MakeServices, cast: Cast) -> None:
    del cast  # the shared services' cast is not used
    services = make_services(automod_engine_cache_size=2)
    owner = make_actor(services, "lruowner")
    ids = [services.channels.create_channel(owner, f"lru{i}").id for i in range(3)]
    cache, now = services.chat.engines, services.clock.now()
    with services.db.read() as conn:
        rows = [services.chat.channel_txn(conn, cid) for cid in ids]
        first = cache.get(conn, rows[0], now)
        cache.get(conn, rows[1], now)
        assert cache.get(conn, rows[0], now) is first  # used again: now the most recent
        cache.get(conn, rows[2], now)  # drops rows[1], the least recently used
        assert len(cache) == 2
        assert cache.get(conn, rows[0], now) is first


def test_a_slow_engine_is_switched_off(make_services: MakeServices, cast: Cast) -> None:
    del cast
    services = make_services(automod_slow_ms_per_message=1e-6)
    owner = make_actor(services, "slowowner")
    viewer = make_actor(services, "slowviewer")
    cid = services.channels.create_channel(owner, "slowchan").id
    first = services.chat.send_message(viewer, cid, "gg wp", "s1")
    assert first.status == "delivered"  # decided, and found to be over the budget
    second = services.chat.send_message(viewer, cid, "gg wp again", "s2")
    assert second.status == "held"
    assert second.decision is not None
    assert "AutoMod is off in this channel until its terms change" in str(
        second.decision.meta["automod_error"]
    )
    services.automod.add_term(owner, cid, "newterm")  # new terms: a new engine, on probation
    assert services.chat.send_message(viewer, cid, "hello", "s3").status == "delivered"
    with services.db.read() as conn:
        channel = channel_store.get_channel_txn(conn, cid)
        assert channel is not None
        engine = services.chat.engines.get(conn, channel, services.clock.now())
        assert engine.min_messages == REPEAT_MIN_MESSAGES


def test_terms_per_channel_quota(make_services: MakeServices, cast: Cast) -> None:
    del cast
    services = make_services(max_terms_per_channel=3)
    owner = make_actor(services, "quotaowner")
    cid = services.channels.create_channel(owner, "quotachan").id
    for word in ("one", "two", "three"):
        services.automod.add_term(owner, cid, word)
    with pytest.raises(InputError, match=r"at most 3 terms \(this would make 4\)"):
        services.automod.add_term(owner, cid, "four")
    with pytest.raises(InputError, match=r"at most 3 terms \(this would make 5\)"):
        services.automod.import_terms(owner, cid, '[{"text": "four"}, {"text": "five"}]', "json")


def test_regex_set_budget_is_checked_on_add(make_services: MakeServices, cast: Cast) -> None:
    del cast
    services = make_services(max_regex_terms_per_channel=2)
    owner = make_actor(services, "regexowner")
    cid = services.channels.create_channel(owner, "regexchan").id
    services.automod.add_term(owner, cid, "a+b", is_regex=True)
    services.automod.add_term(owner, cid, "literal words")  # not a regex: not counted
    services.automod.add_term(owner, cid, "c+d", is_regex=True)
    with pytest.raises(InputError, match=r"too many regex terms: 3 \(at most 2\)"):
        services.automod.add_term(owner, cid, "e+f", is_regex=True)
    assert len(services.automod.list_terms(owner, cid)) == 3


def test_channels_per_account_quota(make_services: MakeServices, cast: Cast) -> None:
    del cast
    services = make_services(max_channels_per_account=2)
    owner = make_actor(services, "manychans")
    services.channels.create_channel(owner, "mine_one")
    services.channels.create_channel(owner, "mine_two")
    with pytest.raises(Forbidden, match="at most 2 channels"):
        services.channels.create_channel(owner, "mine_three")
    admin = make_actor(services, "siteadmin")
    services.accounts.make_admin(admin.user_id)
    admin = services.accounts.authenticate(
        services.accounts.login("siteadmin", "correct horse").token
    )
    for i in range(3):  # site admins are not limited
        services.channels.create_channel(admin, f"admin_{i}")
