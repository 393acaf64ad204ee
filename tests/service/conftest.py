"""Service fixtures: a ``Services`` on each database, a fake clock, and a cast of personas.

Personas in channel ``alpha`` (owned by ``olivia``): ``lena`` lead moderator, ``mike``
moderator, ``vera`` VIP, ``sam`` subscriber, ``fiona`` follower, ``victor`` viewer,
``mallory`` an abuser (viewer), ``ada`` a site admin. ``bob`` owns channel ``beta``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from chatwarden.bus import InProcessBus, MemorySubscription
from chatwarden.clock import FakeClock
from chatwarden.config import ServiceConfig
from chatwarden.model import Model, load_model
from chatwarden.service.types import Actor, Channel
from chatwarden.services import Services, build_services
from chatwarden.settings import Role

PASSWORD = "correct horse"


@pytest.fixture(scope="session")
def model() -> Model:
    return load_model()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def bus() -> InProcessBus:
    return InProcessBus()


def make_config(database_url: str, **overrides: object) -> ServiceConfig:
    values: dict[str, object] = {
        "database_url": database_url,
        "argon2_time_cost": 1,
        "argon2_memory_kib": 8,
        "argon2_parallelism": 1,
        "review_expiry_seconds": 600,
        "webhook_allow_private_addresses": True,  # the receivers in these tests are local
    }
    values.update(overrides)
    return ServiceConfig.model_validate(values)


@pytest.fixture
def services(
    database_url: str, clock: FakeClock, bus: InProcessBus, model: Model
) -> Iterator[Services]:
    svc = build_services(
        make_config(database_url), clock=clock, bus=bus, model=model, migrate=False
    )
    try:
        yield svc
    finally:
        svc.close()


def make_actor(services: Services, username: str) -> Actor:
    services.accounts.register(username, PASSWORD)
    return services.accounts.authenticate(services.accounts.login(username, PASSWORD).token)


@dataclass
class Cast:
    channel: Channel
    other: Channel
    olivia: Actor
    lena: Actor
    mike: Actor
    vera: Actor
    sam: Actor
    fiona: Actor
    victor: Actor
    mallory: Actor
    ada: Actor
    bob: Actor

    def by_role(self) -> dict[Role, Actor]:
        return {
            Role.OWNER: self.olivia,
            Role.LEAD_MODERATOR: self.lena,
            Role.MODERATOR: self.mike,
            Role.VIP: self.vera,
            Role.SUBSCRIBER: self.sam,
            Role.FOLLOWER: self.fiona,
            Role.VIEWER: self.victor,
        }


@pytest.fixture
def cast(services: Services, clock: FakeClock) -> Cast:
    names = ["olivia", "lena", "mike", "vera", "sam", "fiona", "victor", "mallory", "ada", "bob"]
    actors = {name: make_actor(services, name) for name in names}
    services.accounts.make_admin(actors["ada"].user_id)
    actors["ada"] = services.accounts.authenticate(services.accounts.login("ada", PASSWORD).token)
    channel = services.channels.create_channel(actors["olivia"], "alpha")
    other = services.channels.create_channel(actors["bob"], "beta")
    owner = actors["olivia"]
    services.channels.set_role(owner, channel.id, actors["lena"].user_id, Role.LEAD_MODERATOR)
    services.channels.set_role(owner, channel.id, actors["mike"].user_id, Role.MODERATOR)
    services.channels.set_role(owner, channel.id, actors["vera"].user_id, Role.VIP)
    services.channels.set_subscribed(owner, channel.id, actors["sam"].user_id, True)
    services.channels.follow(actors["fiona"], channel.id)
    clock.advance(3600)
    return Cast(channel=channel, other=other, **actors)


class Recorder:
    """Collects bus events synchronously (publish happens on the test thread)."""

    def __init__(self, bus: InProcessBus, *topics: str) -> None:
        self.loop = asyncio.new_event_loop()
        self.subs = {t: self.loop.run_until_complete(self._sub(bus, t)) for t in topics}

    @staticmethod
    async def _sub(bus: InProcessBus, topic: str) -> MemorySubscription:
        return bus.subscribe(topic)

    def drain(self, topic: str) -> list[dict[str, Any]]:
        sub = self.subs[topic]
        self.loop.run_until_complete(asyncio.sleep(0))  # run the queued hand-overs
        out = []
        while sub.pending():
            out.append(self.loop.run_until_complete(sub.__anext__()))
        return out

    def types(self, topic: str) -> list[str]:
        return [e["type"] for e in self.drain(topic)]

    def close(self) -> None:
        for sub in self.subs.values():
            sub.close()
        self.loop.close()
