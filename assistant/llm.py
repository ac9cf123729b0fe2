"""The model behind the agents: OpenAI-compatible, or the built-in offline model.

Each model call is logged with its duration and token counts (the provider's own counts; for
the offline model, an estimate at four characters a token). Inside `metering(usage)` the counts
are also added up in `usage` (the evaluation suite reads them there).
"""

import time
from collections.abc import AsyncGenerator, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from openai import AsyncOpenAI
from semantic_kernel.connectors.ai.chat_completion_client_base import ChatCompletionClientBase
from semantic_kernel.connectors.ai.open_ai import OpenAIChatCompletion
from semantic_kernel.contents import ChatHistory, StreamingChatMessageContent

from assistant.db import Database
from assistant.logging import get_logger
from assistant.offline import OfflineChatService, StoreLexicon
from assistant.settings import Settings

log = get_logger("assistant.model")

OPENAI_TIMEOUT_SECONDS = 60.0
OPENAI_RETRIES = 2


@dataclass
class Usage:
    """Model calls and their tokens, added up while this is the current meter."""

    calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    estimated_calls: int = 0  # calls without the provider's counts (the offline model)


_meter: ContextVar[Usage | None] = ContextVar("model_usage", default=None)


@contextmanager
def metering(usage: Usage) -> Iterator[Usage]:
    """Add up the model calls made in this context (and the tasks it starts) in `usage`."""
    token = _meter.set(usage)
    try:
        yield usage
    finally:
        _meter.reset(token)


class Metered:
    """Logs every streaming model call: duration, prompt and completion tokens."""

    async def _inner_get_streaming_chat_message_contents(
        self, chat_history: ChatHistory, settings: Any, function_invoke_attempt: int = 0
    ) -> AsyncGenerator[list[StreamingChatMessageContent], Any]:
        started = time.perf_counter()
        usage, text = None, []
        try:
            async for messages in super()._inner_get_streaming_chat_message_contents(
                chat_history, settings, function_invoke_attempt
            ):
                for message in messages:
                    usage = (message.metadata or {}).get("usage") or usage
                    text.append(str(message.content or ""))
                yield messages
        finally:
            prompt = sum(len(str(m.content or "")) for m in chat_history.messages)
            prompt_tokens = getattr(usage, "prompt_tokens", None) or prompt // 4
            completion_tokens = getattr(usage, "completion_tokens", None) or len("".join(text)) // 4
            log.info(
                "model_call",
                model=self.ai_model_id,
                attempt=function_invoke_attempt,
                duration_ms=round((time.perf_counter() - started) * 1000, 1),
                prompt_tokens=prompt_tokens,
                completion_tokens=completion_tokens,
                estimated=usage is None,
            )
            if (meter := _meter.get()) is not None:
                meter.calls += 1
                meter.prompt_tokens += prompt_tokens
                meter.completion_tokens += completion_tokens
                meter.estimated_calls += usage is None


class MeteredOpenAIChatCompletion(Metered, OpenAIChatCompletion):
    pass


class MeteredOfflineChatService(Metered, OfflineChatService):
    pass


def make_chat_service(settings: Settings, database: Database) -> ChatCompletionClientBase:
    """The model for LLM_MODE (decided by the mode alone: a stray API key proves nothing)."""
    if settings.llm_mode == "openai":
        client = AsyncOpenAI(
            api_key=settings.openai_api_key.get_secret_value() if settings.openai_api_key
            else "not-needed",  # local OpenAI-compatible servers accept any key
            base_url=settings.openai_base_url or None,
            timeout=OPENAI_TIMEOUT_SECONDS,
            max_retries=OPENAI_RETRIES,
        )
        return MeteredOpenAIChatCompletion(ai_model_id=settings.openai_model, async_client=client)
    return MeteredOfflineChatService(StoreLexicon(database))
