"""What a chat turn costs with a real model: a scripted 20-turn clerk conversation.

    uv run python tests/bench/conversation.py [--turns 20] [--home .pagila-bench]

The model is tests/fake_openai.py's scripted OpenAI-compatible server on loopback; the app
runs as in production with LLM_MODE=openai (the real agents, the HandoffOrchestration, the
OpenAI connector, the real store functions over the official Pagila). The script plays a
clerk's conversation: film searches, details, stock, a customer and her rentals, follow-ups
("the second one", "her rental history", "rent the second comedy to her"). The scripted
model calls the store's functions with tool calls and answers with text once their results
are back. A follow-up takes its ids from the function results the model was sent, as a real
model must: an id that the history no longer holds shows up as a missed follow-up. Writes
are refused (there is no clerk to confirm): nothing in the database changes.

Reported per turn: the model requests, the size of each request body (the JSON as sent) and
tokens estimated at bytes/4 (no tokenizer: the scripted server does not count), and the ratio
of the last turn's first request to the first turn's (target: at most 2). The conversation
runs twice: as the app sends its history (assistant/history.py: older function results
condensed) and, for comparison, with only the 40-message window (as before condensing).

`make bench` (tests/bench/run.py) adds this section to its report.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import sys
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.fake_openai import FakeOpenAI, Reply  # noqa: E402

SIZE_TARGET = 2.0  # the last turn's first request, in multiples of the first turn's
TOKEN_BYTES = 4  # the estimate: about four bytes of JSON a token


class Missing(Exception):  # noqa: N818 - a follow-up's id is not in what the model was sent
    pass


class NotOffered(Exception):  # noqa: N818 - none of a step's functions is offered
    pass


# --- what the scripted model reads from its context --------------------------------------


Sent = list[dict]  # the messages of one request, as the model received them
Args = dict[str, Any] | Callable[[Sent], dict[str, Any]]


def results(messages: Sent) -> list[tuple[str, Any]]:
    """(function name, parsed result) of each tool message, oldest first."""
    calls: dict[str, str] = {}
    found = []
    for message in messages:
        for call in message.get("tool_calls") or []:
            calls[call["id"]] = call["function"]["name"]
        if message["role"] == "tool":
            try:
                data = json.loads(message["content"])
            except (TypeError, ValueError):
                data = message["content"]
            found.append((calls.get(message.get("tool_call_id", ""), ""), data))
    return found


def _records(data: Any, in_list: bool = False) -> Iterator[tuple[dict, bool]]:
    """Every JSON object in a result, with whether it is an item of a list."""
    if isinstance(data, dict):
        yield data, in_list
        for value in data.values():
            yield from _records(value, in_list)
    elif isinstance(data, list):
        for value in data:
            yield from _records(value, True)


def record(key: str, functions: tuple[str, ...] = ()) -> Callable[[Sent], Any]:
    """`key` of the latest single record (not a list item) holding it: "it", "her"."""

    def read(messages: Sent) -> Any:
        for name, data in reversed(results(messages)):
            if functions and name not in functions:
                continue
            for obj, in_list in _records(data):
                if key in obj and not in_list:
                    return obj[key]
        raise Missing(key)

    return read


def listed(key: str, position: int, functions: tuple[str, ...] = ()) -> Callable[[Sent], Any]:
    """`key` of the item at `position` (1-based, -1: the last) of the latest list holding
    it: "the second one", "the last one"."""

    def read(messages: Sent) -> Any:
        for name, data in reversed(results(messages)):
            if functions and name not in functions:
                continue
            for obj, _ in _records(data):
                for value in obj.values():
                    items = [i for i in value if isinstance(i, dict)] if isinstance(
                        value, list) else []
                    if items and all(key in i for i in items):
                        index = len(items) - 1 if position == -1 else position - 1
                        if index < len(items):
                            return items[index][key]
                        raise Missing(f"{key} of item {position}")
        raise Missing(f"a list with {key}")

    return read


# --- the conversation ------------------------------------------------------------------------

FILM_SEARCH = ("Films-list_films", "Films-search_films")
TITLE_SEARCH = ("Films-search_titles", "Films-find_film")


@dataclass(frozen=True)
class Step:
    """One function call: the first of the alternatives the model is offered (the plugins'
    names change; arguments the function does not declare are left out)."""

    alternatives: tuple[tuple[str, Args], ...]


def call(*alternatives: tuple[str, Args]) -> Step:
    return Step(alternatives)


@dataclass(frozen=True)
class ClerkTurn:
    say: str
    steps: tuple[Step, ...] = ()
    answer: Callable[[Sent], str] | None = None  # a reply from the context, without a call


def _her_email(messages: Sent) -> str:
    return f"Her email is {record('email')(messages)}."


ASK_CUSTOMER = ("Customers-find_customer", "Customers-customer_rentals")

TURNS: tuple[ClerkTurn, ...] = (
    ClerkTurn("comedies under $1", (call(
        ("Films-list_films", {"category": "Comedy", "max_rental_rate": 0.99, "limit": 10}),
        ("Films-search_films", {"category": "Comedy", "max_rental_rate": 0.99}),
    ),)),
    ClerkTurn("tell me about the second one", (call(
        ("Films-film_details", lambda m: {"title": listed("title", 2)(m),
                                          "film_id": listed("film_id", 2)(m)}),
    ),)),
    ClerkTurn("is it in stock at store 2?", (call(
        ("Films-film_availability", lambda m: {"title": record("title")(m),
                                               "film_id": record("film_id")(m), "store_id": 2}),
    ),)),
    ClerkTurn("what is Mary Smith renting?", (
        call(("Customers-find_customer", {"query": "Mary Smith"})),
        call(("Customers-customer_rentals",
              lambda m: {"customer_id": record("customer_id")(m), "open_only": True})),
    )),
    ClerkTurn("and her rental history?", (call(
        ("Customers-customer_rentals", lambda m: {
            "customer_id": record("customer_id", ASK_CUSTOMER)(m), "open_only": False,
            "limit": 10}),
    ),)),
    ClerkTurn("show me the third one", (call(
        ("Rentals-rental_details", lambda m: {"rental_id": listed("rental_id", 3)(m)}),
    ),)),
    ClerkTurn("what's overdue?", (call(("Rentals-overdue_rentals", {"limit": 10})),)),
    ClerkTurn("rent the second comedy to her", (call(
        ("Rentals-create_rental", lambda m: {
            "customer_id": record("customer_id", ASK_CUSTOMER)(m),
            "film_id": listed("film_id", 2, FILM_SEARCH)(m)}),
    ),)),
    ClerkTurn("films about a mad scientist", (call(
        ("Films-search_films", {"about": "mad scientist"}),
    ),)),
    ClerkTurn("the first one: what's it about?", (call(
        ("Films-film_summary", lambda m: {"title": listed("title", 1)(m),
                                          "film_id": listed("film_id", 1)(m)}),
        ("Films-film_details", lambda m: {"title": listed("title", 1)(m),
                                          "film_id": listed("film_id", 1)(m)}),
    ),)),
    ClerkTurn("films with ALIEN in the title", (call(
        ("Films-search_titles", {"title": "ALIEN"}),
        ("Films-find_film", {"title": "ALIEN"}),
    ),)),
    ClerkTurn("how long is the last one?", (call(
        ("Films-film_details", lambda m: {"title": listed("title", -1, TITLE_SEARCH)(m),
                                          "film_id": listed("film_id", -1, TITLE_SEARCH)(m)}),
    ),)),
    ClerkTurn("rentals of customer 148", (call(
        ("Customers-customer_rentals", {"customer_id": 148, "limit": 10}),
    ),)),
    ClerkTurn("what's her email?", answer=_her_email),
    ClerkTurn("which of those are still out?", (call(
        ("Rentals-active_rentals", lambda m: {"customer_id": record("customer_id")(m)}),
    ),)),
    ClerkTurn("tell me about ACADEMY DINOSAUR", (call(
        ("Films-film_details", {"title": "ACADEMY DINOSAUR"}),
    ),)),
    ClerkTurn("is it in stock at store 1?", (call(
        ("Films-film_availability", lambda m: {"title": record("title")(m),
                                               "film_id": record("film_id")(m), "store_id": 1}),
    ),)),
    ClerkTurn("recommend something mature and cheap", (call(
        ("Films-recommend_films", {}),
        ("Films-search_films", {"recommended_only": True}),
    ),)),
    ClerkTurn("what's streaming?", (call(
        ("Films-streaming_films", {}),
        ("Films-search_films", {"streaming_only": True}),
    ),)),
    ClerkTurn("rent ACADEMY DINOSAUR to Mary Smith", (
        call(("Customers-find_customer", {"query": "Mary Smith"})),
        call(("Rentals-create_rental", lambda m: {
            "customer_id": record("customer_id", ("Customers-find_customer",))(m),
            "film_id": record("film_id", ("Films-film_availability", "Films-film_details"))(m)})),
    )),
)


# --- the scripted model --------------------------------------------------------------------


@dataclass
class TurnCost:
    say: str
    request_bytes: list[int] = field(default_factory=list)
    calls: list[str] = field(default_factory=list)
    answer: str = ""
    problems: list[str] = field(default_factory=list)  # missed follow-ups, missing functions

    @property
    def first(self) -> int:
        return self.request_bytes[0] if self.request_bytes else 0


class ScriptedModel:
    """The model's side of the conversation, as a FakeOpenAI script."""

    def __init__(self, turns: tuple[ClerkTurn, ...]):
        self.turns = {t.say: t for t in turns}
        self.fake: FakeOpenAI | None = None
        self.cost: TurnCost | None = None  # the turn being played

    def __call__(self, messages: Sent, tools: list[str]) -> Reply:
        start = max(i for i, m in enumerate(messages) if m["role"] == "user")
        turn = self.turns[messages[start]["content"]]
        done = [m for m in messages[start + 1:] if m["role"] == "tool"]
        try:
            if len(done) < len(turn.steps):
                name, arguments = self._choose(turn.steps[len(done)], messages)
                self.cost.calls.append(name)
                return Reply(tool_calls=[(name, arguments)])
            if turn.answer:
                return Reply(text=turn.answer(messages))
        except Missing as missing:
            self.cost.problems.append(f"follow-up: no {missing} in the history sent")
            return Reply(text="Which one do you mean? I no longer have it in our conversation.")
        except NotOffered as names:
            self.cost.problems.append(f"none of these functions is offered: {names}")
            return Reply(text="I can't do that here.")
        return Reply(text=summary(done[-1]["content"]) if done else "OK.")

    def _choose(self, step: Step, messages: Sent) -> tuple[str, dict]:
        offered = {t["function"]["name"]: t["function"].get("parameters") or {}
                   for t in self.fake.requests[-1].get("tools") or []}
        for name, arguments in step.alternatives:
            if name not in offered:
                continue
            values = arguments(messages) if callable(arguments) else dict(arguments)
            declared = offered[name].get("properties") or {}
            values = {k: v for k, v in values.items() if k in declared}
            if all(r in values for r in offered[name].get("required") or []):
                return name, values
        raise NotOffered(", ".join(n for n, _ in step.alternatives))


def summary(content: str) -> str:
    """A brief answer from a function result, as a model writes it: what was found, with the
    ids and names a clerk (and a follow-up) needs."""
    try:
        data = json.loads(content)
    except ValueError:
        return f"That was not done: {content[:160]}"
    if not isinstance(data, dict):
        return f"Result: {content[:160]}"
    if data.get("error"):
        return f"Sorry: {data['error']}"
    for obj, _ in _records(data):
        for key, value in obj.items():
            items = [i for i in value if isinstance(i, dict)] if isinstance(value, list) else []
            if obj is data and isinstance(value, list) and not value:
                return f"No {key} found."
            if items and any(_label(i) for i in items):
                total = data.get("total", len(items))
                shown = "; ".join(_label(i) for i in items[:5])
                more = f"; and {total - 5} more" if isinstance(total, int) and total > 5 else ""
                return f"Found {total} {key}: {shown}{more}."
    single = next((obj for obj, in_list in _records(data) if not in_list and _label(obj)), data)
    facts = [f"{k.replace('_', ' ')} {v}" for k, v in single.items()
             if isinstance(v, str | int | float) and not k.endswith("id") and len(str(v)) < 60
             and str(v) not in _label(single)]
    return f"{_label(single) or 'Done'}: {', '.join(facts[:6])}."


def _label(record: dict) -> str:
    name = next((v for k, v in record.items() if isinstance(v, str)
                 and ("title" in k or "name" in k)), "")
    own = next((f"{k[:-3]} {v}" for k, v in record.items() if k.endswith("_id")), "")
    return f"{name} ({own})" if name and own else name


# --- a run ----------------------------------------------------------------------------------


@dataclass
class Conversation:
    condensed: bool
    turns: list[TurnCost]

    @property
    def ratio(self) -> float:
        return self.turns[-1].first / self.turns[0].first

    @property
    def problems(self) -> list[str]:
        return [f"turn {n}: {p}" for n, t in enumerate(self.turns, 1) for p in t.problems]


@contextlib.contextmanager
def history_as_before() -> Iterator[None]:
    """Send the history as before condensing: the 40-message window only."""
    import assistant.agents as agents
    from assistant.history import trimmed

    prepared = agents.for_model
    agents.for_model = lambda history, *_: trimmed(history)
    try:
        yield
    finally:
        agents.for_model = prepared


async def converse(url: str, turns: tuple[ClerkTurn, ...] = TURNS,
                   condensed: bool = True) -> Conversation:
    """Play `turns` through the real agents against the scripted model on the database at
    `url` (the official Pagila)."""
    from semantic_kernel.contents import AuthorRole, ChatMessageContent

    from assistant.agents import build_agents, run_turn
    from assistant.approvals import NobodyApproves, WriteDesk
    from assistant.db import Database
    from assistant.llm import make_chat_service
    from assistant.settings import Settings

    model = ScriptedModel(turns)
    played: list[TurnCost] = []
    with FakeOpenAI(model) as fake, (contextlib.nullcontext() if condensed
                                     else history_as_before()):
        model.fake = fake
        settings = Settings(_env_file=None, pagila_dsn=url, admin_token="bench-admin-token",
                            chainlit_auth_secret="bench-auth-secret",
                            log_level="WARNING", llm_mode="openai", openai_base_url=fake.url,
                            openai_api_key="sk-bench", openai_model="scripted")
        database = Database(url, pool_size=2)
        try:
            agents = build_agents(make_chat_service(settings, database), database, settings,
                                  WriteDesk(), NobodyApproves())
            history: list = []
            for turn in turns:
                model.cost = cost = TurnCost(turn.say)
                seen = len(fake.request_bytes)
                history.append(ChatMessageContent(role=AuthorRole.USER, content=turn.say))
                done = await run_turn(history, agents)
                history.extend(done.messages)
                cost.request_bytes = fake.request_bytes[seen:]
                cost.answer = done.answer
                played.append(cost)
        finally:
            await database.close()
    return Conversation(condensed, played)


def measure(url: str, turns: tuple[ClerkTurn, ...] = TURNS) -> tuple[Conversation, Conversation]:
    """The conversation as the app sends it, and as before condensing."""
    return (asyncio.run(converse(url, turns, condensed=True)),
            asyncio.run(converse(url, turns, condensed=False)))


def report(condensed: Conversation, before: Conversation) -> tuple[str, str]:
    """The markdown section, and the verdict line."""
    n = len(condensed.turns)
    lines = [
        f"## The cost of a chat turn: a scripted {n}-turn conversation",
        "",
        "The real agents on LLM_MODE=openai against a scripted OpenAI-compatible server "
        "(tests/bench/conversation.py): film searches, details, stock, a customer and her "
        "rentals, follow-ups that take their ids from the history sent. Bytes are the request "
        f"bodies (JSON) as sent; tokens are estimated at bytes/{TOKEN_BYTES}. \"Before\" is "
        "the same conversation with only the 40-message window (no condensing).",
        "",
        "| turn | clerk | requests | bytes of each request | ~tokens (first) "
        "| before: bytes (first) |",
        "| ---: | --- | ---: | --- | ---: | ---: |",
    ]
    for i, (turn, old) in enumerate(zip(condensed.turns, before.turns, strict=True), 1):
        sizes = ", ".join(f"{b:,}" for b in turn.request_bytes)
        lines.append(f"| {i} | {turn.say} | {len(turn.request_bytes)} | {sizes} "
                     f"| {turn.first // TOKEN_BYTES:,} | {old.first:,} |")
    total = sum(sum(t.request_bytes) for t in condensed.turns)
    total_before = sum(sum(t.request_bytes) for t in before.turns)
    requests = sum(len(t.request_bytes) for t in condensed.turns)
    ok = condensed.ratio <= SIZE_TARGET
    verdict = (f"{'PASS' if ok else 'MISS'}  conversation: turn {n}'s first request is "
               f"{condensed.ratio:.2f}x turn 1's (target <= {SIZE_TARGET:g}x; before "
               f"condensing {before.ratio:.2f}x)")
    peak = max(range(n), key=lambda i: condensed.turns[i].first)
    lines += [
        "",
        f"Turn {n}'s first request: {condensed.turns[-1].first:,} bytes, "
        f"{condensed.ratio:.2f}x turn 1's {condensed.turns[0].first:,} (before condensing: "
        f"{before.turns[-1].first:,} bytes, {before.ratio:.2f}x). The whole conversation: "
        f"{requests} requests, {total:,} bytes (~{total // TOKEN_BYTES:,} tokens); before "
        f"condensing {total_before:,} bytes (~{total_before // TOKEN_BYTES:,} tokens). "
        f"The largest first request: turn {peak + 1}, {condensed.turns[peak].first:,} bytes "
        f"({condensed.turns[peak].first / condensed.turns[0].first:.2f}x).",
    ]
    for label, run in (("", condensed), ("before condensing: ", before)):
        if run.problems:
            lines += ["", f"Note: {label}" + "; ".join(run.problems)]
    lines += ["", f"- {verdict}"]
    return "\n".join(lines) + "\n", verdict


def section(url: str, turns: int = len(TURNS)) -> tuple[str, str, bool]:
    """For tests/bench/run.py: (markdown, verdict, whether the conversation played cleanly)."""
    condensed, before = measure(url, TURNS[:turns])
    markdown, verdict = report(condensed, before)
    return markdown, verdict, not condensed.problems


def main(argv: list[str] | None = None) -> int:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from run import prepare_database

    from assistant.logging import configure_logging
    from assistant.migrate import upgrade

    default_pagila = os.environ.get("PAGILA_DIR") or str(ROOT.parent / "shared" / "pagila")
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--turns", type=int, default=len(TURNS), help=f"1 to {len(TURNS)}")
    p.add_argument("--home", type=Path, default=ROOT / ".pagila-bench",
                   help="where the embedded PostgreSQL keeps its data (.pagila-bench)")
    p.add_argument("--pagila-dir", type=Path, default=Path(default_pagila),
                   help="folder of the official Pagila .sql files (PAGILA_DIR, ../shared/pagila)")
    args = p.parse_args(argv)
    configure_logging("WARNING")
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    url = prepare_database(args.home, args.pagila_dir)
    upgrade(url)  # what the server's start-up does
    markdown, _, clean = section(url, max(1, min(args.turns, len(TURNS))))
    print(markdown)
    return 0 if clean else 1


if __name__ == "__main__":
    sys.exit(main())
