"""Customers: by id, and found by name or email (several matches are reported, never guessed)."""

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from assistant.errors import CustomerNotFound
from assistant.models import Customer

_CUSTOMER_COLUMNS = (
    "customer_id, store_id, first_name, last_name, email, activebool AS active"
)


async def get_customer(conn: AsyncConnection, customer_id: int) -> Customer:
    row = (
        await conn.execute(
            text(f"SELECT {_CUSTOMER_COLUMNS} FROM customer WHERE customer_id = :id"),
            {"id": customer_id},
        )
    ).mappings().first()
    if row is None:
        raise CustomerNotFound(customer_id)
    return Customer.model_validate(row)


async def find_customers(conn: AsyncConnection, query: str, limit: int = 10) -> list[Customer]:
    """Customers matching an id, an email, or a name (every word must match a first or last name).

    An exact full-name or email match wins over partial ones, so "Mary Smith" finds her alone.
    """
    query = " ".join(query.split())
    if query.isdigit():
        try:
            return [await get_customer(conn, int(query))]
        except CustomerNotFound:
            return []
    words = query.lower().split()
    if not words:
        return []
    params: dict = {"limit": limit, "query": query.lower()}
    word_clauses = []
    for i, word in enumerate(words):
        params[f"w{i}"] = f"{word}%"
        word_clauses.append(f"(lower(first_name) LIKE :w{i} OR lower(last_name) LIKE :w{i})")
    rows = await conn.execute(
        text(f"""
            SELECT {_CUSTOMER_COLUMNS} FROM customer
            WHERE lower(email) = :query
               OR lower(first_name || ' ' || last_name) = :query
               OR ({' AND '.join(word_clauses)})
               OR (position('@' in :query) > 0 AND lower(email) LIKE :query || '%')
            ORDER BY (lower(email) = :query OR lower(first_name || ' ' || last_name) = :query) DESC,
                     last_name, first_name, customer_id
            LIMIT :limit
        """),
        params,
    )
    customers = [Customer.model_validate(row) for row in rows.mappings()]
    exact = [c for c in customers if query.lower() in (c.name.lower(), (c.email or "").lower())]
    return exact or customers
