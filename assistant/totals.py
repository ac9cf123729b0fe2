"""Figures over all history, precomputed: the materialized views of migration 0006, the mark
they were computed to, and their refresh.

The views hold what happened up to their mark (`stats_as_of`: rentals and payments up to an
id and dated before a cutoff); a query adds what came after the mark live (FRESH_RENTAL,
FRESH_PAYMENT), which is little: the app refreshes the views every few minutes. So a figure
over all history costs a look-up in a view plus the last minutes' rows, and is exact for every
rental and payment recorded since. What the views do not see until their next refresh: an old
record changed or removed (a payment amount corrected, a copy moved to another store).

Also here: counting matches cheaply however many there are (exact up to a bound).
"""

import asyncio
from dataclasses import dataclass
from typing import Any

from sqlalchemy import RowMapping, text
from sqlalchemy.ext.asyncio import AsyncConnection

from assistant.db import Database
from assistant.logging import get_logger

log = get_logger(__name__)

# --- counts that stay cheap ---------------------------------------------------------------

COUNT_BOUND = 1000  # the chat counts matches exactly up to this many, then says "more than"


@dataclass(frozen=True)
class Count:
    """How many rows match: exactly `n`, or more than `n` when `more` (counted up to a bound)."""

    n: int
    more: bool = False

    @classmethod
    def of(cls, counted: int, bound: int | None) -> "Count":
        if bound is not None and counted > bound:
            return cls(bound, True)
        return cls(counted)

    def __str__(self) -> str:
        return f"more than {self.n:,}" if self.more else f"{self.n:,}"


def count_sql(select: str, bound: int | None) -> str:
    """SQL counting the rows of `select`: all of them, or up to bound + 1 (Count.of says "more
    than bound" then), which stops reading once there are that many."""
    limit = "" if bound is None else f" LIMIT {int(bound) + 1}"
    return f"SELECT count(*) FROM ({select}{limit}) AS counted"


# --- the views and their mark --------------------------------------------------------------

async def read_mark(conn: AsyncConnection) -> dict[str, Any]:
    """The views' mark, as the parameters FRESH_RENTAL, FRESH_PAYMENT and MARK_HELD use.

    Read first and passed as values (not read by a subquery of the same statement), so the
    planner sees how few rows lie past it and takes the indexes on id and date."""
    row = (await conn.execute(text("SELECT * FROM stats_as_of"))).mappings().one()
    return {f"mark_{name}": value for name, value in row.items()}


async def read_with_mark(conn: AsyncConnection, statement: str,
                         params: dict[str, Any]) -> list[RowMapping]:
    """The rows of `statement`, which reads the views and adds what lies past their mark
    (:mark_* parameters), and says MARK_HELD AS mark_held in its every row. A refresh that
    commits between reading the mark and the statement would count the newest rows twice:
    then it runs again with the new mark."""
    for _ in range(3):
        mark = await read_mark(conn)
        rows = (await conn.execute(text(statement), {**params, **mark})).mappings().all()
        if all(row["mark_held"] for row in rows):
            return list(rows)
    raise RuntimeError("the totals were refreshed three times during one read")


# A rental or payment the views do not hold yet: past their mark (`r` is a rental, `p` a
# payment).
FRESH_RENTAL = "(r.rental_id > :mark_last_rental_id OR r.rental_date >= :mark_cutoff)"
FRESH_PAYMENT = "(p.payment_id > :mark_last_payment_id OR p.payment_date >= :mark_cutoff)"
# Whether the views are still those of the mark read (in the statement's own snapshot).
MARK_HELD = "((SELECT cutoff FROM stats_as_of) = :mark_cutoff)"

# Refreshed together in one REPEATABLE READ transaction, so they share one snapshot and one
# mark; CONCURRENTLY, so reads go on meanwhile. stats_as_of first: rental_period_totals
# (migration 0008) and rental_days (0015) read their mark from it; rental_totals sums its years
# (migration 0009).
VIEWS = ("stats_as_of", "rental_period_totals", "rental_totals", "payment_days",
         "payment_category_days", "rental_days", "rental_category_days", "store_totals")
# Seconds between two refreshes. A refresh recomputes all history (over a minute of one core
# for 1.6 million rentals); between two, the queries read at most this long of new rows live.
REFRESH_EVERY = 3600.0
# Or sooner, once this many rentals lie past the mark (a bulk load, such as `db demo`, which
# leaves the totals to the app): each figure would read them all live.
BEHIND_ROWS = 10_000
CHECK_EVERY = 60.0  # seconds between two looks at whether the views are due
MARGIN_SECONDS = 300  # the views' cutoff is this long before their refresh (migration 0006)
# Whether the views are due (:every, seconds): as old as that, or BEHIND_ROWS rentals behind
# (counted along the primary key, up to that many).
REFRESH_DUE = f"""SELECT extract(epoch FROM now() - cutoff) - {MARGIN_SECONDS} >= :every
                         OR (SELECT count(*) FROM (SELECT 1 FROM rental
                                                   WHERE rental_id > last_rental_id
                                                   LIMIT {BEHIND_ROWS}) AS behind) >= {BEHIND_ROWS}
                  FROM stats_as_of"""
_REFRESH_LOCK_KEY = 0x70_7A15  # one refresh at a time, across every instance of the app


def _refreshing(concurrently: bool) -> list[str]:
    """The statements that recompute the views, in one transaction: one core for it (the
    other for the counter), memory enough to aggregate in one pass, and the views' planner
    statistics after."""
    how = "CONCURRENTLY " if concurrently else ""
    return ["SET LOCAL max_parallel_workers_per_gather = 0", "SET LOCAL work_mem = '128MB'",
            *(f"REFRESH MATERIALIZED VIEW {how}{view}" for view in VIEWS),
            f"ANALYZE {', '.join(VIEWS)}"]


async def refresh(database: Database) -> bool:
    """Recompute the views (False: another instance is doing it right now)."""
    async with database.engine.connect() as conn:
        conn = await conn.execution_options(isolation_level="REPEATABLE READ")
        async with conn.begin():
            if not await conn.scalar(text("SELECT pg_try_advisory_xact_lock(:key)"),
                                     {"key": _REFRESH_LOCK_KEY}):
                return False
            for statement in _refreshing(concurrently=True):
                await conn.execute(text(statement))
    return True


def refresh_now(url: str) -> None:
    """Refresh the views from synchronous code, right after loading data in bulk: not
    CONCURRENTLY, which diffs every row against the old contents (half again as long at x10,
    measured), as nobody reads the store yet."""
    from assistant.db import make_sync_engine

    engine = make_sync_engine(url).execution_options(isolation_level="REPEATABLE READ")
    try:
        with engine.begin() as conn:
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _REFRESH_LOCK_KEY})
            for statement in _refreshing(concurrently=False):
                conn.execute(text(statement))
    finally:
        engine.dispose()


async def keep_fresh(database: Database, every: float = REFRESH_EVERY,
                     check_every: float = CHECK_EVERY) -> None:
    """Refresh the views whenever they are due (REFRESH_DUE: `every` seconds old, or far
    behind), looking every `check_every` seconds, until cancelled. A failed refresh is logged
    and tried again at the next look: the views only get older, the figures stay exact (more
    of them is read live)."""
    loop = asyncio.get_running_loop()
    while True:
        try:
            async with database.reading() as conn:
                due = await conn.scalar(text(REFRESH_DUE), {"every": every})
            if due:
                started = loop.time()
                done = await refresh(database)
                log.info("totals_refreshed", done=done, seconds=round(loop.time() - started, 2))
        except asyncio.CancelledError:
            raise
        except Exception as error:  # the database is down, say: try again later
            log.warning("totals_refresh_failed", error=str(error))
        await asyncio.sleep(check_every)
