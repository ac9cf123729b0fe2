"""What a customer owes and has paid (beyond the original Mini Pagila API)."""

from fastapi import APIRouter

from assistant import payments
from assistant.api.deps import DatabaseDep
from assistant.api.params import CustomerId, Limit, Skip
from assistant.api.problems import problem
from assistant.api.responses import record, records
from assistant.payments import Balance, Payment

router = APIRouter(prefix="/api/v1/customers", tags=["customers"])
NOT_FOUND = {404: problem("No such customer", "Customer with ID 9999 not found")}


@router.get("/{customer_id}/balance", response_model=Balance, responses=NOT_FOUND)
async def balance(database: DatabaseDep, customer_id: CustomerId):
    """Pagila's balance as of now: rental fees, plus late fees ($1 a day late; kept over twice
    the rental duration, the replacement cost; a rental still out counts as of now), minus
    payments. The same figure as SQL's `get_customer_balance(customer_id, now())`."""
    async with database.reading() as conn:
        owed = await payments.balance(conn, customer_id)
    return record(owed)


@router.get("/{customer_id}/payments", response_model=list[Payment], responses=NOT_FOUND)
async def customer_payments(database: DatabaseDep, customer_id: CustomerId, skip: Skip = 0,
                            limit: Limit = 10):
    """The customer's payments, newest first."""
    async with database.reading() as conn:
        history = await payments.payment_history(conn, customer_id, skip, limit)
    return records(history.payments)
