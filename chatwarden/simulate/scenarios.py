"""The traffic model (docs/simulator.md) and the named scenarios.

A ``World`` holds one channel's regulars and everyone who arrives during the stream; the
generators below add background chat and incidents to it, each message labelled with its
incident. Everything is drawn from one ``random.Random(seed)``, so a seed fixes the output.
"""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from chatwarden.settings import Role
from chatwarden.simulate import people
from chatwarden.simulate.events import (
    ActorType,
    Ban,
    Incident,
    IncidentType,
    Label,
    Message,
    Simulation,
)
from chatwarden.simulate.people import DAY, Persona, Style
from chatwarden.textgen import chat as chatgen

START = datetime(2025, 6, 1, 18, 0, tzinfo=UTC)
CHANNEL_ID = 1
CHANNEL_EMOTES = tuple(e for e in chatgen.EMOTES if " " not in e and e[0].isalpha()) + (
    "wardenHype",
    "wardenLove",
    "wardenRage",
)
ALLOWED_LINKS = ("clips.twitch.tv/{slug}", "youtu.be/{slug}", "twitch.tv/videos/{num}")
MEME_LINKS = ("imgur.com/{slug}", "x.com/i/status/{num}", "reddit.com/r/LivestreamFail/{slug}")
SPAM_DOMAINS = (
    "bigfollows.xyz",
    "viewerboost.ru",
    "cheapviewers.top",
    "streamgrow.club",
    "famenow.shop",
    "primeviewers.online",
    "followbot.site",
    "buyfame.click",
)
SPAM_TEMPLATES = (
    "Wanna become famous? Buy followers, primes and viewers on {link}",
    "Best viewers on {link} {tag}",
    "hey {name} i can help you grow, check {link}",
    "get free subs and followers at {link} !!",
    "cheap followers and viewers {link} {tag}",
    "upgrade your stream with real viewers: {link}",
    "{name} you stream is good but needs viewers, visit {link}",
    "FREE PRIMES + FOLLOWERS -> {link} {tag}",
)
HOSTILE_EXTRA = (
    "this stream is a joke",
    "everyone leave this garbage channel",
    "nobody wants you here",
    "you should quit",
    "we are everywhere",
    "get out of here {noun}",
    "enjoy the raid {noun}",
    "{noun} {noun} {noun}",
    "stop streaming {noun}",
    "this chat is ours now",
)
FRIENDLY_RAID = (
    "{emote} RAID {emote}",
    "{team} raid! {emote}",
    "hi from {team}'s stream {emote}",
    "{team} sent us {emote} {emote}",
    "RAID HYPE {emote}",
    "hello {streamer} {emote}",
)
COPYPASTA_PARTS = (
    "I am {streamer}'s biggest fan, I watched every stream since {game} and never missed one",
    "{streamer} when the {thing} is {good}: {emote} {emote} {emote}",
    "Chat, I have to tell you something. {thing} was {good} and I will never forget it {emote}",
    "Dear {streamer}, please play {game} again, it was {good} and chat agrees {emote}",
    "copypasta time: {thing} {good} {thing} {good} {emote} {emote}",
)
STREAMER = "warden"


def _slug(rng: random.Random) -> str:
    return "".join(rng.choice("abcdefghijkmnpqrstuvwxyzABCDEFGH0123456789") for _ in range(10))


class World:
    """The channel and its people during one simulated stream."""

    def __init__(self, seed: int, minutes: float, scenario: str) -> None:
        self.rng = random.Random(f"{scenario}:{seed}")
        self.seed = seed
        self.minutes = minutes
        self.scenario = scenario
        self.start = START
        self.end = START + timedelta(minutes=minutes)
        self.messages: list[Message] = []
        self.bans: list[Ban] = []
        self.incidents: list[Incident] = []
        self.people: dict[int, Persona] = {}
        self._next_user = 1000
        self._next_message = 1
        self._counts: dict[str, int] = {}
        self.regulars: list[Persona] = []

    # ---- people ------------------------------------------------------------------------

    def _uid(self) -> int:
        self._next_user += 1
        return self._next_user

    def incident_id(self, kind: str) -> str:
        self._counts[kind] = self._counts.get(kind, 0) + 1
        return f"{kind}-{self._counts[kind]}"

    def persona(
        self,
        actor: ActorType,
        *,
        name: str | None = None,
        role: Role = Role.VIEWER,
        created: datetime | None = None,
        followed: datetime | None = None,
        email: bool = True,
        phone: bool = False,
        fingerprints: tuple[str, ...] | None = None,
        style: Style | None = None,
        has_chatted: bool = False,
        toxic_p: float = 0.0,
        mean_gap_s: float = 120.0,
    ) -> Persona:
        rng = self.rng
        p = Persona(
            user_id=self._uid(),
            username=name or people.random_name(rng),
            actor=actor,
            role=role,
            account_created_at=created or people.account(rng, self.start, young_p=0.05),
            followed_at=followed,
            email_verified=email,
            phone_verified=phone,
            fingerprints=fingerprints
            if fingerprints is not None
            else tuple(people.fingerprint(rng) for _ in range(rng.choice((1, 1, 2)))),
            style=style or people.random_style(rng, CHANNEL_EMOTES),
            has_chatted=has_chatted,
            toxic_p=toxic_p,
            mean_gap_s=mean_gap_s,
        )
        self.people[p.user_id] = p
        return p

    def add_regulars(self, n: int) -> None:
        rng = self.rng
        for _ in range(n):
            roll = rng.random()
            role = (
                Role.MODERATOR
                if roll < 0.03
                else Role.VIP
                if roll < 0.05
                else Role.SUBSCRIBER
                if roll < 0.35
                else Role.FOLLOWER
                if roll < 0.85
                else Role.VIEWER
            )
            # hard case: some regulars have young accounts (a fresh alt, a new phone)
            created = people.account(rng, self.start, young_p=0.06)
            age = (self.start - created).total_seconds()
            followed = (
                self.start - timedelta(seconds=rng.uniform(0.3, 1.0) * age)
                if role is not Role.VIEWER
                else None
            )
            self.regulars.append(
                self.persona(
                    "regular",
                    role=role,
                    created=created,
                    followed=followed,
                    email=rng.random() < 0.9,
                    phone=rng.random() < 0.4,
                    has_chatted=True,
                    toxic_p=rng.choice((0.0, 0.0, 0.0, 0.005, 0.02)),
                    mean_gap_s=rng.lognormvariate(5.0, 0.7),  # median ~150 s between lines
                )
            )

    # ---- messages ------------------------------------------------------------------------

    def say(
        self,
        p: Persona,
        at: datetime,
        text: str,
        incident: IncidentType = "none",
        incident_id: str | None = None,
        evades: int | None = None,
    ) -> Message:
        first = not p.has_chatted
        p.has_chatted = True
        m = Message(
            at=at,
            message_id=self._next_message,
            user_id=p.user_id,
            username=p.username,
            role=p.role,
            text=text,
            account_created_at=p.account_created_at,
            email_verified=p.email_verified,
            phone_verified=p.phone_verified,
            followed_at=p.followed_at,
            first_message_in_channel=first,
            fingerprints=p.fingerprints,
            label=Label(incident_id, incident, p.actor, evades),
        )
        self._next_message += 1
        p.texts.append(text)
        self.messages.append(m)
        return m

    def line(self, p: Persona) -> tuple[str, IncidentType]:
        """One ordinary line in ``p``'s style (sometimes ordinary toxicity)."""
        rng = self.rng
        if rng.random() < p.toxic_p:
            return p.style.apply(chatgen.toxic(rng), rng), "toxicity"
        text, _kind = chatgen.benign(rng)
        return p.style.apply(text, rng), "none"

    def toxic_incident(self, p: Persona, t: float) -> str:
        """A one-message incident of ordinary toxicity by ``p`` at ``t`` s."""
        iid = self.incident_id("toxicity")
        self.incidents.append(Incident(iid, "toxicity", self.at(t), self.at(t), [p.user_id]))
        return iid

    def at(self, seconds: float) -> datetime:
        return self.start + timedelta(seconds=seconds)

    def random_time(self, margin_s: float = 60.0) -> float:
        total = self.minutes * 60
        return self.rng.uniform(min(margin_s, total / 4), max(total - margin_s, total * 3 / 4))

    def chat(self, p: Persona, t0: float, t1: float) -> None:
        """``p`` chatting ordinarily from t0 to t1 s, lognormal gaps around their own mean."""
        rng = self.rng
        t = t0 + rng.expovariate(1.0 / p.mean_gap_s)
        while t < t1:
            text, kind = self.line(p)
            iid = self.toxic_incident(p, t) if kind == "toxicity" else None
            self.say(p, self.at(t), text, kind, iid)
            t += p.mean_gap_s * rng.lognormvariate(-0.5, 1.0)

    # ---- background ---------------------------------------------------------------------

    def background(self) -> None:
        """Regulars chatting, genuine newcomers trickling in (a few of them young or trolls)."""
        rng = self.rng
        total = self.minutes * 60
        for p in self.regulars:
            self.chat(p, 0.0, total)
        t = rng.expovariate(1 / 90.0)
        while t < total:
            young = rng.random() < 0.25
            created = (
                self.at(t) - timedelta(seconds=rng.uniform(3600, 6 * DAY))
                if young
                else people.account(rng, self.start, young_p=0.0)
            )
            p = self.persona(
                "newcomer",
                created=created,
                followed=self.at(t) - timedelta(seconds=rng.uniform(0, 600))
                if rng.random() < 0.3
                else None,
                email=rng.random() < 0.7,
                toxic_p=0.15 if rng.random() < 0.1 else 0.0,
                mean_gap_s=rng.uniform(20, 120),
            )
            n = rng.choice((1, 1, 2, 3, 5, 8))
            s = t
            for _ in range(n):
                if s >= total:
                    break
                text, kind = self.line(p)
                iid = self.toxic_incident(p, s) if kind == "toxicity" else None
                self.say(p, self.at(s), text, kind, iid)
                s += p.mean_gap_s * rng.lognormvariate(0, 0.6)
            t += rng.expovariate(1 / 90.0)

    # ---- crowdspeak ---------------------------------------------------------------------

    def emote_wave(self, t: float) -> None:
        rng = self.rng
        iid = self.incident_id("crowdspeak")
        emote = rng.choice(CHANNEL_EMOTES)
        other = rng.choice(CHANNEL_EMOTES)
        inc = Incident(iid, "crowdspeak", self.at(t), self.at(t), notes={"form": "emote_wave"})
        joiners = [p for p in self.regulars if rng.random() < 0.3]
        joiners += [
            p for p in self.people.values() if p.actor == "newcomer" and rng.random() < 0.02
        ]
        for p in joiners:
            for _ in range(rng.choice((1, 1, 2))):
                s = t + rng.expovariate(1 / 6.0)
                k = rng.randint(1, 5)
                text = " ".join([emote] * k)
                if rng.random() < 0.2:
                    text += " " + rng.choice((other, "LETS GO", "omg", "yes", "W"))
                self.say(p, self.at(s), text, "crowdspeak", iid)
                inc.user_ids.append(p.user_id)
                inc.end = max(inc.end, self.at(s))
        self.incidents.append(inc)

    def copypasta(self, t: float) -> None:
        rng = self.rng
        iid = self.incident_id("crowdspeak")
        base = rng.choice(COPYPASTA_PARTS).format(
            streamer=STREAMER,
            game=rng.choice(chatgen.GAMES),
            thing=rng.choice(chatgen.THINGS),
            good=rng.choice(chatgen.GOOD),
            emote=rng.choice(CHANNEL_EMOTES),
        )
        link = None
        if rng.random() < 0.35:  # hard case: crowdspeak carrying a link
            link = rng.choice(ALLOWED_LINKS + MEME_LINKS).format(
                slug=_slug(rng), num=rng.randint(10**9, 10**10)
            )
            base = f"{base} {link}"
        inc = Incident(
            iid, "crowdspeak", self.at(t), self.at(t), notes={"form": "copypasta", "link": link}
        )
        joiners = [p for p in self.regulars if rng.random() < 0.2]
        for p in joiners:
            s = t + rng.expovariate(1 / 15.0)
            text = base
            roll = rng.random()
            if roll < 0.15:
                words = text.split()
                text = " ".join(words[: max(4, int(len(words) * rng.uniform(0.6, 0.95)))])
            elif roll < 0.3:
                text = f"{text} {rng.choice(p.style.emotes)}"
            elif roll < 0.4:
                text = text.lower()
            self.say(p, self.at(s), text, "crowdspeak", iid)
            inc.user_ids.append(p.user_id)
            inc.end = max(inc.end, self.at(s))
        self.incidents.append(inc)

    # ---- spam bot wave ------------------------------------------------------------------

    def bot_wave(self, t: float) -> None:
        rng = self.rng
        iid = self.incident_id("bot_wave")
        n = rng.randint(5, 25)
        base = people.random_name(rng)
        domain = rng.choice(SPAM_DOMAINS)
        templates = rng.sample(SPAM_TEMPLATES, rng.randint(1, 2))
        aged = rng.random() < 0.3  # hard case: bought aged accounts
        verified = rng.random() < 0.3  # hard case: verified throwaways
        lookalike_names = rng.random() < 0.7
        with_link = rng.random() < 0.8  # hard case: a scam without a link ("check my bio")
        span = rng.uniform(20, 150)
        inc = Incident(iid, "bot_wave", self.at(t), self.at(t), notes={"domain": domain, "bots": n})
        for _ in range(n):
            s = t + rng.uniform(0, span)
            created = (
                people.account(rng, self.start, young_p=0.0)
                if aged
                else self.at(s) - timedelta(seconds=rng.uniform(60, 3 * DAY))
            )
            p = self.persona(
                "bot",
                name=people.lookalike(base, rng) if lookalike_names else None,
                created=created,
                email=verified,
                style=Style(False, 0.0, (), 0.0, (), 0.0, "", False, False),
            )
            for _ in range(rng.choice((1, 1, 2))):
                tag = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(5))
                text = rng.choice(templates).format(
                    link=rng.choice((domain, f"https://{domain}", f"www.{domain}/{tag}"))
                    if with_link
                    else rng.choice(("my bio", "my profile", "the link in my bio")),
                    tag=tag,
                    name=STREAMER,
                )
                self.say(p, self.at(s), text, "bot_wave", iid)
                inc.user_ids.append(p.user_id)
                inc.end = max(inc.end, self.at(s))
                s += rng.uniform(5, 30)
        self.incidents.append(inc)

    # ---- raids --------------------------------------------------------------------------

    def hate_raid(self, t: float) -> None:
        rng = self.rng
        iid = self.incident_id("hate_raid")
        n = rng.randint(15, 80)
        span = rng.uniform(10, 60)
        aged = rng.random() < 0.2  # hard case: aged accounts
        base = people.random_name(rng)
        slogans = [
            rng.choice(HOSTILE_EXTRA).format(noun=rng.choice(chatgen.INSULT_NOUN))
            for _ in range(rng.randint(1, 3))
        ]
        hostile_p = rng.uniform(0.35, 0.9)
        inc = Incident(iid, "hate_raid", self.at(t), self.at(t), notes={"raiders": n})
        for _ in range(n):
            s = t + span * rng.betavariate(1.2, 2.5)
            created = (
                people.account(rng, self.start, young_p=0.0)
                if aged and rng.random() < 0.7
                else self.at(s) - timedelta(seconds=rng.uniform(60, 5 * DAY))
            )
            p = self.persona(
                "raider",
                name=people.lookalike(base, rng) if rng.random() < 0.5 else None,
                created=created,
                email=rng.random() < 0.4,
            )
            for _ in range(rng.choice((1, 1, 2, 3))):
                roll = rng.random()
                if roll < hostile_p:
                    text = chatgen.toxic(rng)
                else:
                    text = rng.choice(slogans)
                if rng.random() < 0.3:
                    text = text.upper()
                self.say(p, self.at(s), text, "hate_raid", iid)
                inc.user_ids.append(p.user_id)
                inc.end = max(inc.end, self.at(s))
                s += rng.uniform(2, 15)
        self.incidents.append(inc)

    def friendly_raid(self, t: float) -> None:
        """Another streamer's viewers arriving together: a hard negative for the raid alert."""
        rng = self.rng
        iid = self.incident_id("friendly_raid")
        n = rng.randint(10, 60)
        team = people.random_name(rng)
        emote = rng.choice(CHANNEL_EMOTES)
        inc = Incident(iid, "friendly_raid", self.at(t), self.at(t), notes={"raiders": n})
        for _ in range(n):
            s = t + rng.uniform(0, 40)
            p = self.persona(
                "friendly_raider",
                created=people.account(rng, self.start, young_p=0.1),
                email=rng.random() < 0.9,
                mean_gap_s=rng.uniform(30, 200),
            )
            text = rng.choice(FRIENDLY_RAID).format(emote=emote, team=team, streamer=STREAMER)
            self.say(p, self.at(s), p.style.apply(text, rng), "friendly_raid", iid)
            inc.user_ids.append(p.user_id)
            inc.end = max(inc.end, self.at(s))
            if rng.random() < 0.4:  # some stay and chat
                self.chat(p, s, min(s + 600, self.minutes * 60))
        self.incidents.append(inc)

    # ---- ban evasion --------------------------------------------------------------------

    def evasion(self, t: float) -> None:
        """A troll chats, is banned, and (usually) comes back under a new account."""
        rng = self.rng
        iid = self.incident_id("ban_evasion")
        total = self.minutes * 60
        troll = self.persona(
            "newcomer",
            created=people.account(rng, self.start, young_p=0.3),
            email=rng.random() < 0.6,
            toxic_p=0.5,
            mean_gap_s=rng.uniform(15, 60),
        )
        s = t
        for _ in range(rng.randint(3, 8)):
            text, _kind = self.line(troll)
            self.say(troll, self.at(s), text, "ban_evasion", iid)
            s += troll.mean_gap_s * rng.lognormvariate(0, 0.5)
        ban_at = s
        self.bans.append(
            Ban(self.at(ban_at), troll.user_id, troll.username, troll.fingerprints, iid)
        )
        inc = Incident(iid, "ban_evasion", self.at(t), self.at(ban_at), [troll.user_id])
        if rng.random() < 0.15:  # stays away
            inc.notes = {"banned": troll.user_id, "returned": False}
            self.incidents.append(inc)
            return
        back = ban_at + rng.uniform(60, 1200)
        if back >= total - 30:
            back = ban_at + 30
        same_fp = rng.random() < 0.5
        similar_name = rng.random() < 0.7
        alt = rng.random() < 0.2  # hard case: an alt made before the ban
        created = (
            self.at(ban_at) - timedelta(seconds=rng.uniform(DAY, 200 * DAY))
            if alt
            else self.at(back) - timedelta(seconds=rng.uniform(30, 0.9 * (back - ban_at)))
        )
        evader = self.persona(
            "evader",
            name=people.lookalike(troll.username, rng) if similar_name else None,
            created=created,
            email=rng.random() < 0.5,
            fingerprints=troll.fingerprints if same_fp else None,
            style=troll.style,
            toxic_p=0.15,
            mean_gap_s=troll.mean_gap_s,
        )
        s = back
        for _ in range(rng.randint(3, 8)):
            if s >= total:
                break
            text, _kind = self.line(evader)
            self.say(evader, self.at(s), text, "ban_evasion", iid, evades=troll.user_id)
            s += evader.mean_gap_s * rng.lognormvariate(0, 0.5)
        inc.end = self.at(s)
        inc.user_ids.append(evader.user_id)
        inc.notes = {
            "banned": troll.user_id,
            "returned": True,
            "evader": evader.user_id,
            "same_fingerprint": same_fp,
            "similar_name": similar_name,
            "alt_made_before_ban": alt,
        }
        self.incidents.append(inc)

    def innocent_lookalikes(self, n: int) -> None:
        """Hard negatives for evasion: newcomers whose name or network resembles a banned one."""
        rng = self.rng
        banned = [self.people[b.user_id] for b in self.bans]
        total = self.minutes * 60
        for _ in range(n):
            if not banned:
                return
            model = rng.choice(banned)
            # a stranger with a similar name, or someone on the same network (a sibling, a
            # shared flat, a café) under an unrelated name; rarely both
            similar_name = rng.random() < 0.6
            shared_network = (not similar_name and rng.random() < 0.6) or rng.random() < 0.03
            p = self.persona(
                "newcomer",
                name=people.lookalike(model.username, rng) if similar_name else None,
                created=people.account(rng, self.start, young_p=0.4),
                fingerprints=model.fingerprints[:1] if shared_network else None,
                mean_gap_s=rng.uniform(20, 120),
            )
            t = rng.uniform(total / 2, total - 10)
            self.chat(p, t, min(t + 600, total))

    def finish(self) -> Simulation:
        messages = sorted(
            (m for m in self.messages if m.at < self.end), key=lambda m: (m.at, m.message_id)
        )
        # message ids in time order; first_message_in_channel true on a persona's first line
        # here (regulars chatted before the stream)
        seen: set[int] = {p.user_id for p in self.regulars}
        final = []
        for i, m in enumerate(messages, start=1):
            final.append(
                dataclasses.replace(m, message_id=i, first_message_in_channel=m.user_id not in seen)
            )
            seen.add(m.user_id)
        return Simulation(
            scenario=self.scenario,
            seed=self.seed,
            minutes=self.minutes,
            start=self.start,
            channel_id=CHANNEL_ID,
            emotes=CHANNEL_EMOTES,
            messages=final,
            bans=[b for b in self.bans if b.at < self.end],
            incidents=sorted(self.incidents, key=lambda i: (i.start, i.id)),
        )


def _every(world: World, mean_s: float, fn: Callable[[float], None], first_s: float = 30.0) -> None:
    rng = world.rng
    total = world.minutes * 60
    t = first_s + rng.expovariate(1 / mean_s)
    while t < total - 30:
        fn(t)
        t += rng.expovariate(1 / mean_s)


def _normal(world: World) -> None:
    world.add_regulars(world.rng.randint(80, 160))
    world.background()
    _every(world, 600, world.emote_wave)
    _every(world, 1500, world.copypasta)


def _raid(world: World) -> None:
    _normal(world)
    world.hate_raid(world.random_time(120))
    if world.rng.random() < 0.7:
        world.friendly_raid(world.random_time(120))


def _waves(world: World) -> None:
    _normal(world)
    _every(world, 300, world.emote_wave, first_s=60)
    _every(world, 600, world.copypasta, first_s=60)
    _every(world, 420, world.bot_wave, first_s=60)


def _evasion(world: World) -> None:
    _normal(world)
    _every(world, 300, world.evasion, first_s=30)
    world.innocent_lookalikes(world.rng.randint(3, 8))


def _mixed(world: World) -> None:
    _normal(world)
    _every(world, 900, world.bot_wave, first_s=60)
    _every(world, 600, world.evasion, first_s=60)
    world.hate_raid(world.random_time(120))
    world.friendly_raid(world.random_time(120))
    world.innocent_lookalikes(world.rng.randint(1, 4))


SCENARIOS: dict[str, Callable[[World], None]] = {
    "normal": _normal,
    "raid": _raid,
    "waves": _waves,
    "evasion": _evasion,
    "mixed": _mixed,
}


def simulate(scenario: str, seed: int, minutes: float) -> Simulation:
    """Generate one labelled stream; the same arguments always give the same output."""
    if scenario not in SCENARIOS:
        raise ValueError(f"unknown scenario {scenario!r}; choose one of {', '.join(SCENARIOS)}")
    if minutes <= 0:
        raise ValueError("minutes must be positive")
    world = World(seed, minutes, scenario)
    SCENARIOS[scenario](world)
    return world.finish()
