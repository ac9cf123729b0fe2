"""Compact, JSON-ready shapes of the store's records, as the model sees them.

A function's result is a typed `StoreResult`: the model receives its compact JSON (`str()`).
"""

import json
from typing import Any

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

MAX_ROWS = 25  # the most rows a function hands the model at once


def to_json(result: dict[str, Any]) -> str:
    return json.dumps(result, default=str, ensure_ascii=False)


def rows(limit: int | None) -> int:
    """A row limit the model asked for, kept between 1 and MAX_ROWS."""
    return max(1, min(MAX_ROWS, int(limit or 10)))


class StoreResult(BaseModel):
    """What a store function returns: compact JSON for the model, without empty fields."""

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
    def of(cls, film: Film) -> "FilmBrief":
        return cls(**film.model_dump(), streaming=film.streaming_available)


class FilmPage(StoreResult):
    """One page of a film search, with what was searched for in words."""

    searched: str  # the filters applied, in words: nothing dropped out of sight
    sort: str
    total: int  # all matches, not the page size
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
    page: int | None = None
    films: list[FilmBrief] = []


class FilmFull(FilmBrief):
    description: str | None = None
    language: str | None = None
    rental_duration_days: int | None = None
    replacement_cost: Money | None = None
    special_features: list[str] = []
    actors: list[str] = []
    stock: list[StoreStock] = []
    recommended: bool = False

    @classmethod
    def of(cls, film: FilmDetails) -> "FilmFull":
        return cls(**film.model_dump(), streaming=film.streaming_available,
                   rental_duration_days=film.rental_duration)


def money(value) -> str | None:
    return None if value is None else f"{value:.2f}"


def film_brief(film: Film) -> dict[str, Any]:
    """A FilmBrief as a plain dict, for results not yet typed."""
    return FilmBrief.of(film).model_dump(mode="json")


def customer_brief(customer: Customer) -> dict[str, Any]:
    return {
        "customer_id": customer.customer_id,
        "name": customer.name,
        "email": customer.email,
        "store_id": customer.store_id,
        "active": customer.active,
    }


def rental_brief(line: RentalLine) -> dict[str, Any]:
    return {
        "rental_id": line.rental_id,
        "film_id": line.film_id,
        "title": line.title,
        "customer_id": line.customer_id,
        "customer": line.customer_name,
        "store_id": line.store_id,
        "inventory_id": line.inventory_id,
        "rented": line.rental_date.date().isoformat(),
        "due": line.due_date.date().isoformat(),
        "returned": line.return_date.date().isoformat() if line.return_date else None,
        "days_overdue": line.days_overdue if line.return_date is None else 0,
    }
