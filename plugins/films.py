"""Films plugin: the catalogue, search, details, stock and recommendations, for the model."""

from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Annotated

from semantic_kernel.functions import kernel_function
from sqlalchemy.ext.asyncio import AsyncConnection

from assistant import films
from assistant.db import Database
from assistant.errors import FilmNotFound
from assistant.films import RATINGS, FilmFilter
from assistant.models import Film
from assistant.totals import COUNT_BOUND
from plugins.results import (
    ActorFilms,
    Ambiguous,
    Failure,
    FilmBrief,
    FilmDescribed,
    FilmFull,
    FilmInfo,
    FilmMatches,
    FilmPage,
    FilmStock,
    FilmSummary,
    NoFilm,
    rows,
)

# How the model names one film: by title, or by id when an earlier result gave it.
Title = Annotated[str, "The film's title (or a part of it)"]
FilmId = Annotated[int, "The film's id, when known: it tells films apart"]


async def resolve_film(conn: AsyncConnection, title: str, film_id: int) -> Film | NoFilm:
    """One film by id or title; otherwise the result that says why not (none, or several),
    which the function returns as it is."""
    if film_id > 0:
        try:
            return await films.get_film(conn, film_id)
        except FilmNotFound as error:
            return Failure(error=str(error))
    if not title.strip():
        return Failure(error="Give a film title or film_id.")
    found = await films.find_films_by_title(conn, title, limit=10)
    if len(found) == 1:
        return found[0]
    if not found:
        return Failure(error=f"No film titled like '{title.strip()}'.")
    return Ambiguous[FilmBrief](question=f"Several films match '{title.strip()}'. Which one?",
                                matches=[FilmBrief.of(f) for f in found])


def _price(value: float | str | None) -> Decimal | None:
    if value in (None, "", 0):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


# The values a model may choose from, as enums in the schema it is sent; named from the domain.
Rating = StrEnum("Rating", {rating.replace("-", "_"): rating for rating in RATINGS})
Sort = StrEnum("Sort", {sort: sort for sort in films.SORTS})
PAGE_SIZE = 10


class FilmsPlugin:
    def __init__(self, database: Database):
        self.database = database

    @kernel_function(
        name="search_films",
        description="Search the store's films by any mix of: category, MPAA ratings, rental "
        "rate range ($), length range (minutes), release-year range, actor, language, special "
        "feature, words in the title, what the film is about, streaming, in stock at a store, "
        "recommended by the store. Sorted by title, rate, length, year, popularity (number "
        "of rentals) or relevance to what it is about; paged. Use for 'comedies under $1', "
        "'R-rated horror under 90 minutes', 'films with Penelope Guiness', 'the longest "
        "dramas', 'films from 2006', 'the next ones' (page + 1). Returns the total count of "
        "matches, the filters applied in words, and one page of films.",
    )
    async def search_films(
        self,
        category: Annotated[str | None, "Category name, e.g. Comedy, Action, Horror"] = None,
        ratings: Annotated[list[Rating] | None, "MPAA ratings, any of them"] = None,
        min_rental_rate: Annotated[float | None, "Lowest rental rate in $"] = None,
        max_rental_rate: Annotated[float | None, "Highest rental rate in $, e.g. 0.99"] = None,
        min_length: Annotated[int | None, "Shortest length in minutes"] = None,
        max_length: Annotated[int | None, "Longest length in minutes"] = None,
        min_release_year: Annotated[int | None, "Released in or after this year"] = None,
        max_release_year: Annotated[int | None, "Released in or before this year"] = None,
        actor: Annotated[str | None, "An actor's name, e.g. Penelope Guiness"] = None,
        language: Annotated[str | None, "Language, e.g. English"] = None,
        special_feature: Annotated[
            str | None, "Trailers, Commentaries, Deleted Scenes or Behind the Scenes"] = None,
        title_contains: Annotated[str | None, "Words in the title"] = None,
        about: Annotated[str | None, "What the film is about, e.g. 'mad scientist'"] = None,
        streaming_only: Annotated[bool, "Only films available for streaming"] = False,
        in_stock_at_store: Annotated[int | None, "Only films with a copy on this store's "
                                     "shelf now (store id)"] = None,
        recommended_only: Annotated[
            bool, f"Only films the store recommends ({films.RECOMMENDED_RULE})"] = False,
        sort_by: Annotated[Sort | None, "Order: title, rate, length, year, popularity, or "
                           "relevance (best match of 'about' first, the default with "
                           "'about')"] = None,
        descending: Annotated[bool, "Largest first: the longest, newest, dearest, most "
                              "rented"] = False,
        page: Annotated[int, "Page number, 1 for the first"] = 1,
        page_size: Annotated[int, "Films per page (1 to 25)"] = PAGE_SIZE,
    ) -> FilmPage:
        filters = FilmFilter(
            category=category or None,
            ratings=tuple(Rating(r).value for r in ratings or ()),
            min_rate=_price(min_rental_rate), max_rate=_price(max_rental_rate),
            min_length=min_length, max_length=max_length,
            min_year=min_release_year, max_year=max_release_year,
            actor=actor or None, language=language or None,
            special_feature=special_feature or None, title_contains=title_contains or None,
            about=about or None, streaming=True if streaming_only else None,
            in_stock_at=in_stock_at_store, recommended=recommended_only,
        )
        size, page = rows(page_size), max(1, page)
        sort, descending = films.film_order(filters, sort_by and Sort(sort_by).value, descending)
        async with self.database.reading() as conn:
            filters, notes = await films.checked_filter(conn, filters)
            found = await films.list_films(conn, filters, skip=(page - 1) * size, limit=size,
                                           sort=sort, descending=descending,
                                           count_bound=COUNT_BOUND)
        more = found.total_is_lower_bound
        return FilmPage(
            searched=filters.describe(), sort=films.order_in_words(sort, descending),
            total=found.total, total_is_lower_bound=more or None, page=page,
            pages=max(1, -(-(found.total + more) // size)),
            films=[FilmBrief.of(f) for f in found.films], note=" ".join(notes) or None,
        )

    @kernel_function(
        name="find_film",
        description="Look up a film by its title (exact, or part of it). When the store does "
        "not carry it, says so and names the closest titles it has.",
    )
    async def find_film(
        self,
        title: Annotated[str, "The title or a part of it"],
        limit: Annotated[int, "How many films to return (1 to 25)"] = 10,
    ) -> FilmMatches:
        async with self.database.reading() as conn:
            found = await films.find_films_by_title(conn, title, limit=rows(limit))
            closest = [] if found else await films.closest_titles(conn, title)
        return FilmMatches(title=title.strip(), films=[FilmBrief.of(f) for f in found],
                           closest=closest)

    @kernel_function(
        name="find_actor",
        description="Look up an actor by name (typos forgiven) and list the films they are in.",
    )
    async def find_actor(
        self,
        name: Annotated[str, "The actor's name, e.g. Penelope Guiness"],
        page: Annotated[int, "Page number of their films, 1 for the first"] = 1,
    ) -> ActorFilms:
        async with self.database.reading() as conn:
            actors = await films.find_actors(conn, name)
            if len(actors) != 1:
                return ActorFilms(name=name.strip(), actors=actors)
            size, page = PAGE_SIZE, max(1, page)
            found = await films.list_films(conn, FilmFilter(actor=actors[0].name),
                                           skip=(page - 1) * size, limit=size,
                                           count_bound=COUNT_BOUND)
        return ActorFilms(name=name.strip(), actors=actors, total=found.total,
                          total_is_lower_bound=found.total_is_lower_bound or None, page=page,
                          films=[FilmBrief.of(f) for f in found.films])

    @kernel_function(
        name="film_details",
        description="Everything about one film: description, category, rating, rate, length, "
        "actors, special features, copies at each store, and whether the store "
        "recommends it. Give the title (and the film_id when known).",
    )
    async def film_details(
        self,
        title: Title,
        film_id: FilmId = 0,
    ) -> FilmInfo | NoFilm:
        async with self.database.reading() as conn:
            film = await resolve_film(conn, title, film_id)
            if not isinstance(film, Film):
                return film
            details = await films.film_details(conn, film.film_id)
        return FilmInfo(film=FilmFull.of(details))

    @kernel_function(
        name="film_availability",
        description="Is a film in stock: how many copies of it each store has and how many "
        "are on the shelf now. Give the title (and the film_id when known); store_id narrows to "
        "one store.",
    )
    async def film_availability(
        self,
        title: Title,
        film_id: FilmId = 0,
        store_id: Annotated[int, "Only this store (1 or 2); 0 for all"] = 0,
    ) -> FilmStock | NoFilm:
        async with self.database.reading() as conn:
            film = await resolve_film(conn, title, film_id)
            if not isinstance(film, Film):
                return film
            stock = await films.film_stock(conn, film.film_id)
        stores = [s for s in stock if store_id <= 0 or s.store_id == store_id]
        note = f"There is no store {store_id}." if store_id > 0 and not stores else None
        return FilmStock(film=FilmBrief.of(film), stores=stores, note=note)

    @kernel_function(
        name="film_summary",
        description="A short summary of one film: title, rating, description and whether the "
        "store recommends it.",
    )
    async def film_summary(
        self,
        title: Title,
        film_id: FilmId = 0,
    ) -> FilmSummary | NoFilm:
        async with self.database.reading() as conn:
            film = await resolve_film(conn, title, film_id)
        if not isinstance(film, Film):
            return film
        return FilmSummary(film=FilmDescribed.of(film),
                           recommended=films.is_recommended(film.rating, film.rental_rate))
