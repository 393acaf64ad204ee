"""The IRC connector (RFC 1459/2812 with IRCv3 message tags) and Twitch's IRC dialect:
``parse.py`` (lines as values, pure), ``apply.py`` (effects as lines), ``client.py`` (the
asyncio client that reconnects with back-off)."""
