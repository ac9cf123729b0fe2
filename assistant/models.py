"""The store's records as they leave the domain services (and go out over REST or to the model)."""

from datetime import datetime
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer

# Money goes out as a decimal string with two places ("2.99"), as the original API did.
Money = Annotated[Decimal, PlainSerializer(lambda v: f"{v:.2f}", return_type=str, when_used="json")]


class Record(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class Film(Record):
    film_id: int
    title: str
    description: str | None = None
    release_year: int | None = None
    rental_duration: int | None = None
    rental_rate: Money | None = None
    length: int | None = None
    rating: str | None = None
    streaming_available: bool | None = None
    last_update: datetime | None = None
    # Additive fields, useful to clients and to the chat.
    category: str | None = None
    language: str | None = None
    replacement_cost: Money | None = None
    special_features: list[str] | None = None


class FilmList(BaseModel):
    films: list[Film]
    total: int
    skip: int
    limit: int
    # Counted up to a bound (the chat's lists): more than `total` match. Not sent over REST,
    # whose lists always count every match.
    total_is_lower_bound: bool = Field(default=False, exclude=True)


class Actor(Record):
    actor_id: int
    name: str
    films: int  # how many films of the store they play in


class StoreStock(BaseModel):
    store_id: int
    copies: int
    in_stock: int


class FilmDetails(Film):
    actors: list[str] = []
    stock: list[StoreStock] = []
    recommended: bool = False


class Customer(Record):
    customer_id: int
    store_id: int
    first_name: str
    last_name: str
    email: str | None = None
    active: bool

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}"


class Rental(Record):
    rental_id: int
    rental_date: datetime
    inventory_id: int
    customer_id: int
    return_date: datetime | None = None
    staff_id: int
    last_update: datetime


class RentalLine(Rental):
    """A rental with what the counter needs to talk about it."""

    film_id: int
    title: str
    store_id: int
    customer_name: str
    due_date: datetime
    days_overdue: int


class ReturnReceipt(BaseModel):
    rental: Rental
    title: str
    days_late: int
    late_fee: Money
    replacement_charged: bool = False  # kept over twice the duration: the replacement cost


class RentalPlan(BaseModel):
    """What renting a film to a customer at the clerk's store would do, before it is done."""

    customer: Customer
    film: Film
    staff_id: int
    store_id: int
    inventory_id: int | None  # None: no copy on the shelf at the clerk's store
    other_stores_in_stock: list[int]
    due_date: datetime
    fee: Money


class ReturnPlan(BaseModel):
    """What taking a rental back now would charge."""

    rental: RentalLine
    days_late: int
    late_fee: Money
    replacement_charged: bool = False
