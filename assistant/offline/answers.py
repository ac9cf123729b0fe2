"""The offline model's answers, written only from what the store's functions returned.

Markdown, short: titles in bold with rating, category and price; customers with their id;
rentals with their id, dates and days overdue. Write refusals are restated without their
internals (never a word about the admin token: the chat asks for it, not the model).
"""

from typing import Any

from assistant.offline.lexicon import Lexicon


def film_line(f: dict, with_id: bool = False, full: bool = False) -> str:
    """A film in one line; `full` adds its length and year (a search may sort by them)."""
    facts = [x for x in (f.get("rating"), f.get("category")) if x]
    if f.get("rental_rate") is not None:
        facts.append(f"${f['rental_rate']}")
    if full and f.get("length"):
        facts.append(f"{f['length']} min")
    if full and f.get("release_year"):
        facts.append(str(f["release_year"]))
    if f.get("streaming"):
        facts.append("streaming")
    if with_id:
        facts.insert(0, f"film {f['film_id']}")
    return f"**{f['title']}** ({', '.join(facts)})" if facts else f"**{f['title']}**"


def numbered(lines: list[str]) -> str:
    return "\n".join(f"{i}. {line}" for i, line in enumerate(lines, 1))




def stock_text(stores: list[dict]) -> str:
    return "; ".join(
        f"store {s['store_id']}: {s['in_stock']} of {s['copies']} "
        f"cop{'y' if s['copies'] == 1 else 'ies'} on the shelf" if s["copies"]
        else f"store {s['store_id']}: no copies"
        for s in stores
    )


def film_details(film: dict, aspect: str | None) -> str:
    facts = [x for x in (film.get("rating"), film.get("category")) if x]
    if film.get("length"):
        facts.append(f"{film['length']} min")
    if film.get("release_year"):
        facts.append(str(film["release_year"]))
    if film.get("language"):
        facts.append(film["language"])
    lines = [f"**{film['title']}** (film {film['film_id']}): {', '.join(facts)}"]
    lead = _aspect_line(film, aspect)
    if lead:  # a question about one thing: that answer first, then the film in one line
        return f"{lead}\n\n{lines[0]}, ${film.get('rental_rate')}."
    if film.get("description"):
        lines.append(f"\n{film['description']}\n")
    rent = f"- Rents for ${film['rental_rate']}"
    if film.get("rental_duration_days"):
        rent += f" for {film['rental_duration_days']} days"
    if film.get("replacement_cost"):
        rent += f"; replacement cost ${film['replacement_cost']}"
    lines.append(rent)
    if film.get("actors"):
        lines.append(f"- Actors: {', '.join(film['actors'])}")
    if film.get("special_features"):
        lines.append(f"- Special features: {', '.join(film['special_features'])}")
    if film.get("stock") is not None:
        lines.append(f"- In stock: {stock_text(film['stock']) or 'no store has it'}")
    lines.append(f"- Streaming: {'yes' if film.get('streaming') else 'no'}")
    if "recommended" in film:
        lines.append(f"- Recommended by the store: {'yes' if film['recommended'] else 'no'}")
    return "\n".join(lines)


def _aspect_line(film: dict, aspect: str | None) -> str | None:
    title = f"**{film['title']}**"
    if aspect == "stream":
        return (f"Yes, {title} is available for streaming." if film.get("streaming")
                else f"No, {title} is not available for streaming.")
    if aspect == "replacement" and film.get("replacement_cost") is not None:
        return f"{title} costs ${film['replacement_cost']} to replace."
    if aspect == "price":
        return f"{title} rents for ${film.get('rental_rate')}."
    if aspect == "length" and film.get("length"):
        return f"{title} runs {film['length']} minutes."
    if aspect == "actors":
        actors = film.get("actors") or []
        return (f"In {title}: {', '.join(actors)}." if actors
                else f"The store lists no actors for {title}.")
    return None


def stock(result: dict, store_id: int | None) -> str:
    film, stores = result["film"], result.get("stores", [])
    title = f"**{film['title']}**"
    if result.get("note"):
        return f"{result['note']} (asked about {title})"
    if store_id and len(stores) == 1:
        s = stores[0]
        if s["in_stock"]:
            return (f"Yes: {title} has {s['in_stock']} of {s['copies']} "
                    f"cop{'y' if s['copies'] == 1 else 'ies'} on the shelf at store {store_id}.")
        if s["copies"]:
            return (f"No: all {s['copies']} cop{'y' if s['copies'] == 1 else 'ies'} of {title} "
                    f"at store {store_id} are rented out.")
        return f"No: store {store_id} has no copies of {title}."
    if not any(s["copies"] for s in stores):
        return f"No store has a copy of {title}."
    return f"{title}: {stock_text(stores)}."


def customer_line(c: dict) -> str:
    parts = [x for x in (c.get("email"),) if x]
    if c.get("store_id"):
        parts.append(f"store {c['store_id']}")
    if c.get("active") is False:
        parts.append("inactive")
    extra = f", {', '.join(parts)}" if parts else ""
    return f"**{c['name']}** (customer {c['customer_id']}{extra})"


def customer(c: dict) -> str:
    return customer_line(c) + "."


def rental_line(r: dict, with_customer: bool = True) -> str:
    who = f" for {r['customer']} (customer {r['customer_id']})" if with_customer else ""
    line = f"Rental {r['rental_id']}: **{r['title']}**{who}, rented {r['rented']}, due {r['due']}"
    if r.get("returned"):
        return f"{line}, returned {r['returned']}"
    if r.get("days_overdue"):
        return f"{line}, **{r['days_overdue']} day{'s' if r['days_overdue'] != 1 else ''} overdue**"
    return f"{line}, not returned yet"


def bullets(lines: list[str]) -> str:
    return "\n".join(f"- {line}" for line in lines)


def customer_rentals(result: dict, overdue_only: bool) -> str:
    c = result["customer"]
    who = f"**{c['name']}** (customer {c['customer_id']})"
    rentals = result.get("rentals", [])
    if overdue_only:
        rentals = [r for r in rentals if r.get("days_overdue")]
        if not rentals:
            return f"{who} has no overdue rentals."
        lines = bullets([rental_line(r, False) for r in rentals])
        noun = "rental" if len(rentals) == 1 else "rentals"
        return f"{who} has {len(rentals)} overdue {noun}:\n{lines}"
    total = result.get("total", len(rentals))  # every match, not the page
    period = _in(result.get("period") or "all time")
    listed = bullets([rental_line(r, False) for r in rentals])
    shown = f" (the latest {len(rentals)} here)" if len(rentals) < total else ""
    noun = "rental" if total == 1 else "rentals"
    if result.get("open_only"):
        rented = f", rented{period}" if period else ""
        if not total:
            return f"{who} has nothing out right now{rented}."
        return f"{who} has {total} {noun} out{rented}{shown}, newest first:\n{listed}"
    if not total:
        return f"{who} has no rentals on record{period}."
    return f"{who} has **{total}** {noun}{period}{shown}, newest first:\n{listed}"


def _in(period: str) -> str:
    """A period after a verb: " in 2022", " last month"; "" for all time."""
    if period == "all time":
        return ""
    bare = period.startswith(("this ", "last ", "past ", "previous ", "today", "yesterday"))
    return f" {period}" if bare else f" in {period}"


def rental(r: dict) -> str:
    return f"{rental_line(r)} (copy {r['inventory_id']}, store {r['store_id']})."


def rented(r: dict) -> str:
    return (f"Done: **{r['title']}** is rented to **{r['customer']}** (customer "
            f"{r['customer_id']}). Rental {r['rental_id']}, copy {r['inventory_id']} from store "
            f"{r['store_id']}, due back {r['due']}.")


def returned(result: dict) -> str:
    r = result["returned"]
    days, fee = result.get("days_late", 0), result.get("late_fee")
    head = (f"Done: rental {r['rental_id']} (**{r['title']}**, {r['customer']}, customer "
            f"{r['customer_id']}) is returned.")
    if days:
        rule = f" ({result['fee_rule']})" if result.get("fee_rule") else ""
        return f"{head} It was {days} day{'s' if days != 1 else ''} late: late fee ${fee}{rule}."
    return f"{head} It was on time: no late fee (${fee or '0.00'})."


def not_done(verb: str, reason: str) -> str:
    """A write that did not happen, said plainly: "**Not rented.** Nothing was changed: ..."."""
    return f"**Not {verb}.** Nothing was changed: {_plain_reason(reason)}"


def _plain_reason(reason: str) -> str:
    """The refusal in the store's words, without internals (the token is the chat's business,
    never the model's)."""
    text = reason.strip()
    low = text.lower()
    if "needs the clerk's confirmation" in low:
        return "the clerk's confirmation in the chat was not given."
    if "cancelled by the clerk" in low:
        return "the clerk cancelled it at the confirmation step."
    if "not confirmed in time" in low:
        return "it was not confirmed in time."
    if "locked" in low:
        return "writes in this chat are locked for a few minutes after failed confirmations."
    if "wrong" in low:
        return "the confirmation failed: what was entered was wrong."
    if "no one can confirm" in low:  # the REST endpoints: say where it can be done
        return ("no one can confirm a write here. Rent or return in the chat at /chat, or with "
                "the REST rentals endpoints.")
    if "token" in low:
        return "the confirmation was not completed."
    for prefix in ("Not possible: ", "Refused: ", "Cancelled: "):
        if text.startswith(prefix):
            text = text[len(prefix):]
    text = text.replace(" Nothing was changed.", "").strip()
    return text + ("" if text.endswith(".") else ".")


def choose(question: str, kind: str, options: list[dict]) -> str:
    if kind == "customer":
        lines = [customer_line(o) for o in options]
    elif kind == "film":
        lines = [film_line(o, with_id=True) for o in options]
    else:
        lines = [rental_line(o) for o in options]
    return f"{question}\n{numbered(lines)}\n\nWhich one? (say e.g. \"the first one\")"


def capabilities(lexicon: Lexicon) -> str:
    title = lexicon.films.names[0].name if lexicon.films.names else "ACADEMY DINOSAUR"
    person = lexicon.customers.names[0].name.title() if lexicon.customers.names else "Mary Smith"
    store = lexicon.stores[-1] if lexicon.stores else 2
    category = next((c for c in lexicon.categories if c == "Comedy"),
                    lexicon.categories[0] if lexicon.categories else "Comedy")
    return "\n".join([
        "I can help with the store's films, customers and rentals, for example:",
        f"- films: \"{category.lower()} films under $1\", \"PG-13 action films\", "
        "\"films about a mad scientist\", \"what's streaming?\", \"recommend something\"",
        f"- one film: \"tell me about {title}\", \"is {title} in stock at store {store}?\"",
        f"- customers: \"what is {person} renting?\", \"rentals of customer 1\", "
        "\"find customer <email>\"",
        "- rentals: \"what's overdue?\", \"active rentals\", \"show rental <id>\"",
        f"- at the counter: \"rent {title} to {person}\", \"return rental <id>\" "
        "(you confirm each one before it happens)",
    ])


def not_understood(lexicon: Lexicon, understood: tuple[tuple[str, str], ...] = (),
                   cannot: bool = False) -> str:
    """What was understood, and two or three requests close to it that work."""
    if cannot:
        head = "I can't look that up: none of the store's functions answers it"
    else:
        head = "Sorry, I did not understand that request"
    said = "; ".join(f"{kind} {text}" for kind, text in understood)
    head += f" (I understood: {said})." if said else "."
    examples = close_examples(lexicon, {kind.split()[-1]: text for kind, text in understood
                                        if kind})
    return f"{head}\n\nYou could ask, for example:\n" + "\n".join(f"- \"{e}\"" for e in examples)


def close_examples(lexicon: Lexicon, said: dict[str, str]) -> list[str]:
    """Three requests that work, about what the clerk mentioned when possible."""
    title = said.get("film") or (lexicon.films.names[0].name if lexicon.films.names
                                 else "ACADEMY DINOSAUR")
    person = said.get("customer") or (lexicon.customers.names[0].name.title()
                                      if lexicon.customers.names else "Mary Smith")
    store = lexicon.stores[-1] if lexicon.stores else 2
    by_kind = {
        "film": [f"tell me about {title}", f"is {title} in stock at store {store}?",
                 f"who is in {title}?"],
        "customer": [f"what is {person} renting?", f"what has {person} rented before?",
                     f"is {person} late with anything?"],
        "rental": ["show rental <id>", "what's overdue?", f"what's out at store {store}?"],
        "films": ["comedies under $1", "R-rated horror under 90 minutes",
                  "the longest dramas from 2006"],
    }
    kind = next((k for k in ("film", "customer", "rental") if k in said), "films")
    return by_kind[kind]


OFFLINE_NOTICE = (
    "I'm running in offline mode, without a language model, so I can't answer general "
    "questions like this one. To get answers to them, configure a model: LLM_MODE=openai "
    "with an OpenAI API key, or an OpenAI-compatible server (OPENAI_BASE_URL, e.g. Ollama or "
    "vLLM). Questions about the store (films, stock, customers, rentals) can be asked any "
    "time."
)


def store_only_here() -> str:
    return ("That is a question about the store; I can't look up the store's data from here. "
            "Ask it again and the store assistant will answer it.")


def error_text(result: Any, fallback: str) -> str:
    if isinstance(result, str):
        return result if result.endswith((".", "!", "?")) else result + "."
    data = getattr(result, "data", None) or {}
    text = str(data.get("error") or getattr(result, "text", "") or fallback).strip()
    return text if text.endswith((".", "!", "?")) else text + "."
