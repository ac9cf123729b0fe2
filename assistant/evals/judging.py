"""Judging a case: what each turn did (calls, answer, writes) and how it is compared with what
the case expects (arguments loosely, facts as whole values)."""

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel
from semantic_kernel.contents import ChatMessageContent, FunctionCallContent

from assistant.agents import HANDOFF_PLUGIN
from assistant.evals.cases import ExpectedCall, render
from assistant.llm import Usage

# --- results -------------------------------------------------------------------------------


@dataclass
class Check:
    kind: str  # agent, call, arguments, only_calls, forbid, fact, says, asks_back, approval,
    #            writes, safety, error
    ok: bool
    detail: str


@dataclass
class CallRecord:
    function: str  # Plugin-function
    arguments: dict[str, Any]


@dataclass
class TurnResult:
    say: str
    via: str
    expected_agent: str | None
    agent: str
    answer: str
    calls: list[CallRecord]
    latency_ms: float
    prompt_tokens: int = 0
    completion_tokens: int = 0
    approval_asked: bool = False
    checks: list[Check] = field(default_factory=list)
    expected_functions: list[str] | None = None  # None: the case does not say
    arguments_expected: int = 0
    arguments_matched: int = 0
    facts_checked: int = 0
    facts_stated: int = 0

    @property
    def functions(self) -> list[str]:
        return [c.function for c in self.calls]


@dataclass
class CaseResult:
    id: str
    category: str
    source: str = ""
    passed: bool = False
    skipped: bool = False
    reason: str = ""
    turns: list[TurnResult] = field(default_factory=list)
    writes: int = 0  # rentals created + rentals returned during the case
    expected_writes: int = 0
    approvals: int = 0  # writes the scripted clerk confirmed with the right token
    approval_asks: int = 0
    violation: bool = False  # wrote more than was approved
    duration_ms: float = 0.0
    checks: list[Check] = field(default_factory=list)  # case-level: writes, safety, errors


@dataclass
class EvalRun:
    mode: str
    model: str
    dataset: str
    started: str
    cases: list[CaseResult]
    usage: Usage
    duration_s: float = 0.0
    database: str = ""  # the eval database's URL, when it was kept


# --- matching ------------------------------------------------------------------------------


def calls_of(messages: list[ChatMessageContent]) -> list[CallRecord]:
    """The store functions the model called in a turn (handoffs are plumbing, left out)."""
    calls = []
    for message in messages:
        for item in message.items:
            if not isinstance(item, FunctionCallContent) or item.plugin_name == HANDOFF_PLUGIN:
                continue
            try:
                arguments = dict(item.parse_arguments() or {})
            except Exception:  # arguments that are not JSON: recorded as given
                arguments = {"(unparsed)": str(item.arguments)}
            name = f"{item.plugin_name}-{item.function_name}" if item.plugin_name else item.name
            calls.append(CallRecord(name, arguments))
    return calls


def render_call(call: ExpectedCall, variables: dict) -> ExpectedCall:
    return ExpectedCall(function=call.function, args=render(call.args, variables),
                        args_one_of=render(call.args_one_of, variables))


def as_number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float | Decimal):
        return float(value)
    if isinstance(value, str) and re.fullmatch(r"\s*-?\$?\d+(\.\d+)?\s*", value):
        return float(value.replace("$", ""))
    return None


def as_text(value: Any) -> str:
    return " ".join(str(value).split()).casefold()


def same(expected: Any, actual: Any) -> bool:
    a, b = as_number(expected), as_number(actual)
    if a is not None and b is not None:
        return abs(a - b) < 1e-9
    return as_text(expected) == as_text(actual)


def arg_matches(expected: Any, arguments: dict[str, Any], name: str) -> bool:
    present = name in arguments and arguments[name] not in (None, "")
    actual = arguments.get(name)
    if isinstance(expected, dict):
        if expected.get("absent"):
            return not present
        if "or_absent" in expected:
            return not present or same(expected["or_absent"], actual)
        if not present:
            return False
        if "one_of" in expected:
            return any(same(option, actual) for option in expected["one_of"])
        if "contains" in expected:
            return as_text(expected["contains"]) in as_text(actual)
        if "between" in expected:
            low, high = expected["between"]
            number = as_number(actual)
            return number is not None and float(low) <= number <= float(high)
        raise ValueError(f"unknown argument matcher {expected}")
    return present and same(expected, actual)


def plain(answer: str) -> str:
    return as_text(answer.replace("**", ""))


def stated_in(value: Any, answer: str) -> bool:
    """Whether the answer states the value: a number as a number (not inside a longer one),
    money with two decimals, a date as YYYY-MM-DD, text in any case."""
    said = plain(answer)
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return value.isoformat() in said
    if isinstance(value, bool) or value is None:
        raise ValueError(f"{value!r} is not a statable fact (select text or numbers)")
    if isinstance(value, int):
        forms = [str(value)] + ([f"{value:,}"] if value >= 1000 else [])
        return any(re.search(rf"(?<![\d.]){re.escape(f)}(?![\d]|\.\d)", said) for f in forms)
    if isinstance(value, Decimal | float):
        forms = [f"{value:.2f}"] + ([f"${int(value)}"] if float(value).is_integer() else [])
        return any(re.search(rf"(?<![\d.]){re.escape(f)}(?!\d)", said) for f in forms)
    return as_text(value) in said


def show(value: Any) -> str:
    if isinstance(value, Decimal | float):
        return f"{value:.2f}"
    if isinstance(value, datetime):
        return value.date().isoformat()
    return f"'{value}'" if isinstance(value, str) else str(value)


def typed(value: Any) -> Any:
    """A rendered template argument back to a number when it is one ("148" -> 148)."""
    if isinstance(value, str) and re.fullmatch(r"-?\d+", value.strip()):
        return int(value)
    return value


def plain_data(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump()
    if isinstance(value, list | tuple):
        return [plain_data(v) for v in value]
    return value


def pick(value: Any, path: str | None) -> Any:
    """Follow a dotted path: keys, list indexes, and `*` for every item of a list."""
    if not path:
        return value
    head, _, rest = path.partition(".")
    if head == "*":
        return [pick(v, rest) for v in value]
    if isinstance(value, list):
        return pick(value[int(head)], rest)
    return pick(value[head], rest)


def flatten(value: Any) -> list:
    if isinstance(value, list):
        return [v for item in value for v in flatten(item)]
    if isinstance(value, dict):
        raise ValueError("the fact picks a record; pick one of its fields")
    return [value]


def failure_text(result: CaseResult, check: Check) -> str:
    for index, turn in enumerate(result.turns, 1):
        if any(c is check for c in turn.checks):
            return f"turn {index}: {check.detail}" if len(result.turns) > 1 else check.detail
    return check.detail
