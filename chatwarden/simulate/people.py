"""Who chats: regulars, newcomers, spam bots, raiders, evaders; their accounts, names and style.

Every persona has a writing ``Style`` (case, favourite emotes and words, abbreviations,
punctuation) that colours every line it writes, so a banned user who comes back writes like
before, and so do unrelated people who happen to share a habit or two.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from chatwarden.settings import Role
from chatwarden.simulate.events import ActorType

DAY = 86400.0

ADJ = (
    "shadow",
    "pixel",
    "lucky",
    "silent",
    "crazy",
    "frozen",
    "cosmic",
    "salty",
    "sleepy",
    "golden",
    "rusty",
    "neon",
    "tiny",
    "mighty",
    "lazy",
    "happy",
    "dark",
    "wild",
    "iron",
    "swift",
    "fuzzy",
    "hidden",
    "lunar",
    "solar",
    "toxic",
    "epic",
    "retro",
    "angry",
    "chill",
    "spicy",
    "frosty",
    "blue",
    "red",
    "grey",
    "misty",
    "stormy",
    "quiet",
    "noisy",
    "crispy",
    "sneaky",
    "bold",
    "cyber",
    "turbo",
    "mega",
    "ultra",
    "royal",
    "wobbly",
    "gentle",
)
NOUN = (
    "panda",
    "fox",
    "wolf",
    "gamer",
    "ninja",
    "potato",
    "dragon",
    "owl",
    "tiger",
    "knight",
    "wizard",
    "pickle",
    "noodle",
    "ghost",
    "falcon",
    "bear",
    "otter",
    "raven",
    "cactus",
    "taco",
    "sniper",
    "rogue",
    "bard",
    "goblin",
    "muffin",
    "shark",
    "panther",
    "lynx",
    "moose",
    "pirate",
    "viking",
    "samurai",
    "comet",
    "rocket",
    "turtle",
    "badger",
    "kraken",
    "phoenix",
    "yeti",
    "llama",
    "waffle",
    "biscuit",
    "hamster",
    "penguin",
    "gecko",
    "walrus",
)
SIGNATURES = (
    "fr",
    "ngl",
    "bruh",
    "yo",
    "lmao",
    "lol",
    "lmfao",
    "kekw",
    "xd",
    "tbh",
    "imo",
    "omg",
    "deadass",
    "no cap",
    "bro",
    "dude",
    "man",
    "ayo",
    "sheesh",
    "pog",
    "oof",
    "rip",
    "smh",
    "welp",
    "yikes",
    "bet",
    "lowkey",
    "highkey",
    "fam",
    "hehe",
    "haha",
    "ez",
    "gg",
    "wtf",
)
PUNCT = ("", "", "", "!", "!!", "!!!", "?", "...", ".", " :)", " :D", " xD")
ABBREV = {
    "you": "u",
    "your": "ur",
    "are": "r",
    "to": "2",
    "please": "pls",
    "people": "ppl",
    "because": "cuz",
    "really": "rly",
    "though": "tho",
    "what": "wat",
    "okay": "ok",
}


@dataclass(frozen=True, slots=True)
class Style:
    """How one person writes."""

    lower: bool
    shouty: float  # probability of writing a line in capitals
    emotes: tuple[str, ...]
    emote_p: float
    signatures: tuple[str, ...]
    signature_p: float
    punct: str
    abbreviate: bool
    stretch: bool  # elongates words ("sooo")

    def apply(self, text: str, rng: random.Random) -> str:
        words = text.split()
        if self.abbreviate:
            words = [ABBREV.get(w.lower(), w) for w in words]
        if self.stretch and words and rng.random() < 0.3:
            i = rng.randrange(len(words))
            w = words[i]
            if w.isalpha() and len(w) > 1:
                words[i] = w + w[-1] * rng.randint(2, 4)
        if self.signatures and rng.random() < self.signature_p:
            sig = rng.choice(self.signatures)
            if rng.random() < 0.5:
                words.insert(0, sig)
            else:
                words.append(sig)
        out = " ".join(words)
        if self.lower:
            out = out.lower()
        elif out and rng.random() < 0.5:
            out = out[0].upper() + out[1:]
        if rng.random() < self.shouty:
            out = out.upper()
        out += self.punct if rng.random() < 0.7 else ""
        if self.emotes and rng.random() < self.emote_p:
            out += " " + rng.choice(self.emotes)
        return out


def random_style(rng: random.Random, emotes: tuple[str, ...]) -> Style:
    return Style(
        lower=rng.random() < 0.5,
        shouty=rng.choice((0.0, 0.0, 0.0, 0.02, 0.1)),
        emotes=tuple(rng.sample(emotes, rng.randint(1, 3))),
        emote_p=rng.uniform(0.1, 0.6),
        signatures=tuple(rng.sample(SIGNATURES, rng.randint(1, 3))),
        signature_p=rng.uniform(0.15, 0.6),
        punct=rng.choice(PUNCT),
        abbreviate=rng.random() < 0.4,
        stretch=rng.random() < 0.25,
    )


def random_name(rng: random.Random) -> str:
    a, n = rng.choice(ADJ), rng.choice(NOUN)
    form = rng.randrange(8)
    digits = str(rng.randint(1, 9999))
    if form == 0:
        return f"{a}{n}"
    if form == 1:
        return f"{a}_{n}"
    if form == 2:
        return f"{a.capitalize()}{n.capitalize()}"
    if form == 3:
        return f"{a}{n}{digits}"
    if form == 4:
        return f"xX{a.capitalize()}{n.capitalize()}Xx"
    if form == 5:
        return f"{n}_{digits}"
    if form == 6:
        return f"the{a}{n}"
    return f"{a.capitalize()}{n.capitalize()}{digits[:2]}"


_LEET = {"o": "0", "i": "1", "e": "3", "a": "4", "s": "5"}


def lookalike(name: str, rng: random.Random) -> str:
    """A variant of ``name`` that a person or a bot farm would make."""
    kind = rng.randrange(6)
    base = name.rstrip("0123456789")
    if kind == 0:
        return f"{base}{rng.randint(1, 999)}"
    if kind == 1:
        return f"{base}_{rng.randint(1, 99)}"
    if kind == 2:
        chars = list(base)
        idx = [i for i, c in enumerate(chars) if c.lower() in _LEET]
        for i in rng.sample(idx, min(len(idx), rng.randint(1, 2))):
            chars[i] = _LEET[chars[i].lower()]
        return "".join(chars) or base + "0"
    if kind == 3:
        return f"x{base}x"
    if kind == 4:
        return f"{base}{rng.choice(('tv', 'ttv', 'yt', 'alt', 'real', 'og'))}"
    if len(base) > 3:
        i = rng.randrange(1, len(base) - 1)
        return base[:i] + base[i] + base[i:]  # a doubled letter
    return base + "x"


def fingerprint(rng: random.Random) -> str:
    return f"fp{rng.getrandbits(48):012x}"


@dataclass(slots=True)
class Persona:
    user_id: int
    username: str
    actor: ActorType
    role: Role
    account_created_at: datetime
    followed_at: datetime | None
    email_verified: bool
    phone_verified: bool
    fingerprints: tuple[str, ...]
    style: Style
    has_chatted: bool  # chatted in the channel before (so not a first-time chatter)
    toxic_p: float = 0.0
    mean_gap_s: float = 120.0
    texts: list[str] = field(default_factory=list)


def account(
    rng: random.Random, now: datetime, *, young_p: float, min_days: float = 30.0
) -> datetime:
    """An account creation time: young (< 7 days) with probability ``young_p``."""
    if rng.random() < young_p:
        return now - timedelta(seconds=rng.uniform(600, 7 * DAY))
    return now - timedelta(days=min(min_days * rng.lognormvariate(1.5, 1.0), 4000))
