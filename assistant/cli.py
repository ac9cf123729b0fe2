"""`pagila-assistant`: serve the front desk, and look after its database."""

import argparse
import asyncio
import getpass
import ipaddress
import json
import logging
import signal
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from assistant.db import Database, database_url
from assistant.logging import configure_logging
from assistant.settings import get_settings


def serve(args: argparse.Namespace) -> None:
    import uvicorn

    from assistant.api.app import create_app

    settings = get_settings()
    host = args.host or settings.pagila_host
    if settings.uses_default_admin_token and not is_loopback(host):
        raise ValueError(f"refusing to listen on {host} with the default admin token: set "
                         "ADMIN_TOKEN (e.g. `openssl rand -hex 16`), or serve on 127.0.0.1")
    if settings.uses_default_admin_token:
        print("The admin token is the default one: serving on this machine only "
              f"({host}). Set ADMIN_TOKEN to serve on a network.", file=sys.stderr)
    # uvicorn re-raises SIGTERM after its graceful shutdown with the handler it found; with the
    # default one the process dies before exit handlers run and the embedded PostgreSQL stays up.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(128 + signal.SIGTERM))
    if not is_loopback(host) and not settings.pagila_public_url:
        print(f"Serving on {host} without PAGILA_PUBLIC_URL: only pages opened at "
              "http://localhost or http://127.0.0.1 may use the chat. Set it to the address "
              "clerks open (e.g. https://desk.example.com).", file=sys.stderr)
    # The port served is the one the default allowed origins name (Settings.allowed_origins).
    settings = settings.model_copy(update={"pagila_host": host,
                                           "pagila_port": args.port or settings.pagila_port})
    uvicorn.run(
        create_app(settings),
        host=host,
        port=settings.pagila_port,
        log_config=None,  # our structlog setup owns the output
        access_log=False,  # the correlation middleware logs each request once
        workers=1,  # chat sessions live in process memory: one worker per instance
        # X-Forwarded-For is believed only from PAGILA_TRUSTED_PROXIES (the app applies it);
        # uvicorn's own default would believe any local process.
        proxy_headers=False,
    )


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a host name: it may resolve to anything


def staff_set_password(args: argparse.Namespace) -> None:
    from assistant.staff import set_password

    password = getpass.getpass(f"New password for {args.username}: ")
    if getpass.getpass("Again: ") != password:
        raise ValueError("the two passwords differ; nothing was changed")

    async def store(database: Database) -> None:
        async with database.writing() as conn:
            await set_password(conn, args.username, password)

    _on_the_database(store)
    print(f"The password of {args.username} is set.")


def audit(args: argparse.Namespace) -> None:
    from assistant.audit import audit_entries

    since = datetime.fromisoformat(args.since) if args.since else None
    if since and since.tzinfo is None:
        since = since.replace(tzinfo=UTC)

    async def read(database: Database) -> list:
        async with database.reading() as conn:
            return await audit_entries(conn, since=since, staff=args.staff)

    for entry in _on_the_database(read):
        arguments = " ".join(f"{key}={value}" for key, value in entry.arguments.items())
        detail = f"  ({entry.detail})" if entry.detail and entry.outcome != "proposed" else ""
        print(f"{entry.at:%Y-%m-%d %H:%M:%S%z}  {entry.staff or '-':<10} "
              f"{entry.action.removeprefix('Rentals-'):<14} {arguments:<28} {entry.outcome:<12} "
              f"conversation {entry.thread_id or '-'}{detail}")


def db_upgrade(args: argparse.Namespace) -> None:
    from assistant.migrate import upgrade

    print(upgrade(_url()))


def db_load_pagila(args: argparse.Namespace) -> None:
    from assistant.migrate import load_pagila

    started = time.perf_counter()
    load_pagila(_url(), Path(args.directory))
    print(f"Loaded the Pagila files from {args.directory} in {time.perf_counter() - started:.1f} s")


def db_demo(args: argparse.Namespace) -> None:
    from assistant.migrate import upgrade
    from data.demo import generate

    url = _url()
    upgrade(url)
    started = time.perf_counter()
    counts = generate(url, scale=args.scale)
    print(json.dumps(counts, indent=2))
    # The totals over all history (assistant.totals) are the server's to compute, in the
    # background as soon as it runs (a minute and more at x100); figures are exact meanwhile.
    print(f"Generated in {time.perf_counter() - started:.1f} s. The server computes the totals "
          "over all history when it starts (or run `pagila-assistant db totals`).",
          file=sys.stderr)  # stdout: the counts


def db_totals(args: argparse.Namespace) -> None:
    from assistant.totals import refresh_now

    started = time.perf_counter()
    refresh_now(_url())
    print(f"Totals computed in {time.perf_counter() - started:.1f} s", file=sys.stderr)


def db_status(args: argparse.Namespace) -> None:
    from assistant.migrate import status

    print(json.dumps(status(_url()), indent=2, default=str))


def evaluate(args: argparse.Namespace) -> None:
    from assistant.evals.cases import CaseError
    from assistant.evals.runner import DEFAULT_CASES, run_eval

    settings = get_settings()
    configure_logging("WARNING", settings.log_format)  # the progress lines, not model logs
    logging.getLogger().setLevel(logging.WARNING)  # basicConfig keeps an earlier level
    try:
        run, summary = run_eval(
            settings, mode=args.mode or settings.llm_mode,
            cases_path=Path(args.cases) if args.cases else DEFAULT_CASES,
            report_dir=Path(args.report), pagila=Path(args.pagila) if args.pagila else None,
            select=args.select, keep_database=args.keep_db,
        )
    except (CaseError, ValueError) as error:
        sys.exit(f"eval: {error}")
    if run.database:
        print(f"The eval database was kept: {run.database}")
    scores = ", ".join(f"{name} {v['passed']}/{v['total']}"
                       for name, v in summary["categories"].items())
    print(f"{summary['passed']}/{summary['total']} cases passed ({scores}); "
          f"{summary['skipped']} skipped; write-safety violations: "
          f"{summary['write_safety_violations']}. Report: {Path(args.report) / 'report.md'}")
    if summary["failed"] or summary["write_safety_violations"]:
        sys.exit(1)


def _url() -> str:
    return database_url(get_settings())


def _on_the_database(work):
    """Run `await work(database)` on the store's database, then close it."""
    async def run():
        database = Database(_url(), pool_size=1)
        try:
            return await work(database)
        finally:
            await database.close()

    return asyncio.run(run())


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pagila-assistant",
        description="The DVD-rental store's conversational front desk. The database is "
        "PAGILA_DSN when set, otherwise an embedded PostgreSQL kept in PAGILA_HOME (.pagila/).",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = commands.add_parser(
        "serve",
        help="serve the chat (/chat) and the REST API (/api/v1, /docs)",
        description="Migrate the database, load the demo data if the store is empty, and "
        "serve the chat and the REST API in one process.",
    )
    p.add_argument("--host", help="address to listen on (PAGILA_HOST, default 127.0.0.1)")
    p.add_argument("--port", type=int, help="port to listen on (PAGILA_PORT, default 8000)")
    p.set_defaults(run=serve)

    db = commands.add_parser("db", help="manage the store's database").add_subparsers(
        dest="db_command", required=True, metavar="DB_COMMAND"
    )
    p = db.add_parser(
        "upgrade",
        help="bring the schema up to date",
        description="Create the schema in an empty database, or, on a database that already "
        "holds the official Pagila schema, record it and add only the enhancements.",
    )
    p.set_defaults(run=db_upgrade)
    p = db.add_parser(
        "load-pagila",
        help="load the official Pagila files into an empty database",
        description="Load DIR/pagila-schema.sql and DIR/pagila-data.sql into the configured "
        "(empty) database, then upgrade it.",
    )
    p.add_argument("directory", metavar="DIR", help="folder holding the two Pagila .sql files")
    p.set_defaults(run=db_load_pagila)
    p = db.add_parser(
        "demo",
        help="fill an empty store with the deterministic demo data",
        description="Upgrade the schema, then generate the demo store (fixed seed; dates "
        "relative to today). --scale 10 or 100 makes it larger for benchmarks.",
    )
    p.add_argument("--scale", type=int, default=1, help="size multiplier (default 1)")
    p.set_defaults(run=db_demo)
    p = db.add_parser(
        "totals",
        help="compute the totals over all history now",
        description="Recompute the materialized views of the figures over all history (the "
        "server does it every hour, and soon after a bulk load, in the background).",
    )
    p.set_defaults(run=db_totals)
    p = db.add_parser("status", help="show the schema revision and row counts")
    p.set_defaults(run=db_status)

    staff = commands.add_parser("staff", help="manage the clerks' sign-in").add_subparsers(
        dest="staff_command", required=True, metavar="STAFF_COMMAND"
    )
    p = staff.add_parser(
        "set-password",
        help="set a clerk's chat password (read without echo)",
        description="Set the password USERNAME signs in to the chat with (stored as an "
        "argon2 hash).",
    )
    p.add_argument("username", metavar="USERNAME", help="the staff member's username")
    p.set_defaults(run=staff_set_password)

    p = commands.add_parser(
        "audit",
        help="print the write audit trail",
        description="Every write decision (proposed, confirmed, cancelled, wrong token, "
        "locked, executed, failed, ...), oldest first: time, clerk, action, arguments, "
        "outcome, conversation.",
    )
    p.add_argument("--since", metavar="WHEN",
                   help="only from this time on (ISO 8601, e.g. 2026-12-01 or 2026-12-01T09:00)")
    p.add_argument("--staff", metavar="WHO", help="only this clerk (username or staff id)")
    p.set_defaults(run=audit)

    p = commands.add_parser(
        "eval",
        help="run the evaluation suite (routing, tool calls, grounded answers, write safety)",
        description="Run the evaluation cases through the agents against a fresh database "
        "(eval_<timestamp>, on PAGILA_DSN's server or the embedded one; dropped afterwards), "
        "and write results.json and report.md. Exits 1 when a case fails or anything was "
        "written without the clerk's approval.",
    )
    p.add_argument("--mode", choices=["offline", "openai"],
                   help="the model (default: LLM_MODE); openai uses OPENAI_API_KEY, "
                   "OPENAI_BASE_URL and OPENAI_MODEL")
    p.add_argument("--cases", metavar="PATH",
                   help="a case file or a folder of them (default: tests/evals)")
    p.add_argument("--report", default="out/eval", metavar="DIR",
                   help="where results.json and report.md go (default: out/eval)")
    p.add_argument("--pagila", metavar="DIR",
                   help="load the official Pagila files from DIR instead of the demo data")
    p.add_argument("--select", metavar="PATTERNS",
                   help="only these cases: comma-separated ids, globs or categories")
    p.add_argument("--keep-db", action="store_true", help="keep the eval database afterwards")
    p.set_defaults(run=evaluate)
    return parser


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    settings = get_settings()
    configure_logging(settings.log_level, settings.log_format)
    try:
        args.run(args)
    except KeyboardInterrupt:
        sys.exit(130)
    except (OSError, RuntimeError, ValueError, SQLAlchemyError) as error:
        # Known failures (a missing file, a database that is not empty or not reachable, bad
        # settings) get one line, not a traceback; the log has the details.
        logging.getLogger("assistant.cli").debug("command failed", exc_info=True)
        print(f"pagila-assistant: error: {error}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
