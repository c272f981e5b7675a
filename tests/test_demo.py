"""`python -m bot demo` works for a newcomer: no token, no network, real messages printed."""

from __future__ import annotations

import os
import subprocess
import sys


def test_demo_prints_alerts_with_and_without_truce_note() -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("TELEGRAM_BOT_TOKEN", "DATABASE_URL")}
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
    assert "Початок: 02.04.2023 11:32 (за Києвом)" in out
    assert "🔴 Air-raid alert: Donetsk oblast" in out
    assert "🟢 Відбій: повітряна тривога, Донецька область" in out
    assert "⚠️ Оголошено паузу ударів «demo-energy-pause»" in out
    assert "не гарантія" in out
    assert "⛔" in out, "a non-admin's truce command is refused"
    assert out.count("🔴 Повітряна тривога: Донецька область") == 1, "one start per subscriber"
    assert "new events: 0" in out
    assert "Рівень загрози: 🟡 жовтий" in out, "a second, real source with its threat level"
