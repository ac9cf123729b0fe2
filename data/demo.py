"""The demo store: a deterministic, Pagila-shaped data set of the project's own making.

`generate(url)` fills an upgraded, empty store database. Everything is decided by the seed
except dates, which are laid out relative to `today` (UTC), so a fresh demo always has rentals
that are out right now and some that are overdue. Same seed and same `today`: same rows.

What tests and demos rely on holds at any time of `today`, and on into the next day (a run
may cross midnight): each store has rentals out that are not yet due, rentals late by a few
days ($1 a day), and rentals kept over twice their rental period (the replacement cost).

The data is built first as plain rows (`build_store`, no database involved), then loaded with
COPY in one transaction. Each part of the store draws from its own `random.Random`, seeded
with the seed and the part's name, so changing how customers are made does not reshuffle
the films. Nothing iterates over sets, so the hash seed cannot change the result.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from itertools import accumulate

from psycopg import Cursor, sql

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


class StoreNotEmpty(RuntimeError):
    """The target database already has films: the demo data only goes into an empty store."""


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[str, ...]
    rows: list[tuple]
    id_column: str | None = None  # serial key whose sequence must move past the loaded ids


@dataclass(frozen=True)
class Film:
    film_id: int
    rental_duration: int
    rental_rate: Decimal


@dataclass(frozen=True)
class Copy:
    inventory_id: int
    film: Film
    store_id: int


@dataclass(frozen=True)
class Customer:
    customer_id: int
    store_id: int
    active: bool


@dataclass
class Rental:
    start: int  # seconds relative to the start of `today` (negative: in the past)
    end: int | None  # None: still out
    copy: Copy
    customer_id: int = 0


# --------------------------------------------------------------------------- generate


def generate(
    url: str, *, scale: int = 1, seed: int = DEFAULT_SEED, today: date | None = None
) -> dict[str, int]:
    """Fill the empty store at `url` (SQLAlchemy URL) and return the row count per table."""
    # The UTC date: rows are stamped from midnight UTC, so they agree with the database's now().
    tables = build_store(scale=scale, seed=seed, today=today or datetime.now(UTC).date())
    engine = make_sync_engine(url)
    try:
        # The raw psycopg connection: COPY streams rows far faster than INSERTs.
        proxy = engine.raw_connection()
        try:
            conn = proxy.driver_connection
            with conn.cursor() as cur:
                _refuse_non_empty(cur)
                for table in tables:
                    _copy_rows(cur, table)
                _advance_sequences(cur, tables)
            conn.commit()
        finally:
            proxy.close()  # back to the pool, which rolls back anything uncommitted
    finally:
        engine.dispose()
    return {table.name: len(table.rows) for table in tables}


def _refuse_non_empty(cur: Cursor) -> None:
    # Held to commit: a second generator started at the same time waits, then sees the films.
    cur.execute("LOCK TABLE film IN SHARE ROW EXCLUSIVE MODE")
    cur.execute("SELECT count(*) FROM film")
    (films,) = cur.fetchone()
    if films:
        raise StoreNotEmpty(
            f"the store already has {films} films; demo data is only loaded into an empty store"
        )


def _copy_rows(cur: Cursor, table: Table) -> None:
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table.name), sql.SQL(", ").join(map(sql.Identifier, table.columns))
    )
    with cur.copy(statement) as copy:
        for row in table.rows:
            copy.write_row(row)


def _advance_sequences(cur: Cursor, tables: Sequence[Table]) -> None:
    """Move each serial past the ids loaded, so the app's own inserts get fresh ids."""
    for table in tables:
        if table.id_column is None:
            continue
        sequence = _sequence_of(cur, table.name, table.id_column)
        if sequence is None:
            continue
        index = table.columns.index(table.id_column)
        highest = max((row[index] for row in table.rows), default=None)
        if highest is None:
            cur.execute("SELECT setval(%s::regclass, 1, false)", (sequence,))
        else:
            cur.execute("SELECT setval(%s::regclass, %s)", (sequence, highest))


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
    """All the demo rows, table by table, in an order that satisfies the foreign keys."""
    if scale < 1:
        raise ValueError("scale must be at least 1")
    stamp = datetime.combine(today, time(), UTC)  # last_update of rows without a history

    countries, cities = _places(stamp)
    addresses = AddressBook(_rng(seed, "addresses"), cities, stamp)
    stores, staff = _stores_and_staff(addresses, stamp)
    films, film_list = _films(_rng(seed, "films"), FILMS * scale, stamp)
    actors = _actors(_rng(seed, "actors"), ACTORS * scale, stamp)
    customers, customer_list = _customers(
        _rng(seed, "customers"), CUSTOMERS * scale, addresses, today, stamp
    )
    inventory, copies = _inventory(_rng(seed, "inventory"), film_list, stamp)
    history = _rental_history(_rng(seed, "rentals"), copies, customer_list, RENTALS * scale)
    rentals, payments = _rental_and_payment_rows(history, stamp)
    return [
        _names("language", words.LANGUAGES, stamp),
        countries,
        cities,
        addresses.table(),  # complete now: stores, staff and customers have their addresses
        stores,
        staff,
        _names("category", words.CATEGORIES, stamp),
        films,
        actors,
        _film_actor(_rng(seed, "casting"), film_list, len(actors.rows), stamp),
        _film_category(_rng(seed, "genres"), film_list, stamp),
        customers,
        inventory,
        rentals,
        payments,
        _subscriptions(_rng(seed, "streaming"), customer_list, today, stamp),
    ]


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


def _films(rng: random.Random, count: int, stamp: datetime) -> tuple[Table, list[Film]]:
    rows, films = [], []
    for film_id, title in enumerate(_unique_titles(rng, count), 1):
        duration = rng.randint(3, 7)
        rate = rng.choice(RENTAL_RATES)
        rows.append((
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
        ))  # fmt: skip
        films.append(Film(film_id, duration, rate))
    columns = (
        "film_id", "title", "description", "release_year", "language_id",
        "original_language_id", "rental_duration", "rental_rate", "length", "replacement_cost",
        "rating", "last_update", "special_features", "streaming_available",
    )  # fmt: skip
    # `fulltext` is left out: the film trigger fills it from title and description.
    return Table("film", columns, rows, "film_id"), films


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


def _film_category(rng: random.Random, films: list[Film], stamp: datetime) -> Table:
    rows = [(film.film_id, rng.randint(1, len(words.CATEGORIES)), stamp) for film in films]
    return Table("film_category", ("film_id", "category_id", "last_update"), rows)


def _actors(rng: random.Random, count: int, stamp: datetime) -> Table:
    rows = [(i, first, last, stamp) for i, (first, last) in enumerate(_unique_names(rng, count), 1)]
    return Table("actor", ("actor_id", "first_name", "last_name", "last_update"), rows, "actor_id")


def _film_actor(rng: random.Random, films: list[Film], actors: int, stamp: datetime) -> Table:
    cast_sizes = range(1, 11)
    weights = (2, 4, 8, 12, 14, 14, 12, 8, 5, 3)  # 1..10 actors, most films 4..7
    rows = []
    for film in films:
        (size,) = rng.choices(cast_sizes, weights=weights)
        cast = sorted(rng.sample(range(1, actors + 1), min(size, actors)))
        rows.extend((actor_id, film.film_id, stamp) for actor_id in cast)
    return Table("film_actor", ("actor_id", "film_id", "last_update"), rows)


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


def _inventory(rng: random.Random, films: list[Film], stamp: datetime) -> tuple[Table, list[Copy]]:
    """0..4 copies per store; about 3% of films have none at all (not stocked)."""
    per_store, weights = range(5), (10, 15, 30, 30, 15)
    rows, copies = [], []
    for film in films:
        if rng.random() < 0.03:
            continue
        counts = [rng.choices(per_store, weights=weights)[0] for _ in (1, 2)]
        if counts == [0, 0]:
            counts[rng.randrange(2)] = 1
        for store_id, count in enumerate(counts, 1):
            for _ in range(count):
                inventory_id = len(rows) + 1
                rows.append((inventory_id, film.film_id, store_id, stamp))
                copies.append(Copy(inventory_id, film, store_id))
    table = Table(
        "inventory", ("inventory_id", "film_id", "store_id", "last_update"), rows, "inventory_id"
    )
    return table, copies


# --- rentals: one timeline per copy, so a copy is never out twice at once


def _rental_history(
    rng: random.Random, copies: list[Copy], customers: list[Customer], count: int
) -> list[Rental]:
    """`count` rentals over the last HISTORY_DAYS days; OPEN_SHARE of them still out."""
    open_starts = _open_rentals(rng, copies, round(count * OPEN_SHARE))
    closed_per_copy = _spread_over_copies(rng, copies, count - len(open_starts))
    rentals = []
    for index, copy in enumerate(copies):
        latest = open_starts.get(index)
        # Closed rentals end before the open one starts (or before today): it stays the latest.
        until = 0 if latest is None else latest - rng.randint(HOUR, DAY)
        rentals += _closed_rentals(rng, copy, closed_per_copy[index], until)
        if latest is not None:
            rentals.append(Rental(latest, None, copy))

    pick = _customer_picker(rng, customers)
    for rental in rentals:
        rental.customer_id = pick(rental.copy.store_id, only_active=rental.end is None)
    rentals.sort(key=lambda rental: (rental.start, rental.copy.inventory_id))
    return rentals


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
    per_copy = [0] * len(copies)
    for index in rng.choices(range(len(copies)), cum_weights=list(accumulate(weights)), k=count):
        per_copy[index] += 1
    return per_copy


def _closed_rentals(rng: random.Random, copy: Copy, count: int, until: int) -> list[Rental]:
    """`count` returned rentals of one copy between the history's start and `until`.

    Lay the times out, then spread the idle time between them at random: rentals of one
    copy follow each other and never overlap.
    """
    since = -HISTORY_DAYS * DAY
    lengths = [_time_out(rng, copy.film.rental_duration) for _ in range(count)]
    while lengths and sum(lengths) > until - since:
        lengths.pop()  # not enough room before the open rental: this copy had fewer
    idle = until - since - sum(lengths)
    offsets = sorted(rng.randint(0, idle) for _ in lengths)
    rentals, used = [], 0
    for offset, length in zip(offsets, lengths, strict=True):
        start = since + offset + used
        rentals.append(Rental(start, start + length, copy))
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

    def pick(store_id: int, *, only_active: bool) -> int:
        home = store_id if rng.random() < HOME_STORE_SHARE else 3 - store_id
        ids, cum_weights = pools[home, only_active]
        if not ids:
            ids, cum_weights = pools[3 - home, only_active]
        return rng.choices(ids, cum_weights=cum_weights)[0]

    return pick


def _rental_and_payment_rows(rentals: list[Rental], stamp: datetime) -> tuple[Table, Table]:
    """Rental rows in date order, and a payment for each returned rental on its return."""
    rental_rows, payments = [], []
    for rental_id, rental in enumerate(rentals, 1):
        staff_id = rental.copy.store_id  # the clerk of the copy's store
        rented = stamp + timedelta(seconds=rental.start)
        returned = None if rental.end is None else stamp + timedelta(seconds=rental.end)
        rental_rows.append((
            rental_id, rented, rental.copy.inventory_id, rental.customer_id, returned,
            staff_id, returned or rented,
        ))  # fmt: skip
        if returned is not None:
            amount = rental.copy.film.rental_rate + _days_late(rental)
            payments.append((returned, rental_id, rental.customer_id, staff_id, amount))
    payments.sort(key=lambda payment: (payment[0], payment[1]))
    payment_rows = [
        (payment_id, customer_id, staff_id, rental_id, amount, paid)
        for payment_id, (paid, rental_id, customer_id, staff_id, amount) in enumerate(payments, 1)
    ]
    return (
        Table(
            "rental",
            ("rental_id", "rental_date", "inventory_id", "customer_id", "return_date",
             "staff_id", "last_update"),
            rental_rows,
            "rental_id",
        ),
        Table(
            "payment",
            ("payment_id", "customer_id", "staff_id", "rental_id", "amount", "payment_date"),
            payment_rows,
            "payment_id",
        ),
    )  # fmt: skip


def _days_late(rental: Rental) -> int:
    """Whole days past the film's rental duration ($1 each, Pagila's late fee)."""
    assert rental.end is not None
    late = rental.end - rental.start - rental.copy.film.rental_duration * DAY
    return max(0, late // DAY)


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
