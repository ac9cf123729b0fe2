"""The agents and how one chat turn runs.

SearchAgent (the front desk, with the store's functions) and LLMAgent (general questions, no
store functions), joined by Semantic Kernel's HandoffOrchestration. Everything that depends on
the (experimental) orchestration API lives in this module, so it can be swapped.
"""

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from opentelemetry import metrics
from opentelemetry.metrics import NoOpMeterProvider
from semantic_kernel import Kernel
from semantic_kernel.agents import ChatCompletionAgent, HandoffOrchestration, OrchestrationHandoffs
from semantic_kernel.agents.runtime import InProcessRuntime
from semantic_kernel.connectors.ai import FunctionChoiceBehavior, PromptExecutionSettings
from semantic_kernel.connectors.ai.chat_completion_client_base import ChatCompletionClientBase
from semantic_kernel.contents import (
    AuthorRole,
    ChatMessageContent,
    FunctionCallContent,
    FunctionResultContent,
    StreamingChatMessageContent,
)
from semantic_kernel.filters import FilterTypes, FunctionInvocationContext
from semantic_kernel.functions import FunctionResult, KernelArguments, KernelPlugin

from assistant.approvals import Approver, WriteDesk, approval_filter
from assistant.audit import WriteLedger
from assistant.db import Database
from assistant.history import for_model
from assistant.logging import get_logger
from assistant.prompts import instructions, load_prompt
from assistant.settings import Settings
from plugins import CustomersPlugin, FilmsPlugin, RentalsPlugin, StatsPlugin
from plugins.results import Failure

log = get_logger(__name__)

# Semantic Kernel gives each kernel function two OpenTelemetry histograms, and the handoff
# clones the agents' functions at every turn. With no meter provider set, OpenTelemetry's
# stand-in meter keeps every instrument made, for a provider set later: 34 more objects each
# turn, never freed (35,000 after 1,000 turns, walked by each of the collector's full passes).
# So metrics go nowhere, unless the deployment set a provider first (the first one set stays).
metrics.set_meter_provider(NoOpMeterProvider())

SEARCH_AGENT = "SearchAgent"
LLM_AGENT = "LLMAgent"
# The longest question the agents take, in the chat and over REST: the offline model's reading
# time grows faster than a message's length (100 kB held the server for minutes).
MAX_QUESTION_LENGTH = 2000
HANDOFF_PLUGIN = "Handoff"
TURN_TIMEOUT_SECONDS = 15 * 60  # a turn may wait on the clerk's confirmation and token


@dataclass
class Turn:
    """What one user message produced."""

    agent: str = SEARCH_AGENT
    answer: str = ""
    messages: list[ChatMessageContent] = field(default_factory=list)  # calls, results, answer


OnChunk = Callable[[str, str], Awaitable[None]]  # (agent name, text chunk)
OnStep = Callable[[ChatMessageContent], Awaitable[None]]


UNEXPECTED = ("The store could not answer that: something went wrong on our side (it is "
              "logged). Nothing was changed; try again, or ask another way.")


async def failures_said_plainly(context: FunctionInvocationContext, next) -> None:
    """A store function that fails unexpectedly (a bug, the database gone) answers with a
    plain sentence, logged with its traceback: never an exception's text, which may hold SQL
    or data, in the model's context or on the clerk's screen."""
    try:
        await next(context)
    except Exception:
        log.exception("function_failed", function=context.function.fully_qualified_name)
        context.result = FunctionResult(function=context.function.metadata,
                                        value=Failure(error=UNEXPECTED))


def read_plugins(database: Database) -> list[KernelPlugin]:
    """The store's functions that read, which hold nothing of a turn: made once and shared by
    every turn (reading a plugin's functions and their schemas took 10 ms of each turn)."""
    return [KernelPlugin.from_object(name, plugin) for name, plugin in (
        ("Films", FilmsPlugin(database)), ("Customers", CustomersPlugin(database)),
        ("Stats", StatsPlugin(database)))]


def build_agents(
    service: ChatCompletionClientBase,
    database: Database,
    settings: Settings,
    desk: WriteDesk,
    approver: Approver,
    kernel_filters: list = (),
    plugins: list[KernelPlugin] | None = None,  # read_plugins(database), made once
) -> list[ChatCompletionAgent]:
    kernel = Kernel(services=[service])
    clerk = desk.staff_id or settings.pagila_staff_id
    rentals = RentalsPlugin(database, clerk, desk)  # the turn's clerk and approvals
    for plugin in plugins if plugins is not None else read_plugins(database):
        kernel.add_plugin(plugin)
    kernel.add_plugin(rentals, plugin_name="Rentals")
    kernel.add_filter(
        FilterTypes.AUTO_FUNCTION_INVOCATION,
        approval_filter(desk, approver, rentals.preview, settings,
                        WriteLedger(database, clerk, desk.thread_id)),
    )
    for kind, function in kernel_filters:
        kernel.add_filter(kind, function)
    # Added last, so innermost (Kernel.add_filter inserts first): the filters above, such as
    # the chat's tool steps, see its plain sentence, never the exception.
    kernel.add_filter(FilterTypes.FUNCTION_INVOCATION, failures_said_plainly)
    auto = KernelArguments(
        settings=PromptExecutionSettings(function_choice_behavior=FunctionChoiceBehavior.Auto())
    )
    search = ChatCompletionAgent(
        name=SEARCH_AGENT,
        description="The store's front desk: films, customers, rentals.",
        instructions=instructions("search_agent", kernel),
        kernel=kernel,
        arguments=auto,
    )
    general = ChatCompletionAgent(
        name=LLM_AGENT,
        description="General questions that are not about the store.",
        instructions=load_prompt("llm_agent"),
        kernel=Kernel(services=[service]),
        arguments=auto,
    )
    return [search, general]


def handoffs() -> OrchestrationHandoffs:
    return OrchestrationHandoffs().add(
        source_agent=SEARCH_AGENT,
        target_agent=LLM_AGENT,
        description="Transfer to this agent for questions that are not about the store's "
        "films, customers or rentals (general knowledge, chit-chat, other topics).",
    )


def is_plumbing(message: ChatMessageContent) -> bool:
    """Handoff calls and their results: orchestration plumbing, not conversation."""
    items = [i for i in message.items if isinstance(i, FunctionCallContent | FunctionResultContent)]
    return bool(items) and all(i.plugin_name == HANDOFF_PLUGIN for i in items)


async def run_turn(
    history: list[ChatMessageContent],
    agents: list[ChatCompletionAgent],
    on_chunk: OnChunk | None = None,
    on_step: OnStep | None = None,
) -> Turn:
    """Run one user message (the last of `history`) through the agents.

    One InProcessRuntime per turn, started in the caller's context (Chainlit's filters need
    it) and always stopped, also on errors and cancellation (the Stop button).
    """
    turn = Turn()

    async def collect(message: ChatMessageContent) -> None:
        if is_plumbing(message):
            return
        if message.role == AuthorRole.ASSISTANT and message.content and not any(
            isinstance(i, FunctionCallContent) for i in message.items
        ):
            turn.agent = message.name or turn.agent
            turn.answer = message.content
        turn.messages.append(message)
        if on_step:
            await on_step(message)

    async def stream(chunk: StreamingChatMessageContent, is_final: bool) -> None:
        if on_chunk and chunk.role == AuthorRole.ASSISTANT and chunk.content:
            await on_chunk(chunk.name or SEARCH_AGENT, chunk.content)

    orchestration = HandoffOrchestration(
        members=agents,
        handoffs=handoffs(),
        agent_response_callback=collect,
        streaming_agent_response_callback=stream,
    )
    runtime = InProcessRuntime()
    runtime.start()
    try:
        result = await orchestration.invoke(task=for_model(history, agents), runtime=runtime)
        await result.get(timeout=TURN_TIMEOUT_SECONDS)
    finally:
        await stop(runtime)
    return turn


async def stop(runtime: InProcessRuntime) -> None:
    """Stop the runtime and cancel what its agents are still doing: runtime.stop() alone lets
    a handler that waits on the clerk run on, and a stopped turn must not write later."""
    await runtime.stop()
    pending = list(runtime._background_tasks)  # no public API for in-flight handlers (SK 1.45)
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
