"""Shared ban information between channels that both agreed to share (Twitch's Shared Ban Info).

Each owner agrees to share with a partner channel; sharing is active only while both have
agreed. Then a user banned in the partner channel is monitored or restricted here when they
chat (``DetectionSettings.shared_bans.treatment``), and the flag names the channels.
"""

from __future__ import annotations

from dataclasses import dataclass

from chatwarden.errors import Conflict, InputError, NotFound
from chatwarden.service.base import ServiceBase
from chatwarden.service.detection.settings import announce_txn
from chatwarden.service.permissions import Permission
from chatwarden.service.types import Actor, _ToDict
from chatwarden.store import channels as channel_store
from chatwarden.store import detection as store

MAX_PARTNERS = 30  # as on Twitch


@dataclass(frozen=True, slots=True)
class SharingPartner(_ToDict):
    channel_id: int
    name: str
    we_agreed: bool
    they_agreed: bool
    active: bool  # both agreed


class SharingService(ServiceBase):
    def list_partners(self, actor: Actor, channel_id: int) -> list[SharingPartner]:
        with self.db.read() as conn:
            channel = self.channel_txn(conn, channel_id)
            self.require_txn(conn, actor, channel, Permission.VIEW_DETECTION)
            outgoing, incoming = store.agreements_txn(conn, channel_id)
            names = store.channel_names_txn(conn, outgoing | incoming)
        return [
            SharingPartner(
                cid,
                names.get(cid, "?"),
                cid in outgoing,
                cid in incoming,
                cid in outgoing and cid in incoming,
            )
            for cid in sorted(outgoing | incoming)
        ]

    def agree(self, actor: Actor, channel_id: int, partner_name: str) -> SharingPartner:
        """This channel agrees to share ban information with ``partner_name`` (owner only)."""
        with self.transaction() as out:
            channel = self.channel_txn(out.conn, channel_id)
            self.require_txn(out.conn, actor, channel, Permission.MANAGE_SHARING)
            partner = channel_store.get_channel_by_name_txn(out.conn, str(partner_name))
            if partner is None:
                raise NotFound(f"no channel named {partner_name!r}")
            if partner.id == channel_id:
                raise InputError("a channel cannot share ban information with itself")
            outgoing, incoming = store.agreements_txn(out.conn, channel_id)
            if partner.id in outgoing:
                raise Conflict(f"already sharing with {partner.name}")
            if len(outgoing) >= MAX_PARTNERS:
                raise InputError(f"a channel can share with at most {MAX_PARTNERS} channels")
            store.add_agreement_txn(out.conn, channel_id, partner.id, actor.user_id, out.now)
            active = partner.id in incoming
            announce_txn(
                out,
                channel,
                actor,
                "sharing",
                "sharing.agree",
                {"partner": partner.name, "active": active},
            )
        return SharingPartner(partner.id, partner.name, True, active, active)

    def revoke(self, actor: Actor, channel_id: int, partner_name: str) -> None:
        """Withdraw this channel's agreement (sharing stops in both directions)."""
        with self.transaction() as out:
            channel = self.channel_txn(out.conn, channel_id)
            self.require_txn(out.conn, actor, channel, Permission.MANAGE_SHARING)
            partner = channel_store.get_channel_by_name_txn(out.conn, str(partner_name))
            if partner is None or not store.delete_agreement_txn(out.conn, channel_id, partner.id):
                raise NotFound(f"this channel does not share with {partner_name!r}")
            announce_txn(
                out, channel, actor, "sharing", "sharing.revoke", {"partner": partner.name}
            )
