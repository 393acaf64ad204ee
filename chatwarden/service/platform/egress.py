"""Where the server may send requests on a user's behalf (an SSRF guard for webhooks).

A webhook URL is chosen by a channel's owner, so without a guard it could point the server at
itself, at other services on its network, or at a cloud metadata address. Unless the operator
allows private addresses (``webhook_allow_private_addresses``, for a trusted receiver on the same
machine or network), a URL is refused when its host is, or resolves to, anything but a global
unicast address: loopback, private, link-local (169.254.0.0/16 holds cloud metadata),
shared/carrier-grade NAT, reserved, unspecified or multicast, in IPv4 or IPv6. IPv6 forms that
carry or reach an IPv4 address (IPv4-mapped, IPv4-compatible, IPv4-translated, NAT64, 6to4,
Teredo) and deprecated site-local addresses are refused whatever they embed: Python's
``is_global`` calls several of them global, and behind a NAT64 gateway ``64:ff9b::7f00:1`` is
127.0.0.1. (A public IPv4 receiver is reachable by its IPv4 address.)

Callers check the user's permission before calling ``check_url``: resolving a name for someone
who may not create webhooks would turn the error message into a DNS oracle.

The check runs when a subscription is created and again before every delivery (DNS can change
between the two). A name that resolves to a public address when checked and to a private one a
moment later (DNS rebinding) is not caught; an operator who needs that guarantee sends webhooks
through an egress proxy.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterable
from urllib.parse import urlsplit

from chatwarden.errors import InputError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Iterable[str]]


def system_resolver(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to (the system resolver, as the HTTP client uses it)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


#: IPv6 ranges refused whatever the address: they embed or reach IPv4, or are site-local
REFUSED_V6 = tuple(
    ipaddress.IPv6Network(n)
    for n in (
        "::/96",  # IPv4-compatible (deprecated; ::a.b.c.d), with :: and ::1
        "::ffff:0:0/96",  # IPv4-mapped
        "::ffff:0:0:0/96",  # IPv4-translated (SIIT)
        "64:ff9b::/96",  # NAT64, well-known prefix
        "64:ff9b:1::/48",  # NAT64, local use
        "2001::/32",  # Teredo
        "2002::/16",  # 6to4
        "fec0::/10",  # site-local (deprecated, routed like private space)
    )
)


def is_public(address: IPAddress) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and any(address in n for n in REFUSED_V6):
        return False
    return address.is_global and not address.is_multicast


def check_url(url: str, *, allow_private: bool, resolve: Resolver = system_resolver) -> None:
    """Raise ``InputError`` unless ``url`` is http(s) and (unless ``allow_private``) every
    address its host resolves to is public."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InputError("url must be an http:// or https:// address")
    if allow_private:
        return
    host = parts.hostname
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise InputError(f"url has an invalid port: {exc}") from None
    try:
        literal: IPAddress | None = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    if literal is not None:
        addresses = [literal]
    else:
        try:
            addresses = [ipaddress.ip_address(a.split("%", 1)[0]) for a in resolve(host, port)]
        except (OSError, UnicodeError) as exc:
            raise InputError(f"url host {host!r} does not resolve: {exc}") from None
        if not addresses:
            raise InputError(f"url host {host!r} does not resolve")
    private = sorted({str(a) for a in addresses if not is_public(a)})
    if private:
        raise InputError(
            f"url host {host!r} is or resolves to a non-public address ({', '.join(private)}); "
            "webhooks may only reach public addresses unless the server allows private ones "
            "(CHATWARDEN_WEBHOOK_ALLOW_PRIVATE_ADDRESSES)"
        )
