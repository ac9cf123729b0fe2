"""Balances and late fees on the official Pagila: the app, the repaired get_customer_balance()
and the tests' own statement of the rule give the same figures; the REST endpoints."""

from datetime import datetime
from decimal import Decimal

import pytest

from assistant import payments
from assistant.errors import CustomerNotFound, RentalNotFound
from tests.late_fee_rule import late_fee


def oracle_balance(sql, customer_id: int, now: datetime) -> Decimal:
    """Pagila's balance from the rows, by the tests' own rule."""
    owed = sum((rate + late_fee(rented, returned or now, duration, replacement)
                for rate, rented, returned, duration, replacement in sql("""
        SELECT f.rental_rate, r.rental_date, r.return_date, f.rental_duration, f.replacement_cost
        FROM rental r JOIN inventory i USING (inventory_id) JOIN film f USING (film_id)
        WHERE r.customer_id = :c""", c=customer_id)), Decimal(0))
    paid = sql("SELECT coalesce(sum(amount), 0) FROM payment WHERE customer_id = :c",
               c=customer_id)[0][0]
    return owed - paid


async def test_every_customers_balance_adds_up_and_matches_sql_and_the_rule(database, sql):
    customers = [row[0] for row in sql("SELECT customer_id FROM customer ORDER BY 1")]
    async with database.reading() as conn:
        balances = [await payments.balance(conn, c) for c in customers]
    in_sql = dict(sql("SELECT customer_id, get_customer_balance(customer_id, now()) "
                      "FROM customer"))
    for b in balances:
        assert b.rental_fees + b.late_fees - b.paid == b.balance == in_sql[b.customer_id]
    for b in balances[::60]:  # ten of them, recomputed from the rows by the tests' rule
        assert b.balance == oracle_balance(sql, b.customer_id, b.as_of)
    assert sum(b.late_fees > 0 for b in balances) > 500  # the official rentals were late


async def test_a_rentals_late_fee_as_of_now_or_at_its_return(database, sql):
    out, returned = sql("""
        (SELECT rental_id FROM rental WHERE return_date IS NULL ORDER BY rental_id LIMIT 1)
        UNION ALL
        (SELECT r.rental_id FROM rental r JOIN inventory i USING (inventory_id)
         JOIN film f USING (film_id)
         WHERE r.return_date > r.rental_date + (f.rental_duration + 1) * interval '1 day'
           AND r.return_date < r.rental_date + 2 * f.rental_duration * interval '1 day'
         ORDER BY r.rental_id LIMIT 1)""")
    async with database.reading() as conn:
        still_out = await payments.late_fee(conn, out[0])
        back = await payments.late_fee(conn, returned[0])
        with pytest.raises(RentalNotFound):
            await payments.late_fee(conn, 99999999)
    assert still_out.out and still_out.replacement_charged  # out since 2022
    assert still_out.late_fee == sql("""SELECT f.replacement_cost FROM rental r JOIN inventory
        USING (inventory_id) JOIN film f USING (film_id) WHERE r.rental_id = :r""",
                                     r=out[0])[0][0]
    rented, back_on, duration, replacement = sql("""
        SELECT r.rental_date, r.return_date, f.rental_duration, f.replacement_cost FROM rental r
        JOIN inventory i USING (inventory_id) JOIN film f USING (film_id)
        WHERE r.rental_id = :r""", r=returned[0])[0]
    assert not back.out and back.days_late >= 1
    assert back.late_fee == late_fee(rented, back_on, duration, replacement) > 0


async def test_an_unknown_customer_has_no_balance(database):
    async with database.reading() as conn:
        with pytest.raises(CustomerNotFound):
            await payments.balance(conn, 99999)


def test_the_rest_endpoints_give_the_balance_and_the_payments(client, sql):
    balance = client.get("/api/v1/customers/1/balance")
    assert balance.status_code == 200
    body = balance.json()
    assert Decimal(body["balance"]) == sql("SELECT get_customer_balance(1, now())")[0][0]
    assert set(body) == {"customer_id", "as_of", "rental_fees", "late_fees", "paid", "balance"}
    newest = [row[0] for row in sql("""SELECT payment_id FROM payment WHERE customer_id = 1
                                       ORDER BY payment_date DESC, payment_id DESC LIMIT 3""")]
    paid = client.get("/api/v1/customers/1/payments", params={"limit": 3})
    assert [p["payment_id"] for p in paid.json()] == newest
    for path in ("/api/v1/customers/99999/balance", "/api/v1/customers/99999/payments"):
        missing = client.get(path)
        assert missing.status_code == 404
        assert missing.json() == {"detail": "Customer with ID 99999 not found"}
    assert client.get("/api/v1/customers/0/balance").status_code == 422
    assert client.get("/api/v1/customers/1/payments", params={"limit": 0}).status_code == 422
