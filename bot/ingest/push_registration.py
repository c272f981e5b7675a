"""``python -m bot webhook register|unregister|show``: the push source's registration with
api.ukrainealarm.com (issue 15).

``/api/v3/webhook``: GET shows the registered URL, POST registers one, PATCH changes it, DELETE
removes it; the body is ``{"webHookUrl": "..."}`` and the API key goes in ``Authorization``
as it is, without ``Bearer`` (as the ukrainealarm feed sends it). ``register`` asks first and
then registers (POST) or changes (PATCH) only when needed, so running it twice is harmless.
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from bot.config import Config, ConfigError, FeedConfig
from feeds.ukrainealarm import auth_headers
from feeds.ukrainealarm_push import KIND

DEFAULT_API = "https://api.ukrainealarm.com"
WEBHOOK_PATH = "/api/v3/webhook"


class RegistrationError(Exception):
    """The provider refused or could not be reached: one line, without the key."""


@dataclass(frozen=True, slots=True)
class Registration:
    feed: str
    url: str  # the bot's public URL for the events
    key: str = ""

    def __repr__(self) -> str:  # the key is never shown
        return f"Registration(feed={self.feed!r}, url={self.url!r})"


def registration_for(config: Config, name: str | None) -> Registration:
    """The push feed to register: the one named, or the only one."""
    pushes: list[FeedConfig] = [f for f in config.feeds if f.kind == KIND]
    if name is not None:
        pushes = [f for f in pushes if f.name == name]
    if not pushes:
        raise ConfigError(
            f"feeds: no {KIND} feed" + (f" named {name!r}" if name is not None else "")
        )
    if len(pushes) > 1:
        raise ConfigError(f"feeds: several {KIND} feeds; name one with --feed")
    feed = pushes[0]
    if feed.token is None:
        raise ConfigError(
            f"feeds.{feed.name}.token_env: registering needs the ukrainealarm API key; "
            "name the environment variable that holds it"
        )
    return Registration(feed.name, feed.url, feed.token.get_secret_value())


class WebhookApi:
    def __init__(
        self,
        registration: Registration,
        *,
        base_url: str = DEFAULT_API,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = 15.0,
    ) -> None:
        self._registration = registration
        self._client = httpx.AsyncClient(
            base_url=base_url.rstrip("/"),
            transport=transport,
            timeout=timeout,
            headers=auth_headers(registration.key),
        )

    async def __aenter__(self) -> WebhookApi:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self._client.aclose()

    async def _call(self, method: str, body: dict[str, str] | None = None) -> httpx.Response:
        try:
            response = await self._client.request(method, WEBHOOK_PATH, json=body)
        except httpx.HTTPError as exc:
            raise RegistrationError(f"{method} {WEBHOOK_PATH}: {type(exc).__name__}") from None
        if response.status_code in (401, 403):
            raise RegistrationError(
                f"{method} {WEBHOOK_PATH}: the API key was refused (HTTP {response.status_code})"
            )
        return response

    async def show(self) -> str | None:
        """The URL registered now, or None."""
        response = await self._call("GET")
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise RegistrationError(f"GET {WEBHOOK_PATH}: HTTP {response.status_code}")
        try:
            data = response.json()
        except ValueError:
            raise RegistrationError(f"GET {WEBHOOK_PATH}: the answer is not JSON") from None
        url = data.get("webHookUrl") if isinstance(data, dict) else None
        return url if isinstance(url, str) and url else None

    async def register(self) -> str:
        """Register the feed's URL; says what was done."""
        current = await self.show()
        url = self._registration.url
        if current == url:
            return f"already registered: {url}"
        method = "POST" if current is None else "PATCH"
        response = await self._call(method, {"webHookUrl": url})
        if response.status_code not in (200, 201, 204):
            raise RegistrationError(f"{method} {WEBHOOK_PATH}: HTTP {response.status_code}")
        return f"registered: {url}" if current is None else f"changed {current} -> {url}"

    async def unregister(self) -> str:
        if await self.show() is None:
            return "nothing registered"
        response = await self._call("DELETE", {"webHookUrl": self._registration.url})
        if response.status_code not in (200, 204):
            raise RegistrationError(f"DELETE {WEBHOOK_PATH}: HTTP {response.status_code}")
        return "unregistered"
