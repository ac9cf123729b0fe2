"""Schema migrations (Alembic, configured in code: no alembic.ini) and loading official Pagila.

Two ways a database comes to the app:
- empty: `upgrade` runs every migration, from the Pagila base schema to the enhancements;
- already holding the official Pagila schema: `upgrade` marks the base revision as applied
  (stamp) and runs only the enhancements. No existing row changes.
"""

import re
import time
from pathlib import Path
from typing import Any

import psycopg
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, text

from assistant.db import make_sync_engine
from assistant.logging import get_logger

log = get_logger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
BASE_REVISION = "0001_pagila_base"
COUNTED_TABLES = ("film", "customer", "rental", "inventory")

# Tables whose presence (plus film.fulltext) identifies a database holding the official schema.
_PAGILA_MARKER_TABLES = ("film", "rental", "inventory", "customer")
# Any key: concurrent upgrades (two app processes starting at once) take turns.
_MIGRATION_LOCK_KEY = 0x5A6117A


class MigrationError(RuntimeError):
    """The database is in a state the migrations cannot handle on their own."""


class DatabaseNotEmpty(MigrationError):
    def __init__(self, tables: list[str]):
        self.tables = tables
        shown = ", ".join(tables[:10]) + (", ..." if len(tables) > 10 else "")
        super().__init__(
            f"the database is not empty (public holds {len(tables)} tables or views: {shown}); "
            "load Pagila into an empty database"
        )


# --- Alembic ----------------------------------------------------------------------------


def _alembic_config(url: str, connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("path_separator", "os")
    # ConfigParser interpolates '%': escape it (socket paths in URLs are percent-encoded).
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    if connection is not None:
        config.attributes["connection"] = connection  # read by migrations/env.py
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(_alembic_config("")).get_current_head()
    assert head is not None, f"no migrations found in {MIGRATIONS_DIR}"
    return head


def _current(conn: Connection) -> str | None:
    return MigrationContext.configure(conn).get_current_revision()


def _public_relations(conn: Connection) -> list[str]:
    """Tables, views and sequences in public, Alembic's own bookkeeping table aside."""
    return list(
        conn.scalars(
            text(
                "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S') "
                "AND c.relname <> 'alembic_version' ORDER BY c.relname"
            )
        )
    )


def _holds_official_pagila(conn: Connection) -> bool:
    found = set(
        conn.scalars(
            text(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = 'public' AND table_name = ANY(:names)"
            ),
            {"names": list(_PAGILA_MARKER_TABLES)},
        )
    )
    has_fulltext = conn.scalar(
        text(
            "SELECT EXISTS (SELECT 1 FROM information_schema.columns WHERE table_schema = "
            "'public' AND table_name = 'film' AND column_name = 'fulltext')"
        )
    )
    return found == set(_PAGILA_MARKER_TABLES) and bool(has_fulltext)


def upgrade(url: str) -> str:
    """Bring the database to the head revision; return what was done, in a sentence."""
    head = head_revision()
    engine = make_sync_engine(url)
    try:
        # One transaction for detect + stamp + upgrade: a failure leaves the database as it was.
        with engine.begin() as conn:
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK_KEY})
            before = _current(conn)
            config = _alembic_config(url, conn)
            stamped = False
            if before is None:
                if _holds_official_pagila(conn):
                    log.info("official_pagila_detected", stamping=BASE_REVISION)
                    command.stamp(config, BASE_REVISION)
                    stamped = True
                elif tables := _public_relations(conn):
                    raise MigrationError(
                        "the database has tables but neither migration history (alembic_version)"
                        f" nor the official Pagila schema: {', '.join(tables[:10])}"
                    )
            command.upgrade(config, "head")
            after = _current(conn)
    finally:
        engine.dispose()

    if stamped:
        done = f"existing Pagila schema stamped at {BASE_REVISION}, upgraded to {after}"
    elif before == after:
        done = f"already at {after}"
    else:
        done = f"upgraded from {before or 'an empty database'} to {after}"
    log.info("db_upgraded", before=before, after=after, head=head, stamped=stamped)
    return done


def downgrade(url: str, revision: str) -> None:
    """Go back to `revision` ("base" undoes everything, the Pagila tables included)."""
    engine = make_sync_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK_KEY})
            before = _current(conn)
            command.downgrade(_alembic_config(url, conn), revision)
            after = _current(conn)
    finally:
        engine.dispose()
    log.info("db_downgraded", before=before, after=after)


def current_revision(url: str) -> str | None:
    engine = make_sync_engine(url)
    try:
        with engine.connect() as conn:
            return _current(conn)
    finally:
        engine.dispose()


def status(url: str) -> dict[str, Any]:
    """Revision, head, and row counts of the main tables (None where a table is missing)."""
    engine = make_sync_engine(url)
    try:
        with engine.connect() as conn:
            revision = _current(conn)
            present = set(_public_relations(conn))
            counts = {
                table: conn.scalar(text(f"SELECT count(*) FROM public.{table}"))
                if table in present
                else None
                for table in COUNTED_TABLES
            }
    finally:
        engine.dispose()
    head = head_revision()
    return {"revision": revision, "head": head, "up_to_date": revision == head, "counts": counts}


# --- Loading the official Pagila files ----------------------------------------------------

# pg_dump writes each ownership change on one line: `ALTER <kind> <name> OWNER TO <role>;`
_OWNER_TO = re.compile(r"^ALTER [^\n]* OWNER TO (\S+);[ \t]*$", re.MULTILINE)
_COPY_FROM_STDIN = re.compile(rb"^COPY \S+ \([^)]*\) FROM stdin;\s*$")
_COPY_END = b"\\.\n"
_COPY_CHUNK = 1 << 20  # bytes sent per write while streaming a COPY block


def load_pagila(url: str, directory: Path, *, migrate: bool = True) -> None:
    """Load the official pagila-schema.sql then pagila-data.sql into an empty database.

    Uses psycopg only (no psql binary: it may not exist next to an external server). Everything
    is loaded in one transaction, so a failure leaves the database empty. With `migrate` (the
    default) the database is then upgraded, which stamps the base revision.
    """
    directory = Path(directory)
    schema_file, data_file = directory / "pagila-schema.sql", directory / "pagila-data.sql"
    for path in (schema_file, data_file):
        if not path.is_file():
            raise FileNotFoundError(f"official Pagila file not found: {path}")

    started = time.perf_counter()
    engine = make_sync_engine(url)
    try:
        # A raw psycopg connection: COPY streaming and the simple query protocol live there.
        raw = engine.raw_connection()
        try:
            pg: psycopg.Connection = raw.driver_connection  # type: ignore[assignment]
            _check_empty(pg)
            _run_schema(pg, schema_file.read_text(encoding="utf-8"))
            copied = _run_data(pg, data_file)
            pg.commit()
        finally:
            raw.close()  # back to the pool, which rolls back anything uncommitted
    finally:
        engine.dispose()
    log.info("pagila_loaded", rows=copied, seconds=round(time.perf_counter() - started, 2))
    if migrate:
        upgrade(url)


def _check_empty(pg: psycopg.Connection) -> None:
    rows = pg.execute(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'f') "
        "ORDER BY c.relname"
    ).fetchall()
    if rows:
        raise DatabaseNotEmpty([name for (name,) in rows])


def _run_schema(pg: psycopg.Connection, schema: str) -> None:
    owners = set(_OWNER_TO.findall(schema))
    superuser = pg.info.parameter_status("is_superuser") == "on"
    existing = {
        name
        for (name,) in pg.execute(
            "SELECT rolname FROM pg_roles WHERE rolname = ANY(%s)", [list(owners)]
        )
    }
    # Only a superuser may give objects away, and only to a role that exists on this server;
    # otherwise the loading role simply keeps owning what it creates.
    if not superuser or owners - existing:
        schema, skipped = _OWNER_TO.subn("", schema)
        log.info("pagila_owner_statements_skipped", count=skipped, superuser=superuser)
    # The dump is many statements, dollar-quoted bodies included: send it whole with the simple
    # query protocol and let the server split it.
    with psycopg.ClientCursor(pg) as cur:
        cur.execute(schema)


def _run_data(pg: psycopg.Connection, path: Path) -> int:
    """Run the data file: SET/SELECT statements as they are, COPY blocks streamed. Returns rows."""
    rows = 0
    with path.open("rb") as lines, pg.cursor() as cur:
        statement = b""
        for line in lines:
            if not statement and (not line.strip() or line.startswith(b"--")):
                continue
            statement += line
            if not statement.rstrip().endswith(b";"):
                continue  # a statement spread over several lines
            if _COPY_FROM_STDIN.match(statement):
                with cur.copy(statement.decode()) as copy:
                    rows += _stream_copy_block(lines, copy)
            else:
                cur.execute(statement.decode())
            statement = b""
    return rows


def _stream_copy_block(lines, copy: psycopg.Copy) -> int:
    """Send the lines after a `COPY ... FROM stdin;` up to the `\\.` line; return their count."""
    buffer: list[bytes] = []
    size = count = 0
    for line in lines:
        if line == _COPY_END or line == b"\\.\r\n":
            break
        buffer.append(line)
        size += len(line)
        count += 1
        if size >= _COPY_CHUNK:
            copy.write(b"".join(buffer))
            buffer, size = [], 0
    else:
        raise MigrationError("pagila-data.sql ends inside a COPY block (no '\\.' line)")
    if buffer:
        copy.write(b"".join(buffer))
    return count
