"""Saved conversations: Chainlit's data layer and the agents' history, in the store's database.

`ChatArchive` is Chainlit's SQLAlchemy data layer running on the front desk's own pool (no
second engine), with the admin token removed from everything it writes: Chainlit stores the
raw user message (thread name, message step) before `on_message` runs, so redacting there
would be too late. Session values that are not Chainlit's own (the agents' history, the write
desk) are left out of the thread's metadata.

The agents' history (function calls and results included, which follow-ups need) is saved per
thread after every turn in `conversation`, and loaded when the clerk resumes the thread, on
this instance or any other.
"""

from typing import Any

from semantic_kernel.contents import ChatHistory, ChatMessageContent
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from assistant.db import Database
from assistant.frontdesk import front_desk
from assistant.history import trimmed
from assistant.logging import get_logger
from assistant.security import redacted

log = get_logger(__name__)

# The chat's own session values: they live in memory and in `conversation`, never in metadata.
PRIVATE_SESSION_KEYS = ("history", "desk", "clerk")


def make_archive():
    """Chainlit's SQLAlchemy data layer on the open front desk's database (looked up on each
    call: Chainlit keeps one data layer per process, and tests open several front desks)."""
    from chainlit.data.sql_alchemy import SQLAlchemyDataLayer

    class ChatArchive(SQLAlchemyDataLayer):
        def __init__(self) -> None:  # no engine of its own: the store's pool serves it
            self.user_thread_limit = 1000
            self.show_logger = False
            self.storage_provider = None  # charts are drawn again from the figures, not kept

        async def execute_sql(self, query: str, parameters: dict) -> Any:
            try:
                async with front_desk().database.writing() as conn:
                    result = await conn.execute(text(query), parameters)
                    if result.returns_rows:
                        return self.clean_result([dict(row._mapping) for row in result])
                    return result.rowcount
            except SQLAlchemyError as error:
                # Neither the statement nor its parameters: they hold the chat's text.
                log.warning("chat_archive_failed", error=type(error).__name__)
                return None

        async def create_step(self, step_dict):  # update_step goes through here too
            await super().create_step(redacted(step_dict, front_desk().settings))

        async def update_thread(self, thread_id, name=None, user_id=None, metadata=None,
                                tags=None):
            if metadata is not None:
                metadata = {key: value for key, value in metadata.items()
                            if key not in PRIVATE_SESSION_KEYS}
            settings = front_desk().settings
            await super().update_thread(thread_id, redacted(name, settings), user_id,
                                        redacted(metadata, settings), tags)

        async def create_element(self, element):
            return None  # elements would need a file store; the figures are in the text

    return ChatArchive()


async def save_history(database: Database, thread_id: str, staff_id: int,
                       history: list[ChatMessageContent]) -> None:
    """Keep the turns a follow-up can refer to (the model's window), as Semantic Kernel's JSON."""
    saved = ChatHistory(messages=trimmed(history)).serialize()
    async with database.writing() as conn:
        await conn.execute(text("""
            INSERT INTO conversation (thread_id, staff_id, messages)
            VALUES (CAST(:t AS uuid), :s, CAST(:m AS jsonb))
            ON CONFLICT (thread_id) DO UPDATE SET messages = EXCLUDED.messages, updated_at = now()
            WHERE conversation.staff_id = EXCLUDED.staff_id"""),
            {"t": thread_id, "s": staff_id, "m": saved})


async def load_history(database: Database, thread_id: str,
                       staff_id: int) -> list[ChatMessageContent]:
    """The clerk's saved history of the thread; empty when there is none (or it is not theirs)."""
    async with database.reading() as conn:
        saved = await conn.scalar(text(
            "SELECT messages::text FROM conversation "
            "WHERE thread_id = CAST(:t AS uuid) AND staff_id = :s"),
            {"t": thread_id, "s": staff_id})
    return ChatHistory.restore_chat_history(saved).messages if saved else []
