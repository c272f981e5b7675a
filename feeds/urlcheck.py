"""Refuse feed URLs that would make the bot fetch from inside its own network.

Checking a URL once, when an admin adds it, is not enough: its name may resolve elsewhere at
the next poll (DNS rebinding) and a server may redirect anywhere. So feeds added in the chat are
fetched through :class:`GuardedTransport`, which resolves every request's host itself, refuses
any address that is not globally routable, and connects to the address it checked.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

import httpx

# host, port -> the addresses to connect to (a seam: tests resolve without real DNS).
Resolver = Callable[[str, int], Awaitable[list[str]]]

# RFC 6052's well-known NAT64 prefix: the last 32 bits are an IPv4 address reached through it.
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


class UnsafeURL(ValueError):
    """The URL may not be used as a feed; ``reason`` names why (a message catalog key)."""

    def __init__(self, reason: str, /, **values: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.values = values


class RefusedAddress(httpx.TransportError):
    """A guarded request's host is (or now resolves to) an address that is not public."""


async def system_resolver(host: str, port: int) -> list[str]:
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


def is_public(address: str) -> bool:
    """Whether ``address`` is globally routable: an allow-list (``is_global``), so carrier-grade
    NAT (100.64.0.0/10, cloud metadata at 100.100.100.200), documentation and future special
    ranges are refused too. An IPv6 address that carries an IPv4 one (mapped, 6to4, Teredo,
    NAT64) is public only if that one is."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if not ip.is_global or ip.is_multicast:
        return False
    if isinstance(ip, ipaddress.IPv6Address):
        embedded: list[ipaddress.IPv4Address | None] = [ip.ipv4_mapped, ip.sixtofour]
        embedded.extend(ip.teredo or ())
        if ip in _NAT64:
            embedded.append(ipaddress.IPv4Address(int(ip) & 0xFFFF_FFFF))
        return all(is_public(str(inner)) for inner in embedded if inner is not None)
    return True


def check_scheme(url: str) -> str:
    """The host of an http(s) URL; raise UnsafeURL for anything else (a malformed URL too)."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        raise UnsafeURL("malformed") from None
    if parts.scheme not in ("http", "https"):
        raise UnsafeURL("scheme")
    if not host:
        raise UnsafeURL("no_host")
    return host


async def public_addresses(host: str, port: int, resolver: Resolver) -> list[str]:
    """Every address of ``host``, all public; UnsafeURL otherwise (one internal address is
    enough to refuse: which one a client would pick is not ours to know)."""
    try:
        ipaddress.ip_address(host.split("%", 1)[0])
        addresses = [host]
    except ValueError:
        try:
            addresses = await resolver(host, port)
        except (OSError, UnicodeError):
            raise UnsafeURL("unresolvable", host=host) from None
    if not addresses:
        raise UnsafeURL("unresolvable", host=host)
    for address in addresses:
        try:
            public = is_public(address)
        except ValueError:
            public = False
        if not public:
            raise UnsafeURL("internal", host=host, address=address)
    return addresses


async def check_public(
    url: str, *, allow_private: bool, resolver: Resolver = system_resolver
) -> None:
    """Raise UnsafeURL if ``url`` is not http(s), or (unless allowed) resolves to an address
    that is not globally routable."""
    host = check_scheme(url)
    if allow_private:
        return
    port = urlsplit(url).port or (443 if url.startswith("https:") else 80)
    await public_addresses(host, port, resolver)


class GuardedTransport(httpx.AsyncBaseTransport):
    """Sends each request (each redirect hop is one) to an address checked just now.

    The host is resolved here, every address must be public, and the request goes to the
    first one by its IP: the inner transport never resolves the name again, so the address
    checked is the address connected to. The Host header and TLS server name stay the
    original host's (certificates are verified against it).
    """

    def __init__(self, inner: httpx.AsyncBaseTransport, *, resolver: Resolver) -> None:
        self._inner = inner
        self._resolver = resolver

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        if url.scheme not in ("http", "https"):
            raise RefusedAddress(f"refused: {url.scheme} is not http(s)", request=request)
        host = url.host
        port = url.port or (443 if url.scheme == "https" else 80)
        try:
            addresses = await public_addresses(host, port, self._resolver)
        except UnsafeURL as exc:
            if exc.reason == "internal":
                detail = f"{host} is at an internal address ({exc.values['address']})"
            else:
                detail = f"cannot resolve {host}"
            raise RefusedAddress(f"refused: {detail}", request=request) from None
        extensions = dict(request.extensions)
        if url.scheme == "https":
            extensions["sni_hostname"] = host
        pinned = httpx.Request(
            request.method,
            url.copy_with(host=addresses[0].split("%", 1)[0]),
            headers=request.headers,  # Host: the original name, set when the request was built
            stream=request.stream,
            extensions=extensions,
        )
        return await self._inner.handle_async_request(pinned)

    async def aclose(self) -> None:
        await self._inner.aclose()
