"""Shared ban information: only with mutual agreement; the flag names the channels."""

from __future__ import annotations

import pytest

from chatwarden.errors import Conflict, Forbidden, InputError, NotFound
from chatwarden.services import Services
from tests.service.conftest import Cast


def test_users_banned_in_a_partner_are_flagged_only_when_both_agreed(
    services: Services, cast: Cast
) -> None:
    alpha, beta = cast.channel.id, cast.other.id
    services.actions.ban(cast.bob, beta, cast.mallory.user_id, "spam")
    services.sharing.agree(cast.olivia, alpha, "beta")  # one side only
    services.chat.send_message(cast.mallory, alpha, "hi alpha")
    assert services.suspicious.list_users(cast.mike, alpha) == []
    (partner,) = services.sharing.list_partners(cast.mike, alpha)
    assert partner.we_agreed and not partner.they_agreed and not partner.active
    services.sharing.agree(cast.bob, beta, "alpha")  # now mutual
    assert services.sharing.list_partners(cast.mike, alpha)[0].active
    services.chat.send_message(cast.mallory, alpha, "hi again")
    (flag,) = services.suspicious.list_users(cast.mike, alpha)
    assert flag.user_id == cast.mallory.user_id and flag.source == "shared"
    assert flag.status == "monitored"  # the default treatment
    assert flag.shared_channels == [{"id": beta, "name": "beta"}]
    assert flag.reasons == ["banned in beta, which share ban information with this channel"]
    assert services.modlog.list_entries(cast.olivia, alpha, action="suspicious.monitored")


def test_restrict_treatment_and_revoking(services: Services, cast: Cast) -> None:
    alpha, beta = cast.channel.id, cast.other.id
    services.detection.update(cast.lena, alpha, {"shared_bans": {"treatment": "restrict"}})
    services.actions.ban(cast.bob, beta, cast.victor.user_id)
    services.actions.ban(cast.bob, beta, cast.mallory.user_id)
    services.sharing.agree(cast.olivia, alpha, "beta")
    services.sharing.agree(cast.bob, beta, "alpha")
    services.chat.send_message(cast.victor, alpha, "hello")
    assert services.suspicious.list_users(cast.mike, alpha)[0].status == "restricted"
    services.sharing.revoke(cast.bob, beta, "alpha")  # either side ends it
    services.chat.send_message(cast.mallory, alpha, "hello")
    assert [f.username for f in services.suspicious.list_users(cast.mike, alpha)] == ["victor"]


def test_agreements_are_owner_only_and_checked(services: Services, cast: Cast) -> None:
    alpha = cast.channel.id
    with pytest.raises(Forbidden):
        services.sharing.agree(cast.lena, alpha, "beta")
    with pytest.raises(InputError):
        services.sharing.agree(cast.olivia, alpha, "alpha")
    with pytest.raises(NotFound):
        services.sharing.agree(cast.olivia, alpha, "nowhere")
    services.sharing.agree(cast.olivia, alpha, "beta")
    with pytest.raises(Conflict):
        services.sharing.agree(cast.olivia, alpha, "beta")
    services.sharing.revoke(cast.olivia, alpha, "beta")
    with pytest.raises(NotFound):
        services.sharing.revoke(cast.olivia, alpha, "beta")
    actions = [e.action for e in services.modlog.list_entries(cast.olivia, alpha)]
    assert actions[:2] == ["sharing.revoke", "sharing.agree"]
