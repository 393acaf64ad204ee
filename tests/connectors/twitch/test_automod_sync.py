"""Pulling and pushing a Twitch channel's AutoMod settings through a stored EventSub connection,
against the local fake Twitch, on SQLite and PostgreSQL: a pull goes through the settings
service (permission-checked, in the mod log), a push is in the mod log with what was sent, a
dry run changes nothing, what does not map is kept, and errors say what to do."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa

from chatwarden.categories import CATEGORIES
from chatwarden.connectors.twitch.automod_sync import AutoModSync, Direction, sync_automod
from chatwarden.errors import Forbidden, InputError, Unavailable
from chatwarden.model import Model
from chatwarden.service.platform.connections import ConnectionSpec, Credentials
from chatwarden.service.types import Actor
from chatwarden.services import Services, build_services
from chatwarden.settings import Role
from chatwarden.store.schema import mod_log
from chatwarden.store.secretbox import generate_key
from tests.connectors.twitch.fake import (
    BOT,
    BROADCASTER,
    CLIENT_ID,
    CLIENT_SECRET,
    REFRESH_TOKEN,
    TOKEN,
    FakeTwitch,
    fixture,
    running,
)
from tests.service.conftest import make_actor, make_config

TWITCH = ConnectionSpec("twitch", "eventsub", "cool_streamer", "cw_bot", client_id=CLIENT_ID)
PUT = ("PUT", "/helix/moderation/automod/settings")


@pytest.fixture
def keyed(database_url: str, model: Model) -> Iterator[Services]:
    svc = build_services(
        make_config(database_url, connector_keys=generate_key()), model=model, migrate=False
    )
    try:
        yield svc
    finally:
        svc.close()


def setup(services: Services, creds: Credentials | None = None) -> tuple[Actor, int, int]:
    """Channel ``alpha`` (owner olivia) with a Twitch connection; (owner, channel, connection)."""
    owner = make_actor(services, "olivia")
    channel = services.channels.create_channel(owner, "alpha")
    made = services.connections.add(owner, channel.id, TWITCH, creds or Credentials(TOKEN))
    return owner, channel.id, made.id


def sync(
    services: Services,
    actor: Actor,
    connection_id: int,
    direction: Direction,
    fake: FakeTwitch,
    **kw: Any,
) -> AutoModSync:
    async def main() -> AutoModSync:
        async with running(fake):
            return await sync_automod(
                services,
                actor,
                connection_id,
                direction,
                helix_url=fake.helix_url,
                token_url=fake.token_url,
                **kw,
            )

    return asyncio.run(main())


def twitch_at_level_3(fake: FakeTwitch) -> dict[str, Any]:
    row: dict[str, Any] = fixture("helix/update_automod_settings.response.json")["data"][0]
    fake.automod[BROADCASTER["id"]] = dict(row)
    return row


def logged(services: Services, action: str) -> list[dict[str, Any]]:
    with services.db.read() as conn:
        rows = conn.execute(sa.select(mod_log.c.details).where(mod_log.c.action == action))
        return [d if isinstance(d, dict) else json.loads(d) for d in rows.scalars()]


def test_pull_makes_twitchs_levels_the_channels_through_the_service(keyed: Services) -> None:
    owner, channel_id, cid = setup(keyed)
    keyed.automod.update_settings(owner, channel_id, {"vip_exempt": False})
    fake = FakeTwitch()
    row = twitch_at_level_3(fake)

    dry = sync(keyed, owner, cid, "pull", fake, dry_run=True)
    assert dry.dry_run and not dry.changed
    assert {d.field for d in dry.before} >= {"overall_level"}
    assert keyed.automod.get_settings(owner, channel_id).overall_level == 2  # unchanged
    assert len(logged(keyed, "automod.settings.update")) == 1  # only the vip_exempt change

    done = sync(keyed, owner, cid, "pull", fake)
    assert done.changed and done.after == []
    now = keyed.automod.get_settings(owner, channel_id)
    assert now.overall_level == 3
    assert now.category_levels() == {c: row[c] for c in CATEGORIES}
    assert now.vip_exempt is False  # ChatWarden only: kept, and said so
    assert any(n.startswith("vip_exempt=false") for n in done.not_mapped)
    pulled = logged(keyed, "automod.settings.update")[-1]
    assert pulled["via"] == f"twitch connection {cid} (cli)"
    assert pulled["after"]["overall_level"] == 3
    assert not fake.helix_calls(*PUT)  # a pull never writes to Twitch

    again = sync(keyed, owner, cid, "pull", fake)
    assert again.before == [] and not again.changed
    assert len(logged(keyed, "automod.settings.update")) == 2


def test_push_writes_the_channels_levels_to_twitch_and_logs_what_was_sent(
    keyed: Services,
) -> None:
    owner, channel_id, cid = setup(keyed)
    keyed.automod.update_settings(owner, channel_id, {"levels": {"swearing": 4}})
    fake = FakeTwitch()
    ours = keyed.automod.get_settings(owner, channel_id).category_levels()

    dry = sync(keyed, owner, cid, "push", fake, dry_run=True)
    assert dry.sent == ours and not fake.helix_calls(*PUT)
    assert logged(keyed, "connection.automod_push") == []

    done = sync(keyed, owner, cid, "push", fake, via="api")
    (put,) = fake.helix_calls(*PUT)
    assert put.body == ours and "overall_level" not in put.body  # never both
    assert {c: fake.automod[BROADCASTER["id"]][c] for c in CATEGORIES} == ours
    assert fake.automod[BROADCASTER["id"]]["overall_level"] is None
    assert done.after == []
    (entry,) = logged(keyed, "connection.automod_push")
    assert entry == {
        "connection_id": cid,
        "platform": "twitch",
        "room": "cool_streamer",
        "sent": ours,
        "differs": [],
        "via": "api",
    }
    assert keyed.automod.get_settings(owner, channel_id).category_levels() == ours


def test_a_pushed_preset_is_sent_as_overall_level_and_twitchs_answer_is_reported(
    keyed: Services,
) -> None:
    owner, channel_id, cid = setup(keyed)
    keyed.automod.update_settings(owner, channel_id, {"overall_level": 3})
    fake = FakeTwitch()
    done = sync(keyed, owner, cid, "push", fake)
    (put,) = fake.helix_calls(*PUT)
    assert put.body == {"overall_level": 3}
    # Twitch applies its own preset: where its levels differ from ChatWarden's, they are named
    row = fixture("helix/update_automod_settings.response.json")["data"][0]
    ours = keyed.automod.get_settings(owner, channel_id).category_levels()
    assert {d.field for d in done.after} == {c for c in CATEGORIES if ours[c] != row[c]}


def test_only_the_owner_may_and_only_through_a_twitch_eventsub_connection(
    keyed: Services,
) -> None:
    owner, channel_id, cid = setup(keyed)
    lena = make_actor(keyed, "lena")
    keyed.channels.set_role(owner, channel_id, lena.user_id, Role.LEAD_MODERATOR)
    fake = FakeTwitch()
    with pytest.raises(Forbidden):
        sync(keyed, lena, cid, "pull", fake)
    irc = keyed.connections.add(
        owner,
        channel_id,
        ConnectionSpec("irc", "irc.example.net:6697", "#alpha", "cwbot", True),
        Credentials("server-pass"),
    )
    with pytest.raises(InputError, match="not a Twitch EventSub connection"):
        sync(keyed, owner, irc.id, "push", fake)
    assert fake.requests == []


def test_errors_say_which_scope_or_role_is_missing_and_never_the_token(keyed: Services) -> None:
    owner, channel_id, cid = setup(keyed)
    keyed.automod.update_settings(owner, channel_id, {"overall_level": 1})
    fake = FakeTwitch(scopes={"moderator:read:automod_settings"})
    with pytest.raises(Forbidden) as caught:
        sync(keyed, owner, cid, "push", fake)
    message = caught.value.message
    assert "lacks the scope moderator:manage:automod_settings" in message
    assert f"chatwarden connect update {cid}" in message and TOKEN not in message
    assert logged(keyed, "connection.automod_push") == []

    fake = FakeTwitch()
    fake.moderators.discard(BOT["id"])
    with pytest.raises(Forbidden, match="'cw_bot' is not a moderator of 'cool_streamer'"):
        sync(keyed, owner, cid, "pull", fake)
    assert keyed.automod.get_settings(owner, channel_id).overall_level == 1


def test_an_expired_token_is_refreshed_and_the_new_pair_stored(keyed: Services) -> None:
    owner, channel_id, cid = setup(keyed, Credentials(TOKEN, None, REFRESH_TOKEN, CLIENT_SECRET))
    fake = FakeTwitch()
    fake.expire()
    twitch_at_level_3(fake)
    done = sync(keyed, owner, cid, "pull", fake)
    assert done.changed and fake.refreshed == 1
    stored = keyed.connections.runnable(cid).credentials
    assert (stored.secret, stored.refresh_token) == (fake.token, fake.refresh_token)
    assert len(logged(keyed, "connection.token_refresh")) == 1


def test_twitch_unreachable_is_a_clear_error_not_a_traceback(keyed: Services) -> None:
    owner, _, cid = setup(keyed)
    with socket.socket() as free:  # a port nothing listens on once closed
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    with pytest.raises(Unavailable) as err:
        asyncio.run(
            sync_automod(keyed, owner, cid, "pull", helix_url=f"http://127.0.0.1:{port}/helix")
        )
    assert f"connection {cid}: Twitch could not be reached (ConnectError)" in err.value.message
    assert TOKEN not in err.value.message
