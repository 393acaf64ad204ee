"""The banned-users list (reason, moderator and time from the ban's mod-log entry, newest
first, paged, filtered by name) and finding users by name (role here, banned/timed out), on
SQLite and PostgreSQL; who may read them."""

from __future__ import annotations

import pytest

from chatwarden.clock import FakeClock
from chatwarden.errors import Forbidden, InputError
from chatwarden.services import Services
from chatwarden.settings import Role
from chatwarden.store import audit
from chatwarden.store import channels as channel_store
from tests.service.conftest import Cast, make_actor


def test_bans_newest_first_with_reason_moderator_and_time(
    services: Services, cast: Cast, clock: FakeClock
) -> None:
    cid = cast.channel.id
    first = services.actions.ban(cast.mike, cid, cast.victor.user_id, "spam links")
    clock.advance(60)
    second = services.actions.ban(cast.lena, cid, cast.mallory.user_id, "slurs")
    page = services.bans.list_bans(cast.mike, cid)
    assert page.total == 2
    assert [b.username for b in page.bans] == ["mallory", "victor"]
    newest, older = page.bans
    assert (newest.reason, newest.moderator_name, newest.banned_at) == (
        "slurs",
        "lena",
        second.created_at,
    )
    assert (older.reason, older.moderator_name, older.mod_log_id) == (
        "spam links",
        "mike",
        first.id,
    )
    assert newest.to_dict()["banned_at"] == second.created_at.isoformat()
    # unbanned users leave the list; banned again, the newest ban's entry is shown
    victor = cast.victor.user_id
    services.actions.unban(cast.mike, cid, cast.mallory.user_id)
    services.actions.unban(cast.mike, cid, victor)
    assert services.bans.list_bans(cast.mike, cid).total == 0
    clock.advance(5)
    services.actions.ban(cast.lena, cid, victor, "again")
    [ban] = services.bans.list_bans(cast.mike, cid).bans
    assert (ban.reason, ban.moderator_name) == ("again", "lena")
    # a ban in another channel is not listed here
    services.actions.ban(cast.bob, cast.other.id, cast.mallory.user_id, "elsewhere")
    assert [b.username for b in services.bans.list_bans(cast.mike, cid).bans] == ["victor"]


def test_paging_the_name_filter_strike_bans_and_bans_without_an_entry(
    services: Services, cast: Cast, clock: FakeClock
) -> None:
    cid = cast.channel.id
    names = [f"spam_{n}" for n in range(5)]
    for name in names:
        who = make_actor(services, name)
        services.actions.ban(cast.mike, cid, who.user_id, f"bot {name}")
        clock.advance(1)
    services.actions.ban(cast.mike, cid, cast.victor.user_id, "")
    page = services.bans.list_bans(cast.mike, cid, limit=2, offset=0)
    assert page.total == 6 and [b.username for b in page.bans] == ["victor", "spam_4"]
    page = services.bans.list_bans(cast.mike, cid, limit=2, offset=4)
    assert [b.username for b in page.bans] == ["spam_1", "spam_0"]
    spamxy = make_actor(services, "spamxy")
    services.actions.ban(cast.mike, cid, spamxy.user_id, "")
    # "_" is a literal character, not LIKE's any-one-character
    found = services.bans.list_bans(cast.mike, cid, q="SPAM_")
    assert found.total == 5 and all(b.username.startswith("spam_") for b in found.bans)
    assert services.bans.list_bans(cast.mike, cid, q="spam_4").total == 1
    assert services.bans.list_bans(cast.mike, cid, q="spamz").total == 0
    with pytest.raises(InputError):
        services.bans.list_bans(cast.mike, cid, q="a%")
    with pytest.raises(InputError):
        services.bans.list_bans(cast.mike, cid, limit=0)
    # the strike ladder bans with no moderator; a ban the log has no entry for (older data)
    # is still listed, last, with empty entry fields
    with services.db.write() as conn:
        channel_store.update_member_txn(conn, cid, cast.sam.user_id, banned=True)
        channel_store.update_member_txn(conn, cid, cast.fiona.user_id, banned=True)
        audit.append_txn(
            conn,
            channel_id=cid,
            actor_id=None,
            action="strike.ban",
            created_at=services.clock.now(),
            target_user_id=cast.fiona.user_id,
            reason="third strike",
        )
    bans = services.bans.list_bans(cast.mike, cid).bans
    assert len(bans) == 9
    strike, legacy = bans[0], bans[-1]
    assert (strike.username, strike.action, strike.reason) == (
        "fiona",
        "strike.ban",
        "third strike",
    )
    assert strike.moderator_name is None and strike.banned_at is not None
    assert legacy.username == "sam" and legacy.to_dict() == {
        "user_id": cast.sam.user_id,
        "username": "sam",
        "reason": None,
        "moderator_id": None,
        "moderator_name": None,
        "banned_at": None,
        "action": None,
        "mod_log_id": None,
    }


def test_find_users_by_prefix_with_their_standing(
    services: Services, cast: Cast, clock: FakeClock
) -> None:
    cid = cast.channel.id
    make_actor(services, "Victoria")  # never in the channel: still found
    services.actions.timeout(cast.mike, cid, cast.victor.user_id, 600, "calm down")
    found = services.bans.find_users(cast.mike, cid, "VIC")
    assert [m.username for m in found] == ["victor", "Victoria"]
    victor, victoria = found
    assert victor.to_dict()["timed_out"] and not victor.banned
    assert victoria.role is Role.VIEWER and not victoria.to_dict()["timed_out"]
    clock.advance(601)  # the timeout ran out
    assert not services.bans.find_users(cast.mike, cid, "victor")[0].to_dict()["timed_out"]
    services.actions.ban(cast.mike, cid, cast.mallory.user_id, "")
    [mallory] = services.bans.find_users(cast.mike, cid, "mal")
    assert mallory.banned
    roles = {m.username: m.role for m in services.bans.find_users(cast.mike, cid, "l")}
    assert roles == {"lena": Role.LEAD_MODERATOR}
    assert services.bans.find_users(cast.mike, cid, "o")[0].role is Role.OWNER
    assert services.bans.find_users(cast.mike, cid, "s")[0].role is Role.SUBSCRIBER
    for n in range(22):
        make_actor(services, f"fan{n:02d}")
    found = services.bans.find_users(cast.mike, cid, "fan")
    assert len(found) == 20 and found[0].username == "fan00"


def test_only_moderators_and_up_read_either(services: Services, cast: Cast) -> None:
    cid = cast.channel.id
    for actor in (cast.vera, cast.sam, cast.fiona, cast.victor, cast.bob):
        with pytest.raises(Forbidden):
            services.bans.list_bans(actor, cid)
        with pytest.raises(Forbidden):
            services.bans.find_users(actor, cid, "vic")
    for actor in (cast.olivia, cast.lena, cast.mike, cast.ada):
        assert services.bans.list_bans(actor, cid).total == 0
        assert services.bans.find_users(actor, cid, "vic")
    for bad in ("", " ", "a b", "x" * 26, "é"):
        with pytest.raises(InputError):
            services.bans.find_users(cast.mike, cid, bad)
