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
lists. Each part of the store draws from its own `random.Random`, seeded with the seed and
the part's name, so changing how customers are made does not reshuffle the films. Nothing
iterates over sets, so the hash seed cannot change the result.

The load is a bulk load (PostgreSQL's "Populating a Database"), all in one transaction: the
loaded tables' foreign keys and the indexes no constraint needs are dropped and made again
from their catalog definitions once the rows are in; the tables are truncated first, so
COPY can FREEZE the rows and, under wal_level = minimal (the embedded server's, see
assistant/db.py), skip the write-ahead log; COPY goes in binary where it can; and each
table is analyzed. While the rental history is made (Python), the server builds the indexes
of the tables already loaded.
"""

from __future__ import annotations

import random
import re
from array import array
from bisect import bisect, bisect_left
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from itertools import accumulate, chain

from psycopg import Cursor, ProgrammingError, pq, sql

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


class StoreNotEmpty(RuntimeError):
    """The target database already has films: the demo data only goes into an empty store."""


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[str, ...]
    # A list from `build_store`; from `store_tables`, an iterator made as it is read.
    rows: Iterable[tuple]
    id_column: str | None = None  # serial key whose sequence must move past the loaded ids
    # The first row is long in coming (the whole rental history is made for it): the loader
    # has the server build the indexes of the tables before meanwhile.
    slow_first_row: bool = False


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
            with conn.cursor() as cur:
                _refuse_non_empty(cur)
                _load(cur, store_tables(scale=scale, seed=seed, today=today), counts)
            conn.commit()
        finally:
            proxy.close()  # back to the pool, which rolls back anything uncommitted
    finally:
        engine.dispose()
    return counts


def _load(cur: Cursor, tables: Iterable[Table], counts: dict[str, int]) -> None:
    """COPY the tables in, their indexes and foreign keys set aside and made again after."""
    # Sorting for the index builds, hashing for the foreign keys' checks.
    cur.execute("SET LOCAL maintenance_work_mem = '256MB'")
    cur.execute("SET LOCAL work_mem = '64MB'")
    indexes, keys = _set_aside_indexes_and_keys(cur)
    truncated = _truncate(cur)
    highest: dict[str, tuple[str, int | None]] = {}
    loaded: set[str] = set()
    pending: list[sql.Composable] = []  # what the loaded tables are owed, in order

    def build() -> None:
        for statement in pending:
            cur.execute(statement)
        pending.clear()

    for table in tables:
        rows: Iterable[tuple] = table.rows
        if table.slow_first_row:  # the server builds meanwhile, instead of after
            rows = _first_row_while(iter(rows), build)
        counts[table.name], top = _copy_rows(cur, table, rows, freeze=table.name in truncated)
        if table.id_column is not None:
            highest[table.name] = (table.id_column, top)
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
    _advance_sequences(cur, highest)


def _first_row_while(rows: Iterator[tuple], work: Callable[[], None]) -> Iterator[tuple]:
    """`rows`, their first row made in a thread while `work()` runs here.

    Making the rental history is all Python, and building indexes all server: `work` waits
    on the server without holding the GIL, so the two run side by side. The thread never
    touches the connection.
    """
    with ThreadPoolExecutor(max_workers=1) as thread:
        first = thread.submit(next, rows, None)
        work()
        row = first.result()
    return rows if row is None else chain((row,), rows)


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
    """Drop the loaded tables' foreign keys and the indexes no constraint needs; return what
    makes them again, read from the catalog (whichever migration made them): the indexes'
    statements by table, and the keys.

    Checking each row's keys and growing each index a row at a time is most of a large load's
    work; an index built once over the loaded rows, and a key checked with one join, are
    not. Primary keys and unique constraints stay: they are cheap on ids loaded in order, and
    other tables' keys lean on them. Only plain tables (not partitioned, not partitions).
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
           ORDER BY i.indrelid::regclass::text, i.indexrelid::regclass::text""",
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


def _copy_rows(
    cur: Cursor, table: Table, rows: Iterable[tuple], *, freeze: bool
) -> tuple[int, int | None]:
    """COPY `rows` into the table; return how many and the highest id (None: no id column or
    no rows).

    In binary when psycopg can write every column so (the big tables: numbers and times), which
    spares formatting each value as text and the server parsing it back.
    """
    types = _column_types(cur, table)
    binary = all(_dumps_binary(cur, oid) for oid in types)
    options = [sql.SQL(option) for option, wanted in (("FORMAT binary", binary), ("FREEZE", freeze))
               if wanted]  # fmt: skip
    statement = sql.SQL("COPY {} ({}) FROM STDIN {}").format(
        sql.Identifier(table.name),
        sql.SQL(", ").join(map(sql.Identifier, table.columns)),
        sql.SQL("({})").format(sql.SQL(", ").join(options)) if options else sql.SQL(""),
    )
    key = None if table.id_column is None else table.columns.index(table.id_column)
    count, highest = 0, None
    with cur.copy(statement) as copy:
        if binary:
            copy.set_types(types)
        write = copy.write_row
        for row in rows:
            write(row)
            count += 1
            if key is not None and (highest is None or row[key] > highest):
                highest = row[key]
    return count, highest


def _column_types(cur: Cursor, table: Table) -> list[int]:
    """The type (oid) of each of the table's columns, in the order of `table.columns`."""
    cur.execute(
        """SELECT a.atttypid FROM unnest(%s::text[]) WITH ORDINALITY AS c (name, n)
           JOIN pg_attribute a ON a.attrelid = %s::regclass AND a.attname = c.name
           ORDER BY c.n""",
        (list(table.columns), table.name),
    )
    return [oid for (oid,) in cur.fetchall()]


def _dumps_binary(cur: Cursor, oid: int) -> bool:
    try:
        cur.adapters.get_dumper_by_oid(oid, pq.Format.BINARY)
    except ProgrammingError:  # a domain, an enum...: that table goes as text
        return False
    return True


def _advance_sequences(cur: Cursor, highest: dict[str, tuple[str, int | None]]) -> None:
    """Move each serial past the ids loaded, so the app's own inserts get fresh ids."""
    for table, (column, top) in highest.items():
        sequence = _sequence_of(cur, table, column)
        if sequence is None:
            continue
        if top is None:
            cur.execute("SELECT setval(%s::regclass, 1, false)", (sequence,))
        else:
            cur.execute("SELECT setval(%s::regclass, %s)", (sequence, top))


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


def store_tables(*, scale: int = 1, seed: int = DEFAULT_SEED, today: date) -> Iterator[Table]:
    """The demo store, table by table, in an order that satisfies the foreign keys (TABLES).

    Each table's rows are an iterator, made as it is read: read a table's rows before asking
    for the next table (rows left unread are made then anyway: later tables build on them).
    Only the small tables (customers and their addresses) are held as rows.
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
    rentals = RentalHistory(stamp)
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
        Table("rental", RENTAL_COLUMNS,
              rentals.rental_rows(_rng(seed, "rentals"), copies, customer_list, RENTALS * scale),
              "rental_id", slow_first_row=True),
        Table("payment", PAYMENT_COLUMNS, rentals.payment_rows(), "payment_id",
              slow_first_row=True),  # sorted by date first
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
    cast_sizes = range(1, 11)
    weights = (2, 4, 8, 12, 14, 14, 12, 8, 5, 3)  # 1..10 actors, most films 4..7
    for film in films:
        (size,) = rng.choices(cast_sizes, weights=weights)
        cast = sorted(rng.sample(range(1, actors + 1), min(size, actors)))
        for actor_id in cast:
            yield actor_id, film.film_id, stamp


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
    per_store, weights = range(5), (10, 15, 30, 30, 15)
    for film in films:
        if rng.random() < 0.03:
            continue
        counts = [rng.choices(per_store, weights=weights)[0] for _ in (1, 2)]
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


class RentalHistory:
    """The rentals, made when their rows are first read, and the payments for them.

    A rental is four numbers in arrays (a million rentals take 28 MB): its start and
    end (seconds from the start of `today`; STILL_OUT while it is out), its copy (an index
    in `copies`) and its customer. `order` lists them by rental_id.
    """

    def __init__(self, stamp: datetime):
        self._stamp = stamp
        self._copies: list[Copy] = []
        self._starts = array("q")
        self._ends = array("q")
        self._copy = array("i")
        self._customer = array("i")
        self._order = array("i")

    def rental_rows(
        self, rng: random.Random, copies: list[Copy], customers: list[Customer], count: int
    ) -> Iterator[tuple]:
        """`count` rentals over the last HISTORY_DAYS days, in date order (then by copy)."""
        self._make(rng, copies, customers, count)
        stamp, starts, ends = self._stamp, self._starts, self._ends
        copy_of, customer = self._copy, self._customer
        for rental_id, index in enumerate(self._order, 1):
            copy = copies[copy_of[index]]
            rented = stamp + timedelta(0, starts[index])  # (days, seconds): quicker than seconds=
            end = ends[index]
            returned = None if end == STILL_OUT else stamp + timedelta(0, end)
            yield (rental_id, rented, copy.inventory_id, customer[index], returned,
                   copy.store_id,  # the clerk of the copy's store
                   returned or rented)  # fmt: skip

    def payment_rows(self) -> Iterator[tuple]:
        """A payment for each returned rental on its return, late fees included; in date order."""
        starts, ends, order = self._starts, self._ends, self._order
        width = len(order) + 1
        # (return, rental_id) as one number: sorting numbers is faster than sorting pairs.
        returns = sorted(
            ends[index] * width + rental_id
            for rental_id, index in enumerate(order, 1)
            if ends[index] != STILL_OUT
        )
        stamp, copies, copy_of, customer = self._stamp, self._copies, self._copy, self._customer
        for payment_id, key in enumerate(returns, 1):
            end, rental_id = divmod(key, width)
            index = order[rental_id - 1]
            copy = copies[copy_of[index]]
            film = copy.film
            # Whole days past the film's rental duration, $1 each (Pagila's late fee).
            late = (end - starts[index] - film.rental_duration * DAY) // DAY
            amount = film.rental_rate + late if late > 0 else film.rental_rate
            yield (payment_id, customer[index], copy.store_id, rental_id, amount,
                   stamp + timedelta(0, end))  # fmt: skip

    def _make(
        self, rng: random.Random, copies: list[Copy], customers: list[Customer], count: int
    ) -> None:
        """`count` rentals, OPEN_SHARE of them still out; each copy's one after another."""
        self._copies = copies
        open_starts = _open_rentals(rng, copies, round(count * OPEN_SHARE))
        closed_per_copy = _spread_over_copies(rng, copies, count - len(open_starts))
        starts, ends, copy_of = self._starts, self._ends, self._copy
        for index, copy in enumerate(copies):
            latest = open_starts.get(index)
            # Closed rentals end before the open one starts (or before today): it stays the
            # latest.
            until = 0 if latest is None else latest - rng.randint(HOUR, DAY)
            for start, end in _closed_rentals(rng, copy, closed_per_copy[index], until):
                starts.append(start)
                ends.append(end)
                copy_of.append(index)
            if latest is not None:
                starts.append(latest)
                ends.append(STILL_OUT)
                copy_of.append(index)

        pick = _customer_picker(rng, customers)
        self._customer.extend(
            pick(copies[index].store_id, only_active=end == STILL_OUT)
            for index, end in zip(copy_of, ends, strict=True)
        )
        # By (start, inventory_id), each rental's index packed in the same number: unique,
        # since a copy's rentals never start together; inventory_id is the copy's index + 1.
        total, width = len(starts), len(copies) + 1
        keys = sorted(
            (start * width + index) * total + rental
            for rental, (start, index) in enumerate(zip(starts, copy_of, strict=True))
        )
        self._order.extend(key % total for key in keys)


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
    total = cum_weights[-1]
    draws = sorted(rng.random() * total for _ in range(count))
    below = [bisect_left(draws, weight) for weight in cum_weights[:-1]] + [count]
    return [high - low for low, high in zip([0, *below[:-1]], below, strict=True)]


def _closed_rentals(
    rng: random.Random, copy: Copy, count: int, until: int
) -> list[tuple[int, int]]:
    """`count` returned rentals of one copy between the history's start and `until`, as
    (start, end) pairs.

    Lay the times out, then spread the idle time between them at random: rentals of one
    copy follow each other and never overlap.
    """
    since, duration = -HISTORY_DAYS * DAY, copy.film.rental_duration
    lengths = [_time_out(rng, duration) for _ in range(count)]
    while lengths and sum(lengths) > until - since:
        lengths.pop()  # not enough room before the open rental: this copy had fewer
    idle = until - since - sum(lengths)
    offsets = sorted(rng.randint(0, idle) for _ in lengths)
    rentals, used = [], 0
    for offset, length in zip(offsets, lengths, strict=True):
        start = since + offset + used
        rentals.append((start, start + length))
        used += length
    return rentals


def _time_out(rng: random.Random, duration: int) -> int:
    """Seconds a copy stayed out: mostly within the rental duration, sometimes days late."""
    if rng.random() < LATE_RETURN_SHARE:
        return duration * DAY + rng.randint(1800, MAX_DAYS_LATE * DAY)
    return rng.randint(2 * 3600, duration * DAY)


def _customer_picker(rng: random.Random, customers: list[Customer]):
    """A chooser of renters: mostly from the copy's store, some customers more than others."""
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

    random = rng.random

    def pick(store_id: int, *, only_active: bool) -> int:
        home = store_id if random() < HOME_STORE_SHARE else 3 - store_id
        ids, cum_weights = pools[home, only_active]
        if not ids:
            ids, cum_weights = pools[3 - home, only_active]
        # What rng.choices(ids, cum_weights=cum_weights)[0] does (the same draw, the same
        # customer), without making a list for each of a million rentals.
        return ids[bisect(cum_weights, random() * cum_weights[-1], 0, len(ids) - 1)]

    return pick


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
