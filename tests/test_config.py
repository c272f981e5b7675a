"""The operator's config: `load_config`/`parse_config` and the `python -m bot` command line."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory

from bot.config import ConfigError, load_config, parse_config
from bot.config_check import url_warning
from storage.migrate import MIGRATIONS_DIR

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "config.example.toml"
BOT_TOKEN = "123456:TOKEN-that-must-never-be-printed"
FEED_TOKEN = "feed-token-that-must-never-be-printed"
ENV = {"TELEGRAM_BOT_TOKEN": "1:x", "ALERTS_IN_UA_TOKEN": "t"}

FEED = """
[[feeds]]
name = "alerts-in-ua"
kind = "alerts_in_ua"
url = "https://api.alerts.in.ua/v1/alerts/active.json"
token_env = "ALERTS_IN_UA_TOKEN"
"""

# (config text, the start of the error message: the key it names)
BAD_CONFIGS: dict[str, tuple[str, str]] = {
    "interval too short": (
        FEED + "interval = 1\n",
        "feeds[0].interval: must be at least 2 seconds",
    ),
    "interval not a number": (FEED + "interval = nan\n", "feeds[0].interval: "),
    "timeout zero": (FEED + "timeout = 0\n", "feeds[0].timeout: "),
    "unknown kind": (
        FEED.replace('kind = "alerts_in_ua"', 'kind = "pigeon_post"'),
        "feeds[0].kind: unknown kind 'pigeon_post'",
    ),
    "token env var not set": (
        FEED.replace("ALERTS_IN_UA_TOKEN", "NOT_SET_ANYWHERE_TOKEN"),
        "feeds[0].token_env: environment variable NOT_SET_ANYWHERE_TOKEN is not set",
    ),
    "alerts_in_ua without token_env": (
        FEED.replace('token_env = "ALERTS_IN_UA_TOKEN"\n', ""),
        "feeds[0].token_env: ",
    ),
    "unknown key": ('[telegram]\ntokn = "abc"\n', "telegram.tokn: unknown key"),
    "unknown section": ("[telgram]\nadmins = [1]\n", "telgram: unknown key"),
    "admins not ids": ('[telegram]\nadmins = ["me"]\n', "telegram.admins[0]: "),
    "bad database url": (
        '[database]\nurl = "mysql://localhost/alerts"\n',
        "database.url: must be a sqlite+aiosqlite:// or postgresql+asyncpg:// URL",
    ),
    "duplicate feed names": (FEED + FEED, "feeds[1].name: 'alerts-in-ua' is used twice"),
    "feed url not http": (
        FEED.replace("https://api.alerts.in.ua", "ftp://api.alerts.in.ua"),
        "feeds[0].url: must be an http:// or https:// URL",
    ),
    "bad feed name": (FEED.replace('"alerts-in-ua"', '"alerts in ua"'), "feeds[0].name: "),
    "telegram base_url broken": (
        '[telegram]\nbase_url = "http://[::1/bot"\n',
        "telegram.base_url: not a valid URL",
    ),
    "bad default language": ('[bot]\ndefault_language = "ru"\n', "bot.default_language: "),
}


def write(tmp_path: Path, text: str, name: str = "config.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def config_error(path: Path, env: dict[str, str]) -> str:
    with pytest.raises(ConfigError) as caught:
        load_config(path, env)
    return str(caught.value)


# --- load_config / parse_config -------------------------------------------------------------


def test_example_config_loads() -> None:
    config = load_config(EXAMPLE, ENV)
    assert config.telegram.token.get_secret_value() == "1:x"
    assert config.telegram.admins == [123456789]
    assert config.database.url == "sqlite+aiosqlite:///data/alertbot.db"
    assert config.bot.default_language == "uk"
    feed, siren = config.feeds
    assert (feed.name, feed.kind, feed.interval) == ("alerts-in-ua", "alerts_in_ua", 6)
    assert feed.url == "https://api.alerts.in.ua/v1/alerts/active.json"
    assert feed.token is not None and feed.token.get_secret_value() == "t"
    assert feed.poll_timeout == pytest.approx(4.8)  # min(10, 0.8 x 6)
    # The keyless source beside it, at its budget's shortest interval.
    assert (siren.kind, siren.url, siren.interval, siren.token) == (
        "siren_pp_ua",
        "https://siren.pp.ua",
        3,
        None,
    )


def test_the_environment_wins_over_the_file(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '[telegram]\ntoken = "1:from-file"\n[database]\nurl = "sqlite+aiosqlite:///file.db"\n'
        + FEED,
    )
    from_file = load_config(path, {"ALERTS_IN_UA_TOKEN": "t"})
    assert from_file.telegram.token.get_secret_value() == "1:from-file"
    assert from_file.database.url == "sqlite+aiosqlite:///file.db"

    env = ENV | {"DATABASE_URL": "postgresql+asyncpg://bot@db/alerts"}
    config = load_config(path, env)
    assert config.telegram.token.get_secret_value() == "1:x"
    assert config.database.url == "postgresql+asyncpg://bot@db/alerts"


def test_each_feed_token_comes_from_its_own_variable() -> None:
    raw = {
        "feeds": [
            {"name": "a", "kind": "alerts_in_ua", "url": "https://a.example/x", "token_env": "A"},
            {"name": "b", "kind": "alerts_in_ua", "url": "https://b.example/x", "token_env": "B"},
        ]
    }
    config = parse_config(raw, {"A": "token-a", "B": "token-b"})
    tokens = [f.token.get_secret_value() if f.token else None for f in config.feeds]
    assert tokens == ["token-a", "token-b"]
    # Secrets do not show in the config's repr (a config dumped into a log stays clean).
    assert "token-a" not in repr(config)


def test_an_empty_config_gets_the_documented_defaults() -> None:
    config = parse_config({}, {})
    assert config.database.url == "sqlite+aiosqlite:///data/alertbot.db"
    assert config.telegram.admins == []
    assert config.feeds == []
    assert config.bot.default_language == "uk"


@pytest.mark.parametrize(("text", "expected"), BAD_CONFIGS.values(), ids=BAD_CONFIGS.keys())
def test_a_bad_config_names_the_key(tmp_path: Path, text: str, expected: str) -> None:
    message = config_error(write(tmp_path, text), ENV)
    assert message.startswith(expected), message
    assert "\n" not in message


def test_malformed_toml(tmp_path: Path) -> None:
    path = write(tmp_path, "[telegram\nadmins = [1]\n")
    message = config_error(path, ENV)
    assert message.startswith(f"{path}: malformed TOML: ")
    assert "line 1" in message


def test_bad_database_url_in_the_environment(tmp_path: Path) -> None:
    path = write(tmp_path, FEED)
    message = config_error(path, ENV | {"DATABASE_URL": "mysql://user:pw@host/db"})
    assert message.startswith("DATABASE_URL: must be a sqlite+aiosqlite://")
    assert "pw" not in message


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.toml"
    message = config_error(path, ENV)
    assert message.startswith(f"{path}: cannot read config: ")


# --- python -m bot ---------------------------------------------------------------------------


def clean_env(**extra: str) -> dict[str, str]:
    drop = ("TELEGRAM_BOT_TOKEN", "DATABASE_URL", "ALERTBOT_CONFIG", "ALERTS_IN_UA_TOKEN")
    env = {k: v for k, v in os.environ.items() if k not in drop}
    return env | extra


def run_cli(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def assert_no_secrets(result: subprocess.CompletedProcess[str]) -> None:
    for secret in (BOT_TOKEN, FEED_TOKEN):
        assert secret not in result.stdout
        assert secret not in result.stderr


def test_check_config_accepts_a_good_config(tmp_path: Path) -> None:
    env = clean_env(TELEGRAM_BOT_TOKEN=BOT_TOKEN, ALERTS_IN_UA_TOKEN=FEED_TOKEN)
    result = run_cli("check-config", str(EXAMPLE), env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("config OK")
    assert "2 feed(s), 1 admin(s)" in result.stdout
    # alerts.in.ua every 6 s and siren.pp.ua every 3 s, interleaved: a poll every 1.5 s
    # then 3 s.
    assert (
        "alert feeds: 2 polled in step; an alert is seen 1.0 s after it is published "
        "(median), 3.0 s at worst"
    ) in result.stdout
    assert_no_secrets(result)


@pytest.fixture(scope="module")
def bad_config_runs(
    tmp_path_factory: pytest.TempPathFactory,
) -> dict[str, subprocess.CompletedProcess[str]]:
    """`check-config` on every bad config, run side by side (each run is a fresh interpreter)."""
    directory = tmp_path_factory.mktemp("bad-configs")
    env = clean_env(TELEGRAM_BOT_TOKEN=BOT_TOKEN, ALERTS_IN_UA_TOKEN=FEED_TOKEN)

    def check(index: int, text: str) -> subprocess.CompletedProcess[str]:
        path = write(directory, text, f"config-{index}.toml")
        return run_cli("check-config", str(path), env=env, cwd=directory)

    with ThreadPoolExecutor(max_workers=4) as pool:
        futures = {
            case: pool.submit(check, index, text)
            for index, (case, (text, _)) in enumerate(BAD_CONFIGS.items())
        }
        return {case: future.result() for case, future in futures.items()}


@pytest.mark.parametrize("case", BAD_CONFIGS)
def test_check_config_rejects_a_bad_config_in_one_line(
    bad_config_runs: dict[str, subprocess.CompletedProcess[str]], case: str
) -> None:
    result = bad_config_runs[case]
    expected = BAD_CONFIGS[case][1]
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.startswith(f"config error: {expected}"), result.stderr
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert_no_secrets(result)


@pytest.mark.parametrize("case", ["malformed TOML", "missing file", "bad DATABASE_URL"])
def test_check_config_rejects_unreadable_configs_in_one_line(tmp_path: Path, case: str) -> None:
    env = clean_env(TELEGRAM_BOT_TOKEN=BOT_TOKEN, ALERTS_IN_UA_TOKEN=FEED_TOKEN)
    path = write(tmp_path, FEED)
    expected = "DATABASE_URL: must be"
    if case == "malformed TOML":
        path = write(tmp_path, f'[telegram]\ntoken = "{BOT_TOKEN}\n')
        expected = "malformed TOML"
    elif case == "missing file":
        path = tmp_path / "missing.toml"
        expected = "cannot read config"
    else:
        env["DATABASE_URL"] = "mysql://localhost/alerts"
    result = run_cli("check-config", str(path), env=env, cwd=tmp_path)
    assert result.returncode == 2
    [line] = result.stderr.splitlines()
    assert line.startswith("config error: ")
    assert expected in line
    assert_no_secrets(result)


def test_check_config_needs_a_bot_token(tmp_path: Path) -> None:
    path = write(tmp_path, FEED)
    result = run_cli(
        "check-config", str(path), env=clean_env(ALERTS_IN_UA_TOKEN=FEED_TOKEN), cwd=tmp_path
    )
    assert result.returncode == 2
    [line] = result.stderr.splitlines()
    assert line.startswith("config error: telegram.token: ")
    assert_no_secrets(result)


def test_check_config_takes_the_path_from_alertbot_config(tmp_path: Path) -> None:
    env = clean_env(
        TELEGRAM_BOT_TOKEN=BOT_TOKEN, ALERTS_IN_UA_TOKEN=FEED_TOKEN, ALERTBOT_CONFIG=str(EXAMPLE)
    )
    result = run_cli("check-config", env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("config OK")

    env = clean_env(TELEGRAM_BOT_TOKEN=BOT_TOKEN, ALERTS_IN_UA_TOKEN=FEED_TOKEN)
    result = run_cli("check-config", env=env, cwd=tmp_path)
    assert result.returncode == 2
    [line] = result.stderr.splitlines()
    assert "ALERTBOT_CONFIG" in line
    assert_no_secrets(result)


def test_migrate_creates_the_database_at_the_head_revision(tmp_path: Path) -> None:
    database = tmp_path / "volume" / "alertbot.db"  # the directory does not exist yet
    path = write(tmp_path, f'[database]\nurl = "sqlite+aiosqlite:///{database}"\n' + FEED)
    env = clean_env(TELEGRAM_BOT_TOKEN=BOT_TOKEN, ALERTS_IN_UA_TOKEN=FEED_TOKEN)
    head = ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head()
    assert head

    result = run_cli("migrate", "--config", str(path), env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"database at revision {head}"
    assert database.is_file()
    with sqlite3.connect(database) as connection:
        [(revision,)] = connection.execute("SELECT version_num FROM alembic_version").fetchall()
    assert revision == head
    assert_no_secrets(result)

    again = run_cli("migrate", "--config", str(path), env=env, cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert again.stdout.strip() == f"database at revision {head}"


def test_migrate_with_a_bad_config_exits_2(tmp_path: Path) -> None:
    path = write(tmp_path, FEED + "interval = 1\n")
    env = clean_env(TELEGRAM_BOT_TOKEN=BOT_TOKEN, ALERTS_IN_UA_TOKEN=FEED_TOKEN)
    result = run_cli("migrate", "--config", str(path), env=env, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr == "config error: feeds[0].interval: must be at least 2 seconds\n"


def test_help(tmp_path: Path) -> None:
    result = run_cli("--help", env=clean_env(), cwd=tmp_path)
    assert result.returncode == 0
    for command in ("run", "check-config", "migrate", "demo"):
        assert command in result.stdout


# --- every problem at once, suggestions, warnings (issue 11, defect 10) ----------------------

MANY_PROBLEMS = """
[telegram]
admin = [1]

[[feeds]]
name = "alerts-in-ua"
kind = "alerts_in_ua"
url = "https://api.alerts.in.ua/v1/alerts/active.json"
token_env = "NOT_SET_ANYWHERE_TOKEN"
interval = 1

[[feeds]]
name = "second"
kind = "alerts_in_ua"
url = "https://mirror.example/active.json"
token_env = "ALSO_NOT_SET_TOKEN"
"""

EXPECTED_PROBLEMS = [
    "config error: telegram.admin: unknown key; did you mean `admins`?",
    "config error: feeds[0].interval: must be at least 2 seconds",
    "config error: feeds[1].token_env: environment variable ALSO_NOT_SET_TOKEN is not set",
    "config error: telegram.token: missing; set it in the config or in the TELEGRAM_BOT_TOKEN "
    "environment variable",
]


@pytest.mark.parametrize("command", ["check-config", "run"])
def test_every_problem_is_shown_at_once_one_line_each(tmp_path: Path, command: str) -> None:
    path = write(tmp_path, MANY_PROBLEMS)
    args = (
        ("check-config", str(path)) if command == "check-config" else ("run", "--config", str(path))
    )
    result = run_cli(*args, env=clean_env(), cwd=tmp_path)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.splitlines() == EXPECTED_PROBLEMS


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[telegram]\nadmin = [1]\n", "telegram.admin: unknown key; did you mean `admins`?"),
        ("[telgram]\nadmins = [1]\n", "telgram: unknown key; did you mean `telegram`?"),
        ("admins = [1]\n", "admins: unknown key; did you mean `telegram.admins`?"),
        (
            FEED.replace("token_env", "tokenenv"),
            "feeds[0].tokenenv: unknown key; did you mean `token_env`?",
        ),
        ("[delivery]\nrate = 5\n", "delivery.rate: unknown key"),
    ],
)
def test_an_unknown_key_gets_the_closest_known_one(
    tmp_path: Path, text: str, expected: str
) -> None:
    message = config_error(write(tmp_path, text), ENV)
    assert message.splitlines()[0] == expected


def test_the_example_placeholders_and_a_misspelled_path_are_warned_about(tmp_path: Path) -> None:
    text = EXAMPLE.read_text(encoding="utf-8").replace('token = ""', 'token = "PASTE_HERE"')
    text = text.replace("/v1/alerts/active.json", "/v1/alerts/actve.json")
    path = write(tmp_path, text)
    result = run_cli("check-config", str(path), env=clean_env(ALERTS_IN_UA_TOKEN="t"), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("config OK: 2 feed(s), 1 admin(s)")
    assert "4 warning(s)" in result.stdout
    assert result.stderr.splitlines() == [
        "warning: telegram.token: looks like a placeholder, not a real value",
        "warning: telegram.admins: 123456789 is the example's placeholder; put your own "
        "Telegram user id there",
        "warning: feeds[0].url: api.alerts.in.ua has no path /v1/alerts/actve.json that the bot "
        "knows; did you mean /v1/alerts/active.json?",
        "warning: feeds[0].token_env: the token in ALERTS_IN_UA_TOKEN: only 1 characters; "
        "secrets shorter than 8 are not scrubbed from the logs",
    ]


def example_urls() -> list[tuple[str, str]]:
    """(kind, url) of every feed in config.example.toml, the commented ones too."""
    found, kind = [], None
    for line in EXAMPLE.read_text(encoding="utf-8").splitlines():
        words = line.lstrip("# ").split('"')
        if line.lstrip("# ").startswith("kind = "):
            kind = words[1]
        elif line.lstrip("# ").startswith("url = ") and kind is not None:
            found.append((kind, words[1]))
    return found


def test_every_url_of_the_example_and_readme_is_known() -> None:
    urls = [
        *example_urls(),
        ("siren_pp_ua", "https://siren.pp.ua/api/v3/alerts"),
        ("ukrainealarm", "https://api.ukrainealarm.com/api/v3/alerts/status"),
        (
            "alerts_in_ua_iot",
            "https://api.alerts.in.ua/v2/iot/active_air_raid_alerts_by_oblast.json",
        ),
        (
            "yasno",
            "https://app.yasno.ua/api/blackout-service/public/shutdowns/probable-outages?regionId=25&dsoId=902",
        ),
        ("yasno", "https://api.yasno.com.ua/api/v1/pages/home/schedule-turn-off-electricity"),
        ("dtek_json", "https://www.dtek-kem.com.ua/ua/shutdowns"),
        ("dtek_json", "https://raw.githubusercontent.com/some/mirror/main/kyiv.json"),
        ("alerts_in_ua", "http://127.0.0.1:8080/anything"),
    ]
    assert len(urls) >= 13, urls
    assert {url: url_warning(kind, url) for kind, url in urls} == {url: None for _, url in urls}


@pytest.mark.parametrize(
    ("kind", "url", "expected"),
    [
        (
            "alerts_in_ua",
            "https://api.alerts.in.ua/v1/alert/active.json",
            "did you mean /v1/alerts/active.json?",
        ),
        (
            "alerts_in_ua",
            "https://api.alerts.in.ua/v1/iot/active_air_raid_alerts_by_oblast.json",
            "is read by kind alerts_in_ua_iot, not alerts_in_ua",
        ),
        ("siren_pp_ua", "https://siren.pp.ua/api/v2/alerts", "did you mean /api/v3/alerts?"),
        ("loe", "https://api.loe.lviv.ua/api/menu?page=1", "did you mean /api/menus?"),
        (
            "loe",
            "https://power-api.loe.lviv.ua/api/pw_accident",
            "did you mean /api/pw_accidents?",
        ),
        (
            "yasno",
            "https://app.yasno.ua/api/blackout-service/public/shutdowns/regions/25/dsos/902/planed-outages",
            "has no path",
        ),
        ("dtek_json", "https://dtek-kem.com.ua/ua/shutdown", "did you mean /ua/shutdowns?"),
    ],
)
def test_a_wrong_path_of_a_known_provider_is_named(kind: str, url: str, expected: str) -> None:
    warning = url_warning(kind, url)
    assert warning is not None and expected in warning, warning
