"""Trust gates in the send path: each mode, the exemptions, and the rejection's reason."""

from __future__ import annotations

from typing import Any

import pytest

from chatwarden.clock import FakeClock
from chatwarden.errors import Forbidden, InputError
from chatwarden.service.types import Actor
from chatwarden.services import Services
from chatwarden.store import messages as message_store
from tests.service.conftest import Cast, make_actor


def _gate(services: Services, cast: Cast, **rules: Any) -> None:
    services.trust.update(cast.lena, cast.channel.id, rules)


def _status(services: Services, cast: Cast, who: str, text: str = "hello there") -> str:
    actor: Actor = getattr(cast, who)
    r = services.chat.send_message(actor, cast.channel.id, text)
    return r.status if r.status != "rejected" else f"rejected:{r.reason}"


def test_everyone_needs_a_verified_email_except_exempt_roles(
    services: Services, cast: Cast
) -> None:
    _gate(services, cast, email={"applies_to": "everyone"})
    r = services.chat.send_message(cast.victor, cast.channel.id, "hi")
    assert r.status == "rejected" and r.reason == "verification_required"
    assert r.detail == (
        "A verified email address is needed to chat here: this channel requires it of everyone."
    )
    with services.db.read() as conn:
        assert message_store.count_messages_txn(conn, cast.channel.id) == 0  # nothing stored
    for who in ("olivia", "lena", "mike", "vera", "sam"):
        assert _status(services, cast, who) == "delivered", who
    assert _status(services, cast, "fiona") == "rejected:verification_required"
    services.accounts.set_verified(cast.ada, cast.victor.user_id, email=True)
    assert _status(services, cast, "victor") == "delivered"
    # exemptions are configurable: subscribers no longer exempt
    _gate(services, cast, exempt_roles=["owner", "lead_moderator", "moderator", "vip"])
    assert _status(services, cast, "sam") == "rejected:verification_required"


def test_phone_for_first_time_chatters_only(services: Services, cast: Cast) -> None:
    cid = cast.channel.id
    services.chat.send_message(cast.victor, cid, "i was here before")
    _gate(services, cast, phone={"applies_to": "first_time_chatters"})
    assert _status(services, cast, "victor") == "delivered"
    r = services.chat.send_message(cast.mallory, cid, "first!")
    assert r.reason == "verification_required" and "phone" in (r.detail or "")
    assert "first-time chatters" in (r.detail or "")
    services.accounts.set_verified(cast.ada, cast.mallory.user_id, phone=True)
    assert _status(services, cast, "mallory") == "delivered"


def test_young_accounts_and_new_followers(services: Services, cast: Cast, clock: FakeClock) -> None:
    _gate(
        services,
        cast,
        email={"applies_to": "conditions", "account_younger_than_s": 86400},
    )
    fresh = make_actor(services, "freshacct")
    r = services.chat.send_message(fresh, cast.channel.id, "hi")
    assert r.reason == "verification_required" and "younger than 1 d" in (r.detail or "")
    clock.advance(86401)
    assert services.chat.send_message(fresh, cast.channel.id, "hi").status == "delivered"
    _gate(
        services,
        cast,
        email={"account_younger_than_s": None, "follower_newer_than_s": 3 * 86400},
    )
    assert _status(services, cast, "victor") == "rejected:verification_required"  # not following
    services.channels.follow(cast.victor, cast.channel.id)
    assert _status(services, cast, "victor") == "rejected:verification_required"  # too new
    clock.advance(3 * 86400 + 1)
    assert _status(services, cast, "victor") == "delivered"


def test_gate_settings_are_validated_logged_and_lead_only(services: Services, cast: Cast) -> None:
    cid = cast.channel.id
    with pytest.raises(InputError, match="applies_to"):
        _gate(services, cast, email={"applies_to": "martians"})
    with pytest.raises(Forbidden):
        services.trust.update(cast.mike, cid, {"email": {"applies_to": "everyone"}})
    assert services.trust.get(cast.mike, cid).email.applies_to == "nobody"
    _gate(services, cast, email={"applies_to": "everyone"})
    (entry,) = services.modlog.list_entries(cast.olivia, cid, action="detection.settings.update")
    assert entry.details["changed"]["detectors.trust.email.applies_to"]["after"] == "everyone"
