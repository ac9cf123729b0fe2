"""Each store function call as a step in the chat, named in words ("Searched the catalogue:
Comedy films renting for at most $0.99") and showing a short reading of its result: a few
fields, a small table of the first rows, a Failure as its sentence. Never the JSON the model
reads. Generic over the result shapes of plugins.results, not written per function.
"""

from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

import chainlit as cl
from chainlit.utils import utc_now
from pydantic import BaseModel
from semantic_kernel.filters import FunctionInvocationContext

from plugins.results import Ambiguous, AtLeast, Failure, counted_up_to_bounds

# What a call did, in the past tense; a function missing here is named from its own name.
DONE = {
    "search_films": "Searched the catalogue",
    "find_film": "Looked up a film",
    "find_actor": "Looked up an actor",
    "film_details": "Read up on a film",
    "film_availability": "Checked the stock",
    "film_summary": "Summed up a film",
    "find_customer": "Looked up a customer",
    "customer_rentals": "Listed a customer's rentals",
    "customer_payments": "Listed a customer's payments",
    "customer_balance": "Worked out a balance",
    "active_rentals": "Listed the rentals out",
    "overdue_rentals": "Listed the overdue rentals",
    "rental_details": "Looked up a rental",
    "rental_late_fee": "Worked out a late fee",
    "late_fee_rule": "Read the late-fee rule",
    "create_rental": "Rented a film",
    "return_rental": "Took a rental back",
    "store_counts": "Counted the stores' stock",
    "top_ranked": "Ranked",
    "revenue": "Added up the revenue",
}

NAME_LENGTH = 80  # the name is also the step's DOM id (#step-<name>) in Chainlit's front end
ROWS, COLUMNS, TEXT = 5, 6, 90
QUIET = {"limit", "page_size"}  # how much to list, not what was asked
MONEY = ("rate", "fee", "cost", "price", "amount", "paid", "balance")  # parameters in $
SAID_WITH_NAME = {"by", "per", "about", "page"}  # "by revenue", "per month", "page 2"


def tool_steps(excluded_plugins: tuple[str, ...]):
    """A function-invocation filter showing each call as a step once its result is in, named
    by it (a closure: the orchestration deep-copies filters)."""

    async def show_step(context: FunctionInvocationContext, next) -> None:
        function = context.function
        if function.plugin_name in excluded_plugins:
            await next(context)
            return
        started = utc_now()
        await next(context)
        result = context.result.value if context.result else None
        # Under the turn's run, as the messages are: at the top level it would show below them.
        run = cl.context.current_step
        step = cl.Step(type="tool", name=step_name(function.name, asked(context), result),
                       parent_id=run.id if run else None, show_input=False,
                       icon="database")  # a Lucide icon where an avatar would be
        step.start, step.end = started, utc_now()
        step.output = reading(result)
        await step.send()

    return show_step


def asked(context: FunctionInvocationContext) -> dict[str, Any]:
    """The arguments the call was given that say something: declared, not left at default."""
    given = context.arguments or {}
    return {p.name: given[p.name] for p in context.function.metadata.parameters
            if p.name in given and p.name not in QUIET
            and given[p.name] not in (None, "", [], 0, False, p.default_value)}


def step_name(function: str, arguments: dict[str, Any], result: Any) -> str:
    done = DONE.get(function, function.replace("_", " ").capitalize())
    record = plain(result)
    searched = record.get("searched") if isinstance(record, dict) else None
    said = searched or ", ".join(_unique(argument_words(k, v, record)
                                         for k, v in arguments.items()))
    name = f"{done}: {said}" if said else done
    return name if len(name) <= NAME_LENGTH else name[:NAME_LENGTH - 1].rstrip() + "…"


def argument_words(name: str, value: Any, result: Any) -> str:
    """One argument in words: "customer 5" (or the name the result gives it), "rental rate up
    to $0.99", "streaming only", "by revenue"."""
    if isinstance(value, bool):
        return _words(name)
    if name.endswith("_id"):
        return _named(result, name.removesuffix("_id"), value)
    for prefix, said in (("min_", "from"), ("max_", "up to")):
        if name.startswith(prefix):
            subject = name.removeprefix(prefix)
            return f"{_words(subject)} {said} {_value(subject, value)}"
    if name in SAID_WITH_NAME:
        return f"{name} {_value(name, value)}"
    return _value(name, value)


def reading(result: Any) -> str:
    """A short markdown reading of a function's result for the step."""
    if isinstance(result, Failure):
        return result.error
    if isinstance(result, Ambiguous):
        return "\n".join([result.question, ""] + _table(plain(result.matches), None))
    record = counted_up_to_bounds(plain(result))
    if not isinstance(record, dict):
        return "" if record is None else str(record)
    while len(record) == 1 and isinstance(only := next(iter(record.values())), dict):
        record = only  # {"film": {...}}: the record itself
    fields, tables = [], []
    lists = [k for k, v in record.items() if isinstance(v, list) and v and isinstance(v[0], dict)]
    # A `total` counts all the matches of the one list it pages (FilmPage, RentalList).
    total = record.get("total") if len(lists) == 1 and isinstance(record.get("total"), int) \
        else None
    for key, value in record.items():
        if key in lists:
            tables += ["", f"**{_words(key).capitalize()}**", ""] + _table(value, total)
        elif isinstance(value, dict):
            fields.append(f"- {_words(key)}: {_label(value)}")
        else:
            fields.append(f"- {_words(key)}: {_cell(key, value) or 'none'}")
    return "\n".join(fields + tables).strip()


def plain(value: Any) -> Any:
    """A result as plain data, keeping dates and money as such (not as JSON strings)."""
    if isinstance(value, BaseModel):
        return value.model_dump(exclude_none=True)
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def _table(rows: list[dict], total: int | None) -> list[str]:
    shown = rows[:ROWS]
    columns = list(dict.fromkeys(k for row in shown for k, v in row.items()
                                 if not isinstance(v, list | dict)))
    # The row's own id, then no other ids: a title or a name says which film or customer.
    columns = [k for i, k in enumerate(columns) if i == 0 or not k.endswith("_id")][:COLUMNS]
    lines = ["| " + " | ".join(_words(k) for k in columns) + " |",
             "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(_cell(k, row.get(k)) for k in columns) + " |" for row in shown]
    more = (total if total is not None else len(rows)) - len(shown)
    if isinstance(total, AtLeast):
        more = AtLeast(more)
    return lines + (["", f"… and {more} more"] if more > 0 else [])  # apart, not a table row


def _cell(key: str, value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        head = ", ".join(_cell(key, v) for v in value[:ROWS])
        return head + (f" and {len(value) - ROWS} more" if len(value) > ROWS else "")
    if isinstance(value, dict):
        return _label(value)
    text = _value(key, value).replace("|", "\\|").replace("\n", " ")
    return text if len(text) <= TEXT else text[:TEXT - 1].rstrip() + "…"


def _value(name: str, value: Any) -> str:
    if isinstance(value, Decimal) or (isinstance(value, float) and any(m in name for m in MONEY)):
        return f"${value:,.2f}"
    if isinstance(value, float):
        return f"{value:,.0f}" if value.is_integer() else f"{value:,.2f}"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, list | tuple):
        return "/".join(_value(name, v) for v in value)
    return str(value)


def _label(record: dict) -> str:
    """A record in a few words, by its own id (its first field) and its name: "MARY SMITH
    (customer 1)", "ACADEMY DINOSAUR (film 1)"; a rental's title is its film's: "rental 7
    (ADAPTATION HOLES)"."""
    key = next(iter(record), "")
    if not key.endswith("_id"):
        return ", ".join(f"{_words(k)} {_cell(k, v)}" for k, v in record.items())
    thing = key.removesuffix("_id")
    said = f"{thing} {record[key]}"
    name = record.get("name") or (record.get("title") if thing == "film" else None)
    if name:
        return f"{name} ({said})"
    return f"{said} ({record['title']})" if record.get("title") else said


def _named(result: Any, thing: str, value: Any) -> str:
    """`thing` `value` ("customer 5") named as the result names it: the record that is that
    thing (its first field is the id), or a record's `thing` field (a rental's "customer"), or
    a title beside a film id."""
    said = f"{thing} {value}"
    for record in _records(result):
        if str(record.get(f"{thing}_id")) != str(value):  # a model may send ids as text
            continue
        if next(iter(record)) == f"{thing}_id":
            return _label(record)
        if isinstance(record.get(thing), str):
            return f"{record[thing]} ({said})"
        if thing == "film" and record.get("title"):  # a title always names a film here
            return f"{record['title']} ({said})"
    return said


def _records(value: Any, depth: int = 3):
    if depth and isinstance(value, dict):
        yield value
        for inner in value.values():
            yield from _records(inner, depth - 1)
    elif depth and isinstance(value, list):
        for inner in value:
            yield from _records(inner, depth - 1)


def _words(name: str) -> str:
    return name.replace("_", " ")


def _unique(parts) -> list[str]:
    """Parts in order, without one another already says ("ACADEMY DINOSAUR" beside
    "ACADEMY DINOSAUR (film 1)")."""
    parts = [p for p in parts if p]
    return [p for i, p in enumerate(parts)
            if not any(p.lower() in q.lower() and (p != q or j < i) for j, q in enumerate(parts)
                       if j != i)]
