"""Customer rental and rental endpoints of the original Mini Pagila API."""

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query
from pydantic import BaseModel, Field

from assistant import rentals
from assistant.api.deps import AdminRoute, ReadConn, WriteConn, admin_docs
from assistant.api.params import PG_INT_MAX, CustomerId, Limit, RentalId, Skip
from assistant.api.responses import record, records
from assistant.models import Rental

router = APIRouter(prefix="/api/v1", tags=["rentals"])
admin = APIRouter(prefix="/api/v1", tags=["rentals"], route_class=AdminRoute,
                  dependencies=admin_docs)


class RentalRequest(BaseModel):
    inventory_id: int = Field(gt=0, le=PG_INT_MAX, description="The copy to rent")
    staff_id: int = Field(gt=0, le=PG_INT_MAX, description="The clerk renting it out")


@router.get("/customers/{customer_id}/rentals", response_model=list[Rental])
async def customer_rentals(conn: ReadConn, customer_id: CustomerId, skip: Skip = 0,
                           limit: Limit = 10):
    return records(await rentals.customer_rentals(conn, customer_id, skip, limit))


@admin.post("/customers/{customer_id}/rentals", response_model=Rental)
async def rent(conn: WriteConn, customer_id: CustomerId, body: RentalRequest):
    return record(await rentals.rent_copy(conn, customer_id, body.inventory_id, body.staff_id))


@router.get("/rentals/active", response_model=list[Rental])
async def active_rentals(
    conn: ReadConn,
    customer_id: Annotated[int | None, Query(le=PG_INT_MAX)] = None,
    skip: Skip = 0,
    limit: Limit = 10,
):
    if customer_id is not None and customer_id <= 0:
        raise HTTPException(400, "Customer ID must be positive")
    return records(await rentals.active_rentals(conn, customer_id, skip, limit))


@router.get("/rentals/{rental_id}", response_model=Rental)
async def get_rental(conn: ReadConn, rental_id: RentalId):
    return record(await rentals.get_rental(conn, rental_id))


@admin.put("/rentals/{rental_id}/return", response_model=Rental)
async def return_rental(conn: WriteConn, rental_id: RentalId):
    return record((await rentals.return_rental(conn, rental_id)).rental)
