"""From an Intent and this turn's function results to the next function calls, or the answer.

A plan is written as if every result were already there: `work.get(...)` returns a call's
result when it was made earlier in the turn, and otherwise stops the plan (NeedCalls) so the
service emits the call; Semantic Kernel runs it and calls the model again with the result,
and the plan is run again from the top, one step further. Same history, same steps.
"""

import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from assistant.offline import answers, render
from assistant.offline.dialogue import CustomerRef, FilmRef, Intent, Pending, id_given

MAX_STEPS = 6


@dataclass(frozen=True)
class Call:
    name: str  # fully qualified: "Films-list_films"
    arguments: dict[str, Any]

    @property
    def key(self) -> str:
        return f"{self.name}:{json.dumps(self.arguments, sort_keys=True, default=str)}"


@dataclass(frozen=True)
class Result:
    data: dict | None  # the JSON object a store function returned
    text: str  # the raw result (a refusal from the approval step is plain text)

    @classmethod
    def of(cls, value: Any) -> "Result":
        if isinstance(value, dict):
            return cls(value, json.dumps(value, default=str))
        raw = "" if value is None else str(value)
        try:
            data = json.loads(raw)
        except ValueError:
            data = None
        return cls(data if isinstance(data, dict) else None, raw)

    @property
    def error(self) -> str | None:
        if self.data is None:
            return self.text or "the function returned nothing."
        return self.data.get("error")


@dataclass(frozen=True)
class Reply:
    text: str
    pending: Pending | None = None  # the question this reply asks, for the next turn


class NeedCalls(Exception):  # noqa: N818 - a signal, not an error
    def __init__(self, calls: list[Call]):
        super().__init__(", ".join(c.name for c in calls))
        self.calls = calls


class Work:
    """This turn's calls and results; asks for the ones still missing."""

    def __init__(self, steps: list[tuple[Call, Result]], can_call: Callable[[str], bool]):
        self.done = {call.key: result for call, result in steps}
        self.count = len(steps)
        self.can_call = can_call

    def get(self, function: str, /, **arguments: Any) -> Result:
        return self.get_all([Call(function, _clean(arguments))])[0]

    def get_all(self, calls: list[Call]) -> list[Result]:
        missing = [c for c in calls if c.key not in self.done]
        if missing:
            raise NeedCalls(missing)
        return [self.done[c.key] for c in calls]


def _clean(arguments: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in arguments.items() if v is not None}


def plan(intent: Intent, work: Work) -> Reply:
    handler = _HANDLERS.get(intent.kind)
    if handler is None:
        raise ValueError(f"no plan for {intent.kind}")
    return handler(intent, work)


# --- reads --------------------------------------------------------------------------------


def _read(intent: Intent, work: Work) -> Reply:
    """A read planned from the declarations: look the customer up if only a name is known,
    call the function, and answer from its result, naming what it could not use."""
    read = intent.read
    args = dict(read.args)
    if read.missing:  # never a call without what it requires: ask for it
        return Reply(read.question or f"I need to know {', '.join(read.missing)} for that.")
    if read.film:
        if intent.film is None or intent.film.choices:
            return _ask_film(intent, "do you mean")
        args.update(_film_arguments(intent.film))
    if read.customer:
        ref = intent.customer
        if ref is None or ref.choices or not (ref.customer_id or ref.query or ref.name):
            return _ask_customer(intent, "Which customer? Give a name, an email or a "
                                 "customer id.")
    if read.customer and read.customer != "customer_id":  # a lookup: what the clerk typed
        args[read.customer] = (str(id_given(ref)) if id_given(ref) is not None
                               else ref.query or ref.name)
    elif read.customer:
        who = _resolve_customer(intent, work)
        if isinstance(who, Reply):
            return who
        args[read.customer] = who["customer_id"]
    result = work.get(read.tool, **args)
    data = result.data or {}
    if data.get("ambiguous"):
        kind = "customer" if any("customer_id" in o for o in data.get("matches", [])) \
            else "film"
        return _found(kind, intent, result)
    if result.data is None:
        return Reply(answers.error_text(result, "That did not work."))
    text = render.answer(read.tool, args, data, read.focus)
    ref, found = intent.film, data.get("film")
    if read.film and ref and not (ref.film_id or ref.confirmed) and isinstance(found, dict) \
            and found.get("title", "").upper() != (ref.title or "").upper():
        text = (f"The store doesn't carry a film titled '{ref.title}'; the one title with "
                f"that in it is **{found['title']}**:\n\n{text}")  # a word, not the title
    if read.unused:
        text += (f"\n\n(Not applied: {', '.join(read.unused)}: this search has no such "
                 "filter.)")
    return Reply(text)


def _film_arguments(ref: FilmRef) -> dict[str, Any]:
    if ref.film_id:
        return _clean({"title": ref.title, "film_id": ref.film_id})
    return {"title": ref.title}


def _ask_film(intent: Intent, verb: str) -> Reply:
    ref = intent.film
    if ref and ref.choices:
        options = tuple({"film_id": i, "title": title} for i, title in ref.choices)
        return Reply(answers.choose("Several films match what you typed:", "film", list(options)),
                     Pending(intent, "film", options))
    return Reply(f"Which film {verb}? Give its title (or a part of it).", Pending(intent, "film"))


def _found(kind: str, intent: Intent, result: Result) -> dict | Reply:
    """A lookup's result holding one film or customer; else a question back listing the
    matches, or the reason none was found."""
    data = result.data or {}
    if data.get("ambiguous"):
        options = tuple(data.get("matches", []))
        question = (data.get("question") or f"Several {kind}s match.").replace(" Which one?", "")
        return Reply(answers.choose(question.rstrip(".") + ":", kind, list(options)),
                     Pending(intent, kind, options))
    if isinstance(data.get(kind), dict):
        return data
    return Reply(answers.error_text(result, f"I could not find that {kind}."))


def _film_result(intent: Intent, result: Result) -> dict | Reply:
    return _found("film", intent, result)






# --- customers and rentals ---------------------------------------------------------------


def _ask_customer(intent: Intent, question: str) -> Reply:
    ref = intent.customer
    if ref and ref.choices:
        options = tuple({"customer_id": i, "name": n} for i, n in ref.choices)
        return Reply(answers.choose("Several customers match what you typed:", "customer",
                                    list(options)), Pending(intent, "customer", options))
    return Reply(question, Pending(intent, "customer"))


def _customer_result(intent: Intent, result: Result) -> dict | Reply:
    found = _found("customer", intent, result)
    return found if isinstance(found, Reply) else found["customer"]


def _customer_lookup(ref: CustomerRef) -> Call | None:
    if ref.confirmed and ref.customer_id:
        return None
    return Call("Customers-find_customer", {"query": ref.query or ref.name or ""})


def _resolve_customer(intent: Intent, work: Work) -> dict | Reply:
    """The customer's id: as given (the functions that take it check it), else looked up."""
    ref = intent.customer
    if id_given(ref) is not None:
        return {"customer_id": ref.customer_id, "name": ref.name}
    return _customer_result(intent, work.get_all([_customer_lookup(ref)])[0])












# --- the two writes ----------------------------------------------------------------------


def _rent(intent: Intent, work: Work) -> Reply:
    film, customer = intent.film, intent.customer
    if film is None or film.choices or intent.ask == "film":
        who = f" to {customer.name or customer.query}" if customer and not customer.choices else ""
        return _ask_film(replace(intent, ask=None), f"should I rent{who}")
    if (customer is None or customer.choices or intent.ask == "customer") and not (
        film.confirmed or film.film_id
    ) and film.title:  # a title the store may not carry: say so before asking who rents it
        found = _one_film(intent, film, work.get("Films-find_film", title=film.title, limit=10))
        if isinstance(found, Reply):
            return _not_done("rented", found)
        film = FilmRef(found["film_id"], found["title"], confirmed=True)
        intent = replace(intent, film=film)
    if customer is None or customer.choices or intent.ask == "customer":
        title = film.title or f"film {film.film_id}"
        return _ask_customer(replace(intent, ask=None), f"Who is renting **{title}**? Give the "
                             "customer's name, email or customer id.")
    lookups = [c for c in (_film_lookup(film), _customer_lookup(customer)) if c]
    results = dict(zip([c.name for c in lookups], work.get_all(lookups), strict=True))
    found_film = _one_film(intent, film, results.get("Films-find_film")
                           or results.get("Films-film_details"))
    if isinstance(found_film, Reply):
        return _not_done("rented", found_film)
    found_customer = (_customer_result(intent, results["Customers-find_customer"])
                      if "Customers-find_customer" in results
                      else {"customer_id": customer.customer_id, "name": customer.name})
    if isinstance(found_customer, Reply):
        return _not_done("rented", found_customer)
    result = work.get("Rentals-create_rental", customer_id=found_customer["customer_id"],
                      film_id=found_film["film_id"])
    if result.data and isinstance(result.data.get("rented"), dict):
        return Reply(answers.rented(result.data["rented"]))
    return Reply(answers.not_done("rented", answers.error_text(result, "it failed.")))


def _not_done(verb: str, reply: Reply) -> Reply:
    """A lookup before a write found nothing: say the write did not happen. (A question back,
    "which one?", is left as it is.)"""
    if reply.pending is not None or reply.text.startswith("**Not"):
        return reply
    return Reply(f"**Not {verb}.** {reply.text}")


def _film_lookup(ref: FilmRef) -> Call | None:
    if ref.confirmed and ref.film_id:
        return None
    if ref.title:
        return Call("Films-find_film", {"title": ref.title, "limit": 10})
    return Call("Films-film_details", {"film_id": ref.film_id})


def _one_film(intent: Intent, ref: FilmRef, result: Result | None) -> dict | Reply:
    if result is None:
        return {"film_id": ref.film_id, "title": ref.title}
    data = result.data or {}
    if "film" in data or data.get("ambiguous") or "films" not in data:
        found = _film_result(intent, result)
        return found["film"] if isinstance(found, dict) else found
    films = data["films"]
    same = [f for f in films if f["title"].upper() == (ref.title or "").upper()]
    if len(same) == 1 or len(films) == 1:
        return (same or films)[0]
    if not films:
        closest = data.get("closest") or []
        near = f" The closest titles it has: {', '.join(closest)}." if closest else ""
        return Reply(f"The store doesn't carry a film titled like '{ref.title}'.{near}")
    return Reply(answers.choose(f"Several films match '{ref.title}':", "film", films),
                 Pending(intent, "film", tuple(films)))


def _return(intent: Intent, work: Work) -> Reply:
    if intent.rental_id is not None:
        result = work.get("Rentals-return_rental", rental_id=intent.rental_id)
        if result.data and isinstance(result.data.get("returned"), dict):
            return Reply(answers.returned(result.data))
        return Reply(answers.not_done("returned", answers.error_text(result, "it failed.")))
    if intent.customer is None:
        return _ask_rental(intent, ())
    if intent.customer.choices:
        return _ask_customer(intent, "")
    who = _resolve_customer(intent, work)
    if isinstance(who, Reply):
        return _not_done("returned", who)
    result = work.get("Customers-customer_rentals", customer_id=who["customer_id"],
                      open_only=True, limit=25)
    if result.error:
        return Reply(answers.error_text(result, "I could not read the rentals."))
    rentals = [r for r in result.data.get("rentals", []) if _same_film(r, intent.film)]
    name = f"**{result.data['customer']['name']}**"
    if len(rentals) == 1:
        return _return(replace(intent, rental_id=rentals[0]["rental_id"]), work)
    if not rentals:
        what = f" of **{intent.film.title}**" if intent.film else ""
        return Reply(f"**Not returned.** {name} has no open rental{what}.")
    return _ask_rental(intent, tuple(rentals))


def _same_film(rental: dict, ref: FilmRef | None) -> bool:
    if ref is None:
        return True
    if ref.film_id:
        return rental.get("film_id") == ref.film_id
    return set((ref.title or "").upper().split()) <= set(rental.get("title", "").split())


def _ask_rental(intent: Intent, options: tuple[dict, ...]) -> Reply:
    if options:
        return Reply(answers.choose("Which rental should I return?", "rental", list(options)),
                     Pending(intent, "rental", options))
    return Reply("Which rental should I return? Give the rental id, or the customer's name.",
                 Pending(intent, "rental"))


_HANDLERS: dict[str, Callable[[Intent, Work], Reply]] = {
    "read": _read, "rent": _rent, "return": _return,
}
