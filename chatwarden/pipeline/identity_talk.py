"""(5b) Identity talk: a model finding that holds only because a group is named.

The model learned from comment data where identity words sit mostly in hateful posts, so a
neutral or supportive line ("raise some cash for trans people", "trans women deserve respect",
"queer joy") can score high for the group's category. ``automod`` asks the model again about
the line with every group name replaced by "they" (``without_groups``): "they deserve respect"
is harmless and the identity finding is dropped; "they deserve to be beaten" is still harmful
(at least the harm floor, ``policy.harm_floor``) and the finding holds. Categories a severe-harm
rule holds are not asked about: the rule holds them.

Pure: text in, text out. The word list is written by hand (group names of the four identity
categories, singular and plural, their adjectives, and neutral heads such as "people"), not
taken from any test suite.
"""

from __future__ import annotations

import re
from typing import Final

from chatwarden.categories import Category

__all__ = ["IDENTITY_CATEGORIES", "IDENTITY_WORDS", "without_groups"]

IDENTITY_CATEGORIES: Final[frozenset[Category]] = frozenset(
    {"race_ethnicity_or_religion", "sexuality_sex_or_gender", "misogyny", "disability"}
)

_WORDS: Final = """
trans transgender transgenders transgenderpride transwomen transmen nonbinary non binary enby
enbies gay gays lesbian lesbians bi bisexual bisexuals queer queers lgbt lgbtq lgbtqia pride
homosexual homosexuals asexual asexuals pansexual intersex cis cisgender straight drag
woman women girl girls female females lady ladies mom moms mother mothers wife wives sister
sisters daughter daughters feminist feminists feminism businesswoman businesswomen
black blacks white whites brown asian asians african africans arab arabs latino latinos latina
latinas hispanic hispanics mexican mexicans chinese japanese korean koreans indian indians
native natives indigenous jew jews jewish judaism muslim muslims islam islamic christian
christians christianity catholic catholics hindu hindus sikh sikhs buddhist buddhists atheist
atheists mormon mormons immigrant immigrants migrant migrants refugee refugees foreigner
foreigners roma romani asylum seekers ethnic minority minorities race racial
disabled disability disabilities autistic autism deaf blind wheelchair handicapped adhd
dyslexic neurodivergent
people persons person folks folk community communities men man guys kids families family
"""
IDENTITY_WORDS: Final[frozenset[str]] = frozenset(_WORDS.split())
#: Neutral group heads: part of a group name after an identity word ("trans people").
_HEADS: Final = frozenset(
    "people persons person folks folk community communities men man guys kids families "
    "family".split()
)


_GROUP_RE: Final = re.compile(
    r"\b(?:(?:"
    + "|".join(sorted((w for w in IDENTITY_WORDS if w not in _HEADS), key=len, reverse=True))
    + r")\s+)+(?:(?:"
    + "|".join(sorted(_HEADS, key=len, reverse=True))
    + r")\b)?|\b(?:"
    + "|".join(sorted((w for w in IDENTITY_WORDS if w not in _HEADS), key=len, reverse=True))
    + r")\b"
)


def without_groups(text: str) -> str:
    """``text`` with each group name ("trans women", "people with adhd" is not one; "muslims",
    "black folks") replaced by "they": what the line says once no group is named."""
    return " ".join(_GROUP_RE.sub(" they ", text).split())
