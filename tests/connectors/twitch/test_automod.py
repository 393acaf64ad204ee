"""Twitch's AutoMod settings through Helix (Get and Update AutoMod Settings) against the local
fake Twitch, which serves the documented shapes (``tests/fixtures/twitch/helix/``), and the pure
mapping between them and ChatWarden's ``AutoModSettings``."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import pytest

from chatwarden.categories import CATEGORIES, preset
from chatwarden.connectors.twitch import automod
from chatwarden.connectors.twitch.automod import TwitchAutoMod
from chatwarden.connectors.twitch.helix import Helix, HelixAuthError, HelixError, HelixScopeError
from chatwarden.connectors.twitch.oauth import TokenRefresher
from chatwarden.connectors.twitch.parse import HelixRequest
from chatwarden.settings import AutoModSettings
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

T = TypeVar("T")
IDS = (BROADCASTER["id"], BOT["id"])
PARAMS = (("broadcaster_id", BROADCASTER["id"]), ("moderator_id", BOT["id"]))
SETTINGS = ("PUT", "/helix/moderation/automod/settings")


def with_helix(
    scenario: Callable[[FakeTwitch, Helix], Awaitable[T]],
    fake: FakeTwitch | None = None,
    *,
    refresh: bool = False,
) -> tuple[FakeTwitch, T]:
    fake = fake or FakeTwitch()

    async def main() -> T:
        async with running(fake):
            refresher = (
                TokenRefresher(CLIENT_ID, CLIENT_SECRET, REFRESH_TOKEN, token_url=fake.token_url)
                if refresh
                else None
            )
            helix = Helix(
                CLIENT_ID,
                TOKEN,
                base_url=fake.helix_url,
                refresh=refresher.refresh if refresher is not None else None,
            )
            try:
                return await scenario(fake, helix)
            finally:
                await helix.aclose()
                if refresher is not None:
                    await refresher.aclose()

    result = asyncio.run(main())
    return fake, result


def documented(name: str) -> dict[str, Any]:
    row: dict[str, Any] = fixture(f"helix/{name}")["data"][0]
    return row


# -- the contract, against the fake --------------------------------------------------------------


def test_get_sends_the_documented_query_and_reads_the_documented_answer() -> None:
    async def scenario(fake: FakeTwitch, helix: Helix) -> TwitchAutoMod:
        return await helix.automod_settings(*IDS)

    fake, got = with_helix(scenario)
    (call,) = fake.helix_calls("GET", "/helix/moderation/automod/settings")
    assert call.params == {"broadcaster_id": "1337", "moderator_id": "9001"} and call.body is None
    row = documented("get_automod_settings.response.json")
    assert got == TwitchAutoMod(None, {c: row[c] for c in CATEGORIES})


def test_update_with_overall_level_sends_only_it_and_reads_the_levels_twitch_set() -> None:
    async def scenario(fake: FakeTwitch, helix: Helix) -> tuple[TwitchAutoMod, TwitchAutoMod]:
        put = await helix.update_automod_settings(*IDS, {"overall_level": 3})
        return put, await helix.automod_settings(*IDS)

    fake, (put, got) = with_helix(scenario)
    (call,) = fake.helix_calls(*SETTINGS)
    assert call.body == fixture("helix/update_automod_settings.request.overall.json")
    assert call.params == {"broadcaster_id": "1337", "moderator_id": "9001"}
    row = documented("update_automod_settings.response.json")  # Twitch's documented level 3
    assert put == got == TwitchAutoMod(3, {c: row[c] for c in CATEGORIES})


def test_update_with_individual_levels_sets_the_ones_left_out_to_zero() -> None:
    async def scenario(fake: FakeTwitch, helix: Helix) -> TwitchAutoMod:
        await helix.update_automod_settings(*IDS, {"overall_level": 4})
        return await helix.update_automod_settings(*IDS, {"swearing": 2})

    _, got = with_helix(scenario)
    assert got.overall_level is None
    assert got.levels == {c: 2 if c == "swearing" else 0 for c in CATEGORIES}


def test_overall_level_and_individual_levels_together_are_refused_before_and_by_twitch() -> None:
    with pytest.raises(ValueError, match="overall_level or the individual AutoMod levels, not"):
        automod.update_request(*IDS, {"overall_level": 2, "swearing": 1})
    for bad in ({}, {"swearing": 5}, {"swearing": True}, {"profanity": 1}):
        with pytest.raises(ValueError):
            automod.update_request(*IDS, bad)

    async def scenario(fake: FakeTwitch, helix: Helix) -> HelixError:
        with pytest.raises(HelixError) as caught:  # Twitch's own check, past ours
            await helix.call(
                HelixRequest("PUT", automod.PATH, PARAMS, {"overall_level": 2, "swearing": 1})
            )
        return caught.value

    fake, error = with_helix(scenario)
    assert error.status == 400 and "mutually exclusive" in error.message
    assert fake.automod == {}  # nothing changed


def test_a_missing_scope_is_reported_at_once_without_refreshing_the_token() -> None:
    async def scenario(fake: FakeTwitch, helix: Helix) -> tuple[TwitchAutoMod, HelixScopeError]:
        got = await helix.automod_settings(*IDS)  # read is allowed
        with pytest.raises(HelixScopeError) as caught:
            await helix.update_automod_settings(*IDS, {"overall_level": 1})
        return got, caught.value

    fake = FakeTwitch(scopes={"moderator:read:automod_settings"})
    fake, (got, error) = with_helix(scenario, fake, refresh=True)
    assert got.overall_level is None
    assert isinstance(error, HelixAuthError) and error.status == 401
    assert error.scope == "moderator:manage:automod_settings"
    assert fake.refreshed == 0  # a refreshed token has the same scopes


def test_a_bot_that_is_not_a_moderator_gets_twitchs_403() -> None:
    async def scenario(fake: FakeTwitch, helix: Helix) -> HelixError:
        with pytest.raises(HelixError) as caught:
            await helix.automod_settings(*IDS)
        return caught.value

    fake = FakeTwitch()
    fake.moderators.discard(BOT["id"])
    _, error = with_helix(scenario, fake)
    assert error.status == 403 and not isinstance(error, HelixAuthError)
    assert error.message == fixture("helix/error_403.json")["message"]


def test_an_expired_token_is_refreshed_and_the_settings_call_made_again() -> None:
    async def scenario(fake: FakeTwitch, helix: Helix) -> TwitchAutoMod:
        fake.expire()
        return await helix.update_automod_settings(*IDS, {"overall_level": 1})

    fake, got = with_helix(scenario, refresh=True)
    assert fake.refreshed == 1 and got.overall_level == 1
    assert len(fake.helix_calls(*SETTINGS)) == 1


def test_an_answer_not_shaped_as_documented_is_refused() -> None:
    row = documented("get_automod_settings.response.json")
    with pytest.raises(ValueError, match="bullying"):
        automod.parse_settings({"data": [{**row, "bullying": 5}]})
    with pytest.raises(ValueError, match="overall_level"):
        automod.parse_settings({"data": [{**row, "overall_level": "3"}]})
    with pytest.raises(ValueError, match="one settings object"):
        automod.parse_settings({"data": []})
    extra = automod.parse_settings({"data": [{**row, "new_category": 1}]})
    assert extra.unknown == ("new_category",)


# -- the mapping (pure) ---------------------------------------------------------------------


def test_a_pulled_preset_keeps_twitchs_levels_exactly_with_overrides_where_presets_differ() -> None:
    row = documented("update_automod_settings.response.json")
    twitch = automod.parse_settings({"data": [{**row, "overall_level": 2}]})
    patch = automod.pull_patch(twitch)
    assert patch["overall_level"] == 2
    assert patch["levels"] == {c: row[c] for c in CATEGORIES if row[c] != preset(2)[c]}
    pulled = AutoModSettings(**patch)
    assert pulled.category_levels() == twitch.levels
    assert automod.differences(pulled, twitch) == []


def test_pulled_individual_levels_become_the_channels_with_no_preset() -> None:
    levels = dict.fromkeys(CATEGORIES, 0) | {"swearing": 2, "misogyny": 4}
    twitch = TwitchAutoMod(None, levels)  # type: ignore[arg-type]
    pulled = AutoModSettings(**automod.pull_patch(twitch))
    assert pulled.overall_level is None and pulled.category_levels() == levels


def test_push_sends_a_pure_preset_as_overall_level_and_anything_else_as_every_level() -> None:
    assert automod.push_body(AutoModSettings(overall_level=2)) == {"overall_level": 2}
    same = AutoModSettings(overall_level=2, levels={"aggression": preset(2)["aggression"]})
    assert automod.push_body(same) == {"overall_level": 2}
    custom = AutoModSettings(overall_level=2, levels={"swearing": 3})
    body = automod.push_body(custom)
    assert "overall_level" not in body and set(body) == set(CATEGORIES)
    assert body == {**preset(2), "swearing": 3}
    automod.update_request(*IDS, body)  # what push sends, Twitch's rule holds


def test_differences_name_the_preset_and_each_category_that_differs() -> None:
    twitch = TwitchAutoMod(None, dict.fromkeys(CATEGORIES, 0))  # type: ignore[arg-type]
    found = automod.differences(AutoModSettings(overall_level=1), twitch)
    assert found[0] == automod.Difference("overall_level", 1, None)
    assert {d.field for d in found[1:]} == {c for c, v in preset(1).items() if v}


def test_what_does_not_map_is_reported_never_dropped() -> None:
    settings = AutoModSettings(
        vip_exempt=False, learned={"bullying": 0.5}, learned_head={"weights": []}
    )
    twitch = TwitchAutoMod(None, dict.fromkeys(CATEGORIES, 0), ("new_category",))  # type: ignore[arg-type]
    notes = automod.not_mapped(settings, twitch)
    assert any("vip_exempt=false" in n and "kept" in n for n in notes)
    assert any("terms" in n for n in notes)
    assert any("learned shifts (bullying +0.5)" in n for n in notes)
    assert any("learned head" in n for n in notes)
    assert any("new_category" in n and "not mapped" in n for n in notes)
    assert "vip_exempt" not in automod.pull_patch(twitch)  # a pull never touches them
