"""Refuse feed URLs that would make the bot fetch from inside its own network."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from urllib.parse import urlsplit


class UnsafeURL(ValueError):
    """The URL may not be used as a feed; ``reason`` names why (a message catalog key)."""

    def __init__(self, reason: str, /, **values: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.values = values


def _private(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    return (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_reserved
        or ip.is_multicast
        or ip.is_unspecified
    )


def check_scheme(url: str) -> str:
    """The host of an http(s) URL; raise UnsafeURL for anything else."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise UnsafeURL("scheme")
    if not parts.hostname:
        raise UnsafeURL("no_host")
    return parts.hostname


async def check_public(url: str, *, allow_private: bool) -> None:
    """Raise UnsafeURL if ``url`` is not http(s), or (unless allowed) resolves to a loopback,
    private, link-local or otherwise internal address."""
    host = check_scheme(url)
    if allow_private:
        return
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except OSError:
        raise UnsafeURL("unresolvable", host=host) from None
    for info in infos:
        address = str(info[4][0])
        if _private(address):
            raise UnsafeURL("internal", host=host, address=address)
