"""The Chainlit chat: Chainlit loads this file (mounted at /chat by assistant.api.app).

Each user message runs one turn of the agents; replies stream token by token under the name
of the agent that gave them, each store function call shows as a step, and writes wait for
the clerk's Confirm and admin token (assistant.approvals).
"""

import time
import uuid

import chainlit as cl
import structlog
from semantic_kernel.contents import AuthorRole, ChatMessageContent
from semantic_kernel.filters import FilterTypes

from assistant.agents import HANDOFF_PLUGIN, run_turn
from assistant.approvals import Decision, Preview, WriteDesk
from assistant.charts import charts_in, figure
from assistant.frontdesk import front_desk
from assistant.logging import get_logger
from assistant.rentals import counter_examples

log = get_logger("assistant.chat")

ASK_TIMEOUT_SECONDS = 120

# (slug, label, message); {customer}, {film} and {rental} are real records of the loaded store.
STARTERS = [
    ("find-a-film", "Find a film", "comedies under $1"),
    ("check-a-customer", "Check a customer", "what is {customer} renting?"),
    ("rent-a-film", "Rent a film", "rent {film} to {customer}"),
    ("return-a-rental", "Return a rental", "return rental {rental}"),
    ("recommendations", "Recommendations", "recommend something mature and cheap"),
]


@cl.set_starters
async def starters():
    desk = front_desk()
    try:
        async with desk.database.reading() as conn:
            found = await counter_examples(conn, desk.settings.pagila_staff_id)
        examples = {key: value for key, value in found.items() if value is not None}
    except Exception:  # the welcome screen must show even when the database is down
        log.warning("starter_examples_unavailable", exc_info=True)
        examples = {}
    buttons = []
    for _, label, message in STARTERS:
        try:
            buttons.append(cl.Starter(label=label, message=message.format(**examples)))
        except (KeyError, IndexError):
            continue  # no such record in this store (e.g. nothing is rented out)
    return buttons


@cl.on_chat_start
async def start_chat():
    cl.user_session.set("history", [])
    cl.user_session.set("desk", WriteDesk())


class ClerkApproves:
    """Asks the clerk in the chat: Confirm/Cancel, then the token in a masked field. Each ask
    is rewritten afterwards to what was decided, so the chat keeps a record of it."""

    async def confirm(self, preview: Preview) -> Decision:
        ask = cl.AskActionMessage(
            content=f"Please confirm:\n\n{preview.text}",
            actions=[
                cl.Action(id="confirm-write", name="confirm", payload={"decision": "confirm"},
                          label="Confirm"),
                cl.Action(id="cancel-write", name="cancel", payload={"decision": "cancel"},
                          label="Cancel"),
            ],
            timeout=ASK_TIMEOUT_SECONDS,
        )
        answer = await ask.send()
        decision: Decision = "timeout" if answer is None else (
            "confirm" if answer.get("payload", {}).get("decision") == "confirm" else "cancel")
        said = {"confirm": "Confirmed", "cancel": "Cancelled", "timeout": "Not answered in time"}
        ask.content = f"{preview.text}\n\n**{said[decision]}**"
        await ask.update()
        return decision

    async def ask_token(self) -> str | None:
        ask = cl.AskElementMessage(
            content="Enter the admin token to go ahead.",
            element=cl.CustomElement(name="AdminToken", props={"prompt": "Admin token"}),
            timeout=ASK_TIMEOUT_SECONDS,
        )
        answer = await ask.send()
        given = answer.get("token") if answer and answer.get("submitted") else None
        ask.content = "Admin token entered (checking it)." if given else "No admin token given."
        await ask.update()
        return str(given) if given else None


@cl.on_message
async def on_message(message: cl.Message):
    structlog.contextvars.bind_contextvars(
        correlation_id=uuid.uuid4().hex, chat_session=cl.context.session.id
    )
    try:
        await answer(message)
    finally:
        structlog.contextvars.unbind_contextvars("correlation_id", "chat_session")


async def answer(message: cl.Message) -> None:
    history: list[ChatMessageContent] = session_value("history", list)
    desk: WriteDesk = session_value("desk", WriteDesk)
    history.append(ChatMessageContent(role=AuthorRole.USER, content=message.content))
    tool_steps = cl.SemanticKernelFilter(excluded_plugins=[HANDOFF_PLUGIN])
    agents = front_desk().agents(desk, ClerkApproves(), [(
        FilterTypes.FUNCTION_INVOCATION, tool_steps._function_invocation_filter)])

    replies: list[cl.Message] = []

    async def on_chunk(agent: str, text: str) -> None:
        if not replies or replies[-1].author != agent:
            replies.append(cl.Message(content="", author=agent))
        await replies[-1].stream_token(text)

    started = time.perf_counter()
    try:
        turn = await run_turn(history, agents, on_chunk=on_chunk)
    except Exception as error:  # a model or provider failure must end the turn clearly
        log.exception("chat_turn_failed")
        await cl.Message(
            content=f"Sorry, I could not answer that: {describe(error)} Nothing was changed.",
            author="System",
        ).send()
        return
    history.extend(turn.messages)
    if not replies:
        replies.append(cl.Message(content=turn.answer or "(no answer)", author=turn.agent))
    replies[-1].elements = [cl.Plotly(name=chart.title, figure=figure(chart), display="inline")
                            for chart in charts_in(turn.messages)]
    for reply in replies:
        await reply.send()
    log.info("chat_turn", agent=turn.agent,
             duration_ms=round((time.perf_counter() - started) * 1000, 1))


def session_value(key: str, make):
    """The session's object under `key`, created and stored on first use (kept by reference)."""
    value = cl.user_session.get(key)
    if value is None:
        value = make()
        cl.user_session.set(key, value)
    return value


def describe(error: Exception) -> str:
    """A one-line reason for the clerk, without internals."""
    name = type(error).__name__
    if "Timeout" in name:
        return "the language model did not answer in time."
    if "Connection" in name or "APIConnection" in name:
        return "the language model could not be reached."
    if "Authentication" in name:
        return "the language model refused the API key."
    return "the language model failed."

