"""A pretend internet for tests of the address guard: names resolve to what the test says,
and a few "public" addresses are served by servers on 127.0.0.1.

``resolve`` is the resolver seam (:data:`feeds.urlcheck.Resolver`); ``transport`` is the feed
transport seam. Like a real network stack, the transport resolves a name it is given with the
same table, so a client that does not pin the address it checked gets what DNS says now.
"""

from __future__ import annotations

import ipaddress

import httpx


class FakeInternet:
    def __init__(self) -> None:
        self.names: dict[str, list[str]] = {}
        # public address -> the loopback address that serves it
        self.routes: dict[str, str] = {}
        self.lookups: list[str] = []
        self.transport = _Transport(self)

    async def resolve(self, host: str, port: int) -> list[str]:
        self.lookups.append(host)
        addresses = self.names.get(host)
        if not addresses:
            raise OSError(f"no such host: {host}")
        return list(addresses)


class _Transport(httpx.AsyncBaseTransport):
    def __init__(self, internet: FakeInternet) -> None:
        self._internet = internet
        self._real = httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        host = request.url.host
        try:
            ipaddress.ip_address(host)
            address = host
        except ValueError:
            try:
                address = (await self._internet.resolve(host, request.url.port or 80))[0]
            except OSError as exc:
                raise httpx.ConnectError(str(exc), request=request) from None
        address = self._internet.routes.get(address, address)
        if address != "127.0.0.1":
            raise httpx.ConnectError(f"unreachable: {address}", request=request)
        routed = httpx.Request(
            request.method,
            request.url.copy_with(host=address),
            headers=request.headers,
            stream=request.stream,
            extensions=request.extensions,
        )
        return await self._real.handle_async_request(routed)

    async def aclose(self) -> None:
        await self._real.aclose()
