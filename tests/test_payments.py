"""A customer's payments, on the official Pagila (its payment table is partitioned by month):
the service against SQL written here, and the kernel function the chat calls."""

import json
from datetime import date

from assistant import payments, periods
from plugins import CustomersPlugin


async def test_the_history_counts_and_sums_every_payment_and_pages_newest_first(database, sql):
    customer_id, count, total = sql("""
        SELECT customer_id, count(*), sum(amount) FROM payment
        GROUP BY customer_id ORDER BY count(*) DESC, customer_id LIMIT 1""")[0]
    newest = [row[0] for row in sql("""
        SELECT payment_id FROM payment WHERE customer_id = :c
        ORDER BY payment_date DESC, payment_id DESC LIMIT 20""", c=customer_id)]
    async with database.reading() as conn:
        first = await payments.payment_history(conn, customer_id, skip=0, limit=10)
        second = await payments.payment_history(conn, customer_id, skip=10, limit=10)
    assert (first.count, first.total) == (count, total) and count > 20
    assert [p.payment_id for p in first.payments + second.payments] == newest


async def test_the_history_of_a_period_counts_and_sums_only_its_payments(database, sql):
    """Official Pagila's payments run from January to July 2022."""
    customer_id, count, total = sql("""
        SELECT customer_id, count(*), sum(amount) FROM payment
        WHERE payment_date >= '2022-05-01' AND payment_date < '2022-06-01'
        GROUP BY customer_id ORDER BY count(*) DESC, customer_id LIMIT 1""")[0]
    everything = sql("SELECT count(*) FROM payment WHERE customer_id = :c", c=customer_id)[0][0]
    may = periods.period_of("May 2022", date(2026, 12, 1))
    async with database.reading() as conn:
        history = await payments.payment_history(conn, customer_id, limit=50, period=may)
    assert (history.period, history.count, history.total) == ("May 2022", count, total)
    assert count < everything and len(history.payments) == count
    assert all(p.payment_date.strftime("%Y-%m") == "2022-05" for p in history.payments)


async def test_the_function_says_the_period_of_its_figures(database, sql):
    customer_id, total = sql("""
        SELECT customer_id, sum(amount) FROM payment
        WHERE payment_date >= '2022-01-01' AND payment_date < '2023-01-01'
        GROUP BY customer_id ORDER BY customer_id LIMIT 1""")[0]
    plugin = CustomersPlugin(database)
    sent = json.loads(str(await plugin.customer_payments(customer_id=customer_id, period="2022")))
    assert (sent["period"], sent["total_paid"]) == ("2022", f"{total:.2f}")
    wrong = json.loads(str(await plugin.customer_payments(customer_id=customer_id,
                                                          period="the blue moon")))
    assert "is not a period I know" in wrong["error"]


async def test_a_customer_without_payments_has_paid_nothing(database, sql):
    customer_id = sql("""
        SELECT customer_id FROM customer c
        WHERE NOT EXISTS (SELECT 1 FROM payment p WHERE p.customer_id = c.customer_id)
        ORDER BY customer_id LIMIT 1""")
    if not customer_id:  # every customer of the official dump has paid: make one who hasn't
        customer_id = sql("""
            INSERT INTO customer (store_id, first_name, last_name, address_id, activebool)
            VALUES (1, 'NEVER', 'PAID', 1, true) RETURNING customer_id""")
    async with database.reading() as conn:
        history = await payments.payment_history(conn, customer_id[0][0])
    assert (history.count, history.total, history.payments) == (0, 0, [])


async def test_the_function_states_totals_and_says_when_there_is_no_such_customer(database, sql):
    customer_id, count, total = sql("""
        SELECT customer_id, count(*), sum(amount) FROM payment
        GROUP BY customer_id ORDER BY customer_id LIMIT 1""")[0]
    plugin = CustomersPlugin(database)
    sent = json.loads(str(await plugin.customer_payments(customer_id=customer_id, page=2)))
    assert sent["customer"]["customer_id"] == customer_id and sent["page"] == 2
    assert (sent["payments_count"], sent["total_paid"]) == (count, f"{total:.2f}")
    missing = json.loads(str(await plugin.customer_payments(customer_id=999999)))
    assert missing == {"error": "Customer with ID 999999 not found"}
