"""The history a turn sends to the model: the current turn whole, earlier results condensed.

The chat keeps every turn's function calls and results, and each request to the model carries
them all: without this the request grows every turn (one customer's rentals is about 3 KB).
`for_model(history)` prepares the history for one turn:

- at most HISTORY_LIMIT messages, starting at a user message (older turns dropped whole);
- the current turn (from the last user message on) exactly as it is;
- in earlier turns, the user messages, the answers and the function calls as they were, and
  each function result condensed (`condense`): its scalar fields, and for each list the ids
  (with the titles or names that label them) of its first items and how many were left out,
  within a size bound and marked as condensed. The turn just before the current one keeps the
  ids of every listed item ("the second one", "the last one" point there), older turns the
  first few. Results are condensed by their JSON shape, not by known field names, so it holds
  when the plugins' result shapes change;
- calls and results stay paired, as the OpenAI API requires (each tool call answered by its
  tool message, no tool message without its call): an unpaired one in an earlier turn is left
  out.

The built-in offline model gets the window whole: it rebuilds the dialogue by replaying the
earlier turns' plans over their full results (a condensed one lacks fields it reads), and it
costs nothing per token. The chat's own history is not changed: condensed messages are copies.
"""

import json
from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel
from semantic_kernel.contents import (
    AuthorRole,
    ChatMessageContent,
    FunctionCallContent,
    FunctionResultContent,
)

from assistant.offline import OfflineChatService

HISTORY_LIMIT = 40  # messages kept as context; older turns are dropped whole
PREVIOUS_TURN = (25, 1200)  # the turn before the current one: (list items kept, max characters)
OLDER_TURNS = (3, 400)  # turns before that
CONDENSED = "condensed"  # the marker key of a condensed JSON result
CONDENSED_NOTE = "earlier result shortened; call again for details"
TEXT_MARK = " [... condensed]"
MAX_DEPTH = 3


def for_model(history: list[ChatMessageContent], agents: Iterable = ()) -> list[ChatMessageContent]:
    """The messages to send the `agents`' model for the turn that ends `history` (see the
    module)."""
    messages = trimmed(history)
    if _replays_full_results(agents):
        return messages
    starts = [i for i, m in enumerate(messages) if m.role == AuthorRole.USER]
    if len(starts) < 2:
        return messages
    current, previous = starts[-1], starts[-2]
    earlier = paired(messages[:current])
    kept = [
        _condensed(m, *(PREVIOUS_TURN if i >= previous else OLDER_TURNS))
        for i, m in earlier
    ]
    return kept + messages[current:]


def trimmed(history: list[ChatMessageContent]) -> list[ChatMessageContent]:
    """The last HISTORY_LIMIT messages, starting at a user message (never mid-exchange)."""
    if len(history) <= HISTORY_LIMIT:
        return list(history)
    tail = history[-HISTORY_LIMIT:]
    start = next((i for i, m in enumerate(tail) if m.role == AuthorRole.USER), len(tail) - 1)
    return tail[start:]


def _replays_full_results(agents: Iterable) -> bool:
    """Whether the agents run on the offline model (by their service or their kernel's)."""
    services = []
    for agent in agents:
        services.append(getattr(agent, "service", None))
        services += (getattr(getattr(agent, "kernel", None), "services", None) or {}).values()
    return any(isinstance(s, OfflineChatService) for s in services)


# --- pairing -------------------------------------------------------------------------------


def paired(messages: list[ChatMessageContent]) -> list[tuple[int, ChatMessageContent]]:
    """The messages (with their index) whose function calls and results are all paired within
    their turn; unpaired calls or results are taken out of copies, and a message left with
    nothing to say is left out."""
    keep: set[tuple[int, int]] = set()  # (message, item) of paired calls and results
    pending: dict[str, list[tuple[int, int]]] = {}
    for m, message in enumerate(messages):
        if message.role == AuthorRole.USER:
            pending = {}  # a call is answered in its own turn or not at all
        for n, item in enumerate(message.items):
            if isinstance(item, FunctionCallContent):
                pending.setdefault(item.id or "", []).append((m, n))
            elif isinstance(item, FunctionResultContent) and pending.get(item.id or ""):
                keep.update((pending[item.id or ""].pop(0), (m, n)))
    result = []
    for m, message in enumerate(messages):
        functions = [n for n, i in enumerate(message.items)
                     if isinstance(i, FunctionCallContent | FunctionResultContent)]
        dropped = [n for n in functions if (m, n) not in keep]
        if not dropped:
            result.append((m, message))
            continue
        items = [i for n, i in enumerate(message.items) if n not in dropped]
        if len(dropped) == len(functions) and not any(str(i) for i in items):
            continue  # only unpaired calls or results: nothing left to send
        result.append((m, message.model_copy(update={"items": items})))
    return result


# --- condensing ----------------------------------------------------------------------------


def _condensed(message: ChatMessageContent, items: int, budget: int) -> ChatMessageContent:
    if not any(isinstance(i, FunctionResultContent) for i in message.items):
        return message
    new = [
        i.model_copy(update={"result": condense(i.result, items, budget)})
        if isinstance(i, FunctionResultContent) else i
        for i in message.items
    ]
    return message.model_copy(update={"items": new})


def condense(result: Any, items: int = OLDER_TURNS[0], budget: int = OLDER_TURNS[1]) -> str:
    """A function result shortened to at most `budget` characters (a result already that short
    is returned as the model saw it).

    JSON: scalar fields kept (long strings cut), each list reduced to its first `items` items
    (of a list of records, only their ids and the titles or names that label them; what they
    all share given once as `<list>_common`) and a `<list>_not_shown` count, a `condensed` note
    added; fewer items and shorter strings until it fits. Any other text: cut, with a marker."""
    text = _text(result)
    if len(text) <= budget:
        return text
    data = _json(text, result)
    if data is None:
        return _cut(text, budget - len(TEXT_MARK)) + TEXT_MARK
    for cut, records in ((80, True), (40, False)):  # fewer items; then records by ids only
        for n in range(items, -1, -1):
            shrunk = _shrink(data, n, cut, records, 0)
            if not isinstance(shrunk, dict):
                shrunk = {"result": shrunk}
            out = json.dumps({**shrunk, CONDENSED: CONDENSED_NOTE}, ensure_ascii=False,
                             separators=(",", ":"), default=str)
            if len(out) <= budget:
                return out
    return _cut(text, budget - len(TEXT_MARK)) + TEXT_MARK


def _text(result: Any) -> str:
    """The result as the model received it (Semantic Kernel sends `str(result)`)."""
    return result if isinstance(result, str) else str(result)


def _json(text: str, result: Any) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        pass
    if isinstance(result, BaseModel):
        return result.model_dump(mode="json", exclude_none=True)
    if isinstance(result, dict | list):
        return result
    return None


def _shrink(value: Any, items: int, cut: int, records: bool, depth: int) -> Any:
    """`records`: an object that is not a list item keeps all its scalar fields (at depth 0 it
    always does); a list item keeps only what identifies it."""
    if isinstance(value, str):
        return _cut(value, cut)
    if isinstance(value, list):
        return _listed(value, items, cut, depth)[0]
    if not isinstance(value, dict):
        return value
    out: dict[str, Any] = {}
    for key, field in value.items():
        if isinstance(field, list):
            if depth < MAX_DEPTH:
                out[key], common = _listed(field, items, cut, depth + 1)
                if common:
                    out[f"{key}_common"] = common
            if len(field) > items:
                out[f"{key}_not_shown"] = len(field) - items
        elif isinstance(field, dict):
            if depth < MAX_DEPTH:
                out[key] = _shrink(field, items, cut, records, depth + 1)
        elif records or depth == 0 or key in _identity(value):
            out[key] = _shrink(field, items, cut, records, depth)
    return out


def _listed(values: list, items: int, cut: int, depth: int) -> tuple[list, dict]:
    """A list's first `items` items, and the fields that all of those share, given once (a
    customer's rentals all name the customer)."""
    kept = [_shrink_item(v, items, cut, depth) for v in values[:items]]
    if len(kept) < 2 or not all(isinstance(k, dict) for k in kept):
        return kept, {}
    common = {k: v for k, v in kept[0].items() if all(k in r and r[k] == v for r in kept[1:])}
    if not common or len(common) == len(kept[0]):
        return kept, {}
    return [{k: v for k, v in r.items() if k not in common} for r in kept], common


def _shrink_item(item: Any, items: int, cut: int, depth: int) -> Any:
    if not isinstance(item, dict):
        return _shrink(item, items, min(cut, 40), False, depth)
    keys = _identity(item) or [k for k, v in item.items() if not isinstance(v, dict | list)]
    return {k: _shrink(item[k], items, min(cut, 40), False, depth) for k in keys}


def _identity(record: dict) -> list[str]:
    """The fields that say which record this is: ids, titles and names, and a text field next
    to `<field>_id` (e.g. a rental's `customer` beside `customer_id`)."""
    return [
        key for key, value in record.items()
        if not isinstance(value, dict | list) and (
            key.lower() == "id" or key.lower().endswith("_id")
            or (isinstance(value, str)
                and ("title" in key.lower() or "name" in key.lower() or f"{key}_id" in record))
        )
    ]


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: max(limit - 1, 0)] + "…"
