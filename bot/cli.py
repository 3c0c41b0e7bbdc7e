"""The `vitrine` command: run the bot, migrate the database, run the sandbox, seed demo data."""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from bot import event_loop
from bot.config import ROLES, ConfigError, Settings, load_settings, parse_database_url, with_role
from bot.logs import configure_logging

log = logging.getLogger("vitrine")

# The token the bot uses against the local sandbox; any well-formed token works there.
SANDBOX_TOKEN = "100001:vitrine-sandbox-demo-token-0000"


def _configure_logging(level: str) -> None:
    # One stderr handler with the secret redactor on it (bot/logs.py).
    configure_logging(level)


async def _run(settings: Settings) -> None:
    from bot.app import BotEndpoint, running, wait_for_stop_signal

    sandbox = None
    demo_handles: list[str] = []
    if settings.sandbox_mode:
        from bot.demo.catalogue import DEMO_ADMIN_ID
        from bot.demo.seed import DEMO_PULL_PARTNER, seed_demo, write_checkout_config
        from sandbox.checkout import checkout_routes
        from sandbox.partner_api import partner_api_routes
        from sandbox.server import SandboxServer

        sandbox_url = f"http://{settings.http_host}:{settings.sandbox_port}"
        settings = dataclasses.replace(
            settings,
            # The chat page's admin panel is an admin in the demo.
            admin_ids=settings.admin_ids or frozenset({DEMO_ADMIN_ID}),
            # Partner hosts can't be reached here: Continue leads to the simulated checkout.
            demo_checkout_url=settings.demo_checkout_url or f"{sandbox_url}/checkout",
        )
        books = {}
        if settings.demo_pull:
            from bot.demo.seed import DEMO_PULL_APP_KEY, demo_pull_secret, with_demo_pull
            from sandbox.partner_book import PartnerOrderBook

            settings = with_demo_pull(settings, sandbox_url)
            books[DEMO_PULL_PARTNER] = PartnerOrderBook({DEMO_PULL_APP_KEY: demo_pull_secret()})
        demo_handles = list(await seed_demo(settings))
        checkout_config = await write_checkout_config(settings)
        sandbox = SandboxServer(
            host=settings.http_host,
            port=settings.sandbox_port,
            limits=settings.sandbox_limits,
            extra_routes=[*checkout_routes(checkout_config, books), *partner_api_routes(books)],
            # Users, chats and file ids outlive a restart, as on Telegram.
            state_dir=settings.data_dir / "sandbox",
        )
        sandbox.start()
        from bot.demo.miniapp import with_sandbox_miniapp

        settings = await with_sandbox_miniapp(settings, sandbox.url)
        # Telegram's test environment, as the sandbox plays it: the demo's Mini App is on http://.
        endpoint = BotEndpoint(SANDBOX_TOKEN, sandbox.test_bot_api_url, sandbox.file_api_url)
    else:
        assert settings.telegram_bot_token is not None
        endpoint = BotEndpoint(
            settings.telegram_bot_token, settings.telegram_api_url, settings.telegram_file_url
        )
    try:
        async with running(settings, endpoint) as runtime:
            if sandbox is not None:
                from bot.demo.miniapp import register_sandbox_app
                from bot.demo.seed import create_demo_users, refresh_demo_menus

                await create_demo_users(sandbox.url, settings)
                await refresh_demo_menus(runtime.application.bot, runtime.services)
                bot_username = runtime.application.bot.username
                await register_sandbox_app(sandbox.url, settings, bot_username)
                print(
                    sandbox_banner(
                        sandbox.url, bot_username, demo_handles, settings.miniapp.short_name
                    ),
                    flush=True,
                )
            else:
                print(f"Vitrine is running. HTTP on {runtime.http_url}", flush=True)
            stop = asyncio.create_task(wait_for_stop_signal())
            await asyncio.wait({stop, *runtime.ends_when}, return_when=asyncio.FIRST_COMPLETED)
            stop.cancel()
            lead = runtime.leading_task
            if lead is not None and lead.done() and not lead.cancelled():
                lead.result()  # raise why the lead ended (LeadershipLost): the exit says it
    finally:
        if sandbox is not None:
            sandbox.stop()
    print("Vitrine stopped cleanly.", flush=True)


def sandbox_banner(
    chat_url: str, bot_username: str, handles: Sequence[str], app_short_name: str | None = None
) -> str:
    """The block `vitrine run` ends with in sandbox mode: where to chat, and whom to follow."""
    from bot.links import deep_link

    links = [deep_link(bot_username, handle) for handle in handles]
    width = max((len(link) for link in links), default=0)
    lines = [
        "",
        "Vitrine is running against the local sandbox.",
        "",
        f"  Chat page: {chat_url}/",
        "    (be a fan, an expert, a merchant and an admin side by side)",
        "",
        "  Demo experts to follow (the deep link, or the command in the fan's chat):",
        *(
            f"    {link.ljust(width)}   or send /start {handle}"
            for link, handle in zip(links, handles, strict=True)
        ),
        *(
            [
                "",
                "  The Mini App (the menu button in the fan's chat, or a direct link):",
                *(
                    f"    https://t.me/{bot_username}/{app_short_name}?startapp={handle}"
                    for handle in handles
                ),
            ]
            if app_short_name
            else []
        ),
        "",
        "Press Ctrl+C to stop.",
    ]
    return "\n".join(lines)


def _migrate(settings: Settings) -> None:
    from storage.database import migrate_sync

    migrate_sync(settings.database_url)
    print("Database is up to date.")


def _print_check(path: Path) -> bool:
    from storage.backup import check_copy

    check = check_copy(path)
    print(f"integrity_check: {', '.join(check.integrity)[:200]}")
    print(f"foreign key violations: {check.foreign_key_violations}")
    for name, value in check.figures.items():
        print(f"  {name}: {value}")
    return check.ok


def _backup(settings: Settings, target: Path) -> int:
    """`vitrine backup <file>`: an online copy, checked; 1 when the copy fails its checks."""
    from storage.backup import copy_database, sqlite_path

    try:
        source = sqlite_path(settings.database_url)
    except ValueError as exc:
        print(f"vitrine: {exc}", file=sys.stderr)
        return 2
    shown = -1

    def progress(done: int, total: int) -> None:
        nonlocal shown
        percent = 100 * done // max(total, 1)
        if total > 2 * 2048 and percent // 10 != shown:  # big files: every 10 %
            shown = percent // 10
            print(f"copied {done} of {total} pages ({percent} %)", flush=True)

    copy_database(source, target, progress)
    print(f"Backup written to {target} ({target.stat().st_size} bytes).")
    if not _print_check(target):
        print("vitrine: the copy failed its checks; do not rely on it", file=sys.stderr)
        return 1
    return 0


def _restore(settings: Settings, backup: Path) -> int:
    """`vitrine restore <file>`: put a backup back (bot stopped), then forget the forgotten."""
    from datetime import UTC, datetime

    from bot.fan.privacy import reapply_forgets
    from bot.services import Services
    from storage.backup import put_back, sqlite_path

    if not backup.exists():
        print(f"vitrine: no backup at {backup}", file=sys.stderr)
        return 1
    print(f"Checking {backup}…")
    if not _print_check(backup):
        print("vitrine: the backup failed its checks; nothing was changed", file=sys.stderr)
        return 1
    try:
        database = sqlite_path(settings.database_url)
    except ValueError as exc:
        print(f"vitrine: {exc}", file=sys.stderr)
        return 2
    aside = database.with_name(f"{database.name}.before-restore-{datetime.now(UTC):%Y%m%dT%H%M%S}")
    put_back(backup, database, aside)
    if aside.exists():
        print(f"The database it replaced was kept as {aside}.")

    async def reapply() -> None:
        services = await Services.start(settings)  # migrates an older backup forward too
        try:
            done = await reapply_forgets(services)
        finally:
            await services.close()
        print(
            f"Forgets re-applied: {done.forgotten} forgotten again, {done.already} already "
            f"forgotten in the backup, {done.absent} joined after it."
        )

    asyncio.run(reapply())
    return 0


def _migrate_data(source: str, target: str) -> int:
    """`vitrine migrate-data --from <sqlite> --to <postgresql>`: move up, checked."""
    from sqlalchemy.exc import SQLAlchemyError

    from storage.move import BATCH_ROWS, TargetNotEmpty, move_database

    try:
        source_url = parse_database_url("--from", source)
        target_url = parse_database_url("--to", target)
    except ConfigError as exc:
        print(f"vitrine: {exc}", file=sys.stderr)
        return 2
    if not source_url.startswith("sqlite") or target_url.startswith("sqlite"):
        print("vitrine: --from takes a sqlite:/// URL and --to a PostgreSQL one", file=sys.stderr)
        return 2
    shown: dict[str, int] = {}

    def progress(table: str, copied: int, total: int) -> None:
        tenth = 10 * copied // total if total else 10
        # A table's last line when it has rows; every tenth of the way for the big ones.
        big = total > 10 * BATCH_ROWS
        if total and shown.get(table) != tenth and (copied == total or big):
            shown[table] = tenth
            print(f"  {table}: {copied:,} of {total:,} rows", flush=True)

    print("Copying every table (stop the bot first: what it writes meanwhile is not copied)…")
    try:
        report = move_database(source_url, target_url, progress)
    except TargetNotEmpty as exc:
        print(f"vitrine: {exc}; nothing was copied", file=sys.stderr)
        return 1
    except SQLAlchemyError as exc:
        # The driver's own first line (e.g. a value too long for its column); the statement and
        # its values stay out of it. The target's one transaction was rolled back.
        reason = str(getattr(exc, "orig", None) or type(exc).__name__).splitlines()[0][:300]
        print(f"vitrine: the copy failed ({reason}); the target was left empty", file=sys.stderr)
        return 1
    print("Checked on both sides:")
    for name, value in report.target_figures.items():
        print(f"  {name}: {value:,}")
    if not report.ok:
        for mismatch in report.mismatches:
            print(f"vitrine: {mismatch}", file=sys.stderr)
        print("vitrine: the copy does not match its source; do not switch to it", file=sys.stderr)
        return 1
    print(
        f"Copied {sum(report.rows.values()):,} rows in {len(report.rows)} tables; every table's "
        "row count and the ledger's and outbox's figures match the source.\n"
        "Next: set VITRINE_DATABASE_URL to the new database, and VITRINE_SECRET_KEY to the key "
        "this deployment used (VITRINE_DATA_DIR/secret_key if it was generated), so Buy links "
        "and Mini App sessions already out keep working."
    )
    return 0


def _sandbox(args: argparse.Namespace) -> None:
    from sandbox.server import run_forever

    print(f"Sandbox Bot API at http://{args.host}:{args.port}/bot<token>/<method>", flush=True)
    print(f"Chat page at http://{args.host}:{args.port}/", flush=True)
    run_forever(args.host, args.port, args.limits, args.state_dir)


async def _seed_demo(settings: Settings, bot_username: str) -> None:
    from bot.demo.seed import seed_demo
    from bot.links import deep_link

    links = await seed_demo(settings)
    print("Demo catalogue loaded. Deep links that follow each expert:")
    for handle in links:
        print(f"  {deep_link(bot_username, handle)}   (or send: /start {handle})")


def build_parser() -> argparse.ArgumentParser:
    """The command line: `vitrine run | migrate | backup | restore | migrate-data | sandbox |
    seed-demo`."""
    parser = argparse.ArgumentParser(
        prog="vitrine",
        description="Vitrine: a fan-service social-commerce Telegram bot.",
        epilog="Settings come from environment variables (see README.md).",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    run = commands.add_parser(
        "run", help="run the bot (no TELEGRAM_BOT_TOKEN: local sandbox with demo data)"
    )
    run.add_argument(
        "--role",
        choices=ROLES,
        default="all",
        help="all (default): the whole bot in one process; with PostgreSQL, a scale-out's part:"
        " web (webhook updates and HTTP), worker (sends the outbox), scheduler (timed work;"
        " one leads, others stand by)",
    )
    commands.add_parser("migrate", help="apply database migrations and exit")
    backup = commands.add_parser(
        "backup", help="copy the SQLite database while the bot runs, and check the copy"
    )
    backup.add_argument("file", type=Path)
    restore = commands.add_parser(
        "restore", help="put a backup back (stop the bot first), then re-apply every /forget"
    )
    restore.add_argument("file", type=Path)
    sandbox = commands.add_parser("sandbox", help="run only the local Telegram sandbox")
    sandbox.add_argument("--host", default="127.0.0.1")
    sandbox.add_argument("--port", type=int, default=8081)
    sandbox.add_argument("--limits", choices=("telegram", "off", "paid"), default="telegram")
    sandbox.add_argument(
        "--state-dir",
        type=Path,
        default=None,
        help="keep users, chats and files here across restarts (default: in memory only)",
    )
    move = commands.add_parser(
        "migrate-data", help="copy a SQLite deployment into an empty PostgreSQL database"
    )
    move.add_argument("--from", dest="source", required=True, metavar="SQLITE_URL")
    move.add_argument("--to", dest="target", required=True, metavar="POSTGRESQL_URL")
    seed = commands.add_parser("seed-demo", help="load the demo catalogue and print the deep links")
    seed.add_argument(
        "--bot-username", default="YOUR_BOT", help="the bot's @username, for the links"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `vitrine` console script."""
    args = build_parser().parse_args(argv)
    if args.command == "sandbox":
        _configure_logging("INFO")
        try:
            _sandbox(args)
        except OSError as exc:  # the port or the state directory is taken
            print(f"vitrine: could not start: {exc}", file=sys.stderr)
            return 1
        return 0
    if args.command == "migrate-data":  # both databases are named on the command line
        _configure_logging("WARNING")
        return _migrate_data(args.source, args.target)
    try:
        settings = load_settings()
        if args.command == "run":
            settings = with_role(settings, args.role)
    except ConfigError as exc:
        print(f"vitrine: configuration error: {exc}", file=sys.stderr)
        return 2
    _configure_logging(settings.log_level)
    if args.command == "migrate":
        _migrate(settings)
    elif args.command == "backup":
        return _backup(settings, args.file)
    elif args.command == "restore":
        return _restore(settings, args.file)
    elif args.command == "seed-demo":
        asyncio.run(_seed_demo(settings, args.bot_username.lstrip("@")))
    elif args.command == "run":
        from bot.app import LeadershipLost

        try:
            event_loop.run(_run(settings), event_loop=settings.event_loop)
        except OSError as exc:
            print(f"vitrine: could not start: {exc}", file=sys.stderr)
            return 1
        except LeadershipLost as exc:  # a supervisor restarts it
            print(f"vitrine: {exc}", file=sys.stderr)
            return 3
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
