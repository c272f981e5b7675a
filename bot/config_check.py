"""What `check-config` and `run` tell an operator about a config: every error at once (each on
its own line, naming the key, with the closest known key for a typo) and warnings for what
validates but is almost certainly wrong (the example's placeholders, a misspelled path of a
provider we know, a secret too short to be scrubbed from the logs)."""

from __future__ import annotations

import difflib
import re
import types
import typing
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from pydantic import BaseModel, ValidationError

from bot.logs import MIN_SECRET_LENGTH

if TYPE_CHECKING:
    from bot.config import Config

# The user id config.example.toml ships with; a real one is never this.
EXAMPLE_ADMIN_ID = 123456789
# A bot token from @BotFather: the bot's numeric id, a colon, 35 letters, digits, - and _.
_BOT_TOKEN = re.compile(r"^\d+:[A-Za-z0-9_-]+$")
_PLACEHOLDER = re.compile(
    r"paste|your[_ -]|changeme|change[_ -]me|replace|placeholder|example|^x+$|^\.+$|^<.*>$|todo",
    re.IGNORECASE,
)


def _location(loc: tuple[int | str, ...]) -> str:
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path


def _models_in(annotation: Any) -> Iterator[type[BaseModel]]:
    """The pydantic models an annotation holds: ``FeedConfig`` in ``list[FeedConfig]``."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
        return
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is not None:
        for argument in typing.get_args(annotation):
            yield from _models_in(argument)


def _model_at(root: type[BaseModel], loc: tuple[int | str, ...]) -> type[BaseModel] | None:
    model = root
    for part in loc:
        if isinstance(part, int):
            continue  # an item of a list: the same model
        field = model.model_fields.get(part)
        if field is None:
            return None
        found = next(_models_in(field.annotation), None)
        if found is None:
            return None
        model = found
    return model


def _all_keys(root: type[BaseModel], prefix: str = "") -> Iterator[tuple[str, str]]:
    """(key, dotted path) of every key the config knows, sections first."""
    for name, field in root.model_fields.items():
        path = f"{prefix}.{name}" if prefix else name
        yield name, path
        for model in _models_in(field.annotation):
            yield from _all_keys(model, path)


def suggest_key(root: type[BaseModel], loc: tuple[int | str, ...]) -> str | None:
    """The key the operator probably meant by the unknown key at ``loc``."""
    wrong = str(loc[-1])
    model = _model_at(root, loc[:-1])
    if model is not None:
        close = difflib.get_close_matches(wrong, list(model.model_fields), n=1, cutoff=0.6)
        if close:
            return close[0]
    # The right key in the wrong section: `admins` at the top means `telegram.admins`.
    for name, path in _all_keys(root):
        if name == wrong.lower():
            return path
    return None


def validation_problems(exc: ValidationError, root: type[BaseModel]) -> list[str]:
    """One line per pydantic error, naming the key."""
    problems = []
    for error in exc.errors():
        path = _location(error["loc"])
        message = error["msg"]
        for prefix in ("Value error, ", "Assertion failed, "):
            message = message.removeprefix(prefix)
        if error["type"] == "extra_forbidden":
            message = "unknown key"
            suggestion = suggest_key(root, error["loc"])
            if suggestion is not None:
                message += f"; did you mean `{suggestion}`?"
        problems.append(f"{path}: {message}" if path else message)
    return problems


# --- warnings --------------------------------------------------------------------------------


@dataclass(frozen=True)
class KnownPath:
    """A path of a provider's API the bot can read, for one or more feed kinds."""

    kinds: frozenset[str]
    pattern: re.Pattern[str]
    example: str


def _known(kinds: str, pattern: str, example: str) -> KnownPath:
    return KnownPath(frozenset(kinds.split()), re.compile(pattern), example)


_UKRAINEALARM = [
    _known("ukrainealarm siren_pp_ua", r"^(/api/v3(/alerts(/status)?)?)?/?$", "/api/v3/alerts"),
]
_YASNO_V2 = "/api/blackout-service/public/shutdowns"
_DTEK = [_known("dtek_json", r"^/(ua|en)/shutdowns/?$", "/ua/shutdowns")]

# Provider hosts (as in feeds/ and the README) and the paths the bot knows on each.
KNOWN_PROVIDERS: dict[str, list[KnownPath]] = {
    "api.alerts.in.ua": [
        _known("alerts_in_ua", r"^/v1/alerts/active\.json$", "/v1/alerts/active.json"),
        _known(
            "alerts_in_ua_iot",
            r"^/v[12]/iot/active_air_raid_alerts_by_oblast\.json$",
            "/v1/iot/active_air_raid_alerts_by_oblast.json",
        ),
    ],
    "api.ukrainealarm.com": _UKRAINEALARM,
    "siren.pp.ua": _UKRAINEALARM,
    "api.loe.lviv.ua": [_known("loe", r"^/api/menus/?$", "/api/menus")],
    "power-api.loe.lviv.ua": [_known("loe", r"^/api/pw_accidents/?$", "/api/pw_accidents")],
    "app.yasno.ua": [
        _known(
            "yasno",
            rf"^{_YASNO_V2}/regions/\d+/dsos/\d+/(planned|probable)-outages/?$",
            f"{_YASNO_V2}/regions/25/dsos/902/planned-outages",
        ),
        _known("yasno", rf"^{_YASNO_V2}/probable-outages/?$", f"{_YASNO_V2}/probable-outages"),
    ],
    "api.yasno.com.ua": [
        _known(
            "yasno",
            r"^/api/v1/pages/home/schedule-turn-off-electricity/?$",
            "/api/v1/pages/home/schedule-turn-off-electricity",
        ),
    ],
    "www.dtek-kem.com.ua": _DTEK,
    "www.dtek-krem.com.ua": _DTEK,
    "www.dtek-oem.com.ua": _DTEK,
    "www.dtek-dnem.com.ua": _DTEK,
    "www.dtek-dem.com.ua": _DTEK,
}


def url_warning(kind: str, url: str) -> str | None:
    """Why a URL on a known provider's host will not work for ``kind``, or None."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    known = KNOWN_PROVIDERS.get(host) or KNOWN_PROVIDERS.get(f"www.{host}")
    if known is None:
        return None  # a mirror or a test server: nothing to compare with
    path = parts.path or "/"
    matching = [k for k in known if k.pattern.match(path)]
    if not matching:
        examples = [k.example for k in known if kind in k.kinds] or [k.example for k in known]
        close = difflib.get_close_matches(path, examples, n=1, cutoff=0.5)
        hint = f"did you mean {close[0]}?" if close else f"known: {', '.join(examples)}"
        return f"{host} has no path {path} that the bot knows; {hint}"
    if not any(kind in k.kinds for k in matching):
        kinds = sorted(set().union(*(k.kinds for k in matching)))
        return f"{host}{path} is read by kind {' or '.join(kinds)}, not {kind}"
    return None


def _secret_warnings(what: str, value: str) -> list[str]:
    if not value:
        return []
    if _PLACEHOLDER.search(value):
        return [f"{what}: looks like a placeholder, not a real value"]
    if len(value) < MIN_SECRET_LENGTH:
        return [
            f"{what}: only {len(value)} characters; secrets shorter than {MIN_SECRET_LENGTH} "
            "are not scrubbed from the logs"
        ]
    return []


def config_warnings(config: Config) -> list[str]:
    """What validates but will most likely not work as meant; one line each."""
    warnings = []
    token = config.telegram.token.get_secret_value()
    token_warnings = _secret_warnings("telegram.token", token)
    if not token_warnings and token and not _BOT_TOKEN.match(token):
        token_warnings = [
            "telegram.token: does not look like a token from @BotFather (digits:letters)"
        ]
    warnings += token_warnings
    if EXAMPLE_ADMIN_ID in config.telegram.admins:
        warnings.append(
            f"telegram.admins: {EXAMPLE_ADMIN_ID} is the example's placeholder; put your own "
            "Telegram user id there"
        )
    elif not config.telegram.admins:
        warnings.append("telegram.admins: empty; nobody can run admin commands")
    for index, feed in enumerate(config.feeds):
        problem = url_warning(feed.kind, feed.url)
        if problem is not None:
            warnings.append(f"feeds[{index}].url: {problem}")
        if feed.token is not None:
            source = feed.token_env or "the config"
            warnings += _secret_warnings(
                f"feeds[{index}].token_env: the token in {source}", feed.token.get_secret_value()
            )
    return warnings


def detection_delay(config: Config) -> str | None:
    """One line on how soon the configured alert feeds, polled in step, learn of an alert
    (from its publication to the next poll of any of them; the request's own time aside)."""
    from bot.ingest.poll_phases import plan_phases
    from feeds.outages import OUTAGE_KINDS

    intervals = [f.interval for f in config.feeds if f.kind not in OUTAGE_KINDS]
    if not intervals:
        return None
    plan = plan_phases(intervals)
    return (
        f"alert feeds: {len(intervals)} polled in step; an alert is seen "
        f"{plan.median_delay:.1f} s after it is published (median), {plan.worst_delay:.1f} s "
        "at worst"
    )
