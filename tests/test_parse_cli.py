"""``python -m bot parse --kind KIND FILE``: a saved feed answer as JSON lines."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot import parse_cli
from bot.parse_cli import register_printer, run_parse
from feeds.model import FeedFormatError
from tests.conftest import SAMPLES

ROOT = Path(__file__).resolve().parent.parent


def parse(kind: str, path: Path | str) -> tuple[int, list[dict[str, Any]], str]:
    out, err = io.StringIO(), io.StringIO()
    code = run_parse(kind, str(path), out, err)
    return code, [json.loads(line) for line in out.getvalue().splitlines()], err.getvalue()


def cli(*args: str, stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "bot", "parse", *args],
        input=stdin,
        capture_output=True,
        cwd=ROOT,
        timeout=60,
        check=False,
    )


def test_a_real_ukrainealarm_answer() -> None:
    code, records, err = parse(
        "ukrainealarm", SAMPLES / "ukrainealarm_alerts_kyiv_city_2026-09-25.json"
    )
    assert (code, err) == (0, "")
    assert records == [
        {
            "region_id": "31",
            "region": "м. Київ",
            "kind": "air_raid",
            "active": True,
            "since": "2026-09-25T08:57:49.824902+00:00",
            "level": "yellow",
            "threat": "Дронова загроза (жовтий рівень)",
            "partial": False,
        }
    ]


def test_a_real_alerts_in_ua_answer() -> None:
    code, records, _ = parse("alerts_in_ua", SAMPLES / "alerts_in_ua_active_2023-04-02.json")
    assert code == 0
    assert [(r["region_id"], r["region"], r["kind"], r["since"]) for r in records] == [
        ("16", "Луганська область", "air_raid", "2022-04-04T16:45:39+00:00"),
        ("29", "Автономна Республіка Крим", "air_raid", "2022-12-10T22:22:00+00:00"),
        ("28", "Донецька область", "air_raid", "2023-04-02T08:32:53+00:00"),
    ]


def test_region_is_the_registry_name_else_the_source_title(tmp_path: Path) -> None:
    alerts = [
        {"location_uid": "27", "location_title": "Lviv as the feed spells it", "alert_type": "x"},
        {"location_uid": "987654", "location_title": "Невідома громада", "alert_type": "nuclear"},
    ]
    path = tmp_path / "answer.json"
    path.write_text(json.dumps({"alerts": alerts}), encoding="utf-8")
    code, records, _ = parse("alerts_in_ua", path)
    assert code == 0
    assert [(r["region"], r["kind"], r["since"]) for r in records] == [
        ("Львівська область", "other", None),
        ("Невідома громада", "nuclear", None),
    ]


def test_the_iot_string_from_the_docs(tmp_path: Path) -> None:
    # The docs' own example: no captured answer of this endpoint exists.
    path = tmp_path / "iot.json"
    path.write_text('"ANNNNNNNNNNNPNNNNNNNNNNNNNN"', encoding="utf-8")
    code, records, _ = parse("alerts_in_ua_iot", path)
    assert code == 0
    assert [(r["region_id"], r["partial"]) for r in records] == [("29", False), ("16", True)]


def test_a_region_dump() -> None:
    code, records, _ = parse("ukrainealarm_regions", SAMPLES / "ukrainealarm_regions_trimmed.json")
    assert code == 0
    assert len(records) == 108
    assert {
        "region_id": "845",
        "name": "м. Львів та Львівська територіальна громада",
        "type": "Community",
        "parent_id": "90",
    } in records


def test_the_command_line_prints_json_lines_in_utf8() -> None:
    path = SAMPLES / "alerts_in_ua_active_2025-03-11.json"
    result = cli("--kind", "alerts_in_ua", str(path))
    assert (result.returncode, result.stderr) == (0, b"")
    lines = result.stdout.decode("utf-8").splitlines()
    assert len(lines) == 2
    assert "Луганська область" in lines[0]  # readable, not \u-escaped
    assert json.loads(lines[0])["region_id"] == "16"


def test_standard_input() -> None:
    body = (SAMPLES / "ukrainealarm_alerts_kyiv_city_2026-09-25.json").read_bytes()
    result = cli("--kind", "siren_pp_ua", "-", stdin=body)
    assert result.returncode == 0
    assert json.loads(result.stdout)["region_id"] == "31"


def test_an_empty_answer_prints_nothing() -> None:
    result = cli("--kind", "alerts_in_ua", "-", stdin=b'{"alerts": []}')
    assert (result.returncode, result.stdout, result.stderr) == (0, b"", b"")


@pytest.mark.parametrize(
    ("kind", "body", "reason"),
    [
        ("alerts_in_ua", b"<html>502 Bad Gateway</html>", "invalid JSON"),
        ("alerts_in_ua", b"[]", "expected a JSON object"),
        ("ukrainealarm", b'{"alerts": []}', "expected a JSON list"),
        ("alerts_in_ua_iot", b'"ANN"', "expected 27 status characters"),
        ("ukrainealarm_regions", b"[]", "'states'"),
    ],
)
def test_a_bad_payload_exits_1_with_the_reason(kind: str, body: bytes, reason: str) -> None:
    result = cli("--kind", kind, "-", stdin=body)
    assert result.returncode == 1
    assert result.stdout == b""
    assert f"cannot read it as {kind}: " in result.stderr.decode()
    assert reason in result.stderr.decode()


@pytest.mark.parametrize("name", ["missing.json", "."])
def test_an_unreadable_file_exits_1(tmp_path: Path, name: str) -> None:
    result = cli("--kind", "alerts_in_ua", str(tmp_path / name))
    assert result.returncode == 1
    assert result.stdout == b""
    assert "cannot read" in result.stderr.decode()


def test_an_unknown_kind_exits_2_listing_the_kinds() -> None:
    result = cli("--kind", "pigeon_post", str(SAMPLES / "alerts_in_ua_active_2023-04-02.json"))
    assert result.returncode == 2
    assert result.stdout == b""
    message = result.stderr.decode()
    assert message.startswith("unknown kind 'pigeon_post'; known kinds: ")
    for kind in ("alerts_in_ua", "alerts_in_ua_iot", "ukrainealarm", "siren_pp_ua"):
        assert kind in message


def test_outage_kinds_print_through_their_own_printers() -> None:
    path = SAMPLES / "loe_gpv_oe_outage_data_2025-12-06.json"
    result = cli("--kind", "loe", str(path))
    assert (result.returncode, result.stderr) == (0, b"")
    records = [json.loads(line) for line in result.stdout.decode().splitlines()]
    assert records and all(record["type"] == "schedule" for record in records)
    assert cli("--kind", "loe", "-", stdin=b"<html>").returncode == 1


@pytest.fixture
def outage_printer() -> Iterator[None]:
    def print_queues(body: bytes) -> list[dict[str, Any]]:
        data = json.loads(body)
        if not isinstance(data, dict):
            raise FeedFormatError("expected an object")
        return [{"queue": queue, "off": hours} for queue, hours in sorted(data.items())]

    register_printer("test_outages", print_queues)
    yield
    del parse_cli.PRINTERS["test_outages"]


@pytest.mark.usefixtures("outage_printer")
def test_other_payloads_plug_in_a_printer(tmp_path: Path) -> None:
    path = tmp_path / "grid.json"
    path.write_text('{"1.1": [14, 15], "2.1": []}', encoding="utf-8")
    assert parse("test_outages", path) == (
        0,
        [{"queue": "1.1", "off": [14, 15]}, {"queue": "2.1", "off": []}],
        "",
    )
    path.write_text("[]", encoding="utf-8")
    code, records, err = parse("test_outages", path)
    assert (code, records) == (1, [])
    assert "expected an object" in err
