"""Moderator actions, chat modes, AutoMod settings and terms, user card, notes, unban requests."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from chatwarden.bus import InProcessBus, channel_topic, mods_topic, user_topic
from chatwarden.clock import FakeClock
from chatwarden.errors import Conflict, Forbidden, InputError, NotFound
from chatwarden.services import Services
from chatwarden.settings import Role
from tests.service.conftest import Cast, Recorder


@pytest.fixture
def rec(cast: Cast, bus: InProcessBus) -> Iterator[Recorder]:
    cid = cast.channel.id
    r = Recorder(bus, channel_topic(cid), mods_topic(cid), user_topic(cast.victor.user_id))
    yield r
    r.close()


def test_delete_message(services: Services, cast: Cast, rec: Recorder) -> None:
    cid = cast.channel.id
    msg = services.chat.send_message(cast.victor, cid, "oops wrong chat")
    assert msg.message_id is not None
    rec.drain(channel_topic(cid))
    entry = services.actions.delete_message(cast.mike, cid, msg.message_id, "off topic")
    assert (entry.action, entry.message_id, entry.reason) == ("delete", msg.message_id, "off topic")
    assert rec.types(channel_topic(cid)) == ["channel.chat.message_delete"]
    assert services.chat.recent_messages(cid) == []
    with pytest.raises(Conflict, match="deleted"):
        services.actions.delete_message(cast.mike, cid, msg.message_id)
    with pytest.raises(NotFound):
        services.actions.delete_message(cast.mike, cid, "no-such-id")
    with pytest.raises(NotFound):  # a message of another channel
        services.actions.delete_message(cast.bob, cast.other.id, msg.message_id)
    mod_msg = services.chat.send_message(cast.lena, cid, "lead speaking")
    with pytest.raises(Forbidden):
        services.actions.delete_message(cast.mike, cid, str(mod_msg.message_id))


def test_ban_unban_timeout_events_and_log(
    services: Services, cast: Cast, rec: Recorder, clock: FakeClock
) -> None:
    cid, v = cast.channel.id, cast.victor.user_id
    services.actions.timeout(cast.mike, cid, v, 600, "caps")
    public = rec.drain(channel_topic(cid))
    assert [e["event"]["action"] for e in public] == ["timeout"]
    assert public[0]["event"]["timeout"]["reason"] == ""  # reasons: mods and the user only
    mods = rec.drain(mods_topic(cid))
    assert mods[0]["event"]["timeout"]["reason"] == "caps"
    notice = rec.drain(user_topic(v))
    assert notice[0]["event"]["kind"] == "timed_out" and notice[0]["event"]["reason"] == "caps"
    services.actions.untimeout(cast.mike, cid, v)
    with pytest.raises(Conflict, match="not timed out"):
        services.actions.untimeout(cast.mike, cid, v)
    services.actions.ban(cast.mike, cid, v, "spam bot")
    with pytest.raises(Conflict, match="already banned"):
        services.actions.ban(cast.lena, cid, v)
    with pytest.raises(Conflict, match="banned"):
        services.actions.timeout(cast.mike, cid, v, 10)
    services.actions.unban(cast.mike, cid, v, "appeal")
    with pytest.raises(Conflict, match="not banned"):
        services.actions.unban(cast.mike, cid, v)
    for bad in (0, -5, 14 * 24 * 3600 + 1, 1.5, True):
        with pytest.raises(InputError, match="duration_s"):
            services.actions.timeout(cast.mike, cid, v, bad)  # type: ignore[arg-type]
    with pytest.raises(InputError, match="reason"):
        services.actions.warn(cast.mike, cid, v, "   ")
    with pytest.raises(InputError, match="limit is 500"):
        services.actions.ban(cast.mike, cid, v, "x" * 501)
    with pytest.raises(NotFound):
        services.actions.ban(cast.mike, cid, 9999)
    actions = [e.action for e in services.modlog.list_entries(cast.olivia, cid, target_user_id=v)]
    assert actions == ["unban", "ban", "untimeout", "timeout"]
    page = services.modlog.list_entries(cast.olivia, cid, limit=2)
    older = services.modlog.list_entries(cast.olivia, cid, before_id=page[-1].id, limit=2)
    assert page[-1].id > older[0].id


def test_roles_follow_and_members(services: Services, cast: Cast) -> None:
    cid = cast.channel.id
    assert services.channels.role_of(cid, cast.olivia.user_id) is Role.OWNER
    assert services.channels.role_of(cid, cast.fiona.user_id) is Role.FOLLOWER
    assert services.channels.role_of(cid, cast.sam.user_id) is Role.SUBSCRIBER
    member = services.channels.set_role(cast.lena, cid, cast.victor.user_id, Role.MODERATOR)
    assert member.role is Role.MODERATOR
    services.channels.set_role(cast.lena, cid, cast.victor.user_id, Role.VIEWER)
    with pytest.raises(Forbidden, match="owner"):
        services.channels.set_role(cast.ada, cid, cast.olivia.user_id, Role.VIEWER)
    with pytest.raises(InputError, match="role"):
        services.channels.set_role(cast.olivia, cid, cast.victor.user_id, Role.OWNER)
    mods = services.channels.list_members(cast.mike, cid, [Role.MODERATOR, Role.LEAD_MODERATOR])
    assert sorted(m.username for m in mods) == ["lena", "mike"]
    services.channels.unfollow(cast.fiona, cid)
    assert services.channels.role_of(cid, cast.fiona.user_id) is Role.VIEWER


def test_a_viewer_cannot_set_roles_even_as_a_no_op(services: Services, cast: Cast) -> None:
    cid = cast.channel.id
    with pytest.raises(Forbidden):
        services.channels.set_role(cast.mallory, cid, cast.victor.user_id, Role.VIEWER)
    with pytest.raises(Forbidden):
        services.channels.set_role(cast.vera, cid, cast.victor.user_id, Role.VIEWER)
    services.channels.set_role(cast.lena, cid, cast.victor.user_id, Role.VIEWER)
    with pytest.raises(Conflict):
        services.channels.create_channel(cast.victor, "ALPHA")
    with pytest.raises(InputError):
        services.channels.create_channel(cast.victor, "no spaces")
    assert services.channels.get_channel_by_name("Alpha").id == cid
    assert [c.name for c in services.channels.list_channels()] == ["alpha", "beta"]
    with pytest.raises(NotFound):
        services.channels.get_channel(999)


def test_chat_settings_validation_and_event(services: Services, cast: Cast, rec: Recorder) -> None:
    cid = cast.channel.id
    with pytest.raises(InputError, match="slow_mode_s"):
        services.modes.update(cast.mike, cid, {"slow_mode_s": -1})
    with pytest.raises(InputError, match="bogus"):
        services.modes.update(cast.mike, cid, {"bogus": 1})
    with pytest.raises(InputError):
        services.modes.update(cast.mike, cid, {})
    settings = services.modes.update(cast.mike, cid, {"slow_mode_s": 10, "unique_chat": True})
    assert services.modes.get(cid) == settings
    [event] = rec.drain(channel_topic(cid))
    assert event["type"] == "channel.chat_settings.update"
    assert event["event"]["slow_mode_wait_time_seconds"] == 10
    [entry] = services.modlog.list_entries(cast.olivia, cid, action="chat_settings.update")
    assert entry.details["changed"] == {"slow_mode_s": 10, "unique_chat": True}


def test_automod_settings_change_decisions(services: Services, cast: Cast) -> None:
    cid, text = cast.channel.id, "you are a worthless idiot and everyone hates you"
    assert services.automod.get_settings(cast.mike, cid).overall_level == 2
    with pytest.raises(Forbidden):
        services.automod.update_settings(cast.mike, cid, {"overall_level": 0})
    services.automod.update_settings(cast.lena, cid, {"overall_level": 0})
    assert services.chat.send_message(cast.victor, cid, text).status == "delivered"
    services.automod.update_settings(
        cast.lena, cid, {"overall_level": None, "levels": {"bullying": 4}}
    )
    assert services.automod.get_settings(cast.mike, cid).category_levels()["bullying"] == 4
    assert services.chat.send_message(cast.victor, cid, text + " x").status == "held"
    with pytest.raises(InputError, match="overall_level"):
        services.automod.update_settings(cast.lena, cid, {"overall_level": 9})
    with pytest.raises(InputError, match="unknown"):
        services.automod.update_settings(cast.lena, cid, {"terms": []})
    assert services.modlog.list_entries(cast.olivia, cid, action="automod.settings.update")


def test_terms_add_remove_import_export(services: Services, cast: Cast) -> None:
    cid = cast.channel.id
    term = services.automod.add_term(cast.mike, cid, "spoiler*")
    with pytest.raises(Conflict):
        services.automod.add_term(cast.mike, cid, "SPOILER*")
    with pytest.raises(InputError):
        services.automod.add_term(cast.mike, cid, "a")
    with pytest.raises(InputError):
        services.automod.add_term(cast.mike, cid, "mid*dle")
    with pytest.raises(Forbidden):
        services.automod.add_term(cast.lena, cid, "hidden", private=True)
    services.automod.add_term(cast.olivia, cid, "hidden", private=True)
    services.automod.add_term(cast.mike, cid, "spoilers are fine", kind="permitted")
    assert services.chat.send_message(cast.victor, cid, "spoilers ahead").status == "blocked"
    exported = services.automod.export_terms(cast.lena, cid, "json")
    assert [t["text"] for t in json.loads(exported)] == ["spoiler*", "spoilers are fine"]
    full = services.automod.export_terms(cast.olivia, cid, "csv")
    assert "hidden" in full
    services.automod.remove_term(cast.mike, cid, term.id)
    assert services.chat.send_message(cast.victor, cid, "spoilers again").status == "delivered"
    with pytest.raises(NotFound):
        services.automod.remove_term(cast.mike, cid, term.id)
    result = services.automod.import_terms(cast.bob, cast.other.id, exported)
    assert (result.added, result.skipped) == (2, 0)
    again = services.automod.import_terms(cast.bob, cast.other.id, exported)
    assert (again.added, again.skipped) == (0, 2)
    with pytest.raises(InputError, match="line"):
        services.automod.import_terms(
            cast.bob, cast.other.id, "text,kind\nok term,blocked\nx,blocked\n"
        )
    assert len(services.automod.list_terms(cast.bob, cast.other.id)) == 2  # nothing half-done
    with pytest.raises(Forbidden):  # a private term in an import needs the owner
        services.automod.import_terms(cast.mike, cid, '[{"text": "psst", "private": true}]')


def test_user_card_and_notes(services: Services, cast: Cast, clock: FakeClock) -> None:
    cid, v = cast.channel.id, cast.victor.user_id
    services.chat.send_message(cast.victor, cid, "first")
    services.chat.send_message(cast.victor, cid, "you are a worthless idiot and everyone hates you")
    services.actions.warn(cast.mike, cid, v, "be nice")
    services.actions.timeout(cast.mike, cid, v, 30)
    note = services.usercard.add_note(cast.mike, cid, v, "repeat offender")
    card = services.usercard.user_card(cast.mike, cid, v)
    assert [m.status for m in card.messages] == ["deleted", "held"]  # the timeout purged "first"
    assert (card.warnings, card.timeouts, card.bans, card.banned) == (1, 1, 0, False)
    assert card.timeout_until is not None and card.role is Role.VIEWER
    assert card.account_age_s == pytest.approx(3600)
    assert [n.text for n in card.notes] == ["repeat offender"]
    assert card.to_dict()["user"]["username"] == "victor"
    with pytest.raises(Forbidden):
        services.usercard.delete_note(cast.mike, note.id)
    services.usercard.delete_note(cast.lena, note.id)
    with pytest.raises(NotFound):
        services.usercard.delete_note(cast.olivia, note.id)
    assert services.usercard.user_card(cast.olivia, cid, v).notes == []
    with pytest.raises(InputError):
        services.usercard.add_note(cast.mike, cid, v, "")


def test_unban_request_lifecycle(services: Services, cast: Cast, rec: Recorder) -> None:
    cid, v = cast.channel.id, cast.victor
    with pytest.raises(Forbidden, match="banned"):
        services.unban.create_request(v, cid, "please")
    services.actions.ban(cast.mike, cid, v.user_id, "slurs")
    rec.drain(mods_topic(cid))
    req = services.unban.create_request(v, cid, "I am sorry")
    assert req.status == "pending" and req.private_note is None
    assert rec.types(mods_topic(cid)) == ["channel.unban_request.create"]
    with pytest.raises(Conflict, match="pending"):
        services.unban.create_request(v, cid, "again")
    denied = services.unban.resolve(cast.mike, req.id, False, "not yet", "still toxic in DMs")
    assert (denied.status, denied.private_note) == ("denied", "still toxic in DMs")
    mine = services.unban.my_requests(v, cid)
    assert mine[0].resolution_note == "not yet" and mine[0].private_note is None
    with pytest.raises(Conflict):
        services.unban.resolve(cast.lena, req.id, True)
    second = services.unban.create_request(v, cid, "please, it has been a month")
    rec.drain(user_topic(v.user_id))
    approved = services.unban.resolve(cast.lena, second.id, True, "welcome back")
    assert approved.status == "approved"
    assert services.chat.send_message(v, cid, "thank you").status == "delivered"
    kinds = [e["event"]["kind"] for e in rec.drain(user_topic(v.user_id))]
    assert kinds == ["unbanned", "unban_request_resolved"]
    assert [r.status for r in services.unban.list_requests(cast.mike, cid, None)] == [
        "denied",
        "approved",
    ]
    with pytest.raises(InputError):
        services.unban.list_requests(cast.mike, cid, "bogus")
    log = [
        e.action for e in services.modlog.list_entries(cast.olivia, cid, target_user_id=v.user_id)
    ]
    assert log[:3] == ["unban_request.approve", "unban", "unban_request.deny"]
