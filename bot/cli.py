"""``python -m bot``: run, check-config, migrate, backup, health, demo, parse."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sqlite3
import sys
from collections.abc import Sequence
from pathlib import Path

from bot.config import Config, ConfigError, load_config, require_runnable

EXIT_CONFIG = 2


def _config_path(args: argparse.Namespace) -> str:
    path = getattr(args, "path", None) or args.config or os.environ.get("ALERTBOT_CONFIG")
    if not path:
        raise ConfigError("no config given: pass --config PATH or set ALERTBOT_CONFIG")
    return str(path)


def _secrets(config: Config) -> list[str]:
    secrets = [config.telegram.token.get_secret_value()]
    secrets += [f.token.get_secret_value() for f in config.feeds if f.token]
    return [s for s in secrets if s]


def _run(args: argparse.Namespace) -> int:
    from bot.app import AlertBot
    from bot.logs import setup_logging
    from bot.sqlite_lock import AlreadyRunning

    config = load_config(_config_path(args))
    require_runnable(config)
    setup_logging(_secrets(config), level=logging.DEBUG if args.verbose else logging.INFO)
    try:
        return asyncio.run(AlertBot(config).run_until_signalled())
    except AlreadyRunning as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except KeyboardInterrupt:
        return 0


def _check(args: argparse.Namespace) -> int:
    config = load_config(_config_path(args))
    require_runnable(config)
    print(
        f"config OK: {len(config.feeds)} feed(s), {len(config.telegram.admins)} admin(s), "
        f"database {config.database.url.split('://', 1)[0]}"
    )
    return 0


def _migrate(args: argparse.Namespace) -> int:
    from bot.logs import setup_logging
    from storage import migrate
    from storage.db import create_engine

    config = load_config(_config_path(args))
    setup_logging(_secrets(config))

    async def _go() -> str | None:
        engine = create_engine(config.database.url)
        try:
            await migrate.upgrade(engine)
            return await migrate.current_revision(engine)
        finally:
            await engine.dispose()

    print(f"database at revision {asyncio.run(_go())}")
    return 0


def _backup(args: argparse.Namespace) -> int:
    from bot.backup import BackupError, backup_sqlite

    config = load_config(_config_path(args))
    try:
        size = backup_sqlite(config.database.url, Path(args.file))
    except BackupError as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_CONFIG
    except sqlite3.Error as exc:
        print(f"backup failed: {exc}", file=sys.stderr)
        return 1
    print(f"backup written to {args.file} ({size} bytes)")
    return 0


def _health(args: argparse.Namespace) -> int:
    from bot.backup import health

    config = load_config(_config_path(args))
    problem = asyncio.run(health(config))
    if problem is not None:
        print(f"unhealthy: {problem}", file=sys.stderr)
        return 1
    print("healthy")
    return 0


def _demo(args: argparse.Namespace) -> int:
    from bot.demo import run_demo

    return asyncio.run(run_demo(sys.stdout, verbose=args.verbose))


def _parse(args: argparse.Namespace) -> int:
    from bot.parse_cli import run_parse

    return run_parse(args.kind, args.file, sys.stdout, sys.stderr)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bot",
        description="Air-raid alert relay bot for Telegram: polls public alert feeds and "
        "tells subscribers when an alert starts and ends in their region.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("run", help="run the bot (long polling)")
    run.add_argument("--config", help="TOML config (default: $ALERTBOT_CONFIG)")
    run.set_defaults(handler=_run)

    check = commands.add_parser("check-config", help="validate a config file and exit")
    check.add_argument("path", nargs="?", help="TOML config (default: $ALERTBOT_CONFIG)")
    check.add_argument("--config", help=argparse.SUPPRESS)
    check.set_defaults(handler=_check)

    mig = commands.add_parser("migrate", help="apply database migrations and exit")
    mig.add_argument("--config", help="TOML config (default: $ALERTBOT_CONFIG)")
    mig.set_defaults(handler=_migrate)

    backup = commands.add_parser(
        "backup", help="copy the live SQLite database to FILE (PostgreSQL: use pg_dump)"
    )
    backup.add_argument("--config", help="TOML config (default: $ALERTBOT_CONFIG)")
    backup.add_argument("file", help="where to write the copy")
    backup.set_defaults(handler=_backup)

    health = commands.add_parser(
        "health", help="exit 0 if the database answers (and /healthz, if [web] listen is set)"
    )
    health.add_argument("--config", help="TOML config (default: $ALERTBOT_CONFIG)")
    health.set_defaults(handler=_health)

    demo = commands.add_parser(
        "demo", help="replay bundled real alert payloads offline and print what subscribers get"
    )
    demo.set_defaults(handler=_demo)

    parse = commands.add_parser(
        "parse", help="print what the bot reads in a saved feed answer, as JSON lines"
    )
    parse.add_argument("--kind", required=True, help="feed kind, e.g. alerts_in_ua")
    parse.add_argument("file", help="the saved answer ('-': standard input)")
    parse.set_defaults(handler=_parse)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        result: int = args.handler(args)
    except ConfigError as exc:
        print(f"config error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    return result
