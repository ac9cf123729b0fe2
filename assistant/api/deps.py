"""Dependencies shared by the routers: the store's database, settings and the admin check."""

from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request, Response
from fastapi.routing import APIRoute
from fastapi.security import HTTPBearer

from assistant.db import Database
from assistant.security import token_matches
from assistant.settings import Settings

ADMIN_USER = "dvd_admin"


# Async, though they only read app.state: FastAPI runs a plain `def` dependency in a worker
# thread. A handler opens its connection itself (`async with database.reading() as conn`):
# only when the request is valid, returned before the response is sent (a write commits
# first, so a 200 is never sent for a lost write), and without the 0.3 ms per request that a
# generator dependency's exit stack and cancel scopes cost on this machine.
async def get_database(request: Request) -> Database:
    return request.app.state.database


async def get_settings(request: Request) -> Settings:
    return request.app.state.settings


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
