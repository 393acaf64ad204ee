"""The user card: what a moderator sees about one chatter in one channel, and team notes."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from chatwarden.errors import NotFound
from chatwarden.service.base import ServiceBase, clean_text, effective_role, to_message, to_user
from chatwarden.service.chat.context import message_context_txn
from chatwarden.service.permissions import Permission
from chatwarden.service.types import Actor, Note, UserCard, _ToDict
from chatwarden.store import accounts as account_store
from chatwarden.store import audit
from chatwarden.store import channels as channel_store
from chatwarden.store import detection as detection_store
from chatwarden.store import messages as message_store
from chatwarden.store import notes as store
from chatwarden.store.notes import NoteRow

MAX_NOTE = 1000
_SHOWN = ("delivered", "delayed", "held", "blocked", "denied", "expired", "deleted")
#: names one ``chat_marks`` call answers for at most
MAX_MARKED = 50


@dataclass(frozen=True, slots=True)
class ChatMarks(_ToDict):
    """What Mod View's chat marks on a chatter's lines (issue 15): ``first_message_id``: their
    first message in the channel ever (a first-time chatter's line); ``monitored``:
    "monitored" or "restricted" (suspicious users) or None; ``back_from_timeout``: when their
    last timeout ran out (not lifted), with ``first_back_id``, their first message after it (None
    until they write one)."""

    first_message_id: str | None
    monitored: str | None
    back_from_timeout: datetime | None
    first_back_id: str | None


def to_note(row: NoteRow) -> Note:
    return Note(
        id=row.id,
        channel_id=row.channel_id,
        user_id=row.user_id,
        author_id=row.author_id,
        author_name=row.author_name,
        text=row.text,
        created_at=row.created_at,
    )


class UserCardService(ServiceBase):
    def user_card(
        self, actor: Actor, channel_id: int, user_id: int, message_limit: int = 50
    ) -> UserCard:
        """Messages here (newest ``message_limit``, any status), sanction counts, account age,
        follow date, the team's notes and the newest message's context
        (``chat/context.py``)."""
        message_limit = max(1, min(int(message_limit), 500))
        now = self.clock.now()
        with self.db.read() as conn:
            channel = self.channel_txn(conn, channel_id)
            user = self.user_txn(conn, user_id)
            self.require_txn(conn, actor, channel, Permission.VIEW_USER_CARD)
            member = channel_store.get_member_txn(conn, channel_id, user_id)
            rows = message_store.recent_messages_txn(
                conn, channel_id, limit=message_limit, statuses=_SHOWN, sender_id=user_id
            )
            counts = audit.count_actions_txn(conn, channel_id, user_id)
            notes = store.list_notes_txn(conn, channel_id, user_id)
            # the newest message's context, as when it was sent (information for moderators)
            context = message_context_txn(conn, channel, rows[-1]) if rows else None
        until = member.timeout_until if member is not None else None
        return UserCard(
            user=to_user(user),
            channel_id=channel_id,
            role=effective_role(channel, user_id, member),
            followed_at=member.followed_at if member is not None else None,
            account_age_s=(now - user.created_at).total_seconds(),
            messages=[to_message(r) for r in rows],
            warnings=counts.get("warn", 0),
            timeouts=counts.get("timeout", 0),
            bans=counts.get("ban", 0),
            banned=bool(member.banned) if member is not None else False,
            timeout_until=until if until is not None and until > now else None,
            notes=[to_note(n) for n in notes],
            context=context,
        )

    def chat_marks(
        self, actor: Actor, channel_id: int, usernames: Iterable[str]
    ) -> dict[str, ChatMarks]:
        """Marks for the chatters ``usernames`` (at most ``MAX_MARKED``; unknown names are
        left out): their first line, monitored or restricted users, and the first line back
        from a timeout, for moderators reading the chat."""
        names = list(dict.fromkeys(str(n) for n in usernames))[:MAX_MARKED]
        now = self.clock.now()
        with self.db.read() as conn:
            channel = self.channel_txn(conn, channel_id)
            self.require_txn(conn, actor, channel, Permission.VIEW_USER_CARD)
            found = [account_store.get_user_by_login_txn(conn, n) for n in names]
            people = {row.id: row.username for row in found if row is not None}
            firsts = message_store.first_messages_txn(conn, channel_id, people)
            flagged = detection_store.get_suspicious_many_txn(conn, channel_id, people)
            ended: dict[int, tuple[datetime, str | None]] = {}
            for uid in people:
                member = channel_store.get_member_txn(conn, channel_id, uid)
                until = member.timeout_until if member is not None else None
                if until is None or until > now:
                    continue
                back = message_store.first_messages_txn(conn, channel_id, [uid], until)
                ended[uid] = (until, back.get(uid))
        out: dict[str, ChatMarks] = {}
        for uid, name in people.items():
            status = flagged[uid].status if uid in flagged else None
            until, back_id = ended.get(uid, (None, None))
            out[name] = ChatMarks(
                first_message_id=firsts.get(uid),
                monitored=status if status in ("monitored", "restricted") else None,
                back_from_timeout=until,
                first_back_id=back_id,
            )
        return out

    def add_note(self, actor: Actor, channel_id: int, user_id: int, text: str) -> Note:
        text = clean_text(text, "note", MAX_NOTE, allow_empty=False)
        with self.db.write() as conn:
            channel = self.channel_txn(conn, channel_id)
            self.user_txn(conn, user_id)
            self.require_txn(conn, actor, channel, Permission.ADD_NOTE)
            now = self.clock.now()
            note_id = store.insert_note_txn(
                conn,
                channel_id=channel_id,
                user_id=user_id,
                author_id=actor.user_id,
                text=text,
                created_at=now,
            )
            audit.append_txn(
                conn,
                channel_id=channel_id,
                actor_id=actor.user_id,
                action="note.add",
                created_at=now,
                target_user_id=user_id,
                details={"note_id": note_id},
            )
            row = store.get_note_txn(conn, note_id)
        assert row is not None
        return to_note(row)

    def delete_note(self, actor: Actor, note_id: int) -> None:
        """Lead moderators and the owner may delete notes."""
        with self.db.write() as conn:
            row = store.get_note_txn(conn, note_id)
            if row is None:
                raise NotFound(f"no note with id {note_id}")
            channel = self.channel_txn(conn, row.channel_id)
            self.require_txn(conn, actor, channel, Permission.DELETE_NOTE)
            store.delete_note_txn(conn, note_id)
            audit.append_txn(
                conn,
                channel_id=channel.id,
                actor_id=actor.user_id,
                action="note.delete",
                created_at=self.clock.now(),
                target_user_id=row.user_id,
                details={"note_id": note_id, "author_id": row.author_id, "text": row.text},
            )
