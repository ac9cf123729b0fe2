"""The parent FastAPI app: REST routers now, the chat mounted at /chat."""

import asyncio
import contextlib
import gc
import os
import sys
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from assistant import __version__
from assistant.api import ai, customers, films, rentals, system
from assistant.api.docs import documented_app
from assistant.api.middleware import CorrelationMiddleware
from assistant.api.problems import invalid_request, method_not_allowed
from assistant.api.protection import protect
from assistant.db import Database, database_url
from assistant.errors import (
    CustomerNotFound,
    FilmNotFound,
    RentalAlreadyReturned,
    RentalNotFound,
    RentalRefused,
    StoreError,
)
from assistant.frontdesk import FrontDesk, open_front_desk
from assistant.llm import make_chat_service
from assistant.logging import configure_logging, get_logger
from assistant.offline import StoreLexicon
from assistant.security import chainlit_auth_secret
from assistant.settings import Settings, get_settings
from assistant.startup import prepare_store
from assistant.totals import keep_fresh

log = get_logger(__name__)

CHAT_PATH = "/chat"
CHAT_UI = Path(__file__).resolve().parent.parent / "chat_ui.py"
_chat_configured = False

STATUS_OF = {
    FilmNotFound: 404,
    CustomerNotFound: 404,
    RentalNotFound: 404,
    RentalAlreadyReturned: 400,
    RentalRefused: 422,
}


async def store_error(request: Request, error: StoreError) -> JSONResponse:
    return JSONResponse({"detail": str(error)}, status_code=STATUS_OF.get(type(error), 400))


def create_app(settings: Settings | None = None, *, prepare: bool = True) -> FastAPI:
    settings = settings or get_settings()
    configure_logging(settings.log_level, settings.log_format, secrets=settings.secrets,
                      libraries=settings.log_libraries)
    # Chainlit reads it from the environment whenever it signs or checks a sign-in cookie.
    auth_secret = chainlit_auth_secret(settings)
    os.environ["CHAINLIT_AUTH_SECRET"] = auth_secret

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        if settings.uses_default_admin_token:
            log.warning("default_admin_token", hint="set ADMIN_TOKEN before real use")
        url = database_url(settings)
        if prepare:
            prepare_store(url)
        database = Database(url, pool_size=settings.db_pool_size)
        app.state.database = database
        app.state.front_desk = FrontDesk(database, settings, make_chat_service(settings, database))
        before = open_front_desk(app.state.front_desk)
        # Everything built so far lives as long as the app: keep it out of the collector's
        # full passes, which otherwise stall requests for 100+ ms under load.
        gc.collect()
        gc.freeze()
        # A worker thread's CPU work (indexing the offline model's vocabulary: seconds at a
        # chain's size) keeps the interpreter for up to this long each time the event loop
        # asks for it back, at every await of every request: 5 ms by default, 1 ms now.
        sys.setswitchinterval(0.001)
        # The totals over all history (assistant.totals), refreshed in the background.
        refreshing = asyncio.create_task(keep_fresh(database), name="refresh_totals")
        # The offline model's vocabulary read now, so the first question does not wait for it.
        lexicon = getattr(app.state.front_desk.service, "lexicon", None)
        if isinstance(lexicon, StoreLexicon):
            lexicon.warm_up()
        log.info("started", version=__version__, llm_mode=settings.llm_mode)
        try:
            yield
        finally:
            refreshing.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await refreshing
            if isinstance(lexicon, StoreLexicon):
                await lexicon.close()
            open_front_desk(before)
            await database.close()

    app = documented_app(  # FastAPI, with /docs and /redoc served offline
        title="Pagila Assistant",
        version=__version__,
        description="The DVD-rental store's front desk: REST API (the chat is at /chat).",
        lifespan=lifespan,
        # The meter provider this process sets sends metrics nowhere (assistant.agents), and
        # FastAPI took it for one configured: every request went through its telemetry, 0.15
        # to 0.3 ms for nothing. Its traces and logs still follow a provider a deployment sets.
        telemetry={"metrics": False},
    )
    app.state.settings = settings
    app.add_middleware(CorrelationMiddleware)
    app.add_exception_handler(StoreError, store_error)
    app.add_exception_handler(405, method_not_allowed)
    app.add_exception_handler(RequestValidationError, invalid_request)
    for module in (system, films, rentals, customers, ai):
        app.include_router(module.router)
        if hasattr(module, "admin"):
            app.include_router(module.admin)
    mount_chat(app)
    # Origins, cookies, sessions, security headers (assistant.api.protection).
    protect(app, settings, chat_path=CHAT_PATH, auth_secret=auth_secret)
    return app


def mount_chat(app: FastAPI) -> None:
    """Mount the Chainlit chat at /chat. Chainlit's app is a process-wide singleton that can be
    configured once, so a second parent app (tests) mounts the already configured one."""
    global _chat_configured
    from chainlit.server import app as chainlit_app
    from chainlit.utils import mount_chainlit

    if _chat_configured:
        app.mount(CHAT_PATH, chainlit_app)
        return
    mount_chainlit(app, target=str(CHAT_UI), path=CHAT_PATH)
    _chat_configured = True
