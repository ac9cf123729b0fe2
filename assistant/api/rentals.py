"""Customer rental and rental endpoints of the original Mini Pagila API."""

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query
from pydantic import BaseModel, Field, WithJsonSchema

from assistant import rentals
from assistant.api.deps import AdminRoute, DatabaseDep, admin_docs
from assistant.api.params import PG_INT_MAX, CustomerId, Limit, RentalId, Skip
from assistant.api.problems import UNAUTHORIZED, UNREADABLE_BODY, ValidationProblem, problem
from assistant.api.responses import record, records
from assistant.models import Rental

router = APIRouter(prefix="/api/v1", tags=["rentals"])
admin = APIRouter(prefix="/api/v1", tags=["rentals"], route_class=AdminRoute,
                  dependencies=admin_docs, responses=UNAUTHORIZED)
RENTAL_NOT_FOUND = problem("No such rental", "Rental with ID 9999 not found")
# Not positive: 400, as the original; the schema states the minimum, FastAPI does not check it.
PositiveForDocs = Annotated[int, WithJsonSchema({"type": "integer", "minimum": 1,
                                                 "maximum": PG_INT_MAX})]


class RentalRequest(BaseModel):
    inventory_id: int = Field(gt=0, le=PG_INT_MAX, description="The copy to rent")
    staff_id: int = Field(gt=0, le=PG_INT_MAX, description="The clerk renting it out")


@router.get("/customers/{customer_id}/rentals", response_model=list[Rental])
async def customer_rentals(database: DatabaseDep, customer_id: CustomerId, skip: Skip = 0,
                           limit: Limit = 10):
    async with database.reading() as conn:
        history = await rentals.customer_rentals(conn, customer_id, skip, limit)
    return records(history)


@admin.post("/customers/{customer_id}/rentals", response_model=Rental, responses={
    400: problem("A body that is not UTF-8", UNREADABLE_BODY),
    422: problem(
        "Invalid request (a list of field errors), or a rental the store refuses (every "
        "reason, in the order customer, copy, clerk)",
        "Rental validation failed: Customer with ID 9999 not found; "
        "Inventory item with ID 1 is already rented out",
        model=ValidationProblem),
})
async def rent(database: DatabaseDep, customer_id: CustomerId, body: RentalRequest):
    async with database.writing() as conn:  # committed before the response is sent
        rental = await rentals.rent_copy(conn, customer_id, body.inventory_id, body.staff_id)
    return record(rental)


@router.get("/rentals/active", response_model=list[Rental], responses={
    400: problem("Customer id not positive", "Customer ID must be positive"),
})
async def active_rentals(
    database: DatabaseDep,
    customer_id: Annotated[PositiveForDocs | None, Query(le=PG_INT_MAX)] = None,
    skip: Skip = 0,
    limit: Limit = 10,
):
    if customer_id is not None and customer_id <= 0:
        raise HTTPException(400, "Customer ID must be positive")
    async with database.reading() as conn:
        out_now = await rentals.active_rentals(conn, customer_id, skip, limit)
    return records(out_now)


@router.get("/rentals/{rental_id}", response_model=Rental, responses={404: RENTAL_NOT_FOUND})
async def get_rental(database: DatabaseDep, rental_id: RentalId):
    async with database.reading() as conn:
        rental = await rentals.get_rental(conn, rental_id)
    return record(rental)


@admin.put("/rentals/{rental_id}/return", response_model=Rental, responses={
    400: problem("Rental already returned", "Rental with ID 1 has already been returned"),
    404: RENTAL_NOT_FOUND,
})
async def return_rental(database: DatabaseDep, rental_id: RentalId):
    async with database.writing() as conn:  # committed before the response is sent
        returned = await rentals.return_rental(conn, rental_id)
    return record(returned.rental)
