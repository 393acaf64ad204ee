"""Low: the webhook SSRF guard and its DNS oracle.

Attack 1: the channel owner points a webhook at an IPv6 form that embeds an IPv4 address the
guard would refuse (NAT64 ``64:ff9b::/96``, 6to4 ``2002::/16``, IPv4-compatible ``::a.b.c.d``,
IPv4-mapped, IPv4-translated, Teredo) or at deprecated site-local ``fec0::/10``, so the server
calls loopback or the internal network. Expected: 400, unless the operator allows private
addresses.

Attack 2: any logged-in user who may not create webhooks asks the server to resolve names
(``localhost``, internal host names) and reads the answer in the error message. Expected: 403,
and the URL is not looked at.
"""

from __future__ import annotations

import pytest

from tests.web.harness import World

EMBEDDED = [
    "http://[64:ff9b::7f00:1]/hook",  # NAT64 of 127.0.0.1
    "http://[64:ff9b::a9fe:a9fe]/latest/meta-data",  # NAT64 of 169.254.169.254
    "http://[64:ff9b:1::a00:1]/hook",  # local-use NAT64 of 10.0.0.1
    "http://[2002:7f00:1::1]/hook",  # 6to4 of 127.0.0.1
    "http://[2002:a9fe:a9fe::]/hook",  # 6to4 of 169.254.169.254
    "http://[::127.0.0.1]/hook",  # IPv4-compatible
    "http://[::10.0.0.1]:8080/hook",
    "http://[::ffff:127.0.0.1]/hook",  # IPv4-mapped
    "http://[::ffff:0:a00:1]/hook",  # IPv4-translated
    "http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/hook",  # Teredo
    "http://[fec0::1]/hook",  # site-local
]


def _create(world: World, name: str, url: str) -> tuple[int, str]:
    r = world[name].http.post(
        "/api/v1/channels/main/webhooks",
        json={"url": url, "secret": "s3cret-s3cret", "types": ["channel.chat.message"]},
    )
    return r.status_code, r.text


@pytest.mark.parametrize("url", EMBEDDED)
def test_ipv6_forms_that_embed_ipv4_are_refused(world: World, url: str) -> None:
    status, body = _create(world, "owner", url)
    assert status == 400, (url, body)
    assert "non-public address" in body


def test_a_public_ipv6_address_is_still_accepted(world: World) -> None:
    status, body = _create(world, "owner", "https://[2606:4700:4700::1111]/hook")
    assert status == 201, body


@pytest.mark.parametrize("name", ["mallory", "mod", "lead"])
@pytest.mark.parametrize(
    "url",
    ["http://localhost/hook", "http://db.internal.invalid/hook", "http://[fec0::1]/x"],
)
def test_no_dns_oracle_without_the_permission(world: World, name: str, url: str) -> None:
    status, body = _create(world, name, url)
    assert status == 403, body
    assert "resolve" not in body and "address" not in body, body
