"""Dependencies shared by the routers: the store's connections, settings and the admin check."""

from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request, Response
from fastapi.routing import APIRoute
from fastapi.security import HTTPBearer
from sqlalchemy.ext.asyncio import AsyncConnection

from assistant.db import Database
from assistant.security import token_matches
from assistant.settings import Settings

ADMIN_USER = "dvd_admin"


def get_database(request: Request) -> Database:
    return request.app.state.database


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


async def read_connection(request: Request) -> AsyncIterator[AsyncConnection]:
    async with request.app.state.database.reading() as conn:
        yield conn


async def write_connection(request: Request) -> AsyncIterator[AsyncConnection]:
    async with request.app.state.database.writing() as conn:
        yield conn


# scope="function": the transaction commits (and the connection goes back to the pool) when
# the handler returns, before the response is sent, so a 200 is never sent for a lost write.
ReadConn = Annotated[AsyncConnection, Depends(read_connection, scope="function")]
WriteConn = Annotated[AsyncConnection, Depends(write_connection, scope="function")]
DatabaseDep = Annotated[Database, Depends(get_database)]
SettingsDep = Annotated[Settings, Depends(get_settings)]


def check_admin(request: Request) -> None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    challenge = {"WWW-Authenticate": "Bearer"}
    if scheme.lower() != "bearer" or not token.strip():
        raise HTTPException(401, "Not authenticated", headers=challenge)
    if not token_matches(token.strip(), request.app.state.settings):
        raise HTTPException(401, "Invalid authentication token", headers=challenge)


class AdminRoute(APIRoute):
    """A route for the admin only. The token is checked before anything else about the request
    (path, query or body), as the original API did."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def guarded(request: Request) -> Response:
            check_admin(request)
            return await handler(request)

        return guarded


# Declared on admin routes so /docs offers the "Authorize" button; AdminRoute does the check.
bearer_scheme = HTTPBearer(auto_error=False, description="The admin token (ADMIN_TOKEN)")
admin_docs = [Depends(bearer_scheme)]
