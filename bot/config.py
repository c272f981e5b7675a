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

import httpx
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)

from bot.config_check import validation_problems
from feeds import regions
from feeds.budgets import over_budget
from feeds.kinds import KINDS, PUSH_KINDS, known_kinds

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///data/alertbot.db"
# What Telegram accepts as a webhook secret (setWebhook's secret_token).
_SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,256}")

MIN_INTERVAL = 2.0
# A push source's report counts for a minute after each delivery (see FeedConfig._push_hold).
PUSH_HOLD_INTERVAL = 20.0
# A day: longer means the feed is not really a source; far longer overflows the scheduler.
MAX_INTERVAL = 86_400.0
ENV_NAME = r"^[A-Za-z_][A-Za-z0-9_]*$"
# The bot's own secrets: no feed added in the chat may send them anywhere, whatever the config.
OWN_SECRETS = frozenset({"TELEGRAM_BOT_TOKEN", "TELEGRAM_WEBHOOK_SECRET", "DATABASE_URL"})


class ConfigError(Exception):
    """A config that cannot be used: one or more problems, each one line naming its key."""

    def __init__(self, *problems: str) -> None:
        super().__init__(*problems)
        self.problems = list(problems)

    def __str__(self) -> str:
        return "\n".join(self.problems)


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
        if value:
            # Otherwise every request fails as a "network error" and the bot waits for ever.
            try:
                parts = urlsplit(value)
                parts.port  # noqa: B018 (parsing the port is the check)
            except ValueError:
                raise ValueError("not a valid URL") from None
            if not parts.hostname:
                raise ValueError("not a valid URL: no host")
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
    token_env: Annotated[str, Field(max_length=128, pattern=ENV_NAME)] | None = None
    interval: float = 15
    timeout: float | None = None
    # Outage kinds only: the region the feed's schedules belong to (default: the provider's).
    region: str | None = None
    # Resolved from token_env at load time; never written back to a file or a log.
    token: SecretStr | None = None
    # Push kinds only (issue 15): the provider's RSA public key, a PEM file.
    public_key_file: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _push_hold(cls, data: Any) -> Any:
        # A push source is not polled: its row's interval only says how long a delivery's
        # report counts in the merge (storage/merge.py: max(3 x interval, 60 s)).
        if isinstance(data, dict) and data.get("kind") in PUSH_KINDS:
            if "interval" in data or "timeout" in data:
                raise ValueError(f"{data['kind']}: interval and timeout are for polled feeds")
            return {**data, "interval": PUSH_HOLD_INTERVAL}
        return data

    @model_validator(mode="after")
    def _push_key(self) -> FeedConfig:
        if self.kind not in PUSH_KINDS:
            if self.public_key_file is not None:
                raise ValueError("public_key_file: only for a push kind (ukrainealarm_webhook)")
            return self
        if not self.public_key_file:
            raise ValueError("public_key_file: a push source needs the provider's public key")
        from feeds.ukrainealarm_push import load_public_key

        try:
            load_public_key(self.public_key_file)
        except ValueError as exc:
            raise ValueError(f"public_key_file: {exc}") from None
        return self

    @property
    def push_path(self) -> str:
        """Where the web server takes this push source's events: its public URL's path."""
        return urlsplit(self.url).path or "/"

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
        # Both parsers the bot uses on it must take it, or every poll would fail inside them.
        try:
            host = urlsplit(value).hostname
            httpx.URL(value)
        except (ValueError, httpx.InvalidURL):
            raise ValueError("malformed URL") from None
        if not host:
            raise ValueError("the URL has no host")
        return value

    @field_validator("interval")
    @classmethod
    def _interval_range(cls, value: float) -> float:
        if not math.isfinite(value):
            raise ValueError("must be a finite number of seconds")
        if value < MIN_INTERVAL:
            raise ValueError("must be at least 2 seconds")
        if value > MAX_INTERVAL:
            raise ValueError(f"must be at most {MAX_INTERVAL:g} seconds (a day)")
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
    # The environment variables a feed added in the chat may name in token_env (its token is
    # sent to the feed's server, which the admin chooses). Empty: chat feeds get no token.
    chat_feed_token_envs: list[Annotated[str, Field(max_length=128, pattern=ENV_NAME)]] = Field(
        default_factory=list
    )

    @field_validator("chat_feed_token_envs")
    @classmethod
    def _not_own_secrets(cls, value: list[str]) -> list[str]:
        own = sorted(OWN_SECRETS.intersection(value))
        if own:
            raise ValueError(f"{', '.join(own)} is the bot's own secret, never a feed's token")
        return value


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
    # Seconds: a channel's alert post is edited to show the end when the end comes within this
    # time of the post (a new post otherwise); 0 turns edits off.
    channel_edit_window: float = Field(default=7200.0, ge=0, le=48 * 3600, allow_inf_nan=False)


# --- [web] (issue 14): health, readiness, metrics and the webhook on one listener -------------


class WebConfig(_Strict):
    """``[web]``: the bot's own HTTP server; off unless ``listen`` is set."""

    listen: str = ""  # "host:port", e.g. "127.0.0.1:8080"; IPv6 as "[::1]:8080"
    # /readyz fails while an air-raid message has been waiting longer than this.
    max_undelivered_age: float = Field(default=60.0, gt=0, allow_inf_nan=False)
    # The truce ledger's public pages (/truces, .json, .csv, .atom) on the same listener.
    public_ledger: bool = True

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


# Paths the bot's own routes take on the [web] listener.
RESERVED_WEB_PATHS = frozenset({"/", "/healthz", "/readyz", "/metrics"})

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
    def _push_needs_listener(self) -> Config:
        paths: dict[str, str] = {}
        if self.telegram.webhook_url:
            paths[self.telegram.webhook_path] = "telegram.webhook_url"
        for index, feed in enumerate(self.feeds):
            if feed.kind not in PUSH_KINDS:
                continue
            if not self.web.listen:
                raise ValueError(
                    f"feeds[{index}].kind: a push source needs [web] listen "
                    "(its events are served there)"
                )
            if feed.push_path in paths or feed.push_path in RESERVED_WEB_PATHS:
                raise ValueError(
                    f"feeds[{index}].url: the path {feed.push_path} is already served "
                    f"({paths.get(feed.push_path, 'by the bot')})"
                )
            paths[feed.push_path] = f"feeds[{index}].url"
        return self

    @model_validator(mode="after")
    def _webhook_needs_listener(self) -> Config:
        if self.telegram.webhook_url and not self.web.listen:
            raise ValueError(
                "telegram.webhook_url: webhook mode needs [web] listen "
                "(the webhook is served there)"
            )
        return self


def _feed_with_token(
    index: int, feed: FeedConfig, env: Mapping[str, str], problems: list[str]
) -> FeedConfig:
    if feed.token_env:
        value = env.get(feed.token_env, "")
        if not value:
            problems.append(
                f"feeds[{index}].token_env: environment variable {feed.token_env} is not set"
            )
            return feed
        return feed.model_copy(update={"token": SecretStr(value)})
    if KINDS.get(feed.kind) is not None and KINDS[feed.kind].needs_token and not feed.token:
        problems.append(
            f"feeds[{index}].token_env: the {feed.kind} API needs a token; "
            "name the environment variable that holds it"
        )
    return feed


def parse_config(raw: Mapping[str, Any], env: Mapping[str, str]) -> Config:
    """Validate a parsed TOML document and fill secrets from ``env``; a
    :class:`ConfigError` lists every problem found, not only the first."""
    problems: list[str] = []
    config: Config | None = None
    try:
        config = Config.model_validate(raw)
    except ValidationError as exc:
        problems += validation_problems(exc, Config)

    database: DatabaseConfig | None = config.database if config is not None else None
    if env.get("DATABASE_URL"):
        try:
            database = DatabaseConfig(url=env["DATABASE_URL"])
        except ValidationError as exc:
            for problem in validation_problems(exc, DatabaseConfig):
                problems.append("DATABASE_URL: " + problem.split(": ", 1)[-1])

    parsed: list[FeedConfig | None]
    if config is not None:
        parsed = list(config.feeds)
    else:
        # The rest of the file is broken; the feeds that are fine still get their tokens
        # checked, so one run shows every problem.
        raw_feeds = raw.get("feeds")
        parsed = []
        for item in raw_feeds if isinstance(raw_feeds, list) else []:
            try:
                parsed.append(FeedConfig.model_validate(item))
            except ValidationError:
                parsed.append(None)
    feeds = [
        _feed_with_token(index, feed, env, problems)
        for index, feed in enumerate(parsed)
        if feed is not None
    ]
    if config is None or problems:
        raise ConfigError(*problems)
    excess = over_budget([(f.name, f.kind, f.url, f.interval) for f in feeds])
    if excess is not None:
        raise ConfigError(f"feeds[{excess.index}].interval: {excess.message()}")
    telegram = config.telegram
    if env.get("TELEGRAM_BOT_TOKEN"):
        telegram = telegram.model_copy(update={"token": SecretStr(env["TELEGRAM_BOT_TOKEN"])})
    if env.get("TELEGRAM_WEBHOOK_SECRET"):
        try:
            secret = TelegramConfig(secret_token=SecretStr(env["TELEGRAM_WEBHOOK_SECRET"]))
        except ValidationError as exc:
            message = validation_problems(exc, TelegramConfig)[0].split(": ", 1)[-1]
            raise ConfigError(f"TELEGRAM_WEBHOOK_SECRET: {message}") from None
        telegram = telegram.model_copy(update={"secret_token": secret.secret_token})
    if telegram.webhook_url and not telegram.secret_token.get_secret_value():
        raise ConfigError(
            "telegram.secret_token: webhook mode needs a secret; set it in the config or in "
            "the TELEGRAM_WEBHOOK_SECRET environment variable"
        )
    return config.model_copy(update={"telegram": telegram, "database": database, "feeds": feeds})


TOKEN_MISSING = (
    "telegram.token: missing; set it in the config or in the TELEGRAM_BOT_TOKEN "
    "environment variable"
)


def _has_bot_token(raw: Mapping[str, Any], env: Mapping[str, str]) -> bool:
    telegram = raw.get("telegram")
    in_file = telegram.get("token") if isinstance(telegram, Mapping) else None
    return bool(env.get("TELEGRAM_BOT_TOKEN") or (isinstance(in_file, str) and in_file))


def load_config(
    path: str | Path, env: Mapping[str, str] | None = None, *, runnable: bool = False
) -> Config:
    """Read and validate the TOML config at ``path``; raise :class:`ConfigError` with every
    problem if unusable. ``runnable``: also what a live run needs (the bot token)."""
    env = os.environ if env is None else env
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read config: {exc.strerror or exc}") from None
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: malformed TOML: {exc}") from None
    try:
        config = parse_config(raw, env)
    except ConfigError as exc:
        if runnable and not _has_bot_token(raw, env):
            raise ConfigError(*exc.problems, TOKEN_MISSING) from None
        raise
    if runnable:
        require_runnable(config)
    return config


def require_runnable(config: Config) -> None:
    """Checks that only matter for a live run (the demo needs no token)."""
    if not config.telegram.token.get_secret_value():
        raise ConfigError(TOKEN_MISSING)
