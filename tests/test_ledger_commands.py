"""The truce ledger from the chat (real PTB against the fake Bot API) and from the command line
(``python -m bot history|truce ...`` through bot.cli.main, on SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
import json
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.cli import main
from bot.demo.fakes.bot_api import FakeBotApi, SentMessage, UploadedFile
from bot.demo.fakes.feed_server import FakeFeedServer
from storage import history
from tests.conftest import ADMIN_ID, BotFactory, Clock
from tests.test_end_to_end import RESIDENT, command
from tests.test_ledger import OFFICIAL, VOLUNTEER


@dataclass(frozen=True)
class Run:
    returncode: int | None
    stdout: str
    stderr: str


REPORT_KEYS = {"name", "scope", "regions", "status", "claims"}
CLAIM_KEYS = {"party", "starts_at", "ends_at", "window", "baseline", "first_alert_after_minutes"}


async def report(api: FakeBotApi, text: str) -> tuple[SentMessage, SentMessage]:
    """The text and the chart a report command brings."""
    before = len([m for m in api.sent if m.chat_id == RESIDENT])
    api.send_command(RESIDENT, text)
    message, photo = (await api.wait_for_sent(before + 2, chat_id=RESIDENT, timeout=30))[-2:]
    return message, photo


async def test_truce_report_in_the_chat_with_its_chart(
    start_bot: BotFactory, bot_api: FakeBotApi, clock: Clock
) -> None:
    bot = await start_bot()
    assert bot.sessions is not None
    async with bot.sessions() as session, session.begin():
        await history.import_text(session, OFFICIAL.read_text())
    clock.now = datetime(2023, 2, 1, tzinfo=UTC)
    await command(
        bot_api,
        ADMIN_ID,
        '/truce_set xmas start=2023-01-06T12:00+03:00 end=2023-01-08T00:00+03:00 party="Russia"',
    )
    await command(bot_api, ADMIN_ID, "/truce_set xmas start=2023-01-07T00:00+03:00 party=Ukraine")
    text, photo = await report(bot_api, "/truce_report xmas")  # anyone may ask
    assert text.text is not None
    assert "📊 Пауза «xmas»" in text.text
    assert "⚖️ Сторони оголосили різні вікна" in text.text
    assert "Джерело: офіційні дані" in text.text
    assert "• у вікні: 56 тривог, 75 год 7 хв під тривогою" in text.text
    assert "• стільки ж часу перед ним: 40 тривог" in text.text
    assert "перша тривога — через 1 год 45 хв після оголошеного початку" in text.text
    assert photo.method == "sendPhoto"
    upload = photo.params["photo"]
    assert isinstance(upload, UploadedFile) and upload.data.startswith(b"\x89PNG")
    assert len(upload.data) > 10_000, "a real chart"

    reply, _ = await report(bot_api, "/truce_report xmas source=volunteer")
    assert reply.text is not None
    assert "• у вікні: 0 тривог" in reply.text, "nothing imported from the volunteer file"
    assert "Невідоме джерело «rumours»" in await command(
        bot_api, RESIDENT, "/truce_report xmas source=rumours"
    )
    assert "немає в реєстрі" in await command(bot_api, RESIDENT, "/truce_report nope")
    assert "/truce_report <назва>" in await command(bot_api, RESIDENT, "/truce_report")


async def test_truce_end_with_a_reason_shows_in_the_truces_life(
    start_bot: BotFactory, bot_api: FakeBotApi, clock: Clock
) -> None:
    await start_bot()
    await command(
        bot_api, ADMIN_ID, "/truce_set energy start=now end=2025-04-18T00:00 scope=energy"
    )
    clock.advance(hours=1)
    done = await command(bot_api, ADMIN_ID, "/truce_end energy reason=strikes on Odesa resumed")
    assert "завершеною" in done
    listing = await command(bot_api, RESIDENT, "/truces")
    assert "«energy» — завершено достроково" in listing
    assert "причина завершення: strikes on Odesa resumed" in listing
    assert "Формат: /truce_end" in await command(bot_api, ADMIN_ID, "/truce_end energy why=x")


def _config(tmp_path: Path, database_url: str, feed_url: str | None = None) -> str:
    path = tmp_path / "config.toml"
    text = f'[database]\nurl = "{database_url}"\n'
    if feed_url:
        text += (
            f'[[feeds]]\nname = "aiu"\nkind = "alerts_in_ua"\nurl = "{feed_url}"\n'
            'token_env = "H6_TEST_TOKEN"\n'
        )
    path.write_text(text)
    return str(path)


def test_truce_and_history_from_the_command_line(
    database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = _config(tmp_path, database_url)
    assert main(["history", "import", "--config", config, str(OFFICIAL), str(VOLUNTEER)]) == 0
    out = capsys.readouterr().out
    assert "official file, 434 rows: 434 added, 0 already present" in out
    assert "8 places not in the region registry (36 rows), kept under their oblast" in out
    assert "volunteer file, 497 rows: 497 added" in out
    assert main(["history", "import", "--config", config, str(OFFICIAL)]) == 0
    assert "0 added, 434 already present" in capsys.readouterr().out
    bad = tmp_path / "notes.csv"
    bad.write_text("a,b\n1,2\n")
    assert main(["history", "import", "--config", config, str(bad)]) == 1
    assert "not an air-raid history file" in capsys.readouterr().err

    window = ["start=2023-01-06T12:00+03:00", "end=2023-01-08T00:00+03:00"]
    claim = [*window, "party=Russian Federation", "scope=all"]
    assert main(["truce", "set", "--config", config, "xmas", *claim]) == 0
    assert "Записано паузу «xmas»: Russian Federation" in capsys.readouterr().out
    assert main(["truce", "set", "--config", config, "bad", "start=yesterday"]) == 1
    assert "❌" in capsys.readouterr().err
    assert main(["truce", "end", "--config", config, "xmas", "reason=for the test"]) == 0
    assert main(["truce", "list", "--config", config, "--lang", "en"]) == 0
    listing = capsys.readouterr().out
    assert "“xmas” — over" in listing and "why it ended: for the test" in listing

    chart = tmp_path / "xmas.png"
    args = ["truce", "report", "--config", config, "xmas", "--json", "--chart", str(chart)]
    assert main([*args, "--source", "volunteer"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert set(report) >= REPORT_KEYS
    assert report["source"] == "volunteer"
    [claim] = report["claims"]
    assert set(claim) >= CLAIM_KEYS
    assert claim["party"] == "Russian Federation"
    assert (claim["window"]["alerts"], claim["baseline"]["alerts"]) == (60, 44)
    assert chart.read_bytes().startswith(b"\x89PNG")
    assert main(["truce", "report", "--config", config, "nope"]) == 1
    assert "немає в реєстрі" in capsys.readouterr().err


async def test_history_fetch_backfills_through_the_feed_fetch_within_its_budget(
    feed_server: FakeFeedServer, tmp_path: Path, sqlite_url: str
) -> None:
    """Against a fake alerts.in.ua on 127.0.0.1, as a real process (the token from the
    environment, the budget kept in the database between runs)."""
    path = "/v1/regions/27/alerts/month_ago.json"
    records = [
        {
            "id": 1, "location_title": "Львівська область", "location_type": "oblast",
            "started_at": "2025-03-01T10:00:00.000Z", "finished_at": "2025-03-01T10:45:00.000Z",
            "alert_type": "air_raid", "location_uid": "27", "location_oblast": "Львівська область",
        },
        {
            "id": 2, "location_title": "Стрийський район", "location_type": "raion",
            "started_at": "2025-03-02T01:00:00.000Z", "finished_at": None,
            "alert_type": "artillery_shelling", "location_uid": "89", "location_oblast_uid": 27,
        },
        {"id": 3, "location_uid": "27", "started_at": "garbage"},
    ]  # fmt: skip
    feed_server.set(path, json.dumps({"alerts": records, "meta": {}}).encode())
    config = _config(tmp_path, sqlite_url, feed_server.url("/v1/alerts/active.json"))
    env = {"H6_TEST_TOKEN": "secret-token-h6", "PATH": "/usr/bin:/bin"}

    async def fetch() -> Run:
        # A process of its own while this loop serves the fake alerts.in.ua.
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            *("-m", "bot", "history", "fetch", "--config", config, "Lviv"),
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(process.communicate(), 120)
        return Run(process.returncode, out.decode(), err.decode())

    first = await fetch()
    assert first.returncode == 0, first.stderr
    assert "Lviv oblast (27): 2 alerts in alerts.in.ua's month_ago history, 2 added" in first.stdout
    second = await fetch()
    assert second.returncode == 0, second.stderr
    assert "0 added, 2 already present" in second.stdout
    third = await fetch()
    assert third.returncode == 1
    assert "2 history requests a minute; try again in" in third.stderr
    for run in (first, second, third):
        assert "secret-token-h6" not in run.stdout + run.stderr
