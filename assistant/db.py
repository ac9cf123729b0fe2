"""Where the store's database lives: the embedded server or PAGILA_DSN, and the async engine.

Nothing outside this module opens connections: callers get an engine or a connection from here.
"""

import select
from collections.abc import Iterator
from contextlib import AbstractAsyncContextManager, contextmanager
from functools import lru_cache
from pathlib import Path
from urllib.parse import quote

from psycopg.pq import ConnStatus
from sqlalchemy import create_engine, event, exc, make_url, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry, PoolProxiedConnection
from sqlalchemy.sql.elements import TextClause

from assistant.logging import get_logger
from assistant.settings import Settings

log = get_logger(__name__)

EMBEDDED_DATABASE = "pagila"
_servers: dict[Path, object] = {}  # pgserver handles, kept alive for the process's lifetime


def start_embedded_server(home: Path, database: str = EMBEDDED_DATABASE) -> str:
    """Start (or reuse) the private PostgreSQL in `home` and return a SQLAlchemy URL for `database`.

    pgserver stops the server when the last process holding a handle exits.
    """
    home = home.expanduser().resolve()
    home.mkdir(parents=True, exist_ok=True)
    pgdata = home / "pgdata"
    server = _servers.get(pgdata)
    if server is None:
        pgdata.mkdir(exist_ok=True)
        server = _embedded_server_class()(pgdata, cleanup_mode="stop")
        _servers[pgdata] = server
        log.info("embedded_db_started", pgdata=str(pgdata))
    socket_dir = make_url(server.get_uri()).query["host"]
    url = f"postgresql+psycopg://postgres@/{database}?host={quote(str(socket_dir))}"
    create_database_if_missing(url)
    return url


# The embedded server is this home's own: one node, and no replica or archive reads its
# write-ahead log. wal_level = minimal (which needs max_wal_senders = 0) lets a bulk load into a
# table created or truncated in the same transaction, as the demo data's (data/demo.py), skip
# the log: the table's files are synced at commit instead. Without it `db demo --scale 100`
# wrote over a gigabyte of WAL. What it gives up, streaming replication and point-in-time
# recovery from this server, nothing here uses (pg_dump works as ever). Only the embedded
# server's configuration is written: a server at PAGILA_DSN is never changed.
EMBEDDED_SETTINGS = {"wal_level": "minimal", "max_wal_senders": "0"}
_SETTINGS_MARK = "# pagila-assistant: the embedded server's own settings (assistant/db.py)"


def _embedded_server_class() -> type:
    """pgserver's server, with EMBEDDED_SETTINGS written into its postgresql.conf before it
    starts: right after initdb for a new home, so they hold from the first start.

    pgserver takes no settings: its constructor runs initdb (`ensure_pgdata_inited`), then
    starts the server. Were that hook to go, the settings would just not be written.
    """
    import pgserver  # imported here: only the embedded path needs the 100 MB of binaries

    class EmbeddedServer(pgserver.PostgresServer):
        def ensure_pgdata_inited(self) -> None:
            super().ensure_pgdata_inited()
            _write_settings(self.pgdata / "postgresql.conf")

    return EmbeddedServer


def _write_settings(conf: Path) -> None:
    """Append EMBEDDED_SETTINGS to `conf`, once: a home whose server is running already gets
    them at its next start, and lines added after them (later lines win) are left alone."""
    text_ = conf.read_text()
    if _SETTINGS_MARK in text_:
        return
    lines = "".join(f"{name} = {value}\n" for name, value in EMBEDDED_SETTINGS.items())
    separator = "" if text_.endswith("\n") else "\n"
    with conf.open("a") as file:  # appending keeps the file's owner: pgserver's user, as root
        file.write(f"{separator}\n{_SETTINGS_MARK}\n{lines}")


@contextmanager
def _maintenance_connection(url: str) -> Iterator[Connection]:
    """An autocommit connection to the server's `postgres` database, for CREATE/DROP DATABASE."""
    admin = create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            yield conn
    finally:
        admin.dispose()


def create_database_if_missing(url: str) -> None:
    name = make_url(url).database
    with _maintenance_connection(url) as conn:
        if not conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}):
            conn.execute(text(f'CREATE DATABASE "{name}"'))


def drop_database(url: str) -> None:
    with _maintenance_connection(url) as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))


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
# The app's own sessions (requests, the totals' refresh) plan without parallel workers: the
# reads on a request path are index lookups of a few thousand rows at most (a ranking over a
# long period aside, which then keeps to one core), for which starting workers costs more than
# it saves (10 to 40 ms on a busy two-core machine, measured) and takes the cores other
# requests need.
# And a statement is planned for its values unless it asks otherwise (`prepared`): psycopg
# prepares nothing by itself, and PostgreSQL plans an unprepared statement for the values it
# is sent with. A plan made once for any value (the generic plan PostgreSQL may keep for a
# prepared statement) suits one title fragment and not another: at x100, `q=an` (18,000
# titles) took 45 ms on it, against 7 ms planned for its value.
_REQUEST_CONNECT_ARGS = {"options": "-c timezone=UTC -c max_parallel_workers_per_gather=0",
                         "prepare_threshold": None}


@lru_cache(maxsize=512)
def prepared(sql: str) -> TextClause:
    """A read whose best plan is the same whatever its values (a lookup by key): prepared on
    its first run on a connection, after which PostgreSQL runs it on the plan it keeps
    (its generic plan, once five custom plans have shown it costs no more). Planning is then
    skipped: for the wider reads that is 1 to 1.5 ms of their 2 to 3 (a customer's balance,
    a film with its category, language and cast).

    One statement object per text, made once: text() scans the SQL for its parameters, 0.1 ms
    for a customer's balance on this machine, at every call. A page's statement holds its
    limit and offset, hence the bound."""
    return text(sql).execution_options(prepared=True)


def _prepare_if_asked(conn: Connection, cursor: object, statement: str, parameters: object,
                      context: object, executemany: bool) -> None:
    # psycopg's choice is per connection (its threshold) and SQLAlchemy passes no per-call
    # `prepare`: the threshold is set before each statement, 0 to prepare now, None not to.
    asked = context.execution_options.get("prepared", False)
    conn.connection.driver_connection.prepare_threshold = 0 if asked else None


def _check_alive(dbapi_connection: object, record: ConnectionPoolEntry,
                 proxy: PoolProxiedConnection) -> None:
    """A pooled connection is handed out only if the server has not closed it, checked without
    a round trip: an idle connection has nothing to read, and a server that ends a session (a
    restart, pg_terminate_backend, an idle timeout) sends its farewell and closes the socket,
    which makes it readable. Such a connection is replaced (DisconnectionError: the pool opens
    a new one). SQLAlchemy's pre_ping asked the server instead, one round trip per checkout
    (0.4 to 0.8 ms on this machine, more than the SQL of a read by id); MySQL's Go driver
    checks reused connections this same way. A server gone without closing the socket (a cut
    network) still fails the next statement, which then invalidates the pool."""
    pgconn = proxy.driver_connection.pgconn
    if pgconn.status != ConnStatus.OK:
        raise exc.DisconnectionError("the connection is broken")
    readable = select.poll()  # not select(): a busy server's descriptors pass 1024
    readable.register(pgconn.socket, select.POLLIN)
    if readable.poll(0):  # data, a hang-up or an error
        raise exc.DisconnectionError("the server closed the connection")


class Database:
    """The store's connection pool.

    Reads run in autocommit (no BEGIN/ROLLBACK round trips on the hot path); writes run in a
    READ COMMITTED transaction. A connection the server closed (a restart) is replaced when
    it is next checked out (_check_alive), not found by a failed request.
    """

    def __init__(self, url: str, pool_size: int = 10):
        self.url = url
        self.engine: AsyncEngine = create_async_engine(
            url,
            isolation_level="AUTOCOMMIT",
            pool_size=pool_size,
            # Overflow connections are closed on return (losing their prepared statements):
            # a few for bursts, the pool itself sized for the usual concurrency.
            max_overflow=pool_size // 2,
            pool_timeout=10,
            connect_args=_REQUEST_CONNECT_ARGS,
        )
        event.listen(self.engine.sync_engine, "checkout", _check_alive)
        event.listen(self.engine.sync_engine, "before_cursor_execute", _prepare_if_asked)
        self._writer = self.engine.execution_options(isolation_level="READ COMMITTED")

    def reading(self) -> AbstractAsyncContextManager[AsyncConnection]:
        return self.engine.connect()

    def writing(self) -> AbstractAsyncContextManager[AsyncConnection]:
        """A transaction: committed when the block ends, rolled back if it raises."""
        return self._writer.begin()

    async def ping(self) -> bool:
        try:
            async with self.reading() as conn:
                await conn.execute(text("SELECT 1"))
            return True
        except Exception:  # any failure means "unreachable" to /health
            return False

    async def close(self) -> None:
        await self.engine.dispose()


def make_sync_engine(url: str) -> Engine:
    return create_engine(url, pool_pre_ping=True, connect_args=_CONNECT_ARGS)
