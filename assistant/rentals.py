"""Rentals: history, what is out, what is overdue, renting a copy and taking it back.

The database enforces "one open rental per copy" (unique partial index
rental_one_open_per_copy); this module maps its verdict to the store's answer.
"""

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import RowMapping, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from assistant import customers, films
from assistant.db import prepared
from assistant.errors import RentalAlreadyReturned, RentalNotFound, RentalRefused, StoreError
from assistant.models import Rental, RentalLine, RentalPlan, ReturnPlan, ReturnReceipt
from assistant.periods import ALL_TIME, Period, in_period
from assistant.totals import Count, count_sql

ONE_OPEN_RENTAL_PER_COPY = "rental_one_open_per_copy"

_RENTAL_COLUMNS = "r.rental_id, r.rental_date, r.inventory_id, r.customer_id, r.return_date, " \
    "r.staff_id, r.last_update"

# A rental with its film, store and customer; days_overdue counts whole days past the due date.
DUE = "r.rental_date + f.rental_duration * interval '1 day'"  # when a rental is due back
# Whether a rental `r` is overdue (DUE before now), over the rental alone. Rented before now
# less the longest rental duration of any film, it is overdue whatever its film: most overdue
# rentals are, and need no look-up; only those rented within the longest duration (and not
# within the shortest) have their film's duration looked up (9,600 of 9,600 overdue at x100
# decided without one, where every one took two: 138 ms to count a thousand, measured).
OVERDUE = f"""(r.rental_date < now() - (SELECT max(rental_duration) FROM film) * interval '1 day'
    OR r.rental_date < now() - (SELECT min(rental_duration) FROM film) * interval '1 day'
       AND EXISTS (SELECT 1 FROM inventory copy JOIN film f USING (film_id)
                   WHERE copy.inventory_id = r.inventory_id AND {DUE} < now()))"""
# The customer's name is looked up for the rows returned only (after any sort and limit).
_LINE_COLUMNS = f"""{_RENTAL_COLUMNS}, f.film_id, f.title, i.store_id,
           (SELECT c.first_name || ' ' || c.last_name FROM customer c
            WHERE c.customer_id = r.customer_id) AS customer_name,
           {DUE} AS due_date,
           rental_days_late(r.rental_date, coalesce(r.return_date, now()), f.rental_duration)
               AS days_overdue"""
_RENTAL_LINE = f"""
    SELECT {_LINE_COLUMNS}
    FROM rental r
    JOIN inventory i ON i.inventory_id = r.inventory_id
    JOIN film f ON f.film_id = i.film_id
"""


# The late-fee rule lives in the database (migration 0004: rental_days_late, rental_late_fee,
# rental_kept_too_long), where get_customer_balance() applies it too: one rule, one figure.
def fee_columns(returned: str) -> str:
    kept = f"r.rental_date, {returned}, f.rental_duration"
    return (f"rental_days_late({kept}) AS days_late, "
            f"rental_late_fee({kept}, f.replacement_cost) AS late_fee, "
            f"rental_kept_too_long({kept}) AS replacement_charged")


FEE_RULE = ("$1 a day past the film's rental duration; kept more than twice the duration, "
            "the film's replacement cost instead")


async def get_rental(conn: AsyncConnection, rental_id: int) -> Rental:
    row = (
        await conn.execute(
            prepared(f"SELECT {_RENTAL_COLUMNS} FROM rental r WHERE r.rental_id = :id"),
            {"id": rental_id},
        )
    ).mappings().first()
    if row is None:
        raise RentalNotFound(rental_id)
    return Rental.model_validate(row)


async def rental_line(conn: AsyncConnection, rental_id: int) -> RentalLine:
    row = (
        await conn.execute(prepared(f"{_RENTAL_LINE} WHERE r.rental_id = :id"), {"id": rental_id})
    ).mappings().first()
    if row is None:
        raise RentalNotFound(rental_id)
    return RentalLine.model_validate(row)


async def customer_rentals(
    conn: AsyncConnection, customer_id: int, skip: int = 0, limit: int = 10
) -> list[Rental]:
    """A customer's rentals, newest first (an unknown customer simply has none)."""
    rows = await conn.execute(
        prepared(f"""
            SELECT {_RENTAL_COLUMNS} FROM rental r WHERE r.customer_id = :customer_id
            ORDER BY r.rental_date DESC, r.rental_id DESC LIMIT :limit OFFSET :skip
        """),
        {"customer_id": customer_id, "limit": limit, "skip": skip},
    )
    return [Rental.model_validate(row) for row in rows.mappings()]


async def active_rentals(
    conn: AsyncConnection, customer_id: int | None = None, skip: int = 0, limit: int = 10
) -> list[Rental]:
    """Rentals not yet returned, newest first."""
    rows = await conn.execute(
        text(f"""
            SELECT {_RENTAL_COLUMNS} FROM rental r
            WHERE r.return_date IS NULL
              AND (CAST(:customer_id AS integer) IS NULL OR r.customer_id = :customer_id)
            ORDER BY r.rental_date DESC, r.rental_id DESC LIMIT :limit OFFSET :skip
        """),
        {"customer_id": customer_id, "limit": limit, "skip": skip},
    )
    return [Rental.model_validate(row) for row in rows.mappings()]


@dataclass(frozen=True)
class RentalFilter:
    """Which rentals a list shows: one customer's, one store's, only those out or overdue,
    only those rented in a period."""

    customer_id: int | None = None
    store_id: int | None = None
    open_only: bool = False
    overdue_only: bool = False
    period: Period = ALL_TIME

    def where(self) -> tuple[str, dict]:
        clauses, params = ["true"], {}
        if self.customer_id is not None:
            clauses.append("r.customer_id = :customer_id")
            params["customer_id"] = self.customer_id
        if self.store_id is not None:
            clauses.append("i.store_id = :store_id")
            params["store_id"] = self.store_id
        if self.open_only or self.overdue_only:
            clauses.append("r.return_date IS NULL")
        if self.overdue_only:
            clauses.append(OVERDUE)
        if self.period != ALL_TIME:
            dated, dates = in_period(self.period, "r.rental_date")
            clauses.append(dated)
            params.update(dates)
        return " AND ".join(clauses), params

    def tables(self) -> str:
        """The tables `where()` reads: a rental's copy for its store (looked up rental by
        rental: RENTED_COPY)."""
        return RENTED_COPY if self.store_id is not None else "rental r"


# A rental with its copy, and with its film, each looked up by key for each rental (OFFSET 0
# fences the lookups): the planner takes the open rentals of a date range or of a store for
# many more than they are (it cannot tell that most are recent), and would otherwise read the
# whole inventory to join them.
RENTED_COPY = """rental r
    CROSS JOIN LATERAL (SELECT i.store_id, i.film_id FROM inventory i
                        WHERE i.inventory_id = r.inventory_id OFFSET 0) AS i"""
RENTED = f"""{RENTED_COPY}
    CROSS JOIN LATERAL (SELECT f.film_id, f.title, f.rental_duration FROM film f
                        WHERE f.film_id = i.film_id OFFSET 0) AS f"""


async def by_due_date(conn: AsyncConnection, where: str, params: dict, columns: str,
                      skip: int, limit: int) -> list[RowMapping]:
    """`columns` of the rentals matching `where` (over rental r, inventory i, film f) ordered
    by due date (DUE, rental_id), one page, without working out the due date of
    every rental matching (19,200 open rentals at x100).

    Due = rented + the film's rental duration, which lies between the shortest and the longest
    duration of any film (off the film(rental_duration) index). Say the first skip + limit
    rentals by rental date (read oldest first along the open-rental index) were rented by t:
    they are due by t + longest, so the first skip + limit by due date are too, and were rented
    by t + longest - shortest: only the rentals rented by then are ordered. The bound is worked
    out first and sent as a value, so the planner sees how few rentals it keeps; the page's
    statement checks that at least skip + limit rentals matching were still rented by t (a
    rental returned in between could break that), and is run without the bound otherwise."""
    window = skip + limit
    first = (await conn.execute(text(f"""
        SELECT max(k.rental_date) AS rented_by, count(*) AS n,
               max(k.rental_date) + (SELECT max(rental_duration) - min(rental_duration)
                                     FROM film) * interval '1 day' AS bound
        FROM (SELECT r.rental_date FROM {RENTED} WHERE {where}
              ORDER BY r.rental_date, r.rental_id LIMIT :window) AS k
    """), {**params, "window": window})).mappings().one()

    def page(held: str, bound: str) -> str:
        return f"""
            SELECT {columns}, {held} AS bound_held FROM {RENTED}
            WHERE {where} AND {bound} ORDER BY {DUE}, r.rental_id LIMIT :limit OFFSET :skip"""

    paging = {**params, "limit": limit, "skip": skip}
    if first["n"] == window:
        held = f"""((SELECT count(*) FROM (SELECT 1 FROM {RENTED} WHERE {where}
                    AND r.rental_date <= :rented_by LIMIT :window) AS k) = :window)"""
        rows = (await conn.execute(text(page(held, "r.rental_date <= :bound")), {
            **paging, "window": window, "rented_by": first["rented_by"],
            "bound": first["bound"]})).mappings().all()
        if all(row["bound_held"] for row in rows):
            return list(rows)
    return list((await conn.execute(text(page("true", "true")), paging)).mappings().all())


async def rental_lines(
    conn: AsyncConnection, filters: RentalFilter = RentalFilter(), skip: int = 0, limit: int = 10
) -> list[RentalLine]:
    """Rentals with film, store and customer, newest first (overdue: longest overdue first)."""
    where, params = filters.where()
    # Overdue: the longest overdue (earliest due date) first; otherwise newest first.
    if filters.overdue_only:
        rows = await by_due_date(conn, where, params, _LINE_COLUMNS, skip, limit)
    else:
        rows = (await conn.execute(
            text(f"{_RENTAL_LINE} WHERE {where} ORDER BY r.rental_date DESC, r.rental_id DESC "
                 "LIMIT :limit OFFSET :skip"),
            {**params, "limit": limit, "skip": skip},
        )).mappings().all()
    return [RentalLine.model_validate(row) for row in rows]


async def count_rentals(
    conn: AsyncConnection, filters: RentalFilter, bound: int | None = None
) -> Count:
    """How many rentals the filter matches (not the page size): all, or up to `bound`."""
    where, params = filters.where()
    counted = await conn.scalar(
        text(count_sql(f"SELECT 1 FROM {filters.tables()} WHERE {where}", bound)), params)
    return Count.of(counted, bound)


async def rent_copy(
    conn: AsyncConnection, customer_id: int, inventory_id: int, staff_id: int
) -> Rental:
    """Rent a copy to a customer, served by a clerk. `conn` must be in a transaction.

    Every failing reason is reported at once. Two clerks racing for the same copy: the
    database's unique index lets one through and the other gets "already rented out".
    """
    check = (
        await conn.execute(
            text("""
                SELECT (SELECT activebool FROM customer WHERE customer_id = :c) AS customer_active,
                       EXISTS (SELECT 1 FROM inventory WHERE inventory_id = :i) AS copy_exists,
                       EXISTS (SELECT 1 FROM rental WHERE inventory_id = :i
                               AND return_date IS NULL) AS copy_out,
                       (SELECT active FROM staff WHERE staff_id = :s) AS staff_active
            """),
            {"c": customer_id, "i": inventory_id, "s": staff_id},
        )
    ).mappings().one()
    reasons = []
    if check["customer_active"] is None:
        reasons.append(f"Customer with ID {customer_id} not found")
    elif not check["customer_active"]:
        reasons.append(f"Customer with ID {customer_id} is not active")
    if not check["copy_exists"]:
        reasons.append(f"Inventory item with ID {inventory_id} not found")
    elif check["copy_out"]:
        reasons.append(_already_out(inventory_id))
    if check["staff_active"] is None:
        reasons.append(f"Staff member with ID {staff_id} not found")
    elif not check["staff_active"]:
        reasons.append(f"Staff member with ID {staff_id} is not active")
    if reasons:
        raise RentalRefused(reasons)

    try:
        row = (
            await conn.execute(
                text(f"""
                    INSERT INTO rental AS r (rental_date, inventory_id, customer_id, staff_id)
                    VALUES (now(), :i, :c, :s) RETURNING {_RENTAL_COLUMNS}
                """),
                {"c": customer_id, "i": inventory_id, "s": staff_id},
            )
        ).mappings().one()
    except IntegrityError as error:
        if ONE_OPEN_RENTAL_PER_COPY in str(error.orig):
            raise RentalRefused([_already_out(inventory_id)]) from None
        raise
    # The rental fee, taken by the clerk, in the same transaction: no rental without its
    # payment, and a refused or raced rent charges nothing.
    await conn.execute(text("""
        INSERT INTO payment (customer_id, staff_id, rental_id, amount, payment_date)
        SELECT :c, :s, :r, f.rental_rate, now()
        FROM inventory i JOIN film f USING (film_id) WHERE i.inventory_id = :i
    """), {"c": customer_id, "s": staff_id, "r": row["rental_id"], "i": inventory_id})
    return Rental.model_validate(row)


def _already_out(inventory_id: int) -> str:
    return f"Inventory item with ID {inventory_id} is already rented out"


async def return_rental(
    conn: AsyncConnection, rental_id: int, staff_id: int | None = None
) -> ReturnReceipt:
    """Take a copy back, once, and record its late fee, if any, as a payment taken by the
    clerk (`staff_id`; by default the clerk who rented it out). `conn` must be in a
    transaction.

    The UPDATE only matches an open rental, so of two racing returns exactly one wins, and
    only the winner records a fee.
    """
    row = (
        await conn.execute(
            text(f"""
                UPDATE rental r SET return_date = now()
                FROM inventory i JOIN film f USING (film_id)
                WHERE r.rental_id = :id AND r.return_date IS NULL
                  AND i.inventory_id = r.inventory_id
                RETURNING {_RENTAL_COLUMNS}, f.title, {fee_columns("now()")}
            """),
            {"id": rental_id},
        )
    ).mappings().first()
    if row is None:
        await get_rental(conn, rental_id)  # raises RentalNotFound when there is no such rental
        raise RentalAlreadyReturned(rental_id)
    if row["late_fee"] > 0:
        await conn.execute(text("""
            INSERT INTO payment (customer_id, staff_id, rental_id, amount, payment_date)
            VALUES (:c, :s, :r, :fee, now())
        """), {"c": row["customer_id"], "s": staff_id or row["staff_id"], "r": rental_id,
               "fee": row["late_fee"]})
    return ReturnReceipt(
        rental=Rental.model_validate(row), title=row["title"], days_late=row["days_late"],
        late_fee=row["late_fee"], replacement_charged=row["replacement_charged"],
    )


async def clerk_store(conn: AsyncConnection, staff_id: int) -> int:
    store_id = await conn.scalar(
        text("SELECT store_id FROM staff WHERE staff_id = :s AND active"), {"s": staff_id}
    )
    if store_id is None:
        raise StoreError(f"Staff member with ID {staff_id} is not an active clerk")
    return store_id


async def plan_rental(
    conn: AsyncConnection, customer_id: int, film_id: int, staff_id: int
) -> RentalPlan:
    """The clerk rents from their own store's shelf; when it has no copy, say who has one."""
    customer = await customers.get_customer(conn, customer_id)
    film = await films.get_film(conn, film_id)
    store_id = await clerk_store(conn, staff_id)
    stock = await films.film_stock(conn, film_id)
    now = await conn.scalar(text("SELECT now()"))
    return RentalPlan(
        customer=customer,
        film=film,
        staff_id=staff_id,
        store_id=store_id,
        inventory_id=await films.copy_in_stock(conn, film_id, store_id),
        other_stores_in_stock=[s.store_id for s in stock if s.in_stock and s.store_id != store_id],
        due_date=now + timedelta(days=film.rental_duration or 0),
        fee=film.rental_rate or Decimal("0"),
    )


async def plan_return(conn: AsyncConnection, rental_id: int) -> ReturnPlan:
    line = await rental_line(conn, rental_id)
    if line.return_date is not None:
        raise RentalAlreadyReturned(rental_id)
    fee = (await conn.execute(text(f"""
        SELECT {fee_columns("now()")} FROM rental r
        JOIN inventory i USING (inventory_id) JOIN film f USING (film_id)
        WHERE r.rental_id = :id
    """), {"id": rental_id})).mappings().one()
    return ReturnPlan(rental=line, **fee)


async def counter_examples(conn: AsyncConnection, staff_id: int) -> dict[str, str | None]:
    """Real records for the chat's starter buttons, whatever store is loaded: a film on the
    clerk's shelf and the longest-overdue rental (never a customer: the clerk serves whoever
    is at the counter)."""
    film = await conn.scalar(
        text("""
            SELECT f.title FROM film f
            WHERE EXISTS (SELECT 1 FROM inventory i
                          JOIN staff s ON s.store_id = i.store_id AND s.staff_id = :staff
                          WHERE i.film_id = f.film_id AND NOT EXISTS (
                              SELECT 1 FROM rental r WHERE r.inventory_id = i.inventory_id
                              AND r.return_date IS NULL))
            ORDER BY f.title LIMIT 1
        """),
        {"staff": staff_id},
    )
    # The open rental due first: the longest overdue when any is.
    rental = await by_due_date(conn, "r.return_date IS NULL", {}, "r.rental_id", 0, 1)
    return {"film": film, "rental": str(rental[0]["rental_id"]) if rental else None}
