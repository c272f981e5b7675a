"""Every command, fed random text and random argument shapes through the real PTB over
loopback, as an admin and as a resident: no internal error, no reply over Telegram's limit,
always an answer, and a resident changes nothing that only admins may change.

One bot serves every example (starting one takes about a second); each example writes from a
chat of its own, so one example's replies are never taken for another's.
"""

from __future__ import annotations

import itertools
from datetime import datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from bot.app import COMMANDS, AlertBot
from bot.delivery.textlimit import MAX_MESSAGE
from bot.demo.fakes.bot_api import FakeBotApi
from bot.i18n import t
from tests.conftest import ADMIN_ID, BotFactory

INTERNAL = {t("uk", "error.internal"), t("en", "error.internal")}
NAMES = [name for name, _ in COMMANDS]
_chats = itertools.count(2_000_000)

# What only admins may change, as rows; a resident's own chat is left out (see _admin_state).
ADMIN_TABLES = {
    "truces": "SELECT * FROM truces ORDER BY id",
    "truce_claims": "SELECT * FROM truce_claims ORDER BY id",
    "feeds": "SELECT id, name, kind, url, interval, token_env, enabled FROM feeds ORDER BY id",
    "others_chats": "SELECT chat_id, kind, lang, active FROM chats WHERE chat_id != :own "
    "ORDER BY chat_id",
    "others_subscriptions": "SELECT chat_id, region_id, kinds FROM subscriptions "
    "WHERE chat_id != :own ORDER BY chat_id, region_id",
}

# --- argument shapes -------------------------------------------------------------------------

any_text = st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=80)
word = st.text(
    alphabet=st.characters(exclude_categories=["Cs", "Zs", "Zl", "Zp", "Cc"]),
    min_size=1,
    max_size=30,
)
moments = st.one_of(
    st.datetimes(min_value=datetime(1995, 1, 1), max_value=datetime(2105, 1, 1)),
    st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30)),
)
offsets = st.sampled_from(["", "Z", "+00:00", "+05:00", "-12:00", "+14:00"])
times = st.one_of(
    st.just("now"),
    st.builds(lambda m, o: m.isoformat(timespec="minutes") + o, moments, offsets),
    st.sampled_from(
        [
            "now",
            "NOW",
            "9999-12-31T23:00Z",
            "9999-12-31T23:59:59.999999+00:00",
            "0001-01-01T00:00",
            "0001-01-01T00:00+05:00",
            "2100-01-01T00:00Z",
            "1999-12-31T23:59Z",
            "2025-03-18",
            "2025-02-30",
            "tomorrow",
        ]
    ),
)
numbers = st.one_of(
    st.integers().map(str),
    st.floats().map(repr),
    st.sampled_from(
        ["inf", "-inf", "nan", "1e309", "1e20", "²", "٣", "9" * 5000, "0", "720", "721", "-1", "2"]
    ),
)
# Names that exist (the configured feed, a truce the examples may have made) and places.
existing = st.sampled_from(["alerts-in-ua", "x", "f", "energy"])
places = st.sampled_from(
    ["Lviv", "Львів", "Київ", "Kyiv", "27", "31", "all", "усі", "Дніпро", "ЦЕК", "1.1", "1001.1"]
)
urls = st.sampled_from(
    [
        "http://127.0.0.1:1/x",
        "https://10.0.0.1/a",
        "ftp://example.org/",
        "http://",
        "https://no-such-host.invalid/v1/alerts/active.json",
        "example.org",
    ]
)
keys = st.one_of(
    st.sampled_from(
        ["start", "end", "regions", "scope", "party", "source", "interval", "token_env", "kinds"]
    ),
    word,
)
values = st.one_of(times, numbers, places, urls, word, st.sampled_from(["", "energy", "all"]))
pairs = st.builds(lambda k, v: f"{k}={v}", keys, values)
quotes = st.sampled_from(['"', "«", "»", "'", '"open', '""', "“x”", "п'ятниця"])
long_words = st.sampled_from([65, 101, 129, 301, 1000, 4000]).map(lambda n: "ї" * n)
kinds = st.sampled_from(["alerts_in_ua", "ukrainealarm", "yasno", "loe", "rss", "x"])
tokens = st.one_of(word, times, numbers, places, urls, pairs, quotes, long_words, kinds)
one = st.one_of(existing, word, long_words, places, quotes, numbers)


def _opt(strategy: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    # Left out more often than not: each odd value then shows up beside well-formed ones.
    return st.one_of(st.just(""), st.just(""), strategy)


def _joined(*parts: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.tuples(*parts).map(lambda got: " ".join(p for p in got if p))


def _pair(key: str, value: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return _opt(value.map(lambda v: f"{key}={v}"))


# The shapes each command expects, with odd values in every slot; plus free-form text.
SHAPES: dict[str, st.SearchStrategy[str]] = {
    "truce_set": _joined(
        one,
        times.map(lambda v: f"start={v}"),
        _pair("end", times),
        _pair("regions", st.one_of(places, word, long_words)),
        _pair("scope", st.one_of(word, st.sampled_from(["energy", "long-range", "all"]))),
        _pair("party", st.one_of(word, long_words)),
        _pair("source", st.one_of(urls, long_words)),
        _opt(tokens),
    ),
    "feed_add": _joined(
        one,
        st.one_of(kinds, word),
        st.one_of(urls, word, long_words),
        _pair("interval", numbers),
        _pair("token_env", st.one_of(word, long_words)),
        _opt(tokens),
    ),
    "subscribe": _joined(one, _pair("kinds", st.one_of(word, long_words, places))),
    "outage_group": _joined(one, st.one_of(places, word), _opt(st.sampled_from(["off", "ЦЕК"]))),
    "outage_ungroup": _joined(one, _opt(st.one_of(places, word))),
    "outage_remind": numbers,
    **{
        name: st.one_of(existing, one)
        for name in ("truce_end", "feed_remove", "feed_pause", "feed_resume", "feed_test")
    },
    "outage_mute": one,
    "outage_address": st.tuples(one, _opt(one), _opt(st.one_of(numbers, word, quotes))).map(
        lambda got: ", ".join(got)
    ),
    "channel_link": _joined(one, st.one_of(word.map(lambda w: "@" + w), numbers)),
    "channel_unlink": _joined(one, st.one_of(word.map(lambda w: "@" + w), numbers)),
}
free_form = st.one_of(any_text, st.lists(tokens, max_size=7).map(" ".join), one)
separators = st.sampled_from([" ", " ", " ", "\n", "  ", "\t"])


def arguments(name: str) -> st.SearchStrategy[str]:
    shape = SHAPES.get(name)
    return free_form if shape is None else st.one_of(shape, shape, free_form)


# Commands that change what only admins may change come up more often: sent by a resident
# they must change nothing.
ADMIN_CHANGES = ["truce_set", "truce_end", "feed_add", "feed_remove", "feed_pause", "feed_resume"]
commands = st.one_of(st.sampled_from(NAMES), st.sampled_from(ADMIN_CHANGES))


def message(name: str, separator: str, argument: str) -> str:
    text = f"/{name}{separator}{argument}" if argument else f"/{name}"
    return text[:4096]  # Telegram delivers no longer message


# --- the checks ------------------------------------------------------------------------------


async def _admin_state(bot: AlertBot, own: int) -> dict[str, list[Any]]:
    assert bot.sessions is not None
    async with bot.sessions() as session:
        return {
            name: [tuple(row) for row in await session.execute(text(query), {"own": own})]
            for name, query in ADMIN_TABLES.items()
        }


async def _ask(api: FakeBotApi, chat_id: int, user_id: int, text: str) -> list[str]:
    """The bot's reply (its first message) to ``text`` from a chat that has had none."""
    api.send_command(chat_id, text, user_id=user_id)
    await api.wait_for_sent(1, chat_id=chat_id, timeout=20)
    return api.messages_to(chat_id)


def _check(replies: list[str], text: str) -> None:
    for reply in replies:
        assert reply not in INTERNAL, f"internal error for {text[:200]!r}"
        assert len(reply) <= MAX_MESSAGE, f"{len(reply)} characters for {text[:200]!r}"


@pytest.fixture
async def fuzz_bot(start_bot: BotFactory, bot_api: FakeBotApi) -> tuple[AlertBot, FakeBotApi]:
    """One bot for every example of a test (hypothesis calls the test many times over)."""
    bot = await start_bot()
    return bot, bot_api


@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    name_and_argument=commands.flatmap(lambda name: st.tuples(st.just(name), arguments(name))),
    separator=separators,
)
@example(
    name_and_argument=("truce_set", "f start=now end=9999-12-31T23:00Z regions=Lviv"), separator=" "
)
@example(name_and_argument=("truce_set", "f start=0001-01-01T00:00"), separator=" ")
@example(name_and_argument=("truce_set", "x start=now"), separator=" ")
@example(name_and_argument=("truce_end", "x"), separator=" ")
@example(name_and_argument=("feed_pause", "alerts-in-ua"), separator=" ")
@example(name_and_argument=("outage_remind", "²"), separator=" ")
@example(name_and_argument=("outage_remind", "9" * 4000), separator=" ")
@example(name_and_argument=("subscribe", "ї" * 4000), separator=" ")
@example(name_and_argument=("outage_address", "," * 4000), separator=" ")
@example(name_and_argument=("outage_address", "ß" * 60 + ", " + "ΐщ" * 50 + ", 1"), separator=" ")
@example(name_and_argument=("feed_test", "ї" * 4000), separator=" ")
@example(name_and_argument=("truce_set", "x start=now party=" + "p" * 200), separator=" ")
async def test_every_command_answers_any_input(
    fuzz_bot: tuple[AlertBot, FakeBotApi], name_and_argument: tuple[str, str], separator: str
) -> None:
    bot, api = fuzz_bot
    name, argument = name_and_argument
    text = message(name, separator, argument)

    resident = next(_chats)
    before = await _admin_state(bot, resident)
    _check(await _ask(api, resident, resident, text), text)
    assert await _admin_state(bot, resident) == before, f"a resident changed state: {text[:200]!r}"

    admin_chat = next(_chats)
    _check(await _ask(api, admin_chat, ADMIN_ID, text), text)
