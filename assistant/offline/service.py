"""OfflineChatService: the offline model as a Semantic Kernel chat completion service.

It takes part in Semantic Kernel's function-calling loop like a hosted model: it answers
with FunctionCallContent, Semantic Kernel runs the functions and calls it again with their
results in the history, and it finally streams a text answer word by word. Which agent it is
playing (the store's SearchAgent or the general LLMAgent) it tells from the functions the
request offers, recorded in its execution settings by the function-choice configuration.
"""

import asyncio
import hashlib
import json
import re
from collections.abc import AsyncGenerator, Callable
from typing import Any, ClassVar

from pydantic import Field
from semantic_kernel.connectors.ai.chat_completion_client_base import ChatCompletionClientBase
from semantic_kernel.connectors.ai.function_choice_behavior import FunctionChoiceType
from semantic_kernel.connectors.ai.prompt_execution_settings import PromptExecutionSettings
from semantic_kernel.contents import (
    ChatHistory,
    ChatMessageContent,
    FunctionCallContent,
    StreamingChatMessageContent,
)
from semantic_kernel.contents.utils.author_role import AuthorRole

from assistant.offline.conversation import Decision, decide
from assistant.offline.lexicon import Lexicon, StoreLexicon


class OfflineExecutionSettings(PromptExecutionSettings):
    """Settings of a request to the offline model: the functions it may call."""

    # The declarations of the functions offered (KernelFunctionMetadata); None: no calls.
    available_functions: list[Any] | None = Field(default=None, exclude=True)


class OfflineChatService(ChatCompletionClientBase):
    """The built-in, deterministic model (LLM_MODE=offline)."""

    SUPPORTS_FUNCTION_CALLING: ClassVar[bool] = True
    lexicon: Lexicon | StoreLexicon = Field(exclude=True)

    def __init__(
        self, lexicon: Lexicon | StoreLexicon, ai_model_id: str = "offline", **kwargs: Any
    ):
        super().__init__(lexicon=lexicon, ai_model_id=ai_model_id, **kwargs)

    def get_prompt_execution_settings_class(self) -> type[PromptExecutionSettings]:
        return OfflineExecutionSettings

    def _update_function_choice_settings_callback(
        self,
    ) -> Callable[[Any, PromptExecutionSettings, FunctionChoiceType], None]:
        def record(configuration, settings, choice_type) -> None:
            if choice_type == FunctionChoiceType.NONE:
                settings.available_functions = None
                return
            settings.available_functions = list(configuration.available_functions or [])

        return record

    def _reset_function_choice_settings(self, settings: PromptExecutionSettings) -> None:
        if isinstance(settings, OfflineExecutionSettings):
            settings.available_functions = None

    def decide(
        self, chat_history: ChatHistory, settings: PromptExecutionSettings,
        lexicon: Lexicon | None = None,
    ) -> Decision:
        functions = getattr(settings, "available_functions", None)
        return decide(chat_history, lexicon or self.lexicon, functions)

    async def _decide(self, chat_history: ChatHistory, settings) -> Decision:
        lexicon = self.lexicon
        if isinstance(lexicon, StoreLexicon):
            lexicon = await lexicon.current()
        return self.decide(chat_history, settings, lexicon)

    async def _inner_get_chat_message_contents(
        self, chat_history: ChatHistory, settings: PromptExecutionSettings
    ) -> list[ChatMessageContent]:
        decision = await self._decide(chat_history, settings)
        if decision.calls:
            items = _call_contents(chat_history, decision, self.ai_model_id)
            return [ChatMessageContent(role=AuthorRole.ASSISTANT, items=items,
                                       ai_model_id=self.ai_model_id)]
        return [ChatMessageContent(role=AuthorRole.ASSISTANT, content=decision.text,
                                   ai_model_id=self.ai_model_id)]

    async def _inner_get_streaming_chat_message_contents(
        self,
        chat_history: ChatHistory,
        settings: PromptExecutionSettings,
        function_invoke_attempt: int = 0,
    ) -> AsyncGenerator[list[StreamingChatMessageContent], Any]:
        decision = await self._decide(chat_history, settings)
        if decision.calls:
            items = _call_contents(chat_history, decision, self.ai_model_id)
            yield [StreamingChatMessageContent(
                role=AuthorRole.ASSISTANT, choice_index=0, items=items,
                ai_model_id=self.ai_model_id, function_invoke_attempt=function_invoke_attempt,
            )]
            return
        for chunk in chunks(decision.text):
            yield [StreamingChatMessageContent(
                role=AuthorRole.ASSISTANT, choice_index=0, content=chunk,
                ai_model_id=self.ai_model_id, function_invoke_attempt=function_invoke_attempt,
            )]
            await asyncio.sleep(0)  # let the chat show each word as it comes


def chunks(text: str) -> list[str]:
    """The answer word by word, each word with the spaces after it."""
    return re.findall(r"\s*\S+\s*", text) or [text]


def _call_contents(history: ChatHistory, decision: Decision, model: str) -> list:
    """Function calls with ids that are unique in the history and the same on every run."""
    seed = hashlib.sha256(
        f"{len(history.messages)}:{history.messages[-1].content if history.messages else ''}"
        .encode()
    )
    items = []
    for index, call in enumerate(decision.calls):
        digest = seed.copy()
        digest.update(f"{index}:{call.key}".encode())
        items.append(FunctionCallContent(
            id=f"call_{digest.hexdigest()[:16]}", index=index, name=call.name,
            arguments=json.dumps(call.arguments), ai_model_id=model,
        ))
    return items
