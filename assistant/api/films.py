"""Film endpoints of the original Mini Pagila API."""

from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query, Response

from assistant import films
from assistant.api.deps import DatabaseDep
from assistant.api.params import Limit, Skip
from assistant.api.problems import problem
from assistant.api.responses import record
from assistant.films import FilmFilter
from assistant.models import Film, FilmList

router = APIRouter(prefix="/api/v1/films", tags=["films"])

# The original API answers 400, not 422, to these: the schema states the rule (documentation
# only, not validated by FastAPI) and the 400 that enforces it.
TitleQuery = Annotated[str, Query(
    # At most 255 (422 beyond): SQL splits the fragment into bigrams in time that grows with
    # the square of its length (a 60 kB one held a database connection for 40 s).
    min_length=2, max_length=255, description="Part of the title, any case; at least 2 "
    "characters besides leading and trailing spaces, at most 255",
    json_schema_extra={"pattern": r"\S[\s\S]*\S"})]
FilmId = Annotated[int, Path(json_schema_extra={"minimum": 1})]


def matches_nothing(text: str | None, skip: int, limit: int) -> Response | None:
    """The empty list for a text no film can match: PostgreSQL text cannot hold a NUL, and
    sending one would fail the query (a 500) instead of finding nothing."""
    if text is not None and "\x00" in text:
        return record(FilmList(films=[], total=0, skip=skip, limit=limit))
    return None


@router.get("", response_model=FilmList)
async def list_films(
    database: DatabaseDep,
    skip: Skip = 0,
    limit: Limit = 10,
    category: Annotated[str | None, Query(description="Category name, any case")] = None,
):
    if empty := matches_nothing(category, skip, limit):
        return empty
    async with database.reading() as conn:
        found = await films.list_films(conn, FilmFilter(category=category), skip, limit)
    return record(found)


@router.get("/search/title", response_model=FilmList, responses={
    400: problem("Query too short once trimmed", "Search query must be at least 2 characters long"),
})
async def search_by_title(
    database: DatabaseDep,
    q: TitleQuery,
    skip: Skip = 0,
    limit: Limit = 10,
):
    if len(q.strip()) < 2:
        raise HTTPException(400, "Search query must be at least 2 characters long")
    if empty := matches_nothing(q, skip, limit):
        return empty
    async with database.reading() as conn:
        found = await films.list_films(conn, FilmFilter(title_contains=q), skip, limit)
    return record(found)


@router.get("/streaming/available", response_model=FilmList)
async def streaming_films(database: DatabaseDep, skip: Skip = 0, limit: Limit = 10):
    async with database.reading() as conn:
        found = await films.list_films(conn, FilmFilter(streaming=True), skip, limit)
    return record(found)


@router.get("/{film_id}", response_model=Film, responses={
    400: problem("Film id not positive", "Film ID must be positive"),
    404: problem("No such film", "Film with ID 9999 not found"),
})
async def get_film(database: DatabaseDep, film_id: FilmId):
    if film_id <= 0:
        raise HTTPException(400, "Film ID must be positive")
    async with database.reading() as conn:
        film = await films.get_film(conn, film_id)
    return record(film)
