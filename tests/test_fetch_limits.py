"""A feed answer is capped as it is decoded, whatever its coding, and a repeated JSON key is a
malformed answer, never a quiet one."""

from __future__ import annotations

import gzip
import json
import tracemalloc
import zlib

import httpx
import pytest

from bot.demo.fakes.bot_api import FakeBotApi
from bot.demo.fakes.feed_server import FakeFeedServer, Reply
from feeds.fetch import FeedHTTPError, fetch
from tests.conftest import FEED_PATH, BotFactory, Clock
from tests.payloads import answer, lviv_alert
from tests.test_end_to_end import RESIDENT, command, serve, settle

MB = 1024 * 1024
ZEROS = b"\0" * (64 * MB)


async def _fetch_peak(server: FakeFeedServer, reply: Reply) -> tuple[str, int]:
    """The error of one fetch of ``reply`` and the memory it took at its peak."""
    server.script("/bomb", reply)
    async with httpx.AsyncClient() as client:
        tracemalloc.start()
        try:
            with pytest.raises(FeedHTTPError) as caught:
                await fetch(client, server.url("/bomb"))
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    return str(caught.value), peak


def _deflate(data: bytes) -> bytes:
    return zlib.compress(data, 9)


@pytest.mark.parametrize(
    ("coding", "body"),
    [
        ("gzip", gzip.compress(ZEROS, 9)),
        ("deflate", _deflate(ZEROS)),
        ("x-gzip", gzip.compress(ZEROS, 9)),
    ],
)
async def test_a_compression_bomb_is_cut_at_the_cap_while_decoding(
    feed_server: FakeFeedServer, coding: str, body: bytes
) -> None:
    assert len(body) < 100_000
    error, peak = await _fetch_peak(
        feed_server, Reply(200, body, headers={"Content-Encoding": coding})
    )
    assert "larger than 5242880 bytes when decoded" in error
    assert peak < 16 * MB, f"{peak / MB:.0f} MB for a 5 MB cap"


@pytest.mark.parametrize("header", ["gzip, gzip", "gzip,deflate", "deflate, gzip, identity"])
async def test_stacked_encodings_are_refused(feed_server: FakeFeedServer, header: str) -> None:
    inner = gzip.compress(ZEROS, 9)
    body = gzip.compress(inner, 9)  # a few KB that were 64 MB
    error, peak = await _fetch_peak(
        feed_server, Reply(200, body, headers={"Content-Encoding": header})
    )
    assert "stacked content encodings refused" in error
    assert peak < 16 * MB


@pytest.mark.parametrize(
    ("header", "body", "message"),
    [
        ("br", b"\x1b\x00", "unsupported content encoding (br)"),
        ("gzip", gzip.compress(b'{"alerts": []}')[:-6], "compressed answer cut short"),
        ("gzip", b"not gzip at all", "corrupt compressed answer"),
        ("deflate", _deflate(b"[]") + b"junk", "data after the end"),
    ],
)
async def test_broken_or_unknown_codings_fail_clearly(
    feed_server: FakeFeedServer, header: str, body: bytes, message: str
) -> None:
    error, _peak = await _fetch_peak(
        feed_server, Reply(200, body, headers={"Content-Encoding": header})
    )
    assert message in error


async def test_a_compressed_answer_still_reads(feed_server: FakeFeedServer) -> None:
    text = json.dumps({"alerts": [lviv_alert()]}).encode()
    for coding, body in [
        ("gzip", gzip.compress(text)),
        ("gzip", gzip.compress(text[:50]) + gzip.compress(text[50:])),  # two members
        ("deflate", _deflate(text)),
        ("deflate", zlib.compress(text)[2:-4]),  # raw deflate, as some servers send it
        ("identity", text),
    ]:
        feed_server.script("/ok", Reply(200, body, headers={"Content-Encoding": coding}))
        async with httpx.AsyncClient() as client:
            result = await fetch(client, feed_server.url("/ok"))
        assert result.body == text, coding
    assert feed_server.requests[-1][1].get("Accept-Encoding") == "gzip, deflate"


@pytest.mark.parametrize("retry_after", ["inf", "nan", "1e300", "-5"])
async def test_retry_after_cannot_stop_a_feed_for_good(
    feed_server: FakeFeedServer, retry_after: str
) -> None:
    feed_server.script("/busy", Reply(503, headers={"Retry-After": retry_after}))
    async with httpx.AsyncClient() as client:
        with pytest.raises(FeedHTTPError) as caught:
            await fetch(client, feed_server.url("/busy"))
    assert caught.value.retry_after is None or 0 <= caught.value.retry_after <= 3600


def _duplicated(body: bytes) -> bytes:
    """The answer with a second, empty "alerts" after the real one."""
    assert body.endswith(b"}")
    return body[:-1] + b', "alerts": []}'


async def test_duplicate_keys_fail_the_poll_and_send_no_false_all_clear(
    start_bot: BotFactory, bot_api: FakeBotApi, feed_server: FakeFeedServer, clock: Clock
) -> None:
    bot = await start_bot()
    await command(bot_api, RESIDENT, "/subscribe Lviv oblast")
    serve(feed_server, clock, lviv_alert())
    assert (await bot.poll_now("alerts-in-ua")).ok
    await settle(bot)
    assert len(bot_api.messages_to(RESIDENT)) == 2  # the reply and the alert

    clock.advance(minutes=1)
    body, _modified = answer(lviv_alert(), updated=clock.now)
    record = json.dumps(lviv_alert(), ensure_ascii=False).encode()
    for hostile in (
        _duplicated(body),
        # a record that says Lviv, then (same key) a place nobody follows
        body.replace(record, record[:-1] + b', "location_uid": "31"}'),
        b'{"alerts": [], "alerts": []}',
    ):
        assert hostile != body
        feed_server.set(FEED_PATH, hostile)
        outcome = await bot.poll_now("alerts-in-ua")
        assert not outcome.ok and outcome.error is not None
        assert "appears twice" in outcome.error, outcome.error
        await settle(bot)
    assert len(bot_api.messages_to(RESIDENT)) == 2, "no all clear from a malformed answer"
    assert "🔴" in await command(bot_api, RESIDENT, "/status")


async def test_a_validator_that_cannot_be_sent_back_is_not_kept(
    feed_server: FakeFeedServer,
) -> None:
    # Found by the feed fuzz: a Latin-1 ETag, echoed in If-None-Match, raised out of the poller.
    feed_server.script("/etag", Reply(200, b"[]", headers={"ETag": '"caf\u00e9"'}))
    async with httpx.AsyncClient() as client:
        result = await fetch(client, feed_server.url("/etag"))
        assert result.etag is None
        feed_server.script("/etag", Reply(200, b"[]"))
        assert (await fetch(client, feed_server.url("/etag"), etag="caf\u00e9")).body == b"[]"


async def test_a_redirect_answers_body_is_never_read(feed_server: FakeFeedServer) -> None:
    # Found by the feed fuzz: httpx read and inflated a redirect's body in full, uncapped.
    bomb = gzip.compress(gzip.compress(ZEROS, 9), 9)
    feed_server.set("/target", b"[]")
    reply = Reply(302, bomb, headers={"Content-Encoding": "gzip, gzip", "Location": "/target"})
    feed_server.script("/bomb", reply)
    async with httpx.AsyncClient(follow_redirects=True) as client:
        tracemalloc.start()
        try:
            result = await fetch(client, feed_server.url("/bomb"))
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert result.body == b"[]"
    assert peak < 16 * MB, f"{peak / MB:.0f} MB"


async def test_a_redirect_to_another_server_gets_no_token(
    feed_server: FakeFeedServer,
) -> None:
    async with FakeFeedServer() as other:
        other.set("/x", b"[]")
        feed_server.script("/moved", Reply(301, headers={"Location": other.url("/x")}))
        async with httpx.AsyncClient() as client:
            headers = {"Authorization": "Bearer secret", "X-API-Key": "secret"}
            assert (await fetch(client, feed_server.url("/moved"), headers=headers)).body == b"[]"
        assert "secret" not in str(dict(other.requests[0][1]))
        feed_server.script("/loop", *[Reply(302, headers={"Location": "/loop"})] * 7)
        async with httpx.AsyncClient() as client:
            with pytest.raises(FeedHTTPError, match="more than 5 redirects"):
                await fetch(client, feed_server.url("/loop"))
