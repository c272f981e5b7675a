"""``python -m bot``: run, check-config, migrate, backup, health, demo, parse, history, truce."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import sqlite3
import sys
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from bot.config import Config, ConfigError, load_config
from bot.config_check import config_warnings, detection_delay

log = logging.getLogger("alertbot")

# 2: the operator must fix something (config, token); 1: anything else.
EXIT_CONFIG = 2
EXIT_CRASH = 1


def _config_path(args: argparse.Namespace) -> str:
    path = getattr(args, "path", None) or args.config or os.environ.get("ALERTBOT_CONFIG")
    if not path:
        raise ConfigError("no config given: pass --config PATH or set ALERTBOT_CONFIG")
    return str(path)


def _secrets(config: Config) -> list[str]:
    secrets = [config.telegram.token.get_secret_value()]
    secrets += [f.token.get_secret_value() for f in config.feeds if f.token]
    # A PostgreSQL password in DATABASE_URL may show in a connection error.
    with contextlib.suppress(ArgumentError):
        secrets.append(make_url(config.database.url).password or "")
    secrets.append(config.telegram.secret_token.get_secret_value())  # webhook (issue 14)
    return [s for s in secrets if s]


def _run(args: argparse.Namespace) -> int:
    from bot.app import AlertBot, StartupError
    from bot.logs import Scrubber, exception_summary, setup_logging
    from bot.operations.sqlite_lock import AlreadyRunning

    config = load_config(_config_path(args), runnable=True)
    secrets = _secrets(config)
    setup_logging(secrets, level=logging.DEBUG if args.verbose else logging.INFO)
    for warning in config_warnings(config):
        log.warning("config_warning", extra={"problem": warning})
    try:
        return asyncio.run(AlertBot(config).run_until_signalled())
    except KeyboardInterrupt:
        return 0
    except (StartupError, AlreadyRunning) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except Exception as exc:
        # A bug or an unforeseen failure: the whole story goes to the log (scrubbed, one JSON
        # line), the operator's terminal gets one line; neither shows a secret.
        log.critical("bot_crashed", exc_info=exc)
        print(f"error: {Scrubber(secrets)(exception_summary(exc))}", file=sys.stderr)
        return EXIT_CRASH


def _check(args: argparse.Namespace) -> int:
    config = load_config(_config_path(args), runnable=True)
    warnings = config_warnings(config)
    for warning in warnings:
        print(f"warning: {warning}", file=sys.stderr)
    print(
        f"config OK: {len(config.feeds)} feed(s), {len(config.telegram.admins)} admin(s), "
        f"database {config.database.url.split('://', 1)[0]}"
        + (f"; {len(warnings)} warning(s)" if warnings else "")
    )
    delay = detection_delay(config)
    if delay is not None:
        print(delay)
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
    from bot.operations.backup import BackupError, backup_sqlite

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
    from bot.operations.backup import health

    config = load_config(_config_path(args))
    problem = asyncio.run(health(config))
    if problem is not None:
        print(f"unhealthy: {problem}", file=sys.stderr)
        return 1
    print("healthy")
    return 0


def _demo(args: argparse.Namespace) -> int:
    from bot.demo.offline import run_demo

    return asyncio.run(run_demo(sys.stdout, verbose=args.verbose))


def _parse(args: argparse.Namespace) -> int:
    from bot.parse_cli import run_parse

    return run_parse(args.kind, args.file, sys.stdout, sys.stderr)


def _history(args: argparse.Namespace) -> int:
    from bot.ledger import cli as ledger_cli
    from bot.logs import setup_logging

    config = load_config(_config_path(args))
    # Warnings only: the output is the summary (migrations applied on the way are routine).
    setup_logging(_secrets(config), level=logging.WARNING)
    io = ledger_cli.Io(sys.stdout, sys.stderr, config.bot.default_language)
    if args.history_command == "import":
        return ledger_cli.run(config, lambda s: ledger_cli.import_files(s, args.files, io))
    return ledger_cli.run(
        config, lambda s: ledger_cli.fetch_region(s, config, args.region, io, period=args.period)
    )


def _truce(args: argparse.Namespace) -> int:
    from bot.ledger import cli as ledger_cli
    from bot.logs import setup_logging

    config = load_config(_config_path(args))
    setup_logging(_secrets(config), level=logging.WARNING)
    io = ledger_cli.Io(sys.stdout, sys.stderr, args.lang or config.bot.default_language)
    command = args.truce_command
    if command == "set":
        return ledger_cli.run(config, lambda s: ledger_cli.truce_set(s, args.words, io))
    if command == "end":
        return ledger_cli.run(config, lambda s: ledger_cli.truce_end(s, args.words, io))
    if command == "list":
        return ledger_cli.run(config, lambda s: ledger_cli.truce_list(s, io))
    return ledger_cli.run(
        config,
        lambda s: ledger_cli.truce_report(
            s, args.name, io, as_json=args.json, chart=args.chart, source=args.source
        ),
    )


def _webhook(args: argparse.Namespace) -> int:
    """The ukrainealarm push registration (issue 15; bot/ingest/push_registration.py)."""
    from bot.ingest.push_registration import RegistrationError, WebhookApi, registration_for

    config = load_config(_config_path(args))
    registration = registration_for(config, args.feed)

    async def _go() -> str:
        async with WebhookApi(registration, base_url=args.api_url) as api:
            if args.webhook_command == "register":
                return await api.register()
            if args.webhook_command == "unregister":
                return await api.unregister()
            return await api.show() or "nothing registered"

    try:
        print(asyncio.run(_go()))
    except RegistrationError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_CRASH
    return 0


def _add_webhook_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from bot.ingest.push_registration import DEFAULT_API

    hook = commands.add_parser("webhook", help="ukrainealarm push: register the bot's URL")
    hook_commands = hook.add_subparsers(dest="webhook_command", required=True)
    for name, help_text in (
        ("register", "register (or change) the push feed's URL with ukrainealarm"),
        ("unregister", "remove the registration"),
        ("show", "print the URL registered now"),
    ):
        sub = hook_commands.add_parser(name, help=help_text)
        sub.add_argument("--config", help="TOML config (default: $ALERTBOT_CONFIG)")
        sub.add_argument("--feed", help="the ukrainealarm_webhook feed (if there are several)")
        sub.add_argument(
            "--api-url", default=DEFAULT_API, help=f"the ukrainealarm API (default: {DEFAULT_API})"
        )
        sub.set_defaults(handler=_webhook)


def _add_ledger_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    hist = commands.add_parser("history", help="import or fetch air-raid alert history")
    hist_commands = hist.add_subparsers(dest="history_command", required=True)
    imp = hist_commands.add_parser(
        "import", help="import the public dataset's CSV files (official or volunteer form)"
    )
    imp.add_argument("--config", help="TOML config (default: $ALERTBOT_CONFIG)")
    imp.add_argument("files", nargs="+", metavar="FILE")
    imp.set_defaults(handler=_history)
    fet = hist_commands.add_parser(
        "fetch", help="backfill a month of one region from alerts.in.ua's history"
    )
    fet.add_argument("--config", help="TOML config (default: $ALERTBOT_CONFIG)")
    fet.add_argument("--period", default="month_ago", choices=("month_ago", "week_ago"))
    fet.add_argument("region", help="region name or id, e.g. Lviv or 27")
    fet.set_defaults(handler=_history)

    truce = commands.add_parser("truce", help="record announced strike pauses and report on them")
    truce_commands = truce.add_subparsers(dest="truce_command", required=True)
    grammar = "as in the chat: NAME start=... [end=...] [party=...] [regions=...] [scope=...]"
    for name, help_text, words_help in (
        ("set", "record a party's announced window", grammar + " [source=...]"),
        ("end", "mark a pause ended", "NAME [reason=...]"),
    ):
        sub = truce_commands.add_parser(name, help=help_text)
        sub.add_argument("--config", help="TOML config (default: $ALERTBOT_CONFIG)")
        sub.add_argument("--lang", choices=("uk", "en"), help="language of the answer")
        sub.add_argument("words", nargs="+", metavar="ARG", help=words_help)
        sub.set_defaults(handler=_truce)
    listing = truce_commands.add_parser("list", help="every pause on record, with its life")
    listing.add_argument("--config", help="TOML config (default: $ALERTBOT_CONFIG)")
    listing.add_argument("--lang", choices=("uk", "en"), help="language of the answer")
    listing.set_defaults(handler=_truce)
    report = truce_commands.add_parser(
        "report", help="what the alert records show during each party's window"
    )
    report.add_argument("--config", help="TOML config (default: $ALERTBOT_CONFIG)")
    report.add_argument("--lang", choices=("uk", "en"), help="language of the text and chart")
    report.add_argument("--json", action="store_true", help="print the report as one JSON object")
    report.add_argument("--chart", metavar="FILE.png", help="also draw the chart into this file")
    report.add_argument(
        "--source",
        choices=("live", "official", "volunteer", "alerts_in_ua"),
        help="which records to count (default: the bot's own where it has any)",
    )
    report.add_argument("name", metavar="NAME")
    report.set_defaults(handler=_truce)


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
    _add_ledger_commands(commands)
    _add_webhook_commands(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        result: int = args.handler(args)
    except ConfigError as exc:
        for problem in exc.problems:
            print(f"config error: {problem}", file=sys.stderr)
        return EXIT_CONFIG
    return result
