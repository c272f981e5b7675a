"""compose.yaml's shape (no YAML library here: its two-space block structure is read as is)."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _services() -> dict[str, list[str]]:
    """Each service's lines (without the two-space indent of its name)."""
    services: dict[str, list[str]] = {}
    current: list[str] | None = None
    in_services = False
    for line in (ROOT / "compose.yaml").read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if not line.startswith(" "):
            in_services = line.rstrip() == "services:"
            current = None
        elif in_services and line.startswith("  ") and not line.startswith("   "):
            current = services.setdefault(line.strip().rstrip(":"), [])
        elif in_services and current is not None:
            current.append(line.strip())
    return services


def test_compose_runs_sqlite_by_default_and_postgres_with_two_replicas_in_a_profile() -> None:
    services = _services()
    assert set(services) == {"bot", "postgres", "bot-pg"}
    bot, postgres, replicas = services["bot"], services["postgres"], services["bot-pg"]

    assert not any(line.startswith("profiles:") for line in bot), "on by default"
    assert any("DATABASE_URL: sqlite+aiosqlite:////data/" in line for line in bot)
    assert "- bot-data:/data" in bot, "the SQLite file lives on a volume"

    assert "profiles: [postgres]" in postgres and "profiles: [postgres]" in replicas
    assert "replicas: 2" in replicas
    assert any(
        "DATABASE_URL: postgresql+asyncpg://" in line and "@postgres/" in line for line in replicas
    )
    assert "condition: service_healthy" in replicas, "replicas wait for the database"
    for service in (bot, replicas):
        assert "restart: unless-stopped" in service, "a leader that lost its lock comes back"
        assert "- ./config.toml:/config/config.toml:ro" in service
        assert not any("TELEGRAM_BOT_TOKEN: " in line and "${" not in line for line in service)
