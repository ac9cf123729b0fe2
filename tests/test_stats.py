"""Store statistics on the official Pagila (rentals and payments of 2022): periods in words,
counts, rankings and revenue against SQL written here, and a period without data."""

import json
from datetime import date
from decimal import Decimal

import pytest

from assistant import periods, stats
from assistant.errors import StoreError
from plugins import StatsPlugin
from plugins.stats import period_asked

TODAY = date(2026, 12, 1)  # a Tuesday


@pytest.mark.parametrize(("words", "start", "end", "named"), [
    ("", None, None, "all time"),
    ("today", date(2026, 12, 1), date(2026, 12, 2), "today"),
    ("yesterday", date(2026, 11, 30), date(2026, 12, 1), "yesterday"),
    ("this week", date(2026, 11, 30), None, "this week"),
    ("last week", date(2026, 11, 23), date(2026, 11, 30), "last week"),
    ("this month", date(2026, 12, 1), None, "this month"),
    ("last month", date(2026, 11, 1), date(2026, 12, 1), "last month"),
    ("last year", date(2025, 1, 1), date(2026, 1, 1), "last year"),
    ("the last 30 days", date(2026, 11, 2), None, "the last 30 days"),
    ("in May 2022", date(2022, 5, 1), date(2022, 6, 1), "May 2022"),
    ("feb", date(2026, 2, 1), date(2026, 3, 1), "February 2026"),
    ("2022", date(2022, 1, 1), date(2023, 1, 1), "2022"),
    ("july 20th 2022", date(2022, 7, 20), date(2022, 7, 21), "July 20, 2022"),
    ("on the 3rd of may 2022", date(2022, 5, 3), date(2022, 5, 4), "May 3, 2022"),
    ("nov 11", date(2026, 11, 11), date(2026, 11, 12), "November 11, 2026"),
    ("2022-07-05", date(2022, 7, 5), date(2022, 7, 6), "July 5, 2022"),
])
def test_periods_in_words(words, start, end, named):
    period = periods.period_of(words, TODAY)
    assert (period.start and period.start.date(), period.end and period.end.date()) == (
        start, end)
    assert period.words == named


def test_words_that_are_no_period_are_refused_plainly():
    with pytest.raises(StoreError, match="is not a period I know"):
        periods.period_of("around the holidays", TODAY)
    with pytest.raises(StoreError, match="is not a day of the calendar"):
        periods.period_of("february 30th 2022", TODAY)


async def test_counts_per_store(database, sql):
    async with database.reading() as conn:
        counts = {c.store_id: c for c in await stats.store_counts(conn)}
        # One store asked about: only its counts are counted.
        assert await stats.store_counts(conn, 2) == [counts[2]]
        assert await stats.store_counts(conn, 9) == []
    for store_id, copies, customers, out in sql("""
            SELECT s.store_id,
                   (SELECT count(*) FROM inventory i WHERE i.store_id = s.store_id),
                   (SELECT count(*) FROM customer c WHERE c.store_id = s.store_id),
                   (SELECT count(*) FROM rental r JOIN inventory i USING (inventory_id)
                    WHERE i.store_id = s.store_id AND r.return_date IS NULL)
            FROM store s"""):
        assert (counts[store_id].copies, counts[store_id].customers,
                counts[store_id].rentals_out) == (copies, customers, out)


async def test_a_ranking_by_rentals_and_by_revenue_in_a_month(database, sql):
    may = periods.period_of("May 2022", TODAY)
    async with database.reading() as conn:
        by_rentals = await stats.ranking(conn, "categories", "rentals", may, limit=3)
        by_revenue = await stats.ranking(conn, "customers", "revenue", may, store_id=2, limit=3)
    assert [(f.label, f.value) for f in by_rentals.rows] == sql("""
        SELECT c.name, count(*) FROM rental r JOIN inventory USING (inventory_id)
        JOIN film_category USING (film_id) JOIN category c USING (category_id)
        WHERE r.rental_date >= '2022-05-01' AND r.rental_date < '2022-06-01'
        GROUP BY c.name ORDER BY 2 DESC, 1 LIMIT 3""")
    assert [(f.label, f.value) for f in by_revenue.rows] == sql("""
        SELECT c.first_name || ' ' || c.last_name, sum(p.amount) FROM rental r
        JOIN inventory i USING (inventory_id) JOIN customer c ON c.customer_id = r.customer_id
        JOIN payment p ON p.rental_id = r.rental_id
        WHERE r.rental_date >= '2022-05-01' AND r.rental_date < '2022-06-01' AND i.store_id = 2
        GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 3""")
    assert by_revenue.unit == "$" and by_rentals.kind == "bar"


async def test_revenue_per_month_and_per_store_add_up_to_the_payments(database, sql):
    year = periods.period_of("2022", TODAY)
    async with database.reading() as conn:
        per_month = await stats.revenue(conn, "month", year)
        per_store = await stats.revenue(conn, "store", year)
    paid = sql("SELECT sum(amount) FROM payment WHERE payment_date >= '2022-01-01' "
               "AND payment_date < '2023-01-01'")[0][0]
    assert per_month.total == per_store.total == paid
    assert [f.label for f in per_month.rows] == sorted(f.label for f in per_month.rows)
    assert per_month.kind == "line" and {f.label for f in per_store.rows} == {
        "store 1", "store 2"}


async def test_rentals_per_month_store_and_category_count_the_rentals_made(database, sql):
    """"How many rentals in 2022", "rentals per store", "per category": the rentals made in
    the period, each at its copy's store, read from the days precomputed (a whole year)."""
    year = periods.period_of("2022", TODAY)
    async with database.reading() as conn:
        per = {each: await stats.rental_counts(conn, each, year)
               for each in ("month", "week", "store", "category")}
        at_store_1 = await stats.rental_counts(conn, "month", year, store_id=1)
    made = """FROM rental r JOIN inventory i USING (inventory_id)
              WHERE r.rental_date >= '2022-01-01' AND r.rental_date < '2023-01-01'"""
    total = sql(f"SELECT count(*) {made}")[0][0]
    assert total > 1000
    assert per["month"].total == per["week"].total == per["store"].total == total
    assert {f.label: f.value for f in per["store"].rows} == dict(
        sql(f"SELECT 'store ' || i.store_id, count(*) {made} GROUP BY 1"))
    assert {f.label: f.value for f in per["category"].rows} == dict(sql(
        """SELECT c.name, count(*) FROM rental r JOIN inventory i USING (inventory_id)
            JOIN film_category fc USING (film_id) JOIN category c USING (category_id)
            WHERE r.rental_date >= '2022-01-01' AND r.rental_date < '2023-01-01'
            GROUP BY 1"""))
    assert at_store_1.total == sql(f"SELECT count(*) {made} AND i.store_id = 1")[0][0]
    assert per["store"].title == "Rentals per store" and per["store"].unit == "rentals"
    assert per["month"].kind == "line" and at_store_1.title == "Rentals per month at store 1"


async def test_a_period_without_data_says_so_and_names_the_latest_month(database, sql):
    async with database.reading() as conn:
        empty = await stats.revenue(conn, "day", periods.period_of("May 2001", TODAY))
    latest = sql("SELECT to_char(max(payment_date), 'FMMonth YYYY') FROM payment")[0][0]
    assert empty.rows == [] and empty.total == Decimal(0)
    assert empty.note == f"No data for May 2001. The latest month with data is {latest}."


async def test_the_counts_give_the_catalogue_and_each_store(database, sql):
    sent = json.loads(str(await StatsPlugin(database).store_counts()))
    assert sent["films_in_catalogue"] == sql("SELECT count(*) FROM film")[0][0]
    assert [s["store_id"] for s in sent["stores"]] == [1, 2]
    only = json.loads(str(await StatsPlugin(database).store_counts(store_id=2)))
    assert [s["store_id"] for s in only["stores"]] == [2]


async def test_no_period_said_is_all_time_without_asking_the_database():
    """Most questions name no period: the database's date is read only when one is named."""
    assert await period_asked(None, "") == await period_asked(None, "  ") == periods.ALL_TIME
