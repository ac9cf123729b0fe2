"""From a message to an Intent, given the dialogue so far.

An answer to the assistant's own question ("the second one", "Mary Smith", "2") completes
the request that was asked about; anything else is a new request (offline.intents).
"""

from dataclasses import replace

from assistant.offline import text as t
from assistant.offline.declarations import Tool
from assistant.offline.dialogue import (
    FILLER,
    CustomerRef,
    DialogueState,
    FilmRef,
    Intent,
    Pending,
    customer_named,
    entity_only,
    film_by_words,
    film_named,
)
from assistant.offline.intents import classify
from assistant.offline.lexicon import Lexicon
from assistant.offline.mentions import Mentions


def understand(message: str, state: DialogueState, lexicon: Lexicon,
               tools: list[Tool]) -> Intent:
    m = Mentions.read(message, lexicon)
    if state.pending is not None:
        answered = _answer_to_question(m, state.pending, lexicon)
        if answered is not None:
            return answered
    return classify(m, state, lexicon, tools)


_ANSWER_FILLER = FILLER | t.CUSTOMER_WORDS | t.FILM_WORDS | {"rental", "id", "name", "email",
                                                              "mean", "meant", "option", "choice"}


def _answer_to_question(m: Mentions, pending: Pending, lexicon: Lexicon) -> Intent | None:
    if m.has_any(t.CANCEL_WORDS) or m.phrase("never", "mind") or m.phrase("forget", "it"):
        return Intent("cancel")
    if not entity_only(m, _ANSWER_FILLER):
        return None
    if pending.options:
        choice = _choose(m, pending.options, pending.slot)
        return None if choice is None else fill(pending.intent, pending.slot, choice)
    if pending.slot == "customer":
        if m.customers or m.emails or m.customer_ids or m.name_query:
            ref = customer_named(m, lexicon)
        elif m.name_words:
            ref = CustomerRef(query=" ".join(m.name_words))
        elif m.numbers:
            ref = CustomerRef(m.numbers[0], query=str(m.numbers[0]))
        else:
            return None
        return replace(pending.intent, customer=ref, ask=None)
    if pending.slot == "film":
        ref = film_named(m, lexicon) or film_by_words(m.title_words or m.rest())
        return replace(pending.intent, film=ref, ask=None) if ref else None
    if pending.slot == "rental":
        ids = m.rental_ids or m.numbers
        if ids:
            return replace(pending.intent, rental_id=ids[0], ask=None)
        ref = customer_named(m, lexicon) or (
            CustomerRef(query=" ".join(m.name_words)) if m.name_words else None)
        return replace(pending.intent, customer=ref, ask=None) if ref else None
    return None


def fill(intent: Intent, slot: str, item: dict) -> Intent:
    """The intent with the slot the clerk just chose filled in."""
    if slot == "customer":
        return replace(intent, customer=CustomerRef(item["customer_id"], item.get("name"),
                                                    confirmed=True), ask=None)
    if slot == "film":
        return replace(intent, film=FilmRef(item["film_id"], item.get("title"), confirmed=True),
                       ask=None)
    return replace(intent, rental_id=item["rental_id"], ask=None)


_ID_KEYS = {"customer": "customer_id", "film": "film_id", "rental": "rental_id"}


def _choose(m: Mentions, options: tuple[dict, ...], slot: str) -> dict | None:
    if m.ordinal is not None:
        index = len(options) - 1 if m.ordinal == -1 else m.ordinal - 1
        return options[index] if 0 <= index < len(options) else None
    key = _ID_KEYS[slot]
    if len(m.numbers) == 1 and 1 <= m.numbers[0] <= len(options):
        return options[m.numbers[0] - 1]  # a small bare number counts the list: "2"
    for n in m.customer_ids + m.film_ids + m.rental_ids + m.numbers:
        by_id = [o for o in options if o.get(key) == n]
        if by_id:
            return by_id[0]
    named = {f.entry.id for f in m.films} | {c.entry.id for c in m.customers}
    emails = {e.lower() for e in m.emails}
    hits = [o for o in options if o.get(key) in named or (o.get("email") or "").lower() in emails]
    if len(hits) == 1:
        return hits[0]
    said = set(m.name_words) | set(m.title_words) | set(m.rest())
    hits = [o for o in options if said & set(t.words_of(o.get("name") or o.get("title") or ""))]
    return hits[0] if len(hits) == 1 else None

