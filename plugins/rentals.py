"""Rentals plugin: what is out, what is overdue, and the two writes (rent, return).

The writes run only with a grant from the clerk's approval (assistant.approvals): the model
can ask for them, never perform them on its own.
"""

from typing import Annotated, Any

from semantic_kernel.functions import kernel_function

from assistant import payments, rentals
from assistant.approvals import Preview, WriteDesk
from assistant.db import Database
from assistant.errors import StoreError
from assistant.models import RentalPlan, ReturnPlan
from assistant.rentals import RentalFilter
from assistant.totals import COUNT_BOUND
from plugins.results import (
    Failure,
    LateFeeRule,
    RentalBrief,
    RentalDetails,
    RentalLateFee,
    RentalList,
    Rented,
    Returned,
    money,
    rows,
)

NOT_APPROVED = (
    "Not done: this write needs the clerk's confirmation with the admin token in the chat, "
    "and it was not given. Nothing was changed."
)


class RentalsPlugin:
    def __init__(self, database: Database, staff_id: int, desk: WriteDesk):
        self.database = database
        self.staff_id = staff_id
        self.desk = desk

    @kernel_function(
        name="active_rentals",
        description="Rentals not yet returned (out right now), newest first, with the total "
        "count; narrowed to one customer and/or one store when given.",
    )
    async def active_rentals(
        self,
        customer_id: Annotated[int | None, "Only this customer's (customer id)"] = None,
        store_id: Annotated[int | None, "Only copies of this store (store id)"] = None,
        limit: Annotated[int, "How many rentals to return (1 to 25)"] = 10,
    ) -> RentalList:
        return await self._rentals(RentalFilter(customer_id or None, store_id or None,
                                                open_only=True), limit)

    @kernel_function(
        name="overdue_rentals",
        description="Rentals kept past their due date and not returned, most overdue first, "
        "with the total count; narrowed to one customer and/or one store when given.",
    )
    async def overdue_rentals(
        self,
        customer_id: Annotated[int | None, "Only this customer's (customer id)"] = None,
        store_id: Annotated[int | None, "Only copies of this store (store id)"] = None,
        limit: Annotated[int, "How many rentals to return (1 to 25)"] = 10,
    ) -> RentalList:
        return await self._rentals(RentalFilter(customer_id or None, store_id or None,
                                                overdue_only=True), limit)

    async def _rentals(self, filters: RentalFilter, limit: int) -> RentalList:
        async with self.database.reading() as conn:
            total = await rentals.count_rentals(conn, filters, bound=COUNT_BOUND)
            lines = await rentals.rental_lines(conn, filters, limit=rows(limit))
        return RentalList(total=total.n, total_is_lower_bound=total.more or None,
                          store_id=filters.store_id,
                          rentals=[RentalBrief.of(line) for line in lines])

    @kernel_function(name="rental_details", description="One rental by its id.")
    async def rental_details(
        self, rental_id: Annotated[int, "The rental's id"]
    ) -> RentalDetails | Failure:
        try:
            async with self.database.reading() as conn:
                line = await rentals.rental_line(conn, rental_id)
        except StoreError as error:
            return Failure(error=str(error))
        return RentalDetails(rental=RentalBrief.of(line))

    @kernel_function(
        name="rental_late_fee",
        description="The late fee of one rental (by rental id): while it is out, as of now; "
        "once returned, as of its return; with what was paid for it and the store's late-fee "
        "rule in words.",
    )
    async def rental_late_fee(
        self, rental_id: Annotated[int, "The rental's id"]
    ) -> RentalLateFee | Failure:
        try:
            async with self.database.reading() as conn:
                fee = await payments.late_fee(conn, rental_id)
        except StoreError as error:
            return Failure(error=str(error))
        return RentalLateFee(**fee.model_dump(exclude={"due"}), due=fee.due.date())

    @kernel_function(
        name="late_fee_rule",
        description="The store's late-fee rule in words: what returning a film late costs "
        "(per day late, or the replacement cost when kept far too long).",
    )
    async def late_fee_rule(self) -> LateFeeRule:
        return LateFeeRule(rule=rentals.FEE_RULE)

    @kernel_function(
        name="create_rental",
        description="Rent a film to a customer, from a copy on the shelf at the clerk's store. "
        "Find the customer_id and film_id first. The clerk is then shown the rental and must "
        "confirm it with the admin token; you cannot confirm, skip or answer that step.",
    )
    async def create_rental(
        self,
        customer_id: Annotated[int, "The customer's id"],
        film_id: Annotated[int, "The film's id"],
    ) -> Rented | Failure:
        grant = self.desk.take("Rentals-create_rental",
                               {"customer_id": customer_id, "film_id": film_id})
        if grant is None:
            return Failure(error=NOT_APPROVED)
        try:
            async with self.database.writing() as conn:
                rental = await rentals.rent_copy(
                    conn, customer_id, grant["inventory_id"], self.staff_id
                )
                line = await rentals.rental_line(conn, rental.rental_id)
        except StoreError as error:
            return Failure(error=str(error))
        return Rented(rented=RentalBrief.of(line))

    @kernel_function(
        name="return_rental",
        description="Take a rented copy back (by rental id), with its late fee. The clerk is "
        "shown the return and must confirm it with the admin token; you cannot confirm, skip "
        "or answer that step.",
    )
    async def return_rental(
        self, rental_id: Annotated[int, "The rental's id"]
    ) -> Returned | Failure:
        if self.desk.take("Rentals-return_rental", {"rental_id": rental_id}) is None:
            return Failure(error=NOT_APPROVED)
        try:
            async with self.database.writing() as conn:
                receipt = await rentals.return_rental(conn, rental_id, self.staff_id)
                line = await rentals.rental_line(conn, rental_id)
        except StoreError as error:
            return Failure(error=str(error))
        return Returned(returned=RentalBrief.of(line), days_late=receipt.days_late,
                        late_fee=receipt.late_fee,
                        fee_rule=fee_rule(receipt.replacement_charged))

    async def preview(self, function: str, arguments: dict[str, Any]) -> Preview:
        """What a write would do, for the clerk to confirm (not a kernel function)."""
        try:
            async with self.database.reading() as conn:
                if function == "Rentals-create_rental":
                    plan = await rentals.plan_rental(
                        conn, _id(arguments, "customer_id"), _id(arguments, "film_id"),
                        self.staff_id,
                    )
                    return _rental_preview(plan)
                plan = await rentals.plan_return(conn, _id(arguments, "rental_id"))
                return _return_preview(plan)
        except (StoreError, KeyError, ValueError, TypeError) as error:
            return Preview(text="", refusal=str(error) or "the request was incomplete.")


def fee_rule(replacement_charged: bool) -> str:
    if replacement_charged:
        return "the film's replacement cost: kept more than twice its rental period"
    return "$1 per day late"


def _id(arguments: dict[str, Any], name: str) -> int:
    return int(arguments[name])


def _rental_preview(plan: RentalPlan) -> Preview:
    customer, film = plan.customer, plan.film
    if not customer.active:
        return Preview(text="", refusal=f"customer {customer.name} is not active.")
    if plan.inventory_id is None:
        elsewhere = (f" Store {', '.join(map(str, plan.other_stores_in_stock))} has one."
                     if plan.other_stores_in_stock else " No store has one on the shelf.")
        return Preview(text="", refusal=f"no copy of {film.title} is on the shelf at "
                       f"store {plan.store_id}.{elsewhere}")
    text = (
        f"Rent **{film.title}** (film {film.film_id}) to **{customer.name}** "
        f"(customer {customer.customer_id})\n"
        f"- Copy {plan.inventory_id} at store {plan.store_id}, by clerk {plan.staff_id}\n"
        f"- Due back {plan.due_date.date().isoformat()}\n"
        f"- Charges ${money(plan.fee)}, the rental fee, recorded as a payment to clerk "
        f"{plan.staff_id}"
    )
    return Preview(text=text, bound={"inventory_id": plan.inventory_id})


def _return_preview(plan: ReturnPlan) -> Preview:
    line = RentalBrief.of(plan.rental)
    text = (
        f"Return rental {line.rental_id}: **{line.title}** (copy {line.inventory_id}, "
        f"store {line.store_id}) rented by **{line.customer}** "
        f"(customer {line.customer_id}) on {line.rented}, due {line.due}\n"
        f"- {plan.days_late} day(s) late; late fee ${money(plan.late_fee)} "
        f"({fee_rule(plan.replacement_charged)})"
        + (", recorded as a payment" if plan.late_fee > 0 else "")
    )
    return Preview(text=text)
