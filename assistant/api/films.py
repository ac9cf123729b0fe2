"""Film endpoints of the original Mini Pagila API."""

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query

from assistant import films
from assistant.api.deps import ReadConn
from assistant.api.params import Limit, Skip
from assistant.api.responses import record
from assistant.films import FilmFilter
from assistant.models import Film, FilmList

router = APIRouter(prefix="/api/v1/films", tags=["films"])


@router.get("", response_model=FilmList)
async def list_films(
    conn: ReadConn,
    skip: Skip = 0,
    limit: Limit = 10,
    category: Annotated[str | None, Query(description="Category name, any case")] = None,
):
    return record(await films.list_films(conn, FilmFilter(category=category), skip, limit))


@router.get("/search/title", response_model=FilmList)
async def search_by_title(
    conn: ReadConn,
    q: Annotated[str, Query(min_length=2, description="Part of the title, any case")],
    skip: Skip = 0,
    limit: Limit = 10,
):
    if len(q.strip()) < 2:
        raise HTTPException(400, "Search query must be at least 2 characters long")
    return record(await films.list_films(conn, FilmFilter(title_contains=q), skip, limit))


@router.get("/streaming/available", response_model=FilmList)
async def streaming_films(conn: ReadConn, skip: Skip = 0, limit: Limit = 10):
    return record(await films.list_films(conn, FilmFilter(streaming=True), skip, limit))


@router.get("/{film_id}", response_model=Film)
async def get_film(conn: ReadConn, film_id: int):
    if film_id <= 0:
        raise HTTPException(400, "Film ID must be positive")
    return record(await films.get_film(conn, film_id))
