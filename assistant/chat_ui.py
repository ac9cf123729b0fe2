"""The Chainlit chat: Chainlit loads this file (mounted at /chat by assistant.api.app).

Clerks sign in with their staff username and password (assistant.staff); the signed-in clerk
is the clerk of every rental and payment made in their conversations. Each user message runs
one turn of the agents; replies stream token by token under the name of the agent that gave
them, each store function call shows as a step, and writes wait for the clerk's Confirm and
admin token (assistant.approvals). Conversations are saved (assistant.conversations) and can be
resumed from the sidebar with their context.
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
from assistant.conversations import load_history, make_archive, save_history
from assistant.frontdesk import front_desk
from assistant.logging import get_logger
from assistant.rentals import counter_examples
from assistant.security import redacted
from assistant.staff import sign_in

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


@cl.password_auth_callback
async def sign_in_clerk(username: str, password: str) -> cl.User | None:
    async with front_desk().database.writing() as conn:
        clerk = await sign_in(conn, username, password)
    if clerk is None:
        log.info("sign_in_refused")
        return None
    log.info("signed_in", staff_id=clerk.staff_id)
    return cl.User(identifier=clerk.username, display_name=clerk.name,
                   metadata={"staff_id": clerk.staff_id, "store_id": clerk.store_id})


@cl.data_layer
def chat_archive():
    return make_archive()


def clerk_id(user: cl.User | None = None) -> int:
    """The signed-in clerk's staff id (PAGILA_STAFF_ID only where nobody signs in: tests)."""
    user = user or cl.context.session.user
    if user and user.metadata.get("staff_id"):
        return int(user.metadata["staff_id"])
    return front_desk().settings.pagila_staff_id


@cl.set_starters
async def starters(user: cl.User | None = None, language: str | None = None):
    desk = front_desk()
    try:
        async with desk.database.reading() as conn:
            found = await counter_examples(conn, clerk_id(user))
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
    cl.user_session.set("desk", new_desk())


@cl.on_chat_resume
async def resume_chat(thread: dict):
    """The saved conversation's history comes back, so a follow-up ("rent it to him") works."""
    history = await load_history(front_desk().database, thread["id"], clerk_id())
    cl.user_session.set("history", history)
    cl.user_session.set("desk", new_desk())
    log.info("chat_resumed", messages=len(history))


def new_desk() -> WriteDesk:
    return WriteDesk(staff_id=clerk_id(), thread_id=cl.context.session.thread_id)


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
    desk: WriteDesk = session_value("desk", new_desk)
    said = redacted(message.content, front_desk().settings)  # a token typed by mistake
    history.append(ChatMessageContent(role=AuthorRole.USER, content=said))
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
    try:
        await save_history(front_desk().database, desk.thread_id, desk.staff_id, history)
    except Exception:  # the answer stands; only resuming this turn later would miss it
        log.exception("history_not_saved")
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

