"""Stats plugin: the store's counts, rankings and revenue, with charts in the chat."""

from enum import StrEnum
from typing import Annotated

from semantic_kernel.functions import kernel_function
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from assistant import periods, stats
from assistant.db import Database
from assistant.errors import StoreError
from plugins.results import Chart, Failure, StoreCountsResult, StoreCountsRow, rows

Ranked = StrEnum("Ranked", {name: name for name in stats.RANKED})
Measure = StrEnum("Measure", {name: name for name in stats.MEASURES})
Per = StrEnum("Per", {name: name for name in stats.GROUPS})
Period = Annotated[str, "A period in words: 'this month', 'last 30 days', 'May 2022', "
                        "'2022', 'yesterday'; empty or 'all time' for all of history"]
StoreId = Annotated[int | None, "Only this store (store id)"]


async def period_asked(conn: AsyncConnection, words: str) -> periods.Period | Failure:
    """The period the words name, as of the database's today (read only when the words name
    one: most questions name none)."""
    if not (words or "").strip():
        return periods.ALL_TIME
    try:
        return periods.period_of(words, await conn.scalar(text("SELECT current_date")))
    except StoreError as error:
        return Failure(error=str(error))


class StatsPlugin:
    def __init__(self, database: Database):
        self.database = database

    @kernel_function(
        name="store_counts",
        description="How many films, copies, customers, rentals out and overdue rentals each "
        "store has right now.",
    )
    async def store_counts(self, store_id: StoreId = None) -> StoreCountsResult:
        async with self.database.reading() as conn:
            counts = await stats.store_counts(conn, store_id)
            catalogue = await stats.films_in_catalogue(conn)
        return StoreCountsResult(films_in_catalogue=catalogue,
                                 stores=[StoreCountsRow.model_validate(c) for c in counts])

    @kernel_function(
        name="top_ranked",
        description="Rank films, categories, actors or customers by number of rentals or by "
        "revenue over a period, best first, shown as a chart: 'which category rents most', "
        "'top customers by revenue this year', 'most rented films in May 2022'.",
    )
    async def top_ranked(
        self,
        what: Annotated[Ranked, "What to rank"],
        by: Annotated[Measure, "Rank by number of rentals or by revenue ($)"] = Measure.rentals,
        period: Period = "",
        store_id: StoreId = None,
        limit: Annotated[int, "How many to show (1 to 25)"] = 10,
    ) -> Chart | Failure:
        return await self._chart(lambda conn, when: stats.ranking(
            conn, Ranked(what).value, Measure(by).value, when, store_id, rows(limit)), period)

    @kernel_function(
        name="revenue",
        description="Revenue (money taken) per day, week, month, store or category over "
        "a period, with its total, shown as a chart: 'revenue this month', 'sales per store "
        "in 2022', 'income by category last month'.",
    )
    async def revenue(
        self,
        per: Annotated[Per, "Group the revenue per day, week, month, store or category"]
        = Per.month,
        period: Period = "",
        store_id: StoreId = None,
    ) -> Chart | Failure:
        return await self._chart(lambda conn, when: stats.revenue(
            conn, Per(per).value, when, store_id), period)

    @kernel_function(
        name="rentals_over_time",
        description="How many rentals were made per day, week, month, store or category over "
        "a period, with their total, shown as a chart: 'how many rentals last month', "
        "'rentals per store in 2022'.",
    )
    async def rentals_over_time(
        self,
        grouped_by: Annotated[Per, "Count the rentals per day, week, month, store or category"]
        = Per.month,
        period: Period = "",
        store_id: StoreId = None,
    ) -> Chart | Failure:
        return await self._chart(lambda conn, when: stats.rental_counts(
            conn, Per(grouped_by).value, when, store_id), period)

    async def _chart(self, figures, period: str) -> Chart | Failure:
        async with self.database.reading() as conn:
            when = await period_asked(conn, period)
            if isinstance(when, Failure):
                return when
            try:
                series = await figures(conn, when)
            except StoreError as error:
                return Failure(error=str(error))
        return Chart.model_validate(series.model_dump())
