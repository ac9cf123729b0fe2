"""The demo data generator: a Pagila-shaped store, a real rental history, and determinism."""

import os
import subprocess
import sys
from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import text

from assistant.db import _write_settings, make_sync_engine
from assistant.migrate import upgrade
from data import words
from data.demo import StoreNotEmpty, Table, build_store, generate
from tests.late_fee_rule import days_late, kept_too_long

TODAY = date(2025, 3, 14)  # fixed, so the two determinism runs agree whatever the clock says


def _fresh_store(new_database) -> str:
    url = new_database("demo")
    upgrade(url)
    return url


@pytest.fixture(scope="module")
def demo(new_database) -> tuple[str, dict[str, int]]:
    url = _fresh_store(new_database)
    return url, generate(url, today=TODAY)


@pytest.fixture(scope="module")
def query(demo):
    engine = make_sync_engine(demo[0])

    def run(statement: str, **params):
        with engine.connect() as conn:
            return conn.execute(text(statement), params).all()

    yield run
    engine.dispose()


def one(query, statement: str, **params):
    return query(statement, **params)[0][0]


def test_row_counts_are_pagila_sized(demo, query):
    _, counts = demo
    assert counts["store"] == 2 and counts["staff"] == 2
    assert counts["category"] == 16
    assert counts["film"] == 1000
    assert counts["actor"] == 200
    assert 550 <= counts["customer"] <= 650
    assert 4000 <= counts["inventory"] <= 5000
    assert 15000 <= counts["rental"] <= 17000
    assert 20 <= counts["streaming_subscription"] <= 100
    for table, rows in counts.items():
        assert one(query, f"SELECT count(*) FROM {table}") == rows, table


def test_reference_data(query):
    names = [name for (name,) in query("SELECT name FROM category ORDER BY category_id")]
    assert names == list(words.CATEGORIES)
    languages = [name.strip() for (name,) in query("SELECT name FROM language ORDER BY 1")]
    assert "English" in languages and len(languages) == 6
    # Each store is managed by its one clerk, who works there.
    assert query(
        "SELECT s.store_id, st.store_id, st.active FROM store s "
        "JOIN staff st ON st.staff_id = s.manager_staff_id ORDER BY 1"
    ) == [(1, 1, True), (2, 2, True)]


def test_films_look_like_pagila(query):
    assert one(query, "SELECT count(DISTINCT title) = count(*) FROM film")
    assert one(query, "SELECT bool_and(title ~ '^[A-Z]+ [A-Z]+$') FROM film")
    assert one(query, "SELECT bool_and(fulltext <> ''::tsvector) FROM film")
    ranges = query(
        "SELECT min(rental_duration), max(rental_duration), min(length), max(length), "
        "min(replacement_cost), max(replacement_cost) FROM film"
    )[0]
    assert ranges[0] >= 3 and ranges[1] <= 7 and ranges[2] >= 46 and ranges[3] <= 185
    assert ranges[4] >= Decimal("9.99") and ranges[5] <= Decimal("29.99")
    rates = {float(rate) for (rate,) in query("SELECT DISTINCT rental_rate FROM film")}
    assert rates == {0.99, 2.99, 4.99}
    ratings = {rating for (rating,) in query("SELECT DISTINCT rating::text FROM film")}
    assert ratings == set(words.RATINGS)
    streaming = one(query, "SELECT avg(streaming_available::int) FROM film")
    assert 0.25 <= streaming <= 0.35
    # Exactly one category per film; 1..10 actors per film.
    assert one(query, "SELECT count(*) FROM film_category") == 1000
    fewest, most = query(
        "SELECT min(n), max(n) FROM (SELECT count(*) n FROM film_actor GROUP BY film_id) c"
    )[0]
    assert fewest >= 1 and most <= 10
    assert one(query, "SELECT count(DISTINCT film_id) FROM film_actor") == 1000


@pytest.mark.parametrize("phrase", ["mad scientist", "dinosaur", "robot", "astronaut"])
def test_full_text_search_finds_the_usual_subjects(query, phrase):
    search = "SELECT count(*) FROM film WHERE fulltext @@ plainto_tsquery('english', :q)"
    hits = one(query, search, q=phrase)
    assert hits >= 10


def test_customers(query):
    assert one(query, "SELECT bool_and(first_name = upper(first_name)) FROM customer")
    assert one(
        query,
        "SELECT bool_and(email = first_name || '.' || last_name || '@sakilacustomer.org') "
        "FROM customer",
    )
    assert one(query, "SELECT count(DISTINCT email) = count(*) FROM customer")
    active = one(query, "SELECT avg(activebool::int) FROM customer")
    assert 0.95 <= active < 1
    per_store = query("SELECT store_id, count(*) FROM customer GROUP BY 1 ORDER BY 1")
    assert [store for store, _ in per_store] == [1, 2] and min(n for _, n in per_store) > 200


def test_two_customers_share_the_first_name_willie(query):
    willies = query(
        "SELECT last_name, activebool FROM customer WHERE first_name = 'WILLIE' ORDER BY 1"
    )
    assert willies == [(last, True) for last in sorted(words.AMBIGUOUS_LAST_NAMES)]


def test_inventory(query):
    per_film = query(
        "SELECT f.film_id, count(i.inventory_id) FROM film f "
        "LEFT JOIN inventory i USING (film_id) GROUP BY f.film_id"
    )
    assert max(n for _, n in per_film) <= 8
    assert 5 <= sum(1 for _, n in per_film if n == 0) <= 60  # a few films are not stocked


def test_rentals_still_out_are_some_current_some_overdue(query):
    out = query(
        "SELECT count(*) FILTER (WHERE r.rental_date + f.rental_duration * interval '1 day' "
        "                         < CAST(:today AS date)), "
        "       count(*) FILTER (WHERE r.rental_date + f.rental_duration * interval '1 day' "
        "                         > CAST(:today AS date) + 1), "
        "       count(*) "
        "FROM rental r JOIN inventory i USING (inventory_id) JOIN film f USING (film_id) "
        "WHERE r.return_date IS NULL",
        today=TODAY,
    )[0]
    overdue, current, total = out
    assert overdue + current == total  # none falls due on the day itself
    assert 150 <= total <= 250
    assert abs(overdue - current) <= total * 0.2
    # Rentals span about six months before today, none in the future.
    first, last = query("SELECT min(rental_date)::date, max(rental_date) FROM rental")[0]
    assert 170 <= (TODAY - first).days <= 190
    assert last.date() < TODAY


def test_a_copy_is_never_out_twice(query):
    assert (
        one(
            query,
            "SELECT count(*) FROM (SELECT inventory_id FROM rental WHERE return_date IS NULL "
            "GROUP BY inventory_id HAVING count(*) > 1) doubles",
        )
        == 0
    )
    overlapping = one(
        query,
        "SELECT count(*) FROM rental a JOIN rental b "
        "ON a.inventory_id = b.inventory_id AND a.rental_id < b.rental_id "
        "AND tstzrange(a.rental_date, a.return_date) && tstzrange(b.rental_date, b.return_date)",
    )
    assert overlapping == 0
    assert one(query, "SELECT bool_and(return_date > rental_date) FROM rental")


def test_rentals_are_made_by_the_copys_store_clerk(query):
    assert one(
        query,
        "SELECT bool_and(s.store_id = i.store_id) FROM rental r "
        "JOIN inventory i USING (inventory_id) JOIN staff s ON s.staff_id = r.staff_id",
    )


def test_each_returned_rental_is_paid_with_late_fees(query):
    unpaid, wrong = query(
        "SELECT count(*) FILTER (WHERE p.payment_id IS NULL), "
        "       count(*) FILTER (WHERE p.amount <> f.rental_rate + greatest(0, floor("
        "           extract(epoch FROM r.return_date - r.rental_date) / 86400"
        "           - f.rental_duration))"
        "         OR p.payment_date <> r.return_date OR p.customer_id <> r.customer_id) "
        "FROM rental r JOIN inventory i USING (inventory_id) JOIN film f USING (film_id) "
        "LEFT JOIN payment p USING (rental_id) WHERE r.return_date IS NOT NULL"
    )[0]
    assert (unpaid, wrong) == (0, 0)
    late = one(
        query,
        "SELECT count(*) FROM payment p JOIN rental r USING (rental_id) "
        "JOIN inventory i USING (inventory_id) JOIN film f USING (film_id) "
        "WHERE p.amount > f.rental_rate",
    )
    assert late > 100  # some copies came back days late


def test_sequences_continue_after_the_loaded_rows(demo, query):
    engine = make_sync_engine(demo[0])
    try:
        with engine.begin() as conn:
            new_id = conn.scalar(
                text(
                    "INSERT INTO actor (first_name, last_name) VALUES ('NEW', 'ACTOR') "
                    "RETURNING actor_id"
                )
            )
            conn.rollback()
    finally:
        engine.dispose()
    assert new_id == 201


def test_refuses_a_store_that_already_has_films(demo):
    with pytest.raises(StoreNotEmpty, match="already has 1000 films"):
        generate(demo[0], today=TODAY)


# Every index, constraint and (user) trigger of the schema, as the catalog would make them
# again: the load drops some of them and makes them anew, and must leave the same set behind.
SCHEMA_OBJECTS = """
SELECT 'index', c.relname, pg_get_indexdef(i.indexrelid) || CASE WHEN i.indisvalid THEN ''
       ELSE ' INVALID' END
FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
WHERE c.relnamespace = 'public'::regnamespace
UNION ALL
SELECT 'constraint', conrelid::regclass::text || '.' || conname, pg_get_constraintdef(oid)
       || CASE WHEN convalidated THEN '' ELSE ' NOT VALIDATED' END
FROM pg_constraint WHERE connamespace = 'public'::regnamespace
UNION ALL
SELECT 'trigger', tgrelid::regclass::text || '.' || tgname, pg_get_triggerdef(oid)
       || ' ' || tgenabled::text
FROM pg_trigger WHERE NOT tgisinternal
  AND tgrelid IN (SELECT oid FROM pg_class WHERE relnamespace = 'public'::regnamespace)
"""


def _schema_objects(url: str) -> set[tuple[str, str, str]]:
    engine = make_sync_engine(url)
    try:
        with engine.connect() as conn:
            return {tuple(row) for row in conn.execute(text(SCHEMA_OBJECTS))}
    finally:
        engine.dispose()


def test_a_larger_load_leaves_every_index_and_constraint_in_place(new_database):
    url = _fresh_store(new_database)
    before = _schema_objects(url)
    assert sum(kind == "index" for kind, _, _ in before) > 20  # the schema's, not an empty set
    counts = generate(url, scale=2, today=TODAY)
    assert _schema_objects(url) == before

    assert counts["film"] == 2000 and counts["actor"] == 400
    assert 30000 <= counts["rental"] <= 34000
    engine = make_sync_engine(url)
    try:
        with engine.begin() as conn:
            for table, rows in counts.items():
                assert conn.scalar(text(f"SELECT count(*) FROM {table}")) == rows, table
            # The rows are there for the planner too, and the serials continue after them.
            analyzed = conn.scalar(text(
                "SELECT count(*) FROM pg_stat_user_tables "
                "WHERE relname = ANY(:tables) AND last_analyze IS NOT NULL"
            ), {"tables": list(counts)})  # fmt: skip
            assert analyzed == len(counts)
            new_id = conn.scalar(text(
                "INSERT INTO actor (first_name, last_name) VALUES ('NEW', 'ACTOR') "
                "RETURNING actor_id"
            ))  # fmt: skip
            assert new_id == 401
            conn.rollback()
    finally:
        engine.dispose()


def test_refuses_a_store_with_rows_in_any_table_it_loads(new_database):
    url = _fresh_store(new_database)
    engine = make_sync_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO language (name) VALUES ('Esperanto')"))
        with pytest.raises(StoreNotEmpty, match="language table already has rows"):
            generate(url, today=TODAY)
        with engine.connect() as conn:  # nothing was truncated
            assert conn.scalar(text("SELECT array_agg(name::text) FROM language")) == ["Esperanto"]
    finally:
        engine.dispose()


def test_the_embedded_server_runs_with_minimal_wal(server_url, tmp_path):
    """So that the demo load (COPY into tables truncated in its transaction) skips the WAL."""
    conf = tmp_path / "postgresql.conf"
    conf.write_text("#wal_level = replica\n")
    _write_settings(conf)
    _write_settings(conf)  # once only
    assert conf.read_text().count("wal_level = minimal") == 1
    if os.environ.get("PAGILA_TEST_DSN"):
        pytest.skip("an external server keeps its own settings")
    engine = make_sync_engine(server_url)
    try:
        with engine.connect() as conn:
            assert conn.scalar(text("SHOW wal_level")) == "minimal"
    finally:
        engine.dispose()


def _checksum(url: str) -> tuple[str, str]:
    engine = make_sync_engine(url)
    try:
        with engine.connect() as conn:
            digest = "SELECT md5(string_agg(t::text, '|' ORDER BY {key})) FROM {table} t"
            return tuple(
                conn.scalar(text(digest.format(table=table, key=key)))
                for table, key in (("film", "film_id"), ("rental", "rental_id"))
            )
    finally:
        engine.dispose()


def test_the_store_holds_the_rows_that_build_store_makes(query):
    """The load writes the rentals and payments as binary COPY data of its own making, and the
    films' domain and enum as their base type and label: the same rows as `build_store`'s."""
    tables = {table.name: table for table in build_store(today=TODAY)}
    for name in ("film", "rental", "payment"):
        columns = ", ".join(tables[name].columns)
        stored = [tuple(row) for row in query(f"SELECT {columns} FROM {name} ORDER BY 1")]
        assert stored == tables[name].rows, name


def test_same_seed_and_day_give_the_same_store(demo, new_database):
    again = _fresh_store(new_database)
    generate(again, today=TODAY)
    assert _checksum(again) == _checksum(demo[0])


def test_rows_do_not_depend_on_the_hash_seed():
    """Built in two interpreters with different PYTHONHASHSEED: the same rows (the clerks'
    password hashes aside: they are salted, so they differ from run to run)."""
    script = (
        "import hashlib, datetime; from data.demo import build_store; "
        "tables = build_store(today=datetime.date(2025, 3, 14)); "
        "rows = [(t.name, [tuple(v for c, v in zip(t.columns, row) if c != 'password') "
        "for row in t.rows]) for t in tables]; "
        "print(hashlib.md5(repr(rows).encode()).hexdigest())"
    )
    root = Path(__file__).resolve().parents[1]
    digests = {
        subprocess.run(
            [sys.executable, "-c", script],
            cwd=root,
            env={**os.environ, "PYTHONHASHSEED": hash_seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for hash_seed in ("1", "2")
    }
    assert len(digests) == 1


def test_another_seed_gives_another_store():
    titles = [
        next(t for t in build_store(seed=seed, today=TODAY) if t.name == "film").rows
        for seed in (1, 2)
    ]
    assert [row[1] for row in titles[0]] != [row[1] for row in titles[1]]


def test_dates_follow_today():
    earlier = {t.name: t for t in build_store(today=date(2025, 1, 1))}
    later = {t.name: t for t in build_store(today=date(2025, 1, 11))}
    assert earlier["film"].rows[0][1:11] == later["film"].rows[0][1:11]  # same film
    shift = later["rental"].rows[0][1] - earlier["rental"].rows[0][1]
    assert shift.days == 10


# --------------------------------------------------------------------------- any day, any hour

# What the other tests (and a demo at the counter) take for granted, whatever the date and the
# time of day they run at: at each store, rentals out of each of these kinds.
OUT_KINDS = ("current", "late by days", "kept too long")
SEVERAL = 10  # of each kind, at each store (at scale 1)
ONE_DAY = timedelta(days=1)


def _kind_out(rented: datetime, duration: int, now: datetime) -> str:
    """A rental still out at `now`, by the store's late-fee rule, with over a day to spare:
    it is of that kind all of today and tomorrow, whenever in today `now` is."""
    if rented + timedelta(days=duration) - now > ONE_DAY:
        return "current"  # not due until over a day from now
    if days_late(rented, now, duration) >= 2 and not kept_too_long(rented, now + ONE_DAY, duration):
        return "late by days"  # $1 a day, still short of the replacement cost a day from now
    if kept_too_long(rented, now - ONE_DAY, duration):
        return "kept too long"  # the replacement cost, already a day ago
    return "in between"


def _rentals_out(tables: dict[str, Table], now: datetime) -> Counter:
    """How many rentals are out at `now`, by (store, kind); "overdue" counts all those past due."""
    duration = {row[0]: row[6] for row in tables["film"].rows}
    copy = {row[0]: (row[1], row[2]) for row in tables["inventory"].rows}  # (film, store)
    active = {row[0]: row[6] for row in tables["customer"].rows}
    counts = Counter()
    for _, rented, inventory_id, customer_id, returned, *_ in tables["rental"].rows:
        if returned is not None:
            continue
        film_id, store_id = copy[inventory_id]
        days = duration[film_id]
        counts[store_id, _kind_out(rented, days, now)] += 1
        counts["overdue"] += rented + timedelta(days=days) < now
        counts["current"] += rented + timedelta(days=days) > now
        counts["by an inactive customer"] += not active[customer_id]
    return counts


def _timeline_faults(tables: dict[str, Table], start: datetime) -> list[str]:
    """Copies whose rentals overlap, or whose open rental is not their latest; rentals from
    the future or returned before they were rented."""
    per_copy: dict[int, list[tuple]] = {}
    for row in tables["rental"].rows:
        per_copy.setdefault(row[2], []).append(row)
    faults = []
    for inventory_id, rows in per_copy.items():
        rows.sort(key=lambda row: row[1])
        for row, after in zip(rows, [*rows[1:], None], strict=True):
            _, rented, _, _, returned, *_ = row
            if rented >= start or (returned is not None and returned <= rented):
                faults.append(f"copy {inventory_id}: rental {row[0]} has impossible dates")
            if after is not None and (returned is None or returned > after[1]):
                faults.append(f"copy {inventory_id}: rental {row[0]} overlaps {after[0]}")
    return faults


def _faults_on(today: date, scale: int = 1) -> list[str]:
    """Everything wrong with the demo store built for `today`, at 00:00 and at 23:59:59 UTC."""
    tables = {table.name: table for table in build_store(today=today, scale=scale)}
    start = datetime.combine(today, time(), UTC)
    faults = _timeline_faults(tables, start)
    for now in (start, start + ONE_DAY - timedelta(seconds=1)):
        counts = _rentals_out(tables, now)
        for store_id in (1, 2):
            for kind in OUT_KINDS:
                if counts[store_id, kind] < SEVERAL * scale:
                    faults.append(f"{now}: store {store_id} has {counts[store_id, kind]} {kind}")
        # About as many out and not yet due as overdue, 1.2% of all rentals (96 + 96 at scale 1).
        for state in ("current", "overdue"):
            if not 80 * scale <= counts[state] <= 115 * scale:
                faults.append(f"{now}: {counts[state]} {state} rentals")
        if counts["by an inactive customer"]:
            faults.append(f"{now}: {counts['by an inactive customer']} out to inactive customers")
    return [f"{today}: {fault}" for fault in faults]


def test_every_day_and_hour_each_store_has_rentals_out_of_each_kind():
    """90 days running, from the first to the last second of each: what the tests rely on."""
    days = [date(2026, 11, 15) + timedelta(days=n) for n in range(90)]
    faults = [fault for today in days for fault in _faults_on(today)]
    assert faults == []


def test_a_larger_store_has_them_too():
    assert _faults_on(date(2027, 6, 30), scale=10) == []
