"""Compact, JSON-ready shapes of the store's records, as the model sees them.

A function's result is a typed `StoreResult`: the model receives its compact JSON (`str()`).
When there is no single record to answer with, it is a `Failure` (why) or an `Ambiguous`
(which one?), the same two shapes for films and customers.
"""

from datetime import date
from typing import Any, Generic, Literal, Self, TypeVar

from pydantic import BaseModel, ConfigDict

from assistant.models import (
    Actor,
    Customer,
    Film,
    FilmDetails,
    Money,
    RentalLine,
    StoreStock,
)
from assistant.stats import StoreCounts

MAX_ROWS = 25  # the most rows a function hands the model at once
# A `total` is counted exactly up to COUNT_BOUND (assistant.totals); beyond, it is COUNT_BOUND
# with `total_is_lower_bound: true` ("more than 1,000"), so a count stays cheap however many
# match. The field is left out when the count is exact. What shows a result to the clerk reads
# such a count as an AtLeast (counted_up_to_bounds).


class AtLeast(int):
    """A count made up to a bound: more than that many match ("more than 1,000")."""

    def __str__(self) -> str:
        return f"more than {int(self):,}"

    def __format__(self, spec: str) -> str:
        return f"more than {format(int(self), spec)}"


def counted_up_to_bounds(value: Any) -> Any:
    """`value` with each count flagged `X_is_lower_bound` made an AtLeast, the flags left out
    (so rows with and without one still make one table)."""
    if isinstance(value, list):
        return [counted_up_to_bounds(v) for v in value]
    if not isinstance(value, dict):
        return value
    flag = "_is_lower_bound"
    out = {k: counted_up_to_bounds(v) for k, v in value.items() if not k.endswith(flag)}
    for key in (k.removesuffix(flag) for k, v in value.items() if k.endswith(flag) and v):
        if isinstance(out.get(key), int):
            out[key] = AtLeast(out[key])
    return out


def rows(limit: int | None) -> int:
    """A row limit the model asked for, kept between 1 and MAX_ROWS."""
    return max(1, min(MAX_ROWS, int(limit or 10)))


class StoreResult(BaseModel):
    """What a store function returns: compact JSON for the model, without empty fields.

    Semantic Kernel hands the model `str(result)` (and the offline model parses that same
    text), so this is the one place that decides how a result reads.
    """

    model_config = ConfigDict(from_attributes=True)

    def __str__(self) -> str:
        return self.model_dump_json(exclude_none=True)


class FilmBrief(StoreResult):
    film_id: int
    title: str
    category: str | None = None
    rating: str | None = None
    rental_rate: Money | None = None
    length: int | None = None
    release_year: int | None = None
    streaming: bool | None = None

    @classmethod
    def of(cls, film: Film) -> Self:
        return cls(**film.model_dump(), streaming=film.streaming_available)


class FilmPage(StoreResult):
    """One page of a film search, with what was searched for in words."""

    searched: str  # the filters applied, in words: nothing dropped out of sight
    sort: str
    total: int  # all matches, not the page size
    total_is_lower_bound: bool | None = None  # true: more than `total` match (and pages)
    page: int
    pages: int
    films: list[FilmBrief]
    note: str | None = None  # a part of the request that could not be used, and why


class FilmMatches(StoreResult):
    """Films found by title; none found: the closest titles the store carries."""

    title: str
    films: list[FilmBrief]
    closest: list[str] = []


class ActorFilms(StoreResult):
    """The actors a name matches and, when it is one actor, a page of their films."""

    name: str
    actors: list[Actor]
    total: int | None = None
    total_is_lower_bound: bool | None = None  # true: in more than `total` films
    page: int | None = None
    films: list[FilmBrief] = []


class FilmDescribed(FilmBrief):
    """A film's brief with what it is about."""

    description: str | None = None


class FilmFull(FilmDescribed):
    language: str | None = None
    rental_duration_days: int | None = None
    replacement_cost: Money | None = None
    special_features: list[str] = []
    actors: list[str] = []
    stock: list[StoreStock] = []
    recommended: bool = False

    @classmethod
    def of(cls, film: FilmDetails) -> "FilmFull":
        return cls(**{**film.model_dump(), "special_features": film.special_features or []},
                   streaming=film.streaming_available, rental_duration_days=film.rental_duration)


class FilmInfo(StoreResult):
    """Everything about one film (film_details)."""

    film: FilmFull


class FilmStock(StoreResult):
    """A film's copies per store (film_availability); a note when the store asked for is
    not one of them."""

    film: FilmBrief
    stores: list[StoreStock]
    note: str | None = None


class FilmSummary(StoreResult):
    film: FilmDescribed
    recommended: bool


class CustomerBrief(StoreResult):
    customer_id: int
    name: str
    email: str | None = None
    store_id: int
    active: bool

    @classmethod
    def of(cls, customer: Customer) -> Self:
        return cls.model_validate(customer)  # `name` is the customer's full-name property


class RentalBrief(StoreResult):
    """A rental in the counter's words: dates as days, the customer by name."""

    rental_id: int
    film_id: int
    title: str
    customer_id: int
    customer: str
    store_id: int
    inventory_id: int
    rented: date
    due: date
    returned: date | None = None  # None (left out): still out
    days_overdue: int  # 0 once returned: a returned rental is overdue no more

    @classmethod
    def of(cls, line: RentalLine) -> Self:
        returned = line.return_date and line.return_date.date()
        return cls(**line.model_dump(exclude={"days_overdue"}), customer=line.customer_name,
                   rented=line.rental_date.date(), due=line.due_date.date(), returned=returned,
                   days_overdue=0 if returned else line.days_overdue)


class Failure(StoreResult):
    """Why a function could not do what was asked (nothing found, refused), in the store's
    words: the model passes it on rather than guessing."""

    error: str


Match = TypeVar("Match", bound=StoreResult)


class Ambiguous(StoreResult, Generic[Match]):
    """Several records match what was asked: the model must ask which one, never pick one."""

    ambiguous: Literal[True] = True
    question: str
    matches: list[Match]


NoFilm = Failure | Ambiguous[FilmBrief]  # why a function got no single film to work on


class CustomerFound(StoreResult):
    customer: CustomerBrief


class CustomerRentals(StoreResult):
    """A customer's rentals of a period (all time unless one was asked): how many, and the
    latest of them."""

    customer: CustomerBrief
    open_only: bool
    period: str
    total: int  # every rental matching, not the page
    rentals: list[RentalBrief]


class RentalList(StoreResult):
    """A page of rentals with the count of all that match (active or overdue)."""

    total: int
    total_is_lower_bound: bool | None = None  # true: more than `total` match
    store_id: int | None = None  # the store they were narrowed to
    rentals: list[RentalBrief]


class RentalDetails(StoreResult):
    rental: RentalBrief


class Rented(StoreResult):
    rented: RentalBrief


class Returned(StoreResult):
    returned: RentalBrief
    days_late: int
    late_fee: Money
    fee_rule: str  # how the fee was worked out, for the clerk to tell the customer


def money(value) -> str | None:
    return None if value is None else f"{value:.2f}"


class RentalLateFee(StoreResult):
    """One rental's late fee (as of now while out, at its return once returned), what was
    paid for the rental, and the rule in words."""

    rental_id: int
    title: str
    customer_id: int
    customer: str
    out: bool
    due: date
    days_late: int
    late_fee: Money
    replacement_charged: bool
    paid_for_rental: Money
    rule: str


class LateFeeRule(StoreResult):
    rule: str


class ChartRow(StoreResult):
    label: str
    value: float


class Chart(StoreResult):
    """Figures to read as a table and draw as a chart: a ranking, or revenue or rentals over
    time."""

    title: str
    period: str
    unit: str  # "rentals" or "$"
    kind: str  # "bar" or "line"
    rows: list[ChartRow]
    total: int | Money | None = None  # a count of rentals, or money
    note: str | None = None  # a period with no data: the latest month that has some


class StoreCountsRow(StoreResult, StoreCounts):
    """A store's counts (assistant.stats.StoreCounts), as the model receives them."""


class StoreCountsResult(StoreResult):
    """The films in the catalogue, and per store: films carried, copies, customers, rentals
    out now, overdue now."""

    films_in_catalogue: int
    stores: list[StoreCountsRow]
