"""Customers: by id, and found by name or email (several matches are reported, never guessed)."""

from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from assistant.db import prepared
from assistant.errors import CustomerNotFound
from assistant.models import Customer
from assistant.totals import COUNT_BOUND, Count, count_sql

_CUSTOMER_COLUMNS = (
    "customer_id, store_id, first_name, last_name, email, activebool AS active"
)


async def get_customer(conn: AsyncConnection, customer_id: int) -> Customer:
    row = (
        await conn.execute(
            prepared(f"SELECT {_CUSTOMER_COLUMNS} FROM customer WHERE customer_id = :id"),
            {"id": customer_id},
        )
    ).mappings().first()
    if row is None:
        raise CustomerNotFound(customer_id)
    return Customer.model_validate(row)


@dataclass(frozen=True)
class CustomerMatches:
    customers: list[Customer]  # one page: the exact matches when there are any
    total: Count  # how many match in all (not the page size)


async def find_customers(conn: AsyncConnection, query: str, limit: int = 10) -> list[Customer]:
    """Customers matching an id, an email, or a name (every word must match a first or last name).

    An exact full-name or email match wins over partial ones, so "Mary Smith" finds her alone.
    """
    return (await search_customers(conn, query, limit)).customers


async def search_customers(
    conn: AsyncConnection, query: str, limit: int = 10, count_bound: int | None = COUNT_BOUND
) -> CustomerMatches:
    """find_customers' page, with how many customers match in all (exactly up to
    `count_bound`): those matching exactly when there are any, else every partial match."""
    query = " ".join(query.split())
    if query.isdigit():
        try:
            return CustomerMatches([await get_customer(conn, int(query))], Count(1))
        except CustomerNotFound:
            return CustomerMatches([], Count(0))
    words = query.lower().split()
    if not words:
        return CustomerMatches([], Count(0))
    # Every clause is one the customer's name and email indexes answer (migration 0006).
    params: dict = {"limit": limit, "query": query.lower()}
    exact = "lower(email) = :query OR lower(first_name || ' ' || last_name) = :query"
    word_clauses = []
    for i, word in enumerate(words):
        params[f"w{i}"] = f"{word}%"
        word_clauses.append(f"(lower(first_name) LIKE :w{i} OR lower(last_name) LIKE :w{i})")
    partial = " AND ".join(word_clauses)
    if "@" in query:
        params["email_prefix"] = f"{query.lower()}%"
        partial = f"({partial}) OR lower(email) LIKE :email_prefix"
    # Two pages, each in the order of the last-name index: the exact matches, and the partial
    # ones (which hold the exact ones); the exact ones win when there are any.
    rows = await conn.execute(
        text(f"""
            SELECT ({count_sql(f"SELECT 1 FROM customer WHERE {exact}", count_bound)})
                       AS exact_total,
                   ({count_sql(f"SELECT 1 FROM customer WHERE {partial}", count_bound)})
                       AS total,
                   page.*
            FROM (SELECT 1) AS one LEFT JOIN LATERAL (
                (SELECT true AS exact, {_CUSTOMER_COLUMNS} FROM customer WHERE {exact}
                 ORDER BY last_name, first_name, customer_id LIMIT :limit)
                UNION ALL
                (SELECT false, {_CUSTOMER_COLUMNS} FROM customer WHERE {partial}
                 ORDER BY last_name, first_name, customer_id LIMIT :limit)
            ) AS page ON true
        """),
        params,
    )
    rows = rows.mappings().all()
    found = [row for row in rows if row["customer_id"] is not None]
    exact_ones = [Customer.model_validate(row) for row in found if row["exact"]]
    if exact_ones:
        return CustomerMatches(exact_ones, Count.of(rows[0]["exact_total"], count_bound))
    customers = [Customer.model_validate(row) for row in found if not row["exact"]]
    return CustomerMatches(customers, Count.of(rows[0]["total"], count_bound))
