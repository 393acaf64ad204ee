"""(4b) Framing: is a harmful claim in the message reported, quoted, negated or condemned?

Counter-speech and negation repeat the words of an attack ("people who say go back to your
country are the worst", "nobody thinks immigrants should leave", 'kys? seriously? grow up') but
do not make it. Three general linguistic cues mark that, on the NORMALISED text:

- ``report``: the claim is the object of a speech or belief verb whose speaker the message
  rejects: "people who say ...", "the guy saying ...", "(banned) for saying ...", "imagine
  typing ...", "stop saying ...", "don't tell people ...", "it's racist to say ...", "the myth
  that ...".
- ``negation``: the claim is under a negated belief or speech verb: "nobody thinks ...",
  "no one should say ...", "i don't believe ...". Negating a belief can raise the negation into
  the claim ("i don't think women should stream" means women should not), so a negation frame
  only excuses a claim that is itself harmful (``automod`` scores the claim on its own).
- ``echo``: the message repeats words and condemns them right after a question mark or a
  closing quote: "kys? seriously? grow up", '"go back to your country" is so racist'.

Pure and fast: a few compiled expressions; ``claim_start`` is where the framed claim begins
(normalised-text coordinates) and ``claim_end`` where it ends (the echo's condemnation starts).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final, Literal

__all__ = ["Frame", "FrameKind", "find_frame", "framed_span"]

FrameKind = Literal["report", "negation", "echo"]

_SAY: Final = (
    r"(?:say|says|said|saying|type|types|typed|typing|post|posts|posted|posting|write|writes|"
    r"wrote|writing|spam|spams|spammed|spamming|tweet|tweets|tweeted|tweeting|yell|yells|yelled|"
    r"yelling|claim|claims|claimed|claiming|comment|comments|commented|commenting)"
)
_THINK: Final = (
    r"(?:think|thinks|thinking|thought|believe|believes|believed|believing|agree|agrees|"
    r"agreed|mean|means|meant)"
)
_ING: Final = (
    r"(?:saying|typing|posting|writing|spamming|tweeting|yelling|claiming|commenting|thinking|"
    r"believing|pretending|calling\s+\w+|telling\s+\w+)"
)
_SPEAKER: Final = (
    r"(?:people|anyone|anybody|whoever|someone|somebody|those|folks|guys?|dudes?|idiots?|"
    r"clowns?|morons?|trolls?|chatters?|users?|accounts?|viewers?|persons?|ones?|bots?|"
    r"weirdos?|losers?|bigots?|racists?|sexists?|homophobes?|creeps?)"
)
_BAD: Final = (
    r"(?:wrong|racist|sexist|homophobic|transphobic|ableist|bigoted|hateful|gross|disgusting|"
    r"vile|messed\s+up|fucked\s+up|ignorant|stupid|dumb|cringe|evil|unacceptable|bannable|"
    r"not\s+ok(?:ay)?|not\s+cool|not\s+funny|not\s+acceptable|never\s+ok(?:ay)?|never\s+funny|"
    r"harassment|hate\s+speech|insane|wild|crazy|pathetic|embarrassing|yikes)"
)
_NEG_SUBJECT: Final = (
    r"(?:nobody|no\s*one|noone|no\s+body|not\s+one\s+person|none\s+of\s+us|no\s+sane\s+person|"
    r"no\s+normal\s+person)"
)

#: Speech the message rejects, before the claim.
_REPORT: Final = re.compile(
    "|".join(
        (
            # "people who say", "anyone that types", "the guy saying", "those still posting"
            rf"\b{_SPEAKER}\s+(?:who|that)\s+(?:(?:still|keeps?|kept|unironically|"
            rf"actually|seriously|just|really|literally|always|would|will|even)\s+)*"
            rf"(?:{_SAY}|{_THINK})\b(?:\s+that)?",
            rf"\b{_SPEAKER}\s+{_ING}\b(?:\s+that)?",
            # a speech act as the subject: "saying ... is racist", "typing ... in chat, wow"
            r"(?:^|[.!?]\s+)(?:just\s+|even\s+)?(?:saying|typing|claiming|thinking|believing|"
            r"calling\s+\w+|telling\s+\w+)\b(?:\s+that)?",
            # "banned for saying", "imagine typing", "stop saying", "sick of people posting"
            rf"\b(?:for|by|after|stop|quit|imagine|imagine\s+(?:actually|unironically|seriously)|"
            rf"tired\s+of|sick\s+of|done\s+with|enough\s+(?:of|with))\s+"
            rf"(?:(?:people|guys|chat|everyone|them|him|her|ppl)\s+)?{_ING}\b(?:\s+that)?",
            # "don't say", "never tell people", "you can't just type"
            r"\b(?:don['’]?t|dont|do\s+not|never|shouldn['’]?t|should\s+not|can['’]?t|cant|"
            r"cannot|stop|quit|pls\s+don['’]?t|please\s+don['’]?t)\s+(?:ever\s+|just\s+)?"
            r"(?:say|type|post|write|spam|claim|tell\s+(?:people|someone|anyone|others|them|"
            r"him|her|me|us|ppl))\b(?:\s+that)?",
            # "it's racist to say", "not ok to tell people"
            rf"\b{_BAD}\s+(?:(?:it\s+is|it['’]?s|its)\s+)?(?:to|of\s+(?:you|u|them|him|her)\s+to)"
            rf"\s+(?:say|type|think|claim|believe|post|write|joke|tell\s+\w+|call\s+\w+)\b"
            rf"(?:\s+that)?",
            # "the myth that", "it's a lie that"
            r"\b(?:the|a|that|this)\s+(?:lie|myth|stereotype|idea|notion|claim|narrative|"
            r"bs|take|conspiracy\s+theory)\s+that\b",
            r"\b(?:it['’]?s|its|it\s+is)\s+(?:a\s+)?(?:lie|myth|not\s+true|false|bs|bullshit)\s+that\b",
        )
    )
)

#: A negated belief or speech verb before the claim.
_NEGATION: Final = re.compile(
    "|".join(
        (
            rf"\b{_NEG_SUBJECT}\s+(?:(?:here|really|actually|seriously|sane|normal|reasonable|"
            rf"even|ever|honestly|in\s+(?:this|the)\s+chat)\s+)*(?:{_SAY}|{_THINK}|"
            rf"(?:should|would|could|will|can|is\s+gonna|is\s+going\s+to)\s+(?:ever\s+|really\s+)?"
            rf"(?:say|think|believe|type|claim|argue|tell\s+\w+|agree))\b(?:\s+that)?",
            r"\b(?:i|we)\s+(?:really\s+|honestly\s+|just\s+)?(?:don['’]?t|dont|do\s+not|never|"
            r"wouldn['’]?t|would\s+never|can['’]?t|cant|refuse\s+to|will\s+never)\s+"
            r"(?:ever\s+)?(?:think|believe|agree|accept|buy|say|claim|get\s+why\s+(?:people|"
            r"anyone)\s+(?:think|say|believe))\b(?:\s+(?:that|with))?",
            r"\b(?:i|we)\s+(?:totally\s+|strongly\s+|completely\s+)?(?:disagree|reject)\s+"
            r"(?:(?:with\s+)?(?:the\s+idea|anyone\s+who\s+says|people\s+who\s+say)\s+)?that\b",
            r"\bit['’]?s\s+not\s+true\s+that\b|\bits\s+not\s+true\s+that\b|\bnot\s+true\s+that\b",
        )
    )
)

#: A condemnation right after an echoed claim: after a question mark or a closing quote.
_ECHO: Final = re.compile(
    r"(?:\?+|[\"”’']\s*[?!.,]*)\s*(?:(?:seriously|really|srsly|bro|bruh|dude|man|wtf|lol|lmao|omg|wow|ok|okay|yo|what|"
    r"huh|like|who)\W*\s*)*(?:\?+\s*)?(?:grow\s+up|get\s+a\s+life|touch\s+grass|yikes|cringe|"
    r"embarrassing|pathetic|not\s+cool|not\s+funny|not\s+ok(?:ay)?|who\s+(?:says|types|writes)"
    rf"\s+(?:that|this)|(?:is|was|are|=)\s+(?:so\s+|such\s+|really\s+|just\s+|literally\s+|"
    rf"a\s+|an\s+)*{_BAD}|(?:is|was)\s+(?:a\s+)?(?:slur|threat|lie|myth))\b"
)

#: A sentence or clause break, or a turn ("but") ends the scope of a frame cue.
_BREAK: Final = re.compile(r"[.!?;,]|\bbut\b|\bhowever\b|\bthough\b|\n")


@dataclass(frozen=True, slots=True)
class Frame:
    """A framing cue: ``kind``, and the range of the claim it frames."""

    kind: FrameKind
    cue_start: int
    claim_start: int
    claim_end: int


def _scope_end(text: str, start: int) -> int:
    """Where the claim after a cue ends: at the next break (a punctuation mark included)."""
    m = _BREAK.search(text, start)
    if m is None:
        return len(text)
    return m.end() if text[m.start()] in ".!?;," else m.start()


def find_frame(text: str) -> Frame | None:
    """The first framing cue in normalised ``text`` (a report before a negation), or None."""
    if not text:
        return None
    found: list[Frame] = []
    cues: tuple[tuple[FrameKind, re.Pattern[str]], ...] = (
        ("report", _REPORT),
        ("negation", _NEGATION),
    )
    for kind, pattern in cues:
        m = pattern.search(text)
        if m is not None and m.end() < len(text):
            found.append(Frame(kind, m.start(), m.end(), _scope_end(text, m.end())))
    echo = _ECHO.search(text)
    if echo is not None and echo.start() > 0:
        found.append(Frame("echo", echo.start(), 0, echo.start()))
    if not found:
        return None
    order: dict[FrameKind, int] = {"report": 0, "echo": 1, "negation": 2}
    return min(found, key=lambda f: (order[f.kind], f.cue_start))


def framed_span(frame: Frame | None, start: int, end: int) -> bool:
    """Is ``[start, end)`` (normalised coordinates) inside the claim ``frame`` frames?"""
    if frame is None:
        return False
    return frame.claim_start <= start and end <= frame.claim_end
