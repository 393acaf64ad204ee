"""Shadow mode on SQLite and PostgreSQL: a candidate runs beside the live policy in the tick,
without effects; disagreement and agreement with the moderators match a hand count."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from chatwarden.clock import FakeClock
from chatwarden.config import AnalyticsSettings, ServiceConfig
from chatwarden.errors import ConfigError, Forbidden, InputError
from chatwarden.model import BUNDLED_DIR, Model
from chatwarden.services import Services, build_services
from tests.service.conftest import Cast, make_config

HARSH = "you are a worthless idiot and everyone hates you"  # held at the default level 2
CANDIDATE = {"overall_level": 0, "terms": [{"text": "pineapple"}]}


def _item(services: Services, cast: Cast, message_id: str | None) -> int:
    items = services.review.list_pending(cast.mike, cast.channel.id)
    return next(i.id for i in items if i.message.id == message_id)


def test_disagreement_and_agreement_with_moderators(
    services: Services, cast: Cast, clock: FakeClock
) -> None:
    cid = cast.channel.id
    services.chat.send_message(cast.victor, cid, "pineapple before the candidate")  # not evaluated
    start = clock.now()
    config = services.shadow.configure(cast.olivia, cid, candidate_settings=CANDIDATE)
    assert config["enabled"] and config["rev"] == 1
    assert config["candidate_settings"] == {"overall_level": 0, "terms": [_term("pineapple")]}
    clock.advance(1)
    # live allow, candidate block
    pine = services.chat.send_message(cast.victor, cid, "i like pineapple")
    harsh1 = services.chat.send_message(cast.mallory, cid, HARSH)  # live hold, cand allow
    services.chat.send_message(cast.sam, cid, "gg")  # both allow
    harsh2 = services.chat.send_message(cast.mallory, cid, HARSH)  # live hold, cand allow
    assert (pine.status, harsh1.status, harsh2.status) == ("delivered", "held", "held")
    services.review.resolve(cast.mike, _item(services, cast, harsh1.message_id), "deny")
    services.review.resolve(cast.mike, _item(services, cast, harsh2.message_id), "allow")
    services.actions.delete_message(cast.mike, cid, str(pine.message_id))
    services.tick()  # inside the grace period: nothing evaluated yet
    assert services.shadow.results(cast.mike, cid, start)["summary"]["evaluated"] == 0
    clock.advance(10)
    services.tick()
    body = services.shadow.results(cast.mike, cid, start, clock.now(), "minute")
    s = body["summary"]
    assert s["evaluated"] == 4
    assert s["disagreements"] == 3
    assert (s["candidate_stricter"], s["candidate_looser"]) == (1, 2)
    # judged: pineapple (deleted: harmful), harsh1 (denied: harmful), harsh2 (allowed: fine)
    assert s["judged"] == 3
    assert s["live_agrees"] == 1  # harsh1 only
    assert s["candidate_agrees"] == 2  # pineapple and harsh2
    assert sum(b["evaluated"] for b in body["buckets"]) == 4
    newest = body["samples"][0]
    assert newest["message_id"] == harsh2.message_id
    assert (newest["live_action"], newest["candidate_action"]) == ("hold", "allow")
    pine_sample = next(x for x in body["samples"] if x["message_id"] == pine.message_id)
    assert pine_sample["verdict"] == "harmful"
    assert pine_sample["candidate_reasons"][0]["term"] == "pineapple"
    # no effects: the live statuses are what the moderators made them
    assert [m.text for m in services.chat.recent_messages(cid)] == [
        "pineapple before the candidate",
        "gg",
        HARSH,
    ]
    assert services.shadow.evaluate(force=True) == 0  # evaluated once only
    assert services.shadow.results(cast.mike, cid, start)["summary"]["evaluated"] == 4
    entries = services.modlog.list_entries(cast.olivia, cid, action="shadow.update")
    assert len(entries) == 1


def _term(text: str) -> dict[str, object]:
    return {
        "text": text,
        "kind": "blocked",
        "private": False,
        "scope": "channel",
        "is_regex": False,
    }


def test_new_candidate_starts_a_new_revision_and_disable_keeps_results(
    services: Services, cast: Cast, clock: FakeClock, database_url: str, model: Model
) -> None:
    cid = cast.channel.id
    start = clock.now()
    services.shadow.configure(cast.lena, cid, candidate_settings={"overall_level": 4})
    services.chat.send_message(cast.sam, cid, "damn that was close")
    clock.advance(10)
    other = build_services(make_config(database_url), clock=clock, model=model, migrate=False)
    try:
        assert other.shadow.evaluate(force=True) == 1
        assert services.shadow.evaluate(force=True) == 0  # the other process did it
    finally:
        other.close()
    assert services.shadow.results(cast.mike, cid, start)["summary"]["evaluated"] == 1
    disabled = services.shadow.disable(cast.olivia, cid)
    assert disabled is not None and not disabled["enabled"] and disabled["rev"] == 1
    assert services.shadow.results(cast.mike, cid, start)["summary"]["evaluated"] == 1
    services.chat.send_message(cast.sam, cid, "one more")
    clock.advance(10)
    assert services.shadow.evaluate(force=True) == 0  # disabled
    again = services.shadow.configure(cast.olivia, cid, candidate_model="bundled")
    assert again["rev"] == 2 and again["candidate_settings"] is None
    assert services.shadow.results(cast.mike, cid, start)["summary"]["evaluated"] == 0


def test_bad_candidates_and_permissions(services: Services, cast: Cast) -> None:
    cid = cast.channel.id
    with pytest.raises(InputError, match="give candidate"):
        services.shadow.configure(cast.olivia, cid)
    with pytest.raises(InputError, match="unknown key"):
        services.shadow.configure(cast.olivia, cid, candidate_settings={"colour": "red"})
    with pytest.raises(InputError, match="overall_level"):
        services.shadow.configure(cast.olivia, cid, candidate_settings={"overall_level": 9})
    with pytest.raises(InputError, match="unknown candidate_model"):
        services.shadow.configure(cast.olivia, cid, candidate_model="gpt")
    for actor in (cast.mike, cast.vera, cast.victor, cast.bob):
        with pytest.raises(Forbidden):
            services.shadow.configure(actor, cid, candidate_settings={"overall_level": 1})
    for actor in (cast.vera, cast.victor, cast.bob):
        with pytest.raises(Forbidden):
            services.shadow.results(actor, cid)
    assert services.shadow.get_config(cast.mike, cid) is None
    now = services.clock.now()
    with pytest.raises(InputError):
        services.shadow.results(cast.mike, cid, now, now - timedelta(seconds=1))


def test_candidate_models_registered_by_the_operator(
    cast: Cast, clock: FakeClock, database_url: str, model: Model, tmp_path: Path
) -> None:
    settings = AnalyticsSettings(
        shadow_models={"v2": str(BUNDLED_DIR), "broken": str(tmp_path / "missing")}
    )
    svc = build_services(
        make_config(database_url), clock=clock, model=model, migrate=False, analytics=settings
    )
    try:
        cid = cast.channel.id
        assert svc.shadow.model_names == ["broken", "bundled", "v2"]
        svc.shadow.configure(cast.olivia, cid, candidate_model="v2")
        svc.chat.send_message(cast.victor, cid, "gg everyone")
        svc.chat.send_message(cast.mallory, cid, HARSH)
        clock.advance(10)
        assert svc.shadow.evaluate(force=True) == 2
        summary = svc.shadow.results(cast.mike, cid)["summary"]
        assert (summary["evaluated"], summary["disagreements"]) == (2, 0)  # the same model
        svc.shadow.configure(cast.olivia, cid, candidate_model="broken")
        svc.chat.send_message(cast.victor, cid, "hello")
        clock.advance(10)
        assert svc.shadow.evaluate(force=True) == 0  # a model that does not load is skipped
    finally:
        svc.close()


def test_analytics_settings_from_the_environment() -> None:
    env = {
        "CHATWARDEN_ANALYTICS_ENABLED": "false",
        "CHATWARDEN_ANALYTICS_GRACE_S": "2.5",
        "CHATWARDEN_ANALYTICS_SHADOW_MODELS": "next=/srv/models/next, old=/srv/models/old",
    }
    settings = ServiceConfig.from_env(env).analytics
    assert not settings.enabled and settings.grace_s == 2.5
    assert settings.shadow_models == {"next": "/srv/models/next", "old": "/srv/models/old"}
    assert ServiceConfig.from_env({}).analytics == AnalyticsSettings()
    with pytest.raises(ConfigError, match="CHATWARDEN_ANALYTICS_GRACE_S"):
        ServiceConfig.from_env({"CHATWARDEN_ANALYTICS_GRACE_S": "soon"})


def test_cursor_moves_through_messages_sent_at_the_same_instant(
    services: Services, cast: Cast, clock: FakeClock
) -> None:
    """A group commit stores many messages with one timestamp: the (created_at, id) cursor
    still walks through them a batch at a time, each once."""
    from chatwarden.service.types import SendRequest

    cid = cast.channel.id
    services.shadow.configure(cast.olivia, cid, candidate_settings={"overall_level": 4})
    clock.advance(1)
    batch = [SendRequest(cast.victor, cid, f"message {i}", f"k{i}") for i in range(5)]
    services.chat.send_messages(batch)
    clock.advance(10)
    services.shadow.batch = 2
    assert [services.shadow.evaluate(force=True) for _ in range(4)] == [2, 2, 1, 0]
    assert services.shadow.results(cast.mike, cid)["summary"]["evaluated"] == 5
