"""Reads at a chain's scale (migration 0006, assistant.totals) on the official Pagila data:
bounded counts said honestly, find_customer's count of all matches, and every reshaped read
giving what the plain SQL it replaced gives, from the precomputed totals and with rows added
after them (written in a transaction that is rolled back)."""

import asyncio
import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import text

from assistant import customers, films, payments, periods, rentals, stats, steps, totals
from assistant.db import Database
from assistant.films import FilmFilter
from assistant.migrate import upgrade
from assistant.offline import render
from assistant.offline.declarations import stem
from assistant.rentals import DUE, RentalFilter
from assistant.totals import Count, count_sql
from plugins import CustomersPlugin, FilmsPlugin, RentalsPlugin
from plugins.results import StoreCountsResult, StoreCountsRow
from tests.conftest import fresh_demo_store


@pytest.fixture
async def writing(official_url):
    """A connection in a transaction that is rolled back: rows added after the totals."""
    database = Database(official_url, pool_size=2)
    async with database.engine.connect() as connection:
        # The app's reads run in autocommit: this one in a transaction, to be rolled back.
        connection = await connection.execution_options(isolation_level="READ COMMITTED")
        transaction = await connection.begin()
        yield connection
        await transaction.rollback()
    await database.close()


async def add_rentals(conn, count: int = 3) -> None:
    """New rentals (with their payments) of the most rented film, and a late fee paid today
    for an old rental: past the totals' mark, read live."""
    film_id = await conn.scalar(text("""
        SELECT i.film_id FROM rental r JOIN inventory i USING (inventory_id)
        GROUP BY i.film_id ORDER BY count(*) DESC, i.film_id LIMIT 1"""))
    copies = (await conn.execute(text("""
        SELECT i.inventory_id FROM inventory i WHERE i.film_id = :film AND NOT EXISTS (
            SELECT 1 FROM rental r WHERE r.inventory_id = i.inventory_id
            AND r.return_date IS NULL) ORDER BY i.inventory_id LIMIT :n"""),
        {"film": film_id, "n": count})).scalars().all()
    for copy in copies:
        rental_id = await conn.scalar(text("""
            INSERT INTO rental (rental_date, inventory_id, customer_id, staff_id)
            VALUES (now(), :copy, 5, 1) RETURNING rental_id"""), {"copy": copy})
        await conn.execute(text("""
            INSERT INTO payment (customer_id, staff_id, rental_id, amount, payment_date)
            VALUES (5, 1, :rental, 7.50, now())"""), {"rental": rental_id})
    await conn.execute(text("""
        INSERT INTO payment (customer_id, staff_id, rental_id, amount, payment_date)
        SELECT customer_id, 2, rental_id, 42.00, now() FROM rental ORDER BY rental_id LIMIT 1"""))


# --- counts that stay cheap ----------------------------------------------------------------


def test_a_count_is_exact_up_to_its_bound_then_more_than():
    assert Count.of(344, 1000) == Count(344) and str(Count(344)) == "344"
    assert Count.of(1001, 1000) == Count(1000, more=True)
    assert str(Count(1000, more=True)) == "more than 1,000"
    assert Count.of(5000, None) == Count(5000)
    assert count_sql("SELECT 1 FROM film", 1000).endswith("LIMIT 1001) AS counted")
    assert "LIMIT" not in count_sql("SELECT 1 FROM film", None)


async def test_film_lists_count_up_to_a_bound(conn, sql):
    every = sql("SELECT count(*) FROM film")[0][0]
    exact = await films.list_films(conn, limit=5)
    assert (exact.total, exact.total_is_lower_bound) == (every, False)
    # A count the database keeps (every film) is exact whatever the bound; others stop there.
    kept = await films.list_films(conn, limit=5, count_bound=100)
    assert (kept.total, kept.total_is_lower_bound) == (every, False)
    longer = FilmFilter(min_length=1)
    bounded = await films.list_films(conn, longer, limit=5, count_bound=100)
    assert (bounded.total, bounded.total_is_lower_bound) == (100, True)
    assert [f.film_id for f in bounded.films] == [
        f.film_id for f in (await films.list_films(conn, longer, limit=5)).films]
    assert "total_is_lower_bound" not in exact.model_dump_json()  # not on the REST wire
    roomy = await films.list_films(conn, FilmFilter(category="Music"), count_bound=1000)
    assert (roomy.total, roomy.total_is_lower_bound) == (sql("""
        SELECT count(*) FROM film_category JOIN category USING (category_id)
        WHERE name = 'Music'""")[0][0], False)


async def test_rental_counts_up_to_a_bound(conn, sql):
    out = sql("SELECT count(*) FROM rental WHERE return_date IS NULL")[0][0]
    assert await rentals.count_rentals(conn, RentalFilter(open_only=True)) == Count(out)
    assert await rentals.count_rentals(conn, RentalFilter(open_only=True), bound=50) == Count(
        50, more=True)


async def test_the_chat_says_more_than_when_it_stopped_counting(database, monkeypatch, sql):
    monkeypatch.setattr("plugins.films.COUNT_BOUND", 100)
    monkeypatch.setattr("plugins.rentals.COUNT_BOUND", 20)
    page = await FilmsPlugin(database).search_films(min_length=1)
    assert (page.total, page.total_is_lower_bound) == (100, True)
    assert page.pages > 100 // 10 and '"total_is_lower_bound":true' in str(page)
    comedies = await FilmsPlugin(database).search_films(category="Comedy")
    assert comedies.total_is_lower_bound is None and "total_is_lower_bound" not in str(comedies)
    assert comedies.total == sql("""SELECT count(*) FROM film_category JOIN category
                                    USING (category_id) WHERE name = 'Comedy'""")[0][0]
    out = await RentalsPlugin(database, 1, None).active_rentals()
    assert (out.total, out.total_is_lower_bound, len(out.rentals)) == (20, True, 10)

    # What the clerk reads, from the offline model and in the step: "more than", never the
    # bound as if it were the count.
    said = render.answer("Films-search_films", {}, json.loads(str(page)))
    assert said.startswith("Found more than 100 films") and " page 1 of" not in said, said
    said = render.answer("Rentals-active_rentals", {}, json.loads(str(out)))
    assert said.startswith("more than 20 active rentals; the first 10")
    assert "total: more than 20" in steps.reading(out) and "… and more than 15 more" in \
        steps.reading(out)


def test_store_counts_beyond_the_bound_are_said_as_more_than():
    counts = StoreCountsResult(films_in_catalogue=1000, stores=[
        StoreCountsRow(store_id=1, films=900, copies=4000, customers=300, rentals_out=1000,
                       overdue=1000, rentals_out_is_lower_bound=True,
                       overdue_is_lower_bound=True),
        StoreCountsRow(store_id=2, films=900, copies=4000, customers=300, rentals_out=12,
                       overdue=3)])
    said = render.answer("Stats-store_counts", {}, json.loads(str(counts)), ("count", stem("overdue")))
    assert "Total overdue, all stores: more than 1,003" in said, said
    assert "| 1 | 900 | 4000 | 300 | more than 1,000 | more than 1,000 |" in said, said
    assert "lower bound" not in said and "lower bound" not in steps.reading(counts)


# --- find_customer: how many match, not the page ---------------------------------------------


def matching(sql, prefix: str) -> int:
    return sql("""SELECT count(*) FROM customer WHERE lower(first_name) LIKE :p
                  OR lower(last_name) LIKE :p""", p=f"{prefix}%")[0][0]


async def test_find_customer_says_how_many_match(database, sql):
    many = matching(sql, "m")
    assert many > 10
    found = await CustomersPlugin(database).find_customer("m")
    assert found.question == f"{many} customers match 'm' (the first 10 by name). Which one?"
    assert len(found.matches) == 10
    names = sql("""SELECT customer_id FROM customer WHERE lower(first_name) LIKE 'm%'
                   OR lower(last_name) LIKE 'm%' ORDER BY last_name, first_name, customer_id
                   LIMIT 10""")
    assert [c.customer_id for c in found.matches] == [row[0] for row in names]
    few = matching(sql, "willie")
    assert 1 < few <= 10
    found = await CustomersPlugin(database).find_customer("willie")
    assert found.question == f"{few} customers match 'willie'. Which one?"


async def test_find_customer_says_more_than_beyond_the_bound(conn, sql):
    matches = await customers.search_customers(conn, "m", limit=10, count_bound=20)
    assert matches.total == Count(20, more=True) and len(matches.customers) == 10
    exact = await customers.search_customers(conn, "mary smith")
    assert exact.total == Count(1) and [c.name for c in exact.customers] == ["MARY SMITH"]
    assert (await customers.search_customers(conn, "nobody-at-all")).total == Count(0)


# --- the same answers as the plain SQL, before and after rows past the totals -----------------

RANKING_SQL = {  # the ranking over all history as it was computed before migration 0006
    "rentals": "count(DISTINCT r.rental_id)", "revenue": "coalesce(sum(p.amount), 0)"}


async def plain_ranking(conn, what: str, by: str, store_id: int | None,
                        period: periods.Period) -> list[tuple]:
    label, key, joins, _ = stats.RANKED[what]
    paid = "LEFT JOIN payment p ON p.rental_id = r.rental_id" if by == "revenue" else ""
    store = "i.store_id = :store" if store_id else "true"
    rows = await conn.execute(text(f"""
        SELECT {label} AS label, {RANKING_SQL[by]} AS value
        FROM rental r JOIN inventory i USING (inventory_id) {joins} {paid}
        WHERE {store} AND r.rental_date >= :start AND r.rental_date < :end
        GROUP BY {key}, {label} ORDER BY value DESC, label LIMIT 10
    """), {"store": store_id, "start": period.start or datetime.min.replace(tzinfo=UTC),
           "end": period.end or datetime.max.replace(tzinfo=UTC)})
    return [(row.label, Decimal(row.value)) for row in rows]


async def plain_revenue(conn, per: str, store_id: int | None) -> list[tuple]:
    group = stats.GROUPS[per].format(at="p.payment_date", store="st.store_id")
    joins = "JOIN staff st ON st.staff_id = p.staff_id"
    if per == "category":
        joins += (" JOIN rental r ON r.rental_id = p.rental_id JOIN inventory i USING "
                  "(inventory_id) JOIN film_category fc USING (film_id) "
                  "JOIN category cat USING (category_id)")
    store = "st.store_id = :store" if store_id else "true"
    order = "value DESC, label" if per in ("store", "category") else "label"
    rows = await conn.execute(text(f"""
        SELECT {group} AS label, sum(p.amount) AS value FROM payment p {joins}
        WHERE {store} GROUP BY 1 ORDER BY {order}"""), {"store": store_id})
    return [(row.label, row.value) for row in rows]


async def plain_rentals(conn, per: str, store_id: int | None) -> list[tuple]:
    group = stats.GROUPS[per].format(at="r.rental_date", store="i.store_id")
    joins = "JOIN inventory i USING (inventory_id)"
    if per == "category":
        joins += " JOIN film_category fc USING (film_id) JOIN category cat USING (category_id)"
    store = "i.store_id = :store" if store_id else "true"
    order = "value DESC, label" if per in ("store", "category") else "label"
    rows = await conn.execute(text(f"""
        SELECT {group} AS label, count(*) AS value FROM rental r {joins}
        WHERE {store} GROUP BY 1 ORDER BY {order}"""), {"store": store_id})
    return [(row.label, row.value) for row in rows]


async def same_as_plain_sql(conn) -> None:
    every_time = periods.period_of("", None)
    # All history, and calendar months and years (rental_period_totals): those of the data, and
    # this month and year, where add_rentals puts its rentals.
    today = datetime.now(UTC).date()
    asked = [every_time] + [periods.period_of(words, today) for words in (
        "2022", "May 2022", "this month", "this year")]
    for what in stats.RANKED:
        for by in stats.MEASURES:
            for store_id in (None, 2):
                for period in asked:
                    ranked = await stats.ranking(conn, what, by, period, store_id)
                    assert [(f.label, f.value) for f in ranked.rows] == await plain_ranking(
                        conn, what, by, store_id, period), (what, by, store_id, period)
    for per in stats.GROUPS:
        for store_id in (None, 1):
            series = await stats.revenue(conn, per, every_time, store_id)
            assert [(f.label, f.value) for f in series.rows] == await plain_revenue(
                conn, per, store_id), (per, store_id)
            series = await stats.rental_counts(conn, per, every_time, store_id)
            assert [(f.label, f.value) for f in series.rows] == await plain_rentals(
                conn, per, store_id), (per, store_id)
    counted = (await conn.execute(text(f"""
        SELECT s.store_id,
               (SELECT count(DISTINCT film_id) FROM inventory i WHERE i.store_id = s.store_id),
               (SELECT count(*) FROM inventory i WHERE i.store_id = s.store_id),
               (SELECT count(*) FROM customer c WHERE c.store_id = s.store_id),
               (SELECT count(*) FROM rental r JOIN inventory i USING (inventory_id)
                WHERE i.store_id = s.store_id AND r.return_date IS NULL),
               (SELECT count(*) FROM rental r JOIN inventory i USING (inventory_id)
                JOIN film f USING (film_id) WHERE i.store_id = s.store_id
                AND r.return_date IS NULL AND {DUE} < now())
        FROM store s ORDER BY s.store_id"""))).all()
    assert [(c.store_id, c.films, c.copies, c.customers, c.rentals_out, c.overdue)
            for c in await stats.store_counts(conn)] == [tuple(row) for row in counted]
    assert await stats.films_in_catalogue(conn) == await conn.scalar(
        text("SELECT count(*) FROM film"))
    for descending in (True, False):
        for filters in (FilmFilter(), FilmFilter(category="Horror")):
            where, params = filters.where()
            plain = (await conn.execute(text(f"""
                SELECT f.film_id FROM film f WHERE {where}
                ORDER BY (SELECT count(*) FROM inventory i JOIN rental r USING (inventory_id)
                          WHERE i.film_id = f.film_id) {'DESC' if descending else 'ASC'},
                         f.title, f.film_id LIMIT 10 OFFSET 5"""), params)).scalars().all()
            page = await films.list_films(conn, filters, skip=5, limit=10, sort="popularity",
                                          descending=descending)
            assert [f.film_id for f in page.films] == plain, (filters, descending)


async def test_reads_from_the_totals_are_those_of_the_plain_sql(conn):
    await same_as_plain_sql(conn)


async def test_and_so_are_they_with_rentals_and_payments_since_the_totals(writing):
    await add_rentals(writing)
    await same_as_plain_sql(writing)


async def test_a_refresh_keeps_every_figure(official_url):
    """Refreshed (CONCURRENTLY, in one REPEATABLE READ transaction), the totals hold what the
    live parts held: the figures stay those of the plain SQL."""
    database = Database(official_url, pool_size=1)
    try:
        assert await totals.refresh(database)
        async with database.reading() as conn:
            await same_as_plain_sql(conn)
    finally:
        await database.close()


async def test_overdue_rentals_in_due_order_as_the_plain_sql(conn, sql):
    where = f"r.return_date IS NULL AND {DUE} < now()"
    order = sql(f"""SELECT r.rental_id FROM rental r JOIN inventory i USING (inventory_id)
                    JOIN film f USING (film_id) WHERE {where}
                    ORDER BY {DUE}, r.rental_id""")
    expected = [row[0] for row in order]
    for skip, limit in ((0, 10), (7, 25), (0, len(expected) + 5)):
        lines = await rentals.rental_lines(conn, RentalFilter(overdue_only=True), skip, limit)
        assert [line.rental_id for line in lines] == expected[skip:skip + limit]
    at_store = await rentals.rental_lines(conn, RentalFilter(store_id=2, overdue_only=True),
                                          limit=15)
    assert [line.rental_id for line in at_store] == [row[0] for row in sql(f"""
        SELECT r.rental_id FROM rental r JOIN inventory i USING (inventory_id)
        JOIN film f USING (film_id) WHERE {where} AND i.store_id = 2
        ORDER BY {DUE}, r.rental_id LIMIT 15""")]
    examples = await rentals.counter_examples(conn, 1)
    assert examples["rental"] == str(sql(f"""
        SELECT r.rental_id FROM rental r JOIN inventory i USING (inventory_id)
        JOIN film f USING (film_id) WHERE r.return_date IS NULL
        ORDER BY {DUE}, r.rental_id LIMIT 1""")[0][0])


async def test_rentals_due_within_the_longest_duration_are_overdue_by_their_film(writing):
    """OVERDUE decides the rentals older than the longest rental duration without their film;
    those rented within it are decided by their film's own duration, as DUE says."""
    free = """SELECT i.inventory_id FROM inventory i JOIN film f USING (film_id)
              WHERE f.rental_duration = :days AND NOT EXISTS (SELECT 1 FROM rental r
                    WHERE r.inventory_id = i.inventory_id AND r.return_date IS NULL)
              ORDER BY i.inventory_id LIMIT 1"""
    for days, ago in ((3, 5), (7, 5), (5, 2), (6, 9)):  # overdue, not, not, overdue
        copy = await writing.scalar(text(free), {"days": days})
        await writing.execute(text("""
            INSERT INTO rental (rental_date, inventory_id, customer_id, staff_id)
            VALUES (now() - :ago * interval '1 day', :copy, 5, 1)"""), {"ago": ago, "copy": copy})
    plain = await writing.scalar(text(f"""
        SELECT count(*) FROM rental r JOIN inventory i USING (inventory_id)
        JOIN film f USING (film_id) WHERE r.return_date IS NULL AND {DUE} < now()"""))
    counted = await rentals.count_rentals(writing, RentalFilter(overdue_only=True))
    assert counted == Count(plain)
    recent = await writing.scalar(text(f"""
        SELECT count(*) FROM rental r WHERE r.return_date IS NULL AND {rentals.OVERDUE}
          AND r.rental_date > now() - interval '10 days'"""))
    assert recent == 2


@pytest.mark.parametrize("fragment", ["an", "AN", "zq", "love", "ace", "%", "a_", "  ha "])
async def test_title_search_through_the_bigrams_finds_what_ilike_finds(conn, sql, fragment):
    page = await films.list_films(conn, FilmFilter(title_contains=fragment), limit=100)
    pattern = "%" + fragment.strip().replace("%", "\\%").replace("_", "\\_") + "%"
    expected = sql("SELECT film_id FROM film WHERE title ILIKE :p ORDER BY title, film_id",
                   p=pattern)
    assert page.total == len(expected)
    assert [f.film_id for f in page.films] == [row[0] for row in expected][:100]


async def test_film_stock_and_the_closest_titles_as_before(conn, sql):
    film_id = sql("SELECT film_id FROM inventory GROUP BY film_id ORDER BY count(*) DESC "
                  "LIMIT 1")[0][0]
    stock = await films.film_stock(conn, film_id)
    assert [(s.store_id, s.copies, s.in_stock) for s in stock] == [tuple(row) for row in sql("""
        SELECT s.store_id, count(i.inventory_id),
               count(i.inventory_id) FILTER (WHERE r.rental_id IS NULL)
        FROM store s
        LEFT JOIN inventory i ON i.store_id = s.store_id AND i.film_id = :film
        LEFT JOIN rental r ON r.inventory_id = i.inventory_id AND r.return_date IS NULL
        GROUP BY s.store_id ORDER BY s.store_id""", film=film_id)]
    assert await films.closest_titles(conn, "the acadmy dinosaurs") == [row[0] for row in sql("""
        SELECT f.title FROM film f,
             LATERAL (SELECT count(*) AS n FROM unnest(ARRAY['%acad%', '%dino%']) p
                      WHERE f.title ILIKE p) AS shared
        WHERE f.title ILIKE ANY(ARRAY['%acad%', '%dino%'])
        ORDER BY shared.n DESC, f.title LIMIT 5""")]
    assert [a.name for a in await films.find_actors(conn, "penelope guinnes")] == [
        "PENELOPE GUINESS"]


# --- the refresh: when it runs, and what rental_totals holds --------------------------------

ALL_HISTORY = """
    WITH paid AS (SELECT rental_id, sum(amount) AS amount FROM payment, stats_as_of m
                  WHERE payment_id <= m.last_payment_id AND payment_date < m.cutoff
                  GROUP BY rental_id),
    counted AS (SELECT i.store_id, i.film_id, r.customer_id, coalesce(paid.amount, 0) AS amount
                FROM rental r JOIN inventory i USING (inventory_id)
                LEFT JOIN paid USING (rental_id), stats_as_of m
                WHERE r.rental_id <= m.last_rental_id AND r.rental_date < m.cutoff),
    per_film AS (SELECT coalesce(store_id, 0) AS store_id, film_id, count(*) AS rentals,
                        sum(amount) AS revenue
                 FROM counted GROUP BY GROUPING SETS ((store_id, film_id), (film_id)))
    SELECT 'films', store_id, film_id, rentals, revenue FROM per_film
    UNION ALL SELECT 'films', 0, film_id, 0, 0 FROM film
              WHERE film_id NOT IN (SELECT film_id FROM per_film)
    UNION ALL SELECT 'customers', coalesce(store_id, 0), customer_id, count(*), sum(amount)
              FROM counted GROUP BY GROUPING SETS ((store_id, customer_id), (customer_id))
    UNION ALL SELECT 'categories', store_id, category_id, sum(rentals), sum(revenue)
              FROM per_film JOIN film_category USING (film_id) GROUP BY 1, 2, 3
    UNION ALL SELECT 'actors', store_id, actor_id, sum(rentals), sum(revenue)
              FROM per_film JOIN film_actor USING (film_id) GROUP BY 1, 2, 3"""


async def test_keep_fresh_refreshes_views_far_behind_at_once(new_database):
    """A bulk load (the demo store, whose totals `db demo` leaves to the app) puts the views
    BEHIND_ROWS rentals behind: the app's background task refreshes them at its first look,
    not an hour later; then they are not due again. rental_totals, summed from the yearly
    totals (migration 0009), holds every figure over all history, never-rented films too."""
    url = fresh_demo_store(new_database("behind"))
    database = Database(url, pool_size=2)
    try:
        async with database.reading() as conn:
            assert await conn.scalar(text("SELECT last_rental_id FROM stats_as_of")) == 0
            assert await conn.scalar(text(totals.REFRESH_DUE), {"every": totals.REFRESH_EVERY})
        task = asyncio.create_task(totals.keep_fresh(database, check_every=0.05))
        try:
            for _ in range(600):
                async with database.reading() as conn:
                    mark = await conn.scalar(text("SELECT last_rental_id FROM stats_as_of"))
                if mark:
                    break
                await asyncio.sleep(0.05)
        finally:
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
        async with database.reading() as conn:
            assert mark == await conn.scalar(text("SELECT max(rental_id) FROM rental"))
            assert not await conn.scalar(text(totals.REFRESH_DUE), {"every": totals.REFRESH_EVERY})
            assert await conn.scalar(text(totals.REFRESH_DUE), {"every": -totals.MARGIN_SECONDS})
            held = (await conn.execute(text(
                "SELECT kind, store_id, key, rentals, revenue FROM rental_totals"))).all()
            plain = (await conn.execute(text(ALL_HISTORY))).all()
        assert sorted(map(tuple, held)) == sorted(map(tuple, plain))
        assert {kind for kind, *_ in held} == {"films", "customers", "categories", "actors"}
    finally:
        await database.close()


# --- film_counts: the counts the database keeps (migration 0011) ----------------------------

PLAIN_FILM_COUNTS = """
    SELECT 'catalogue', 0, count(*) FROM film
    UNION ALL SELECT 'streaming', 0, count(*) FILTER (WHERE streaming_available) FROM film
    UNION ALL SELECT 'category', category_id, count(*) FROM film_category GROUP BY 2"""


async def kept_and_plain(conn) -> tuple[set, set]:
    kept = (await conn.execute(text(
        "SELECT kind, key, films FROM film_counts WHERE kind <> 'category' OR films <> 0"))).all()
    return set(map(tuple, kept)), set(map(tuple, (await conn.execute(text(PLAIN_FILM_COUNTS)))))


async def test_film_counts_follow_every_kind_of_write(writing):
    """Films added (several in one statement), put on or taken off the streaming shelf,
    recategorized and removed: the kept counts stay those of a plain count, and the film
    lists' totals read them."""
    kept, plain = await kept_and_plain(writing)
    assert kept == plain
    added = (await writing.execute(text("""
        INSERT INTO film (title, language_id, streaming_available)
        VALUES ('COUNTED ONE', 1, true), ('COUNTED TWO', 1, false), ('COUNTED THREE', 1, true)
        RETURNING film_id"""))).scalars().all()
    await writing.execute(text("""
        INSERT INTO film_category (film_id, category_id)
        SELECT film_id, 1 + film_id % 2 FROM unnest(CAST(:ids AS int[])) AS film_id"""),
        {"ids": added})
    await writing.execute(text("UPDATE film SET streaming_available = NOT streaming_available "
                               "WHERE film_id IN (:a, 1, 2, 3)"), {"a": added[0]})
    await writing.execute(text("UPDATE film_category SET category_id = 5 WHERE film_id = :a"),
                          {"a": added[1]})
    await writing.execute(text("DELETE FROM film_category WHERE film_id = :a"), {"a": added[2]})
    await writing.execute(text("DELETE FROM film WHERE film_id = :a"), {"a": added[2]})
    kept, plain = await kept_and_plain(writing)
    assert kept == plain
    for filters in (FilmFilter(), FilmFilter(streaming=True), FilmFilter(streaming=False),
                    FilmFilter(category="ACTION"), FilmFilter(category="no such category")):
        assert films.kept_count(filters) is not None
        where, params = filters.where()
        expected = await writing.scalar(text(f"SELECT count(*) FROM film f WHERE {where}"),
                                        params)
        for bound in (None, 10):
            listed = await films.list_films(writing, filters, limit=3, count_bound=bound)
            assert (listed.total, listed.total_is_lower_bound) == (expected, False), filters
    assert films.kept_count(FilmFilter(category="Action", streaming=True)) is None


# --- title_piece_counts (migrations 0012, 0016) -------------------------------------------

PLAIN_PIECE_COUNTS = """
    SELECT piece, count(DISTINCT f.film_id) FROM film f
    CROSS JOIN LATERAL unnest(text_bigrams(f.title) || text_trigrams(f.title)) AS piece
    GROUP BY piece"""


async def piece_counts(conn) -> tuple[set, set]:
    kept = await conn.execute(text("SELECT piece, films FROM title_piece_counts WHERE films <> 0"))
    return set(map(tuple, kept)), set(map(tuple, await conn.execute(text(PLAIN_PIECE_COUNTS))))


async def test_title_piece_counts_follow_every_kind_of_write(writing):
    """Titles added (several in one statement, one holding a piece twice), retitled, left
    alone by an update, and removed: the kept counts of two- and three-letter pieces stay
    those of a plain count, and a title search's total for two or three letters reads them."""
    kept, plain = await piece_counts(writing)
    assert kept == plain
    assert {len(piece) for piece, _ in kept} == {2, 3}
    zq_before = dict(kept).get("zq", 0)
    added = (await writing.execute(text("""
        INSERT INTO film (title, language_id) VALUES ('BANANA QZ', 1), ('QZ QZ', 1), ('ZQ', 1)
        RETURNING film_id"""))).scalars().all()
    await writing.execute(text("UPDATE film SET title = 'QUIZ' WHERE film_id = :a"),
                          {"a": added[1]})
    await writing.execute(text("UPDATE film SET streaming_available = NOT streaming_available "
                               "WHERE film_id <= 3 OR film_id = :a"), {"a": added[0]})
    await writing.execute(text("DELETE FROM film WHERE film_id = :a"), {"a": added[2]})
    kept, plain = await piece_counts(writing)
    assert kept == plain
    # 'QZ QZ' counted once, then retitled; 'ZQ' counted, then removed: its count back.
    assert ("qz", 1) in kept and ("z q", 0) not in kept and ("qz ", 0) not in kept
    assert await writing.scalar(text(
        "SELECT films FROM title_piece_counts WHERE piece = 'zq'")) == zq_before
    for fragment in ("qz", "QZ ", "an", "zq", "x%", "é!", "ana", "nan", "banana", "er c"):
        filters = FilmFilter(title_contains=fragment)
        where, params = filters.where()
        expected = await writing.scalar(text(f"SELECT count(*) FROM film f WHERE {where}"),
                                        params)
        listed = await films.list_films(writing, filters, limit=2, count_bound=5)
        if films.kept_count(filters) is None and " " in fragment.strip():
            assert listed.total == min(expected, 5), fragment  # counted up to the bound
            assert expected > 5 and listed.total_is_lower_bound, fragment
        else:  # kept, or counted off the titles' words: exact whatever the bound
            assert (listed.total, listed.total_is_lower_bound) == (expected, False), fragment
    for fragment in ("an", "ana", "a b"):
        assert films.kept_count(FilmFilter(title_contains=fragment)) is not None
    assert films.kept_count(FilmFilter(title_contains="anan")) is None
    assert films.kept_count(FilmFilter(title_contains="é!")) is None
    assert films.kept_count(FilmFilter(title_contains="an", streaming=True)) is None


# --- title_words, film_title_words (migration 0017) ------------------------------------------

PLAIN_TITLE_WORDS = """
    SELECT DISTINCT word, film_id, title FROM film
    CROSS JOIN LATERAL regexp_split_to_table(lower(title), ' ') AS word WHERE word <> ''"""


async def title_words(conn) -> tuple[tuple[set, set], tuple[set, set]]:
    """(kept, plain) words of each title, and (kept, plain) vocabulary with its films."""
    kept = set(map(tuple, await conn.execute(text(
        "SELECT word, film_id, title FROM film_title_words"))))
    plain = set(map(tuple, await conn.execute(text(PLAIN_TITLE_WORDS))))
    vocabulary = set(map(tuple, await conn.execute(text("SELECT word, films FROM title_words"))))
    counted = set(map(tuple, await conn.execute(text(
        f"SELECT word, count(*) FROM ({PLAIN_TITLE_WORDS}) AS w GROUP BY word"))))
    return (kept, plain), (vocabulary, counted)


async def test_title_words_follow_every_kind_of_write(writing):
    """Titles added (several in one statement: one with a word twice and two spaces, one
    with two words holding the same fragment, one not in ASCII), retitled keeping a word,
    left alone by an update, and removed (a word of no other title leaves the vocabulary):
    the words kept are those of the titles, and a search of a fragment without a space,
    read off them, finds what ILIKE finds, each film once."""
    words, vocabulary = await title_words(writing)
    assert words[0] == words[1] and vocabulary[0] == vocabulary[1]
    added = (await writing.execute(text("""
        INSERT INTO film (title, language_id)
        VALUES ('QUUX  QUUX', 1), ('BANANA BANANAS', 1), ('Ünïcode Öl', 1), ('ZYZZYVA', 1)
        RETURNING film_id"""))).scalars().all()
    await writing.execute(text("UPDATE film SET title = 'BANANAS SPLIT' WHERE film_id = :a"),
                          {"a": added[1]})
    await writing.execute(text("UPDATE film SET streaming_available = NOT streaming_available "
                               "WHERE film_id <= 3 OR film_id = :a"), {"a": added[0]})
    await writing.execute(text("DELETE FROM film WHERE film_id IN (:a, :b)"),
                          {"a": added[0], "b": added[3]})
    words, vocabulary = await title_words(writing)
    assert words[0] == words[1] and vocabulary[0] == vocabulary[1]
    assert ("bananas", added[1], "BANANAS SPLIT") in words[0]
    assert not {word for word, _ in vocabulary[0]} & {"quux", "zyzzyva", "banana"}
    await writing.execute(text("UPDATE film SET title = 'BANANA BANANAS' WHERE film_id = :a"),
                          {"a": added[1]})
    for fragment in ("anan", "ANANAS", "ünï", "öL", "na%s", "an_a", "quux", "dinosaur", "a"):
        assert " " not in fragment and films.kept_count(FilmFilter(title_contains=fragment)) is None
        listed = await films.list_films(writing, FilmFilter(title_contains=fragment), limit=3,
                                        count_bound=5)
        every = [row[0] for row in await writing.execute(text(
            "SELECT film_id FROM film WHERE strpos(lower(title), lower(:fragment)) > 0"
            " ORDER BY title, film_id"), {"fragment": fragment})]
        assert [f.film_id for f in listed.films] == every[:3], fragment
        assert (listed.total, listed.total_is_lower_bound) == (len(every), False), fragment


@pytest.mark.parametrize("first", ["removes", "adds"])
async def test_title_words_stay_true_when_two_writers_meet_on_a_word(new_database, first):
    """One writer removes the last film with a word while another adds a film with it,
    whichever comes first: the second waits on the rows the first's triggers changed until
    it commits, and the words kept end those of the titles (the word kept, counted once)."""
    url = new_database("words")
    upgrade(url)
    database = Database(url, pool_size=3)
    try:
        async with database.engine.connect() as setup:
            await setup.execute(text("INSERT INTO language (name) VALUES ('English')"))
            await setup.execute(text(
                "INSERT INTO film (title, language_id) VALUES ('ZYZZYVA', 1), ('OTHER', 1)"))
            await setup.commit()
        removing = "DELETE FROM film WHERE title = 'ZYZZYVA'"
        adding = "INSERT INTO film (title, language_id) VALUES ('ZYZZYVA RETURNS', 1)"
        one, two = (removing, adding) if first == "removes" else (adding, removing)
        async with database.engine.connect() as a, database.engine.connect() as b:
            # Reads run in autocommit: these two in transactions.
            a = await a.execution_options(isolation_level="READ COMMITTED")
            b = await b.execution_options(isolation_level="READ COMMITTED")
            await a.begin()
            await b.begin()
            await a.execute(text(one))
            b_pid = await b.scalar(text("SELECT pg_backend_pid()"))
            second = asyncio.create_task(b.execute(text(two)))
            async with database.engine.connect() as watch:
                for _ in range(200):  # until the second writer waits on a lock
                    waiting = await watch.scalar(text(
                        "SELECT wait_event_type FROM pg_stat_activity WHERE pid = :pid"),
                        {"pid": b_pid})
                    if waiting == "Lock":
                        break
                    await asyncio.sleep(0.02)
            assert waiting == "Lock" and not second.done()
            await a.commit()
            await second
            await b.commit()
        async with database.reading() as conn:
            words, vocabulary = await title_words(conn)
        assert words[0] == words[1] and vocabulary[0] == vocabulary[1]
        assert ("zyzzyva", 1) in vocabulary[0]
    finally:
        await database.close()


async def test_kept_counts_of_a_bulk_load(new_database):
    """The demo store's load truncates the tables and COPYs the films in: the counts and
    words the database keeps (film_counts, title_piece_counts, title_words) follow, and the
    words are vacuumed, so that a search reads them off the index alone."""
    url = fresh_demo_store(new_database("counted"))
    database = Database(url, pool_size=1)
    try:
        async with database.reading() as conn:
            kept, plain = await kept_and_plain(conn)
            assert kept == plain and ("catalogue", 0, 1000) in kept
            kept, plain = await piece_counts(conn)
            assert kept == plain and len(kept) > 100
            words, vocabulary = await title_words(conn)
            assert words[0] == words[1] and len(words[0]) >= 1000
            assert vocabulary[0] == vocabulary[1]
            assert await conn.scalar(text(
                "SELECT relallvisible = relpages AND relpages > 0 FROM pg_class"
                " WHERE relname = 'film_title_words'"))
    finally:
        await database.close()


async def test_film_rows_are_the_films_asked_for_in_their_order_with_every_column(conn, sql):
    """film_rows (migration 0014) is how every film is read: the ids' films, in their order,
    an unknown id left out, each with the columns of the plain SQL it replaced."""
    rows = (await conn.execute(text(
        "SELECT * FROM film_rows(ARRAY[3, 999999, 1, 2])"))).mappings().all()
    assert [(r["film_id"], r["position"]) for r in rows] == [(3, 1), (1, 3), (2, 4)]
    plain = sql("""
        SELECT f.film_id, f.title, f.description, f.release_year, f.rental_duration,
               f.rental_rate, f.length, f.rating::text AS rating, f.streaming_available,
               f.last_update, c.name AS category, trim(l.name) AS language,
               f.replacement_cost, f.special_features
        FROM film f JOIN language l USING (language_id)
        JOIN film_category fc USING (film_id) JOIN category c USING (category_id)
        WHERE f.film_id = 3""")[0]
    assert {k: v for k, v in rows[0].items() if k != "position"} == dict(plain._mapping)
    assert str(rows[0]["rental_rate"]) == str(plain.rental_rate)  # its scale kept: "2.99"


async def test_film_rows_keeps_its_generic_plan(conn):
    """Migration 0018: film_rows runs its query on its generic plan. Planned for one film it
    replanned at every call (0.6-0.9 ms against 0.25). A later CREATE OR REPLACE of the
    function drops the setting unless it restates it."""
    config = await conn.scalar(text(
        "SELECT proconfig FROM pg_proc WHERE oid = 'film_rows(integer[])'::regprocedure"))
    assert config == ["plan_cache_mode=force_generic_plan"]


async def test_two_categories_cannot_share_a_name_whatever_the_case(writing):
    from sqlalchemy.exc import IntegrityError

    with pytest.raises(IntegrityError, match="idx_category_lower_name"):
        await writing.execute(text("INSERT INTO category (name) VALUES ('comedy')"))


@pytest.mark.parametrize("walk_from", [0, 10**9], ids=["walked", "read-whole"])
async def test_a_category_page_is_the_same_walked_or_read_whole(conn, sql, monkeypatch,
                                                                walk_from):
    """A category's page is read one of two ways, chosen from its size when the statement
    runs: each way, with every category sent down it, gives the plain SQL's page and count."""
    monkeypatch.setattr(films, "_CATEGORY_WALK_FROM", walk_from)
    for name, sort, descending, skip in (("Comedy", "title", False, 0),
                                         ("comedy", "length", True, 7),
                                         ("Music", "rate", False, 20),
                                         ("Travel", "year", True, 55)):
        page = await films.list_films(conn, FilmFilter(category=name), skip=skip, limit=5,
                                      sort=sort, descending=descending)
        way = "DESC NULLS LAST" if descending else "ASC NULLS LAST"
        order = f"f.{films.SORTS[sort][0]} {way}, f.title, f.film_id"
        every = [row[0] for row in sql(f"""
            SELECT f.film_id FROM film f JOIN film_category USING (film_id)
            JOIN category c USING (category_id) WHERE lower(c.name) = lower('{name}')
            ORDER BY {order}""")]
        assert [f.film_id for f in page.films] == every[skip:skip + 5], (name, sort)
        assert (page.total, page.total_is_lower_bound) == (len(every), False)
    unknown = await films.list_films(conn, FilmFilter(category="no such category"))
    assert (unknown.total, unknown.films) == (0, [])


@pytest.mark.parametrize("walk_weight", [10**9, 0], ids=["walked", "through-an-index"])
async def test_a_title_search_page_is_the_same_walked_or_read_through_an_index(
        conn, sql, monkeypatch, walk_weight):
    """A search for two or three letters is walked along the order's index or read through
    another (the titles' words for a fragment without a space in title order, else the
    bigrams), chosen from their kept count when the statement runs: each way, with every
    fragment sent down it, gives the plain SQL's page and count (the fragment's % and _ taken
    as they are). So does a longer one, read off the titles' words (no space, in title order)
    or read once for count and page."""
    monkeypatch.setattr(films, "_TITLE_WALK_WEIGHT", walk_weight)
    monkeypatch.setattr(films, "_WORDS_WALK_WEIGHT", walk_weight)
    for fragment, sort, descending, skip in (("an", "title", False, 0), ("AN ", "title", False, 3),
                                             ("the", "length", True, 2), ("e_", "title", False, 0),
                                             ("ana", "rate", False, 1), ("zq", "year", True, 0),
                                             ("% a", "title", False, 0),
                                             ("THE", "title", True, 5), ("ace", "title", False, 9),
                                             # off the titles' words (no space)
                                             ("dinosaur", "title", False, 1),
                                             ("DINO", "title", True, 0), ("é!", "title", False, 0),
                                             # counted, not kept: read once for count and page
                                             ("ster", "length", False, 1),
                                             ("an a", "length", False, 2),
                                             ("academy d", "rate", True, 0)):
        page = await films.list_films(conn, FilmFilter(title_contains=fragment), skip=skip,
                                      limit=4, sort=sort, descending=descending)
        way = "DESC NULLS LAST" if descending else "ASC NULLS LAST"
        every = [row[0] for row in sql(
            f"SELECT film_id FROM film WHERE strpos(lower(title), lower(:fragment)) > 0"
            f" ORDER BY {films.SORTS[sort][0]} {way}, title, film_id", fragment=fragment.strip())]
        assert [f.film_id for f in page.films] == every[skip:skip + 4], (fragment, sort)
        assert (page.total, page.total_is_lower_bound) == (len(every), False), fragment


async def prepared_statements(conn) -> dict[str, tuple[int, int]]:
    """This connection's prepared statements: text -> (generic plans, custom plans) run."""
    rows = await conn.execute(text(
        "SELECT statement, generic_plans, custom_plans FROM pg_prepared_statements"))
    return {" ".join(statement.split()): (generic, custom) for statement, generic, custom in rows}


async def test_searches_are_planned_for_their_values_and_lookups_once(conn):
    """A plan made once for any title fragment took 45 ms for `q=an` at x100 (7 ms planned
    for it): a search counted up to a bound (the chat's) is planned for its values. One for
    two or three letters chooses its way when it runs, and one counted exactly reads every
    match (off the titles' words, or through the bigram index): each is prepared. So are a read by key and a film list whose only values are its
    page and category; from its sixth run PostgreSQL keeps one plan."""
    for run in range(7):
        await films.list_films(conn, FilmFilter(title_contains="anan", streaming=True),
                               count_bound=50)
        await films.list_films(conn, FilmFilter(title_contains=("anan", "dinosaur")[run % 2]))
        await films.list_films(conn, FilmFilter(title_contains=("an a", "academy d")[run % 2]))
        await films.list_films(conn, FilmFilter(title_contains=("an", "the", "zq")[run % 3]))
        await films.list_films(conn, FilmFilter(ratings=("PG",)))
        await films.list_films(conn, FilmFilter(category="Comedy"), skip=10)
        await films.get_film(conn, 1)
        await payments.balance(conn, 1)
    kept = await prepared_statements(conn)
    assert not [s for s in kept if "f.rating = ANY" in s or "LIMIT 51" in s]
    for needle in ("FROM film f WHERE f.film_id = $1", "AS as_of", "WITH wanted AS",
                   "WITH counted AS", "WITH matches AS MATERIALIZED (SELECT f.film_id",
                   "count(DISTINCT film_id) FROM film_title_words"):
        (statement,) = [s for s in kept if needle in s]
        generic, custom = kept[statement]
        assert generic >= 1 and generic + custom == 7, (needle, generic, custom)
