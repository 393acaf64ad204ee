"""``chatwarden serve --demo``: a seeded channel with people and chat that never stops.

``seed(services)`` creates the channel ``demo`` with an owner, a moderator and viewers (it is
idempotent: a second run reuses them) and returns the logins to print. ``drive_traffic``
then sends realistic chat as the viewers: mostly ordinary lines, some toxic, obfuscated and
spammy ones, so the review queue fills by itself.
"""

from __future__ import annotations

import asyncio
import logging
import random
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from starlette.concurrency import run_in_threadpool

from chatwarden.errors import ChatWardenError, Conflict, NotFound
from chatwarden.service.types import Actor, User
from chatwarden.settings import Role
from chatwarden.textgen.chat import benign, toxic
from chatwarden.textgen.obfuscate import TRICKS, obfuscate

if TYPE_CHECKING:
    from chatwarden.services import Services

log = logging.getLogger("chatwarden.demo")

CHANNEL: Final = "demo"
OWNER: Final = ("streamer", "demo-owner-pass")
MODERATOR: Final = ("mod_mia", "demo-mod-pass")
VIEWERS: Final = (
    "alice",
    "bob_the_builder",
    "carol",
    "dave_plays",
    "erin",
    "frank_fps",
    "grace",
    "mallory",
    "spambot_42",
    "zoe",
)

SPAM: Final = (
    "FREE VIPS AND SUBS >>> cheapviewers dot com <<<",
    "wanna become famous? buy followers, primes and viewers at bigfollows dot net",
    "check out my stream!!! twitch.tv/totallynotspam",
    "LOL LOL LOL LOL LOL LOL LOL LOL LOL LOL",
    "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!",
    "first",
    "FOLLOW ME FOLLOW ME FOLLOW ME",
)


#: the demo channel opts into the spam filters and bot-wave actions (ban-evasion detection and
#: raid alerts are on for every channel), so spambot_42's lines are caught and explained
DEMO_DETECTION: Final = {
    "detectors": {
        "spam": {f: {"enabled": True} for f in ("caps", "repetition", "links", "symbols")},
        "waves": {"enabled": True},
    }
}


@dataclass(frozen=True, slots=True)
class DemoLine:
    """One line of demo chat: who says it and what kind of line it is."""

    sender: str
    text: str
    kind: str  # chat | swear | identity | counter | toxic | obfuscated | spam


def demo_line(rng: random.Random, viewers: list[str]) -> DemoLine:
    """One realistic line: mostly ordinary chat, some toxic, obfuscated and spammy lines."""
    sender = rng.choice(viewers)
    if sender in ("mallory", "spambot_42") and rng.random() < 0.5:
        return _bad_line(rng, sender)
    roll = rng.random()
    if roll < 0.08:
        return DemoLine(sender, toxic(rng), "toxic")
    if roll < 0.14:
        trick = rng.choice(sorted(TRICKS))
        return DemoLine(sender, obfuscate(toxic(rng), trick, rng), "obfuscated")
    if roll < 0.20:
        return DemoLine(sender, rng.choice(SPAM), "spam")
    text, kind = benign(rng)
    return DemoLine(sender, text, kind)


def _bad_line(rng: random.Random, sender: str) -> DemoLine:
    if sender == "spambot_42":
        return DemoLine(sender, rng.choice(SPAM), "spam")
    trick = rng.choice(sorted(TRICKS))
    return DemoLine(sender, obfuscate(toxic(rng), trick, rng), "obfuscated")


@dataclass(frozen=True)
class DemoLogin:
    role: str
    username: str
    password: str


def _user(services: Services, username: str, password: str) -> User:
    try:
        return services.accounts.register(username, password)
    except Conflict:
        return services.accounts.get_user_by_name(username)


def _actor(user: User) -> Actor:
    return Actor(user.id, user.username, user.is_admin, None)


def seed(services: Services) -> list[DemoLogin]:
    """Create (or reuse) the demo channel and its people; return the logins to print.

    A rerun on an existing database keeps the passwords it had; the owner's and moderator's
    are fixed and printed (demo data only: do not expose a demo server to the internet).
    """
    owner = _user(services, *OWNER)
    moderator = _user(services, *MODERATOR)
    try:
        channel = services.channels.get_channel_by_name(CHANNEL)
    except NotFound:
        channel = services.channels.create_channel(_actor(owner), CHANNEL)
    services.channels.set_role(_actor(owner), channel.id, moderator.id, Role.MODERATOR)
    services.detection.update(_actor(owner), channel.id, DEMO_DETECTION)  # unchanged: no-op
    for name in VIEWERS:
        viewer = _user(services, name, secrets.token_urlsafe(12))
        services.channels.follow(_actor(viewer), channel.id)
    return [
        DemoLogin("owner", *OWNER),
        DemoLogin("moderator", *MODERATOR),
    ]


async def drive_traffic(
    services: Services, *, seed_value: int | None = None, mean_interval_s: float = 0.8
) -> None:
    """Send demo chat forever (until cancelled), about one line per ``mean_interval_s``."""
    rng = random.Random(seed_value)
    channel = await run_in_threadpool(services.channels.get_channel_by_name, CHANNEL)
    actors: dict[str, Actor] = {}
    for name in VIEWERS:
        user = await run_in_threadpool(services.accounts.get_user_by_name, name)
        actors[name] = _actor(user)
    sent = 0
    while True:
        await asyncio.sleep(rng.expovariate(1.0 / mean_interval_s))
        line = demo_line(rng, list(VIEWERS))
        try:
            await run_in_threadpool(
                services.chat.send_message,
                actors[line.sender],
                channel.id,
                line.text,
                f"demo-{secrets.token_hex(8)}",
            )
            sent += 1
        except ChatWardenError as exc:
            log.debug("demo line from %s refused: %s", line.sender, exc.message)
