"""Operator configuration: a TOML file validated with pydantic, secrets from the environment."""

from __future__ import annotations

import math
import os
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)

from feeds import regions
from feeds.budgets import over_budget
from feeds.kinds import KINDS, known_kinds

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///data/alertbot.db"
# What Telegram accepts as a webhook secret (setWebhook's secret_token).
_SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,256}")


class ConfigError(Exception):
    """A config that cannot be used; the message names the offending key."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TelegramConfig(_Strict):
    token: SecretStr = SecretStr("")
    base_url: str = ""
    admins: list[int] = Field(default_factory=list)
    # Webhook mode (issue 14): Telegram posts updates to this URL instead of long polling.
    webhook_url: str = ""
    secret_token: SecretStr = SecretStr("")

    @field_validator("base_url")
    @classmethod
    def _http_only(cls, value: str) -> str:
        if value and not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value

    @field_validator("webhook_url")
    @classmethod
    def _https_only(cls, value: str) -> str:
        # Telegram delivers webhooks over HTTPS only; TLS ends at the operator's proxy.
        if value and not (value.startswith("https://") and urlsplit(value).hostname):
            raise ValueError("must be an https:// URL (Telegram delivers webhooks over HTTPS)")
        return value

    @field_validator("secret_token")
    @classmethod
    def _secret_shape(cls, value: SecretStr) -> SecretStr:
        secret = value.get_secret_value()
        if secret and not _SECRET_TOKEN.fullmatch(secret):
            # The value itself is never repeated in the message.
            raise ValueError("must be 1-256 characters of A-Z, a-z, 0-9, _ and -")
        return value

    @property
    def webhook_path(self) -> str:
        return urlsplit(self.webhook_url).path or "/"


class DatabaseConfig(_Strict):
    url: str = DEFAULT_DATABASE_URL

    @field_validator("url")
    @classmethod
    def _supported(cls, value: str) -> str:
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError("must be a sqlite+aiosqlite:// or postgresql+asyncpg:// URL")
        return value


class FeedConfig(_Strict):
    name: Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")]
    kind: str
    url: str
    token_env: str | None = None
    interval: float = 15
    timeout: float | None = None
    # Outage kinds only: the region the feed's schedules belong to (default: the provider's).
    region: str | None = None
    # Resolved from token_env at load time; never written back to a file or a log.
    token: SecretStr | None = None

    @field_validator("kind")
    @classmethod
    def _known_kind(cls, value: str) -> str:
        kinds = known_kinds()
        if value not in kinds:
            raise ValueError(f"unknown kind {value!r}; known kinds: {', '.join(kinds)}")
        return value

    @field_validator("region")
    @classmethod
    def _known_region(cls, value: str | None) -> str | None:
        if value is None:
            return None
        region = regions.resolve(value)
        if region is None:
            raise ValueError(f"unknown region {value!r}")
        return region.id

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an http:// or https:// URL")
        return value

    @field_validator("interval")
    @classmethod
    def _min_interval(cls, value: float) -> float:
        if not math.isfinite(value):
            raise ValueError("must be a finite number of seconds")
        if value < 2:
            raise ValueError("must be at least 2 seconds")
        return value

    @field_validator("timeout")
    @classmethod
    def _positive_timeout(cls, value: float | None) -> float | None:
        # 0 or less would make every poll fail at once; nan would disable the limit.
        if value is not None and not (math.isfinite(value) and value > 0):
            raise ValueError("must be a positive number of seconds")
        return value

    @property
    def poll_timeout(self) -> float:
        """Hard limit on one poll, below the interval so polls never pile up."""
        if self.timeout is not None:
            return min(self.timeout, self.interval * 0.8)
        return min(10.0, self.interval * 0.8)


class OutagesConfig(_Strict):
    """``[outages]``: reminder lead time and when a schedule counts as stale."""

    reminder_minutes: Annotated[int, Field(ge=0, le=720)] = 30
    stale_after_minutes: Annotated[int, Field(ge=1, le=10080)] = 180


class BotConfig(_Strict):
    default_language: Literal["uk", "en"] = "uk"
    timezone: str = "Europe/Kyiv"
    # Subscribers are told alerts may be missed once every source for their region has been
    # failing this long.
    coverage_alarm_minutes: float = Field(default=5.0, gt=0)


class DeliveryConfig(_Strict):
    """How fast the outbox goes out. Telegram allows a bot about 30 messages a second in all
    (the default leaves room for command replies), 1000 with paid broadcast."""

    rate_per_second: float = Field(default=28.0, gt=0, le=1000)
    # Air-raid messages with allow_paid_broadcast (charged in Stars; enable it in @BotFather).
    paid_broadcast: bool = False
    paid_rate_per_second: float = Field(default=1000.0, gt=0, le=1000)
    # Sends in flight at once per budget: enough to reach the rate with ~100 ms per request.
    concurrency: int = Field(default=16, ge=1, le=256)
    # A send that fails with a network error or timeout is tried this many times in all.
    max_network_attempts: int = Field(default=5, ge=1, le=50)


# --- [web] (issue 14): health, readiness, metrics and the webhook on one listener -------------


class WebConfig(_Strict):
    """``[web]``: the bot's own HTTP server; off unless ``listen`` is set."""

    listen: str = ""  # "host:port", e.g. "127.0.0.1:8080"; IPv6 as "[::1]:8080"
    # /readyz fails while an air-raid message has been waiting longer than this.
    max_undelivered_age: float = Field(default=60.0, gt=0, allow_inf_nan=False)

    @field_validator("listen")
    @classmethod
    def _host_port(cls, value: str) -> str:
        if value:
            split_listen(value)
        return value

    @property
    def host(self) -> str:
        return split_listen(self.listen)[0]

    @property
    def port(self) -> int:
        return split_listen(self.listen)[1]


def split_listen(value: str) -> tuple[str, int]:
    """``"host:port"`` (``"[v6]:port"``) -> (host, port); ValueError with a readable message."""
    host, sep, port = value.rpartition(":")
    host = host.removeprefix("[").removesuffix("]")
    if not sep or not host or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise ValueError('must be "host:port", e.g. "127.0.0.1:8080"')
    return host, int(port)


# --- end of [web] -----------------------------------------------------------------------------


class Config(_Strict):
    telegram: TelegramConfig = TelegramConfig()
    database: DatabaseConfig = DatabaseConfig()
    feeds: list[FeedConfig] = Field(default_factory=list)
    bot: BotConfig = BotConfig()
    outages: OutagesConfig = OutagesConfig()
    delivery: DeliveryConfig = DeliveryConfig()
    web: WebConfig = WebConfig()
    # Feeds added through the chat may not point at loopback or private addresses unless this
    # is set; feeds in this file are the operator's own and are trusted.
    allow_private_feeds: bool = False

    @model_validator(mode="after")
    def _unique_feed_names(self) -> Config:
        seen: set[str] = set()
        for index, feed in enumerate(self.feeds):
            if feed.name in seen:
                # The model-level error has no location of its own: name the key here.
                raise ValueError(f"feeds[{index}].name: {feed.name!r} is used twice")
            seen.add(feed.name)
        return self

    @model_validator(mode="after")
    def _webhook_needs_listener(self) -> Config:
        if self.telegram.webhook_url and not self.web.listen:
            raise ValueError(
                "telegram.webhook_url: webhook mode needs [web] listen "
                "(the webhook is served there)"
            )
        return self


def _format_error(exc: ValidationError) -> str:
    first = exc.errors()[0]
    path = ""
    for part in first["loc"]:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    message = first["msg"]
    for prefix in ("Value error, ", "Assertion failed, "):
        message = message.removeprefix(prefix)
    if first["type"] == "extra_forbidden":
        message = "unknown key"
    return f"{path}: {message}" if path else message


def parse_config(raw: Mapping[str, Any], env: Mapping[str, str]) -> Config:
    """Validate a parsed TOML document and fill secrets from ``env``."""
    try:
        config = Config.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(_format_error(exc)) from None

    telegram = config.telegram
    if env.get("TELEGRAM_BOT_TOKEN"):
        telegram = telegram.model_copy(update={"token": SecretStr(env["TELEGRAM_BOT_TOKEN"])})
    if env.get("TELEGRAM_WEBHOOK_SECRET"):
        try:
            secret = TelegramConfig(secret_token=SecretStr(env["TELEGRAM_WEBHOOK_SECRET"]))
        except ValidationError as exc:
            message = _format_error(exc).split(": ", 1)[-1]
            raise ConfigError(f"TELEGRAM_WEBHOOK_SECRET: {message}") from None
        telegram = telegram.model_copy(update={"secret_token": secret.secret_token})
    if telegram.webhook_url and not telegram.secret_token.get_secret_value():
        raise ConfigError(
            "telegram.secret_token: webhook mode needs a secret; set it in the config or in "
            "the TELEGRAM_WEBHOOK_SECRET environment variable"
        )
    database = config.database
    if env.get("DATABASE_URL"):
        try:
            database = DatabaseConfig(url=env["DATABASE_URL"])
        except ValidationError as exc:
            raise ConfigError("DATABASE_URL: " + _format_error(exc).split(": ", 1)[-1]) from None

    feeds = []
    for index, feed in enumerate(config.feeds):
        if feed.token_env:
            value = env.get(feed.token_env, "")
            if not value:
                raise ConfigError(
                    f"feeds[{index}].token_env: environment variable {feed.token_env} is not set"
                )
            feed = feed.model_copy(update={"token": SecretStr(value)})
        elif KINDS.get(feed.kind) is not None and KINDS[feed.kind].needs_token and not feed.token:
            raise ConfigError(
                f"feeds[{index}].token_env: the {feed.kind} API needs a token; "
                "name the environment variable that holds it"
            )
        feeds.append(feed)
    excess = over_budget([(f.name, f.kind, f.url, f.interval) for f in feeds])
    if excess is not None:
        raise ConfigError(f"feeds[{excess.index}].interval: {excess.message()}")
    return config.model_copy(update={"telegram": telegram, "database": database, "feeds": feeds})


def load_config(path: str | Path, env: Mapping[str, str] | None = None) -> Config:
    """Read and validate the TOML config at ``path``; raise :class:`ConfigError` if unusable."""
    env = os.environ if env is None else env
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read config: {exc.strerror or exc}") from None
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: malformed TOML: {exc}") from None
    return parse_config(raw, env)


def require_runnable(config: Config) -> None:
    """Checks that only matter for a live run (the demo needs no token)."""
    if not config.telegram.token.get_secret_value():
        raise ConfigError(
            "telegram.token: missing; set it in the config or in the TELEGRAM_BOT_TOKEN "
            "environment variable"
        )
