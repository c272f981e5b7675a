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


async def serve(
    app: web.Application, host: str, port: int, shutdown_timeout: float
) -> tuple[web.AppRunner, int]:
    """Serve ``app`` on host:port without an access log; the runner and the real port (when
    0 was asked for). A port that cannot be bound leaves nothing running."""
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=shutdown_timeout)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    try:
        await site.start()
    except BaseException:
        await runner.cleanup()
        raise
    return runner, site.port


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
        self._runner, self._port = await serve(self._app, self._host, self._requested_port, 2.0)
        log.info("web_started", extra={"host": self._host, "port": self._port})

    async def stop(self) -> None:
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()
            log.info("web_stopped")
