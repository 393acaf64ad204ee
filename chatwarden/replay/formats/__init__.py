"""Chat log formats: ChatWarden JSONL, ``chatwarden simulate`` output, TwitchDownloader JSON,
chat-downloader JSON, IRC logs.

``parse_log(data)`` detects the format (or takes ``fmt``) and returns a ``ParsedLog``: the
records in log order and every line or item that could not be used, with its reason.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from typing import Final

from chatwarden.errors import InputError
from chatwarden.replay.formats import chatdownloader, irc, jsonl, simulated, twitchdownloader
from chatwarden.replay.records import ChatRecord, ParsedLog

FORMATS: Final = (jsonl.NAME, simulated.NAME, twitchdownloader.NAME, chatdownloader.NAME, irc.NAME)
DEFAULT_DATE: Final = date(1970, 1, 1)

__all__ = ["DEFAULT_DATE", "FORMATS", "detect_format", "parse_log"]


def _decode(data: bytes | str) -> tuple[str, list[int]]:
    """The text, and the 1-based numbers of lines that are not UTF-8 (left blank)."""
    if isinstance(data, str):
        return data.removeprefix("\ufeff"), []
    try:
        return data.decode("utf-8-sig"), []
    except UnicodeDecodeError:
        pass
    lines, bad = [], []
    for number, raw in enumerate(data.removeprefix(b"\xef\xbb\xbf").split(b"\n"), start=1):
        try:
            lines.append(raw.decode("utf-8"))
        except UnicodeDecodeError:
            lines.append("")
            bad.append(number)
    return "\n".join(lines), bad


def _json_document(text: str) -> object | None:
    stripped = text.lstrip()
    if not stripped or stripped[0] not in "[{":
        return None
    try:
        doc: object = json.loads(text)
    except ValueError:
        return None
    return doc


def detect_format(text: str) -> str:
    """The name of the format ``text`` is in; ``InputError`` if none fits."""
    return _detect(text, _json_document(text))


def _detect(text: str, doc: object) -> str:
    if twitchdownloader.looks_like(doc):
        return twitchdownloader.NAME
    if chatdownloader.looks_like(doc):
        return chatdownloader.NAME
    if simulated.looks_like(text):
        return simulated.NAME
    if jsonl.looks_like(text):
        return jsonl.NAME
    if irc.looks_like(text):
        return irc.NAME
    raise InputError(
        "unknown chat log format: expected ChatWarden JSON lines, `chatwarden simulate` output, "
        "TwitchDownloader JSON, "
        "chat-downloader JSON or an IRC-style log ('[time] <user> text'); "
        f"use --format with one of {', '.join(FORMATS)}"
    )


def parse_log(
    data: bytes | str,
    fmt: str | None = None,
    *,
    base_date: date = DEFAULT_DATE,
    channel: str = "",
) -> ParsedLog:
    """Parse a chat log. ``fmt`` None detects it; ``base_date`` dates IRC times of day."""
    text, undecodable = _decode(data)
    doc = None
    if fmt is None:
        doc = _json_document(text)  # decoded once: detection and parsing share it
        fmt = _detect(text, doc)
    if fmt not in FORMATS:
        raise InputError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    if fmt in (twitchdownloader.NAME, chatdownloader.NAME):
        if doc is None:
            try:
                doc = json.loads(text)
            except ValueError as exc:
                raise InputError(f"not a {fmt} JSON document: {exc}") from None
        if fmt == twitchdownloader.NAME:
            if not isinstance(doc, dict) or not twitchdownloader.looks_like(doc):
                raise InputError("not a TwitchDownloader chat: no 'comments' list at the top")
            log = twitchdownloader.parse(doc)
        else:
            if not isinstance(doc, list):
                raise InputError("not a chat-downloader chat: expected a JSON list of messages")
            log = chatdownloader.parse(doc, channel)
        if undecodable:
            log.problem(0, f"not UTF-8: {len(undecodable)} line(s) of the document dropped")
    else:
        if fmt == jsonl.NAME:
            log = jsonl.parse(text)
        elif fmt == simulated.NAME:
            log = simulated.parse(text)
        else:
            log = irc.parse(text, base_date=base_date, channel=channel)
        for number in undecodable:  # parsed as blank lines: count them as problems instead
            log.blank_lines -= 1
            log.problem(number, "not UTF-8: the line's bytes are not valid UTF-8")
        log.problems.sort(key=lambda p: p.line)
    if channel:
        log.records = [r if r.channel else _with_channel(r, channel) for r in log.records]
    return log


def _with_channel(record: ChatRecord, channel: str) -> ChatRecord:
    return replace(record, channel=channel)
