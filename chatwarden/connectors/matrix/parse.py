"""Matrix events as ChatWarden messages (pure): a ``/sync`` response's room timeline, the
room's power levels as roles, and what a member sees of a formatted body.

What is scored is what members see: a message with an HTML ``formatted_body`` is shown from
it, so its text comes from there (tags dropped, entities decoded, a reply's quoted fallback
left out, an inline custom emote ``<img data-mx-emoticon alt=":name:">`` as its code and
marked as an emote); otherwise the plain ``body``. An edit (``m.replace``) is a message of
its own, its event id the key: redacting it puts the original back in clients.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

from chatwarden.connectors.base import EmoteSpan, InboundMessage, PlatformUser
from chatwarden.settings import Role

PLATFORM = "matrix"
#: the message types read as chat (a file's or an image's body is its name: not read)
TEXT_TYPES = frozenset({"m.text", "m.emote", "m.notice"})
#: (power level, role), highest first: 100 the room's owner, 50 a moderator (Matrix's defaults)
DEFAULT_LEVELS: tuple[tuple[int, Role], ...] = ((100, Role.OWNER), (50, Role.MODERATOR))
LEVEL_ROLES = ("owner", "lead_moderator", "moderator", "vip", "subscriber")
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]+")
TIMELINE_TYPES = ("m.room.message", "m.room.power_levels", "m.room.member")
_BLOCKS = frozenset({"p", "div", "br", "li", "tr", "blockquote", "pre", "h1", "h2", "h3"})


def sync_filter(room_id: str, limit: int = 200) -> dict[str, Any]:
    """The ``/sync`` filter: this room's messages and power levels only (no presence,
    receipts, typing or account data), up to ``limit`` timeline events a response."""
    none = {"not_types": ["*"]}
    return {
        "presence": none,
        "account_data": none,
        "room": {
            "rooms": [room_id],
            "timeline": {"types": list(TIMELINE_TYPES), "limit": limit},
            "state": {
                "types": ["m.room.power_levels", "m.room.member"],
                "lazy_load_members": True,
            },
            "ephemeral": none,
            "account_data": none,
        },
    }


@dataclass(frozen=True, slots=True)
class PowerLevels:
    """A room's ``m.room.power_levels`` as far as the connector needs it."""

    users: Mapping[str, int]
    users_default: int = 0
    redact: int = 50
    kick: int = 50
    ban: int = 50
    creators: frozenset[str] = frozenset()  # room version 12 on: above every level

    @classmethod
    def from_content(
        cls, content: Mapping[str, Any], creators: frozenset[str] = frozenset()
    ) -> PowerLevels:
        users = content.get("users")
        return cls(
            {str(k): _int(v, 0) for k, v in users.items()} if isinstance(users, Mapping) else {},
            _int(content.get("users_default"), 0),
            _int(content.get("redact"), 50),
            _int(content.get("kick"), 50),
            _int(content.get("ban"), 50),
            creators,
        )

    def level(self, user_id: str) -> int:
        if user_id in self.creators:
            return CREATOR_LEVEL
        return self.users.get(user_id, self.users_default)


#: a room creator's power level from room version 12 on ("infinite"; never in ``users``)
CREATOR_LEVEL = 2**53


def creators(create_event: Mapping[str, Any]) -> frozenset[str]:
    """The room's privileged creators (room version 12 and later: the ``m.room.create``
    event's sender and its ``additional_creators``); none in earlier versions, where the
    creator's level is in ``users`` like anyone's."""
    content = _mapping(create_event.get("content"))
    version = str(content.get("room_version") or "1")
    if not (version.isdigit() and int(version) >= 12) and "hydra" not in version:
        return frozenset()
    found = {str(create_event.get("sender") or "")}
    extra = content.get("additional_creators")
    if isinstance(extra, list):
        found.update(str(u) for u in extra)
    return frozenset(u for u in found if u.startswith("@"))


def _int(value: object, default: int) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def role_for(level: int, levels: Sequence[tuple[int, Role]] = DEFAULT_LEVELS) -> Role:
    """The role of a member at ``level``: the role of the highest threshold it reaches."""
    for threshold, role in sorted(levels, key=lambda p: -p[0]):
        if level >= threshold:
            return role
    return Role.VIEWER


def parse_levels(specs: Iterable[str]) -> tuple[tuple[int, Role], ...]:
    """``LEVEL=ROLE`` pairs (``--level 50=moderator``) → thresholds, highest first;
    ``ValueError`` saying which is wrong."""
    out: dict[int, Role] = {}
    for spec in specs:
        level, sep, name = spec.partition("=")
        try:
            value = int(level.strip())
        except ValueError:
            value = None
        if not sep or value is None or name.strip() not in LEVEL_ROLES:
            raise ValueError(
                f"--level {spec!r}: expected LEVEL=ROLE, LEVEL an integer, ROLE one of "
                f"{', '.join(LEVEL_ROLES)}"
            )
        out[value] = Role(name.strip())
    return tuple(sorted(out.items(), key=lambda p: -p[0]))


class _Visible(HTMLParser):
    """The text a client shows of an HTML body, with the inline emotes' positions."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.emotes: list[EmoteSpan] = []
        self._skip = 0  # inside <mx-reply> (a reply's quoted fallback)
        self._size = 0

    def _add(self, text: str) -> None:
        self.parts.append(text)
        self._size += len(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "mx-reply":
            self._skip += 1
        elif self._skip:
            return
        elif tag == "img":
            found = dict(attrs)
            alt = (found.get("alt") or found.get("title") or "").strip()
            if alt:
                if "data-mx-emoticon" in found:  # a word of its own, as the emote set is
                    self._add(" ")
                    start = self._size
                    self._add(alt)
                    self._add(" ")
                    src = found.get("src") or ""
                    self.emotes.append(EmoteSpan(alt, start, start + len(alt), src))
                else:
                    self._add(alt)
        elif tag in _BLOCKS:
            self._add(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag == "mx-reply":
            self._skip = max(0, self._skip - 1)
        elif not self._skip and tag in _BLOCKS:
            self._add(" ")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self._add(data)


def visible_text(content: Mapping[str, Any]) -> tuple[str, tuple[EmoteSpan, ...]]:
    """What members see of a message's content: its HTML ``formatted_body`` as text, else its
    ``body`` (a reply's quoted fallback lines left out); line breaks and control characters
    become spaces. Emote positions are in the returned text."""
    body = content.get("body")
    formatted = content.get("formatted_body")
    if content.get("format") == "org.matrix.custom.html" and isinstance(formatted, str):
        parser = _Visible()
        parser.feed(formatted)
        parser.close()
        raw, emotes = "".join(parser.parts), parser.emotes
    elif isinstance(body, str):
        raw, emotes = _without_reply_fallback(content, body), []
    else:
        return "", ()
    return _one_line(raw, emotes)


def _without_reply_fallback(content: Mapping[str, Any], body: str) -> str:
    relates = content.get("m.relates_to")
    if not (isinstance(relates, Mapping) and "m.in_reply_to" in relates):
        return body
    lines = body.split("\n")
    while lines and lines[0].startswith(">"):
        lines.pop(0)
    if lines and not lines[0].strip():
        lines.pop(0)
    return "\n".join(lines)


def _one_line(raw: str, emotes: Sequence[EmoteSpan]) -> tuple[str, tuple[EmoteSpan, ...]]:
    """Control characters to spaces and runs of spaces to one, the emote positions moved
    with the text (each emote's own text is kept)."""
    out: list[str] = []
    index: list[int] = []  # raw position -> output position
    last_space = True
    for ch in raw:
        index.append(len(out))
        space = ch.isspace() or bool(_CONTROL_RE.fullmatch(ch))
        if space:
            if not last_space:
                out.append(" ")
            last_space = True
        else:
            out.append(ch)
            last_space = False
    index.append(len(out))
    text = "".join(out)
    stripped = text.rstrip()
    moved = []
    for e in emotes:
        start, end = index[e.start], index[e.end]
        if text[start:end] == e.code:
            moved.append(EmoteSpan(e.code, start, end, e.emote_id))
    return stripped, tuple(moved)


def inbound_message(
    event: Mapping[str, Any],
    room_id: str,
    levels: PowerLevels,
    bot_user_id: str,
    role_levels: Sequence[tuple[int, Role]] = DEFAULT_LEVELS,
    display_names: Mapping[str, str] | None = None,
) -> InboundMessage | None:
    """A timeline event as a ChatWarden message; None when it is not a member's text message
    (another type, the bot's own, already redacted, an empty text)."""
    if event.get("type") != "m.room.message":
        return None
    sender, event_id = event.get("sender"), event.get("event_id")
    content = event.get("content")
    if not isinstance(sender, str) or not isinstance(event_id, str) or sender == bot_user_id:
        return None
    if not isinstance(content, Mapping) or not content:
        return None  # a redacted event keeps no content
    unsigned = event.get("unsigned")
    if isinstance(unsigned, Mapping) and unsigned.get("redacted_because"):
        return None
    relates = content.get("m.relates_to")
    new = content.get("m.new_content")
    if isinstance(relates, Mapping) and relates.get("rel_type") == "m.replace":
        if not isinstance(new, Mapping):
            return None
        content = new  # an edit: what members now see
    if content.get("msgtype") not in TEXT_TYPES:
        return None
    text, emotes = visible_text(content)
    if not text:
        return None
    login = localpart(sender)
    name = (display_names or {}).get(sender) or login
    ts = event.get("origin_server_ts")
    return InboundMessage(
        platform=PLATFORM,
        channel=room_id,
        message_id=event_id,
        user=PlatformUser(PLATFORM, sender, sender, name),
        text=text,
        role=role_for(levels.level(sender), role_levels),
        emotes=emotes,
        sent_at_ms=ts if isinstance(ts, int) else None,
    )


def localpart(user_id: str) -> str:
    """``@alice:example.org`` → ``alice``."""
    return user_id[1:].partition(":")[0] if user_id.startswith("@") else user_id


@dataclass(frozen=True, slots=True)
class RoomUpdate:
    """What one ``/sync`` response says about the room: its timeline events in order, the
    power levels if they changed, whether the timeline has a gap (``limited``, with
    ``prev_batch`` to page back from) and whether the bot left (or was removed from) it."""

    events: tuple[Mapping[str, Any], ...] = ()
    power_levels: Mapping[str, Any] | None = None
    limited: bool = False
    prev_batch: str | None = None
    left: bool = False
    names: Mapping[str, str] = field(default_factory=dict)  # display names in its state


def room_update(sync: Mapping[str, Any], room_id: str) -> RoomUpdate:
    rooms = sync.get("rooms")
    if not isinstance(rooms, Mapping):
        return RoomUpdate()
    left = isinstance(rooms.get("leave"), Mapping) and room_id in rooms["leave"]
    joined = rooms.get("join")
    room = joined.get(room_id) if isinstance(joined, Mapping) else None
    if not isinstance(room, Mapping):
        return RoomUpdate(left=left)
    timeline = _mapping(room.get("timeline"))
    events = tuple(e for e in timeline.get("events") or () if isinstance(e, Mapping))
    power: Mapping[str, Any] | None = None
    state = _mapping(room.get("state"))
    state_events = [e for e in state.get("events") or () if isinstance(e, Mapping)]
    for e in (*state_events, *events):
        if isinstance(e, Mapping) and e.get("type") == "m.room.power_levels":
            content = e.get("content")
            if isinstance(content, Mapping) and e.get("state_key", "") == "":
                power = content
    prev = timeline.get("prev_batch")
    return RoomUpdate(
        events,
        power,
        bool(timeline.get("limited")),
        prev if isinstance(prev, str) else None,
        left,
        display_names(state_events),
    )


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def display_names(events: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """The display names that ``m.room.member`` events set, by user id."""
    out: dict[str, str] = {}
    for e in events:
        content = e.get("content")
        if e.get("type") == "m.room.member" and isinstance(content, Mapping):
            name = content.get("displayname")
            if isinstance(name, str) and isinstance(e.get("state_key"), str):
                out[str(e["state_key"])] = name
    return out
