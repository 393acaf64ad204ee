"""Matrix policy rooms against a real homeserver (Synapse on loopback), through the runner and
the real services: a rule naming a member bans them in the room and in ChatWarden's mod log
(the rule's reason, the policy room as its source); a new member is checked on joining; a rule
added while running applies at once; a removed rule stops applying without unbanning; and
ChatWarden's bans are published to a policy room as ``m.policy.rule.user`` events."""

from __future__ import annotations

import asyncio
from typing import Any

from chatwarden.connectors.matrix.client import MatrixConnector
from chatwarden.connectors.runner import ConnectorRunner
from chatwarden.service.chat.platform import PlatformSender
from chatwarden.service.types import Actor
from chatwarden.services import Services
from tests.connectors.matrix.conftest import Room
from tests.connectors.matrix.synapse import SERVER_NAME, MatrixUser, Synapse
from tests.connectors.matrix.test_client import owner_of, say, seen, session, text, until


def policy_room(server: Synapse, creator: MatrixUser, writers: dict[str, int]) -> str:
    body = {
        "preset": "public_chat",
        "name": "ban list",
        "power_level_content_override": {"users": writers},
    }
    return str(server.api(creator, "POST", "/_matrix/client/v3/createRoom", json=body)["room_id"])


def put_rule(
    server: Synapse, user: MatrixUser, room_id: str, event_type: str, key: str, content: Any
) -> None:
    path = f"/_matrix/client/v3/rooms/{room_id}/state/{event_type}/{key}"
    server.api(user, "PUT", path, json=content)


def join(server: Synapse, user: MatrixUser, room_id: str) -> None:
    server.api(user, "POST", f"/_matrix/client/v3/join/{room_id}", json={})


def membership(room: Room, user: MatrixUser) -> str:
    return str(room.state("m.room.member", user.user_id)["membership"])


def ban_rule(entity: str, reason: str) -> dict[str, str]:
    return {"entity": entity, "reason": reason, "recommendation": "m.ban"}


def test_policy_rules_ban_members_on_start_on_join_and_when_added(
    services: Services, room: Room
) -> None:
    server = room.server
    curator = server.register(f"curator{room.room_id[1:8].lower()}")
    lst = policy_room(server, curator, {})
    glob = room.viewer.user_id.replace(SERVER_NAME, "*")  # @bobN:* names the viewer
    put_rule(server, curator, lst, "m.policy.rule.user", "r1", ban_rule(glob, "spam ring"))
    late = server.register(f"late{room.room_id[1:8].lower()}")
    put_rule(
        server,
        curator,
        lst,
        "org.matrix.mjolnir.rule.user",  # the legacy type, as older Mjolnir lists have it
        "r2",
        {"entity": late.user_id, "reason": "raid", "recommendation": "org.matrix.mjolnir.ban"},
    )
    carol = server.register(f"carol{room.room_id[1:8].lower()}")
    put_rule(server, curator, lst, "m.policy.rule.user", "r3", ban_rule(carol.user_id, "old"))
    put_rule(server, curator, lst, "m.policy.rule.user", "r3", {})  # removed again
    mod_rule = ban_rule(room.mod.user_id, "a moderator")  # at the bot's level: not bannable
    put_rule(server, curator, lst, "m.policy.rule.user", "r5", mod_rule)
    dave = server.register(f"dave{room.room_id[1:8].lower()}")
    join(server, dave, room.room_id)
    channel: dict[str, int] = {}

    async def body(connector: MatrixConnector, runner: ConnectorRunner) -> None:
        channel["id"] = await runner.start()
        await until(lambda: membership(room, room.viewer) == "ban")  # a member at start
        await asyncio.to_thread(join, server, late, room.room_id)
        await until(lambda: membership(room, late) == "ban")  # a member joining
        await asyncio.to_thread(join, server, carol, room.room_id)  # a removed rule: stays
        await say(server, carol, room.room_id, text("hello"))
        await until(lambda: seen(runner) == 1)
        assert membership(room, carol) == "join"
        assert membership(room, dave) == "join"
        rule = ban_rule(dave.user_id, "added later")
        await asyncio.to_thread(put_rule, server, curator, lst, "m.policy.rule.user", "r4", rule)
        await until(lambda: membership(room, dave) == "ban")  # a rule added while running
        # the viewer's rule removed: they stay banned (nothing unbans automatically)
        await asyncio.to_thread(put_rule, server, curator, lst, "m.policy.rule.user", "r1", {})
        await until(lambda: connector.policies.match(room.viewer.user_id) is None)

    connector, runner = asyncio.run(session(services, room, body, policy_rooms=(lst,)))
    assert connector.applier.failed == []
    assert membership(room, room.viewer) == "ban"
    assert membership(room, room.mod) == "join"
    assert room.state("m.room.member", room.viewer.user_id)["reason"] == (
        f"spam ring (policy list {lst})"
    )
    owner = owner_of(services, channel["id"])
    entries = services.modlog.list_entries(owner, channel["id"], action="ban")
    logged = {e.target_user_id: (e.reason, e.details.get("source")) for e in entries}

    def uid(user: MatrixUser) -> int:
        return runner.platform.actor(PlatformSender("matrix", user.user_id, user.user_id)).user_id

    assert logged == {
        uid(room.viewer): (f"spam ring (policy list {lst})", lst),
        uid(late): (f"raid (policy list {lst})", lst),
        uid(dave): (f"added later (policy list {lst})", lst),
    }
    bot = runner.platform.actor(PlatformSender("matrix", room.bot.user_id, room.bot.user_id))
    assert {e.actor_id for e in entries} == {bot.user_id}


def test_chatwardens_bans_are_published_to_a_policy_room_and_withdrawn_on_unban(
    services: Services, room: Room
) -> None:
    server = room.server
    lst = policy_room(server, room.owner, {room.bot.user_id: 50})

    async def body(connector: MatrixConnector, runner: ConnectorRunner) -> None:
        await say(server, room.viewer, room.room_id, text("hello there"))
        await until(lambda: seen(runner) == 1)
        channel_id = await runner.start()
        owner = owner_of(services, channel_id)
        bob = runner.platform.actor(
            PlatformSender("matrix", room.viewer.user_id, room.viewer.user_id)
        ).user_id
        await asyncio.to_thread(services.actions.ban, owner, channel_id, bob, "threats")
        await until(lambda: len(connector.applier.sent) == 2)
        rule = room.server.api(
            room.owner,
            "GET",
            f"/_matrix/client/v3/rooms/{lst}/state/m.policy.rule.user/rule:{room.viewer.user_id}",
        )
        assert rule == ban_rule(room.viewer.user_id, "threats")
        await asyncio.to_thread(services.actions.unban, owner, channel_id, bob)
        await until(lambda: len(connector.applier.sent) == 4)

    connector, _ = asyncio.run(session(services, room, body, publish_room=lst))
    assert [c.kind for c in connector.applier.sent] == ["ban", "state", "unban", "state"]
    assert connector.applier.failed == []
    path = f"/_matrix/client/v3/rooms/{lst}/state/m.policy.rule.user/rule:{room.viewer.user_id}"
    assert room.server.api(room.owner, "GET", path) == {}  # withdrawn: an empty rule
    assert membership(room, room.viewer) == "leave"


def test_in_a_channel_its_owner_connected_a_list_ban_is_the_owners_in_the_mod_log(
    services: Services, room: Room
) -> None:
    """The bot holds no role in a channel a person made: the owner chose to follow the list,
    so the ban is theirs (with the list as its source), and it is still carried out."""
    olivia = services.accounts.register("olivia_mx", "a long enough password 1")
    owner = Actor(olivia.id, olivia.username)
    channel = services.channels.create_channel(owner, "matrixchat")
    server = room.server
    lst = policy_room(server, room.owner, {})
    put_rule(
        server, room.owner, lst, "m.policy.rule.user", "r1", ban_rule(room.viewer.user_id, "bot")
    )

    async def body(connector: MatrixConnector, runner: ConnectorRunner) -> None:
        await until(lambda: membership(room, room.viewer) == "ban")

    _, runner = asyncio.run(session(services, room, body, policy_rooms=(lst,)))
    (entry,) = services.modlog.list_entries(owner, channel.id, action="ban")
    assert (entry.actor_id, entry.reason) == (olivia.id, f"bot (policy list {lst})")
    assert entry.details["source"] == lst
    assert runner.stats.last_error is None
