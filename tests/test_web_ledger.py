"""The public truce ledger (issue 13 part 5) served by the real bot's web server: the page,
the JSON, the CSV evidence, the chart and the Atom feed over loopback HTTP, escaping of admin
input, and the page as a real headless browser renders it.

The figures are the January 2023 Christmas pause's from the official history file (counted
straight from the CSV, see tests/test_ledger.py): 56 alerts in the window, 40 before it.
"""

from __future__ import annotations

import asyncio
import csv
import io
import shutil
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import aiohttp
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.app import AlertBot
from bot.config import WebConfig
from bot.web.ledger_routes import PublicLedger, ledger_routes
from bot.web.server import WebServer
from storage import history, ledger
from storage import truces as truce_store
from tests.conftest import BotFactory, Clock
from tests.test_ledger import OFFICIAL, XMAS_END, XMAS_START

ATOM = "{http://www.w3.org/2005/Atom}"
XMAS = "xmas-2023"
EVIL = "<script>alert(1)</script>"


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def get(http: aiohttp.ClientSession, port: int, path: str) -> tuple[int, str, Any]:
    """(status, content type, body: JSON decoded, text, or bytes for a picture)."""
    async with http.get(f"http://127.0.0.1:{port}{path}") as response:
        if response.content_type == "application/json":
            return response.status, response.content_type, await response.json()
        if response.content_type == "image/png":
            return response.status, response.content_type, await response.read()
        return response.status, response.content_type, await response.text()


async def claim(
    sessions: async_sessionmaker[AsyncSession],
    name: str,
    party: str,
    start: datetime,
    end: datetime | None,
    now: datetime,
    source: str | None = None,
) -> None:
    async with sessions() as session, session.begin():
        await truce_store.set_claim(
            session,
            name=name,
            party=party,
            starts_at=start,
            ends_at=end,
            scope="all",
            region_ids=None,
            source=source,
            actor=1,
            now=now,
        )


async def christmas(sessions: async_sessionmaker[AsyncSession], now: datetime) -> None:
    """The official file, and the pause as two parties announced it (a disputed one: the
    second party's window starts an hour later)."""
    async with sessions() as session, session.begin():
        await history.import_text(session, OFFICIAL.read_text())
    await claim(sessions, XMAS, "Russia", XMAS_START, XMAS_END, now, "https://kremlin.ru/x")
    await claim(
        sessions, XMAS, "Ukraine", XMAS_START.replace(hour=10), XMAS_END, now, "no link here"
    )


async def ledger_bot(start_bot: BotFactory, database_url: str | None = None) -> AlertBot:
    bot = await start_bot(database_url, config_updates={"web": WebConfig(listen="127.0.0.1:0")})
    assert bot.web is not None and bot.sessions is not None
    return bot


async def test_registry_json_is_the_reports_of_truce_report_json(
    start_bot: BotFactory, clock: Clock, http: aiohttp.ClientSession, database_url: str
) -> None:
    bot = await ledger_bot(start_bot, database_url)
    assert bot.web is not None and bot.sessions is not None
    port = bot.web.port
    assert await get(http, port, "/truces.json") == (
        200,
        "application/json",
        {"version": 1, "generated_at": clock.now.isoformat(), "truces": []},
    )
    await christmas(bot.sessions, clock.now)

    # The same data refreshes at once (no waiting out the cache).
    status, _, registry = await get(http, port, "/truces.json")
    assert status == 200 and registry["version"] == 1
    async with bot.sessions() as session:
        expected = await ledger.truce_report(session, XMAS, clock.now)
    assert expected is not None
    assert registry["truces"] == [expected.as_json()], "the shape of `truce report --json`"
    [report] = registry["truces"]
    assert report["status"] == "expired" and report["disputed"] is True
    russia = next(c for c in report["claims"] if c["party"] == "Russia")
    assert (russia["window"]["alerts"], russia["baseline"]["alerts"]) == (56, 40)

    assert await get(http, port, f"/truces/{XMAS}.json") == (
        200,
        "application/json",
        expected.as_json(),
    )
    status, _, body = await get(http, port, "/truces/nothing-like-it.json")
    assert status == 404 and "nothing-like-it" in body["error"]
    status, _, body = await get(http, port, "/truces.json?source=rumours")
    assert status == 400 and "official" in body["error"]
    status, _, by_volunteers = await get(http, port, f"/truces/{XMAS}.json?source=volunteer")
    assert status == 200 and by_volunteers["source"] == "volunteer"


async def test_page_csv_chart_and_feed(
    start_bot: BotFactory, clock: Clock, http: aiohttp.ClientSession
) -> None:
    bot = await ledger_bot(start_bot)
    assert bot.web is not None and bot.sessions is not None
    port = bot.web.port
    await christmas(bot.sessions, clock.now)
    odd = "Пасха 2025 / a?b#c d"
    await claim(bot.sessions, odd, "Russia", clock.now.replace(day=20), None, clock.now)

    status, kind, page = await get(http, port, "/truces")
    assert (status, kind) == (200, "text/html")
    assert 'name="viewport"' in page and "<script" not in page
    assert "Журнал оголошених пауз в ударах" in page and XMAS in page
    assert '<a href="/truces?lang=en" lang="en">English</a>' in page
    assert "сторони оголосили різні вікна" in page  # disputed
    assert "<td>56</td>" in page and "<td>40</td>" in page
    assert "Співвідношення до часу перед паузою: 1,40." in page
    assert "Дніпропетровська область" in page
    assert '<a href="https://kremlin.ru/x" rel="nofollow noopener noreferrer">' in page
    assert "no link here" in page and 'href="no link here"' not in page
    odd_path = "/truces/" + quote(odd, safe="")
    assert f'href="{odd_path}"' in page, "an odd name is quoted whole in its link"

    status, _, english = await get(http, port, "/truces?lang=en")
    assert status == 200 and "Ledger of announced strike pauses" in english
    assert '<a href="/truces" lang="uk">Українською</a>' in english
    assert "Ratio to the time before the pause: 1.40." in english
    assert "Dnipropetrovsk" in english

    status, _, one = await get(http, port, odd_path)
    assert status == 200 and "Пасха 2025 / a?b#c d" in one and XMAS not in one
    assert "оголошено, ще не почалося" in one

    status, _, missing = await get(http, port, "/truces/no-such-pause?lang=en")
    assert status == 404 and "There is no pause “no-such-pause” in the ledger." in missing
    status, _, missing = await get(http, port, "/truces/no-such-pause.png")
    assert status == 404 and "«no-such-pause»" in missing

    status, kind, text = await get(http, port, f"/truces/{XMAS}.csv")
    assert (status, kind) == (200, "text/csv")
    rows = list(csv.DictReader(io.StringIO(text)))
    russia = [r for r in rows if r["party"] == "Russia"]
    assert sum(r["span"] == "window" for r in russia) == 56
    assert sum(r["span"] == "baseline" for r in russia) == 40
    assert {r["source"] for r in rows} == {"official"}
    minutes = sum(float(r["minutes_in_span"]) for r in russia if r["span"] == "window")
    assert minutes == pytest.approx(4506.7, abs=0.5)

    status, kind, png = await get(http, port, f"/truces/{XMAS}.png")
    assert (status, kind) == (200, "image/png") and png.startswith(b"\x89PNG")

    status, kind, atom = await get(http, port, "/truces.atom?lang=en")
    assert (status, kind) == (200, "application/atom+xml")
    feed = ET.fromstring(atom)
    assert feed.tag == f"{ATOM}feed" and feed.find(f"{ATOM}id") is not None
    assert feed.find(f"{ATOM}updated") is not None and feed.find(f"{ATOM}title") is not None
    entries = feed.findall(f"{ATOM}entry")
    titles = [e.findtext(f"{ATOM}title") for e in entries]
    # Two announcements, two windows opened, and the end of the Christmas pause; the odd
    # pause is announced but its window has not opened.
    assert len(titles) == 6, titles
    assert "“xmas-2023”: the announced windows are over" in titles
    assert "“xmas-2023”: the announced window began (Ukraine)" in titles
    assert sum("a pause of strikes announced" in (title or "") for title in titles) == 3
    ids = [e.findtext(f"{ATOM}id") for e in entries]
    assert len(set(ids)) == len(ids) and all((i or "").startswith("urn:uuid:") for i in ids)
    for entry in entries:
        assert entry.findtext(f"{ATOM}updated")
        link = entry.find(f"{ATOM}link")
        assert link is not None and link.get("href", "").startswith(f"http://127.0.0.1:{port}/")
    again = ET.fromstring((await get(http, port, "/truces.atom?lang=en"))[2])
    assert [e.findtext(f"{ATOM}id") for e in again.findall(f"{ATOM}entry")] == ids, "stable"

    # Ended early, with the reason: in the page and as the feed's newest entry.
    clock.advance(days=3)
    async with bot.sessions() as session, session.begin():
        await truce_store.end_truce(session, odd, clock.now, "strikes on Odesa")
    status, _, page = await get(http, port, "/truces")
    assert "Завершено достроково: strikes on Odesa" in page
    feed = ET.fromstring((await get(http, port, "/truces.atom"))[2])
    newest = feed.findall(f"{ATOM}entry")[0]
    assert newest.findtext(f"{ATOM}title") == f"«{odd}»: паузу завершено достроково"
    assert newest.findtext(f"{ATOM}summary") == "Причина: strikes on Odesa"


async def test_admin_input_is_inert(
    start_bot: BotFactory, clock: Clock, http: aiohttp.ClientSession
) -> None:
    bot = await ledger_bot(start_bot)
    assert bot.web is not None and bot.sessions is not None
    port = bot.web.port
    await claim(
        bot.sessions,
        EVIL,
        '"><img src=x onerror=alert(2)>',
        XMAS_START,
        XMAS_END,
        clock.now,
        "javascript:alert(3)",
    )
    for path in ("/truces", "/truces/" + quote(EVIL, safe="")):
        status, _, page = await get(http, port, path)
        assert status == 200
        assert "<script" not in page and "<img src=x" not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
        assert 'href="javascript:' not in page and "javascript:alert(3)" in page
    atom = (await get(http, port, "/truces.atom"))[2]
    assert "<script" not in atom
    titles = [e.findtext(f"{ATOM}title") or "" for e in ET.fromstring(atom).iter(f"{ATOM}entry")]
    assert any(EVIL in title for title in titles), "escaped in the XML, intact when read"
    status, _, text = await get(http, port, "/truces/" + quote(EVIL, safe="") + ".csv")
    assert status == 200 and text.splitlines()[0].startswith("truce,party,")


async def test_the_pages_can_be_switched_off(
    start_bot: BotFactory, http: aiohttp.ClientSession
) -> None:
    bot = await start_bot(
        config_updates={"web": WebConfig(listen="127.0.0.1:0", public_ledger=False)}
    )
    assert bot.web is not None
    assert (await get(http, bot.web.port, "/truces"))[0] == 404
    assert (await get(http, bot.web.port, "/healthz"))[0] == 200


async def test_charts_are_drawn_once_while_the_data_stays(
    sqlite_url: str, clock: Clock, http: aiohttp.ClientSession
) -> None:
    from storage import migrate
    from storage.db import create_engine, session_factory

    engine = create_engine(sqlite_url)
    await migrate.upgrade(engine)
    sessions = session_factory(engine)
    drawn: list[str] = []

    def draw(report: ledger.TruceReport, lang: str) -> bytes:
        drawn.append(f"{report.name}/{lang}/{report.claims[0].window.alerts}")
        return b"\x89PNG fake"

    site = PublicLedger(sessions, clock, draw=draw)
    server = WebServer("127.0.0.1", 0, [ledger_routes(site)])
    await server.start()
    try:
        await christmas(sessions, clock.now)
        path = f"/truces/{XMAS}.png"
        answers = await asyncio.gather(*(get(http, server.port, path) for _ in range(5)))
        assert {a[0] for a in answers} == {200}
        assert drawn == ["xmas-2023/uk/56"], "a burst draws the chart once"
        await get(http, server.port, path + "?lang=en")
        assert drawn[-1] == "xmas-2023/en/56"
        # A claim changes: the next chart is drawn from the new figures.
        await claim(sessions, XMAS, "Russia", XMAS_START, XMAS_START.replace(hour=12), clock.now)
        await get(http, server.port, path)
        assert len(drawn) == 3 and drawn[-1] != "xmas-2023/uk/56"
    finally:
        await server.stop()
        await engine.dispose()


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


async def chromium(tmp_path: Path, *args: str) -> bytes:
    process = await asyncio.create_subprocess_exec(
        CHROMIUM or "chromium",
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp_path / 'profile'}",
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        out, err = await asyncio.wait_for(process.communicate(), timeout=90)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise
    assert process.returncode == 0, err.decode(errors="replace")[-2000:]
    return out


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (.ci/run installs it)")
async def test_the_page_in_a_headless_browser(
    start_bot: BotFactory, clock: Clock, tmp_path: Path
) -> None:
    bot = await ledger_bot(start_bot)
    assert bot.web is not None and bot.sessions is not None
    await christmas(bot.sessions, clock.now)
    await claim(bot.sessions, EVIL, "Russia", XMAS_START, XMAS_END, clock.now)
    url = f"http://127.0.0.1:{bot.web.port}/truces?lang=en"

    dom = (await chromium(tmp_path, "--dump-dom", url)).decode()
    assert "Ledger of announced strike pauses" in dom and XMAS in dom
    assert "<td>56</td>" in dom and "<td>40</td>" in dom
    assert "the parties announced different windows" in dom
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in dom and "<script" not in dom

    shot = tmp_path / "truces.png"
    await chromium(tmp_path, f"--screenshot={shot}", "--window-size=390,844", url)
    picture = shot.read_bytes()
    assert picture.startswith(b"\x89PNG") and len(picture) > 10_000
