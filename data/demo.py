"""The demo store: a deterministic, Pagila-shaped data set of the project's own making.

`generate(url)` fills an upgraded, empty store database. Everything is decided by the seed
except dates, which are laid out relative to `today` (UTC), so a fresh demo always has rentals
that are out right now and some that are overdue. Same seed and same `today`: same rows.

What tests and demos rely on holds at any time of `today`, and on into the next day (a run
may cross midnight): each store has rentals out that are not yet due, rentals late by a few
days ($1 a day), and rentals kept over twice their rental period (the replacement cost).

The rows are made table by table as streams (`store_tables`, no database involved) and go
straight into COPY: the big tables are never held as rows, only the few numbers later
tables need (a rental is four numbers in arrays). `build_store` collects the same rows into
lists; for the load, the rentals and payments come ready made in COPY's binary format
instead (`copy_data`), as tuples of dates and decimals took psycopg longer to write than to
make. Each part of the store draws from its own `random.Random`, seeded with the seed and
the part's name, so changing how customers are made does not reshuffle the films. Nothing
iterates over sets, so the hash seed cannot change the result.

The load is a bulk load (PostgreSQL's "Populating a Database"), all in one transaction: the
loaded tables' foreign keys, and their indexes but those other tables' keys lean on, are
dropped and made again from their catalog definitions once the rows are in; the tables are
truncated first, so COPY can FREEZE the rows and, under wal_level = minimal (the embedded
server's, see assistant/db.py), skip the write-ahead log; COPY goes in binary where it can;
and each table is analyzed. Python and the server work at once where they can: while a
thread makes the rental history, then the payments, the server builds the indexes and
checks the keys of the tables already loaded. The cyclic garbage collector is off meanwhile.
"""

from __future__ import annotations

import gc
import random
import re
import struct
import threading
from array import array
from bisect import bisect, bisect_left
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from itertools import accumulate, chain, islice
from typing import TypeVar

import psycopg
from psycopg import Connection, Cursor, ProgrammingError, pq, sql

from assistant.db import make_sync_engine
from assistant.staff import hash_password
from data import words

DEFAULT_SEED = 20240601
# Every demo clerk's password (the README and the first start say it; change it with
# `pagila-assistant staff set-password USERNAME`). Stored as an argon2 hash, like any other.
DEMO_PASSWORD = "rent-a-dvd"

# Sizes at scale 1 (the official Pagila has about the same).
FILMS = 1000
ACTORS = 200
CUSTOMERS = 600
RENTALS = 16000

HISTORY_DAYS = 182  # rentals span the last ~6 months
OPEN_SHARE = 0.012  # share of rentals still out: half current, half overdue
INACTIVE_SHARE = 0.02
STREAMING_SHARE = 0.30
SUBSCRIBER_SHARE = 0.10
LATE_RETURN_SHARE = 0.18
MAX_DAYS_LATE = 4  # below 2 x the shortest rental_duration, so no replacement-cost cases
LATE_MIN_DURATION = 5  # shortest rental_duration with room for "days late" (_late_start)
HOME_STORE_SHARE = 0.85  # customers mostly rent at their own store

RENTAL_RATES = (Decimal("0.99"), Decimal("2.99"), Decimal("4.99"))
DAY = 86400  # seconds; rental times are whole seconds relative to the start of `today`
HOUR = 3600
STILL_OUT = 1  # a rental's end while it is out: every return is at or before the start of today

# The tables filled, in the order they are loaded (one that a foreign key references first).
TABLES = (
    "language", "country", "city", "address", "store", "staff", "category", "film", "actor",
    "film_actor", "film_category", "customer", "inventory", "rental", "payment",
    "streaming_subscription",
)  # fmt: skip


_Row = TypeVar("_Row", tuple, bytes)  # a row, or a chunk of binary COPY data
_Item = TypeVar("_Item")


class StoreNotEmpty(RuntimeError):
    """The target database already has films: the demo data only goes into an empty store."""


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[str, ...]
    # A list from `build_store`; from `store_tables`, an iterator made as it is read. With
    # `copy_types`, the same rows as binary COPY data instead, in chunks (the first with the
    # header, the last the trailer), the columns of those PostgreSQL types.
    rows: Iterable[tuple] | Iterable[bytes]
    id_column: str | None = None  # serial key whose sequence must move past the loaded ids
    # The first row is long in coming (the whole rental history is made for it): the loader
    # has the server build the indexes of the tables before meanwhile, and makes rows ahead.
    slow_first_row: bool = False
    copy_types: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True)
class Film:
    film_id: int
    rental_duration: int
    rental_rate: Decimal


@dataclass(frozen=True, slots=True)
class Copy:
    inventory_id: int
    film: Film
    store_id: int


@dataclass(frozen=True, slots=True)
class Customer:
    customer_id: int
    store_id: int
    active: bool


# --------------------------------------------------------------------------- generate


def generate(
    url: str, *, scale: int = 1, seed: int = DEFAULT_SEED, today: date | None = None
) -> dict[str, int]:
    """Fill the empty store at `url` (SQLAlchemy URL) and return the row count per table."""
    if scale < 1:
        raise ValueError("scale must be at least 1")
    # The UTC date: rows are stamped from midnight UTC, so they agree with the database's now().
    today = today or datetime.now(UTC).date()
    engine = make_sync_engine(url)
    counts: dict[str, int] = {}
    try:
        # The raw psycopg connection: COPY streams rows far faster than INSERTs.
        proxy = engine.raw_connection()
        try:
            conn = proxy.driver_connection
            with conn.cursor() as cur, _without_cyclic_gc():
                _refuse_non_empty(cur)
                tables = store_tables(scale=scale, seed=seed, today=today, copy_data=True)
                _load(cur, tables, counts)
            conn.commit()
            _vacuum_title_words(conn)
        finally:
            proxy.close()  # back to the pool, which rolls back anything uncommitted
    finally:
        engine.dispose()
    return counts


def _vacuum_title_words(conn: Connection) -> None:
    """Vacuum the words of the titles, which the film table's triggers wrote in the load
    (migration 0017): a title search reads them off an index alone only where the visibility
    map says a page's rows are all visible, else it visits the table for each (autovacuum
    would come, but a minute or more later). VACUUM runs outside a transaction."""
    conn.autocommit = True
    try:
        conn.execute("VACUUM (ANALYZE) film_title_words, title_words")
    finally:
        conn.autocommit = False


@contextmanager
def _without_cyclic_gc() -> Iterator[None]:
    """The cyclic garbage collector off, for the load: it makes millions of objects, none in a
    cycle, and keeps hundreds of thousands (films, copies) that the collector would otherwise
    walk through again and again, for a sixth of the load's Python time."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


def _load(cur: Cursor, tables: Iterable[Table], counts: dict[str, int]) -> None:
    """COPY the tables in, their indexes and foreign keys set aside and made again after."""
    # Sorting for the index builds, hashing for the foreign keys' checks.
    cur.execute("SET LOCAL maintenance_work_mem = '256MB'")
    cur.execute("SET LOCAL work_mem = '64MB'")
    indexes, keys = _set_aside_indexes_and_keys(cur)
    truncated = _truncate(cur)
    id_columns: dict[str, str] = {}
    loaded: set[str] = set()
    pending: list[sql.Composable] = []  # what the loaded tables are owed, in order

    cur.execute("SHOW max_parallel_maintenance_workers")
    (workers,) = cur.fetchone()
    parallel = workers  # the setting now

    def build(first_row_made: Callable[[], bool] = lambda: True) -> None:
        nonlocal parallel
        for statement in pending:
            # Until a thread has made a slow first row, no parallel workers: they would take
            # the processor it runs on. After, the server's work is the one waited for.
            wanted = workers if first_row_made() else "0"
            if parallel != wanted:
                cur.execute(
                    "SELECT set_config('max_parallel_maintenance_workers', %s, true)", (wanted,)
                )
                parallel = wanted
            cur.execute(statement)
        pending.clear()

    for table in tables:
        rows = table.rows
        if table.slow_first_row:  # the server builds meanwhile, instead of after
            rows = _made_while(iter(rows), build)
        counts[table.name] = _copy_rows(cur, table, rows, freeze=table.name in truncated)
        if table.id_column is not None:
            id_columns[table.name] = table.id_column
        loaded.add(table.name)
        pending += [sql.SQL(create) for create in indexes.pop(table.name, ())]
        # Statistics for the planner: the app's first queries, and the keys' checks.
        pending.append(sql.SQL("ANALYZE {}").format(sql.Identifier(table.name)))
        # A foreign key is checked once both its tables are in, whichever way it points.
        ready = [key for key in keys if key.tables <= loaded]
        pending += [sql.SQL(key.create) for key in ready]
        keys = [key for key in keys if key not in ready]
    build()
    # Left over only if a table was not loaded, or a key points outside the store's tables.
    for create in [*chain.from_iterable(indexes.values()), *(key.create for key in keys)]:
        cur.execute(create)
    _advance_sequences(cur, id_columns)


# Rows made ahead while the server is busy, at most (chunks of binary COPY data: ~140 MB).
_MADE_AHEAD = 2048


def _made_while(rows: Iterator[_Row], work: Callable[[Callable[[], bool]], None]) -> Iterator[_Row]:
    """`rows`: those a thread makes while `work(first_row_made)` runs here (the first at least,
    _MADE_AHEAD at most), then the rest.

    Making the rental history is all Python, and building indexes all server: `work` waits
    on the server without holding the GIL, so the two run side by side. The thread never
    touches the connection.
    """
    made: list[_Row] = []
    first, done = threading.Event(), threading.Event()

    def make() -> None:
        for row in rows:
            made.append(row)
            first.set()
            if done.is_set() or len(made) == _MADE_AHEAD:
                return
        first.set()

    with ThreadPoolExecutor(max_workers=1) as thread:
        making = thread.submit(make)
        try:
            work(first.is_set)
        finally:
            done.set()
        making.result()
    return chain(made, rows)


def _refuse_non_empty(cur: Cursor) -> None:
    # Held to commit: a second generator started at the same time waits, then sees the films.
    cur.execute("LOCK TABLE film IN SHARE ROW EXCLUSIVE MODE")
    cur.execute("SELECT count(*) FROM film")
    (films,) = cur.fetchone()
    if films:
        raise StoreNotEmpty(
            f"the store already has {films} films; demo data is only loaded into an empty store"
        )
    # The load truncates and alters the tables it fills: take them all now, and make sure none
    # has rows (they would clash with the ids loaded, and must not be truncated).
    tables = sql.SQL(", ").join(map(sql.Identifier, TABLES))
    cur.execute(sql.SQL("LOCK TABLE {} IN ACCESS EXCLUSIVE MODE").format(tables))
    for table in TABLES:
        cur.execute(sql.SQL("SELECT EXISTS (SELECT FROM {})").format(sql.Identifier(table)))
        if cur.fetchone()[0]:
            raise StoreNotEmpty(
                f"the store's {table} table already has rows; demo data is only loaded into an "
                "empty store"
            )


@dataclass(frozen=True)
class _ForeignKey:
    tables: frozenset[str]  # the table that has it and the table it references
    create: str


def _set_aside_indexes_and_keys(
    cur: Cursor,
) -> tuple[dict[str, list[str]], list[_ForeignKey]]:
    """Drop the loaded tables' foreign keys and indexes; return what makes them again, read
    from the catalog (whichever migration made them): the indexes' statements by table, and
    the keys.

    Checking each row's keys and growing each index a row at a time is most of a large load's
    work; an index built once over the loaded rows, and a key checked with one join, are
    not. Primary keys and unique constraints that something leans on (another table's key)
    stay: they are cheap on ids loaded in order. The others go too, with their constraint
    (film_actor's rows do not come in its key's order). Only plain tables (not partitioned,
    not partitions).
    """
    cur.execute(
        """SELECT t.relname, c.confrelid::regclass::text,
                  format('ALTER TABLE %%s DROP CONSTRAINT %%I', c.conrelid::regclass, c.conname),
                  format('ALTER TABLE %%s ADD CONSTRAINT %%I %%s', c.conrelid::regclass, c.conname,
                         pg_get_constraintdef(c.oid))
           FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid
           WHERE c.contype = 'f' AND t.relkind = 'r' AND NOT t.relispartition
             AND c.conrelid = ANY (%(tables)s::regclass[])
           ORDER BY c.conrelid::regclass::text, c.conname""",
        {"tables": list(TABLES)},
    )
    keys = cur.fetchall()
    cur.execute(
        """SELECT t.relname, format('DROP INDEX %%s', i.indexrelid::regclass),
                  pg_get_indexdef(i.indexrelid)
           FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid
           WHERE t.relkind = 'r' AND NOT t.relispartition
             AND i.indrelid = ANY (%(tables)s::regclass[])
             AND NOT EXISTS (SELECT FROM pg_constraint c WHERE c.conindid = i.indexrelid)
           UNION ALL
           SELECT t.relname,
                  format('ALTER TABLE %%s DROP CONSTRAINT %%I', c.conrelid::regclass, c.conname),
                  format('ALTER TABLE %%s ADD CONSTRAINT %%I %%s', c.conrelid::regclass, c.conname,
                         pg_get_constraintdef(c.oid))
           FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid
           WHERE c.contype IN ('p', 'u') AND t.relkind = 'r' AND NOT t.relispartition
             AND c.conrelid = ANY (%(tables)s::regclass[])
             AND NOT EXISTS (SELECT FROM pg_constraint f
                             WHERE f.contype = 'f' AND f.conindid = c.conindid)
             AND NOT EXISTS (SELECT FROM pg_depend d  -- a view's GROUP BY, say; not its index
                             WHERE d.refclassid = 'pg_constraint'::regclass
                               AND d.refobjid = c.oid AND d.deptype <> 'i')
           ORDER BY 1, 2""",
        {"tables": list(TABLES)},
    )
    indexes = cur.fetchall()
    for _, _, drop, _ in keys:
        cur.execute(drop)
    for _, drop, _ in indexes:
        cur.execute(drop)
    by_table: dict[str, list[str]] = {}
    for table, _, create in indexes:
        by_table.setdefault(table, []).append(create)
    keys_made = [_ForeignKey(frozenset((table, other)), create) for table, other, _, create in keys]
    return by_table, keys_made


def _truncate(cur: Cursor) -> set[str]:
    """Truncate the (empty) loaded tables that no remaining foreign key points at; return them.

    A table truncated in the loading transaction has new, empty files: COPY may write its rows
    frozen (no later pass to set hint bits), and with wal_level = minimal its rows and indexes
    skip the write-ahead log (the files are synced at commit instead).
    """
    cur.execute(
        """SELECT t.relname FROM pg_class t
           WHERE t.oid = ANY (%(tables)s::regclass[]) AND t.relkind = 'r'
             AND NOT EXISTS (SELECT FROM pg_constraint c
                             WHERE c.contype = 'f' AND c.confrelid = t.oid)
           ORDER BY t.relname""",
        {"tables": list(TABLES)},
    )
    names = [name for (name,) in cur.fetchall()]
    if names:
        cur.execute(sql.SQL("TRUNCATE {}").format(sql.SQL(", ").join(map(sql.Identifier, names))))
    return set(names)


def _copy_rows(cur: Cursor, table: Table, rows: Iterable, *, freeze: bool) -> int:
    """COPY `rows` into the table; return how many.

    In binary when psycopg can write every column so (numbers and times), which spares
    formatting each value as text and the server parsing it back. Rows that come as binary
    COPY data (`copy_types`) go as they are, once their types are the columns'.
    """
    types = _column_types(cur, table)
    if table.copy_types is None:
        binary = all(_dumps_binary(cur, oid) for oid in types)
    elif [cur.adapters.types[name].oid for name in table.copy_types] == types:
        binary = True
    else:
        raise RuntimeError(
            f"the {table.name} table's columns are not of the types its rows are made in: "
            + ", ".join(table.copy_types)
        )
    options = [sql.SQL(option) for option, wanted in (("FORMAT binary", binary), ("FREEZE", freeze))
               if wanted]  # fmt: skip
    statement = sql.SQL("COPY {} ({}) FROM STDIN {}").format(
        sql.Identifier(table.name),
        sql.SQL(", ").join(map(sql.Identifier, table.columns)),
        sql.SQL("({})").format(sql.SQL(", ").join(options)) if options else sql.SQL(""),
    )
    with cur.copy(statement) as copy:
        if table.copy_types is not None:
            for chunk in rows:
                copy.write(chunk)
        else:
            if binary:
                copy.set_types(types)
            for row in rows:
                copy.write_row(row)
    return cur.rowcount  # the server's count


def _column_types(cur: Cursor, table: Table) -> list[int]:
    """The type (oid) each of the table's columns is written as, in the order of
    `table.columns`: its own, a domain's base type (the domain's values are the base type's),
    or text for an enum (whose binary form is its label)."""
    cur.execute(
        """SELECT CASE t.typtype WHEN 'd' THEN t.typbasetype WHEN 'e' THEN 'text'::regtype
                  ELSE t.oid END
           FROM unnest(%s::text[]) WITH ORDINALITY AS c (name, n)
           JOIN pg_attribute a ON a.attrelid = %s::regclass AND a.attname = c.name
           JOIN pg_type t ON t.oid = a.atttypid
           ORDER BY c.n""",
        (list(table.columns), table.name),
    )
    return [oid for (oid,) in cur.fetchall()]


def _dumps_binary(cur: Cursor, oid: int) -> bool:
    try:
        cur.adapters.get_dumper_by_oid(oid, pq.Format.BINARY)
    except ProgrammingError:  # a type psycopg does not know: that table goes as text
        return False
    return True


def _advance_sequences(cur: Cursor, id_columns: dict[str, str]) -> None:
    """Move each serial past the ids loaded, so the app's own inserts get fresh ids (an empty
    table's start at 1)."""
    for table, column in id_columns.items():
        sequence = _sequence_of(cur, table, column)
        if sequence is None:
            continue
        cur.execute(
            sql.SQL(
                "SELECT setval(%s::regclass, coalesce(max({column}), 1), max({column}) IS NOT NULL)"
                " FROM {table}"
            ).format(column=sql.Identifier(column), table=sql.Identifier(table)),
            (sequence,),
        )


def _sequence_of(cur: Cursor, table: str, column: str) -> str | None:
    # Pagila's sequences are not OWNED BY their columns, so pg_get_serial_sequence can miss
    # them; the column default `nextval('...')` names the sequence either way.
    cur.execute("SELECT pg_get_serial_sequence(%s, %s)", (table, column))
    (owned,) = cur.fetchone()
    if owned:
        return owned
    cur.execute(
        """SELECT pg_get_expr(d.adbin, d.adrelid) FROM pg_attrdef d
           JOIN pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum
           WHERE d.adrelid = %s::regclass AND a.attname = %s""",
        (table, column),
    )
    found = cur.fetchone()
    match = re.search(r"nextval\('([^']+)'", found[0]) if found else None
    return match.group(1) if match else None


# --------------------------------------------------------------------------- build


def build_store(*, scale: int = 1, seed: int = DEFAULT_SEED, today: date) -> list[Table]:
    """All the demo rows, table by table, as lists (what `generate` loads)."""
    return [
        replace(table, rows=list(table.rows))
        for table in store_tables(scale=scale, seed=seed, today=today)
    ]


def store_tables(
    *, scale: int = 1, seed: int = DEFAULT_SEED, today: date, copy_data: bool = False
) -> Iterator[Table]:
    """The demo store, table by table, in an order that satisfies the foreign keys (TABLES).

    Each table's rows are an iterator, made as it is read: read a table's rows before asking
    for the next table (rows left unread are made then anyway: later tables build on them).
    Only the small tables (customers and their addresses) are held as rows. With `copy_data`,
    the rentals and payments come as binary COPY data (`Table.copy_types`), the same rows.
    """
    if scale < 1:
        raise ValueError("scale must be at least 1")
    stamp = datetime.combine(today, time(), UTC)  # last_update of rows without a history

    countries, cities = _places(stamp)
    addresses = AddressBook(_rng(seed, "addresses"), cities, stamp)
    stores, staff = _stores_and_staff(addresses, stamp)
    customers, customer_list = _customers(
        _rng(seed, "customers"), CUSTOMERS * scale, addresses, today, stamp
    )
    films: list[Film] = []  # filled as the film rows are read
    copies: list[Copy] = []  # filled as the inventory rows are read
    rentals = RentalHistory(stamp, copy_data=copy_data)
    tables = (
        _names("language", words.LANGUAGES, stamp),
        countries,
        cities,
        addresses.table(),  # complete now: stores, staff and customers have their addresses
        stores,
        staff,
        _names("category", words.CATEGORIES, stamp),
        Table("film", FILM_COLUMNS, _films(_rng(seed, "films"), FILMS * scale, stamp, films),
              "film_id"),
        _actors(_rng(seed, "actors"), ACTORS * scale, stamp),
        Table("film_actor", ("actor_id", "film_id", "last_update"),
              _film_actor(_rng(seed, "casting"), films, ACTORS * scale, stamp)),
        Table("film_category", ("film_id", "category_id", "last_update"),
              _film_category(_rng(seed, "genres"), films, stamp)),
        customers,
        Table("inventory", ("inventory_id", "film_id", "store_id", "last_update"),
              _inventory(_rng(seed, "inventory"), films, stamp, copies), "inventory_id"),
        rentals.rental_table(_rng(seed, "rentals"), copies, customer_list, RENTALS * scale),
        rentals.payment_table(),
        _subscriptions(_rng(seed, "streaming"), customer_list, today, stamp),
    )  # fmt: skip
    assert tuple(table.name for table in tables) == TABLES
    for table in tables:
        yield table
        deque(table.rows, maxlen=0)  # whatever the reader left unread


def _rng(seed: int, part: str) -> random.Random:
    # A string seed is hashed with SHA-512 by `random`, not with hash(): stable across runs.
    return random.Random(f"{seed}/{part}")


def _names(table: str, names: Sequence[str], stamp: datetime) -> Table:
    """A lookup table of (id, name, last_update), ids in the vocabulary's order."""
    key = f"{table}_id"
    rows = [(i, name, stamp) for i, name in enumerate(names, 1)]
    return Table(table, (key, "name", "last_update"), rows, key)


# --- places and people who work there


def _places(stamp: datetime) -> tuple[Table, Table]:
    """Countries (numbered in order of first mention) and their cities."""
    country_ids: dict[str, int] = {}
    for _, _, country in words.CITIES:
        country_ids.setdefault(country, len(country_ids) + 1)
    countries = Table(
        "country",
        ("country_id", "country", "last_update"),
        [(i, name, stamp) for name, i in country_ids.items()],
        "country_id",
    )
    cities = Table(
        "city",
        ("city_id", "city", "country_id", "last_update"),
        [
            (i, city, country_ids[country], stamp)
            for i, (city, _, country) in enumerate(words.CITIES, 1)
        ],
        "city_id",
    )
    return countries, cities


class AddressBook:
    """Hands out addresses one by one (stores, staff, customers) and becomes the address table."""

    def __init__(self, rng: random.Random, cities: Table, stamp: datetime):
        self._rng, self._stamp = rng, stamp
        self._city_ids = {row[1]: row[0] for row in cities.rows}
        self._rows: list[tuple] = []

    def add(self, city: str | None = None) -> int:
        """A new address in `city` (default: anywhere); returns its address_id."""
        if city is None:
            name, district, _ = self._rng.choice(words.CITIES)
        else:
            name, district, _ = next(entry for entry in words.CITIES if entry[0] == city)
        address_id = len(self._rows) + 1
        self._rows.append(
            (address_id, *_address(self._rng, self._city_ids[name], district), self._stamp)
        )
        return address_id

    def table(self) -> Table:
        columns = (
            "address_id", "address", "address2", "district", "city_id", "postal_code", "phone",
            "last_update",
        )  # fmt: skip
        return Table("address", columns, self._rows, "address_id")


def _address(rng: random.Random, city_id: int, district: str) -> tuple:
    street = f"{rng.randint(1, 1999)} {rng.choice(words.STREET_NAMES)} "
    street += rng.choice(words.STREET_SUFFIXES)
    postal_code = f"{rng.randint(10000, 99999)}"
    phone = f"{rng.randint(100, 999)}{rng.randint(1000000, 9999999)}"
    return street, None, district, city_id, postal_code, phone


def _stores_and_staff(addresses: AddressBook, stamp: datetime) -> tuple[Table, Table]:
    """Two shops, each managed by its one clerk: staff n works at store n."""
    store_rows, staff_rows = [], []
    for store_id, (city, (first, last, username)) in enumerate(
        zip(words.STORE_CITIES, words.STAFF, strict=True), 1
    ):
        store_rows.append((store_id, store_id, addresses.add(city), stamp))
        email = f"{first}.{last}@sakilastaff.com"
        staff_rows.append((store_id, first, last, addresses.add(city), email, store_id, True,
                           username, hash_password(DEMO_PASSWORD), stamp))
    stores = Table(
        "store", ("store_id", "manager_staff_id", "address_id", "last_update"), store_rows,
        "store_id",
    )  # fmt: skip
    staff = Table(
        "staff",
        ("staff_id", "first_name", "last_name", "address_id", "email", "store_id", "active",
         "username", "password", "last_update"),
        staff_rows,
        "staff_id",
    )  # fmt: skip
    return stores, staff


# --- the catalogue


FILM_COLUMNS = (
    "film_id", "title", "description", "release_year", "language_id", "original_language_id",
    "rental_duration", "rental_rate", "length", "replacement_cost", "rating", "last_update",
    "special_features", "streaming_available",
)  # fmt: skip
# `fulltext` is left out: the film trigger fills it from title and description.


def _films(rng: random.Random, count: int, stamp: datetime, films: list[Film]) -> Iterator[tuple]:
    """The film rows; each film also goes into `films`, for the tables that follow."""
    for film_id, title in enumerate(_unique_titles(rng, count), 1):
        duration = rng.randint(3, 7)
        rate = rng.choice(RENTAL_RATES)
        yield (
            film_id,
            title,
            _description(rng),
            rng.randint(1972, 2023),  # release_year
            1,  # English
            None,  # original_language_id, as in Pagila
            duration,
            rate,
            rng.randint(46, 185),  # length in minutes
            Decimal(rng.randint(9, 29)) + Decimal("0.99"),  # replacement_cost
            rng.choice(words.RATINGS),
            stamp,
            _special_features(rng),
            rng.random() < STREAMING_SHARE,
        )  # fmt: skip
        films.append(Film(film_id, duration, rate))


def _unique_titles(rng: random.Random, count: int) -> list[str]:
    """Two-word titles, each used once: a modifier or a noun, then a different noun."""
    firsts = words.TITLE_MODIFIERS + words.TITLE_NOUNS
    nouns = words.TITLE_NOUNS
    pairs = len(firsts) * len(nouns)
    usable = pairs - len(nouns)  # a noun never follows itself
    if count > usable:
        raise ValueError(f"the title vocabulary makes {usable} titles; {count} were asked for")
    # Sample a few spare pairs to replace the "X X" ones dropped below.
    picks = rng.sample(range(pairs), min(pairs, count + len(nouns)))
    titles = []
    for pick in picks:
        first, second = firsts[pick // len(nouns)], nouns[pick % len(nouns)]
        if first != second:
            titles.append(f"{first} {second}")
    return sorted(titles[:count])  # film ids follow the titles' order, as in Pagila


def _description(rng: random.Random) -> str:
    """Pagila's style: "A Thoughtful Saga of a Mad Scientist And a Robot who must ..."."""
    adjective = rng.choice(words.DESCRIPTION_ADJECTIVES)
    form = rng.choice(words.DESCRIPTION_FORMS)
    first, second, third = (_a(who) for who in rng.sample(words.CHARACTERS, 3))
    action = rng.choice(words.ACTIONS)
    place = rng.choice(words.PLACES)
    article = _a(adjective)
    head = f"{article[0].upper()}{article[1:]} {form} of {first}"
    shape = rng.randrange(3)
    if shape == 0:
        return f"{head} And {second} who must {action} {third} in {place}"
    if shape == 1:
        return f"{head} who must {action} {second} in {place}"
    return f"{head} And {second} who must {action} {third}"


def _a(noun: str) -> str:
    return f"{'an' if noun[0] in 'AEIOU' else 'a'} {noun}"


def _special_features(rng: random.Random) -> list[str]:
    chosen = [feature for feature in words.SPECIAL_FEATURES if rng.random() < 0.5]
    return chosen or [rng.choice(words.SPECIAL_FEATURES)]


def _film_category(rng: random.Random, films: list[Film], stamp: datetime) -> Iterator[tuple]:
    for film in films:
        yield film.film_id, rng.randint(1, len(words.CATEGORIES)), stamp


def _actors(rng: random.Random, count: int, stamp: datetime) -> Table:
    rows = [(i, first, last, stamp) for i, (first, last) in enumerate(_unique_names(rng, count), 1)]
    return Table("actor", ("actor_id", "first_name", "last_name", "last_update"), rows, "actor_id")


def _film_actor(
    rng: random.Random, films: list[Film], actors: int, stamp: datetime
) -> Iterator[tuple]:
    # 1..10 actors, most films 4..7
    cast_size = _chooser(rng, range(1, 11), (2, 4, 8, 12, 14, 14, 12, 8, 5, 3))
    for film in films:
        size = cast_size()
        cast = sorted(rng.sample(range(1, actors + 1), min(size, actors)))
        for actor_id in cast:
            yield actor_id, film.film_id, stamp


def _chooser(
    rng: random.Random, population: Sequence[_Item], weights: Sequence[float]
) -> Callable[[], _Item]:
    """What rng.choices(population, weights)[0] does (the same draw, the same item), without
    its setup at each of a few hundred thousand calls."""
    cum_weights = list(accumulate(weights))
    total, last, random = cum_weights[-1] + 0.0, len(population) - 1, rng.random
    return lambda: population[bisect(cum_weights, random() * total, 0, last)]


def _unique_names(rng: random.Random, count: int) -> list[tuple[str, str]]:
    """(first, last) pairs, all different while the vocabulary allows (up to scale 68)."""
    firsts, lasts = words.FIRST_NAMES, words.LAST_NAMES
    pairs = len(firsts) * len(lasts)
    if count <= pairs:
        picks = rng.sample(range(pairs), count)
    else:  # a very large store repeats names, as a real one would
        picks = [rng.randrange(pairs) for _ in range(count)]
    return [(firsts[pick // len(lasts)], lasts[pick % len(lasts)]) for pick in picks]


# --- customers and copies


def _customers(
    rng: random.Random, count: int, addresses: AddressBook, today: date, stamp: datetime
) -> tuple[Table, list[Customer]]:
    names = _unique_names(rng, count - len(words.AMBIGUOUS_LAST_NAMES))
    # The two WILLIEs go in at seed-chosen places, like any other customer.
    ambiguous = sorted(rng.sample(range(count), len(words.AMBIGUOUS_LAST_NAMES)))
    for position, last in zip(ambiguous, words.AMBIGUOUS_LAST_NAMES, strict=True):
        names.insert(position, (words.AMBIGUOUS_FIRST_NAME, last))

    emails: dict[str, int] = {}
    rows, customers = [], []
    for customer_id, (first, last) in enumerate(names, 1):
        store_id = 1 if rng.random() < 0.55 else 2
        # The WILLIEs stay active so that renting to "Willie" is really ambiguous.
        active = first == words.AMBIGUOUS_FIRST_NAME or rng.random() >= INACTIVE_SHARE
        local = f"{first}.{last}"
        emails[local] = emails.get(local, 0) + 1
        if emails[local] > 1:  # only when names repeat (very large scales)
            local += str(emails[local])
        created = today - timedelta(days=rng.randint(HISTORY_DAYS + 20, 1500))
        rows.append((
            customer_id, store_id, first, last, f"{local}@sakilacustomer.org",
            addresses.add(), active, created, stamp, int(active),
        ))  # fmt: skip
        customers.append(Customer(customer_id, store_id, active))
    columns = (
        "customer_id", "store_id", "first_name", "last_name", "email", "address_id",
        "activebool", "create_date", "last_update", "active",
    )  # fmt: skip
    return Table("customer", columns, rows, "customer_id"), customers


def _inventory(
    rng: random.Random, films: list[Film], stamp: datetime, copies: list[Copy]
) -> Iterator[tuple]:
    """0..4 copies per store; about 3% of films have none at all (not stocked). Each copy also
    goes into `copies`, whose n-th item is inventory_id n + 1."""
    per_store = _chooser(rng, range(5), (10, 15, 30, 30, 15))
    for film in films:
        if rng.random() < 0.03:
            continue
        counts = [per_store() for _ in (1, 2)]
        if counts == [0, 0]:
            counts[rng.randrange(2)] = 1
        for store_id, count in enumerate(counts, 1):
            for _ in range(count):
                inventory_id = len(copies) + 1
                copies.append(Copy(inventory_id, film, store_id))
                yield inventory_id, film.film_id, store_id, stamp


# --- rentals: one timeline per copy, so a copy is never out twice at once


RENTAL_COLUMNS = (
    "rental_id", "rental_date", "inventory_id", "customer_id", "return_date", "staff_id",
    "last_update",
)  # fmt: skip
PAYMENT_COLUMNS = ("payment_id", "customer_id", "staff_id", "rental_id", "amount", "payment_date")
# The columns' types that the binary COPY data of rentals and payments is made for.
RENTAL_TYPES = ("int4", "timestamptz", "int4", "int4", "timestamptz", "int4", "timestamptz")
PAYMENT_TYPES = ("int4", "int4", "int4", "int4", "numeric", "timestamptz")


class RentalHistory:
    """The rentals, made when their rows are first read, and the payments for them.

    A rental is four numbers in arrays (a million rentals take 24 MB), in rental_id order: its
    start and end (seconds from the start of `today`; STILL_OUT while it is out), its copy (an
    index in `copies`, whose n-th is inventory_id n + 1) and its customer. What the rows need
    of a copy is in arrays too. Rows made from arrays read in order, rather than from objects
    looked up all over memory, are several times quicker to make.

    With `copy_data`, the rows come as binary COPY data: as tuples of dates and decimals, the
    big tables take psycopg longer to write than to make.
    """

    def __init__(self, stamp: datetime, *, copy_data: bool):
        self._stamp = stamp
        self._copy_data = copy_data
        self._starts = array("q")
        self._ends = array("q")
        self._copy = array("i")
        self._customer = array("i")
        # By copy: its store (and clerk), its film's rental duration in seconds and rate.
        self._store = array("b")
        self._due = array("i")
        self._rate: list[Decimal] = []

    def rental_table(
        self, rng: random.Random, copies: list[Copy], customers: list[Customer], count: int
    ) -> Table:
        """`count` rentals over the last HISTORY_DAYS days, in date order (then by copy)."""
        if self._copy_data:
            rows = _binary_copy_data(self._rental_data(rng, copies, customers, count))
        else:
            rows = self._rental_rows(rng, copies, customers, count)
        return Table("rental", RENTAL_COLUMNS, rows, "rental_id", slow_first_row=True,
                     copy_types=RENTAL_TYPES if self._copy_data else None)  # fmt: skip

    def payment_table(self) -> Table:
        """A payment for each returned rental on its return, late fees included; in date order
        (the rentals' rows read first)."""
        rows = _binary_copy_data(self._payment_data()) if self._copy_data else self._payment_rows()
        return Table("payment", PAYMENT_COLUMNS, rows, "payment_id",
                     slow_first_row=True,  # sorted by date first
                     copy_types=PAYMENT_TYPES if self._copy_data else None)  # fmt: skip

    def _rental_rows(
        self, rng: random.Random, copies: list[Copy], customers: list[Customer], count: int
    ) -> Iterator[tuple]:
        self._make(rng, copies, customers, count)
        stamp, stores = self._stamp, self._store
        rentals = zip(self._starts, self._ends, self._copy, self._customer, strict=True)
        for rental_id, (start, end, at, customer_id) in enumerate(rentals, 1):
            rented = stamp + timedelta(0, start)  # (days, seconds): quicker than seconds=
            returned = None if end == STILL_OUT else stamp + timedelta(0, end)
            yield (rental_id, rented, at + 1, customer_id, returned,
                   stores[at],  # the clerk of the copy's store
                   returned or rented)  # fmt: skip

    def _rental_data(
        self, rng: random.Random, copies: list[Copy], customers: list[Customer], count: int
    ) -> Iterator[bytes]:
        """The rows of `_rental_rows`, each in binary COPY format (RENTAL_TYPES)."""
        self._make(rng, copies, customers, count)
        base, stores = _copy_time(self._stamp), self._store
        returned, still_out = _RENTAL_RETURNED.pack, _RENTAL_OUT.pack
        rentals = zip(self._starts, self._ends, self._copy, self._customer, strict=True)
        for rental_id, (start, end, at, customer_id) in enumerate(rentals, 1):
            rented = base + start * _MICROSECONDS
            if end == STILL_OUT:
                yield still_out(7, 4, rental_id, 8, rented, 4, at + 1, 4, customer_id, -1,
                                4, stores[at], 8, rented)  # fmt: skip
            else:
                back = base + end * _MICROSECONDS
                yield returned(7, 4, rental_id, 8, rented, 4, at + 1, 4, customer_id, 8, back,
                               4, stores[at], 8, back)  # fmt: skip

    def _payments(self) -> Iterator[tuple[int, int, int, int]]:
        """(payment_id, rental_id, when paid, whole days late) of each payment, in date order
        (then by rental_id)."""
        starts, ends, copy_of, due = self._starts, self._ends, self._copy, self._due
        width = len(ends) + 1
        # (return, rental_id) as one number: sorting numbers is faster than sorting pairs.
        returns = sorted(
            end * width + rental_id for rental_id, end in enumerate(ends, 1) if end != STILL_OUT
        )
        for payment_id, key in enumerate(returns, 1):
            paid, rental_id = divmod(key, width)
            late = (paid - starts[rental_id - 1] - due[copy_of[rental_id - 1]]) // DAY
            yield payment_id, rental_id, paid, late if late > 0 else 0

    def _payment_rows(self) -> Iterator[tuple]:
        stamp, copy_of, customer, stores, rates = (
            self._stamp, self._copy, self._customer, self._store, self._rate
        )  # fmt: skip
        for payment_id, rental_id, paid, late in self._payments():
            at = copy_of[rental_id - 1]
            amount = rates[at] + late if late else rates[at]  # $1 a day late (Pagila's fee)
            yield (payment_id, customer[rental_id - 1], stores[at], rental_id, amount,
                   stamp + timedelta(0, paid))  # fmt: skip

    def _payment_data(self) -> Iterator[bytes]:
        """The rows of `_payment_rows`, each in binary COPY format (PAYMENT_TYPES)."""
        base, copy_of, customer, stores, rates = (
            _copy_time(self._stamp), self._copy, self._customer, self._store, self._rate
        )  # fmt: skip
        ids, date, amounts = _PAYMENT_IDS.pack, _PAYMENT_DATE.pack, _NumericFields()
        for payment_id, rental_id, paid, late in self._payments():
            at = copy_of[rental_id - 1]
            yield (ids(6, 4, payment_id, 4, customer[rental_id - 1], 4, stores[at], 4, rental_id)
                   + amounts[rates[at] + late if late else rates[at]]
                   + date(8, base + paid * _MICROSECONDS))  # fmt: skip

    def _make(
        self, rng: random.Random, copies: list[Copy], customers: list[Customer], count: int
    ) -> None:
        """`count` rentals, OPEN_SHARE of them still out; each copy's one after another."""
        for copy in copies:
            self._store.append(copy.store_id)
            self._due.append(copy.film.rental_duration * DAY)
            self._rate.append(copy.film.rental_rate)
        open_starts = _open_rentals(rng, copies, round(count * OPEN_SHARE))
        closed_per_copy = _spread_over_copies(rng, copies, count - len(open_starts))
        starts, ends, copy_of = _lay_out(rng, copies, closed_per_copy, open_starts)
        customer = _renters(rng, customers, self._store, copy_of, ends)
        # Into rental_id order: by start, then inventory_id (the copy's index + 1), which is
        # unique since a copy's rentals never start together. Each rental is packed in one
        # number, those two first, then its time out (0: still out) and its customer: sorting
        # numbers is quick, and reading a rental back from its own number is quicker than from
        # four arrays at places all over them.
        closed = (end - start for start, end in zip(starts, ends, strict=True) if end != STILL_OUT)
        copy_span, customer_span = len(copies), max(customer, default=0) + 1
        out_span = max(closed, default=0) + 1
        keys = [
            ((start * copy_span + index) * out_span + (0 if end == STILL_OUT else end - start))
            * customer_span
            + customer_id
            for start, end, index, customer_id in zip(starts, ends, copy_of, customer, strict=True)
        ]
        del starts, ends, copy_of, customer
        keys.sort()
        add_start, add_end, add_copy, add_customer = (
            self._starts.append, self._ends.append, self._copy.append, self._customer.append
        )  # fmt: skip
        for key in keys:
            rest, customer_id = divmod(key, customer_span)
            rest, time_out = divmod(rest, out_span)
            start, index = divmod(rest, copy_span)
            add_start(start)
            add_end(start + time_out if time_out else STILL_OUT)
            add_copy(index)
            add_customer(customer_id)


# Binary COPY data: a header (no flags, no extension), the rows, a trailer. A row is its number
# of fields, then each field's length in bytes (-1: NULL) and its value; a timestamptz is
# microseconds since 2000.
_COPY_HEADER = b"PGCOPY\n\xff\r\n\x00" + bytes(8)
_COPY_TRAILER = struct.pack("!h", -1)
_COPY_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
_MICROSECONDS = 1_000_000  # a second's
_ROWS_PER_CHUNK = 1024
_RENTAL_RETURNED = struct.Struct("!h ii iq ii ii iq ii iq")  # RENTAL_TYPES
_RENTAL_OUT = struct.Struct("!h ii iq ii ii i ii iq")  # still out: no return_date
_PAYMENT_IDS = struct.Struct("!h ii ii ii ii")  # PAYMENT_TYPES, up to the amount
_PAYMENT_DATE = struct.Struct("!iq")  # after the amount


def _binary_copy_data(rows: Iterable[bytes]) -> Iterator[bytes]:
    """Rows in binary COPY format as whole COPY data, in chunks of rows.

    The header goes with the first rows, so the first chunk is only as slow as the first row.
    """
    rows = iter(rows)
    chunks = iter(lambda: b"".join(islice(rows, _ROWS_PER_CHUNK)), b"")
    yield _COPY_HEADER + next(chunks, b"")
    yield from chunks
    yield _COPY_TRAILER


def _copy_time(stamp: datetime) -> int:
    """`stamp` as a timestamptz in binary COPY data."""
    return (stamp - _COPY_EPOCH) // timedelta(microseconds=1)


class _NumericFields(dict[Decimal, bytes]):
    """A decimal's numeric field (length and value) in binary COPY data, made by psycopg
    once for each of the few amounts there are."""

    def __missing__(self, value: Decimal) -> bytes:
        numeric = psycopg.adapters.types["numeric"].oid
        dumper = psycopg.adapters.get_dumper_by_oid(numeric, pq.Format.BINARY)(Decimal)
        data = bytes(dumper.dump(value))
        field = self[value] = struct.pack("!i", len(data)) + data
        return field


def _open_rentals(rng: random.Random, copies: list[Copy], count: int) -> dict[int, int]:
    """The copies out right now and when each went out: {index in `copies`: start}.

    Each store gets half: of those, half are current, a quarter late by days and a quarter
    kept too long. Chosen by kind rather than drawn at random, so that every store has each
    kind whatever the seed, the day and the hour.
    """
    starts: dict[int, int] = {}
    for store_id, out in ((1, count // 2), (2, count - count // 2)):
        at_store = [i for i, copy in enumerate(copies) if copy.store_id == store_id]
        # Only films rented for LATE_MIN_DURATION days or more can be late by days (below).
        can_be_late = [i for i in at_store if copies[i].film.rental_duration >= LATE_MIN_DURATION]
        late = rng.sample(can_be_late, out // 4)
        chosen = set(late)
        others = rng.sample([i for i in at_store if i not in chosen], out - len(late))
        lost, current = others[: out // 4], others[out // 4 :]
        kinds = ((current, _current_start), (late, _late_start), (lost, _lost_start))
        for indices, start_of in kinds:
            for index in indices:
                starts[index] = start_of(rng, copies[index].film.rental_duration)
    return starts


# A rental still out stays of its kind from the start of today to the end of the next day (a
# run may cross midnight): the bounds below leave a day, and an hour, to spare at each edge.


def _current_start(rng: random.Random, duration: int) -> int:
    """Not yet due: rented before today, due back over a day after today ends."""
    return -rng.randint(HOUR, (duration - 2) * DAY - HOUR)


def _late_start(rng: random.Random, duration: int) -> int:
    """Late by days ($1 a day): 2 whole days late or more when today starts, and still over a
    day short of twice the rental duration (the replacement cost) when today ends."""
    return -rng.randint((duration + 2) * DAY + HOUR, (2 * duration - 2) * DAY - HOUR)


def _lost_start(rng: random.Random, duration: int) -> int:
    """Kept too long (the replacement cost): out over twice the rental duration and a day more
    when today starts."""
    return -rng.randint((2 * duration + 1) * DAY + HOUR, (2 * duration + 21) * DAY)


def _spread_over_copies(rng: random.Random, copies: list[Copy], count: int) -> list[int]:
    """How many closed rentals each copy had: popular films' copies go out more often."""
    if not copies:
        return []
    popularity: dict[int, float] = {}
    weights = []
    for copy in copies:
        film_id = copy.film.film_id
        if film_id not in popularity:
            popularity[film_id] = rng.uniform(0.3, 2.0)
        weights.append(popularity[film_id])
    cum_weights = list(accumulate(weights))
    # rng.choices(range(len(copies)), cum_weights=cum_weights, k=count), counted per copy:
    # the same draws (a random() each, in turn), sorted, then counted between the weights in
    # one pass rather than looked up one by one (a million lookups in a long list).
    total, random = cum_weights[-1], rng.random
    draws = [random() * total for _ in range(count)]
    draws.sort()
    below = [bisect_left(draws, weight) for weight in cum_weights[:-1]] + [count]
    return [high - low for low, high in zip([0, *below[:-1]], below, strict=True)]


def _lay_out(
    rng: random.Random, copies: list[Copy], closed_per_copy: list[int], open_starts: dict[int, int]
) -> tuple[array, array, array]:
    """The rentals' starts, ends and copies, copy by copy: its closed rentals, then the one
    still out (`open_starts`), if any.

    A copy's closed rentals fit between the history's start and `until`: lay their times out,
    then spread the idle time between them at random, so that they never overlap.

    Millions of `randint` draws: each is made here as randint makes it, from `getrandbits`
    until a number is in range (the same numbers, the same state after), without its calls.
    """
    since = -HISTORY_DAYS * DAY
    random, getrandbits = rng.random, rng.getrandbits
    late_span = MAX_DAYS_LATE * DAY - 1800 + 1  # randint(1800, MAX_DAYS_LATE * DAY)
    late_bits = late_span.bit_length()
    starts, ends, copy_of = array("q"), array("q"), array("i")
    for index, copy in enumerate(copies):
        latest = open_starts.get(index)
        # Closed rentals end before the open one starts (or before today): it stays the
        # latest.
        until = 0 if latest is None else latest - rng.randint(HOUR, DAY)
        # Seconds out: mostly within the rental duration, randint(2 * HOUR, due), sometimes
        # days late, due + randint(1800, MAX_DAYS_LATE * DAY).
        due = copy.film.rental_duration * DAY
        span = due - 2 * HOUR + 1
        bits = span.bit_length()
        lengths = []
        for _ in range(closed_per_copy[index]):
            if random() < LATE_RETURN_SHARE:
                r = getrandbits(late_bits)
                while r >= late_span:
                    r = getrandbits(late_bits)
                lengths.append(due + 1800 + r)
            else:
                r = getrandbits(bits)
                while r >= span:
                    r = getrandbits(bits)
                lengths.append(2 * HOUR + r)
        room, busy = until - since, sum(lengths)
        while lengths and busy > room:
            busy -= lengths.pop()  # not enough room before the open rental: this copy had fewer
        span = room - busy + 1  # randint(0, room - busy) each
        bits = span.bit_length()
        offsets = []
        for _ in lengths:
            r = getrandbits(bits)
            while r >= span:
                r = getrandbits(bits)
            offsets.append(r)
        offsets.sort()
        used = since
        for offset, length in zip(offsets, lengths, strict=True):
            start = offset + used
            starts.append(start)
            ends.append(start + length)
            copy_of.append(index)
            used += length
        if latest is not None:
            starts.append(latest)
            ends.append(STILL_OUT)
            copy_of.append(index)
    return starts, ends, copy_of


def _renters(
    rng: random.Random, customers: list[Customer], stores: array, copy_of: array, ends: array
) -> array:
    """A renter for each rental (of copy `copy_of`, ending `ends`; `stores` by copy): mostly
    from the copy's store, some customers more than others; only active customers have
    rentals still out."""
    weight = {c.customer_id: rng.uniform(0.3, 1.7) for c in customers}
    pools: dict[tuple[int, bool], tuple[list[int], list[float]]] = {}
    for store_id in (1, 2):
        for only_active in (False, True):
            chosen = [
                c.customer_id
                for c in customers
                if c.store_id == store_id and (c.active or not only_active)
            ]
            pools[store_id, only_active] = (
                chosen,
                list(accumulate(weight[customer_id] for customer_id in chosen)),
            )

    def pool(store_id: int, only_active: bool) -> tuple[array, array, float, int]:
        ids, cum_weights = pools[store_id, only_active]
        if not ids:  # none at that store: the other store's
            ids, cum_weights = pools[3 - store_id, only_active]
        # Arrays: the million lookups below stay in the processor's caches.
        return array("i", ids), array("d", cum_weights), cum_weights[-1], len(ids) - 1

    # By still out, then by the copy's store: (that store's pool, the other store's).
    near_far = [
        [(), *((pool(store, only_active), pool(3 - store, only_active)) for store in (1, 2))]
        for only_active in (False, True)
    ]
    random = rng.random
    renters = array("i")
    for index, end in zip(copy_of, ends, strict=True):
        near, far = near_far[end == STILL_OUT][stores[index]]
        ids, cum_weights, total, last = near if random() < HOME_STORE_SHARE else far
        # What rng.choices(ids, cum_weights=cum_weights)[0] does (the same draw, the same
        # customer), without making a list for each of a million rentals.
        renters.append(ids[bisect(cum_weights, random() * total, 0, last)])
    return renters


def _subscriptions(
    rng: random.Random, customers: list[Customer], today: date, stamp: datetime
) -> Table:
    """About 10% of customers stream; a quarter of those subscriptions have ended."""
    rows = []
    for customer in customers:
        if rng.random() >= SUBSCRIBER_SHARE:
            continue
        plan = rng.choice(words.STREAMING_PLANS)
        if rng.random() < 0.25:
            start = today - timedelta(days=rng.randint(120, 700))
            end = start + timedelta(days=rng.randint(30, 110))
        else:
            start, end = today - timedelta(days=rng.randint(1, 365)), None
        rows.append((len(rows) + 1, customer.customer_id, plan, start, end, stamp))
    return Table(
        "streaming_subscription",
        ("id", "customer_id", "plan_name", "start_date", "end_date", "last_update"),
        rows,
        "id",
    )
