"""Feeds added in the chat reach only public addresses: checked on every request and every
redirect hop against the address actually connected to, not once when the feed was added."""

from __future__ import annotations

import pytest

from bot.app import AlertBot
from bot.config import BotConfig
from bot.demo.fakes.bot_api import FakeBotApi
from bot.demo.fakes.feed_server import FakeFeedServer, Reply
from bot.demo.fakes.network import FakeInternet
from feeds.urlcheck import is_public
from tests.conftest import ADMIN_ID, BotFactory, Clock
from tests.payloads import answer, lviv_alert
from tests.test_end_to_end import command

PUBLIC = "93.184.216.34"  # a globally routable address; the fake internet serves it locally
EXTRA = "/extra/active.json"


async def admin(api: FakeBotApi, text: str) -> str:
    return await command(api, ADMIN_ID, text, user_id=ADMIN_ID)


@pytest.fixture
def internet(feed_server: FakeFeedServer) -> FakeInternet:
    net = FakeInternet()
    net.routes[PUBLIC] = "127.0.0.1"
    net.names["feed.example"] = [PUBLIC]
    return net


async def _start(start_bot: BotFactory, internet: FakeInternet) -> AlertBot:
    return await start_bot(
        feed_transport=internet.transport,
        resolver=internet.resolve,
        env={"T": "feed-token"},
        config_updates={"bot": BotConfig(chat_feed_token_envs=["T"])},
    )


def _url(feed_server: FakeFeedServer, host: str, path: str = EXTRA) -> str:
    return f"http://{host}:{feed_server.port}{path}"


async def test_a_public_chat_feed_is_fetched_by_its_name(
    start_bot: BotFactory,
    bot_api: FakeBotApi,
    feed_server: FakeFeedServer,
    internet: FakeInternet,
    clock: Clock,
) -> None:
    feed_server.set(EXTRA, answer(lviv_alert(), updated=clock.now)[0])
    bot = await _start(start_bot, internet)
    url = _url(feed_server, "feed.example")
    assert (await admin(bot_api, f"/feed_add extra alerts_in_ua {url} token_env=T")).startswith(
        "✅"
    )
    assert (await bot.poll_now("extra")).ok
    hosts = [h.get("Host") for path, h in feed_server.requests]
    assert f"feed.example:{feed_server.port}" in hosts, "the Host header keeps the feed's name"


async def test_dns_rebinding_to_loopback_is_refused_at_poll_time(
    start_bot: BotFactory,
    bot_api: FakeBotApi,
    feed_server: FakeFeedServer,
    internet: FakeInternet,
    clock: Clock,
) -> None:
    feed_server.set(EXTRA, answer(updated=clock.now)[0])
    bot = await _start(start_bot, internet)
    url = _url(feed_server, "feed.example")
    reply = await admin(bot_api, f"/feed_add extra alerts_in_ua {url} interval=5 token_env=T")
    assert reply.startswith("✅"), reply
    internet.names["feed.example"] = ["127.0.0.1"]  # the name's owner rebinds it
    outcome = await bot.poll_now("extra")
    assert not outcome.ok and outcome.error is not None
    assert "internal address (127.0.0.1)" in outcome.error
    assert not any(path == EXTRA for path, _ in feed_server.requests), "nothing was fetched"
    assert "internal address" in await admin(bot_api, "/feed_list")
    assert "internal address" in await admin(bot_api, "/feed_test extra")


@pytest.mark.parametrize("target", ["127.0.0.1", "10.0.0.5", "100.100.100.200", "[::1]"])
async def test_a_redirect_to_an_internal_address_is_refused(
    start_bot: BotFactory,
    bot_api: FakeBotApi,
    feed_server: FakeFeedServer,
    internet: FakeInternet,
    target: str,
) -> None:
    internet.names["inside.example"] = [target.strip("[]")]
    bot = await _start(start_bot, internet)
    url = _url(feed_server, "feed.example")
    assert (
        await admin(bot_api, f"/feed_add extra alerts_in_ua {url} interval=5 token_env=T")
    ).startswith("✅")
    for host in (target, "inside.example"):
        location = f"http://{host}:{feed_server.port}/secret"
        feed_server.script(EXTRA, Reply(302, headers={"Location": location}))
        outcome = await bot.poll_now("extra")
        assert not outcome.ok and outcome.error is not None
        assert "internal address" in outcome.error, outcome.error
    assert not any(path == "/secret" for path, _ in feed_server.requests)


@pytest.mark.parametrize(
    "address", ["100.100.100.200", "100.64.0.1", "2002:7f00:1::", "64:ff9b::a00:1", "fd00::1"]
)
async def test_add_refuses_addresses_that_are_not_globally_routable(
    start_bot: BotFactory,
    bot_api: FakeBotApi,
    feed_server: FakeFeedServer,
    internet: FakeInternet,
    address: str,
) -> None:
    internet.names["meta.example"] = [PUBLIC, address]
    await _start(start_bot, internet)
    url = _url(feed_server, "meta.example")
    reply = await admin(bot_api, f"/feed_add meta siren_pp_ua {url}")
    assert f"веде на внутрішню адресу ({address})" in reply, reply


@pytest.mark.parametrize("url", ["http://[::1/broken", "http://exa mple.com/x", "http://:80/x"])
async def test_a_malformed_url_gets_a_clear_reply(
    start_bot: BotFactory, bot_api: FakeBotApi, url: str
) -> None:
    await start_bot()
    reply = await admin(bot_api, f'/feed_add broken siren_pp_ua "{url}"')
    assert reply.startswith("❌ "), reply
    assert "сталася помилка" not in reply
    assert len(reply.splitlines()[0]) < 200


def test_only_globally_routable_addresses_are_public() -> None:
    for address in ("93.184.216.34", "2606:4700::1", "2002:5db8:d822::"):
        assert is_public(address), address
    for address in (
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",
        "100.100.100.200",
        "0.0.0.0",
        "224.0.0.1",
        "255.255.255.255",
        "192.0.2.1",
        "::1",
        "::",
        "fe80::1%eth0",
        "fd00::1",
        "::ffff:127.0.0.1",
        "2002:7f00:1::",
        "2002:a00:1::",
        "64:ff9b::7f00:1",
        "ff02::1",
    ):
        assert not is_public(address), address
