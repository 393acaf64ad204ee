"""Build the chat-harm functional suite: ``functional/chat_harm.jsonl`` (evaluation only).

Every case is written for this suite: hand-written lines plus the suite's own templates filled
from its own word lists with a fixed seed, then restyled the way live chat is typed (lower case,
no punctuation, elongated words, emotes). Nothing here comes from a published test suite or from
the training generator (``chatgen``); ``--check-overlap`` counts cases equal to a training line
(``chatgen`` output and the texts under ``data/``) in the written file; the build drops any it
finds.

    python -m chatwarden.training.suites.build_chat_harm          # rewrite the JSONL
    python -m chatwarden.training.suites.build_chat_harm --check-overlap

Content warning: the hateful side contains slurs, threats and self-harm encouragement on
purpose; a filter cannot be measured without them. All addresses, names and IP addresses are
invented (IPs come from the documentation ranges).
"""

from __future__ import annotations

import csv
import json
import random
import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

SEED: Final = 20261206
OUT: Final = Path(__file__).resolve().parent / "functional" / "chat_harm.jsonl"
SUITE: Final = "chat_harm"

#: kinds on the "should be held at level 2" side, and the rest
HARM_KINDS: Final = ("threat", "self_harm", "hate")
OTHER_KINDS: Final = ("trash_talk", "benign")


@dataclass(frozen=True)
class Functionality:
    """One thing the engine must get right, with its cases' label, category and hold level.

    ``min_level``: the lowest overall level that must hold these lines (1 = even the mildest
    setting), ``None`` for lines no level should hold.
    """

    name: str
    kind: str
    category: str | None
    min_level: int | None
    description: str
    hand: tuple[str, ...] = ()
    templates: tuple[str, ...] = ()
    fill: dict[str, tuple[str, ...]] = field(default_factory=dict)
    n: int = 56
    style: bool = True


# --------------------------------------------------------------------------- shared word lists

CHAT_NAMES: Final = ("streamer", "chat", "bro", "dude", "man", "mods", "guys", "bestie", "fam")
EMOTES_ANY: Final = (
    "Kappa",
    "LUL",
    "KEKW",
    "OMEGALUL",
    "PogChamp",
    "monkaS",
    "Sadge",
    "PepeHands",
    "catJAM",
    "peepoClap",
    "4Head",
    "NotLikeThis",
    "SeemsGood",
    "<3",
    "xd",
    "💀",
    "😂",
)
#: emotes added to harmless lines by ``chat_style``: none of them mocks what the line says
EMOTES_NICE: Final = ("<3", "PogChamp", "SeemsGood", "catJAM", "peepoClap", "HeyGuys", "o7", "🔥")
#: emotes that do not turn a hateful line into a joke
EMOTES_HARM: Final = ("KEKW", "LULW", "OMEGALUL", "💀", "🤡", "monkaS", "Madge", "🖕")

RACE: Final = (
    "black people",
    "white people",
    "asians",
    "asian people",
    "black folks",
    "brown people",
    "native americans",
    "latinos",
    "hispanics",
    "arabs",
)
ETHNIC: Final = (
    "mexicans",
    "chinese people",
    "indians",
    "pakistanis",
    "africans",
    "roma people",
    "koreans",
    "filipinos",
    "polish people",
    "nigerians",
    "somalis",
)
RELIGION: Final = (
    "muslims",
    "jews",
    "jewish people",
    "christians",
    "hindus",
    "sikhs",
    "catholics",
    "buddhists",
)
SEXUALITY: Final = (
    "gay people",
    "gays",
    "lesbians",
    "bisexuals",
    "queer people",
    "homosexuals",
    "gay men",
    "bi people",
)
GENDER_ID: Final = (
    "trans people",
    "trans women",
    "trans men",
    "transgender people",
    "nonbinary people",
    "trans kids",
)
DISABLED: Final = (
    "disabled people",
    "autistic people",
    "deaf people",
    "blind people",
    "people in wheelchairs",
    "people with down syndrome",
    "mentally ill people",
    "people with adhd",
)
WOMEN: Final = (
    "women",
    "girls",
    "female streamers",
    "female gamers",
    "women streamers",
    "females",
    "girl gamers",
    "women in esports",
)
IMMIGRANTS: Final = (
    "immigrants",
    "refugees",
    "migrants",
    "asylum seekers",
    "foreigners",
    "illegals",
    "immigrant families",
)
ALL_GROUPS: Final = RACE + ETHNIC + RELIGION + SEXUALITY + GENDER_ID + DISABLED + WOMEN + IMMIGRANTS

NEG: Final = (
    "criminals",
    "thieves",
    "liars",
    "degenerates",
    "freaks",
    "lazy",
    "dumb",
    "worthless",
    "disgusting",
    "a joke",
    "dangerous",
    "evil",
)
ACT: Final = (
    "stream",
    "vote",
    "play ranked",
    "have kids",
    "work here",
    "be on twitch",
    "talk in chat",
    "be mods",
    "own a business",
    "live here",
    "play competitive",
    "teach kids",
)
PLACE: Final = (
    "twitch",
    "this chat",
    "this country",
    "our schools",
    "gaming",
    "esports",
    "this server",
    "the internet",
    "my neighbourhood",
)
HATE_TEMPLATES: Final = (
    "{g} are disgusting",
    "i hate {g}",
    "i fucking hate {g}",
    "{g} are a cancer on society",
    "{g} ruin everything they touch",
    "{g} should not be allowed to {act}",
    "{g} are all {neg}",
    "{g} are too stupid to {act}",
    "never trust {g}",
    "{g} dont deserve rights",
    "{g} make me sick",
    "ban {g} from {place}",
    "nobody wants {g} around",
    "{g} shouldnt exist",
    "keep {g} out of {place}",
    "{g} are inferior",
    "i would never let {g} near my kids",
    "{g} are the reason {place} is going to shit",
    "{g} need to be put in their place",
    "the world would be better without {g}",
    "cant stand {g} honestly",
    "{g} are filthy",
    "{g} are naturally {neg}",
    "{g} will never be equal to us",
    "every single one of {g} is {neg}",
    "{g} are a mistake",
    "get {g} off {place}",
    "no {g} allowed in {place}",
)

THREAT_WHO: Final = (
    "i will",
    "i'm going to",
    "im gonna",
    "ima",
    "i'll",
    "i swear to god i will",
    "i am going to",
    "i will personally",
    "imma",
)
KILL: Final = ("kill", "murder", "stab", "shoot", "strangle", "hurt", "gut", "shank")
WHEN_IRL: Final = (
    "",
    " irl",
    " tonight",
    " in your sleep",
    " when i find you",
    " for real",
    " after stream",
    " dead serious",
    " with my bare hands",
    " no joke",
    " tomorrow",
    " and nobody will find you",
)
FULL_HARM: Final = (
    "break every bone in your body",
    "put a bullet in your head",
    "slit your throat",
    "burn your house down",
    "make you bleed",
    "cave your skull in",
    "end your life",
    "run you over with my car",
    "bash your head in",
    "hurt your family",
)
TARGETS: Final = (
    "you",
    "this streamer",
    "the streamer",
    "your whole family",
    "that mod",
    "all of you",
    "your girlfriend",
    "your kids",
)
DIE_HOW: Final = (
    "die",
    "get cancer and die",
    "die in a fire",
    "get hit by a bus",
    "crash your car",
    "never wake up",
    "die slowly",
    "get shot",
    "rot in a ditch",
    "choke and die",
    "die alone",
    "drown",
)
STREETS: Final = ("maple", "oak", "birch", "elm", "cedar", "willow", "harbor", "sunset", "lake")
SUFFIX: Final = ("street", "st", "ave", "avenue", "road", "rd", "lane", "drive", "court")
CITIES: Final = ("springfield", "riverton", "fairview", "lakewood", "millbrook", "ashford")
REALNAMES: Final = ("jordan miller", "sam whitaker", "alex brennan", "casey holt", "riley quinn")
IPS: Final = ("192.0.2.44", "198.51.100.7", "203.0.113.91", "192.0.2.180", "198.51.100.203")

NOOB: Final = (
    "noob",
    "bozo",
    "nerd",
    "bot",
    "clown",
    "kid",
    "scrub",
    "potato",
    "npc",
    "loser",
)

SLURS_RACE: Final = (
    "nigger",
    "chink",
    "spic",
    "wetback",
    "kike",
    "gook",
    "raghead",
    "towelhead",
    "beaner",
    "coon",
    "paki",
    "sand monkey",
)
SLURS_SEX: Final = ("faggot", "fag", "dyke", "homo", "fairy boy", "fudge packer")
SLURS_TRANS: Final = ("tranny", "shemale", "trannie", "he-she", "troon", "ladyboy freak")
SLURS_DISAB: Final = ("retard", "spaz", "mongoloid", "cripple", "retarded freak", "window licker")
SLURS_WOMEN: Final = ("dumb bitch", "whore", "slut", "cunt", "stupid thot", "worthless hoe")
SLUR_TEMPLATES: Final = (
    "shut up {s}",
    "you {s}",
    "stfu {s}",
    "ban this {s}",
    "what a {s}",
    "imagine being a {s}",
    "nobody likes you {s}",
    "go cry {s}",
    "lmao {s}",
    "ur such a {s}",
    "typical {s}",
    "this {s} cant play",
    "{s} detected",
    "get out of here {s}",
    "listen here {s}",
    "of course the {s} is losing",
    "sit down {s}",
    "ok {s}",
    "hey {s} nobody asked",
)
HOMOGLYPHS: Final = {"a": "а", "e": "е", "o": "о", "c": "с", "i": "і", "p": "р", "x": "х"}
LEET: Final = {"a": "4", "e": "3", "i": "1", "o": "0", "s": "5", "t": "7"}

IDENT_SING: Final = (
    "gay",
    "trans",
    "muslim",
    "jewish",
    "black",
    "asian",
    "disabled",
    "deaf",
    "autistic",
    "lesbian",
    "bisexual",
    "nonbinary",
    "hindu",
    "sikh",
    "mexican",
    "nigerian",
    "korean",
    "arab",
    "latina",
    "indigenous",
    "blind",
    "an immigrant",
    "a refugee",
    "catholic",
    "queer",
)
IDENT_PL: Final = (
    "gay people",
    "trans people",
    "muslims",
    "jewish people",
    "black people",
    "asian people",
    "disabled people",
    "deaf people",
    "autistic people",
    "lesbians",
    "nonbinary people",
    "immigrants",
    "refugees",
    "women",
    "hindus",
    "sikhs",
    "latinos",
    "wheelchair users",
    "trans women",
    "black women",
)
IDENT_ADJ: Final = (
    "gay",
    "trans",
    "muslim",
    "jewish",
    "black",
    "asian",
    "disabled",
    "deaf",
    "autistic",
    "lesbian",
    "nonbinary",
    "immigrant",
    "latino",
    "indigenous",
    "women",
    "queer",
    "sikh",
    "bisexual",
)
REL: Final = (
    "sister",
    "brother",
    "cousin",
    "best friend",
    "roommate",
    "aunt",
    "coworker",
    "teammate",
    "duo partner",
)
GAMES: Final = (
    "valorant",
    "league",
    "apex",
    "fortnite",
    "minecraft",
    "elden ring",
    "cs2",
    "overwatch",
    "rocket league",
    "dota",
)
RANK: Final = ("silver", "gold", "bronze", "plat", "iron", "diamond")


# --------------------------------------------------------------------------- functionalities


def _threats() -> list[Functionality]:
    return [
        Functionality(
            "threat_direct",
            "threat",
            "aggression",
            1,
            "direct threats of violence against the streamer or a chatter",
            hand=(
                "i will kill you",
                "I'm going to kill you, I mean it",
                "im coming to your house to kill you",
                "you're dead when i find you",
                "i will end you irl",
                "watch your back, im coming for you",
                "i'll put you in the hospital",
                "gonna beat you half to death next time i see you",
                "i will hunt you down",
                "your days are numbered",
                "you wont see tomorrow",
                "i have a gun and i know how to use it on you",
            ),
            templates=(
                "{who} {kill} you{when}",
                "{who} {kill} {target}{when}",
                "{who} {full}",
                "{who} {full}{when}",
                "{name} {who} {kill} you{when}",
                "{who} {kill} you {emote}",
            ),
            fill={
                "who": THREAT_WHO,
                "kill": KILL,
                "when": WHEN_IRL,
                "full": FULL_HARM,
                "target": TARGETS,
                "name": CHAT_NAMES,
                "emote": EMOTES_HARM,
            },
            n=64,
        ),
        Functionality(
            "threat_conditional",
            "threat",
            "aggression",
            1,
            "conditional and implicit threats ('ban me again and i will ...')",
            hand=(
                "ban me again and you're dead",
                "keep talking and see what happens to you",
                "you better sleep with one eye open",
                "if i ever see you at a con you're getting stabbed",
                "say that to my face and i'll break your jaw",
                "one more timeout and i'm coming for you",
                "you won't be safe after stream",
                "keep it up and you'll end up in a body bag",
                "unban me or you'll regret it for the rest of your short life",
                "mute me again and your family pays for it",
            ),
            templates=(
                "{cond} {who} {kill} you",
                "{cond} {who} {full}",
                "{cond}, {who} {kill} you{when}",
                "{who} {kill} you {cond2}",
                "{who} {full} {cond2}",
            ),
            fill={
                "cond": (
                    "if you ban me again",
                    "if i see you at twitchcon",
                    "if you dont unban me",
                    "say that one more time and",
                    "keep talking and",
                    "block me and",
                    "if you ever come to my city",
                    "if you mute me",
                    "one more word and",
                    "timeout me again and",
                    "if you read this out loud",
                ),
                "cond2": (
                    "if you ban me",
                    "if you time me out again",
                    "if you keep ignoring me",
                    "if i ever meet you",
                    "unless you unban me",
                    "the moment you go offline",
                    "if you touch my account",
                ),
                "who": THREAT_WHO,
                "kill": KILL,
                "full": FULL_HARM,
                "when": WHEN_IRL,
            },
            n=58,
        ),
        Functionality(
            "threat_identity_group",
            "threat",
            "aggression",
            1,
            "calls for violence against a protected group",
            templates=(
                "kill all {g}",
                "we should kill all {g}",
                "{g} should be lined up and shot",
                "someone needs to shoot up a {site}",
                "i want to hurt {g}",
                "hang all the {g}",
                "burn down every {site}",
                "{g} deserve to be beaten",
                "round up the {g} and {kill} them",
                "time to start killing {g}",
                "i'd {kill} every one of those {g}",
                "exterminate the {g}",
            ),
            fill={
                "g": ALL_GROUPS,
                "site": ("mosque", "synagogue", "gay bar", "church", "temple", "pride parade"),
                "kill": ("kill", "shoot", "stab", "burn"),
            },
            n=60,
        ),
        Functionality(
            "kys",
            "self_harm",
            "aggression",
            1,
            "'kill yourself' and its spellings and euphemisms",
            hand=(
                "k y s",
                "KYS",
                "k.y.s",
                "k-y-s",
                "kysss",
                "kill urself",
                "kill ur self",
                "kill yo self",
                "killyourself",
                "go kys",
                "unalive yourself",
                "neck yourself",
            ),
            templates=(
                "{kys} {noob}",
                "just {kys}",
                "{kys} lmao",
                "{noob} {kys}",
                "{kys} {name}",
                "{name} {kys}",
                "pls {kys}",
                "do us all a favor and {kys}",
                "{kys} now",
                "{kys} already",
                "honestly {kys}",
                "{kys} {emote}",
                "nobody cares {kys}",
                "go {kys2}",
            ),
            fill={
                "kys": (
                    "kys",
                    "k y s",
                    "k.y.s",
                    "KYS",
                    "kill yourself",
                    "kill urself",
                    "kill ur self",
                    "kill your self",
                    "k1ll yourself",
                    "kill y0urself",
                    "kil urself",
                    "unalive yourself",
                    "unalive urself",
                    "neck yourself",
                    "kms urself",
                ),
                "kys2": (
                    "kill yourself",
                    "kill urself",
                    "unalive yourself",
                    "neck yourself",
                    "kys",
                    "k y s",
                ),
                "noob": NOOB,
                "name": CHAT_NAMES,
                "emote": EMOTES_HARM,
            },
            n=66,
        ),
        Functionality(
            "death_wish",
            "threat",
            "aggression",
            1,
            "wishing death or serious harm on someone",
            hand=(
                "just die already",
                "drop dead",
                "i hope your whole family dies",
                "you deserve to be dead",
                "can't wait to read your obituary",
                "the day you die will be a holiday",
                "i pray something terrible happens to you",
            ),
            templates=(
                "i hope you {die}",
                "hope u {die}",
                "i really hope {target} {die2}",
                "wish you would {die}",
                "i pray you {die} tonight",
                "cant wait for you to {die}",
                "i hope your {rel} {die2}",
                "you deserve to {die}",
                "go {die} {noob}",
                "{name} i hope you {die}",
                "i hope you {die} {emote}",
                "someone make this {noob} {die}",
            ),
            fill={
                "die": DIE_HOW,
                "die2": (
                    "dies",
                    "gets cancer",
                    "dies in a fire",
                    "gets hit by a bus",
                    "crashes and dies",
                    "never wakes up",
                    "dies slowly",
                ),
                "target": ("this streamer", "the streamer", "that mod", "he", "she", "your mom"),
                "rel": ("mom", "dad", "dog", "kids", "sister", "wife", "family"),
                "noob": NOOB,
                "name": CHAT_NAMES,
                "emote": EMOTES_HARM,
            },
            n=60,
        ),
        Functionality(
            "doxxing",
            "threat",
            "aggression",
            1,
            "threats to find someone, and posting an address, a real name or an IP address",
            hand=(
                "i know where you live",
                "i found your address lol",
                "i will find where you live",
                "found your house on street view",
                "i know what school you go to",
                "i saw your car outside your place today",
                "i know which apartment is yours",
                "your mom's work address is public btw, see you there",
                "got your address from your old tweet",
                "guess who knows where you sleep",
            ),
            templates=(
                "your address is {num} {street} {suffix} {city}",
                "{num} {street} {suffix}, thats you right?",
                "see you soon at {num} {street} {suffix}",
                "nice house on {street} {suffix}, ill be there tonight",
                "{real} lives at {num} {street} {suffix} {city}",
                "posting her address: {num} {street} {suffix}, {city}",
                "your real name is {real} and you live in {city}",
                "i know you live on {street} {suffix} in {city}",
                "your ip is {ip}",
                "leaked your ip {ip} have fun",
                "hey {real}, i know where you live",
                "{city}, {street} {suffix}, number {num}. see you soon",
                "everyone go to {num} {street} {suffix} {city} and say hi to {real}",
            ),
            fill={
                "num": tuple(str(n) for n in (12, 48, 133, 207, 314, 1412, 2290, 77, 905)),
                "street": STREETS,
                "suffix": SUFFIX,
                "city": CITIES,
                "real": REALNAMES,
                "ip": IPS,
            },
            n=58,
        ),
        Functionality(
            "self_harm_encouragement",
            "self_harm",
            "aggression",
            1,
            "urging someone to hurt themselves",
            hand=(
                "nobody would miss you if you were gone",
                "the world doesnt need you, end it",
                "you'd be better off dead",
                "everyone would be happier if you killed yourself",
                "do it, nobody will stop you",
                "you should have ended it years ago",
                "why are you still alive",
            ),
            templates=(
                "just {sh}",
                "go {sh}",
                "you should {sh}",
                "do everyone a favour and {sh}",
                "why dont you just {sh}",
                "{noob} should {sh}",
                "{sh} {noob}",
                "seriously {sh}, nobody cares",
                "{name} go {sh} {emote}",
            ),
            fill={
                "sh": (
                    "cut yourself",
                    "hang yourself",
                    "jump off a bridge",
                    "drink bleach",
                    "slit your wrists",
                    "overdose",
                    "end it all",
                    "starve yourself",
                    "jump in front of a train",
                    "off yourself",
                    "take all your pills",
                ),
                "noob": NOOB,
                "name": CHAT_NAMES,
                "emote": EMOTES_HARM,
            },
            n=58,
        ),
    ]


def _hate() -> list[Functionality]:
    groups = (
        ("hate_race", "race_ethnicity_or_religion", RACE, "hatred of a race, no slur"),
        (
            "hate_ethnicity",
            "race_ethnicity_or_religion",
            ETHNIC,
            "hatred of an ethnicity or a nationality, no slur",
        ),
        ("hate_religion", "race_ethnicity_or_religion", RELIGION, "hatred of a religion, no slur"),
        ("hate_sexuality", "sexuality_sex_or_gender", SEXUALITY, "hatred of a sexuality, no slur"),
        (
            "hate_gender_identity",
            "sexuality_sex_or_gender",
            GENDER_ID,
            "hatred of trans and nonbinary people, no slur",
        ),
        ("hate_disability", "disability", DISABLED, "hatred of disabled people, no slur"),
        (
            "hate_immigrants",
            "race_ethnicity_or_religion",
            IMMIGRANTS,
            "hatred of immigrants and refugees, no slur",
        ),
    )
    out = [
        Functionality(
            name,
            "hate",
            cat,
            1,
            desc,
            templates=(*HATE_TEMPLATES, "{g} are {neg} {emote}"),
            fill={"g": g, "neg": NEG, "act": ACT, "place": PLACE, "emote": EMOTES_HARM},
            n=56,
        )
        for name, cat, g, desc in groups
    ]
    out.append(
        Functionality(
            "misogyny",
            "hate",
            "misogyny",
            1,
            "contempt for women: exclusion, stereotypes, reducing women to bodies, no slur",
            hand=(
                "women shouldn't be allowed to stream",
                "women belong in the kitchen",
                "get back in the kitchen",
                "make me a sandwich woman",
                "girls cant aim, its biology",
                "she only gets viewers because of her chest",
                "women are only good for cooking and cleaning",
                "women are too emotional to play competitive",
                "no girls allowed in ranked",
                "women should shut up and look pretty",
                "women ruin gaming",
                "women dont deserve to vote",
                "a woman's opinion means nothing",
                "she should be in the kitchen not on twitch",
                "women are property",
            ),
            templates=(
                *HATE_TEMPLATES,
                "{g} only get views by showing skin",
                "{g} cant play {game} to save their lives",
                "{g} belong in the kitchen not in {place}",
                "shut up and go make a sandwich {emote}",
            ),
            fill={
                "g": WOMEN,
                "neg": NEG,
                "act": ACT,
                "place": PLACE,
                "game": GAMES,
                "emote": EMOTES_HARM,
            },
            n=62,
        )
    )
    slurs = (
        ("slur_race_religion", "race_ethnicity_or_religion", SLURS_RACE, "racial slurs"),
        ("slur_sexuality", "sexuality_sex_or_gender", SLURS_SEX, "homophobic slurs"),
        ("slur_gender_identity", "sexuality_sex_or_gender", SLURS_TRANS, "transphobic slurs"),
        ("slur_disability", "disability", SLURS_DISAB, "ableist slurs"),
        ("slur_misogynist", "misogyny", SLURS_WOMEN, "misogynist slurs aimed at a woman"),
    )
    for name, cat, words, desc in slurs:
        out.append(
            Functionality(
                name,
                "hate",
                cat,
                1,
                f"{desc}, aimed at a person or a group",
                templates=(*SLUR_TEMPLATES, "all {s}s should leave {place}", "{s}s like you"),
                fill={"s": words, "place": PLACE},
                n=56,
            )
        )
    out += [
        Functionality(
            "dehumanisation",
            "hate",
            "race_ethnicity_or_religion",
            1,
            "a protected group likened to animals, vermin or disease",
            templates=(
                "{g} are {animal}",
                "{g} arent even human",
                "{g} are basically {animal}",
                "{g} breed like rats",
                "treat {g} like the {animal} they are",
                "{g} are {animal} and should be wiped out",
                "{g} are a plague on {place}",
                "{g} are less than human",
                "{g} spread like a disease",
            ),
            fill={
                "g": RACE + ETHNIC + RELIGION + IMMIGRANTS,
                "animal": (
                    "animals",
                    "vermin",
                    "rats",
                    "cockroaches",
                    "parasites",
                    "a disease",
                    "subhuman",
                    "apes",
                    "savages",
                    "insects",
                    "pests",
                    "a virus",
                ),
                "place": PLACE,
            },
            n=60,
        ),
        Functionality(
            "exclusion",
            "hate",
            "race_ethnicity_or_religion",
            1,
            "'go back to your country'-style exclusion",
            hand=(
                "go back to your country",
                "go back to where you came from",
                "get out of my country",
                "we dont want your kind here",
                "your kind isnt welcome here",
                "send them all back",
                "nobody invited you to this country",
                "go back to your desert",
                "go home foreigner",
                "this country is not for people like you",
            ),
            templates=(
                "go back to {country}",
                "go back to {country} {noob}",
                "{g} should go back to {country}",
                "{g} dont belong here",
                "deport all {g}",
                "{g} out of {place}",
                "{g} go home",
                "pack your bags and go back to {country}",
                "no one wants {g} in this country",
                "{name} go back to your country",
            ),
            fill={
                "country": (
                    "mexico",
                    "china",
                    "india",
                    "africa",
                    "pakistan",
                    "your village",
                    "your shithole country",
                    "the middle east",
                    "poland",
                    "somalia",
                ),
                "g": ETHNIC + IMMIGRANTS + RELIGION[:3],
                "place": PLACE,
                "noob": NOOB,
                "name": CHAT_NAMES,
            },
            n=60,
        ),
    ]
    return out


def _obfuscated() -> Functionality:
    """Slur lines with the slur disguised; built in ``_obfuscate_slurs``, not from templates."""
    return Functionality(
        "obfuscated_slurs",
        "hate",
        None,
        1,
        "slurs disguised: leetspeak, spacing, dots, asterisks, homoglyphs, repeated letters",
        n=64,
        style=False,
    )


def _trash_talk() -> Functionality:
    return Functionality(
        "trash_talk",
        "trash_talk",
        "bullying",
        4,
        "ordinary gaming trash talk: held only at level 4 (or by a channel's choice)",
        hand=(
            "uninstall noob",
            "go touch grass bozo",
            "skill issue",
            "cry about it",
            "you're dogwater",
            "L + ratio",
            "stay mad",
            "who let this bot into ranked",
            "hardstuck silver lmao",
            "imagine losing to that",
            "absolute dogshit aim",
            "sit down kid",
        ),
        templates=(
            "uninstall {noob}",
            "go touch grass {noob}",
            "ur trash {noob}",
            "get good {noob}",
            "{noob} diff",
            "sit down {noob}",
            "{name} is so washed",
            "who let this {noob} in ranked",
            "you play like a {noob}",
            "delete {game} {noob}",
            "hardstuck {rank} {noob}",
            "imagine being this bad at {game}",
            "{noob} aim",
            "L {noob}",
            "cope {noob}",
            "ez {noob}",
            "{name} plays like a {noob} {emote}",
        ),
        fill={
            "noob": NOOB,
            "name": ("streamer", "the jungler", "our support", "this guy", "he", "mid"),
            "game": GAMES,
            "rank": RANK,
            "emote": EMOTES_ANY,
        },
        n=60,
    )


def _benign_identity() -> list[Functionality]:
    return [
        Functionality(
            "identity_neutral",
            "benign",
            None,
            None,
            "neutral statements about oneself or others that name an identity",
            hand=(
                "Transgender",
                "Muslim",
                "Black",
                "gay",
                "nonbinary",
                "Deaf",
                "Jewish",
                "Bisexual",
            ),
            templates=(
                "my {rel} is {ident}",
                "{pl} play {game} too",
                "grew up in a {adj} family",
                "went to a {adj} wedding last weekend",
                "there are lots of {pl} in my town",
                "the new character is {ident}",
                "is the streamer {ident}? just curious",
                "my {rel} just came out as {out}",
                "the dev team hired some {pl}",
                "we have {pl} on our {game} team",
                "{pl} watch this stream too",
                "i met a lot of {pl} at the convention",
                "my teacher was {ident}",
                "our clan leader is {ident}",
                "both my parents are {ident}",
                "being {ident} is just part of who i am",
            ),
            fill={
                "rel": REL,
                "ident": IDENT_SING,
                "out": ("gay", "lesbian", "bisexual", "trans", "nonbinary", "queer", "bi", "ace"),
                "pl": IDENT_PL,
                "adj": IDENT_ADJ,
                "game": GAMES,
            },
            n=64,
        ),
        Functionality(
            "identity_supportive",
            "benign",
            None,
            None,
            "support, pride and solidarity with an identity group",
            hand=(
                "trans people belong here",
                "lets raise some money for trans youth charities",
                "happy lunar new year chat",
                "love is love",
                "black lives matter",
                "proud ally here",
            ),
            templates=(
                "love to see {adj} streamers doing well",
                "proud of my {adj} friends",
                "{pl} are welcome here",
                "sending love to all {adj} viewers",
                "we should raise money for {adj} charities",
                "glad this stream supports {pl}",
                "{adj} representation in games matters",
                "more {adj} creators pls",
                "so happy the new hero is {ident}",
                "{pl} deserve respect",
                "protect {pl}",
                "shoutout to every {adj} gamer watching {emote}",
                "{pl} make this community better",
                "big love to the {adj} community <3",
            ),
            fill={
                "adj": IDENT_ADJ,
                "pl": IDENT_PL,
                "ident": IDENT_SING,
                "emote": EMOTES_ANY,
            },
            n=60,
        ),
        Functionality(
            "identity_discussion",
            "benign",
            None,
            None,
            "facts, history and news that mention an identity group",
            hand=(
                "black socialists were a big part of the civil rights movement",
                "jewish people were persecuted across europe for centuries",
                "the first muslim player in the league won mvp",
                "gay marriage has been legal there since 2015",
                "the paralympics are on this week",
                "deaf players use visual sound cues in this game",
            ),
            templates=(
                "{pl} face a lot of discrimination online",
                "studies show {pl} are underrepresented in esports",
                "there's a documentary about {adj} gamers",
                "my thesis is about {adj} history",
                "the {adj} community organized a charity stream",
                "a lot of {pl} live in that city",
                "the museum has a section on {adj} history",
                "{pl} have been playing fighting games for decades",
                "the study looked at how {pl} use social media",
                "the article interviewed {pl} about their jobs",
                "{adj} history month starts next week",
            ),
            fill={"pl": IDENT_PL, "adj": IDENT_ADJ},
            n=56,
        ),
        Functionality(
            "women_neutral",
            "benign",
            None,
            None,
            "women and girls mentioned neutrally or positively",
            hand=(
                "women in esports are killing it",
                "girl gamers W",
                "shoutout to the ladies in chat",
                "the womens team won the final",
                "BUSINESS WOMEN LETS GOOO",
                "she is cracked at this game",
                "queen behavior",
                "my mom taught me to play",
                "female streamers carry this category",
                "women's history month",
            ),
            templates=(
                "my {fem} is better at {game} than me",
                "{fem} and i are watching together",
                "the {fem} on the other team was insane",
                "{women} play {game} too",
                "shoutout to all the {women} in chat",
                "{women} built this community",
                "the best {game} player i know is a woman",
                "{women} in tech are awesome",
                "my {fem} just hit {rank} in {game}",
                "props to the {women} who organized this tourney",
            ),
            fill={
                "fem": ("sister", "girlfriend", "wife", "mom", "aunt", "daughter", "grandma"),
                "women": ("women", "girls", "female streamers", "the ladies", "girl gamers"),
                "game": GAMES,
                "rank": RANK,
            },
            n=56,
        ),
        Functionality(
            "identity_words_inside_words",
            "benign",
            None,
            None,
            "words that contain an identity term or a slur ('whiteboard', 'Scunthorpe', 'grape')",
            hand=(
                "her to do list is on the whiteboard",
                "there was a blackout in my whole street",
                "visiting family in Scunthorpe this weekend",
                "grape soda is underrated",
                "my therapist says i play too much",
                "this cocktail is strong",
                "the assassin build is broken",
                "the bass in this song",
                "i have class in an hour",
                "classic streamer moment",
                "data analysis homework is killing me",
                "Essex and Sussex are next to each other",
                "this curry is so spicy",
                "a raccoon got into my trash",
                "transmission on my car died",
                "watched transformers last night",
                "they transferred him to another team",
                "Niagara falls trip was amazing",
                "reading Dickens for school",
                "the Titanic exhibit was cool",
                "fire retardant spray",
                "the whitelist for the server is open",
                "the blacksmith in this game sells good swords",
                "black ops zombies tonight",
                "the white walkers scene",
                "black friday sales",
                "grapefruit juice",
                "new jewelry drop looks clean",
                "the cockpit view in this sim",
                "buying a blackberry pie",
                "the hancock tower",
                "penistone is a small town in yorkshire",
                "passage in the book",
                "a peacock walked by my window",
                "my coonhound is sleeping",
                "the tycoon game is so relaxing",
                "use the whiteboard for strats",
                "blackout drunk last night lol",
                "cocoon armor set",
                "homemade pizza tonight",
                "spice rack organized finally",
                "the middlesex county fair",
                "sextant in the pirate game",
                "the cockatoo screaming in the background",
                "whitewater rafting vid next",
                "moby dick is a long book",
                "shiitake mushroom risotto",
                "the grapevine level is hard",
                "therapists deserve more pay",
                "black pepper on everything",
            ),
            templates=(
                "{word} {tail}",
                "who has the {word} {tail2}",
                "lol the {word} again",
            ),
            fill={
                "word": (
                    "whiteboard",
                    "blackout",
                    "grape",
                    "cocktail",
                    "raccoon",
                    "blacksmith",
                    "whitelist",
                    "therapist",
                    "bass",
                    "jewelry",
                    "spice",
                    "cockpit",
                    "transmission",
                    "blackjack",
                ),
                "tail": ("is wild", "moment", "lol", "again", "today", "for real", "!!"),
                "tail2": ("link", "pic", "clip", "recipe", "timestamp"),
            },
            n=66,
        ),
        Functionality(
            "reclaimed",
            "benign",
            None,
            None,
            "in-group, positive use of reclaimed terms",
            hand=(
                "queer and here to watch",
                "dyke march was so fun this year",
                "crip pride",
                "fat and fabulous",
                "bi disaster checking in",
                "another gay disaster in chat",
                "the queer gaming discord is the best",
                "local dyke loves this song",
                "proud crip gamer with one hand setup",
                "queer joy",
            ),
            templates=(
                "proud {term} {thing}",
                "{term} and thriving {emote}",
                "as a {noun} myself, {nice}",
                "my {term} friends are coming to the stream",
                "{term} gamers unite",
                "{term} squad checking in",
                "we are {term} and we are here",
            ),
            fill={
                "term": ("queer", "dyke", "crip", "fat", "bi", "trans", "gay", "butch", "femme"),
                "noun": ("queer", "dyke", "crip", "butch", "femme", "fat girl", "bi girl"),
                "thing": ("streamer", "gamer", "artist", "chatter", "viewer", "lurker"),
                "emote": EMOTES_ANY,
                "nice": (
                    "this stream is so chill",
                    "the community is great",
                    "love the vibes",
                    "thank you for the rep",
                    "i feel at home",
                ),
            },
            n=50,
        ),
    ]


def _benign_context() -> list[Functionality]:
    return [
        Functionality(
            "counter_speech",
            "benign",
            None,
            None,
            "condemning abuse, sometimes repeating it to condemn it",
            hand=(
                "telling people to kys is never funny",
                "people who say go back to your country are the worst",
                "racism has no place in this chat",
                "saying women cant stream is so dumb",
                "stop being weird about trans people",
                "mods theres a guy posting someones address",
                "threatening people over a game is insane",
                "wishing death on someone because they beat you is wild",
            ),
            templates=(
                "stop saying {quote}, its {ism}",
                "whoever said {quote} get out",
                "mods ban the guy saying {quote}",
                "{pl} are not {neg}, educate yourself",
                "yo thats not ok chat, {pl} are people",
                "calling someone {slurref} is not a joke",
                "imagine typing {quote} in a stream chat, embarrassing",
                "reported that guy for saying {quote}",
                "{quote}? seriously? grow up",
                "we dont do {ism} here",
            ),
            fill={
                "quote": (
                    "kys",
                    "go back to your country",
                    "women belong in the kitchen",
                    "i know where you live",
                    "i hope you die",
                    "that slur",
                ),
                "ism": ("racist", "sexist", "homophobic", "transphobic", "ableist", "not ok"),
                "pl": IDENT_PL,
                "neg": NEG,
                "slurref": (
                    "the n word",
                    "the f slur",
                    "the r word",
                    "a slur",
                    "the t slur",
                ),
            },
            n=60,
        ),
        Functionality(
            "quoting_reporting",
            "benign",
            None,
            None,
            "reporting, quoting or discussing threats and abuse without making them",
            hand=(
                "someone in my dms said i know where you live, should i be worried",
                "the guy in voice said he would kill me lol what",
                "twitch banned him for telling people to kys",
                "the article says the suspect threatened his neighbours",
                "in taken he says i will find you and i will kill you",
                "the villain says he will burn the city down",
                "the news is talking about the doxxing case",
                "true crime podcast about a murder in ohio",
                "the boss says you will die here in the intro",
                "the movie ends with him killing the dragon",
            ),
            templates=(
                "{who} {verb} me {quote}, reported",
                "{who} {verb} me {quote} lol what",
                "screenshot of {who} saying {quote} going to mods",
                "just got a dm saying {quote}, blocked",
                "is it normal that {who} {verb} me {quote}?",
            ),
            fill={
                "who": (
                    "some random",
                    "a guy in my lobby",
                    "a troll",
                    "my teammate",
                    "an account made today",
                ),
                "verb": ("told", "messaged", "whispered", "kept telling"),
                "quote": (
                    "to kys",
                    "he knows where i live",
                    "he would kill me",
                    "to go back to my country",
                    "i should die",
                    "women cant play",
                ),
            },
            n=54,
        ),
        Functionality(
            "negation",
            "benign",
            None,
            None,
            "negated or denied abuse ('i would never tell someone to kys')",
            hand=(
                "i would never tell someone to kys",
                "you're not trash, that round was just unlucky",
                "never wish death on anyone",
                "i dont want to hurt anyone",
                "i'd never say women cant stream",
                "nobody here hates you bro",
                "not saying you should quit, just take a break",
            ),
            templates=(
                "{pl} are not {neg}",
                "i dont hate {pl}",
                "nobody thinks {pl} should leave",
                "no one should say {pl} dont belong",
                "{pl} are not the problem",
                "its not true that {pl} are {neg}",
                "i never said {pl} are {neg}",
                "there is nothing wrong with {pl}",
            ),
            fill={"pl": IDENT_PL, "neg": NEG},
            n=56,
        ),
        Functionality(
            "gaming_violence",
            "benign",
            None,
            None,
            "in-game violence and competitive banter ('i'll kill you next round')",
            hand=(
                "we got destroyed",
                "he got absolutely murdered",
                "kill the boss first",
                "shoot the guy on the roof",
                "i died to a chicken again",
                "we slaughtered them in round two",
                "im dead lmao",
                "this boss is killing me",
                "that killstreak was insane",
                "the sniper is camping on the ridge",
                "nice triple kill",
                "he got one tapped",
            ),
            templates=(
                "{who} {verb} you {ctx}",
                "{who} {verb} you {ctx} {emote}",
                "{name} {verb2} {them} {ctx2}",
                "we {verb3} them {ctx2}",
                "{verb4} the {enemy}",
            ),
            fill={
                "who": ("i'll", "im gonna", "i will", "watch me"),
                "verb": ("kill", "destroy", "wreck", "snipe", "headshot", "stomp", "clap"),
                "ctx": (
                    "next round",
                    "in the rematch",
                    "in game",
                    "on the next map",
                    "in the 1v1",
                    "in the finals",
                    "in ranked later",
                    "in scrims",
                    "in the next game",
                ),
                "name": ("streamer", "he", "our jungler", "the enemy team", "bro"),
                "verb2": ("killed", "destroyed", "wrecked", "sniped", "stabbed", "shot"),
                "them": ("him", "them", "the boss", "the whole squad", "everyone"),
                "ctx2": (
                    "with a pistol",
                    "in one shot",
                    "last round",
                    "in the final circle",
                    "so fast",
                    "from spawn",
                ),
                "verb3": ("destroyed", "crushed", "murdered", "stomped", "annihilated"),
                "verb4": ("kill", "shoot", "stab", "burn", "snipe", "blow up"),
                "enemy": ("boss", "dragon", "zombies", "enemy tank", "sniper", "minions"),
                "emote": EMOTES_ANY,
            },
            n=60,
        ),
    ]


def _benign_chat() -> list[Functionality]:
    slang = (
        "sus",
        "thats sus",
        "kinda sus ngl",
        "sussy",
        "Sussy baka",
        "based",
        "based take",
        "he's cracked",
        "cracked aim",
        "Pog",
        "W",
        "W streamer",
        "W chat",
        "massive W",
        "ratio",
        "KEKW",
        "no cap",
        "fr fr",
        "ong",
        "bussin",
        "its giving main character",
        "mid",
        "this map is mid",
        "goated",
        "the goat",
        "copium",
        "hopium",
        "poggers",
        "ggs",
        "lurking",
        "chat is this real",
        "real",
        "bet",
        "lowkey fire",
        "deadass",
        "slay",
        "she ate",
        "no shot",
        "sheesh",
        "NA moment",
        "sigma move",
        "aura",
        "W rizz",
        "clip it",
        "ICANT",
    )
    return [
        Functionality(
            "twitch_slang",
            "benign",
            None,
            None,
            "Twitch and gaming slang (sus, based, cracked, Pog, W, ratio, KEKW)",
            hand=slang,
            templates=(
                "{s} {emote}",
                "{name} is {adj}",
                "{s} {name}",
                "that play was {adj}",
                "{name} {s}",
            ),
            fill={
                "s": ("sus", "based", "Pog", "W", "KEKW", "no cap", "fr", "sheesh"),
                "adj": ("cracked", "goated", "based", "sus", "built different", "him", "mid"),
                "name": ("streamer", "chat", "bro", "this guy", "our support", "he"),
                "emote": EMOTES_ANY,
            },
            n=70,
        ),
        Functionality(
            "global_emotes",
            "benign",
            None,
            None,
            "Twitch global and common third-party emotes, alone, repeated and in lines",
            templates=(
                "{e}",
                "{e} {e}",
                "{e} {e} {e}",
                "{e} {e2}",
                "{short} {e}",
                "{e} {short}",
            ),
            fill={
                "e": (
                    "Kappa",
                    "LUL",
                    "PogChamp",
                    "KEKW",
                    "OMEGALUL",
                    "monkaS",
                    "PepeHands",
                    "Sadge",
                    "BibleThump",
                    "ResidentSleeper",
                    "4Head",
                    "Jebaited",
                    "NotLikeThis",
                    "Kreygasm",
                    "SeemsGood",
                    "HeyGuys",
                    "VoHiYo",
                    "TwitchUnity",
                    "PJSalt",
                    "DansGame",
                    "WutFace",
                    "SMOrc",
                    "BloodTrail",
                    "SwiftRage",
                    "BabyRage",
                    "catJAM",
                    "pepeLaugh",
                    "widepeepoHappy",
                    "peepoClap",
                    "Pepega",
                    "monkaW",
                    "PogU",
                    "Aware",
                    "Clueless",
                    "Madge",
                    "Bedge",
                    "Okayge",
                    "Chatting",
                    "Stare",
                    "FeelsStrongMan",
                    "KomodoHype",
                    "CoolCat",
                    "CurseLit",
                    "GivePLZ",
                    "TakeNRG",
                ),
                "e2": ("Clap", "EZ", "<3", "7", "o7", "🔥"),
                "short": ("gg", "lets go", "no way", "bruh", "hi", "wait what", "chat"),
            },
            n=70,
            style=False,
        ),
        Functionality(
            "channel_emotes",
            "benign",
            None,
            None,
            "channel emotes: a channel prefix plus a capitalised name ('vkimmWiggle')",
            templates=(
                "{p}{n}",
                "{p}{n} {p}{n}",
                "{p}{n} {p}{n} {p}{n}",
                "{p}{n} {e}",
                "{short} {p}{n}",
                "{p}{n} {short}",
            ),
            fill={
                "p": (
                    "vkim",
                    "daph",
                    "zyro",
                    "luna",
                    "moxi",
                    "kell",
                    "brae",
                    "tuck",
                    "jynx",
                    "pako",
                    "reni",
                    "quin",
                    "vexa",
                    "drix",
                    "nubs",
                    "fizz",
                    "yuzu",
                    "wren",
                ),
                "n": (
                    "Wiggle",
                    "Cheer",
                    "Hype",
                    "Love",
                    "Heart",
                    "Sip",
                    "Lurk",
                    "Rage",
                    "Cry",
                    "Hug",
                    "Dance",
                    "Pog",
                    "Blush",
                    "Wave",
                    "GG",
                    "Dead",
                    "Rip",
                    "Salute",
                    "Bonk",
                    "Slay",
                    "Gun",
                    "Stab",
                ),
                "e": ("LUL", "Kappa", "KEKW", "<3"),
                "short": ("gg", "lets go", "hi chat", "welcome back", "love it", "W"),
            },
            n=66,
            style=False,
        ),
        Functionality(
            "profanity_not_abuse",
            "benign",
            None,
            None,
            "swearing as excitement or frustration, not aimed at anyone",
            hand=(
                "jesus fucking christ that was close",
                "holy fuck he hit it",
                "fuck me that jump scare",
                "this boss is absolute bullshit",
                "shit happens, next game",
                "bloody hell what a save",
                "god damn that view",
                "fucking finally",
            ),
            templates=(
                "{excl} that {play}",
                "{play} was {fucking} {good}",
                "{fucking} {good} {play}",
                "{excl} {emote}",
                "{excl} {name}",
                "{excl} i cant believe that {play}",
            ),
            fill={
                "excl": (
                    "holy shit",
                    "what the fuck",
                    "wtf",
                    "damn",
                    "fuck yeah",
                    "oh shit",
                    "holy fuck",
                    "goddamn",
                    "bloody hell",
                    "shit",
                    "hell yes",
                ),
                "play": (
                    "clutch",
                    "flick",
                    "save",
                    "combo",
                    "ace",
                    "pull",
                    "comeback",
                    "speedrun",
                    "parry",
                ),
                "fucking": ("fucking", "fuckin", "damn", "so fucking", "hella"),
                "good": ("insane", "clean", "nuts", "crazy", "smooth", "sick"),
                "name": CHAT_NAMES,
                "emote": EMOTES_ANY,
            },
            n=60,
        ),
        Functionality(
            "self_deprecation",
            "benign",
            None,
            None,
            "chatters putting themselves down ('im so trash at this game')",
            hand=(
                "i suck",
                "im such a clown for thinking that would work",
                "i play like a potato",
                "why am i so bad",
                "ngl im trash at this",
                "my brain is fried today",
                "i'm dumb lol",
                "i'm a certified bot",
            ),
            templates=(
                "im so {bad} at {game}",
                "my aim is {bad2}",
                "i'm the {noob} of my team lol",
                "im hardstuck {rank} because im {bad}",
                "i'm such an idiot i forgot to {forgot}",
                "i would lose to a {noob} in {game}",
                "me playing {game} is a crime {emote}",
                "i'm the worst {role} in {game}",
            ),
            fill={
                "bad": ("bad", "trash", "garbage", "dogwater", "awful", "washed"),
                "bad2": ("dogshit", "trash", "non existent", "garbage", "so bad"),
                "noob": ("bot", "noob", "potato", "clown", "liability"),
                "rank": RANK,
                "game": GAMES,
                "forgot": ("heal", "reload", "buy armor", "save", "ult", "plant"),
                "role": ("support", "tank", "jungler", "sniper", "healer"),
                "emote": EMOTES_ANY,
            },
            n=56,
        ),
        Functionality(
            "religious_expressions",
            "benign",
            None,
            None,
            "religious words as greetings and exclamations",
            hand=(
                "oh my god",
                "jesus christ",
                "god bless",
                "inshallah we win this one",
                "mashallah what a goal",
                "thank god",
                "amen chat",
                "alhamdulillah we won",
                "eid mubarak to everyone celebrating",
                "happy hanukkah chat",
                "shabbat shalom",
                "happy diwali from india",
                "merry christmas to all of chat",
                "ramadan kareem",
                "happy vaisakhi",
                "lord have mercy that was close",
                "praying for a good draft",
                "bless this stream",
            ),
            templates=("{excl} {tail}", "{greet} {name}"),
            fill={
                "excl": ("omg", "oh my god", "jesus", "good lord", "god", "christ"),
                "tail": ("that was close", "what a play", "no way", "he did it", "the lag"),
                "greet": (
                    "eid mubarak",
                    "happy hanukkah",
                    "happy easter",
                    "happy holi",
                    "shana tova",
                ),
                "name": CHAT_NAMES,
            },
            n=50,
        ),
        Functionality(
            "benign_chat",
            "benign",
            None,
            None,
            "ordinary stream chat: greetings, questions, reactions",
            hand=(
                "what rank is he",
                "how long is stream today",
                "whats the song name",
                "just got here what did i miss",
                "love the new overlay",
                "first time here, hi",
                "is this a new game",
                "when is the next giveaway",
                "drink water streamer",
                "the cat is on the keyboard again",
            ),
            templates=(
                "hi from {country}",
                "what {thing} is that",
                "{thing} looks {good}",
                "can you show the {thing} again",
                "how many hours in {game}",
                "is {game} worth buying",
                "{name} what time is it there",
                "good morning {name}",
                "{good} stream today {emote}",
            ),
            fill={
                "country": ("brazil", "germany", "japan", "canada", "the uk", "norway", "chile"),
                "thing": ("skin", "keyboard", "mouse", "build", "map", "song", "crosshair"),
                "good": ("clean", "sick", "amazing", "cozy", "nice", "great"),
                "game": GAMES,
                "name": CHAT_NAMES,
                "emote": EMOTES_ANY,
            },
            n=56,
        ),
    ]


def functionalities() -> list[Functionality]:
    """Every functionality of the suite, harmful side first."""
    return [
        *_threats(),
        *_hate(),
        _obfuscated(),
        _trash_talk(),
        *_benign_identity(),
        *_benign_context(),
        *_benign_chat(),
    ]


# --------------------------------------------------------------------------- generation

_SLOT = re.compile(r"\{(\w+)\}")


def _fill(template: str, fill: dict[str, tuple[str, ...]], rng: random.Random) -> str:
    return _SLOT.sub(lambda m: rng.choice(fill[m.group(1)]), template)


def _elongate(word: str, rng: random.Random) -> str:
    return word + word[-1] * rng.randint(2, 4)


def chat_style(text: str, rng: random.Random, emotes: Sequence[str]) -> str:
    """The same line typed the way chat types: one seeded variation, or none."""
    roll = rng.random()
    if roll < 0.30:
        return text
    if roll < 0.45:
        return re.sub(r"[.,!?']", "", text.lower())
    if roll < 0.58:
        words = text.split()
        idx = [i for i, w in enumerate(words) if w.isalpha() and len(w) >= 3]
        if idx:
            i = rng.choice(idx)
            words[i] = _elongate(words[i], rng)
        return " ".join(words)
    if roll < 0.72:
        return f"{text} {rng.choice(emotes)}"
    if roll < 0.80:
        return text.upper()
    if roll < 0.88:
        return f"@{rng.choice(('user', 'chat', 'streamer'))} {text}"
    if roll < 0.94:
        return text[0].upper() + text[1:] + rng.choice((".", "!", "!!", "?!", "..."))
    return f"{text} {rng.choice(('lol', 'lmao', 'ngl', 'fr', 'tbh', 'bro'))}"


def _disguise(word: str, trick: str, rng: random.Random) -> str:
    letters = list(word)
    if trick == "leet":
        return "".join(LEET.get(c, c) if rng.random() < 0.7 else c for c in letters)
    if trick == "spaced":
        return " ".join(letters)
    if trick == "dotted":
        return ".".join(letters)
    if trick == "asterisk":
        vowels = [i for i, c in enumerate(letters) if c in "aeiou"]
        for i in vowels[:1] or [len(letters) // 2]:
            letters[i] = "*"
        return "".join(letters)
    if trick == "homoglyph":
        return "".join(HOMOGLYPHS.get(c, c) for c in letters)
    if trick == "repeat":
        i = rng.randrange(len(letters))
        letters[i] = letters[i] * rng.randint(3, 5)
        return "".join(letters)
    raise ValueError(trick)


def _obfuscate_slurs(rng: random.Random, n: int) -> list[tuple[str, str]]:
    """``(text, category)`` pairs: a slur line with its one-word slur disguised."""
    pools = (
        ("race_ethnicity_or_religion", SLURS_RACE),
        ("sexuality_sex_or_gender", SLURS_SEX + SLURS_TRANS),
        ("disability", SLURS_DISAB),
        ("misogyny", SLURS_WOMEN),
    )
    tricks = ("leet", "spaced", "dotted", "asterisk", "homoglyph", "repeat")
    out: list[tuple[str, str]] = []
    seen: set[str] = set()
    tries = 0
    while len(out) < n and tries < n * 50:
        tries += 1
        cat, pool = pools[tries % len(pools)]
        slur = rng.choice([w for w in pool if " " not in w and "-" not in w])
        template = rng.choice(SLUR_TEMPLATES)
        text = template.replace("{s}", _disguise(slur, tricks[tries % len(tricks)], rng))
        if text.lower() not in seen:
            seen.add(text.lower())
            out.append((text, cat))
    return out


def _key(text: str) -> str:
    return " ".join(text.lower().split())


def expected(min_level: int | None, level: int) -> str:
    """``"hold"`` when a line with ``min_level`` must be held at overall ``level``."""
    return "hold" if min_level is not None and min_level <= level else "allow"


def build(exclude: Iterable[str] = ()) -> list[dict[str, Any]]:
    """Every row of the suite; texts whose normalised form is in ``exclude`` are left out."""
    banned = {_key(t) for t in exclude}
    seen: set[str] = set()
    rows: list[dict[str, Any]] = []
    for fn in functionalities():
        rng = random.Random(f"{SEED}:{fn.name}")
        emotes = EMOTES_HARM if fn.kind in HARM_KINDS else EMOTES_NICE
        cases: list[tuple[str, str | None]] = []

        def add(text: str, category: str | None, cases: list[tuple[str, str | None]]) -> None:
            key = _key(text)
            if key and key not in seen and key not in banned:
                seen.add(key)
                cases.append((text, category))

        if fn.name == "obfuscated_slurs":
            for text, cat in _obfuscate_slurs(rng, fn.n):
                add(text, cat, cases)
        for text in fn.hand:
            add(text, fn.category, cases)
        tries = 0
        while len(cases) < fn.n and fn.templates and tries < fn.n * 200:
            tries += 1
            text = _fill(rng.choice(fn.templates), fn.fill, rng)
            text = " ".join(text.split())
            if fn.style:
                text = chat_style(text, rng, emotes)
            add(text, fn.category, cases)
        for text, category in cases:
            rows.append(
                {
                    "text": text,
                    "label": int(fn.min_level is not None),
                    "suite": SUITE,
                    "category": category,
                    "functionality": fn.name,
                    "kind": fn.kind,
                    "min_level": fn.min_level,
                    "expected": "hold"
                    if fn.min_level is not None and fn.min_level <= 2
                    else "allow",
                }
            )
    return rows


def generated_texts(seeds: int = 3, n: int = 20000) -> set[str]:
    """Normalised lines of the training generators: ``textgen.chat.generate`` (``n`` harmless,
    ``n`` harmful) and, where it exists, ``chatgen.generate_families`` (its default counts)."""
    from chatwarden.textgen import chat
    from chatwarden.training import chatgen

    texts = {_key(t) for seed in range(seeds) for t, *_ in chat.generate(n, n, seed=seed)}
    families = getattr(chatgen, "generate_families", None)  # the template families, if any
    if families is not None:
        texts |= {_key(row.text) for seed in range(seeds) for row in families(seed=seed)}
    return texts


def training_texts(repo: Path, seeds: int = 3) -> set[str]:
    """Normalised texts the trainer can see: ``chatgen`` lines and every ``text`` under data/."""
    texts = generated_texts(seeds)
    data = repo / "data"
    csv.field_size_limit(sys.maxsize)
    for path in sorted(data.rglob("*.csv")) if data.is_dir() else []:
        with path.open(encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                for column in ("text", "tweet", "comment_text", "user"):
                    value = row.get(column)
                    if value:
                        texts.add(_key(value))
    for path in sorted(data.rglob("*.jsonl")) if data.is_dir() else []:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                obj = json.loads(line)
                if isinstance(obj, dict) and isinstance(obj.get("text"), str):
                    texts.add(_key(obj["text"]))
    return texts


def overlap(rows: Iterable[dict[str, Any]], texts: set[str]) -> list[str]:
    """Suite texts equal (case and spacing aside) to a training text."""
    return [r["text"] for r in rows if _key(r["text"]) in texts]


def write(rows: Sequence[dict[str, Any]], path: Path = OUT) -> None:
    """The rows as JSON lines."""
    path.parent.mkdir(parents=True, exist_ok=True)
    body = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
    path.write_text(body, encoding="utf-8")


def main(argv: Sequence[str] = ()) -> int:
    repo = Path(__file__).resolve().parents[3]
    train = training_texts(repo)
    raw = build()
    clash = overlap(raw, train)
    if "--check-overlap" in argv:
        lines = OUT.read_text(encoding="utf-8").splitlines()
        committed = [json.loads(line) for line in lines if line.strip()]
        now = overlap(committed, train)
        print(f"{len(now)} of {len(committed)} cases of {OUT.name} equal a training text")
        for text in now:
            print(f"  {text}")
        return 1 if now else 0
    from chatwarden.training.suites import load_suite, suite_names

    small = {_key(r["text"]) for name in suite_names() for r in load_suite(name)}
    in_small = overlap(raw, small)
    dropped = {*clash, *in_small}
    rows = build(exclude=dropped)
    while more := overlap(rows, train | small):  # a refill may hit a training text too
        dropped |= set(more)
        clash += more
        rows = build(exclude=dropped)
    write(rows)
    names = {r["functionality"] for r in rows}
    print(
        f"wrote {len(rows)} cases in {len(names)} functionalities to {OUT} "
        f"({len(clash)} dropped as equal to a training text, {len(in_small)} as already in "
        "the small suites)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
