"""Store statistics: counts, rankings and revenue over a period said in words.

A period is read from the clerk's words (assistant.periods); with no words, all of
history. A period with no data says so and names the
latest month that has some (the official dump's rentals end in 2022). Revenue is the sum of
payments; a ranking by revenue sums the payments of the rentals it ranks.
"""

import calendar
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from assistant.films import CATALOGUE_FILMS
from assistant.models import Money, Record
from assistant.periods import Period, in_period
from assistant.rentals import OVERDUE, RENTED_COPY
from assistant.totals import (
    COUNT_BOUND,
    FRESH_PAYMENT,
    FRESH_RENTAL,
    MARK_HELD,
    Count,
    count_sql,
    read_with_mark,
)


async def latest_month(conn: AsyncConnection) -> str | None:
    """The latest month with any payment, in words ("July 2022")."""
    last = await conn.scalar(text("SELECT max(payment_date) FROM payment"))
    return None if last is None else f"{calendar.month_name[last.month]} {last.year}"


# --- counts ------------------------------------------------------------------------------------


class StoreCounts(Record):
    store_id: int
    films: int  # films with at least one copy here
    copies: int
    customers: int
    rentals_out: int
    overdue: int
    # Counted up to COUNT_BOUND (assistant.totals): true means more than the figure.
    rentals_out_is_lower_bound: bool | None = None
    overdue_is_lower_bound: bool | None = None


async def store_counts(conn: AsyncConnection, store_id: int | None = None) -> list[StoreCounts]:
    """Each store's counts, or only `store_id`'s. Films, copies and customers: the
    precomputed totals (assistant.totals) plus what was added since; rentals out and overdue:
    counted now, up to COUNT_BOUND (the overdue ones are the oldest: read oldest first, they
    are found first), each open rental's copy looked up for its store: only for the stores
    asked about."""
    # The open rentals read along their index, each one's copy looked up (RENTED_COPY).
    out = f"""SELECT 1 FROM {RENTED_COPY}
              WHERE r.return_date IS NULL AND i.store_id = s.store_id"""
    overdue = f"""SELECT 1 FROM {RENTED_COPY} WHERE r.return_date IS NULL
                  AND i.store_id = s.store_id AND {OVERDUE} ORDER BY r.rental_date"""
    rows = await read_with_mark(conn, f"""
        SELECT s.store_id, {MARK_HELD} AS mark_held,
               coalesce(t.films, 0) + (
                   SELECT count(DISTINCT i.film_id) FROM inventory i
                   WHERE i.store_id = s.store_id AND i.inventory_id > :mark_last_inventory_id
                     AND NOT EXISTS (SELECT 1 FROM inventory o WHERE o.store_id = s.store_id
                                     AND o.film_id = i.film_id
                                     AND o.inventory_id <= :mark_last_inventory_id))
                   AS films,
               coalesce(t.copies, 0) + (
                   SELECT count(*) FROM inventory i
                   WHERE i.store_id = s.store_id AND i.inventory_id > :mark_last_inventory_id)
                   AS copies,
               coalesce(t.customers, 0) + (
                   SELECT count(*) FROM customer c
                   WHERE c.store_id = s.store_id AND c.customer_id > :mark_last_customer_id)
                   AS customers,
               ({count_sql(out, COUNT_BOUND)}) AS rentals_out,
               ({count_sql(overdue, COUNT_BOUND)}) AS overdue
        FROM store s LEFT JOIN store_totals t USING (store_id)
        WHERE CAST(:store_id AS integer) IS NULL OR s.store_id = :store_id
        ORDER BY s.store_id
    """, {"store_id": store_id})
    counts = []
    for row in rows:
        bounded = {}
        for name in ("rentals_out", "overdue"):
            counted = Count.of(row[name], COUNT_BOUND)
            bounded |= {name: counted.n, f"{name}_is_lower_bound": counted.more or None}
        counts.append(StoreCounts.model_validate({**row, **bounded}))
    return counts


async def films_in_catalogue(conn: AsyncConnection) -> int:
    """How many films the catalogue holds (kept by the database, migration 0011)."""
    return await conn.scalar(text(CATALOGUE_FILMS))


# --- rankings and revenue ------------------------------------------------------------------


class Figure(Record):
    label: str
    value: Decimal


class Series(Record):
    """Figures to read as a table and draw as a chart (a ranking, or revenue over time)."""

    title: str
    period: str
    unit: str  # "rentals" or "$"
    kind: str  # "bar" or "line"
    rows: list[Figure]
    total: int | Money | None = None  # a count of rentals, or money
    note: str | None = None  # a period with no data: the latest one that has some


RANKED = {  # what can be ranked: its label, its key (two actors may share a name), the joins
    # from a rental to it, and where its label is found by key (`t.key`)
    "films": ("f.title", "f.film_id", "JOIN film f USING (film_id)",
              "film f WHERE f.film_id = t.key"),
    "categories": ("cat.name", "cat.category_id", "JOIN film_category fc USING (film_id) "
                                                  "JOIN category cat USING (category_id)",
                   "category cat WHERE cat.category_id = t.key"),
    "actors": ("a.first_name || ' ' || a.last_name", "a.actor_id",
               "JOIN film_actor fa USING (film_id) JOIN actor a USING (actor_id)",
               "actor a WHERE a.actor_id = t.key"),
    "customers": ("c.first_name || ' ' || c.last_name", "c.customer_id",
                  "JOIN customer c ON c.customer_id = r.customer_id",
                  "customer c WHERE c.customer_id = t.key"),
}
MEASURES = {"rentals": "count(DISTINCT r.rental_id)",
            "revenue": "coalesce(sum(p.amount), 0)"}
# The smallest value of each measure's column in rental_totals, and below.
_BELOW_ALL = {"rentals": "-1", "revenue": "'-Infinity'::numeric"}


async def ranking(conn: AsyncConnection, what: str, by: str, period: Period,
                  store_id: int | None = None, limit: int = 10) -> Series:
    if period.start is None and period.end is None or _calendar(period):
        figures = await _precomputed_ranking(conn, what, by, period, store_id, limit)
    else:
        label, key, joins, _ = RANKED[what]
        where, params = in_period(period, "r.rental_date")
        if store_id:
            where += " AND i.store_id = :store"
            params["store"] = store_id
        paid = "LEFT JOIN payment p ON p.rental_id = r.rental_id" if by == "revenue" else ""
        rows = await conn.execute(text(f"""
            SELECT {label} AS label, {MEASURES[by]} AS value
            FROM rental r JOIN inventory i USING (inventory_id) {joins} {paid}
            WHERE {where} GROUP BY {key}, {label} ORDER BY value DESC, label LIMIT :limit
        """), {**params, "limit": limit})
        figures = [Figure.model_validate(row) for row in rows.mappings()]
    where_store = f" at store {store_id}" if store_id else ""
    series = Series(title=f"Top {what} by {by}{where_store}", period=period.words,
                    unit="$" if by == "revenue" else "rentals", kind="bar", rows=figures)
    return await _noted(conn, series)


def _calendar(period: Period) -> str | None:
    """The calendar month ('2022-05') or year ('2022') that the period is, in UTC; else None.
    An open end ("this month") is the calendar's own while that end is still to come: no
    rental is dated in the future."""
    if period.start is None or not _whole_days(period):
        return None
    start = period.start.astimezone(UTC).date()
    end = period.end and period.end.astimezone(UTC).date()
    calendars = [(date(start.year + start.month // 12, start.month % 12 + 1, 1), "%Y-%m")]
    if (start.month, start.day) == (1, 1):
        calendars.append((date(start.year + 1, 1, 1), "%Y"))
    for calendar_end, named in calendars if start.day == 1 else []:
        if end == calendar_end or end is None and calendar_end > datetime.now(UTC).date():
            return start.strftime(named)
    return None


async def _precomputed_ranking(conn: AsyncConnection, what: str, by: str, period: Period,
                               store_id: int | None, limit: int) -> list[Figure]:
    """The ranking over all history, or over a calendar month or year: the precomputed totals
    (rental_totals, rental_period_totals; assistant.totals) plus the rentals and payments
    since their mark, the same figures as counting them all.

    A key with fresh rows gets its total + the fresh part; of the others, only those reaching
    the limit-th best total can make the list (read off the view's index by value), ties
    included, so the order by value then label is exact."""
    label, key, joins, to_label = RANKED[what]
    store = " AND i.store_id = :store" if store_id else ""
    totals, matching, within, params = (
        "rental_totals", "t.kind = :kind AND t.store_id = :store_or_all", "", {})
    if calendar := _calendar(period):  # the period's totals, and its rentals since the mark
        where, params = in_period(period, "r.rental_date")
        totals, within, params["period"] = "rental_period_totals", f" AND {where}", calendar
        matching += " AND t.period = :period"
    fresh = f"""
        SELECT {key} AS key, count(DISTINCT r.rental_id) AS rentals,
               coalesce(sum(p.amount), 0) AS revenue
        FROM rental r JOIN inventory i USING (inventory_id) {joins}
        LEFT JOIN payment p ON p.rental_id = r.rental_id
        WHERE {FRESH_RENTAL}{store}{within} GROUP BY {key}"""
    if by == "revenue":  # payments since the mark for rentals before it
        fresh += f"""
        UNION ALL
        SELECT {key}, 0, sum(p.amount)
        FROM payment p JOIN rental r ON r.rental_id = p.rental_id
        JOIN inventory i USING (inventory_id) {joins}
        WHERE {FRESH_PAYMENT} AND NOT {FRESH_RENTAL}{store}{within} GROUP BY {key}"""
    rows = await read_with_mark(conn, f"""
        WITH fresh AS (SELECT key, sum(rentals) AS rentals, sum(revenue) AS revenue
                       FROM ({fresh}) AS parts GROUP BY key),
        kept AS NOT MATERIALIZED (
            SELECT t.key, t.{by} AS value FROM {totals} t
            WHERE {matching} AND t.rentals > 0
              AND NOT EXISTS (SELECT 1 FROM fresh WHERE fresh.key = t.key)),
        bar AS (SELECT value FROM kept ORDER BY value DESC LIMIT 1 OFFSET :limit - 1),
        candidates AS (
            SELECT key, value FROM kept
            WHERE value >= coalesce((SELECT value FROM bar), {_BELOW_ALL[by]})
            UNION ALL
            SELECT fresh.key, coalesce(t.{by}, 0) + fresh.{by} FROM fresh
            LEFT JOIN {totals} t ON {matching} AND t.key = fresh.key)
        SELECT (SELECT {label} FROM {to_label}) AS label, t.value, {MARK_HELD} AS mark_held
        FROM candidates t
        ORDER BY t.value DESC, label LIMIT :limit
    """, {**params, "kind": what, "store": store_id, "store_or_all": store_id or 0,
          "limit": limit})
    return [Figure.model_validate(row) for row in rows]


GROUPS = {  # a series per: the label of each group, from a time ({at}) and a store ({store})
    "day": "to_char(date_trunc('day', {at}), 'YYYY-MM-DD')",
    "week": "to_char(date_trunc('week', {at}), 'IYYY-\"W\"IW')",
    "month": "to_char(date_trunc('month', {at}), 'YYYY-MM')",
    "store": "'store ' || {store}",
    "category": "cat.name",
}


@dataclass(frozen=True)
class _Summed:
    """What a series per day, week, month, store or category adds up, and where from."""

    title: str
    unit: str
    rows: str  # FROM what: one row per payment or rental
    at: str  # its time
    store: str  # its store
    value: str
    to_film: str  # the joins from a row to its film's inventory row `i`
    fresh: str  # a row past the views' mark (assistant.totals)
    days: str  # the precomputed figure per UTC day and store, and per category too
    category_days: str
    day_value: str


# Revenue: payments, at the store of the clerk who took them. Rentals: at the copy's store.
REVENUE = _Summed("Revenue", "$", "payment p JOIN staff st ON st.staff_id = p.staff_id",
                  "p.payment_date", "st.store_id", "p.amount",
                  "JOIN rental r ON r.rental_id = p.rental_id JOIN inventory i USING "
                  "(inventory_id)", FRESH_PAYMENT, "payment_days", "payment_category_days",
                  "amount")
RENTALS = _Summed("Rentals", "rentals", "rental r JOIN inventory i USING (inventory_id)",
                  "r.rental_date", "i.store_id", "1", "", FRESH_RENTAL, "rental_days",
                  "rental_category_days", "rentals")


async def revenue(conn: AsyncConnection, per: str, period: Period,
                  store_id: int | None = None) -> Series:
    """Money taken per day, week, month, store or category over the period, and its total."""
    return await _summed(conn, REVENUE, per, period, store_id)


async def rental_counts(conn: AsyncConnection, per: str, period: Period,
                        store_id: int | None = None) -> Series:
    """Rentals made per day, week, month, store or category over the period, and their
    total."""
    return await _summed(conn, RENTALS, per, period, store_id)


async def _summed(conn: AsyncConnection, summed: _Summed, per: str, period: Period,
                  store_id: int | None) -> Series:
    where, params = in_period(period, summed.at)
    joins = ""
    if per == "category":
        joins = f"{summed.to_film} JOIN film_category fc USING (film_id) " \
                "JOIN category cat USING (category_id)"
    if store_id:
        where += f" AND {summed.store} = :store"
        params["store"] = store_id
    group = GROUPS[per].format(at=summed.at, store=summed.store)
    each = f"""SELECT {group} AS label, {summed.value} AS value
               FROM {summed.rows} {joins} WHERE {where}"""
    if _whole_days(period):
        # Whole days: the precomputed figures per day (assistant.totals) plus the rows
        # since the views' mark.
        days = summed.category_days if per == "category" else summed.days
        to_label = "JOIN category cat USING (category_id)" if per == "category" else ""
        day_where, _ = in_period(period, "d.day")
        if store_id:
            day_where += " AND d.store_id = :store"
        each = f"""
            SELECT {GROUPS[per].format(at="d.day", store="d.store_id")} AS label,
                   d.{summed.day_value} AS value
            FROM {days} d {to_label} WHERE {day_where}
            UNION ALL
            {each} AND {summed.fresh}"""
    order = "value DESC, label" if per in ("store", "category") else "label"
    statement = f"""
        SELECT label, sum(value) AS value, {MARK_HELD} AS mark_held FROM ({each}) AS summed
        GROUP BY label ORDER BY {order}"""
    if _whole_days(period):
        rows = await read_with_mark(conn, statement, params)
    else:
        rows = (await conn.execute(text(statement.replace(MARK_HELD, "true")),
                                   params)).mappings().all()
    figures = [Figure.model_validate(row) for row in rows]
    total = sum((f.value for f in figures), Decimal(0))
    where_store = f" at store {store_id}" if store_id else ""
    series = Series(title=f"{summed.title} per {per}{where_store}", period=period.words,
                    unit=summed.unit, kind="bar" if per in ("store", "category") else "line",
                    rows=figures, total=total if summed.unit == "$" else int(total))
    return await _noted(conn, series)


def _whole_days(period: Period) -> bool:
    """Whether the period is made of whole UTC days, as the views' days are."""
    return all(at is None or (at.utcoffset() is not None
                              and at.astimezone(UTC).timetz() == time(tzinfo=UTC))
               for at in (period.start, period.end))


async def _noted(conn: AsyncConnection, series: Series) -> Series:
    if series.rows:
        return series
    latest = await latest_month(conn)
    note = (f"No data for {series.period}. The latest month with data is {latest}."
            if latest else "The store has no data yet.")
    return series.model_copy(update={"note": note})
