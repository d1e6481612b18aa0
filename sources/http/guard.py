"""The address guard: resolve a host ourselves, refuse non-public addresses, connect to
the very address that was checked.

A DNS answer cannot change between check and connect (rebinding): `GuardedBackend`
is the network backend of every direct connection pool, so it is the one place that
turns a host name into a socket. Through a proxy the proxy connects, so the layer
checks the destination's addresses before handing the request over (`check_host`);
the proxy itself is the operator's choice and is not checked.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Iterable
from typing import Any

import httpcore

from .stream import connect_tcp

_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


class RefusedAddressError(Exception):
    """A host resolved to an address we do not connect to (private, loopback, ...)."""


class ResolveError(httpcore.ConnectError):
    """The host name does not resolve (its message starts "cannot resolve host")."""


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries (mapped, 6to4, NAT64), if any."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def is_public_address(address: str) -> bool:
    """True when `address` (an IP literal) is a globally routable unicast address."""
    try:
        ip: ipaddress.IPv4Address | ipaddress.IPv6Address = ipaddress.ip_address(
            address.split("%", 1)[0]  # an IPv6 zone id ("fe80::1%eth0") is not part of it
        )
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(ip)
        if embedded is not None:
            ip = embedded  # judged by the IPv4 address it reaches
    return ip.is_global and not (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
    )


def is_private_literal(host: str) -> bool:
    """True when `host` is an IP literal (or "localhost") that is not public."""
    bare = host.strip("[]").lower()
    if bare == "localhost" or bare.endswith(".localhost"):
        return True
    try:
        ipaddress.ip_address(bare.split("%", 1)[0])
    except ValueError:
        return False
    return not is_public_address(bare)


class AddressRule:
    """Which addresses may be connected to: public ones, plus every address when private
    hosts are allowed, or only the networks named (e.g. one intranet range)."""

    def __init__(self, allow_private: bool, networks: Iterable[str] = ()) -> None:
        self.allow_private = allow_private
        self.networks = tuple(ipaddress.ip_network(n, strict=False) for n in networks)

    def permits(self, address: str) -> bool:
        if self.allow_private or is_public_address(address):
            return True
        if not self.networks:
            return False
        try:
            ip = ipaddress.ip_address(address.split("%", 1)[0])
        except ValueError:
            return False
        return any(ip in network for network in self.networks)


async def resolve_checked(
    host: str, port: int, rule: AddressRule, timeout: float | None
) -> list[str]:
    """Every address `host` resolves to; refused when any one is not public."""
    loop = asyncio.get_running_loop()
    try:
        async with asyncio.timeout(timeout):
            infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except TimeoutError:
        raise httpcore.ConnectTimeout(f"cannot resolve host {host}: timed out") from None
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise ResolveError(f"cannot resolve host {host}: {reason}") from None
    addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    if not rule.allow_private:
        refused = [a for a in addresses if not rule.permits(a)]
        if refused:
            raise RefusedAddressError(
                f"refused: host {host} resolves to non-public address {refused[0]} "
                "(set fetch.allow_private_hosts to allow)"
            )
    return addresses


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """httpcore's network backend, resolving and checking before each new connection."""

    def __init__(self, rule: AddressRule) -> None:
        self._rule = rule

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        addresses = await resolve_checked(host, port, self._rule, timeout)
        last_error: Exception = httpcore.ConnectError(f"cannot resolve host {host}")
        for address in addresses:  # the next address when one does not answer
            try:
                return await connect_tcp(address, port, timeout, local_address, socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last_error = exc
        raise last_error

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise RefusedAddressError("refused: unix sockets are not fetched")

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)
