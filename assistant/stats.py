"""Store statistics: counts, rankings and revenue over a period said in words.

A period is read from the clerk's words ("this month", "last 30 days", "May 2022", "2022",
"yesterday"); with no words, all of history. A period with no data says so and names the
latest month that has some (the official dump's rentals end in 2022). Revenue is the sum of
payments; a ranking by revenue sums the payments of the rentals it ranks.
"""

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from assistant.errors import StoreError
from assistant.models import Money, Record
from assistant.rentals import DUE

MONTHS = {name.lower(): n for n, name in enumerate(calendar.month_name) if name} | {
    name.lower(): n for n, name in enumerate(calendar.month_abbr) if name}
_UNITS = {"day": 1, "week": 7, "month": 30, "year": 365}


@dataclass(frozen=True)
class Period:
    start: datetime | None  # None: from the beginning
    end: datetime | None  # exclusive; None: until now
    words: str  # how the answer names it


def period_of(words: str | None, today: date) -> Period:
    """The period the clerk named (a day too: "July 20th 2022"); StoreError when the words
    are not a period."""
    said = " ".join(re.findall(r"[a-z0-9]+", (words or "").lower()))
    said = re.sub(r"^(in|for|during|over|from|of|since|on) ", "", said)
    if said in ("", "all", "all time", "ever", "overall", "in total", "total"):
        return Period(None, None, "all time")

    def at(day: date) -> datetime:
        return datetime.combine(day, datetime.min.time()).astimezone()

    if said in ("today", "yesterday"):
        day = today if said == "today" else today - timedelta(days=1)
        return Period(at(day), at(day + timedelta(days=1)), said)
    if match := re.fullmatch(r"(this|last|past|previous) (week|month|year)", said):
        which, unit = match.groups()
        start = {"week": today - timedelta(days=today.weekday()),
                 "month": today.replace(day=1), "year": today.replace(month=1, day=1)}[unit]
        if which == "this":
            return Period(at(start), None, said)
        before = {"week": start - timedelta(days=7), "month": (start - timedelta(days=1))
                  .replace(day=1), "year": start.replace(year=start.year - 1)}[unit]
        return Period(at(before), at(start), said)
    if match := re.fullmatch(r"(?:the )?(?:last|past|previous) (\d+) (day|week|month|year)s?",
                             said):
        count, unit = int(match.group(1)), match.group(2)
        return Period(at(today - timedelta(days=count * _UNITS[unit] - 1)), None, said)
    if match := re.fullmatch(r"([a-z]+)(?: (\d{4}))?", said):
        month, year = MONTHS.get(match.group(1)), int(match.group(2) or today.year)
        if month:
            start = date(year, month, 1)
            end = (start + timedelta(days=32)).replace(day=1)
            return Period(at(start), at(end), f"{calendar.month_name[month]} {year}")
    if re.fullmatch(r"\d{4}", said):
        year = int(said)
        return Period(at(date(year, 1, 1)), at(date(year + 1, 1, 1)), said)
    # one day: "July 20th 2022", "the 20th of July", "nov 11" (this year), "2022-07-20"
    day = (re.fullmatch(r"(?P<m>[a-z]+) (?P<d>\d{1,2})(?:st|nd|rd|th)?(?: (?P<y>\d{4}))?", said)
           or re.fullmatch(r"(?:the )?(?P<d>\d{1,2})(?:st|nd|rd|th)? (?:of )?(?P<m>[a-z]+)"
                           r"(?: (?P<y>\d{4}))?", said)
           or re.fullmatch(r"(?P<y>\d{4}) (?P<m>\d{1,2}) (?P<d>\d{1,2})", said))
    month = day and (MONTHS.get(day["m"]) or (day["m"].isdigit() and int(day["m"])))
    if month:
        try:
            when = date(int(day["y"] or today.year), month, int(day["d"]))
        except ValueError:
            raise StoreError(f"'{words}' is not a day of the calendar.") from None
        return Period(at(when), at(when + timedelta(days=1)),
                      f"{calendar.month_name[when.month]} {when.day}, {when.year}")
    raise StoreError(f"'{words}' is not a period I know: say e.g. 'this month', "
                     "'last 30 days', 'May 2022' or '2022'.")


def _range(period: Period, column: str) -> tuple[str, dict]:
    clauses, params = [], {}
    if period.start:
        clauses.append(f"{column} >= :start")
        params["start"] = period.start
    if period.end:
        clauses.append(f"{column} < :end")
        params["end"] = period.end
    return " AND ".join(clauses) or "true", params


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


async def store_counts(conn: AsyncConnection) -> list[StoreCounts]:
    rows = await conn.execute(text(f"""
        SELECT s.store_id,
               (SELECT count(DISTINCT film_id) FROM inventory i WHERE i.store_id = s.store_id)
                   AS films,
               (SELECT count(*) FROM inventory i WHERE i.store_id = s.store_id) AS copies,
               (SELECT count(*) FROM customer c WHERE c.store_id = s.store_id) AS customers,
               (SELECT count(*) FROM rental r JOIN inventory i USING (inventory_id)
                WHERE i.store_id = s.store_id AND r.return_date IS NULL) AS rentals_out,
               (SELECT count(*) FROM rental r JOIN inventory i USING (inventory_id)
                JOIN film f USING (film_id) WHERE i.store_id = s.store_id
                AND r.return_date IS NULL
                AND {DUE} < now()) AS overdue
        FROM store s ORDER BY s.store_id
    """))
    return [StoreCounts.model_validate(row) for row in rows.mappings()]


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
    total: Money | None = None
    note: str | None = None  # a period with no data: the latest one that has some


RANKED = {  # what can be ranked: its label, its key (two actors may share a name), and the
    # joins from a rental to it
    "films": ("f.title", "f.film_id", "JOIN film f USING (film_id)"),
    "categories": ("cat.name", "cat.category_id", "JOIN film_category fc USING (film_id) "
                                                  "JOIN category cat USING (category_id)"),
    "actors": ("a.first_name || ' ' || a.last_name", "a.actor_id",
               "JOIN film_actor fa USING (film_id) JOIN actor a USING (actor_id)"),
    "customers": ("c.first_name || ' ' || c.last_name", "c.customer_id",
                  "JOIN customer c ON c.customer_id = r.customer_id"),
}
MEASURES = {"rentals": "count(DISTINCT r.rental_id)",
            "revenue": "coalesce(sum(p.amount), 0)"}


async def ranking(conn: AsyncConnection, what: str, by: str, period: Period,
                  store_id: int | None = None, limit: int = 10) -> Series:
    label, key, joins = RANKED[what]
    where, params = _range(period, "r.rental_date")
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


GROUPS = {  # revenue per: the label of each group
    "day": "to_char(date_trunc('day', p.payment_date), 'YYYY-MM-DD')",
    "week": "to_char(date_trunc('week', p.payment_date), 'IYYY-\"W\"IW')",
    "month": "to_char(date_trunc('month', p.payment_date), 'YYYY-MM')",
    "store": "'store ' || st.store_id",
    "category": "cat.name",
}


async def revenue(conn: AsyncConnection, per: str, period: Period,
                  store_id: int | None = None) -> Series:
    where, params = _range(period, "p.payment_date")
    joins = "JOIN staff st ON st.staff_id = p.staff_id"
    if per == "category":
        joins += (" JOIN rental r ON r.rental_id = p.rental_id JOIN inventory i USING "
                  "(inventory_id) JOIN film_category fc USING (film_id) "
                  "JOIN category cat USING (category_id)")
    if store_id:
        where += " AND st.store_id = :store"
        params["store"] = store_id
    order = "value DESC, label" if per in ("store", "category") else "label"
    rows = await conn.execute(text(f"""
        SELECT {GROUPS[per]} AS label, sum(p.amount) AS value FROM payment p {joins}
        WHERE {where} GROUP BY 1 ORDER BY {order}
    """), params)
    figures = [Figure.model_validate(row) for row in rows.mappings()]
    where_store = f" at store {store_id}" if store_id else ""
    series = Series(title=f"Revenue per {per}{where_store}", period=period.words, unit="$",
                    kind="bar" if per in ("store", "category") else "line", rows=figures,
                    total=sum((f.value for f in figures), Decimal(0)))
    return await _noted(conn, series)


async def _noted(conn: AsyncConnection, series: Series) -> Series:
    if series.rows:
        return series
    latest = await latest_month(conn)
    note = (f"No data for {series.period}. The latest month with data is {latest}."
            if latest else "The store has no data yet.")
    return series.model_copy(update={"note": note})
