"""Films plugin: the catalogue, search, details, stock and recommendations, for the model."""

from decimal import Decimal, InvalidOperation
from typing import Annotated

from semantic_kernel.functions import kernel_function
from sqlalchemy.ext.asyncio import AsyncConnection

from assistant import films
from assistant.db import Database
from assistant.errors import FilmNotFound
from assistant.films import RATINGS, FilmFilter
from assistant.models import Film
from plugins.results import film_brief, film_full, film_page, rows, to_json

# How the model names one film: by title, or by id when an earlier result gave it.
Title = Annotated[str, "The film's title"]
FilmId = Annotated[int, "The film's id, when known"]


async def resolve_film(conn: AsyncConnection, title: str, film_id: int) -> Film | dict:
    """One film by id or title; otherwise a result that says why not (none, or several)."""
    if film_id > 0:
        try:
            return await films.get_film(conn, film_id)
        except FilmNotFound as error:
            return {"error": str(error)}
    if not title.strip():
        return {"error": "Give a film title or film_id."}
    found = await films.find_films_by_title(conn, title, limit=10)
    if len(found) == 1:
        return found[0]
    if not found:
        return {"error": f"No film titled like '{title.strip()}'."}
    return {
        "ambiguous": True,
        "question": f"Several films match '{title.strip()}'. Which one?",
        "matches": [film_brief(f) for f in found],
    }


def _rating(value: str | None) -> str | None:
    if not value:
        return None
    rating = value.strip().upper().replace(" ", "-")
    return rating if rating in RATINGS else None


def _price(value: float | str | None) -> Decimal | None:
    if value in (None, "", 0):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


class FilmsPlugin:
    def __init__(self, database: Database):
        self.database = database

    @kernel_function(
        name="list_films",
        description="List films of the store, filtered by category, MPAA rating, highest rental "
        "rate, and/or streaming. Use for requests like 'comedies under $1' or 'PG-13 action "
        "films'. Returns the total count and the first films by title.",
    )
    async def list_films(
        self,
        category: Annotated[str | None, "Category name, e.g. Comedy, Action, Horror"] = None,
        rating: Annotated[str | None, "MPAA rating: G, PG, PG-13, R or NC-17"] = None,
        max_rental_rate: Annotated[float | None, "Highest rental rate in $, e.g. 0.99"] = None,
        streaming_only: Annotated[bool, "Only films available for streaming"] = False,
        limit: Annotated[int, "How many films to return (1 to 25)"] = 10,
    ) -> str:
        filters = FilmFilter(
            category=category or None,
            rating=_rating(rating),
            max_rental_rate=_price(max_rental_rate),
            streaming=True if streaming_only else None,
        )
        async with self.database.reading() as conn:
            page = await films.list_films(conn, filters, limit=rows(limit))
            known = await films.categories(conn) if page.total == 0 and category else None
        result = film_page(page)
        if known is not None:
            result["note"] = f"No category '{category}'. Categories: {', '.join(known)}."
        return to_json(result)

    @kernel_function(
        name="search_titles",
        description="Find films by (part of) their title, e.g. 'ALIEN' or 'academy dinosaur'.",
    )
    async def search_titles(
        self,
        title: Annotated[str, "The title or a part of it"],
        limit: Annotated[int, "How many films to return (1 to 25)"] = 10,
    ) -> str:
        async with self.database.reading() as conn:
            found = await films.find_films_by_title(conn, title, limit=rows(limit))
        return to_json(film_page(found))

    @kernel_function(
        name="search_films",
        description="Full-text search over film titles and descriptions, for what a film is "
        "about: 'films about a mad scientist', 'something with a shark'.",
    )
    async def search_films(
        self,
        about: Annotated[str, "Words describing what the film is about"],
        limit: Annotated[int, "How many films to return (1 to 25)"] = 10,
    ) -> str:
        async with self.database.reading() as conn:
            found = await films.search_films(conn, about, limit=rows(limit))
        return to_json(film_page(found))

    @kernel_function(
        name="film_details",
        description="Everything about one film: description, category, rating, rate, length, "
        "actors, special features, copies in stock at each store, and whether the store "
        "recommends it. Give the title or the film_id.",
    )
    async def film_details(
        self,
        title: Title = "",
        film_id: FilmId = 0,
    ) -> str:
        async with self.database.reading() as conn:
            film = await resolve_film(conn, title, film_id)
            if isinstance(film, dict):
                return to_json(film)
            details = await films.film_details(conn, film.film_id)
        return to_json({"film": film_full(details)})

    @kernel_function(
        name="film_availability",
        description="How many copies of a film each store has and how many are on the shelf "
        "now. Give the title or film_id; store_id narrows to one store.",
    )
    async def film_availability(
        self,
        title: Title = "",
        film_id: FilmId = 0,
        store_id: Annotated[int, "Only this store (1 or 2); 0 for all"] = 0,
    ) -> str:
        async with self.database.reading() as conn:
            film = await resolve_film(conn, title, film_id)
            if isinstance(film, dict):
                return to_json(film)
            stock = await films.film_stock(conn, film.film_id)
        stores = [s.model_dump() for s in stock if store_id <= 0 or s.store_id == store_id]
        result = {"film": film_brief(film), "stores": stores}
        if store_id > 0 and not stores:
            result["note"] = f"There is no store {store_id}."
        return to_json(result)

    @kernel_function(name="streaming_films", description="Films available for streaming.")
    async def streaming_films(
        self, limit: Annotated[int, "How many films to return (1 to 25)"] = 10
    ) -> str:
        async with self.database.reading() as conn:
            page = await films.list_films(conn, FilmFilter(streaming=True), limit=rows(limit))
        return to_json(film_page(page))

    @kernel_function(
        name="recommend_films",
        description="Films the store recommends: rated R or NC-17 and renting for under $3.00 "
        "('mature and cheap'), optionally in one category.",
    )
    async def recommend_films(
        self,
        category: Annotated[str | None, "Category name, e.g. Horror"] = None,
        limit: Annotated[int, "How many films to return (1 to 25)"] = 10,
    ) -> str:
        filters = FilmFilter(category=category or None, recommended=True)
        async with self.database.reading() as conn:
            page = await films.list_films(conn, filters, limit=rows(limit))
        return to_json(film_page(page, rule="rated R or NC-17 and rental rate under $3.00"))

    @kernel_function(
        name="film_summary",
        description="A short summary of one film: title, rating, description and whether the "
        "store recommends it.",
    )
    async def film_summary(
        self,
        title: Title = "",
        film_id: FilmId = 0,
    ) -> str:
        async with self.database.reading() as conn:
            film = await resolve_film(conn, title, film_id)
        if isinstance(film, dict):
            return to_json(film)
        return to_json({
            "film": {**film_brief(film), "description": film.description},
            "recommended": films.is_recommended(film.rating, film.rental_rate),
        })
