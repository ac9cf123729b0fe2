"""Payments: what a customer has paid the store, newest first, with the total.

Read from `payment` as it is (the official dump's copy is partitioned by month; the query
needs no partition key, and each partition has its customer index).
"""

from datetime import datetime
from decimal import Decimal

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from assistant.models import Money, Record


class Payment(Record):
    payment_id: int
    rental_id: int | None = None
    amount: Money
    paid: datetime
    staff_id: int


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
        "SELECT payment_id, rental_id, amount, payment_date AS paid, staff_id FROM payment "
        "WHERE customer_id = :customer ORDER BY payment_date DESC, payment_id DESC "
        "OFFSET :skip LIMIT :limit"
    ), {"customer": customer_id, "skip": skip, "limit": limit})
    return PaymentHistory(
        customer_id=customer_id, count=totals["count"], total=Decimal(totals["total"]),
        payments=[Payment.model_validate(row) for row in rows.mappings()],
    )
