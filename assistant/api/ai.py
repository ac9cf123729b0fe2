"""AI endpoints of the original API, on the same agents and model as the chat.

There is no person on these endpoints to confirm a write, so every write is refused
(NobodyApproves) and the answer points to the chat or the rentals endpoints.
"""

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field
from semantic_kernel.contents import AuthorRole, ChatMessageContent

from assistant import films
from assistant.agents import MAX_QUESTION_LENGTH, Turn, run_turn
from assistant.api.deps import DatabaseDep
from assistant.api.problems import UNREADABLE_BODY, problem
from assistant.approvals import NobodyApproves, WriteDesk
from assistant.logging import get_logger
from assistant.security import redacted

log = get_logger(__name__)
router = APIRouter(prefix="/api/v1/ai", tags=["ai"])

FALLBACK_AGENT = "SystemFallback"


class SummaryRequest(BaseModel):
    # Not positive: 400, as the original (the minimum is documentation, not validated).
    film_id: int = Field(json_schema_extra={"minimum": 1})


class SummaryResponse(BaseModel):
    title: str
    rating: str | None
    recommended: bool
    summary: str | None = None


class HandoffRequest(BaseModel):
    question: str = Field(min_length=1, max_length=MAX_QUESTION_LENGTH)


class HandoffResponse(BaseModel):
    agent: str
    answer: str


async def ask_agents(request: Request, question: str, on_chunk=None) -> Turn:
    desk = request.app.state.front_desk
    agents = desk.agents(WriteDesk(), NobodyApproves())
    said = redacted(question, desk.settings)  # a token typed by mistake never reaches the model
    history = [ChatMessageContent(role=AuthorRole.USER, content=said)]
    return await run_turn(history, agents, on_chunk=on_chunk)


class EventData(BaseModel):
    # Every field is always sent: the schema says so (`required`), defaults included.
    model_config = ConfigDict(json_schema_serialization_defaults_required=True)


class AskStarted(EventData):
    status: Literal["processing"] = "processing"
    question: str


class AskChunk(EventData):
    type: Literal["chunk"] = "chunk"
    content: str
    partial_response: str


class AskCompleted(EventData):
    type: Literal["complete"] = "complete"
    full_response: str
    status: Literal["completed"] = "completed"


class AskFailed(EventData):
    type: Literal["error"] = "error"
    error: str = "Failed to process question"
    details: str


ASK_EVENTS = {"start": AskStarted, "message": AskChunk, "complete": AskCompleted,
              "error": AskFailed}


def event_schema(events: dict[str, type[EventData]]) -> dict[str, Any]:
    """One server-sent event: its name and its JSON data."""
    return {"type": "object", "required": ["event", "data"], "oneOf": [
        {"properties": {
            "event": {"const": name},
            "data": {"type": "string", "contentMediaType": "application/json",
                     "contentSchema": model.model_json_schema(mode="serialization")},
        }}
        for name, model in events.items()
    ]}


class EventStream(StreamingResponse):
    media_type = "text/event-stream"


ASK_STREAM = {
    "description": "Server-sent events: one `start`, `message` chunks, then `complete` "
                   "(or `error`, and nothing after it)",
    # OpenAPI 3.1 has no word for a stream's items: `schema` describes each event, as the
    # tools (schemathesis among them) read it; 3.2 would call it `itemSchema`.
    "content": {"text/event-stream": {"schema": event_schema(ASK_EVENTS)}},
}


def sse(event: str, data: EventData) -> str:
    return f"event: {event}\ndata: {json.dumps(data.model_dump(), ensure_ascii=False)}\n\n"


# The 422 (an empty or missing question) is FastAPI's default, declared by FastAPI.
@router.get("/ask", response_class=EventStream, responses={200: ASK_STREAM})
async def ask(
    request: Request,
    question: Annotated[str, Query(min_length=1, max_length=MAX_QUESTION_LENGTH, pattern=r"\S")],
):
    """Answer a question as a server-sent event stream: start, message chunks, complete."""

    async def events() -> AsyncIterator[str]:
        # The question as the model gets it: a token typed by mistake is not echoed either.
        yield sse("start", AskStarted(question=redacted(question, request.app.state.settings)))
        chunks: asyncio.Queue[str | None] = asyncio.Queue()

        async def on_chunk(agent: str, text: str) -> None:
            await chunks.put(text)

        turn = asyncio.create_task(ask_agents(request, question, on_chunk))
        turn.add_done_callback(lambda _: chunks.put_nowait(None))
        text_so_far = ""
        try:
            while (chunk := await chunks.get()) is not None:
                text_so_far += chunk
                yield sse("message", AskChunk(content=chunk, partial_response=text_so_far))
            answer = (await turn).answer
            if not text_so_far and answer:  # a model that did not stream: one chunk
                text_so_far = answer
                yield sse("message", AskChunk(content=answer, partial_response=answer))
        except Exception as error:
            log.exception("ai_ask_failed")
            yield sse("error", AskFailed(
                details=f"the language model failed ({type(error).__name__})"))
            return
        finally:
            turn.cancel()  # the client went away, or the turn is over: nothing left running
        yield sse("complete", AskCompleted(full_response=text_so_far))

    return EventStream(
        events(),
        media_type="text/event-stream; charset=utf-8",
        headers={"cache-control": "no-cache", "connection": "keep-alive"},
    )


@router.post("/summary", response_model=SummaryResponse, responses={
    400: problem("Film id not positive, or a body that is not UTF-8", "Film ID must be positive",
                 UNREADABLE_BODY),
    404: problem("No such film", "Film with ID 9999 not found"),
})
async def summary(request: Request, body: SummaryRequest, database: DatabaseDep):
    if body.film_id <= 0:
        raise HTTPException(400, "Film ID must be positive")
    async with database.reading() as conn:  # not held while the model writes
        film = await films.get_film(conn, body.film_id)  # 404 when unknown
    try:
        prose = (await ask_agents(request, f"Tell me about the film {film.title}")).answer
    except Exception:  # the facts below come from the database; the prose is a bonus
        log.exception("ai_summary_model_failed")
        prose = film.description
    return SummaryResponse(
        title=film.title,
        rating=film.rating,
        recommended=films.is_recommended(film.rating, film.rental_rate),
        summary=prose,
    )


@router.post("/handoff", response_model=HandoffResponse, responses={
    400: problem("A body that is not UTF-8", UNREADABLE_BODY),
})
async def handoff(request: Request, body: HandoffRequest):
    try:
        turn = await ask_agents(request, body.question)
    except Exception as error:
        log.exception("ai_handoff_failed")
        return HandoffResponse(
            agent=FALLBACK_AGENT,
            answer=f"The language model failed ({type(error).__name__}); please try again.",
        )
    return HandoffResponse(agent=turn.agent, answer=turn.answer)
