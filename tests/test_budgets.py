"""Request budgets: an interval that would break a provider's published limit is refused."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.config import ConfigError, load_config, parse_config
from feeds.budgets import check_budget, check_budgets, over_budget
from tests.test_config import clean_env, run_cli

ROOT = Path(__file__).resolve().parent.parent
ACTIVE = "https://api.alerts.in.ua/v1/alerts/active.json"
IOT = "https://api.alerts.in.ua/v1/iot/active_air_raid_alerts_by_oblast.json"
IOT_V2 = "https://api.alerts.in.ua/v2/iot/active_air_raid_alerts_by_oblast.json"
SIREN = "https://siren.pp.ua"
UKRAINEALARM = "https://api.ukrainealarm.com/api/v3/alerts"
ENV = {"T": "token", "ALERTS_IN_UA_TOKEN": "t", "UKRAINEALARM_TOKEN": "u"}


def test_the_message_says_what_and_how_to_fix_it() -> None:
    assert check_budget("alerts_in_ua", ACTIVE, 3) == (
        "3 s would make 20 requests a minute to api.alerts.in.ua; its limit is about 10 "
        "(use 6 or more)"
    )


@pytest.mark.parametrize(
    ("kind", "url", "refused", "accepted"),
    [
        # about 10 a minute, 12 hard
        ("alerts_in_ua", ACTIVE, 5.9, 6),
        ("alerts_in_ua_iot", IOT, 5.9, 6),
        ("alerts_in_ua_iot", IOT_V2, 5.9, 6),
        # 200 per 5 minutes; a poll may make two requests (the index, then the list)
        ("siren_pp_ua", SIREN, 2.9, 3),
        # no published limit: our own ceiling of 30 a minute
        ("ukrainealarm", UKRAINEALARM, 3.9, 4),
        ("ukrainealarm", "https://API.UkraineAlarm.com.", 3.9, 4),  # hosts ignore case
    ],
)
def test_each_provider_budget(kind: str, url: str, refused: float, accepted: float) -> None:
    assert check_budget(kind, url, refused) is not None
    assert check_budget(kind, url, accepted) is None


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/v1/alerts/active.json",  # a test server
        "https://alerts-mirror.example.org/v1/alerts/active.json",  # an operator's mirror
        "https://api.alerts.in.ua.example.org/v1/alerts/active.json",  # not the provider
    ],
)
def test_other_hosts_are_not_limited(url: str) -> None:
    assert check_budget("alerts_in_ua", url, 2) is None


def test_feeds_on_one_host_share_its_budget() -> None:
    feeds = [
        ("active", "alerts_in_ua", ACTIVE, 15.0),  # 4 a minute
        ("active-2", "alerts_in_ua", ACTIVE, 12.0),  # 5: 9 in all
        ("elsewhere", "alerts_in_ua", "http://127.0.0.1:1/x", 2.0),  # not counted
        ("siren", "siren_pp_ua", SIREN, 3.0),  # another host, its own budget
    ]
    assert check_budgets(feeds) is None
    # A third alerts.in.ua feed, of another kind, still counts against alerts.in.ua.
    feeds.append(("oblasts", "alerts_in_ua_iot", IOT, 30.0))  # 2: 11 in all
    excess = over_budget(feeds)
    assert excess is not None
    assert (excess.index, excess.name, excess.host) == (4, "oblasts", "api.alerts.in.ua")
    assert excess.min_interval == 60  # 1 request a minute is left
    assert check_budgets(feeds) == (
        "feed 'oblasts': 30 s would make 2 requests a minute to api.alerts.in.ua, 11 with the "
        "other feeds there ('active', 'active-2'); its limit is about 10 (use 60 or more)"
    )


def test_when_the_others_use_it_all() -> None:
    feeds = [("a", "alerts_in_ua", ACTIVE, 6.0), ("b", "alerts_in_ua_iot", IOT, 60.0)]
    message = check_budgets(feeds)
    assert message is not None
    assert message.endswith("its limit is about 10 and the other feeds already use all of it")


# --- the config ----------------------------------------------------------------------------------


def feed(name: str, kind: str, url: str, interval: float) -> dict[str, object]:
    return {"name": name, "kind": kind, "url": url, "interval": interval, "token_env": "T"}


def test_the_config_names_the_feed_and_its_interval() -> None:
    raw = {
        "feeds": [
            feed("local", "alerts_in_ua", "http://127.0.0.1:8080/v1/alerts/active.json", 2),
            feed("alerts-in-ua", "alerts_in_ua", ACTIVE, 3),
        ]
    }
    with pytest.raises(ConfigError) as caught:
        parse_config(raw, ENV)
    assert str(caught.value) == (
        "feeds[1].interval: 3 s would make 20 requests a minute to api.alerts.in.ua; its limit "
        "is about 10 (use 6 or more)"
    )
    raw["feeds"][1]["interval"] = 6
    assert len(parse_config(raw, ENV).feeds) == 2


def test_check_config_refuses_it_with_exit_2(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        '[[feeds]]\nname = "a"\nkind = "alerts_in_ua"\n'
        f'url = "{ACTIVE}"\ntoken_env = "ALERTS_IN_UA_TOKEN"\ninterval = 15\n'
        '[[feeds]]\nname = "b"\nkind = "alerts_in_ua_iot"\n'
        f'url = "{IOT}"\ntoken_env = "ALERTS_IN_UA_TOKEN"\ninterval = 5\n',
        encoding="utf-8",
    )
    env = clean_env(TELEGRAM_BOT_TOKEN="1:x", ALERTS_IN_UA_TOKEN="t")
    result = run_cli("check-config", str(path), env=env, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr == (
        "config error: feeds[1].interval: 5 s would make 12 requests a minute to "
        "api.alerts.in.ua, 16 with the other feeds there ('a'); its limit is about 10 "
        "(use 10 or more)\n"
    )


def test_the_example_config_stays_under_budget_with_every_feed_on(tmp_path: Path) -> None:
    text = (ROOT / "config.example.toml").read_text(encoding="utf-8")
    # The optional feeds are commented out: switch them all on. The alerts.in.ua
    # alternative ("#   ", a replacement, not an addition) stays off.
    enabled = re.sub(r"^# (\[\[feeds\]\]|\w+ = .*)$", r"\1", text, flags=re.MULTILINE)
    path = tmp_path / "config.toml"
    path.write_text(enabled, encoding="utf-8")
    config = load_config(path, ENV)
    assert {f.kind for f in config.feeds} == {"alerts_in_ua", "ukrainealarm", "siren_pp_ua"}
