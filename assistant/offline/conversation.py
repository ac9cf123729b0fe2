"""The conversation as the model sees it: turns rebuilt from the chat history, the dialogue
state they leave behind, and the decision for the current turn (calls to make, or a reply).

Nothing is remembered between requests: every call rebuilds the turns from the history and
replays them, so the same history always gives the same answer.
"""

import json
import re
from dataclasses import dataclass, field, replace

from semantic_kernel.contents import (
    ChatHistory,
    FunctionCallContent,
    FunctionResultContent,
)
from semantic_kernel.contents.utils.author_role import AuthorRole

from assistant.offline import answers
from assistant.offline.declarations import Tool, tools_of
from assistant.offline.dialogue import STORE_KINDS, DialogueState, Intent, Listing, Pending
from assistant.offline.lexicon import Lexicon
from assistant.offline.planner import MAX_STEPS, Call, NeedCalls, Reply, Result, Work, plan
from assistant.offline.understanding import understand

HANDOFF_PREFIX = "Handoff-transfer_to_"


@dataclass
class TurnRecord:
    text: str  # what the clerk typed
    steps: list[tuple[Call, Result]] = field(default_factory=list)
    answer: str | None = None


def turns_of(history: ChatHistory) -> list[TurnRecord]:
    """The history's user turns, each with the calls made for it and their results, in the
    order the calls were made (parallel calls can finish in any order)."""
    turns: list[TurnRecord] = []
    calls: dict[str, tuple[int, Call]] = {}
    order: dict[int, list[tuple[int, Call, Result]]] = {}
    for message in history.messages:
        if message.role in (AuthorRole.SYSTEM, AuthorRole.DEVELOPER):
            continue
        if message.role == AuthorRole.USER:
            turns.append(TurnRecord(text=message.content or ""))
            continue
        if not turns:
            continue
        for item in message.items:
            if isinstance(item, FunctionCallContent):
                calls[item.id or ""] = (len(calls), Call(_name(item), _arguments(item.arguments)))
            elif isinstance(item, FunctionResultContent):
                index, call = calls.get(item.id or "", (len(calls), Call(_name(item), {})))
                order.setdefault(len(turns) - 1, []).append((index, call, Result.of(item.result)))
        if message.role == AuthorRole.ASSISTANT and message.content:
            turns[-1].answer = message.content
    for turn_index, steps in order.items():
        turns[turn_index].steps = [(c, r) for _, c, r in sorted(steps, key=lambda s: s[0])]
    return turns


def _name(item: FunctionCallContent | FunctionResultContent) -> str:
    if item.plugin_name:
        return f"{item.plugin_name}-{item.function_name}"
    return getattr(item, "name", None) or item.function_name


def _arguments(arguments) -> dict:
    if isinstance(arguments, str):
        try:
            parsed = json.loads(arguments or "{}")
        except ValueError:
            return {}
        return parsed if isinstance(parsed, dict) else {}
    return dict(arguments or {})


# --- the state the earlier turns leave ---------------------------------------------------


def state_after(turns: list[TurnRecord], lexicon: Lexicon, tools: list[Tool]) -> DialogueState:
    state = DialogueState()
    for turn in turns:
        intent = understand(turn.text, state, lexicon, tools)
        state = _advance(state, intent, turn, lexicon)
    return state


def _advance(state: DialogueState, intent: Intent, turn: TurnRecord, lexicon) -> DialogueState:
    if intent.kind not in STORE_KINDS:
        return replace(state, pending=None)
    state = replace(state, last=intent, pending=None)
    if intent.film and intent.film.film_id and intent.film.title:
        state = replace(state, film={"film_id": intent.film.film_id, "title": intent.film.title})
    ref = intent.customer
    if ref and ref.customer_id and ref.name:
        state = replace(state, customer={"customer_id": ref.customer_id, "name": ref.name})
    for call, result in turn.steps:
        state = absorb(state, call, result)
    if not turn.steps and turn.answer:
        state = _absorb_text(state, turn.answer, lexicon)
    try:
        reply = plan(intent, Work(turn.steps, lambda name: True))
    except NeedCalls:
        return replace(state, pending=_question_in_text(intent, state, turn.answer))
    return replace(state, pending=reply.pending)


def absorb(state: DialogueState, call: Call, result: Result) -> DialogueState:
    """What a function result tells about the film, customer and rental under discussion."""
    data = result.data
    if not data:
        return state
    if data.get("ambiguous"):
        kind = "customers" if call.name.startswith("Customers") else "films"
        return replace(state, listing=Listing(kind, tuple(data.get("matches", []))))
    changes: dict = {}
    if isinstance(data.get("customer"), dict):
        changes["customer"] = data["customer"]
    if isinstance(data.get("film"), dict):
        changes["film"] = data["film"]
    if data.get("films"):
        changes["listing"] = Listing("films", tuple(data["films"]))
        if len(data["films"]) == 1:
            changes["film"] = data["films"][0]
    if data.get("rentals"):
        changes["listing"] = Listing("rentals", tuple(data["rentals"]))
        if len(data["rentals"]) == 1:
            changes.update(_about_rental(data["rentals"][0], keep_customer="customer" in changes))
    for key in ("rental", "rented", "returned"):
        if isinstance(data.get(key), dict):
            changes.update(_about_rental(data[key]))
    return replace(state, **changes)


def _about_rental(rental: dict, keep_customer: bool = False) -> dict:
    changes = {"rental": rental, "film": {"film_id": rental["film_id"], "title": rental["title"]}}
    if not keep_customer:
        changes["customer"] = {"customer_id": rental["customer_id"], "name": rental["customer"]}
    return changes


_BOLD = re.compile(r"\*\*([^*]+)\*\*")
_CUSTOMER = re.compile(r"\*\*([^*]+)\*\* \(customer (\d+)")
_RENTAL = re.compile(r"Rental (\d+): \*\*([^*]+)\*\*(?: for ([^(\n]+) \(customer (\d+)\))?")


def _absorb_text(state: DialogueState, answer: str, lexicon: Lexicon) -> DialogueState:
    """Without the function results (a history of plain text), read back the rentals,
    customers and films an earlier answer listed."""
    customers = [{"customer_id": int(i), "name": n} for n, i in _CUSTOMER.findall(answer)]
    rentals = []
    for rental_id, title, name, customer_id in _RENTAL.findall(answer):
        film = lexicon.film_titled(title)
        owner = ({"customer_id": int(customer_id), "customer": name.strip()} if customer_id
                 else {"customer_id": customers[0]["customer_id"],
                       "customer": customers[0]["name"]} if len(customers) == 1 else {})
        rentals.append({"rental_id": int(rental_id), "film_id": film.id if film else None,
                        "title": title, **owner})
    changes: dict = {}
    if len({c["customer_id"] for c in customers}) == 1:
        changes["customer"] = customers[0]
    if rentals:
        changes["listing"] = Listing("rentals", tuple(rentals))
        if len(rentals) == 1:
            changes["rental"] = rentals[0]
            if rentals[0]["film_id"]:
                changes["film"] = {"film_id": rentals[0]["film_id"], "title": rentals[0]["title"]}
    elif len(customers) > 1:
        changes["listing"] = Listing("customers", tuple(customers))
    else:
        films = []
        for title in _BOLD.findall(answer):
            found = lexicon.film_titled(title)
            if found and all(f["film_id"] != found.id for f in films):
                films.append({"film_id": found.id, "title": found.name})
        if films:
            changes["listing"] = Listing("films", tuple(films))
        if len(films) == 1:
            changes["film"] = films[0]
    return replace(state, **changes)


def _question_in_text(intent: Intent, state: DialogueState, answer: str | None) -> Pending | None:
    """An earlier "Which one?" read back from its text, when its results are not there."""
    if not answer or "Which one?" not in answer or state.listing is None:
        return None
    slot = {"customers": "customer", "films": "film", "rentals": "rental"}[state.listing.kind]
    return Pending(intent, slot, state.listing.items)


# --- the current turn --------------------------------------------------------------------


@dataclass(frozen=True)
class Decision:
    calls: list[Call] = field(default_factory=list)
    text: str = ""


def decide(history: ChatHistory, lexicon: Lexicon, functions: list | None) -> Decision:
    """What to do now: the functions to call, or the text to answer with.

    `functions` are the declarations of the functions offered in this request (Semantic
    Kernel's metadata, or Tools; None: none may be called, e.g. after the last allowed round
    of calls)."""
    turns = turns_of(history)
    if not turns:
        return Decision(text=answers.capabilities(lexicon))
    *earlier, current = turns
    tools = tools_of(functions)
    offered = {tool.name for tool in tools}
    if any(call.name.startswith(HANDOFF_PREFIX) for call, _ in current.steps):
        return Decision(text="I've passed this question on.")
    intent = understand(current.text, state_after(earlier, lexicon, tools), lexicon, tools)
    store_role = any(tool.name.split("-")[0] != "Handoff" for tool in tools)
    if not store_role:
        return _without_store(intent, offered, lexicon)
    if intent.kind in ("general", "greeting", "thanks"):
        target = _handoff(offered, prefer=("llm", "general", "chat"))
        if target:
            return Decision(calls=[Call(target, {})])
        return Decision(text=answers.OFFLINE_NOTICE)
    if intent.kind not in STORE_KINDS:
        return Decision(text=_small_talk(intent, lexicon))
    work = Work(current.steps, lambda name: name in offered)
    try:
        return Decision(text=plan(intent, work).text)
    except NeedCalls as need:
        blocked = [c.name for c in need.calls if c.name not in offered]
        if blocked:
            return Decision(text=f"I can't do that here: {', '.join(blocked)} is not available.")
        if work.count >= MAX_STEPS:
            return Decision(text="I could not finish that in a few steps; please ask more simply.")
        return Decision(calls=need.calls)


def _without_store(intent: Intent, offered: set[str], lexicon: Lexicon) -> Decision:
    """The LLMAgent (no store functions): small talk, the offline notice, or back to the
    store agent."""
    if intent.kind in ("greeting", "thanks"):
        return Decision(text=_small_talk(intent, lexicon))
    if intent.kind in STORE_KINDS | {"store", "cannot"}:
        target = _handoff(offered, prefer=("search", "store"), only_preferred=True)
        if target:
            return Decision(calls=[Call(target, {})])
        return Decision(text=answers.store_only_here())
    return Decision(text=answers.OFFLINE_NOTICE)


def _handoff(offered: set[str], prefer: tuple[str, ...], only_preferred: bool = False) -> str:
    transfers = sorted(n for n in offered if n.startswith(HANDOFF_PREFIX))
    for name in transfers:
        if any(p in name.lower() for p in prefer):
            return name
    return "" if only_preferred or len(transfers) != 1 else transfers[0]


def _small_talk(intent: Intent, lexicon: Lexicon) -> str:
    if intent.kind == "greeting":
        return "Hello! " + answers.capabilities(lexicon)
    if intent.kind == "thanks":
        return "You're welcome. Anything else about films, customers or rentals?"
    if intent.kind == "cancel":
        return "OK, I've dropped that. Nothing was changed."
    if intent.kind == "help":
        return answers.capabilities(lexicon)
    return answers.not_understood(lexicon, intent.understood, cannot=intent.kind == "cannot")


__all__ = ["Decision", "Reply", "decide", "state_after", "turns_of"]
