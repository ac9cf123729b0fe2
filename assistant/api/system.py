"""Health and the admin check of the original API."""

from typing import Literal

from fastapi import APIRouter
from fastapi.responses import JSONResponse, RedirectResponse
from pydantic import BaseModel

from assistant import __version__
from assistant.api.deps import ADMIN_USER, AdminRoute, DatabaseDep, SettingsDep, admin_docs
from assistant.api.problems import UNAUTHORIZED

router = APIRouter(tags=["system"])
admin = APIRouter(tags=["system"], route_class=AdminRoute, dependencies=admin_docs,
                  responses=UNAUTHORIZED)


class Health(BaseModel):
    status: Literal["healthy", "unhealthy"]
    version: str
    database: Literal["reachable", "unreachable"]
    llm_mode: str


class AccessGranted(BaseModel):
    message: str
    user: str


@router.get("/", include_in_schema=False)
async def home():
    return RedirectResponse("/chat")


@router.get("/health", response_model=Health, responses={
    503: {"model": Health, "description": "The database is unreachable"},
})
async def health(database: DatabaseDep, settings: SettingsDep):
    reachable = await database.ping()
    body = {
        "status": "healthy" if reachable else "unhealthy",
        "version": __version__,
        "database": "reachable" if reachable else "unreachable",
        "llm_mode": settings.llm_mode,
    }
    return JSONResponse(body, status_code=200 if reachable else 503)


@admin.get("/protected", response_model=AccessGranted)
async def protected():
    return {"message": "Access granted", "user": ADMIN_USER}
