"""`python -m bot demo` works for a newcomer: no token, no network, real messages printed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def test_demo_prints_alerts_with_and_without_truce_note(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("TELEGRAM_BOT_TOKEN", "DATABASE_URL")}
    env["TMPDIR"] = str(tmp_path)  # where the demo writes its chart
    result = subprocess.run(
        [sys.executable, "-m", "bot", "demo"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "🔴 Повітряна тривога: Донецька область" in out
    assert "Початок о 11:32" in out
    assert "🔴 Air-raid alert: Donetsk oblast" in out
    assert "🟢 Відбій повітряної тривоги: Донецька область" in out
    assert "⚠️ Оголошено паузу в ударах «demo-energy-pause»" in out
    assert "не гарантія" in out
    assert "⛔" in out, "a non-admin's truce command is refused"
    assert out.count("🔴 Повітряна тривога: Донецька область") == 1, "one start per subscriber"
    assert "new events: 0" in out
    assert "Загроза: Дронова загроза · рівень 🟡 жовтий" in out, "a second, real source: level once"

    # The truce ledger on the bundled real history: the January 2023 Christmas pause.
    assert "official file, 434 rows: 434 added" in out
    assert "volunteer file, 497 rows: 497 added" in out
    assert "Записано паузу «christmas-2023»" in out
    assert "з 11:00, 06.01.2023 до 23:00, 07.01.2023" in out, "12:00-24:00 Moscow time, in Kyiv"
    assert "• у вікні: 56 тривог, 75 год 7 хв під тривогою" in out
    assert "• стільки ж часу перед ним: 40 тривог, 34 год 26 хв під тривогою" in out
    assert "перша тривога — через 1 год 45 хв після оголошеного початку" in out
    assert "Джерело: офіційні дані" in out and "source=volunteer" in out
    chart = tmp_path / "alertbot-demo-christmas-2023.png"
    assert f"The chart (alerts per hour before, during and after the window): {chart}" in out
    assert chart.read_bytes().startswith(b"\x89PNG")
