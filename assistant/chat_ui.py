"""The Chainlit chat: Chainlit loads this file (mounted at /chat by assistant.api.app).

Clerks sign in with their staff username and password (assistant.staff); the signed-in clerk
is the clerk of every rental and payment made in their conversations. Each user message runs
one turn of the agents; replies stream token by token under the name of the agent that gave
them, each store function call shows as a step, and writes wait for the clerk's Confirm and
admin token (assistant.approvals). Conversations are saved (assistant.conversations) and can be
resumed from the sidebar with their context.
"""

import re
import time
import uuid

import chainlit as cl
import structlog
from chainlit.auth import get_token_from_cookies
from chainlit.auth.jwt import get_jwt_secret
from semantic_kernel.contents import AuthorRole, ChatMessageContent
from semantic_kernel.filters import FilterTypes

from assistant.agents import HANDOFF_PLUGIN, MAX_QUESTION_LENGTH, SEARCH_AGENT, run_turn
from assistant.approvals import Decision, Preview, WriteDesk
from assistant.charts import charts_in, figure
from assistant.conversations import load_history, make_archive, save_history
from assistant.frontdesk import front_desk
from assistant.logging import get_logger
from assistant.rentals import counter_examples
from assistant.security import redacted
from assistant.sessions import (
    INACTIVE,
    SIGNED_OUT,
    record_sign_out,
    token_refusal,
    wait_past_sign_out,
)
from assistant.staff import is_active
from assistant.steps import tool_steps
from assistant.throttle import CLIENT_ADDRESS, attempt_sign_in

log = get_logger("assistant.chat")

ASK_TIMEOUT_SECONDS = 120

# (slug, label, message); {film} and {rental} are real records of the loaded store. A starter
# never names a customer: the clerk serves the one at the counter, so the assistant asks who.
STARTERS = [
    ("find-a-film", "Find a film", "comedies under $1"),
    ("check-a-customer", "Check a customer", "what is the customer renting?"),
    ("rent-a-film", "Rent a film", "rent {film}"),
    ("return-a-rental", "Return a rental", "return rental {rental}"),
    ("recommendations", "Recommendations", "recommend something mature and cheap"),
]


@cl.password_auth_callback
async def sign_in_clerk(username: str, password: str) -> cl.User | None:
    """Throttled per username and address, audited (assistant.throttle); a refusal is the same
    whatever its reason (wrong password, unknown or inactive clerk, locked)."""
    database = front_desk().database
    clerk = await attempt_sign_in(database, username, password, CLIENT_ADDRESS.get())
    if clerk is None:
        log.info("sign_in_refused")
        return None
    await wait_past_sign_out(database, clerk.staff_id)  # the new token must outlive it
    log.info("signed_in", staff_id=clerk.staff_id)
    return cl.User(identifier=clerk.username, display_name=clerk.name,
                   metadata={"staff_id": clerk.staff_id, "store_id": clerk.store_id})


@cl.on_logout
async def sign_out_clerk(request, response) -> dict:
    """Chainlit clears the cookie; this ends the session on the server too: the token (and
    any earlier one of the clerk's, in another tab or copied) no longer signs in
    (assistant.sessions)."""
    token = get_token_from_cookies(request.cookies)
    try:
        who = await record_sign_out(front_desk().database, token, auth_secret(),
                                    CLIENT_ADDRESS.get())
    except Exception:  # the cookie is cleared all the same
        log.exception("sign_out_not_recorded")
    else:
        log.info("signed_out", recorded=who is not None)
    return {"success": True}


def auth_secret() -> str:
    return get_jwt_secret() or ""


# What a session that may no longer act is told (and nothing else happens).
SESSION_ENDED = {
    SIGNED_OUT: "You have signed out: please sign in again to go on. Nothing was done.",
    INACTIVE: "Your staff account is not active any more, so the front desk can't act for you. "
              "Nothing was done; please see the store manager.",
}
SESSION_EXPIRED = ("Your sign-in has expired (a session lasts one shift): please sign in again. "
                   "Nothing was done.")
TOO_LONG = (f"That message is too long for the front desk (at most {MAX_QUESTION_LENGTH:,} "
            "characters): please say it in fewer words. Nothing was done.")


async def why_not_signed_in() -> str | None:
    """What to tell a session whose clerk may no longer act (signed out since, disabled, or
    the sign-in expired), checked at every message; None when they may."""
    session = cl.context.session
    database = front_desk().database
    token = getattr(session, "token", None)
    if token:
        reason = await token_refusal(database, token, auth_secret())
        return SESSION_ENDED.get(reason, SESSION_EXPIRED) if reason else None
    # No sign-in token: a session made in-process (tests), as the clerk it names.
    async with database.reading() as conn:
        return None if await is_active(conn, clerk_id()) else SESSION_ENDED[INACTIVE]


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


def signed(agent: str, text: str) -> str:
    """A reply under its agent's name, written out: Chainlit 2.12 shows a message's author only
    as the avatar's hover tooltip."""
    return f"**{agent}**\n\n{text}"


# How a preview reads once the write's outcome is known (assistant.approvals outcomes).
SETTLED = {
    "confirmed": "Confirmed",
    "cancelled": "Cancelled",
    "timeout": "Not answered in time",
    "no_token": "Cancelled: no admin token given",
    "wrong_token": "Refused: wrong admin token",
    "locked": "Locked",
}
NOTHING_CHANGED = "Nothing was changed."


class ClerkApproves:
    """Asks the clerk in the chat, as the agent that asks: Confirm/Cancel, then the token in a
    masked field. The preview is rewritten to the outcome once it is known, so the chat keeps
    a record of it; the token prompt goes away once answered."""

    def __init__(self, agent: str = SEARCH_AGENT):
        self.agent = agent
        self.asking: tuple[cl.AskActionMessage, Preview] | None = None  # the open preview

    async def confirm(self, preview: Preview) -> Decision:
        ask = cl.AskActionMessage(
            author=self.agent,
            content=signed(self.agent, f"Please confirm:\n\n{preview.text}"),
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
        self.asking = (ask, preview)
        if decision == "confirm":  # not "Confirmed" yet: the token decides (see settled)
            await self.rewrite("*Waiting for the admin token*")
        return decision

    async def ask_token(self) -> str | None:
        ask = cl.AskElementMessage(
            author=self.agent,
            content="Enter the admin token to go ahead.",
            element=cl.CustomElement(name="AdminToken", props={"prompt": "Admin token"}),
            timeout=ASK_TIMEOUT_SECONDS,
        )
        answer = await ask.send()
        await ask.remove()  # answered: the preview says what came of it
        given = answer.get("token") if answer and answer.get("submitted") else None
        return str(given) if given else None

    async def settled(self, outcome: str, message: str) -> None:
        if outcome in SETTLED:
            # The message's sentences beyond its first (the lockout), not "Nothing was changed."
            later = [s for s in re.split(r"(?<=\.) ", message)[1:] if s != NOTHING_CHANGED]
            await self.rewrite(" ".join([f"**{SETTLED[outcome]}**", *later]))
        self.asking = None

    async def rewrite(self, said: str) -> None:
        if self.asking:
            ask, preview = self.asking
            ask.content = signed(self.agent, f"{preview.text}\n\n{said}")
            await ask.update()


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
    refused = await why_not_signed_in()
    if refused:
        log.info("message_refused", reason="session_ended")
        await cl.Message(content=refused, author="System").send()
        return
    if len(message.content) > MAX_QUESTION_LENGTH:
        log.info("message_refused", reason="too_long", length=len(message.content))
        await cl.Message(content=TOO_LONG, author="System").send()
        return
    history: list[ChatMessageContent] = session_value("history", list)
    desk: WriteDesk = session_value("desk", new_desk)
    # A token typed by mistake goes; so does a NUL, which the saved history (jsonb) can't hold.
    said = redacted(message.content.replace("\x00", ""), front_desk().settings)
    history.append(ChatMessageContent(role=AuthorRole.USER, content=said))
    agents = front_desk().agents(desk, ClerkApproves(), [(
        FilterTypes.FUNCTION_INVOCATION, tool_steps(excluded_plugins=(HANDOFF_PLUGIN,)))])

    replies: list[cl.Message] = []

    async def on_chunk(agent: str, text: str) -> None:
        if not replies or replies[-1].author != agent:
            replies.append(cl.Message(content=signed(agent, ""), author=agent))
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
        replies.append(cl.Message(content=signed(turn.agent, turn.answer or "(no answer)"),
                                  author=turn.agent))
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

