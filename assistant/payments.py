"""Payments and balances: what a customer has paid, what they owe, a rental's late fee.

Read from `payment` as it is (the official dump's copy is partitioned by month; the query
needs no partition key, and each partition has its customer index). Every late fee comes
from the database's rule (rental_late_fee, migration 0004), and a balance is the figure of
get_customer_balance(), which applies the same rule: the chat, the REST API and SQL agree.
"""

from datetime import datetime
from decimal import Decimal

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from assistant.customers import get_customer
from assistant.models import Money, Record
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
    count: int  # every payment, not the page
    total: Money
    payments: list[Payment]  # one page, newest first


async def payment_history(
    conn: AsyncConnection, customer_id: int, skip: int = 0, limit: int = 10
) -> PaymentHistory:
    totals = (await conn.execute(text(
        "SELECT count(*) AS count, coalesce(sum(amount), 0) AS total "
        "FROM payment WHERE customer_id = :customer"
    ), {"customer": customer_id})).mappings().one()
    rows = await conn.execute(text(
        "SELECT payment_id, customer_id, staff_id, rental_id, amount, payment_date FROM payment "
        "WHERE customer_id = :customer ORDER BY payment_date DESC, payment_id DESC "
        "OFFSET :skip LIMIT :limit"
    ), {"customer": customer_id, "skip": skip, "limit": limit})
    return PaymentHistory(
        customer_id=customer_id, count=totals["count"], total=Decimal(totals["total"]),
        payments=[Payment.model_validate(row) for row in rows.mappings()],
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
    await get_customer(conn, customer_id)  # an unknown customer is an error, not a $0 balance
    row = (await conn.execute(text("""
        SELECT now() AS as_of,
               coalesce(sum(f.rental_rate), 0) AS rental_fees,
               coalesce(sum(rental_late_fee(r.rental_date, coalesce(r.return_date, now()),
                                            f.rental_duration, f.replacement_cost)), 0)
                   AS late_fees,
               (SELECT coalesce(sum(amount), 0) FROM payment
                WHERE customer_id = :customer AND payment_date <= now()) AS paid,
               get_customer_balance(:customer, now()) AS balance
        FROM rental r JOIN inventory i USING (inventory_id) JOIN film f USING (film_id)
        WHERE r.customer_id = :customer AND r.rental_date <= now()
    """), {"customer": customer_id})).mappings().one()
    return Balance(customer_id=customer_id, **row)


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
