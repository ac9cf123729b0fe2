"""Drive the real Chainlit handlers in-process: a real ChainlitContext whose emitter records
what the chat shows and answers its asks (Confirm/Cancel, the token field) from a script."""

import uuid
from collections import deque
from typing import Any

import chainlit as cl
from chainlit.context import ChainlitContext, context_var
from chainlit.emitter import BaseChainlitEmitter
from chainlit.session import HTTPSession

from assistant import chat_ui

CONFIRM = {"name": "confirm", "payload": {"decision": "confirm"}, "label": "Confirm"}
CANCEL = {"name": "cancel", "payload": {"decision": "cancel"}, "label": "Cancel"}
TIMEOUT = None


def token(value: str) -> dict[str, Any]:
    return {"submitted": True, "token": value}


class ScriptedEmitter(BaseChainlitEmitter):
    def __init__(self, session: HTTPSession):
        super().__init__(session)
        self.steps: dict[str, dict] = {}  # every message and step shown, by id, latest version
        self.order: list[str] = []
        self.tokens: list[str] = []
        self.asks: list[dict] = []  # what was asked: {"type", "content", "id", "author"}
        self.elements: list[dict] = []  # elements shown (charts), as sent
        self.removed: list[dict] = []  # messages taken off the screen, as they last read
        self.answers: deque = deque()

    async def send_step(self, step_dict):
        if step_dict["id"] not in self.steps:
            self.order.append(step_dict["id"])
        self.steps[step_dict["id"]] = dict(step_dict)

    async def delete_step(self, step_dict):
        self.order.remove(step_dict["id"])
        self.removed.append(self.steps.pop(step_dict["id"]))

    async def clear(self, event):  # awaited by a removed ask, as Chainlit's socket emit is
        pass

    async def send_element(self, element_dict):
        self.elements.append(dict(element_dict))

    async def update_step(self, step_dict):
        await self.send_step(step_dict)

    async def send_token(self, id, token, is_sequence=False, is_input=False):
        self.tokens.append(token)

    async def send_ask_user(self, step_dict, spec, raise_on_timeout=False):
        self.asks.append({"type": spec.type, "content": step_dict.get("output", ""),
                          "id": step_dict["id"], "author": step_dict.get("name")})
        return self.answers.popleft() if self.answers else TIMEOUT


def clerk(username: str, staff_id: int, store_id: int) -> cl.User:
    """A signed-in clerk, as the sign-in callback makes them."""
    return cl.User(identifier=username, metadata={"staff_id": staff_id, "store_id": store_id})


class ChatSession:
    """One browser tab's chat session; `user` is the signed-in clerk (None: PAGILA_STAFF_ID),
    `thread_id` a saved conversation to continue."""

    def __init__(self, user: cl.User | None = None, thread_id: str | None = None):
        self.session = HTTPSession(id=str(uuid.uuid4()), client_type="webapp", user=user,
                                   thread_id=thread_id)
        self.emitter: ScriptedEmitter | None = None

    @property
    def thread_id(self) -> str:
        return self.session.thread_id

    def _enter(self) -> None:
        if self.emitter is None:
            self.emitter = ScriptedEmitter(self.session)
        context_var.set(ChainlitContext(self.session, self.emitter))

    async def start(self) -> "ChatSession":
        self._enter()
        await chat_ui.start_chat()
        return self

    async def resume(self) -> "ChatSession":
        """Open the saved conversation `thread_id` again, as the sidebar does."""
        self._enter()
        await chat_ui.resume_chat({"id": self.thread_id})
        return self

    async def say(self, text: str, *answers) -> list[dict]:
        """Send a user message; `answers` reply to the asks in order. Returns the new replies
        (assistant messages, with `author` and `output`)."""
        self._enter()
        self.emitter.answers.extend(answers)
        seen = len(self.emitter.order)
        await chat_ui.on_message(cl.Message(content=text, author="User", type="user_message"))
        new = [self.emitter.steps[i] for i in self.emitter.order[seen:]]
        return [s for s in new if s.get("type") == "assistant_message"]

    def steps_of_type(self, kind: str) -> list[dict]:
        return [self.emitter.steps[i] for i in self.emitter.order
                if self.emitter.steps[i].get("type") == kind]

    def shown_now(self, step_id: str) -> dict | None:
        """A message as it reads now (e.g. a preview rewritten), None once removed."""
        return self.emitter.steps.get(step_id)

    def everything_shown(self) -> str:
        shown = [*self.emitter.steps.values(), *self.emitter.removed]  # removed: shown once
        return "\n".join(str(s) for s in shown) + "".join(self.emitter.tokens)
