"""Where the store's database lives: the embedded server or PAGILA_DSN, and the async engine.

Nothing outside this module opens connections: callers get an engine or a connection from here.
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import create_engine, make_url, text
from sqlalchemy.engine import Engine
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from assistant.logging import get_logger
from assistant.settings import Settings

log = get_logger(__name__)

EMBEDDED_DATABASE = "pagila"
_servers: dict[Path, object] = {}  # pgserver handles, kept alive for the process's lifetime


def start_embedded_server(home: Path, database: str = EMBEDDED_DATABASE) -> str:
    """Start (or reuse) the private PostgreSQL in `home` and return a SQLAlchemy URL for `database`.

    pgserver stops the server when the last process holding a handle exits.
    """
    import pgserver  # imported here: only the embedded path needs the 100 MB of binaries

    home = home.expanduser().resolve()
    home.mkdir(parents=True, exist_ok=True)
    pgdata = home / "pgdata"
    server = _servers.get(pgdata)
    if server is None:
        server = pgserver.get_server(pgdata, cleanup_mode="stop")
        _servers[pgdata] = server
        log.info("embedded_db_started", pgdata=str(pgdata))
    socket_dir = make_url(server.get_uri()).query["host"]
    url = f"postgresql+psycopg://postgres@/{database}?host={quote(str(socket_dir))}"
    create_database_if_missing(url)
    return url


def create_database_if_missing(url: str) -> None:
    target = make_url(url)
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            exists = conn.scalar(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": target.database}
            )
            if not exists:
                conn.execute(text(f'CREATE DATABASE "{target.database}"'))
    finally:
        admin.dispose()


def database_url(settings: Settings) -> str:
    """The SQLAlchemy URL of the store: PAGILA_DSN when set, else the embedded server."""
    if settings.pagila_dsn:
        return normalize_dsn(settings.pagila_dsn)
    return start_embedded_server(settings.pagila_home)


def normalize_dsn(dsn: str) -> str:
    """Accept plain `postgresql://` DSNs and point them at the psycopg 3 driver."""
    url = make_url(dsn)
    if url.drivername in ("postgresql", "postgres", "postgresql+psycopg2", "postgresql+asyncpg"):
        url = url.set(drivername="postgresql+psycopg")
    return url.render_as_string(hide_password=False)


# Every session runs in UTC so timestamps serialize the same whatever the server's zone.
_CONNECT_ARGS = {"options": "-c timezone=UTC"}


def make_engine(url: str, pool_size: int = 10) -> AsyncEngine:
    # pre_ping: a restarted database server costs one failed ping, not an app restart.
    return create_async_engine(
        url,
        pool_pre_ping=True,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_timeout=10,
        connect_args=_CONNECT_ARGS,
    )


def make_sync_engine(url: str) -> Engine:
    return create_engine(url, pool_pre_ping=True, connect_args=_CONNECT_ARGS)


@asynccontextmanager
async def transaction(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    async with engine.begin() as conn:
        yield conn
