"""Slash commands through the services: each one does what its button does, checked against the
sender's role and written to the mod log; unknown commands and viewers are refused."""

from __future__ import annotations

import pytest

from chatwarden.errors import Conflict, Forbidden, InputError, NotFound
from chatwarden.services import Services
from chatwarden.settings import Role
from tests.service.conftest import Cast


def _log(services: Services, cast: Cast, action: str) -> list[tuple[str, str | None, str]]:
    entries = services.modlog.list_entries(cast.olivia, cast.channel.id, action=action)
    return [(e.actor_name or "", e.target_name, e.reason) for e in entries]


def test_user_actions_are_the_buttons_actions(services: Services, cast: Cast) -> None:
    run, cid = services.commands.run, cast.channel.id
    done = run(cast.mike, cid, "/timeout @victor 90s caps lock")
    assert (done.command, done.message) == ("timeout", "victor is timed out for 90 s")
    access = services.channels.access_of(cast.victor, cid)
    assert access.timeout_left_s == pytest.approx(90, abs=1)
    (entry,) = services.modlog.list_entries(cast.olivia, cid, action="timeout")
    assert (entry.actor_name, entry.target_name, entry.reason) == ("mike", "victor", "caps lock")
    assert entry.details["duration_s"] == 90
    assert run(cast.mike, cid, "/untimeout victor").message == "victor's timeout is lifted"
    assert run(cast.mike, cid, "/timeout victor").message == "victor is timed out for 10 min"
    assert run(cast.mike, cid, "/ban victor spam bot").message == "victor is banned"
    assert services.channels.access_of(cast.victor, cid).banned
    assert _log(services, cast, "ban") == [("mike", "victor", "spam bot")]
    run(cast.lena, cid, "/unban victor")
    assert not services.channels.access_of(cast.victor, cid).banned
    run(cast.mike, cid, "/warn fiona keep it friendly")
    assert services.channels.access_of(cast.fiona, cid).warning == "keep it friendly"
    assert _log(services, cast, "warn") == [("mike", "fiona", "keep it friendly")]


def test_the_senders_permissions_are_checked(services: Services, cast: Cast) -> None:
    run, cid = services.commands.run, cast.channel.id
    for text in ("/ban fiona", "/timeout fiona 60", "/slow 5", "/shield", "/clear", "/vip fiona"):
        with pytest.raises(Forbidden):
            run(cast.victor, cid, text)  # a viewer
    with pytest.raises(Forbidden):
        run(cast.mike, cid, "/ban olivia")  # never the owner
    with pytest.raises(Forbidden):
        run(cast.mike, cid, "/timeout lena")  # nor a higher moderator
    with pytest.raises(Forbidden):
        run(cast.mike, cid, "/mod victor")  # moderators are made by leads
    with pytest.raises(Forbidden):
        run(cast.mike, cast.other.id, "/ban victor")  # not a moderator of that channel
    assert _log(services, cast, "ban") == []
    assert services.modes.get(cid).slow_mode_s == 0


def test_unknown_commands_and_users_are_errors(services: Services, cast: Cast) -> None:
    with pytest.raises(InputError, match="unknown command /frob"):
        services.commands.run(cast.mike, cast.channel.id, "/frob victor")
    with pytest.raises(NotFound, match="no user named 'nobody'"):
        services.commands.run(cast.mike, cast.channel.id, "/ban nobody")


def test_chat_modes(services: Services, cast: Cast) -> None:
    run, cid = services.commands.run, cast.channel.id
    run(cast.mike, cid, "/slow")
    run(cast.mike, cid, "/followers 10m")
    for text in ("/subscribers", "/emoteonly", "/uniquechat"):
        run(cast.mike, cid, text)
    modes = services.modes.get(cid)
    assert (modes.slow_mode_s, modes.followers_only_min_age_s) == (30, 600)
    assert modes.subscribers_only and modes.emote_only and modes.unique_chat
    for text in ("/slowoff", "/followersoff", "/subscribersoff", "/emoteonlyoff", "/uniquechatoff"):
        run(cast.mike, cid, text)
    assert services.modes.get(cid).model_dump() == {
        **modes.model_dump(),
        "slow_mode_s": 0,
        "followers_only_min_age_s": None,
        "subscribers_only": False,
        "emote_only": False,
        "unique_chat": False,
    }
    with pytest.raises(InputError, match="slow_mode_s"):
        run(cast.mike, cid, "/slow 1h")  # more than chat settings allow (120 s)


def test_shield_roles_delete_and_clear(services: Services, cast: Cast) -> None:
    run, cid = services.commands.run, cast.channel.id
    assert run(cast.mike, cid, "/shield raid").message == "Shield Mode is on"
    assert services.shield.status(cast.mike, cid).active
    run(cast.mike, cid, "/shieldoff")
    assert not services.shield.status(cast.mike, cid).active

    assert run(cast.lena, cid, "/mod victor").message == "victor is now a moderator"
    assert services.channels.role_of(cid, cast.victor.user_id) is Role.MODERATOR
    with pytest.raises(Conflict, match="victor is not a vip"):
        run(cast.lena, cid, "/unvip victor")
    run(cast.lena, cid, "/unmod victor")
    with pytest.raises(Forbidden):
        run(cast.mike, cid, "/vip fiona")  # VIPs are given by leads here
    run(cast.lena, cid, "/vip fiona")
    assert services.channels.role_of(cid, cast.fiona.user_id) is Role.VIP
    run(cast.lena, cid, "/unvip fiona")
    assert services.channels.role_of(cid, cast.fiona.user_id) is Role.FOLLOWER  # as before

    first = services.chat.send_message(cast.sam, cid, "hello there")
    services.chat.send_message(cast.sam, cid, "second line")
    assert first.message_id is not None
    run(cast.mike, cid, f"/delete {first.message_id}")
    assert [m.text for m in services.chat.recent_messages(cid)] == ["second line"]
    assert run(cast.mike, cid, "/clear").message == "chat cleared (1 messages removed)"
    assert services.chat.recent_messages(cid) == []
    (entry,) = services.modlog.list_entries(cast.olivia, cid, action="clear")
    assert (entry.actor_name, entry.details) == ("mike", {"messages": 1})
