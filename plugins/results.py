"""Compact, JSON-ready shapes of the store's records, as the model sees them."""

import json
from typing import Any

from assistant.models import Customer, Film, FilmDetails, FilmList, RentalLine

MAX_ROWS = 25  # the most rows a function hands the model at once


def to_json(result: dict[str, Any]) -> str:
    return json.dumps(result, default=str, ensure_ascii=False)


def rows(limit: int | None) -> int:
    """A row limit the model asked for, kept between 1 and MAX_ROWS."""
    return max(1, min(MAX_ROWS, int(limit or 10)))


def money(value) -> str | None:
    return None if value is None else f"{value:.2f}"


def film_brief(film: Film) -> dict[str, Any]:
    return {
        "film_id": film.film_id,
        "title": film.title,
        "category": film.category,
        "rating": film.rating,
        "rental_rate": money(film.rental_rate),
        "length": film.length,
        "streaming": film.streaming_available,
    }


def film_full(film: FilmDetails) -> dict[str, Any]:
    return {
        **film_brief(film),
        "description": film.description,
        "release_year": film.release_year,
        "language": film.language,
        "rental_duration_days": film.rental_duration,
        "replacement_cost": money(film.replacement_cost),
        "special_features": film.special_features or [],
        "actors": film.actors,
        "stock": [s.model_dump() for s in film.stock],
        "recommended": film.recommended,
    }


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


def film_page(page: FilmList | list[Film], **extra: Any) -> dict[str, Any]:
    films = page.films if isinstance(page, FilmList) else page
    total = page.total if isinstance(page, FilmList) else len(page)
    return {**extra, "total": total, "films": [film_brief(f) for f in films]}
