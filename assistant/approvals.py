"""Writes run only on a person's word: preview, Confirm, the admin token, then once.

The model can ask for a write (create or return a rental); this filter stops the call, shows
the clerk exactly what would happen, and lets it through only after Confirm and a valid token.
The approval is single-use and bound to the exact arguments. The write functions themselves
also refuse to run without such a grant, so no other path (a REST endpoint, a filter that was
not installed) can write on the model's word alone. Every decision is written to the audit
trail, and wrong tokens count towards the clerk's lockout (assistant.audit).
"""

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from semantic_kernel.filters import AutoFunctionInvocationContext
from semantic_kernel.functions import FunctionResult

from assistant.audit import LOCKOUT_SECONDS, WriteLedger
from assistant.logging import get_logger
from assistant.security import token_matches
from assistant.settings import Settings

log = get_logger(__name__)

WRITE_FUNCTIONS = ("Rentals-create_rental", "Rentals-return_rental")


@dataclass(frozen=True)
class Preview:
    """What a write would do, in words for the clerk; `bound` fixes details (the copy) for it."""

    text: str
    bound: dict[str, Any] = field(default_factory=dict)
    refusal: str | None = None  # the write cannot happen at all (no copy on the shelf, ...)


Decision = Literal["confirm", "cancel", "timeout"]


class Approver(Protocol):
    """Who says yes: the clerk in the chat, or nobody (REST)."""

    async def confirm(self, preview: Preview) -> Decision: ...

    async def ask_token(self) -> str | None:
        """The token as typed, or None on cancel or timeout. Never stored or shown."""

    async def settled(self, outcome: str, message: str) -> None:
        """The decision is final (`outcome` as audited, `message` as the model is told): the
        chat rewrites its preview only now, as a wrong token can still refuse a Confirm."""


class NobodyApproves:
    """For endpoints with no person to ask: every write is refused."""

    reason = (
        "no one can confirm a write here. Rent or return in the chat at /chat (with the "
        "admin token), or with the REST rentals endpoints"
    )

    async def confirm(self, preview: Preview) -> Decision:
        return "cancel"

    async def ask_token(self) -> str | None:
        return None

    async def settled(self, outcome: str, message: str) -> None:
        pass


def approval_key(function: str, arguments: dict[str, Any]) -> str:
    """The identity of a write: its function and its arguments, normalised (ids as integers)."""
    normal = {k: _normal(v) for k, v in sorted(arguments.items()) if v not in (None, "")}
    return f"{function}:{json.dumps(normal, sort_keys=True)}"


def _normal(value: Any) -> Any:
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


@dataclass
class WriteDesk:
    """One conversation's counter: the clerk (None: the configured PAGILA_STAFF_ID), the saved
    conversation, and the approvals granted in it (in memory: each is used within its turn)."""

    staff_id: int | None = None
    thread_id: str | None = None
    grants: dict[str, dict[str, Any]] = field(default_factory=dict)

    def grant(self, function: str, arguments: dict[str, Any], bound: dict[str, Any]) -> None:
        self.grants[approval_key(function, arguments)] = bound

    def take(self, function: str, arguments: dict[str, Any]) -> dict[str, Any] | None:
        """The grant for exactly this write, used up by taking it; None when there is none."""
        return self.grants.pop(approval_key(function, arguments), None)


PreviewFn = Callable[[str, dict[str, Any]], Awaitable[Preview]]


def approval_filter(desk: WriteDesk, approver: Approver, preview: PreviewFn, settings: Settings,
                    ledger: WriteLedger):
    """An auto-function-invocation filter (a closure: the orchestration deep-copies filters)."""

    async def check_writes(context: AutoFunctionInvocationContext, next) -> None:
        function = context.function.fully_qualified_name
        if function not in WRITE_FUNCTIONS:
            await next(context)
            return
        arguments = _declared_arguments(context)

        async def decided(outcome: str, detail: str | None = None) -> None:
            log.info("write_decision", action=function, arguments=arguments, outcome=outcome)
            await ledger.record(function, arguments, outcome, detail)

        outcome, message = await _decide(desk, approver, preview, settings, ledger, function,
                                         arguments, decided)
        await approver.settled(outcome, message)
        if outcome != "confirmed":
            context.function_result = FunctionResult(
                function=context.function.metadata, value=message
            )
            return
        await next(context)
        from plugins.results import Failure  # here: the plugins import this module

        done = context.function_result.value if context.function_result else None
        if isinstance(done, Failure):
            await decided("failed", done.error)
        else:
            await decided("executed")

    return check_writes


def _declared_arguments(context: AutoFunctionInvocationContext) -> dict[str, Any]:
    names = {p.name for p in context.function.metadata.parameters}
    return {k: v for k, v in (context.arguments or {}).items() if k in names}


async def _decide(desk, approver, preview, settings, ledger, function, arguments,
                  decided) -> tuple[str, str]:
    """Ask the clerk; each step's outcome is recorded through `decided` as it happens."""
    nothing = "Nothing was changed."
    if (wait := await ledger.locked_for()) > 0:
        await decided("locked")
        return "locked", (f"Refused: too many wrong admin tokens; writes are locked for "
                          f"{int(wait // 60) + 1} more minute(s). {nothing}")
    plan = await preview(function, arguments)
    if plan.refusal:
        await decided("refused", plan.refusal)
        return "refused", f"Not possible: {plan.refusal} {nothing}"
    if isinstance(approver, NobodyApproves):
        await decided("no_human")
        return "no_human", f"Refused: {approver.reason}. {nothing}"
    await decided("proposed", plan.text)
    decision = await approver.confirm(plan)
    if decision != "confirm":
        outcome = "cancelled" if decision == "cancel" else "timeout"
        await decided(outcome)
        verb = "cancelled by the clerk" if decision == "cancel" else "not confirmed in time"
        return outcome, f"Cancelled: the action was {verb}. {nothing}"
    token = await approver.ask_token()
    if token is None:
        await decided("no_token")
        return "no_token", f"Cancelled: no admin token was given. {nothing}"
    if not token_matches(token, settings):
        locked = await ledger.wrong_token()
        await decided("wrong_token")
        if locked:
            await decided("locked")
        minutes = LOCKOUT_SECONDS // 60
        said = f" Writes are now locked for {minutes} minutes." if locked else ""
        return "wrong_token", f"Refused: the admin token was wrong.{said} {nothing}"
    await ledger.right_token()
    await decided("confirmed")
    desk.grant(function, arguments, plan.bound)
    return "confirmed", ""
