"""Facts: @mentions and addressees are read from the text as Twitch draws them."""

from __future__ import annotations

from chatwarden.context.facts import Context, addressees, mentions


def test_mentions_are_lower_case_each_once_in_order() -> None:
    assert mentions("@Bob hi @alice and @bob again") == ("bob", "alice")


def test_an_email_address_is_not_a_mention() -> None:
    assert mentions("mail me at someone@example.com") == ()
    assert mentions("no mention here") == ()


def test_addressees_put_the_replied_user_first() -> None:
    assert addressees("@alice look", reply_to="Bob") == ("bob", "alice")
    assert addressees("@bob look", reply_to="bob") == ("bob",)
    assert addressees("hello") == ()


def test_role_of_names_the_channel_staff_whatever_the_case() -> None:
    ctx = Context(broadcaster="Streamer", moderators=frozenset({"ModOne"}))
    assert ctx.role_of("streamer") == "the streamer"
    assert ctx.role_of("modone") == "a moderator"
    assert ctx.role_of("viewer") is None
