from __future__ import annotations

import pytest
import sqlalchemy as sa

from chatwarden.clock import FakeClock
from chatwarden.errors import Conflict, Forbidden, InputError, NotFound, Unauthorized
from chatwarden.services import Services
from chatwarden.store import accounts as store
from chatwarden.store.schema import sessions
from tests.service.conftest import PASSWORD, make_actor


def test_register_login_authenticate_logout(services: Services, clock: FakeClock) -> None:
    user = services.accounts.register("Alice_1", PASSWORD)
    assert user.username == "Alice_1" and not user.is_admin
    session = services.accounts.login("alice_1", PASSWORD)  # case-insensitive login
    assert session.token.startswith("cws_")
    actor = services.accounts.authenticate(session.token)
    assert (actor.user_id, actor.scopes) == (user.id, None)
    with services.db.read() as conn:  # only the hash is stored
        assert store.get_session_txn(conn, session.token) is None
    services.accounts.logout(session.token)
    with pytest.raises(Unauthorized, match="unknown session"):
        services.accounts.authenticate(session.token)


def test_bad_registrations_and_credentials(services: Services) -> None:
    services.accounts.register("alice", PASSWORD)
    with pytest.raises(Conflict, match="taken"):
        services.accounts.register("ALICE", PASSWORD)
    for name in ("ab", "has space", "x" * 26, ""):
        with pytest.raises(InputError, match="username"):
            services.accounts.register(name, PASSWORD)
    with pytest.raises(InputError, match="password"):
        services.accounts.register("bobby", "short")
    with pytest.raises(Unauthorized, match="wrong username or password"):
        services.accounts.login("alice", "wrong password")
    with pytest.raises(Unauthorized, match="wrong username or password"):
        services.accounts.login("nobody", PASSWORD)
    for token in ("", "garbage", "cws_nope", "cwt_nope"):
        with pytest.raises(Unauthorized):
            services.accounts.authenticate(token)


def test_session_expires(services: Services, clock: FakeClock) -> None:
    services.accounts.register("alice", PASSWORD)
    token = services.accounts.login("alice", PASSWORD).token
    clock.advance(services.config.session_ttl_seconds - 1)
    services.accounts.authenticate(token)
    clock.advance(1)
    with pytest.raises(Unauthorized, match="expired"):
        services.accounts.authenticate(token)


def test_expired_sessions_are_purged_by_the_tick(services: Services, clock: FakeClock) -> None:
    ttl = services.config.session_ttl_seconds
    services.accounts.register("alice", PASSWORD)
    old = services.accounts.login("alice", PASSWORD).token
    clock.advance(ttl / 2)
    fresh = services.accounts.login("alice", PASSWORD).token
    assert services.accounts.purge_expired_sessions() == 0  # none expired yet
    clock.advance(ttl / 2)
    services.tick()
    assert _session_count(services) == 1
    services.accounts.authenticate(fresh)
    with pytest.raises(Unauthorized):
        services.accounts.authenticate(old)
    clock.advance(ttl / 2 - 30)
    assert services.accounts.purge_expired_sessions() == 0
    clock.advance(30)  # ``fresh`` has expired, but the last purge was 30 s ago
    assert services.accounts.purge_expired_sessions() == 0
    clock.advance(30)
    assert services.accounts.purge_expired_sessions() == 1


def _session_count(services: Services) -> int:
    with services.db.read() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(sessions)).scalar_one())


def test_api_tokens_scopes_expiry_revocation(services: Services, clock: FakeClock) -> None:
    alice = make_actor(services, "alice")
    new = services.accounts.create_api_token(alice, "bot", ["chat:write"], expires_in_s=60)
    assert new.token.startswith("cwt_")
    bot = services.accounts.authenticate(new.token)
    assert bot.scopes == frozenset({"chat:write"}) and bot.has_scope("chat:write")
    assert not bot.has_scope("moderation:write")
    with pytest.raises(Forbidden, match="session"):
        services.accounts.create_api_token(bot, "nested", ["chat:write"])
    with pytest.raises(InputError, match="scopes"):
        services.accounts.create_api_token(alice, "bad", ["root"])
    clock.advance(60)
    with pytest.raises(Unauthorized, match="expired"):
        services.accounts.authenticate(new.token)
    other = services.accounts.create_api_token(alice, "other", ["moderation:read"])
    services.accounts.revoke_api_token(alice, other.info.id)
    with pytest.raises(Unauthorized, match="revoked"):
        services.accounts.authenticate(other.token)
    assert [t.revoked for t in services.accounts.list_api_tokens(alice)] == [False, True]
    mallory = make_actor(services, "mallory")
    with pytest.raises(NotFound):
        services.accounts.revoke_api_token(mallory, new.info.id)


def test_verification_flags_are_admin_only(services: Services) -> None:
    alice = make_actor(services, "alice")
    root = make_actor(services, "rooty")
    with pytest.raises(Forbidden):
        services.accounts.set_verified(alice, alice.user_id, email=True)
    services.accounts.make_admin(root.user_id)
    root = services.accounts.authenticate(services.accounts.login("rooty", PASSWORD).token)
    user = services.accounts.set_verified(root, alice.user_id, email=True, phone=True)
    assert user.email_verified and user.phone_verified
    assert services.accounts.get_user_by_name("ALICE").email_verified
    with pytest.raises(NotFound):
        services.accounts.get_user(9999)


def test_secret_key_is_generated_once_and_kept(services: Services) -> None:
    from chatwarden.services import _secret_key

    assert len(services.secret_key) > 40
    assert _secret_key(services.db, services.config) == services.secret_key
