"""A moderator's link permit (``!permit``) is honoured by whichever process decides the
channel: two ``Services`` on one database and one Redis stand for the gateway that took the
permit and the worker that decides the channel's messages (or a new shard owner)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from chatwarden.bus import InProcessBus
from chatwarden.bus.redis_state import RedisChatState
from chatwarden.clock import FakeClock
from chatwarden.model import Model
from chatwarden.services import Services, build_services
from tests.redis_support import redis_namespace
from tests.service.conftest import Cast, make_config

LINK = "look at https://example.org/cool"


@pytest.fixture
def pair(
    database_url: str, clock: FakeClock, bus: InProcessBus, model: Model, services: Services
) -> Iterator[tuple[Services, Services]]:
    """A gateway and a worker sharing the chat state in Redis (``services`` made the cast)."""
    with redis_namespace() as (client, prefix):
        built = [
            build_services(
                make_config(database_url),
                clock=clock,
                bus=bus,
                state=RedisChatState(client, prefix),
                model=model,
                migrate=False,
            )
            for _ in range(2)
        ]
        try:
            yield built[0], built[1]
        finally:
            for svc in built:
                svc.close()


def test_a_permit_taken_by_one_process_is_honoured_by_the_one_deciding(
    pair: tuple[Services, Services], cast: Cast, clock: FakeClock
) -> None:
    gateway, worker = pair
    cid = cast.channel.id
    links_on = {"enabled": True, "detectors": {"spam": {"links": {"enabled": True}}}}
    gateway.detection.update(cast.lena, cid, links_on)
    assert worker.chat.send_message(cast.victor, cid, LINK).status == "blocked"  # warm
    until = gateway.spam.permit(cast.mike, cid, cast.victor.user_id)
    assert (until - clock.now()).total_seconds() == 60
    assert worker.chat.send_message(cast.victor, cid, LINK + "?2").status == "delivered"
    assert worker.chat.send_message(cast.fiona, cid, LINK + "?3").status == "blocked"
    clock.advance(61)
    assert worker.chat.send_message(cast.victor, cid, LINK + "?4").status == "blocked"
