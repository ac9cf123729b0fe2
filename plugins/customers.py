"""Customers plugin: find a customer, what they have rented, and what they have paid."""

from typing import Annotated

from semantic_kernel.functions import kernel_function
from sqlalchemy.ext.asyncio import AsyncConnection

from assistant import customers, payments, rentals
from assistant.db import Database
from assistant.models import Money
from assistant.rentals import RentalFilter
from assistant.totals import Count
from plugins.results import (
    Ambiguous,
    CustomerBrief,
    CustomerFound,
    CustomerRentals,
    Failure,
    RentalBrief,
    StoreResult,
    rows,
)
from plugins.stats import Period, period_asked


class CustomerBalance(StoreResult):
    """What a customer owes: rental fees + late fees - payments, as of now."""

    customer: CustomerBrief
    balance: Money  # positive: owed to the store; negative: in credit
    rental_fees: Money
    late_fees: Money
    paid: Money
    as_of: str
    late_fee_rule: str = rentals.FEE_RULE


class CustomerPayments(StoreResult):
    """A customer's payments in a period (all time unless one was asked): how many and how
    much, and one page, newest first."""

    customer: CustomerBrief
    period: str
    payments_count: int
    total_paid: Money
    page: int
    payments: list[payments.Payment]


CustomerId = Annotated[int, "The customer's id (use find_customer first)"]


async def customer_by_id(conn: AsyncConnection, customer_id: int) -> CustomerBrief | Failure:
    """The customer, or the error the model passes on (never a guess)."""
    found = await customers.find_customers(conn, str(customer_id), limit=1)
    if not found:
        return Failure(error=f"Customer with ID {customer_id} not found")
    return CustomerBrief.of(found[0])


class CustomersPlugin:
    def __init__(self, database: Database):
        self.database = database

    @kernel_function(
        name="find_customer",
        description="Find a customer by id, full or partial name, or email. When several "
        "customers match, the question says how many and the first ten by name are returned; "
        "you must ask which one is meant; never guess.",
    )
    async def find_customer(
        self, query: Annotated[str, "Customer id, name (e.g. 'Mary Smith') or email"]
    ) -> CustomerFound | Ambiguous[CustomerBrief] | Failure:
        async with self.database.reading() as conn:
            found = await customers.search_customers(conn, query, limit=10)
        if not found.customers:
            return Failure(error=f"No customer matches '{query.strip()}'.")
        if len(found.customers) == 1 and found.total == Count(1):
            return CustomerFound(customer=CustomerBrief.of(found.customers[0]))
        # How many match in all (not the page): "344 customers match 'luther'", then the
        # first ten by name.
        first = (f" (the first {len(found.customers)} by name)"
                 if found.total.more or found.total.n > len(found.customers) else "")
        return Ambiguous[CustomerBrief](
            question=f"{str(found.total).capitalize()} customers match '{query.strip()}'"
                     f"{first}. Which one?",
            matches=[CustomerBrief.of(c) for c in found.customers],
        )

    @kernel_function(
        name="customer_rentals",
        description="A customer's rentals, newest first, with how many there are: what they "
        "are renting now (open_only=true) or their history, over all time or in a period "
        "('in 2022', 'last month').",
    )
    async def customer_rentals(
        self,
        customer_id: CustomerId,
        open_only: Annotated[bool, "Only rentals not yet returned"] = False,
        period: Period = "",
        limit: Annotated[int, "How many rentals to return (1 to 25)"] = 10,
    ) -> CustomerRentals | Failure:
        async with self.database.reading() as conn:
            customer = await customer_by_id(conn, customer_id)
            if isinstance(customer, Failure):
                return customer
            when = await period_asked(conn, period)
            if isinstance(when, Failure):
                return when
            chosen = RentalFilter(customer_id, open_only=open_only, period=when)
            lines = await rentals.rental_lines(conn, chosen, limit=rows(limit))
            total = await rentals.count_rentals(conn, chosen)
        return CustomerRentals(customer=customer, open_only=open_only, period=when.words,
                               total=total.n, rentals=[RentalBrief.of(line) for line in lines])

    @kernel_function(
        name="customer_payments",
        description="What a customer has paid the store, over all time or in a period ('in "
        "2022', 'last month'): the total of their payments, how many there are, and the latest "
        "ones (amount, date, rental), newest first; paged.",
    )
    async def customer_payments(
        self,
        customer_id: CustomerId,
        period: Period = "",
        page: Annotated[int, "Page number, 1 for the first"] = 1,
    ) -> CustomerPayments | Failure:
        size, page = 10, max(1, page)
        async with self.database.reading() as conn:
            customer = await customer_by_id(conn, customer_id)
            if isinstance(customer, Failure):
                return customer
            when = await period_asked(conn, period)
            if isinstance(when, Failure):
                return when
            history = await payments.payment_history(
                conn, customer_id, (page - 1) * size, size, when)
        return CustomerPayments(customer=customer, period=history.period,
                                payments_count=history.count, total_paid=history.total,
                                page=page, payments=history.payments)

    @kernel_function(
        name="customer_balance",
        description="What a customer owes the store (their balance): rental fees of every "
        "rental plus late fees (a rental still out counts as of now) minus their payments.",
    )
    async def customer_balance(self, customer_id: CustomerId) -> CustomerBalance | Failure:
        async with self.database.reading() as conn:
            customer = await customer_by_id(conn, customer_id)
            if isinstance(customer, Failure):
                return customer
            owed = await payments.balance(conn, customer_id)
        return CustomerBalance(customer=customer, balance=owed.balance,
                               rental_fees=owed.rental_fees, late_fees=owed.late_fees,
                               paid=owed.paid, as_of=owed.as_of.strftime("%Y-%m-%d %H:%M"))
