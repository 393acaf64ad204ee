"""Low: invisible chat messages and bidi overrides.

Attack 1: flood chat with messages that look blank (U+3164 HANGUL FILLER and its relatives,
U+2800 BRAILLE PATTERN BLANK, tag characters, zero-width characters, bidi controls, variation
selectors) to push real chat off screen or to dodge "empty message" checks. Expected: refused
with a clear error over HTTP and over the chat socket; nothing is stored.

Attack 2: send text with a right-to-left override so that readers (and moderators) see it in
another order than the one AutoMod checked. Expected: the message is accepted with the bidi
embeddings, overrides and isolates (U+202A-202E, U+2066-2069) removed.
"""

from __future__ import annotations

import uuid

import pytest

from tests.web.harness import World

BLANK = {
    "hangul filler": "\u3164",
    "hangul fillers": "\u3164\u115f\u1160\uffa0 \u3164",
    "braille blank": "\u2800\u2800",
    "tag characters": "\U000e0001\U000e0068\U000e0069\U000e007f",
    "zero width": "\u200b\u200c\u200d\u2060\ufeff",
    "bidi controls": "\u202e\u2066\u2069\u202c",
    "variation selectors": "\ufe0f\ufe0e\U000e0100",
    "soft hyphen and joiners": "\u00ad\u034f\u200d",
    "mixed with spaces": " \u3164 \u200b \u2800 ",
}


def _send(world: World, text: str) -> tuple[int, dict[str, object]]:
    r = world["alice"].http.post(
        "/api/v1/channels/main/messages", json={"text": text, "idempotency_key": uuid.uuid4().hex}
    )
    return r.status_code, r.json()


@pytest.mark.parametrize("name", list(BLANK))
def test_a_message_with_nothing_visible_is_refused(world: World, name: str) -> None:
    status, body = _send(world, BLANK[name])
    assert status == 400, body
    assert "no visible characters" in str(body)
    assert world["alice"].http.get("/api/v1/channels/main/messages").json() == []


def test_the_chat_socket_refuses_it_too(world: World) -> None:
    alice = world["alice"]
    chat = alice.chat("main")
    answer = alice.say(chat, "\u3164\u3164\u3164")
    assert answer["type"] == "error" and "no visible characters" in answer["message"], answer


def test_bidi_overrides_are_stripped_from_accepted_text(world: World) -> None:
    status, body = _send(world, "\u202egg wp\u202c and \u2067hello\u2069 \U0001f44d\ufe0f")
    assert status == 200 and body["status"] == "delivered", body
    (message,) = world["alice"].http.get("/api/v1/channels/main/messages").json()
    assert message["text"] == "gg wp and hello \U0001f44d\ufe0f"


def test_visible_text_with_invisible_padding_is_kept(world: World) -> None:
    status, body = _send(world, "gg\u200b wp")
    assert status == 200 and body["status"] == "delivered", body
