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
            # Two oblasts, four changes: at least one start and one end (12 s apart, so that
            # one source polled every 10 s sees both).
            *("--changes", "4", "--regions", "2", "--duration", "4", "--region-gap", "12"),
            *("--warmup", "3", "--tail", "14", "--json"),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        check=True,
    )
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["changes"] == 4
    for setup in SETUPS:
        result = report[setup]
        # The headline figures are the starts; the ends apart (they wait for every source).
        for key in ("p50_s", "p90_s", "p99_s", "ends_p50_s", "ends_p90_s", "ends_p99_s"):
            assert isinstance(result[key], float) and 0 <= result[key] < 15, (setup, result)
        starts = result["first_direct_message"]["n"]
        ends = result["ends"]["first_direct_message"]["n"]
        assert starts and ends, (setup, result)
        assert starts + ends + result["missed"] == 4
        assert result["p50_s"] == result["first_direct_message"]["p50_s"]
        assert result["ends_p50_s"] == result["ends"]["first_direct_message"]["p50_s"]
        assert sum(result["winners"].values()) == starts
        assert result["detection"]["n"] == starts
        assert "detect_to_first_send" in result["time_to_first_send"]
