"""Webhooks against a real local HTTP server: signatures, retries with back-off, failure."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from chatwarden.bus import InProcessBus
from chatwarden.clock import FakeClock
from chatwarden.errors import Forbidden, InputError, NotFound
from chatwarden.model import Model
from chatwarden.service.platform.egress import check_url
from chatwarden.service.platform.webhooks import sign, verify
from chatwarden.services import Services, build_services
from tests.service.conftest import Cast, make_config
from tests.service.test_events import fixture, mismatches, type_names

SECRET = "s3cret-webhook-key"


class Receiver:
    """A tiny HTTP server that answers with the queued status codes (then 204)."""

    def __init__(self) -> None:
        self.requests: list[tuple[dict[str, str], bytes]] = []
        self.statuses: list[int] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append((dict(self.headers.items()), body))
                status = receiver.statuses.pop(0) if receiver.statuses else 204
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


def test_signed_delivery_with_retries(
    services: Services, cast: Cast, clock: FakeClock, receiver: Receiver
) -> None:
    cid = cast.channel.id
    sub = services.webhooks.create_subscription(
        cast.olivia, cid, receiver.url, SECRET, ["channel.moderate", "automod.message.hold"]
    )
    assert "secret" not in sub.to_dict()
    receiver.statuses = [500, 503]
    services.actions.ban(cast.mike, cid, cast.mallory.user_id, "spam")
    services.chat.send_message(cast.victor, cid, "not subscribed to chat messages")
    assert services.webhooks.deliver_due() == 0  # first attempt: 500
    assert services.webhooks.deliver_due() == 0  # not due yet
    clock.advance(services.config.webhook_backoff_seconds)
    assert services.webhooks.deliver_due() == 0  # second attempt: 503
    clock.advance(services.config.webhook_backoff_seconds * 2 - 0.5)
    assert services.webhooks.deliver_due() == 0  # back-off doubled: still waiting
    clock.advance(0.5)
    assert services.webhooks.deliver_due() == 1
    assert len(receiver.requests) == 3
    ids = {h["Twitch-Eventsub-Message-Id"] for h, _ in receiver.requests}
    assert len(ids) == 1  # the same id on every retry
    headers, body = receiver.requests[-1]
    assert verify(SECRET, headers, body)
    assert not verify("wrong-secret-x", headers, body)
    assert headers["Twitch-Eventsub-Message-Retry"] == "2"
    assert headers["Twitch-Eventsub-Subscription-Type"] == "channel.moderate"
    expected = sign(
        SECRET,
        headers["Twitch-Eventsub-Message-Id"],
        headers["Twitch-Eventsub-Message-Timestamp"],
        body,
    )
    assert headers["Twitch-Eventsub-Message-Signature"] == expected
    payload = json.loads(body)
    assert payload["subscription"]["type"] == "channel.moderate"
    assert payload["event"]["action"] == "ban" and payload["event"]["ban"]["reason"] == "spam"
    [delivery] = services.webhooks.list_deliveries(cast.olivia, sub.id)
    assert (delivery.status, delivery.attempts, delivery.last_status) == ("delivered", 3, 204)


def test_delivered_bodies_parse_as_twitch_documents_them(
    services: Services, cast: Cast, receiver: Receiver
) -> None:
    """Subscription and event of a webhook body, against the documented payloads."""
    cid = cast.channel.id
    types = ["channel.moderate", "automod.message.hold"]
    services.webhooks.create_subscription(cast.olivia, cid, receiver.url, SECRET, types)
    services.actions.ban(cast.mike, cid, cast.mallory.user_id, "spam")
    services.chat.send_message(cast.victor, cid, "you are a worthless idiot and everyone hates you")
    assert services.webhooks.deliver_due() == 2
    by_type = {
        h["Twitch-Eventsub-Subscription-Type"]: (h, json.loads(b)) for h, b in receiver.requests
    }
    for event_type, name in [
        ("channel.moderate", "channel.moderate.v2.ban"),
        ("automod.message.hold", "automod.message.hold.v2.automod"),
    ]:
        headers, body = by_type[event_type]
        doc = fixture(name)
        assert headers["Twitch-Eventsub-Subscription-Version"] == doc["subscription"]["version"]
        assert headers["Twitch-Eventsub-Message-Type"] == "notification"
        assert mismatches(doc, body, type_names(name), "body") == []
        assert body["subscription"]["transport"] == {"method": "webhook", "callback": receiver.url}


def test_gives_up_after_max_attempts_and_survives_dead_hosts(
    services: Services, cast: Cast, clock: FakeClock, receiver: Receiver
) -> None:
    cid = cast.channel.id
    services.webhooks.create_subscription(
        cast.olivia, cid, receiver.url, SECRET, ["channel.chat.message"]
    )
    dead = services.webhooks.create_subscription(
        cast.olivia, cid, "http://127.0.0.1:9/nothing", SECRET, ["channel.chat.message"]
    )
    receiver.statuses = [500] * 10
    services.chat.send_message(cast.victor, cid, "hello hooks")
    for _ in range(services.config.webhook_max_attempts + 1):
        services.webhooks.deliver_due()
        clock.advance(3600)
    [failed] = services.webhooks.list_deliveries(cast.olivia, dead.id)
    assert failed.status == "failed" and failed.last_status is None and failed.last_error
    assert failed.attempts == services.config.webhook_max_attempts
    assert len(receiver.requests) == services.config.webhook_max_attempts


def test_subscription_validation_and_permissions(
    services: Services, cast: Cast, receiver: Receiver
) -> None:
    cid = cast.channel.id
    create = services.webhooks.create_subscription
    with pytest.raises(InputError, match="url"):
        create(cast.olivia, cid, "ftp://x", SECRET, ["channel.moderate"])
    with pytest.raises(InputError, match="secret"):
        create(cast.olivia, cid, receiver.url, "short", ["channel.moderate"])
    with pytest.raises(InputError, match="event types"):
        create(cast.olivia, cid, receiver.url, SECRET, ["channel.follow"])
    with pytest.raises(Forbidden):
        create(cast.lena, cid, receiver.url, SECRET, ["channel.moderate"])
    sub = create(cast.olivia, cid, receiver.url, SECRET, ["channel.moderate"])
    assert [s.id for s in services.webhooks.list_subscriptions(cast.olivia, cid)] == [sub.id]
    services.webhooks.delete_subscription(cast.olivia, sub.id)
    with pytest.raises(NotFound):
        services.webhooks.delete_subscription(cast.olivia, sub.id)


PRIVATE_URLS = [
    "http://127.0.0.1:8000/hook",
    "http://localhost/hook",
    "http://10.1.2.3/hook",
    "http://192.168.0.10/hook",
    "http://172.16.5.4/hook",
    "http://100.64.0.1/hook",  # carrier-grade NAT
    "http://169.254.169.254/latest/meta-data/",  # cloud metadata
    "http://0.0.0.0/hook",
    "http://[::1]/hook",
    "http://[::ffff:127.0.0.1]/hook",
    "http://[fe80::1]/hook",
    "http://[fc00::1]/hook",
    "http://224.0.0.1/hook",
]


@pytest.mark.parametrize("url", PRIVATE_URLS)
def test_egress_guard_refuses_non_public_addresses(url: str) -> None:
    with pytest.raises(InputError, match="non-public"):
        check_url(url, allow_private=False)
    check_url(url, allow_private=True)  # an operator may allow a trusted local receiver


def test_egress_guard_resolves_names_and_accepts_public_addresses() -> None:
    check_url("https://93.184.215.14/hook", allow_private=False)
    check_url("http://[2606:4700::1111]:8443/hook", allow_private=False)
    public = {"hooks.example": ["93.184.215.14"], "rebind.example": ["93.184.215.14", "10.0.0.7"]}
    resolver = lambda host, port: public[host]  # noqa: E731
    check_url("https://hooks.example/x", allow_private=False, resolve=resolver)
    with pytest.raises(InputError, match=r"10\.0\.0\.7"):  # one private address is enough
        check_url("https://rebind.example/x", allow_private=False, resolve=resolver)
    with pytest.raises(InputError, match="does not resolve"):
        check_url("https://nowhere.invalid/x", allow_private=False)
    with pytest.raises(InputError, match="http"):
        check_url("file:///etc/passwd", allow_private=False)


def test_guard_applies_at_subscription_and_again_at_delivery(
    database_url: str,
    services: Services,
    cast: Cast,
    clock: FakeClock,
    receiver: Receiver,
    bus: InProcessBus,
    model: Model,
) -> None:
    cid = cast.channel.id
    guarded = build_services(
        make_config(database_url, webhook_allow_private_addresses=False),
        clock=clock,
        bus=bus,
        model=model,
        migrate=False,
    )
    try:
        with pytest.raises(InputError, match="non-public"):
            guarded.webhooks.create_subscription(
                cast.olivia, cid, receiver.url, SECRET, ["channel.moderate"]
            )
        # subscribed while the server allowed private receivers; the operator then turned it off
        sub = services.webhooks.create_subscription(
            cast.olivia, cid, receiver.url, SECRET, ["channel.moderate"]
        )
        services.actions.ban(cast.mike, cid, cast.mallory.user_id, "spam")
        assert guarded.webhooks.deliver_due() == 0
        assert receiver.requests == []
        (delivery,) = services.webhooks.list_deliveries(cast.olivia, sub.id)
        assert delivery.attempts == 1 and delivery.status == "pending"
        assert delivery.last_error is not None and delivery.last_error.startswith("refused:")
    finally:
        guarded.close()
