"""Labelled synthetic chat for training: template families (issue 12).

``generate_families`` writes labelled rows (``ChatRow``) from template families: threats, death
wishes, doxxing, self-harm encouragement, identity hate by targeted group, harassment, insults and
trash talk, and their harmless contrasts in the same words (gaming banter, self-deprecation,
counter-speech, negation, supportive identity talk, slang and emotes, profanity, identity words
inside other words). Its docstring has the table of families and labels. The unlabelled chat lines
(``generate``, ``benign``, ``toxic``) live in ``chatwarden.textgen.chat``.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Final

from chatwarden.categories import CATEGORIES, Category
from chatwarden.textgen.chat import GAMES, GOOD, THINGS

# ---------------------------------------------------------------------------------------------
# Labelled template families (issue 12)
# ---------------------------------------------------------------------------------------------
#
# Written for ChatWarden's training data, from the descriptions of each shape, without
# reading the evaluation suite (``chatwarden/training/suites/``), the devsets or any published
# functional test suite. ``generate_families`` is the entry point; see its docstring for the table
# of families.


def _lines(block: str) -> tuple[str, ...]:
    """One item per non-empty line of ``block``, stripped."""
    return tuple(line.strip() for line in block.splitlines() if line.strip())


def _words(text: str) -> tuple[str, ...]:
    """The comma-separated items of ``text``, stripped."""
    return tuple(w.strip() for w in text.split(","))


IDENTITY_CATEGORIES: Final[tuple[Category, ...]] = (
    "race_ethnicity_or_religion",
    "misogyny",
    "sexuality_sex_or_gender",
    "disability",
)
#: Categories a family decides for every row it writes; ``swearing`` is left to the lexicon.
DECIDED: Final[tuple[Category, ...]] = tuple(c for c in CATEGORIES if c != "swearing")

#: Groups, plural, by the category an attack on them falls under. The same words fill the benign
#: identity, negation and counter-speech families, so identity words sit on both sides of harm.
GROUPS: Final[dict[Category, tuple[str, ...]]] = {
    "race_ethnicity_or_religion": _words(
        "immigrants, mexicans, muslims, jews, black people, asians, "
        "arabs, indians, chinese people, africans, latinos, "
        "refugees, hindus, sikhs, christians, pakistanis, native "
        "americans, foreigners, migrants, somalis, haitians, "
        "koreans, filipinos, nigerians, syrians"
    ),
    "misogyny": _words(
        "women, girls, female streamers, female gamers, women gamers, girl gamers, "
        "women streamers, female players, women in esports, ladies"
    ),
    "sexuality_sex_or_gender": _words(
        "gay people, gays, lesbians, trans people, trans women, trans "
        "men, bisexual people, nonbinary people, queer people, gay "
        "men, transgender people, homosexuals"
    ),
    "disability": _words(
        "disabled people, autistic people, deaf people, blind people, people in "
        "wheelchairs, people with down syndrome, people with adhd, mentally ill "
        "people, amputees, people with disabilities, wheelchair users, dyslexic "
        "people"
    ),
}
#: One person of each group, with its article: "as {one}" / "im {one}".
ONE_OF: Final[dict[Category, tuple[str, ...]]] = {
    "race_ethnicity_or_religion": _words(
        "a black woman, a black guy, a muslim, a jewish guy, an "
        "immigrant, a mexican, an asian gamer, an arab, an indian "
        "guy, a hindu, a sikh, a christian, a nigerian, a korean, a "
        "latina, a native american, a pakistani, a filipino, a "
        "refugee"
    ),
    "misogyny": _words(
        "a woman, a girl gamer, a female streamer, a mom, a woman in tech, a girl, a female player"
    ),
    "sexuality_sex_or_gender": _words(
        "a gay man, a lesbian, a trans woman, a trans guy, a bi girl, "
        "a nonbinary person, a queer gamer, a transgender person, a "
        "gay gamer"
    ),
    "disability": _words(
        "a disabled gamer, a deaf viewer, a blind person, an autistic person, a "
        "wheelchair user, an amputee, someone with adhd, a dyslexic guy"
    ),
}
#: Adjectives for the same groups: "being {who} is fine".
WHO_ADJ: Final[dict[Category, tuple[str, ...]]] = {
    "race_ethnicity_or_religion": _words(
        "black, asian, mexican, muslim, jewish, arab, indian, "
        "african, latino, chinese, hindu, sikh, korean, filipino, brown"
    ),
    "misogyny": _words("a woman, a girl, a female gamer, a woman who streams, a girl gamer"),
    "sexuality_sex_or_gender": _words(
        "gay, lesbian, bi, bisexual, trans, transgender, nonbinary, queer, ace, pan"
    ),
    "disability": _words(
        "disabled, deaf, blind, autistic, in a wheelchair, dyslexic, "
        "neurodivergent, hard of hearing"
    ),
}
#: Groups the "go back to your country" shapes name.
EXCLUDED: Final = _words(
    "immigrants, mexicans, muslims, africans, arabs, chinese people, indians, refugees, migrants, "
    "foreigners, pakistanis, somalis, haitians, syrians, asians, latinos, nigerians, illegals"
)
#: How counter-speech names an attack of each kind.
CONDEMN: Final[dict[str, tuple[str, ...]]] = {
    "race_ethnicity_or_religion": _words("racist, xenophobic, hateful, bigoted"),
    "misogyny": _words("sexist, misogynistic, gross, hateful"),
    "sexuality_sex_or_gender": _words("homophobic, transphobic, hateful, bigoted"),
    "disability": _words("ableist, hateful, disgusting, not ok"),
    "aggression": _words("a threat, not ok, disgusting, scary, harassment"),
}

#: Whom a line addresses. Never "streamer" or "chat": the streamer-harassment shapes were
#: removed for devset contamination (data/DATA_CARD.md), and this keeps them from coming back.
ADDRESSEE: Final = _words("bro, dude, man, buddy, pal, kid, boy, mate, homie, lil bro, sir, son")
STREETS: Final = _words(
    "oak, maple, elm, pine, cedar, birch, walnut, main, park, lake, river, hill, church, mill, "
    "spring, sunset, highland, washington, lincoln, jefferson, franklin, 1st, 2nd, 3rd, 5th, "
    "10th, 42nd, willow, chestnut, magnolia, ridge, meadow, forest, harbor, cherry, valley, bay, "
    "king, queen, market"
)
STREET_SUFFIX: Final = _words(
    "st, street, ave, avenue, rd, road, dr, drive, ln, lane, blvd, ct, court, way, pl"
)
TOWNS: Final = _words(
    "springfield, riverside, fairview, greenville, madison, georgetown, salem, bristol, dover, "
    "ashland, oakridge, milton, newport, lakewood, clayton, burlington"
)
FIRST_NAMES: Final = _words(
    "john, mike, sarah, emily, chris, jessica, david, ashley, kevin, laura, ryan, megan, tyler, "
    "hannah, jake, olivia"
)
LAST_NAMES: Final = _words(
    "smith, johnson, miller, davis, garcia, wilson, anderson, taylor, moore, martin, lee, walker, "
    "young, king, wright, scott"
)
#: Twitch global and common third-party (BTTV, FFZ, 7TV) emote codes, case as typed.
SLANG_EMOTES: Final = _words(
    "KEKW, OMEGALUL, LUL, LULW, Pog, PogU, PogChamp, POGGERS, Kappa, KappaPride, monkaS, monkaW, "
    "Pepega, PepeHands, pepeLaugh, PepeLaugh, Sadge, catJAM, ratJAM, pepeD, peepoHappy, "
    "peepoClap, widepeepoHappy, COPIUM, Copium, Aware, Clueless, ICANT, BibleThump, Kreygasm, "
    "4Head, 5Head, DansGame, SeemsGood, VoHiYo, CoolStoryBob, NotLikeThis, PJSalt, SMOrc, "
    "HeyGuys, CoolCat, BabyRage, FailFish, MrDestructoid, modCheck, Okayge, Madge, Stare, Deadge, "
    "FeelsStrongMan, FeelsGoodMan, FeelsBadMan, WAYTOODANK, HYPERS, YEP, NOPERS, Susge, GIGACHAD, "
    "EZ, Clap, o7, <3, LesbianPride, GayPride, BisexualPride, NonbinaryPride, TwitchUnity, HSWP, "
    "GlitchCat, KomodoHype, TheIlluminati, Jebaited, ResidentSleeper, WutFace"
)
SLANG: Final = _words(
    "sus, so sus, kinda sus, based, based af, cracked, hes cracked, Pog, W, huge W, massive W, W "
    "chat, ratio, no cap, fr, fr fr, ngl, lowkey, highkey, goated, bussin, sheesh, bet, ong, "
    "slay, ate, valid, mood, big mood, its giving, npc moment, main character energy, pogchamp, "
    "poggers, kekw, copium, hopium, ez, ez clap, clutch, cooked, hes cooking, let him cook, were "
    "so back, its over, real, so real, true, banger, this slaps, vibes, gg, ggs, wp, rizz, "
    "unreal, cap, thats cap"
)
#: Suffixes of channel emotes ("<prefix><Name>"), as streamers name them.
EMOTE_NAMES: Final = _words(
    "Hype, Love, Wave, Hi, Bye, Cheer, Wiggle, Dance, Rage, Cry, Lul, Pog, Heart, Hug, Clap, GG, "
    "Sip, Comfy, Smile, Sad, Wow, Lurk, Pat, Shy, Salute, Jam, Vibe, Laugh, Dead, Rip, Fire, "
    "Crown, W, Ez, Think, Stare, Nod, Hmm, Tea, Cozy, Bonk, Blush, Scream, Sleep, Pray, Flex, "
    "Gun, Knife, Rat, Clown"
)
_SYLLABLES: Final = _words(
    "ka, ri, mo, lu, ze, ta, vi, no, sha, ky, ro, fi, dan, jo, pe, xa, qu, bel, tor, mi, zo, lia, "
    "ven, ha, ru, sy, gri, po, el, ax"
)
#: Prefix fragments that must never come out of the emote generator: identity or abuse words,
#: and the two channel prefixes the issue quotes from real chat.
_PREFIX_BLOCK: Final = _words("nig, fag, kys, gay, jew, rape, vkimm, daph, fat, kill")


def channel_emote(rng: random.Random) -> str:
    """A made-up channel emote: a lower-case channel prefix plus a capitalised name."""
    while True:
        prefix = "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 3)))
        if rng.random() < 0.2:
            prefix = prefix[: rng.randint(3, len(prefix))]
        if rng.random() < 0.1:
            prefix += str(rng.randint(1, 99))
        if not any(bad in prefix for bad in _PREFIX_BLOCK):
            return prefix + rng.choice(EMOTE_NAMES)


def _address(rng: random.Random) -> str:
    out = f"{rng.randint(1, 9999)} {rng.choice(STREETS)} {rng.choice(STREET_SUFFIX)}"
    roll = rng.random()
    if roll < 0.2:
        out += f" apt {rng.randint(1, 40)}{rng.choice('abcd')}"
    elif roll < 0.35:
        out += f" {rng.choice(TOWNS)}"
    return out


def _ip(rng: random.Random) -> str:
    return ".".join(str(rng.randint(1, 254)) for _ in range(4))


def _handle(rng: random.Random) -> str:
    stem = "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 4)))
    return "@" + stem + (str(rng.randint(1, 999)) if rng.random() < 0.5 else "")


def _kys(rng: random.Random) -> str:
    """'kys' as chat writes it: spaced, dotted, elongated, upper case or with a digit."""
    return rng.choice(
        (
            "kys",
            "kys",
            "kys",
            "KYS",
            "k y s",
            "k.y.s",
            "k.y.s.",
            "k-y-s",
            "kyss",
            "kysss",
            "kyssss",
            "ky5",
            "ky$",
            "k ys",
            "ky s",
            "kys!!",
            "K Y S",
            "kysyou",
        )
    )


def _kill_yourself(rng: random.Random) -> str:
    return rng.choice(
        (
            "kill yourself",
            "kill urself",
            "kill ur self",
            "kill yoself",
            "kill yo self",
            "killyourself",
            "k1ll yourself",
            "kill y0urself",
            "k i l l yourself",
            "kil yourself",
            "kill your self",
            "kill yourselff",
        )
    )


Slot = tuple[str, ...] | Callable[[random.Random], str]

#: Filler slots shared by every family. A value may contain further ``{slots}``.
SLOTS: Final[dict[str, Slot]] = {
    "name": ADDRESSEE,
    "handle": _handle,
    "emote": SLANG_EMOTES,
    "chanemote": channel_emote,
    "game": GAMES,
    "thing": THINGS,
    "good": GOOD,
    "noun": _words(
        "noob, loser, idiot, clown, moron, freak, creep, bozo, scrub, dumbass, rat, "
        "weirdo, nerd, loser"
    ),
    "kill": _words(
        "kill, murder, stab, shoot, strangle, hurt, choke, beat, butcher, find and kill, gut"
    ),
    "killing": _words("killing, murdering, stabbing, shooting, hurting, coming for"),
    "when": (
        "",
        "",
        "",
        "tonight",
        "irl",
        "in real life",
        "after your stream",
        "tomorrow",
        "when i find you",
        "in your sleep",
        "at your house",
        "outside your school",
        "when you least expect it",
        "soon",
        "one day",
        "this weekend",
        "when you log off",
        "in front of your family",
    ),
    "weapon": _words("knife, gun, bat, machete, hammer, crowbar, axe, rifle"),
    "kin": _words("family, mom, dog, kids, little sister, dad, brother, whole family"),
    "disease": _words(
        "cancer, brain cancer, aids, ebola, a tumor, terminal cancer, leukemia, covid and die"
    ),
    "die_how": _words(
        "die, die slowly, die painfully, die alone, get hit by a car, crash your car, "
        "burn alive, choke on your food, drown, get shot, die in a fire, never wake "
        "up, rot, get run over, fall down the stairs and die"
    ),
    "harmed": _words(
        "beaten, shot, hanged, gassed, burned, locked up, exterminated, killed, lynched, "
        "hunted down, put down, stoned, beaten up, tortured, enslaved, wiped off the map"
    ),
    "them": _words("him, her, this guy, that kid, that girl, this dude, them"),
    "them_subj": _words("he, she"),
    "relative": _words("mom, dad, brother, sister, best friend, cousin, son, daughter"),
    "addr": _address,
    "phone": lambda rng: (
        f"{rng.randint(200, 989)}-{rng.randint(200, 989)}-{rng.randint(0, 9999):04d}"
    ),
    "plate": lambda rng: (
        "".join(rng.choice("ABCDEFGHJKLMNPRSTUVWXYZ") for _ in range(3))
        + f" {rng.randint(100, 9999)}"
    ),
    "ip": _ip,
    "town": TOWNS,
    "first": FIRST_NAMES,
    "last": LAST_NAMES,
    "kys": _kys,
    "killyourself": _kill_yourself,
    "self_harm": _words(
        "{killyourself}, {kys}, end yourself, end your life, unalive yourself, off "
        "yourself, hang yourself, neck yourself, jump off a bridge, drink bleach, "
        "slit your wrists, take your own life, go die, just die, die already, rope"
    ),
    "cond": _words(
        "ban me, time me out, say that, talk to her, block me, go live, "
        "come to {town}, show your face, post that, reply to me, mute me, delete my "
        "message, lie to me, ignore me, keep talking, laugh at me, go live tomorrow, "
        "touch my stuff"
    ),
    "country": _words(
        "mexico, africa, china, india, pakistan, syria, somalia, haiti, your village, "
        "the desert, your own country, the middle east, asia, where you came from, "
        "your third world country, nigeria"
    ),
    "home_country": _words(
        "mexico, nigeria, india, brazil, korea, the philippines, poland, turkey, "
        "egypt, vietnam, ghana, pakistan, syria, somalia, haiti, china"
    ),
    "activity": _words(
        "stream, play ranked, vote, talk in chat, commentate, play {game}, have "
        "opinions, be mods, compete, drive, coach, play competitive, be on the team, "
        "run a channel"
    ),
    "vermin": _words(
        "animals, vermin, rats, cockroaches, parasites, insects, a virus, a plague, a "
        "disease, subhuman, not human, not even human, less than human, filth, trash, "
        "garbage, a cancer on society, leeches, pests, savages, beasts"
    ),
    "contempt": _words(
        "disgusting, pathetic, worthless, evil, stupid, useless, a mistake, the "
        "worst, ruining everything, ruining gaming, a waste of space, inferior, "
        "dangerous, gross, a joke, vile, scum, a disgrace, repulsive, sick in the head, "
        "freeloaders, lower than dirt, brainwashed, backwards, primitive, uncivilized, "
        "filthy, degenerates, morons, genetically inferior, born stupid, a plague on {game}"
    ),
    "round": _words(
        "next round, next game, in ranked, in the rematch, next match, in the final, in "
        "the next lobby, round 2, on the next map, in overtime, in 1v1s"
    ),
    "enemy": _words(
        "the boss, that sniper, a creeper, the final boss, a skeleton, fall damage, the "
        "storm, their jungler, a camper, the dragon, lag, a grenade, my own teammate, a "
        "goose"
    ),
    "team": _words(
        "we, they, my team, our team, the lakers, arsenal, the chiefs, real madrid, the "
        "yankees, their defense, team liquid, the home team, my squad"
    ),
    "destroyed": _words(
        "destroyed, demolished, slaughtered, wrecked, murdered, crushed, "
        "obliterated, annihilated, massacred, smoked, bodied, clapped"
    ),
    "role": _words("support, healer, sniper, tank, carry, jungler, adc, medic, awper, entry, igl"),
    "game_cond": _words(
        "peek that angle, steal my kill, take my loot, push b alone, ks me, take my "
        "blue buff, ult the minions, throw this round, rush b again, leave me to "
        "die, pick the same champ, steal my farm"
    ),
    "rank": _words("bronze, silver, iron, gold, plat, wood, hardstuck silver"),
    "trash": _words(
        "noob, bozo, bot, scrub, clown, trash, dogwater, noobie, npc, crybaby, tryhard, "
        "boosted kid, hardstuck noob, potato aim, bot player"
    ),
    "reason": _words(
        "this level is so hard, this boss is impossible, i have work tomorrow, my exam "
        "is tomorrow, i missed the shot, i lost again, the lag is unreal, i died to "
        "{enemy} again, i forgot to save, my team keeps throwing, it's monday, i just "
        "failed that jump"
    ),
}

_SLOT: Final = re.compile(r"\{(\w+)\}")
#: Emote values are wrapped in these while a row is styled, so its case is never changed.
_KEEP_OPEN: Final = "\x02"
_KEEP_CLOSE: Final = "\x03"
_KEEP_SLOTS: Final = frozenset({"emote", "chanemote", "handle", "ip"})


def fill(template: str, rng: random.Random, extra: Mapping[str, Slot] | None = None) -> str:
    """``template`` with each ``{slot}`` drawn independently from ``extra`` or ``SLOTS``."""

    def one(match: re.Match[str]) -> str:
        key = match.group(1)
        slot = extra[key] if extra and key in extra else SLOTS[key]
        value = slot(rng) if callable(slot) else rng.choice(slot)
        value = fill(value, rng, extra) if "{" in value else value
        return f"{_KEEP_OPEN}{value}{_KEEP_CLOSE}" if key in _KEEP_SLOTS else value

    return " ".join(_SLOT.sub(one, template).split())


#: Chat spellings, each applied (one variant per row) with probability ``_SWAP_P``.
_SWAPS: Final = (
    (re.compile(r"\bi will\b"), ("i'll", "ill", "imma", "im gonna", "i'm gonna", "i will")),
    (re.compile(r"\bi'm going to\b"), ("im going to", "i'm gonna", "im gonna", "imma")),
    (re.compile(r"\bgoing to\b"), ("gonna",)),
    (re.compile(r"\bi'm\b"), ("im", "i am")),
    (re.compile(r"\byou're\b"), ("youre", "ur", "you are", "u r")),
    (re.compile(r"\byour\b"), ("ur", "yo")),
    (re.compile(r"\byou\b(?!')"), ("u", "ya")),
    (re.compile(r"\b(do|does|should|can|won|is|are)n't\b"), (r"\1nt", r"\1 not")),
    (re.compile(r"\bcan't\b"), ("cant", "cannot")),
    (re.compile(r"\bit's\b"), ("its",)),
    (re.compile(r"\bthat's\b"), ("thats",)),
    (re.compile(r"\bbecause\b"), ("bc", "cuz", "cause")),
    (re.compile(r"\bplease\b"), ("pls", "plz")),
    (re.compile(r"\bpeople\b"), ("ppl",)),
)
_SWAP_P: Final = 0.45
_BARE_P: Final = 0.15  # share of rows typed without apostrophes ("dont", "im", "youre")
_TAILS: Final = _words("lol, lmao, fr, ngl, tbh, bro, lmfao, xd, smh, haha")
_ENDS: Final = _words("!, !!, ?, ., ..., !!!")


def _outside_kept(text: str, change: Callable[[str], str]) -> str:
    parts = re.split(f"({_KEEP_OPEN}.*?{_KEEP_CLOSE})", text)
    return "".join(p if p.startswith(_KEEP_OPEN) else change(p) for p in parts)


def chat_style(text: str, rng: random.Random) -> str:
    """A chat-style spelling of a filled template: the same for harmful and harmless families."""
    out = text
    for pattern, variants in _SWAPS:
        if pattern.search(out) and rng.random() < _SWAP_P:
            out = pattern.sub(rng.choice(variants), out)
    if rng.random() < _BARE_P:
        out = _outside_kept(out, lambda part: part.replace("'", ""))
    roll = rng.random()
    if roll < 0.06:
        out = _outside_kept(out, str.upper)
    elif roll < 0.2 and out[:1].isalpha():
        out = out[:1].upper() + out[1:]
    roll = rng.random()
    if roll < 0.07:
        out = f"{out} {rng.choice(_TAILS)}"
    elif roll < 0.14:
        out = f"{out} {_KEEP_OPEN}{rng.choice(SLANG_EMOTES)}{_KEEP_CLOSE}"
    elif roll < 0.17:
        out = f"{_KEEP_OPEN}{rng.choice(SLANG_EMOTES)}{_KEEP_CLOSE} {out}"
    elif roll < 0.27:
        out += rng.choice(_ENDS)
    roll = rng.random()
    if roll < 0.06:
        out = f"{_KEEP_OPEN}{_handle(rng)}{_KEEP_CLOSE} {out}"
    elif roll < 0.1 and out.split()[-1].isalpha():
        out += out[-1] * rng.randint(1, 4)
    out = re.sub(f"{_KEEP_OPEN}(.*?){_KEEP_CLOSE}", r"\1", out)
    return " ".join(out.split())


@dataclass(frozen=True)
class ChatRow:
    """One labelled synthetic chat line.

    ``categories`` holds the labels the family decides (1 or 0) for every category but
    ``swearing`` (lexical: the trainer's lexicon decides it); a category missing from it is
    unknown. ``min_level`` is the lowest overall AutoMod level that should hold the line (1 = held
    at every level, 4 = only at the strictest); ``None`` for harmless lines, held at no level.
    ``template`` is the template the line was filled from: split train/dev by it (rows of one
    template differ only in filler, so a split by text leaks the template into dev).
    """

    text: str
    family: str
    harm: int
    categories: dict[str, int] = field(default_factory=dict)
    min_level: int | None = None
    template: str = ""


@dataclass(frozen=True)
class Family:
    """A template family: what it writes, its labels and how many rows it writes by default.

    ``targets``: when set, each row draws one of these categories, fills ``{groups}`` and
    ``{one}`` from that category's ``GROUPS``/``ONE_OF`` and uses ``templates`` plus that
    category's ``by_target`` templates; a harmful family then labels the drawn category 1 and the
    other identity categories 0. ``labels``: the family's other decided categories. Templates in
    ``aggressive`` (a subset of the harmful templates) also set ``aggression`` to 1.
    """

    name: str
    harm: int
    min_level: int | None
    count: int
    templates: tuple[str, ...]
    labels: Mapping[str, int] = field(default_factory=dict)
    targets: tuple[Category, ...] = ()
    by_target: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    aggressive: frozenset[str] = frozenset()
    slots: Mapping[str, Slot] = field(default_factory=dict)


_ALL_ZERO: Final[dict[str, int]] = dict.fromkeys(DECIDED, 0)


def _labels(**ones: int) -> dict[str, int]:
    return {**_ALL_ZERO, **ones}


THREAT_DIRECT: Final = _lines(
    """
    i will {kill} you
    i will {kill} you {when}
    i'm going to {kill} you
    i'm going to {kill} you {when}
    i'm coming to {kill} you
    i will {kill} you and your {kin}
    i'll {kill} your {kin} {when}
    i will {kill} you with a {weapon}
    i'm bringing a {weapon} to your house
    i'll put a bullet in your head
    i'm going to hurt you
    i will hurt you {when}
    i'm going to make you suffer
    i'll break every bone in your body
    i will beat the shit out of you {when}
    i'll slit your throat
    i'll find you and {kill} you
    i will find you {when}
    watch your back {when}
    sleep with one eye open {name}
    you won't survive {when}
    you're dead {when}
    you are dead meat {name}
    next time i see you irl you're dead
    {killing} you {when}
    i'm going to burn your house down
    i will shoot up your school
    i'll bash your head in
    i'll break your legs {when}
    gonna {kill} you {when} {name}
    i will end your life
    your days are numbered
    i know people who can make you disappear
    i'll make sure you never stream again
    it would be a shame if something happened to your {kin}
    accidents happen {name}, be careful
    hope you like hospital food
    better lock your doors tonight
    i'd be careful walking home if i were you
    you should be scared, i'm not joking
    i'm waiting for you outside
    count your days {name}
    i'll make you disappear
    someone should {kill} {them}
    somebody needs to {kill} {them} {when}
    i hope someone shoots up his house
    someone find where {them_subj} lives and end {them}
    let's all go to his house and {kill} {them}
    i will cut you
    i'm going to choke you until you stop breathing
    you and your {kin} are dead
    real talk i will {kill} you
    i swear i'll {kill} you
    i will come to your house and {kill} you
    """
)
THREAT_CONDITIONAL: Final = _lines(
    """
    if you {cond} i will {kill} you
    if you {cond} i'll {kill} you {when}
    {cond} again and i'll {kill} you
    {cond} one more time and you're dead
    if you {cond} one more time i'm going to hurt you
    if you ever {cond} i'll find you
    {cond} and see what happens to you {when}
    if you {cond} i will find where you live
    if you {cond} i'll hurt your {kin}
    you {cond} and i swear i'll {kill} you
    {cond} and i'll come to your house
    try to {cond} and i will {kill} you {when}
    if you {cond} ill make you regret being born
    if i see you irl you're dead
    if i ever see you in {town} you're dead
    if you don't unban me i'll {kill} you
    unban me or i'll {kill} you
    unban me or i will find you
    mods if you {cond} i will {kill} you
    if you {cond} your {kin} is next
    {cond} again {name} and you won't wake up tomorrow
    """
)
DEATH_WISH: Final = _lines(
    """
    i hope you die
    i hope you {die_how}
    hope you {die_how}
    hope you get {disease}
    i hope you get {disease}
    hope you {die_how} {when}
    i wish you were dead
    you deserve to die
    you deserve to {die_how}
    you deserve to be dead
    you deserve to be {harmed}
    i wish you would {die_how}
    i hope your {kin} dies
    hope your {kin} gets {disease}
    i pray you {die_how}
    i hope someone {kill}s you
    hope someone {kill}s you {when}
    die in a fire {name}
    rot in hell {name}
    i hope you never wake up
    can't wait for you to die
    i'll laugh when you die
    wish you'd {die_how}
    hope you get {disease} {name}
    i hope your house burns down with you in it
    the world will celebrate when you die
    may you {die_how}
    hope you {die_how} on stream
    """
)
DOXXING: Final = _lines(
    """
    i know where you live
    i know where you live {name}
    i found your address
    i found where you live
    i will find where you live
    i'm going to find where you live
    {addr} right?
    {addr}
    {first} {last} lives at {addr}
    you live at {addr}
    your address is {addr}
    see you at {addr} {when}
    nice house at {addr}
    is this your house? {addr}
    {addr} {emote}
    i know your real name is {first} {last}
    your real name is {first} {last} and you live on {addr}
    your ip is {ip}
    i have your ip {ip}
    got your ip {ip} {emote}
    i know what school you go to
    i'm outside your house
    look outside your window
    i'm parked outside {addr}
    gonna post your address in chat
    everyone go to {addr}
    i know where your {kin} lives
    your mom lives at {addr}
    {first} {last} {addr} {town}
    i know where you live and i'm coming
    found you {addr}
    how's the weather on {addr}
    i can see your house from here
    i tracked your ip, you're in {town}
    i know where you work
    posting your address for everyone
    dropping your dox in discord
    i found your {kin}'s address
    your phone number is {phone}
    calling you at {phone} tonight
    your license plate is {plate}, nice car
    i know your car, {plate}
    your school is {town} high right?
    i know your mom's name is {first}
    """
)
SELF_HARM: Final = _lines(
    """
    {kys}
    {kys}
    {kys} {noun}
    {kys} {name}
    just {kys}
    go {kys}
    {kys} now
    {kys} already
    {kys} pls
    {name} {kys}
    {kys} {emote}
    {killyourself}
    go {killyourself}
    {killyourself} {noun}
    just {killyourself}
    please {killyourself}
    {self_harm}
    {self_harm} {noun}
    you should {self_harm}
    why don't you {self_harm}
    do us all a favor and {self_harm}
    do everyone a favor and {self_harm}
    nobody would miss you
    no one would miss you if you died
    nobody would care if you died
    the world is better without you
    everyone would be happier if you were gone
    nobody loves you, just {self_harm}
    go die
    go die {noun}
    go die in a hole
    end yourself
    end yourself {name}
    end it already {name}
    unalive yourself
    you should end it all
    you'd be better off dead
    your {kin} would be better off if you {self_harm}
    {self_harm}, nobody would miss you
    do it, {self_harm}
    """
)
EXCLUSION: Final = _lines(
    """
    go back to your own country
    go back to your country {name}
    {name} go back to your country
    {name} go back to {country}
    go back where you came from
    go back to {country} {name}
    why don't you go back to {country}
    {groups} should go back to {country}
    {groups} go home
    send all the {groups} back
    send them back to {country}
    {groups} don't belong in this country
    {groups} don't belong here
    get out of my country
    get out of our country {name}
    {groups} out
    deport all the {groups}
    deport every single one of the {groups}
    this country is not for {groups}
    no {groups} allowed
    no {groups} allowed in this chat
    {groups} should not be allowed in this country
    we don't want {groups} here
    go back to {country} and stop streaming here
    you're not welcome here, go back to {country}
    nobody invited you here, go back to {country}
    {groups} need to leave
    {groups} are invading our country
    {groups} should be kicked out
    close the borders, no more {groups}
    speak english or go back to {country}
    {groups} are taking over, send them home
    """
)
MISOGYNY: Final = _lines(
    """
    women shouldn't be allowed to stream
    {groups} shouldn't be allowed to {activity}
    {groups} should not be allowed to {activity}
    {groups} belong in the kitchen
    go back to the kitchen
    get back in the kitchen where you belong
    make me a sandwich
    {groups} can't play {game}
    {groups} are only good for cooking and cleaning
    {groups} are too emotional to {activity}
    {groups} are too dumb to {activity}
    {groups} only get views because of their looks
    {groups} should stay quiet
    {groups} are worse at games
    no girls allowed in {game}
    women's opinions don't matter
    {groups} ruin every game
    this is why {groups} shouldn't {activity}
    typical woman, can't aim
    girls are trash at {game}
    stop streaming and go do the dishes
    {groups} don't deserve rights
    women should obey men
    {groups} are naturally inferior
    {groups} are just here for attention
    {groups} can't handle competitive
    shut up woman, nobody asked
    you only have viewers because you're a girl
    {groups} should be seen and not heard
    females are so dumb
    {groups} need a man to carry them
    women belong at home, not on twitch
    {groups} just want attention and donations
    {groups} only play easy games
    girls can't aim, it's biology
    {groups} should just be quiet and look pretty
    a woman's place is in the kitchen
    {groups} shouldn't have a mic
    stop letting {groups} into ranked
    {groups} are ruining esports
    {groups} can't lead a team
    no wonder you lost, you listened to a woman
    {groups} are all gold diggers
    {groups} are useless without a man
    {groups} don't belong in competitive {game}
    """
)
CONTEMPT: Final = _lines(
    """
    {groups} are {contempt}
    all {groups} are {contempt}
    i hate {groups}
    i hate all {groups}
    {groups} are the problem with this country
    {groups} ruin everything
    nobody wants {groups} around
    {groups} shouldn't exist
    we need to get rid of {groups}
    never trust {groups}
    {groups} should be banned from twitch
    keep {groups} out of {game}
    {groups} don't deserve respect
    {groups} make me sick
    {groups} are a stain on humanity
    {groups} should not be allowed to {activity}
    the world would be better without {groups}
    {groups} are all the same
    can't stand {groups}
    {groups} deserve nothing
    {groups} should be ashamed to exist
    i can't stand seeing {groups} on my screen
    get these {groups} off my screen
    why do they let {groups} stream
    twitch should ban all {groups}
    {groups} have ruined {game}
    {groups} can't be trusted
    i'd never let {groups} near me
    {groups} are why this country is falling apart
    nothing good ever came from {groups}
    {groups} have low iq
    keep your {groups} away from me
    {groups} are the worst people on earth
    the only good thing about {groups} is nothing
    {groups} are a burden on everyone
    """
)
CONTEMPT_BY_TARGET: Final[dict[str, tuple[str, ...]]] = {
    "race_ethnicity_or_religion": _lines(
        """
        {groups} are all criminals
        {groups} are terrorists
        {groups} are thieves
        {groups} are dirty
        {groups} steal everything
        {groups} are ruining this country
        {groups} all smell
        {groups} are lazy
        {groups} can't be trusted with money
        {groups} are all the same, dirty
        {groups} worship a fake god
        """
    ),
    "misogyny": _lines(
        """
        {groups} are inferior to men
        {groups} are too emotional
        {groups} are only good for one thing
        {groups} only stream for simps
        {groups} are all attention seekers
        {groups} can't think for themselves
        """
    ),
    "sexuality_sex_or_gender": _lines(
        """
        {groups} are mentally ill
        {groups} are groomers
        {groups} are freaks
        {groups} are unnatural
        being gay is a disease
        being trans is a mental illness
        {groups} shouldn't be allowed near kids
        {groups} are an abomination
        {groups} should go back in the closet
        {groups} are just a phase
        {groups} are confused and need help
        {groups} are perverts
        {groups} are destroying families
        """
    ),
    "disability": _lines(
        """
        {groups} are a burden
        {groups} are a drain on society
        {groups} shouldn't be allowed to have kids
        {groups} are useless
        {groups} should stay home
        {groups} are too slow to {activity}
        {groups} don't belong in gaming
        {groups} are faking it for attention
        {groups} are a waste of money
        {groups} should be locked away
        """
    ),
}
DEHUMANISE: Final = _lines(
    """
    {groups} are {vermin}
    {groups} are nothing but {vermin}
    all {groups} are {vermin}
    {groups} aren't people
    {groups} aren't human
    {groups} breed like rats
    {groups} spread like a disease
    {groups} are animals and should be treated like animals
    {groups} should be put down like dogs
    we should exterminate {groups}
    {groups} should all be killed
    gas all the {groups}
    {groups} deserve to be wiped out
    {groups} deserve to be {harmed}
    all {groups} deserve to be {harmed}
    {groups} deserve to suffer
    {groups} deserve a bullet
    {groups} are {vermin}, not people
    treat {groups} like the animals they are
    {groups} are rats and should be treated like rats
    {groups} are {vermin} and i'd kill them all
    """
)
DEHUMANISE_BY_TARGET: Final[dict[str, tuple[str, ...]]] = {
    "race_ethnicity_or_religion": _words(
        "{groups} are apes, {groups} are monkeys, {groups} belong in a zoo"
    ),
}
#: Identity used as the insult, aimed at one person ("you play like a girl", "that's so gay").
IDENTITY_INSULT_BY_TARGET: Final[dict[str, tuple[str, ...]]] = {
    "race_ethnicity_or_religion": _lines(
        """
        shut up you {who} {noun}
        go cry to your {who} mom
        typical {who} {noun}, can't even aim
        nobody asked you, go back to your village
        ok terrorist, calm down
        did your {who} parents teach you that {noun}
        you smell like a {who}
        """
    ),
    "misogyny": _lines(
        """
        you play like a girl
        shut up woman
        stupid girl, go make a sandwich
        ur such a woman, always crying
        stop crying like a girl {noun}
        no one listens to a woman
        she only got carried because she's a girl
        """
    ),
    "sexuality_sex_or_gender": _lines(
        """
        you're so gay
        that's so gay
        stop being so gay {noun}
        only gay people play {game}
        gay {noun}
        you're a trans freak
        what are your pronouns, attack helicopter? lmao
        """
    ),
    "disability": _lines(
        """
        are you autistic or just stupid
        stop being so autistic {noun}
        you play like you're disabled
        are you blind {noun}, get your eyes checked
        you're mentally ill {noun}
        you need a helmet {noun}
        did you forget your meds {noun}
        """
    ),
}
#: Dehumanising templates that also call for violence (``aggression`` 1).
VIOLENT_HATE: Final = frozenset(
    {
        "{groups} should be put down like dogs",
        "we should exterminate {groups}",
        "{groups} should all be killed",
        "gas all the {groups}",
        "{groups} deserve to be wiped out",
        "{groups} deserve to be {harmed}",
        "all {groups} deserve to be {harmed}",
        "{groups} deserve to suffer",
        "{groups} deserve a bullet",
        "{groups} are {vermin} and i'd kill them all",
        "we need to get rid of {groups}",
    }
)
SEXUAL_HARASSMENT: Final = _lines(
    """
    send nudes
    send nudes {babe}
    show feet
    show feet {babe}
    show us your {body}
    show {body} {emote}
    nice {body} {babe}
    i want to {sex} you
    i'd {sex} you so hard
    i would {sex} you {babe}
    sit on my face
    take your top off
    take it off {babe}
    you'd look better naked
    what's your bra size
    {body} reveal when
    i'm touching myself to this stream
    bend over for chat
    let me see those {body}
    come sit on my lap {babe}
    you're so hot, {sex} me
    onlyfans when {babe}
    how much for a {body} pic
    i want to lick your {body}
    are you wearing anything under that
    stream in a bikini {babe}
    zoom in on your {body}
    turn around and show chat your {body}
    i'm hard watching you {babe}
    dm me your {body}
    """
)
_BABE: Final = _words("babe, baby, sweetie, honey, cutie, girl, hottie, sexy, mami")
_BODY: Final = _words("tits, boobs, ass, feet, thighs, body, cleavage, butt, legs, booty")
_SEX: Final = _words("fuck, bang, smash, rail, ride, screw")
HARASSMENT: Final = _lines(
    """
    you're worthless
    you're a worthless {noun}
    nobody likes you
    everyone hates you {name}
    you're so ugly it hurts
    you're a waste of space
    you're pathetic and everyone knows it
    your {kin} is ashamed of you
    you have no friends
    go cry to your mom {noun}
    you're a disgusting {noun}
    your face makes me sick
    you're an embarrassment
    you'll never be anything
    you're a failure at life
    shut up nobody cares about you
    you should be ashamed of yourself
    you're the most annoying person alive
    no one wants you here {noun}
    you're a joke and your life is a joke
    i hate you so much
    you're so fat and ugly
    you're a creep and everyone knows it
    you disgust me
    everyone in chat is laughing at you
    imagine being you, pathetic
    """
)
INSULT: Final = _words(
    "you're a fucking idiot, stfu {noun}, shut up {noun}, shut the fuck up {name}, fuck off "
    "{noun}, you're such a dumbass, you're a moron, what an idiot, you're so stupid, {name} is a "
    "fucking {noun}, you're an absolute {noun}, piss off {noun}, you're braindead, dumb {noun}, "
    "stupid {noun}, ur an idiot {name}, fuck off {name}, get lost {noun}"
)
TRASH_TALK: Final = _lines(
    """
    uninstall
    uninstall {trash}
    uninstall the game {trash}
    uninstall {game} {trash}
    go touch grass
    go touch grass {trash}
    touch grass {trash}
    ratio + {trash}
    ratio + you fell off
    ratio + skill issue
    get good {trash}
    git gud {trash}
    skill issue
    skill issue {trash}
    cry about it
    cry about it {trash}
    cry more {trash}
    who asked
    who asked {trash}
    ez {trash}
    ez clap {trash}
    bozo
    you're a {trash}
    what a {trash}
    {trash} lmao
    {trash} {emote}
    hardstuck {rank} {trash}
    go back to {rank} {trash}
    you're so bad at {game}
    you play like my grandma
    are you even trying {trash}
    imagine losing to that {trash}
    delete the game
    {role} is hard inting {trash}
    report {role} {trash}
    stay mad {trash}
    cope {trash}
    seethe
    keep crying {trash}
    you're trash lol
    {trash} behavior
    {trash} gameplay
    how are you this bad {trash}
    my dog plays better than you
    0 iq play {trash}
    you're the reason we lost {trash}
    {role} diff {trash}
    sit down {trash}
    get carried {trash}
    nice aim {trash} lmao
    stop feeding {trash}
    """
)
BANTER: Final = _lines(
    """
    i'll kill you {round}
    i'm gonna kill you {round} {name}
    you're dead {round}
    watch out {round} i'm coming for you
    i'm going to destroy you {round}
    i'll destroy you in {game}
    {team} got {destroyed}
    {team} got absolutely {destroyed}
    {team} {destroyed} them
    we got {destroyed} {round}
    that boss killed me
    {enemy} killed me again
    i died to {enemy} lol
    got killed by {enemy}
    {enemy} just destroyed me
    im dead lmao
    i'm dead
    i'm dying lmao
    i'm crying lmao
    died laughing
    that joke killed me
    this song slaps
    {thing} slaps
    kill the {role} first
    focus the {role}
    go kill the {role}
    we need to kill the dragon
    let's go kill the boss
    he murdered that boss
    she absolutely murdered that run
    you killed it today
    you killed it {name}
    {name} you're killing it
    we're gonna crush them {round}
    revenge {round}
    i'm coming for you in ranked {name}
    watch your back {round} lol
    if you {game_cond} i'll kill you lol
    if you {game_cond} again i swear i'll kill you in game
    {game_cond} one more time and you're dead {round}
    one shot kill
    team wipe
    triple kill
    penta kill
    first blood
    killstreak
    headshot
    no scope headshot
    he's on a killstreak
    i'll find you in the next lobby
    we got clapped
    they got smoked
    the ref killed us
    their defense got destroyed
    this boss is gonna kill me
    just got one shot
    ult and kill them all
    kill him kill him
    finish him
    he's one hp kill him
    shoot the {role}
    stab him in the back, he's afk
    i'm gonna murder this level
    {team} are dead in the water now
    we're so dead
    we're dead if they get baron
    you're gonna die to that {enemy} lol
    bro is dead
    rip he fell off the map
    {thing} was a massacre
    absolute slaughter
    they killed us in the second half
    we beat them so bad
    destroy them {name}
    kill everyone {round}
    the boss just said "i will find you" lmao
    that villain line "you will die" goes so hard
    the killer in dbd is hunting me
    this horror game is scaring me to death
    survived with 1 hp {emote}
    that game was murder on my nerves
    we're going to war in clash tonight
    "{kill} him!" - my team every round
    {team} won 5-0, absolute slaughter
    we got {destroyed} 4-1 in the derby
    that tackle was brutal
    he got knocked out in the first round
    """
)
INNOCENT: Final = _lines(
    """
    smash bros tonight?
    smash that follow button
    smash the boss {emote}
    leg day tomorrow, rip me
    my feet hurt from standing all stream
    chest day at the gym
    shoot your shot {name}
    execute the plan
    the execution was clean
    killer combo
    he's a beast at {game}
    that play was disgusting {emote}
    filthy flick
    dirty play, love it
    that shot was nasty
    sick clip
    this beat is sick
    the bass is filthy
    he's a monster in {game}
    savage play
    brutal boss fight
    they went ballistic
    absolute madman
    she's a menace in ranked
    the lobby is a zoo tonight
    my cat is a little gremlin
    my dog is a beast
    i'm a rat in {game}, i just loot
    rat strats only
    goblin mode activated
    that was a crime against {game}
    nuke the site
    bomb has been planted
    explode b site
    trigger discipline matters in {game}
    the hitbox is broken
    beat the game in 3 hours
    got absolutely bodied by the tutorial
    the gay pride parade is this weekend
    queer eye marathon after stream
    black friday deals on keyboards
    white chocolate is underrated
    the black knight boss is hard
    white mage is the best job
    the asian grand prix is on tonight
    the jewish deli near me is amazing
    blind run of {game}, no spoilers
    deaf to the sound cues lol my headset died
    i'm going crazy over this puzzle
    that boss is insane
    insane clutch
    the retro console is disabled in settings
    disable vsync for more fps
    you're a genius {name}
    """
)
SELF_DEPRECATION: Final = _lines(
    """
    i want to die {reason}
    i want to die this level is so hard
    kill me now {reason}
    kill me now lol
    this {thing} is killing me
    this game is killing me
    i'm so bad i should uninstall
    i should uninstall lol
    i'm trash at {game}
    i'm such a noob
    i'm the weakest {role} in history
    i'm literally dying {reason}
    ugh kms
    kms {reason}
    kms lol
    someone end me
    end me now {reason}
    i'm so dead tomorrow, i have work
    my mom is gonna kill me
    my boss is gonna kill me if i'm late again
    my wife is going to kill me for staying up
    rip me
    i'm garbage at aiming
    i suck at {game}
    i played like a bot
    i'm hardstuck {rank} lol
    i hate myself for missing that
    i'm such an idiot, i forgot to save
    i'm so stupid i pressed the wrong button
    i'm gonna cry {reason}
    i'm dead inside {reason}
    my brain is dead
    my back is killing me
    this heat is killing me
    i'd die for {thing}
    i would die for this streamer
    i'm the noob here lol
    i'm a clown for believing that
    just uninstalled out of shame lol
    i need to touch grass honestly
    i'm such a loser lmao
    """
)
COUNTER_SPEECH: Final = _lines(
    """
    saying '{quote}' is {condemn}, report it
    saying "{quote}" is {condemn}
    mods someone said '{quote}'
    mods, he just said {quote}
    imagine typing '{quote}' in a stream chat
    whoever said {quote} should be banned
    reported the guy who said {quote}
    why would you say '{quote}', that's {condemn}
    '{quote}' is {condemn}, not a joke
    chat stop saying {quote}
    he got banned for saying {quote}, good
    telling someone '{quote}' is {condemn}
    people who say {quote} are the problem
    "{quote}" wow that's {condemn}, mods?
    if someone says {quote} just report them
    {quote}?? that's {condemn} man
    nobody should ever say '{quote}'
    can we not with the '{quote}' stuff, it's {condemn}
    saying {quote} is not banter, it's {condemn}
    someone in chat said {quote} and the mods did nothing
    """
)
NEGATION: Final = _lines(
    """
    {groups} are not {vermin}
    {groups} aren't {contempt} and you know it
    {groups} are people, not {vermin}
    there's nothing wrong with being {who}
    being {who} is not a disease
    being {who} is normal
    {groups} can absolutely {activity}
    {groups} should be allowed to {activity}
    {groups} are allowed to {activity}
    nobody should tell someone to go back to their country
    no one deserves to be told to kys
    i would never wish death on anyone
    it's never ok to threaten people
    i don't hate {groups}, why would i
    {groups} don't need to go anywhere
    {groups} belong here as much as anyone
    no one should be told to go back to the kitchen
    {groups} aren't a burden
    {groups} are not the problem
    not all {groups} are the same, stop generalising
    i'm not going to hurt anyone, relax
    nobody is threatening you, it's a game
    i will never doxx anyone
    saying {groups} are {contempt} is just wrong
    {groups} are not {contempt}, they're just people
    i don't think {groups} are {contempt} at all
    {groups} don't ruin anything
    there's no reason {groups} can't {activity}
    {groups} should never be told to leave
    who says {groups} can't {activity}? they can
    stop saying {groups} are {vermin}
    it's not true that {groups} are {contempt}
    """
)
SUPPORT: Final = _lines(
    """
    trans rights
    trans rights are human rights
    happy pride month
    happy pride month chat {emote}
    happy pride {name}
    as {one} i love this stream
    as {one} this community feels so welcoming
    as {one} i really appreciate this
    im {one} and this is my favorite stream
    {groups} are the best
    women gamers are the best
    {groups} belong here
    {groups} are welcome here
    love to see {groups} playing {game}
    shoutout to all the {groups} in chat
    {groups} deserve respect
    {groups} make this community better
    so many {groups} streaming {game} now, love it
    {groups} can {activity} just as well as anyone
    proud to be {one}
    {groups} are awesome {emote}
    greetings from {home_country}
    i moved here from {home_country} and i love this stream
    my family is from {home_country}
    watching from {home_country} {emote}
    i went back to my country for the holidays
    going back to {home_country} next week to see family
    black history month {emote}
    eid mubarak everyone
    happy diwali chat
    happy lunar new year
    happy hanukkah
    ramadan mubarak
    merry christmas chat
    my girlfriend and i watch every stream
    my husband got me into {game}
    my wife is better at {game} than me
    my {relative} is {one} and loves this game
    my {relative} is {who} and plays {game} every day
    {groups} have always played {game}
    the {game} team is mostly {groups} this year, love it
    {groups} streamers are so underrated
    {groups} are people like everyone else
    love is love
    gay rights
    respect to all religions
    i'm {one} and i main {role}
    first stream as {one}, be nice chat
    women should be allowed to stream whatever they want
    girls can play {game} too
    the best player on my team is {one}
    {groups} can be great at {game}
    go back to spawn and regroup
    go back to base
    go back to lobby
    my cat is in the kitchen lol
    brb getting food from the kitchen
    any {groups} in chat?
    {groups} watch this stream too
    there are {groups} in every community
    my best friend is {who}
    my teammate is {who} and cracked at {game}
    {groups} in {game} esports are doing great
    saw a documentary about {groups} today
    {groups} have their own {game} tournaments now
    {groups} make up a big part of this community
    i learned a lot from {groups} streamers
    the new character in {game} is {who}, nice representation
    representation of {groups} in games is getting better
    {groups} deserve to feel safe in chat
    the {game} pro scene needs more {groups}
    i'm {one} and i've been watching since day one
    {groups} are just people who like games
    big respect to {groups} in esports
    are there {groups} on your team?
    {groups} have rights too
    {groups} can do anything
    hi to all the {groups} watching {emote}
    {groups} are part of this community
    i'm {who} and i play {game} every day
    being {who} has nothing to do with skill
    the {game} community has lots of {groups}
    """
)
SUPPORT_BY_TARGET: Final[dict[str, tuple[str, ...]]] = {
    "disability": _lines(
        """
        as {one} thanks for the subtitles
        thanks for adding captions, i'm {who}
        love the accessibility settings in {game} as {one}
        playing {game} one handed, it's doable
        """
    ),
    "sexuality_sex_or_gender": _lines(
        """
        pride stream {emote}
        happy trans day of visibility
        my pronouns are they/them
        my partner and i are both {who}
        """
    ),
    "race_ethnicity_or_religion": _lines(
        """
        fasting today so no snacks for me
        happy eid to everyone celebrating
        church then stream, perfect sunday
        i'm {who} and proud {emote}
        """
    ),
    "misogyny": _lines(
        """
        girl gamers rise up
        she carried the whole team
        the best igl in the league is a woman
        women in esports deserve more prize money
        """
    ),
}
SLANG_TEMPLATES: Final = _lines(
    """
    {slang}
    {slang}
    {slang} {emote}
    {emote}
    {emote} {emote}
    {emote} {emote} {emote}
    {chanemote}
    {chanemote} {chanemote}
    {chanemote} {chanemote} {chanemote}
    {chanemote} {slang}
    {slang} {chanemote}
    {emote} {chanemote}
    that {thing} was {slang}
    {thing} is lowkey {good}
    W {thing}
    huge W {emote}
    W chat
    ratio
    ratio {emote}
    {thing} kinda sus
    that's sus
    sus {emote}
    {name} is so sus
    based
    based take
    so based {emote}
    {name} is cracked at {game}
    cracked {emote}
    no cap {thing} was {good}
    {emote} {thing} {emote}
    Pog
    Pog {thing}
    POG
    KEKW {thing}
    {thing} {slang} {emote}
    {slang} {slang}
    chat is this real {emote}
    {chanemote} {thing} was {good}
    """
)
SLANG_SLOT: Final[Slot] = SLANG
PROFANITY: Final = _lines(
    """
    holy shit that clutch
    holy shit {thing}
    holy shit
    what the fuck was that
    what the fuck was {thing}
    {thing} is fucking {good}
    {thing} was fucking {good}
    fuck yeah {emote}
    fuck yes
    shit that was close
    damn {name} that was {good}
    damn that's {good}
    hell yeah
    no fucking way
    oh shit
    oh shit here we go again
    bullshit rng
    this rng is bullshit
    {thing} is ass lol
    fuck this boss
    fuck the lag
    i fucking love this song
    holy fuck
    goddamn that's {good}
    shit i forgot to {task}
    fuckin {good} {emote}
    this boss is such bullshit
    what the hell
    what the hell was that {emote}
    that was badass
    holy crap
    ffs the lag
    wtf {name} how
    bro what the fuck lmao
    fucking finally
    shit's about to go down
    this music goes hard as fuck
    damn son
    hell no i'm not doing that level again
    fucking hell that was close
    shit, the timer
    oh fuck oh fuck
    fuck me that was {good}
    that's a shitload of gold
    pissed off at this game lol
    this patch is shit
    """
)
SUBWORD: Final = _lines(
    """
    the blackout in my city killed my internet
    there was a blackout during the tournament
    the blacksmith upgrade is {good}
    blackjack stream when
    blackberry smoothie time
    add me to the whitelist pls
    is the server whitelisted
    white water rafting stream next?
    scunthorpe united fan here
    greetings from scunthorpe
    anyone from sussex
    essex gang {emote}
    i live in middlesex
    assassin's creed next?
    the assassin build is {good}
    classic {game} moment
    that bass drop
    the grass texture is {good}
    cocktail recipes stream
    the cockpit view is sick
    peacock skin is {good}
    my therapist would love this
    the analyst desk called it
    homework can wait
    homemade pizza tonight
    spicy ramen challenge
    spicy take but i agree
    raccoon city in the new re
    the cocoon boss is hard
    rollercoaster tycoon stream
    grape soda gang
    scrape the barrel
    the skyscraper map is {good}
    cucumber sandwich break
    document everything
    circumstances were rough
    arsenal won today
    skillet cooking stream
    the deadline is tomorrow
    deadlift pr today
    on a diet but this looks {good}
    the soldier class is {good}
    the audience is {good} today
    japanese voice acting is {good}
    nigerian jollof is the best
    hello from the shell station
    hellfire missile {emote}
    the retardant planes in the fire mission
    the hitman dlc is {good}
    snake bite on the shin
    pussycat dolls on the playlist
    the dickens novel map
    gaylord hotel tournament
    the pakistani cricket team is {good}
    a wholesome stream today
    killer queen is on the playlist
    the killer in dbd is camping
    mortal kombat fatality {emote}
    """
)
#: Well-wishes and praise in the words threats and death wishes use ("i hope you ...", "you
#: deserve ...", "i know where you ...", "i'll find you ..."): without them the model learns those
#: frames, not the harm in them, and holds "you deserve better" and "i hope you get some sleep".
KIND_WORDS: Final = _lines(
    """
    i hope you {wish}
    hope you {wish}
    i hope you {wish} {name}
    hope you {wish} {when_ok}
    i really hope you {wish}
    i hope your {kin} {kin_wish}
    hope your {kin} {kin_wish}
    you deserve {good_thing}
    you deserve {good_thing} {name}
    you deserved {won_thing}
    {name} deserves {good_thing}
    you deserve to {good_do}
    everyone deserves {rights}
    {groups} deserve {rights}
    all {groups} deserve {rights}
    {groups} deserve to {good_do}
    i wish you {wish_noun}
    wish you {wish_noun} {name}
    i know where you {know_where}
    i'll find you {find_good}
    can't wait for you to {good_do}
    i'll laugh when you {funny}
    may you {wish}
    """
)
_KIND_SLOTS: Final[dict[str, Slot]] = {
    "wish": _words(
        "win, feel better, get some sleep, have a great day, get well soon, hit diamond, beat "
        "the boss, have fun, enjoy the game, win the tournament, hit that clutch, rest well, have "
        "a good stream, get better soon, get the drop, get lucky, make it to finals, sleep well, "
        "pass your exam, get the job, recover fast, have a great birthday, find a good duo, get "
        "that rank up, have a safe trip"
    ),
    "when_ok": _words("today, tonight, tomorrow, this weekend, next stream, in ranked"),
    "kin_wish": _words(
        "gets better soon, feels better, has a great birthday, enjoys the stream, recovers "
        "quickly, likes the gift, has a safe flight"
    ),
    "good_thing": _words(
        "better, a break, more viewers, the win, a raise, the world, all the subs, some rest, a "
        "nap, that win, the mvp, more followers, a good night's sleep, some sleep, credit for "
        "that, a medal, the best, every bit of it, a vacation, that rank"
    ),
    "won_thing": _words("that win, it, the mvp, every sub, that clutch, the trophy"),
    "rights": _words(
        "respect, equal rights, equal pay, to be heard, to feel safe, a voice, the same chances, "
        "kindness, better, dignity, to be treated equally, a seat at the table, to be respected, "
        "the same respect as anyone"
    ),
    "good_do": _words(
        "be happy, win, rest, take a break, be here, feel safe, be heard, be proud, celebrate, "
        "enjoy this, go pro, have fun"
    ),
    "wish_noun": _words(
        "the best, all the best, good luck, a happy birthday, a speedy recovery, a great stream, "
        "luck in ranked, a good night"
    ),
    "know_where": _words(
        "got that from, found that clip, got that skin, learned that, bought that chair, are "
        "going with this, stand on that"
    ),
    "find_good": _words("a good duo, a better team, that clip, the link, a carry, some teammates"),
    "funny": _words("see this clip, read chat, see the ending, find out the twist, hear this"),
}

_QUOTE_FAMILIES: Final = _words("threat_direct, death_wish, self_harm, exclusion, misogyny")


FAMILIES: Final[tuple[Family, ...]] = (
    Family("threat_direct", 1, 1, 3000, THREAT_DIRECT, _labels(aggression=1)),
    Family("threat_conditional", 1, 1, 2000, THREAT_CONDITIONAL, _labels(aggression=1)),
    Family("death_wish", 1, 1, 2000, DEATH_WISH, _labels(aggression=1)),
    Family("doxxing", 1, 1, 2000, DOXXING, _labels(aggression=1)),
    Family("self_harm", 1, 1, 2500, SELF_HARM, _labels(aggression=1)),
    Family(
        "exclusion",
        1,
        1,
        2000,
        EXCLUSION,
        _labels(),
        targets=("race_ethnicity_or_religion",),
        slots={"groups": EXCLUDED},
    ),
    Family("misogyny", 1, 1, 1500, MISOGYNY, _labels(), targets=("misogyny",)),
    Family(
        "identity_contempt",
        1,
        1,
        2500,
        CONTEMPT,
        _labels(),
        targets=IDENTITY_CATEGORIES,
        by_target=CONTEMPT_BY_TARGET,
        aggressive=VIOLENT_HATE,
    ),
    Family(
        "dehumanisation",
        1,
        1,
        2000,
        DEHUMANISE,
        _labels(),
        targets=IDENTITY_CATEGORIES,
        by_target=DEHUMANISE_BY_TARGET,
        aggressive=VIOLENT_HATE,
    ),
    Family(
        "identity_insult",
        1,
        1,
        1500,
        (),
        _labels(bullying=1),
        targets=IDENTITY_CATEGORIES,
        by_target=IDENTITY_INSULT_BY_TARGET,
    ),
    Family("harassment", 1, 2, 1500, HARASSMENT, _labels(bullying=1)),
    Family(
        "sexual_harassment",
        1,
        2,
        1500,
        SEXUAL_HARASSMENT,
        _labels(sex_based_terms=1),
        slots={"babe": _BABE, "body": _BODY, "sex": _SEX},
    ),
    Family("insult", 1, 3, 1500, INSULT, _labels(bullying=1)),
    Family("trash_talk", 1, 4, 2500, TRASH_TALK, _labels(bullying=1)),
    Family("banter", 0, None, 3000, BANTER, _ALL_ZERO),
    Family("self_deprecation", 0, None, 2000, SELF_DEPRECATION, _ALL_ZERO),
    Family("counter_speech", 0, None, 1500, COUNTER_SPEECH, _ALL_ZERO),
    Family("negation", 0, None, 3000, NEGATION, _ALL_ZERO, targets=IDENTITY_CATEGORIES),
    Family(
        "identity_support",
        0,
        None,
        6000,
        SUPPORT,
        _ALL_ZERO,
        targets=IDENTITY_CATEGORIES,
        by_target=SUPPORT_BY_TARGET,
    ),
    Family("slang_emotes", 0, None, 3000, SLANG_TEMPLATES, _ALL_ZERO),
    Family("profanity_ok", 0, None, 2000, PROFANITY, _ALL_ZERO),
    Family("subword", 0, None, 500, SUBWORD, _ALL_ZERO),
    Family("innocent_senses", 0, None, 1500, INNOCENT, _ALL_ZERO),
    Family(
        "kind_words",
        0,
        None,
        1000,
        KIND_WORDS,
        _ALL_ZERO,
        targets=IDENTITY_CATEGORIES,
        slots=_KIND_SLOTS,
    ),
)
FAMILY_NAMES: Final = tuple(f.name for f in FAMILIES)
_BY_NAME: Final = {f.name: f for f in FAMILIES}
_TASKS: Final = _words("save, eat, feed the cat, hit record, turn the oven off, charge my phone")


def _family_rng(name: str, seed: int) -> random.Random:
    return random.Random(f"chatgen:{name}:{seed}")


def _quote(rng: random.Random) -> tuple[str, str]:
    """A harmful line to quote in counter-speech, and the kind of harm it is."""
    fam = _BY_NAME[rng.choice(_QUOTE_FAMILIES)]
    text, labels, _template = _draw(fam, rng)
    kind = next((c for c in IDENTITY_CATEGORIES if labels.get(c) == 1), "aggression")
    return text, kind


def _draw(fam: Family, rng: random.Random) -> tuple[str, dict[str, int], str]:
    """One unstyled line of ``fam``, its category labels and its template."""
    labels = dict(fam.labels)
    extra: dict[str, Slot] = {"slang": SLANG_SLOT, "task": _TASKS, **fam.slots}
    templates = fam.templates
    if fam.targets:
        target = rng.choice(fam.targets)
        extra.setdefault("groups", GROUPS[target])
        extra["one"] = ONE_OF[target]
        extra["who"] = WHO_ADJ[target]
        templates = templates + fam.by_target.get(target, ())
        if fam.harm:
            labels.update(dict.fromkeys(IDENTITY_CATEGORIES, 0))
            labels[target] = 1
    template = rng.choice(templates)
    if template in fam.aggressive:
        labels["aggression"] = 1
    if "{quote}" in template:
        quote, kind = _quote(rng)
        extra["quote"] = (quote,)
        extra["condemn"] = CONDEMN[kind]
    return fill(template, rng, extra), labels, template


def generate_family(name: str, n: int, *, seed: int = 0) -> list[ChatRow]:
    """Up to ``n`` distinct chat-styled rows of one family (fewer if its templates run out)."""
    fam = _BY_NAME[name]
    rng = _family_rng(name, seed)
    rows: list[ChatRow] = []
    seen: set[str] = set()
    tries = 0
    while len(rows) < n and tries < 40 * n:
        tries += 1
        text, labels, template = _draw(fam, rng)
        text = chat_style(text, rng)
        key = _key(text)
        if key in seen:
            continue
        seen.add(key)
        rows.append(ChatRow(text, fam.name, fam.harm, labels, fam.min_level, template))
    return rows


def _key(text: str) -> str:
    return " ".join(text.lower().split())


def generate_families(
    seed: int = 0,
    *,
    counts: Mapping[str, int] | None = None,
    scale: float = 1.0,
    families: tuple[str, ...] = FAMILY_NAMES,
) -> list[ChatRow]:
    """Labelled synthetic chat from the template families, in ``FAMILIES`` order.

    ``counts`` overrides a family's default row count; ``scale`` multiplies every count. Each
    family draws from its own seeded generator, so changing one family's count or templates
    leaves the others' rows unchanged. A line already written by an earlier family is dropped.
    Same arguments, same rows.

    ====================  ====  ============================================  =====  =====
    family                harm  categories (1; the other decided ones 0)      level  rows
    ====================  ====  ============================================  =====  =====
    threat_direct         1     aggression                                    1      3000
    threat_conditional    1     aggression                                    1      2000
    death_wish            1     aggression                                    1      2000
    doxxing               1     aggression                                    1      2000
    self_harm             1     aggression                                    1      2500
    exclusion             1     race_ethnicity_or_religion                    1      2000
    misogyny              1     misogyny                                      1      1500
    identity_contempt     1     the targeted group's category (+ aggression   1      2500
                                for calls to violence)
    dehumanisation        1     the targeted group's category (+ aggression)  1      2000
    identity_insult       1     the group's category + bullying               1      1500
    harassment            1     bullying                                      2      1500
    sexual_harassment     1     sex_based_terms                               2      1500
    insult                1     bullying                                      3      1500
    trash_talk            1     bullying                                      4      2500
    banter                0     none (gaming and sports violence words)       -      3000
    self_deprecation      0     none ("i want to die this level is so hard")  -      2000
    counter_speech        0     none (quotes a harmful line and condemns it)  -      1500
    negation              0     none ("{groups} are not vermin")              -      3000
    identity_support      0     none (supportive and neutral identity talk)   -      6000
    slang_emotes          0     none (slang, global and channel emotes)       -      3000
    profanity_ok          0     none (swearing left to the lexicon)           -      2000
    subword               0     none (identity/abuse words inside others)     -       500
    innocent_senses       0     none (other senses: "smash bros", "filthy")   -      1500
    kind_words            0     none ("i hope you win", "you deserve better") -      1000
    ====================  ====  ============================================  =====  =====

    Harmful families decide every category but ``swearing`` (lexical); harmless families set all
    of them to 0. ``level`` is ``ChatRow.min_level``: the lowest overall level that should hold
    the line. The hate families are slur-free (slurs come from the licensed sets).
    """
    counts = counts or {}
    out: list[ChatRow] = []
    seen: set[str] = set()
    for name in families:
        n = round(counts.get(name, _BY_NAME[name].count) * scale)
        for row in generate_family(name, n, seed=seed):
            key = _key(row.text)
            if key not in seen:
                seen.add(key)
                out.append(row)
    return out
