"""Query and path parameters shared by the routers, with the original API's bounds."""

from typing import Annotated

from fastapi import Path, Query

PG_INT_MAX = 2**31 - 1  # ids and offsets beyond an SQL integer are refused up front, not at SQL

Skip = Annotated[int, Query(ge=0, le=PG_INT_MAX, description="How many to skip")]
Limit = Annotated[int, Query(ge=1, le=100, description="How many to return (1 to 100)")]
CustomerId = Annotated[int, Path(gt=0, le=PG_INT_MAX)]
RentalId = Annotated[int, Path(gt=0, le=PG_INT_MAX)]
