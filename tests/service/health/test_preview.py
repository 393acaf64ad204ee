"""Policy preview over a channel's stored history, and its export (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from typer.testing import CliRunner

from chatwarden.cli import app
from chatwarden.clock import FakeClock
from chatwarden.errors import Forbidden, InputError, RateLimited
from chatwarden.pipeline import AutoMod
from chatwarden.replay import ChatRecord, parse_log
from chatwarden.replay.modes import ChatModes, ModeSimulator
from chatwarden.service.health import preview as preview_module
from chatwarden.services import Services
from chatwarden.settings import AutoModSettings, Role, TermSpec
from tests.service.conftest import Cast

#: (who, text): the history every test starts from, one message every 10 s
HISTORY = [
    ("victor", "hello chat, nice stream"),
    ("sam", "what a noob play lol"),
    ("fiona", "gg wp"),
    ("mallory", "you are a stupid idiot and i hate you"),
    ("mike", "noob questions are fine here"),  # a moderator: exempt
    ("victor", "noob noob noob"),
    ("vera", "that boss fight was insane"),
]


@pytest.fixture
def clock() -> FakeClock:
    # near the real time, so the `chatwarden export` command (system clock) sees the messages
    return FakeClock(datetime.now(UTC).replace(microsecond=0) - timedelta(days=1))


def send_history(services: Services, cast: Cast, clock: FakeClock) -> None:
    for who, text in HISTORY:
        services.chat.send_message(getattr(cast, who), cast.channel.id, text)
        clock.advance(10)


def test_adding_a_term_previews_exactly_the_messages_with_it(
    services: Services, cast: Cast, clock: FakeClock
) -> None:
    send_history(services, cast, clock)
    out = services.preview.preview(cast.mike, cast.channel.id, {"add_terms": [{"text": "noob"}]})
    window = out["window"]
    assert window["messages_in_window"] == window["messages_replayed"] == len(HISTORY)
    assert window["capped"] is False and window["days"] == 7
    c = out["comparison"]
    # sam's and victor's messages become blocked; mike's is exempt
    before = AutoMod(AutoModSettings()).check_batch([HISTORY[1][1], HISTORY[5][1]])
    expected: dict[str, int] = {}
    for d in before:
        key = f"{d.action.value}->block"
        expected[key] = expected.get(key, 0) + 1
    assert c["differ"] == 2 and c["transitions"] == expected
    assert [s["user"] for s in c["samples"]] == ["sam", "victor"]
    assert out["proposed"]["blocked_terms"] == {"noob": 2}
    assert out["added_terms"][0]["text"] == "noob"
    assert out["current"]["counts"]["block"] == 0
    # the live decisions were made with the same settings: all agree
    assert out["current"]["recorded"] == {"with_recorded": 7, "agree": 7, "differ": 0}


def test_a_level_change_matches_the_pipeline(
    services: Services, cast: Cast, clock: FakeClock
) -> None:
    send_history(services, cast, clock)
    out = services.preview.preview(cast.lena, cast.channel.id, {"overall_level": 4})
    roles = {"mike": Role.MODERATOR, "vera": Role.VIP, "sam": Role.SUBSCRIBER}
    texts = [t for _, t in HISTORY]
    who = [roles.get(w) for w, _ in HISTORY]
    now = AutoMod(AutoModSettings()).check_batch(texts, roles=who)
    strict = AutoMod(AutoModSettings(overall_level=4)).check_batch(texts, roles=who)
    assert out["current"]["counts"]["hold"] == sum(d.action.value == "hold" for d in now)
    assert out["proposed"]["counts"]["hold"] == sum(d.action.value == "hold" for d in strict)
    differ = [HISTORY[i][0] for i in range(len(texts)) if now[i].action != strict[i].action]
    assert [s["user"] for s in out["comparison"]["samples"]] == differ
    assert out["proposed_settings"]["overall_level"] == 4
    # nothing was changed: the channel's settings are as before
    assert services.automod.get_settings(cast.olivia, cast.channel.id).overall_level == 2


def test_window_and_cap(
    services: Services, cast: Cast, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    services.chat.send_message(cast.victor, cast.channel.id, "an old noob message")
    clock.advance(8 * 86400)
    send_history(services, cast, clock)
    out = services.preview.preview(cast.mike, cast.channel.id, {"add_terms": [{"text": "noob"}]})
    assert out["window"]["messages_in_window"] == len(HISTORY)  # the old one is outside
    out = services.preview.preview(
        cast.mike, cast.channel.id, {"add_terms": [{"text": "noob"}]}, days=9
    )
    assert out["window"]["messages_in_window"] == len(HISTORY) + 1
    assert out["comparison"]["differ"] == 3
    monkeypatch.setattr(preview_module, "MAX_MESSAGES", 3)
    out = services.preview.preview(cast.mike, cast.channel.id, {"overall_level": 1})
    window = out["window"]
    assert window["capped"] is True and window["messages_replayed"] == 3
    assert window["messages_in_window"] == len(HISTORY)
    # the newest three: mike's, victor's and vera's
    assert sum(sum(v) for v in out["current"]["timeline"]["counts"].values()) == 3
    assert {s["user"] for s in out["current"]["samples"]} <= {"mike", "victor", "vera"}
    assert out["current"]["messages"] == 3


def test_bad_proposals_and_windows(services: Services, cast: Cast) -> None:
    cid = cast.channel.id
    for proposal, match in [
        ({}, "at least one"),
        ({"slow_mode_s": 3}, "unknown settings"),
        ({"overall_level": 9}, "overall_level"),
        ({"levels": {"bullying": 7}}, "levels.bullying"),
        ({"add_terms": "noob"}, "add_terms"),
        ({"add_terms": [{"text": "x", "kind": "weird"}]}, "kind"),
    ]:
        with pytest.raises(InputError, match=match):
            services.preview.preview(cast.mike, cid, proposal)
    for days in (0, 31):
        with pytest.raises(InputError, match="days must be 1-30"):
            services.preview.preview(cast.mike, cid, {"overall_level": 3}, days=days)


def test_who_may_preview_and_export(services: Services, cast: Cast) -> None:
    cid = cast.channel.id
    for actor in (cast.vera, cast.sam, cast.victor):
        with pytest.raises(Forbidden):
            services.preview.preview(actor, cid, {"overall_level": 3})
        with pytest.raises(Forbidden):
            services.preview.export_history(actor, cid)
    # a moderator of another channel has no rights here
    with pytest.raises(Forbidden):
        services.preview.preview(cast.bob, cid, {"overall_level": 3})
    # an API token needs moderation:read
    token = services.accounts.create_api_token(cast.mike, "bot", ["chat:write"]).token
    bot = services.accounts.authenticate(token)
    with pytest.raises(Forbidden, match="moderation:read"):
        services.preview.preview(bot, cid, {"overall_level": 3})
    reader = services.accounts.authenticate(
        services.accounts.create_api_token(cast.mike, "reader", ["moderation:read"]).token
    )
    assert services.preview.preview(reader, cid, {"overall_level": 3})["channel"] == "alpha"


def test_private_terms_stay_private_for_moderators(
    services: Services, cast: Cast, clock: FakeClock
) -> None:
    services.automod.add_term(cast.olivia, cast.channel.id, "noob", private=True)
    send_history(services, cast, clock)
    proposal = {"overall_level": 0}
    as_mod = services.preview.preview(cast.mike, cast.channel.id, proposal)
    assert as_mod["current"]["blocked_terms"] == {"(private term)": 2}
    assert all(
        r.get("term") is None
        for s in as_mod["comparison"]["samples"]
        for side in ("a", "b")
        for r in s[side].get("reasons", [])
        if r["kind"] != "category"
    )
    as_owner = services.preview.preview(cast.olivia, cast.channel.id, proposal)
    assert as_owner["current"]["blocked_terms"] == {"noob": 2}


def test_export_round_trips_through_replay(
    services: Services, cast: Cast, clock: FakeClock, database_url: str
) -> None:
    send_history(services, cast, clock)
    text, count, capped = services.preview.export_history(cast.mike, cast.channel.id)
    assert (count, capped) == (len(HISTORY), False)
    log = parse_log(text)
    assert log.format == "chatwarden-jsonl" and log.problem_count == 0
    assert [(r.user, r.text) for r in log.records] == HISTORY
    assert {r.user: r.role for r in log.records}["mike"] is Role.MODERATOR
    assert [r.recorded for r in log.records].count("hold") == sum(
        d.action.value == "hold"
        for d in AutoMod().check_batch(
            [t for _, t in HISTORY],
            roles=[
                {"mike": Role.MODERATOR, "vera": Role.VIP, "sam": Role.SUBSCRIBER}.get(w)
                for w, _ in HISTORY
            ],
        )
    )
    # the command-line export reads the same database
    result = CliRunner().invoke(
        app, ["export", "alpha", "--database-url", database_url, "--days", "3"]
    )
    assert result.exit_code == 0, result.output
    assert f"exported {len(HISTORY)} messages from #alpha" in result.output
    result = CliRunner().invoke(app, ["export", "nosuch", "--database-url", database_url])
    assert result.exit_code == 2 and "no channel" in result.output


def test_replay_modes_agree_with_the_chat_service(
    services: Services, cast: Cast, clock: FakeClock
) -> None:
    """The same script through the live service and through the replay's rule simulation."""
    services.modes.update(cast.olivia, cast.channel.id, {"slow_mode_s": 10, "unique_chat": True})
    script = [
        (0, "victor", "hi all"),
        (3, "victor", "hi again"),  # slow mode
        (4, "fiona", "HI ALL"),  # unique chat: same text 4 s later
        (5, "vera", "vip message"),
        (6, "vera", "vip again"),  # VIPs skip slow mode
        (7, "mike", "hi all"),  # moderators skip everything
        (12, "victor", "third try"),
        (40, "fiona", "hi all"),  # 40 s later: unique again
    ]
    start = clock.now()
    live = []
    for second, who, text in script:
        clock.advance((start + timedelta(seconds=second) - clock.now()).total_seconds())
        result = services.chat.send_message(getattr(cast, who), cast.channel.id, text)
        live.append(result.reason if result.status == "rejected" else None)
    roles = {"vera": Role.VIP, "mike": Role.MODERATOR, "fiona": Role.FOLLOWER}
    sim = ModeSimulator(ChatModes(slow_mode_s=10, unique_chat=True))
    replayed = [
        sim.check(ChatRecord(0, start + timedelta(seconds=s), who, text, role=roles.get(who)))
        for s, who, text in script
    ]
    assert live == replayed
    assert live.count(None) == 6  # the script does exercise the rules


def test_previews_at_once_are_limited(services: Services, cast: Cast, clock: FakeClock) -> None:
    send_history(services, cast, clock)
    slots = services.preview._slots
    for _ in range(preview_module.MAX_CONCURRENT):  # as if that many were running
        assert slots.acquire(blocking=False)
    try:
        with pytest.raises(RateLimited, match="already running"):
            services.preview.preview(cast.mike, cast.channel.id, {"overall_level": 3})
    finally:
        for _ in range(preview_module.MAX_CONCURRENT):
            slots.release()
    assert services.preview.preview(cast.mike, cast.channel.id, {"overall_level": 3})


def test_a_proposal_is_applied_like_a_settings_patch() -> None:
    current = AutoModSettings(overall_level=2, terms=(TermSpec(text="spoiler"),))
    one = preview_module.proposed_settings(current, {"levels": {"bullying": 4}})
    assert one.overall_level == 2 and one.category_levels()["bullying"] == 4
    assert one.category_levels()["aggression"] == current.category_levels()["aggression"]
    custom = AutoModSettings(overall_level=3, levels={"swearing": 2})
    preset = preview_module.proposed_settings(custom, {"overall_level": 1})
    assert preset.levels == {} and preset.category_levels()["swearing"] == 0  # a preset resets
    added = preview_module.proposed_settings(current, {"add_terms": [{"text": "noob"}]})
    assert [t.text for t in added.terms] == ["spoiler", "noob"]
