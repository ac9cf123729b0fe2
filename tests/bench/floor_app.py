"""The benchmark's floor: the film list and film-by-id endpoints in the least code that can serve
them (Starlette, a psycopg connection pool, hand-written SQL, no ORM, no validation layer).

It returns the same JSON as our API (FilmList / Film) from the same SQL, so the difference in
requests/s between the two is what our stack (FastAPI, pydantic, SQLAlchemy, middleware) costs.

Run by tests/bench/run.py as
    uvicorn --app-dir tests/bench floor_app:app --workers 1 --no-access-log
with FLOOR_DSN (a libpq DSN) or PAGILA_DSN (a SQLAlchemy URL) in the environment.
"""

import json
import os
from contextlib import asynccontextmanager
from datetime import datetime
from decimal import Decimal

from psycopg_pool import AsyncConnectionPool
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

# The same columns, in the same order, as film_rows() (migration 0014) returns.
FILM_COLUMNS = """
    f.film_id, f.title, f.description, f.release_year, f.rental_duration, f.rental_rate,
    f.length, f.rating::text AS rating, f.streaming_available, f.last_update,
    (SELECT c.name FROM film_category fc JOIN category c USING (category_id)
      WHERE fc.film_id = f.film_id ORDER BY c.category_id LIMIT 1) AS category,
    (SELECT trim(l.name) FROM language l WHERE l.language_id = f.language_id) AS language,
    f.replacement_cost, f.special_features
"""
NAMES = (
    "film_id", "title", "description", "release_year", "rental_duration", "rental_rate",
    "length", "rating", "streaming_available", "last_update", "category", "language",
    "replacement_cost", "special_features",
)  # fmt: skip

LIST_SQL = """
    WITH matches AS (SELECT f.film_id, f.title FROM film f WHERE {where})
    SELECT total.n AS total, page.*
    FROM (SELECT count(*) AS n FROM matches) AS total
    LEFT JOIN LATERAL (
        SELECT {columns}
        FROM matches m JOIN film f USING (film_id)
        ORDER BY m.title, m.film_id
        LIMIT %(limit)s OFFSET %(skip)s
    ) AS page ON true
    ORDER BY page.title, page.film_id
"""
ALL_SQL = LIST_SQL.format(where="true", columns=FILM_COLUMNS)
BY_CATEGORY_SQL = LIST_SQL.format(
    where="EXISTS (SELECT 1 FROM film_category fc JOIN category c USING (category_id)"
    " WHERE fc.film_id = f.film_id AND lower(c.name) = lower(%(category)s))",
    columns=FILM_COLUMNS,
)
ONE_SQL = f"SELECT {FILM_COLUMNS} FROM film f WHERE f.film_id = %(film_id)s"


def _dsn() -> str:
    dsn = os.environ.get("FLOOR_DSN") or os.environ["PAGILA_DSN"]
    return dsn.replace("postgresql+psycopg://", "postgresql://", 1)


def _money(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.2f}"


def _timestamp(value: datetime | None) -> str | None:
    # pydantic writes a UTC offset as "Z"
    return None if value is None else value.isoformat().replace("+00:00", "Z")


def _film(row: tuple) -> dict:
    film = dict(zip(NAMES, row, strict=True))
    film["rental_rate"] = _money(film["rental_rate"])
    film["replacement_cost"] = _money(film["replacement_cost"])
    film["last_update"] = _timestamp(film["last_update"])
    return film


def _json(content: object, status_code: int = 200) -> Response:
    body = json.dumps(content, ensure_ascii=False, separators=(",", ":")).encode()
    return Response(body, status_code=status_code, media_type="application/json")


def _int_param(request: Request, name: str, default: int, low: int, high: int) -> int | None:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        return None
    return value if low <= value <= high else None


pool = AsyncConnectionPool(
    _dsn(),
    min_size=10,
    max_size=20,  # our API's engine: pool_size=10, max_overflow=10
    kwargs={"autocommit": True, "options": "-c timezone=UTC"},
    open=False,
)


async def list_films(request: Request) -> Response:
    skip = _int_param(request, "skip", 0, 0, 2**31 - 1)
    limit = _int_param(request, "limit", 10, 1, 100)
    if skip is None or limit is None:
        return _json({"detail": "invalid skip or limit"}, 422)
    category = request.query_params.get("category")
    params = {"skip": skip, "limit": limit}
    if category is None:
        sql = ALL_SQL
    else:
        sql, params["category"] = BY_CATEGORY_SQL, category.strip()
    async with pool.connection() as conn:
        rows = await (await conn.execute(sql, params)).fetchall()
    films = [_film(row[1:]) for row in rows if row[1] is not None]
    return _json({"films": films, "total": rows[0][0], "skip": skip, "limit": limit})


async def get_film(request: Request) -> Response:
    film_id = request.path_params["film_id"]
    if film_id <= 0:
        return _json({"detail": "Film ID must be positive"}, 400)
    async with pool.connection() as conn:
        row = await (await conn.execute(ONE_SQL, {"film_id": film_id})).fetchone()
    if row is None:
        return _json({"detail": f"Film with ID {film_id} not found"}, 404)
    return _json(_film(row))


async def health(request: Request) -> Response:
    async with pool.connection() as conn:
        await conn.execute("SELECT 1")
    return _json({"status": "healthy"})


@asynccontextmanager
async def lifespan(app: Starlette):
    await pool.open(wait=True)
    try:
        yield
    finally:
        await pool.close()


app = Starlette(
    routes=[
        Route("/health", health),
        Route("/api/v1/films", list_films),
        Route("/api/v1/films/{film_id:int}", get_film),
    ],
    lifespan=lifespan,
)
