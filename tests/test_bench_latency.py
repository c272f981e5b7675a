"""bench/latency.py runs end to end with tiny numbers and prints the JSON the issue asks for."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SETUPS = ("in_step", "not_in_step", "one_source_10s", "one_source_2s", "webhook")


def test_latency_bench_prints_every_setup_with_its_percentiles() -> None:
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "latency.py"),
            *("--changes", "5", "--duration", "4", "--warmup", "3", "--tail", "12", "--json"),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        check=True,
    )
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["changes"] == 5
    for setup in SETUPS:
        result = report[setup]
        for key in ("p50_s", "p90_s", "p99_s"):
            assert isinstance(result[key], float) and 0 <= result[key] < 15, (setup, result)
        assert result["first_direct_message"]["n"] + result["missed"] == 5
        assert sum(result["winners"].values()) == result["first_direct_message"]["n"]
        assert "detect_to_first_send" in result["time_to_first_send"]
