"""Films: the catalogue, search, details, stock and the recommendation rule."""

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from assistant.errors import FilmNotFound
from assistant.models import Film, FilmDetails, FilmList, StoreStock

RATINGS = ("G", "PG", "PG-13", "R", "NC-17")
MATURE_RATINGS = ("R", "NC-17")  # also spelled out in FilmFilter.where()
RECOMMENDED_BELOW = Decimal("3.00")

# The columns every film carries; category is the film's first (Pagila has one per film).
_FILM_COLUMNS = """
    f.film_id, f.title, f.description, f.release_year, f.rental_duration, f.rental_rate,
    f.length, f.rating::text AS rating, f.streaming_available, f.last_update,
    (SELECT c.name FROM film_category fc JOIN category c USING (category_id)
      WHERE fc.film_id = f.film_id ORDER BY c.category_id LIMIT 1) AS category,
    (SELECT trim(l.name) FROM language l WHERE l.language_id = f.language_id) AS language,
    f.replacement_cost, f.special_features
"""


def is_recommended(rating: str | None, rental_rate: Decimal | None) -> bool:
    """The store's rule: mature and cheap (R or NC-17, under $3.00)."""
    return rating in MATURE_RATINGS and rental_rate is not None and rental_rate < RECOMMENDED_BELOW


@dataclass(frozen=True)
class FilmFilter:
    """What a film list can be narrowed by; every field is optional."""

    category: str | None = None
    rating: str | None = None
    max_rental_rate: Decimal | None = None
    streaming: bool | None = None
    title_contains: str | None = None
    about: str | None = None  # full-text search over title and description
    recommended: bool = False  # only films the store recommends (is_recommended, in SQL)

    def where(self) -> tuple[str, dict]:
        clauses, params = ["true"], {}
        if self.category is not None:
            clauses.append(
                "EXISTS (SELECT 1 FROM film_category fc JOIN category c USING (category_id)"
                " WHERE fc.film_id = f.film_id AND lower(c.name) = lower(:category))"
            )
            params["category"] = self.category.strip()
        if self.rating is not None:
            clauses.append("f.rating::text = :rating")
            params["rating"] = self.rating.upper()
        if self.max_rental_rate is not None:
            clauses.append("f.rental_rate <= :max_rate")
            params["max_rate"] = self.max_rental_rate
        if self.streaming is not None:
            clauses.append("f.streaming_available = :streaming")
            params["streaming"] = self.streaming
        if self.title_contains is not None:
            clauses.append("f.title ILIKE :title_pattern ESCAPE '\\'")
            params["title_pattern"] = f"%{_escape_like(self.title_contains.strip())}%"
        if self.about is not None:
            clauses.append("f.fulltext @@ websearch_to_tsquery('english', :about)")
            params["about"] = self.about
        if self.recommended:
            clauses.append("f.rating::text IN ('R', 'NC-17') AND f.rental_rate < :below")
            params["below"] = RECOMMENDED_BELOW
        return " AND ".join(clauses), params


def _escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


async def list_films(
    conn: AsyncConnection, filters: FilmFilter = FilmFilter(), skip: int = 0, limit: int = 10
) -> FilmList:
    """A page of matching films by title, with the count of all matches, in one round trip.

    The page is cut from the narrow (id, title) matches before the wide columns are joined."""
    where, params = filters.where()
    # Unfiltered, counting and paging straight off film (title index) beats materialising all
    # of it first; with a filter, evaluating it once into the CTE is cheaper (measured).
    inline = "NOT MATERIALIZED" if where == "true" else ""
    rows = await conn.execute(
        text(f"""
            WITH matches AS {inline} (SELECT f.film_id, f.title FROM film f WHERE {where})
            SELECT total.n AS total, page.*
            FROM (SELECT count(*) AS n FROM matches) AS total
            LEFT JOIN LATERAL (
                SELECT {_FILM_COLUMNS}
                FROM (SELECT film_id, title FROM matches ORDER BY title, film_id
                      LIMIT :limit OFFSET :skip) AS m
                JOIN film f USING (film_id)
            ) AS page ON true
            ORDER BY page.title, page.film_id
        """),
        {**params, "limit": limit, "skip": skip},
    )
    rows = rows.mappings().all()
    films = [Film.model_validate(row) for row in rows if row["film_id"] is not None]
    return FilmList(films=films, total=rows[0]["total"], skip=skip, limit=limit)


async def search_films(conn: AsyncConnection, about: str, limit: int = 10) -> list[Film]:
    """Full-text search over title and description, best match first."""
    rows = await conn.execute(
        text(f"""
            SELECT {_FILM_COLUMNS}
            FROM film f, websearch_to_tsquery('english', :about) AS q
            WHERE f.fulltext @@ q
            ORDER BY ts_rank(f.fulltext, q) DESC, f.title
            LIMIT :limit
        """),
        {"about": about, "limit": limit},
    )
    return [Film.model_validate(row) for row in rows.mappings()]


async def get_film(conn: AsyncConnection, film_id: int) -> Film:
    row = (
        await conn.execute(
            text(f"SELECT {_FILM_COLUMNS} FROM film f WHERE f.film_id = :film_id"),
            {"film_id": film_id},
        )
    ).mappings().first()
    if row is None:
        raise FilmNotFound(film_id)
    return Film.model_validate(row)


async def find_films_by_title(conn: AsyncConnection, title: str, limit: int = 10) -> list[Film]:
    """Films whose title is `title` (any case), else those containing it."""
    exact = await conn.execute(
        text(f"SELECT {_FILM_COLUMNS} FROM film f WHERE upper(f.title) = upper(:title)"),
        {"title": title.strip()},
    )
    films = [Film.model_validate(row) for row in exact.mappings()]
    if films:
        return films
    return (await list_films(conn, FilmFilter(title_contains=title), limit=limit)).films


async def film_stock(conn: AsyncConnection, film_id: int) -> list[StoreStock]:
    """Copies of a film per store, and how many are on the shelf (not out on a rental)."""
    rows = await conn.execute(
        text("""
            SELECT s.store_id, count(i.inventory_id) AS copies,
                   count(i.inventory_id) FILTER (WHERE r.rental_id IS NULL) AS in_stock
            FROM store s
            LEFT JOIN inventory i ON i.store_id = s.store_id AND i.film_id = :film_id
            LEFT JOIN rental r ON r.inventory_id = i.inventory_id AND r.return_date IS NULL
            GROUP BY s.store_id ORDER BY s.store_id
        """),
        {"film_id": film_id},
    )
    return [StoreStock.model_validate(row, from_attributes=False) for row in rows.mappings()]


async def film_details(conn: AsyncConnection, film_id: int) -> FilmDetails:
    film = await get_film(conn, film_id)
    actors = await conn.scalars(
        text("""
            SELECT a.first_name || ' ' || a.last_name
            FROM film_actor fa JOIN actor a USING (actor_id)
            WHERE fa.film_id = :film_id ORDER BY a.last_name, a.first_name
        """),
        {"film_id": film_id},
    )
    return FilmDetails(
        **film.model_dump(),
        actors=list(actors),
        stock=await film_stock(conn, film_id),
        recommended=is_recommended(film.rating, film.rental_rate),
    )


async def copy_in_stock(conn: AsyncConnection, film_id: int, store_id: int) -> int | None:
    """A copy of the film on the shelf at the store (lowest id first), or None."""
    return await conn.scalar(
        text("""
            SELECT i.inventory_id FROM inventory i
            WHERE i.film_id = :film_id AND i.store_id = :store_id
              AND NOT EXISTS (SELECT 1 FROM rental r
                              WHERE r.inventory_id = i.inventory_id AND r.return_date IS NULL)
            ORDER BY i.inventory_id LIMIT 1
        """),
        {"film_id": film_id, "store_id": store_id},
    )


async def categories(conn: AsyncConnection) -> list[str]:
    return list(await conn.scalars(text("SELECT name FROM category ORDER BY name")))
