"""Payments and balances: what a customer has paid, what they owe, a rental's late fee.

Read from `payment` as it is (the official dump's copy is partitioned by month; the query
needs no partition key, and each partition has its customer index). Every late fee comes
from the database's rule (rental_late_fee, migration 0004), and a balance adds up as
get_customer_balance() does, with the same rule: the chat, the REST API and SQL agree.
"""

from datetime import datetime
from decimal import Decimal

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from assistant.db import prepared
from assistant.errors import CustomerNotFound
from assistant.models import Money, Record
from assistant.periods import ALL_TIME, Period, in_period
from assistant.rentals import FEE_RULE, fee_columns, rental_line


class Payment(Record):
    payment_id: int
    customer_id: int
    staff_id: int
    rental_id: int | None = None
    amount: Money
    payment_date: datetime


class PaymentHistory(Record):
    customer_id: int
    period: str  # in words: "all time", "2022", "May 2022"
    count: int  # every payment of the period, not the page
    total: Money
    payments: list[Payment]  # one page, newest first


async def payment_history(
    conn: AsyncConnection, customer_id: int, skip: int = 0, limit: int = 10,
    period: Period = ALL_TIME,
) -> PaymentHistory:
    """A page of the customer's payments within the period, with their count and sum, in one
    statement; an unknown customer is an error."""
    dated, dates = in_period(period, "payment_date")
    rows = (await conn.execute(prepared(f"""
        SELECT c.customer_id IS NOT NULL AS known, totals.count, totals.total, page.*
        FROM (SELECT 1) AS one LEFT JOIN customer c ON c.customer_id = :customer
        CROSS JOIN LATERAL (
            SELECT count(*) AS count, coalesce(sum(amount), 0) AS total FROM payment
            WHERE customer_id = :customer AND {dated}) AS totals
        LEFT JOIN LATERAL (
            SELECT payment_id, staff_id, rental_id, amount, payment_date FROM payment
            WHERE customer_id = :customer AND {dated}
            ORDER BY payment_date DESC, payment_id DESC OFFSET :skip LIMIT :limit) AS page ON true
        ORDER BY page.payment_date DESC, page.payment_id DESC
    """), {"customer": customer_id, "skip": skip, "limit": limit, **dates})).mappings().all()
    if not rows[0]["known"]:
        raise CustomerNotFound(customer_id)
    return PaymentHistory(
        customer_id=customer_id, period=period.words, count=rows[0]["count"],
        total=Decimal(rows[0]["total"]),
        payments=[Payment.model_validate({**row, "customer_id": customer_id})
                  for row in rows if row["payment_id"] is not None],
    )


class Balance(Record):
    """Pagila's balance: rental fees of every rental, plus late fees (a rental still out as of
    now), minus payments. Positive: the customer owes it; negative: in credit."""

    customer_id: int
    as_of: datetime
    rental_fees: Money
    late_fees: Money
    paid: Money
    balance: Money


async def balance(conn: AsyncConnection, customer_id: int) -> Balance:
    """In one statement: the customer (unknown: an error, not a $0 balance) and the three
    parts, added up as get_customer_balance(customer_id, now()) adds them (the tests hold the
    two to the same figure for every customer), without reading the rentals twice."""
    row = (await conn.execute(prepared("""
        SELECT now() AS as_of, c.customer_id IS NOT NULL AS known,
               fees.rental_fees, fees.late_fees, payments.paid
        FROM (SELECT 1) AS one LEFT JOIN customer c ON c.customer_id = :customer
        CROSS JOIN LATERAL (
            SELECT coalesce(sum(f.rental_rate), 0) AS rental_fees,
                   coalesce(sum(rental_late_fee(
                       r.rental_date, least(coalesce(r.return_date, now()), now()),
                       f.rental_duration, f.replacement_cost)), 0) AS late_fees
            FROM rental r JOIN inventory i USING (inventory_id) JOIN film f USING (film_id)
            WHERE r.customer_id = :customer AND r.rental_date <= now()) AS fees
        CROSS JOIN LATERAL (
            SELECT coalesce(sum(amount), 0) AS paid FROM payment
            WHERE customer_id = :customer AND payment_date <= now()) AS payments
    """), {"customer": customer_id})).mappings().one()
    if not row["known"]:
        raise CustomerNotFound(customer_id)
    return Balance(customer_id=customer_id, as_of=row["as_of"], rental_fees=row["rental_fees"],
                   late_fees=row["late_fees"], paid=row["paid"],
                   balance=row["rental_fees"] + row["late_fees"] - row["paid"])


class LateFee(Record):
    """A rental's late fee: as of now while it is out, at its return once returned; and what
    was paid for the rental (its fee, and any late fee recorded at the counter)."""

    rental_id: int
    title: str
    customer_id: int
    customer: str
    out: bool
    due: datetime
    days_late: int
    late_fee: Money
    replacement_charged: bool
    paid_for_rental: Money
    rule: str = FEE_RULE


async def late_fee(conn: AsyncConnection, rental_id: int) -> LateFee:
    line = await rental_line(conn, rental_id)  # RentalNotFound for an unknown rental
    row = (await conn.execute(text(f"""
        SELECT {fee_columns("coalesce(r.return_date, now())")},
               (SELECT coalesce(sum(amount), 0) FROM payment p WHERE p.rental_id = r.rental_id)
                   AS paid_for_rental
        FROM rental r JOIN inventory i USING (inventory_id) JOIN film f USING (film_id)
        WHERE r.rental_id = :rental
    """), {"rental": rental_id})).mappings().one()
    return LateFee(rental_id=rental_id, title=line.title, customer_id=line.customer_id,
                   customer=line.customer_name, out=line.return_date is None, due=line.due_date,
                   **row)
