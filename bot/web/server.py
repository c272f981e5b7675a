"""One aiohttp server in the bot process, on ``[web] listen``.

Each feature brings its routes as a *route set*: a function that adds them to the aiohttp
application (health and readiness, metrics, the Telegram webhook; later the truce ledger's
public pages and provider push webhooks). The server knows none of them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

from aiohttp import web

log = logging.getLogger("alertbot.web")

RouteSet = Callable[[web.Application], None]

# A request body larger than this is refused (a Telegram update is a few KB).
MAX_BODY = 1024 * 1024


class WebServer:
    def __init__(self, host: str, port: int, route_sets: Iterable[RouteSet] = ()) -> None:
        self._host = host
        self._requested_port = port
        self._app = web.Application(client_max_size=MAX_BODY)
        for add_routes in route_sets:
            add_routes(self._app)
        self._runner: web.AppRunner | None = None
        self._port: int | None = None

    def add(self, add_routes: RouteSet) -> None:
        """Add a route set; only before :meth:`start` (aiohttp freezes the router)."""
        add_routes(self._app)

    @property
    def port(self) -> int:
        """The port listened on (the real one when ``listen`` asked for port 0)."""
        if self._port is None:
            raise RuntimeError("the web server is not started")
        return self._port

    async def start(self) -> None:
        # No access log: paths and addresses are not worth a line per scrape, and the
        # webhook's path may be the operator's own secret.
        runner = web.AppRunner(self._app, access_log=None, shutdown_timeout=2.0)
        await runner.setup()
        site = web.TCPSite(runner, self._host, self._requested_port)
        try:
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        self._port = site.port  # the real one when port 0 was asked for
        log.info("web_started", extra={"host": self._host, "port": self._port})

    async def stop(self) -> None:
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()
            log.info("web_stopped")
