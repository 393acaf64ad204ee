"""The Twitch connector through EventSub (WebSocket transport) and Helix: ``parse.py``
(frames, events and Helix requests as values, pure), ``helix.py`` (the Helix client: 429 and
401), ``apply.py`` (effects as Helix calls), ``client.py`` (the EventSub session)."""
