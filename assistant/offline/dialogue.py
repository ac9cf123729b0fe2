"""The dialogue's vocabulary: what a request is (Intent), what it refers to (FilmRef,
CustomerRef), and what the conversation so far leaves behind (DialogueState), with the
helpers that turn a message's mentions and the state into references.
"""

from dataclasses import dataclass
from typing import Any

from assistant.offline import text as t
from assistant.offline.lexicon import Found, Lexicon
from assistant.offline.mentions import Mentions

STORE_KINDS = frozenset({"read", "rent", "return"})


@dataclass(frozen=True)
class FilmRef:
    film_id: int | None = None
    title: str | None = None
    confirmed: bool = False  # id and title come from the store's answer: no lookup needed
    choices: tuple[tuple[int, str], ...] = ()  # titles the words match equally well


@dataclass(frozen=True)
class CustomerRef:
    customer_id: int | None = None
    name: str | None = None
    query: str | None = None  # what to look up: a name, an email or an id
    confirmed: bool = False  # id and name come from the store's answer: no lookup needed
    choices: tuple[tuple[int, str], ...] = ()


def id_given(ref: CustomerRef) -> int | None:
    """The customer's id, when the store said it or the clerk typed it ("customer 148")."""
    if ref.customer_id is not None and (ref.confirmed or ref.query == str(ref.customer_id)):
        return ref.customer_id
    return None


@dataclass(frozen=True)
class Intent:
    kind: str  # STORE_KINDS, or help, greeting, thanks, cancel, general, unknown
    film: FilmRef | None = None
    customer: CustomerRef | None = None
    rental_id: int | None = None
    read: Any = None  # for kind "read": the offline.engine.Read to make
    understood: tuple[tuple[str, str], ...] = ()  # what was understood: ("the film", "X")
    ask: str | None = None  # a slot the request needs and lacks: film, customer, rental


@dataclass(frozen=True)
class Listing:
    kind: str  # films, customers or rentals
    items: tuple[dict, ...]


@dataclass(frozen=True)
class Pending:
    """The question the assistant asked: which one (options), or what is missing."""

    intent: Intent
    slot: str  # film, customer or rental
    options: tuple[dict, ...] = ()


@dataclass(frozen=True)
class DialogueState:
    film: dict | None = None  # the store's brief of the film last discussed
    customer: dict | None = None
    rental: dict | None = None
    listing: Listing | None = None
    last: Intent | None = None  # the last store request
    pending: Pending | None = None



# --- references: from mentions and state to a film or customer -------------------------


def film_named(m: Mentions, lexicon: Lexicon) -> FilmRef | None:
    if m.films:
        best = m.films[0]
        ties = [f for f in m.films if f.score == best.score and _overlap(f, best)]
        if len(ties) > 1:
            return FilmRef(choices=tuple((f.entry.id, f.entry.name) for f in ties))
        return FilmRef(best.entry.id, best.entry.name)
    if m.film_ids:
        known = lexicon.film(m.film_ids[0])
        return FilmRef(m.film_ids[0], known.name if known else None)
    return None


def customer_named(m: Mentions, lexicon: Lexicon) -> CustomerRef | None:
    if m.emails:
        known = lexicon.customer_by_email(m.emails[0])
        return CustomerRef(known.id if known else None, known.name if known else None,
                           query=m.emails[0])
    if m.customer_ids:
        known = lexicon.customer(m.customer_ids[0])
        return CustomerRef(m.customer_ids[0], known.name if known else None,
                           query=str(m.customer_ids[0]))
    if m.customers:
        best = m.customers[0]
        ties = [c for c in m.customers if c.score == best.score and _overlap(c, best)]
        if len(ties) > 1:
            return CustomerRef(choices=tuple((c.entry.id, c.entry.name) for c in ties))
        return CustomerRef(best.entry.id, best.entry.name, query=best.entry.name)
    if m.name_query:
        return CustomerRef(query=m.name_query)
    return None


def _overlap(a: Found, b: Found) -> bool:
    return bool(set(a.positions) & set(b.positions))


def film_of_state(state: DialogueState) -> FilmRef | None:
    film = state.film
    return FilmRef(film["film_id"], film.get("title"), confirmed=True) if film else None


def customer_of_state(state: DialogueState) -> CustomerRef | None:
    c = state.customer
    return CustomerRef(c["customer_id"], c.get("name"), confirmed=True) if c else None


def says_film_pronoun(m: Mentions) -> bool:
    return m.has_any(t.FILM_PRONOUNS) or any(
        m.phrase(d, f) for d in ("the", "that", "this", "same") for f in ("film", "movie", "dvd")
    )


def says_customer_pronoun(m: Mentions) -> bool:
    return m.has_any(t.CUSTOMER_PRONOUNS) or any(
        m.phrase(d, "customer") for d in ("the", "that", "this", "same")
    )


def listed_item(m: Mentions, state: DialogueState) -> tuple[str, dict] | None:
    """The item of the last list that "the second one" points at."""
    if m.ordinal is None or state.listing is None or not state.listing.items:
        return None
    items = state.listing.items
    index = len(items) - 1 if m.ordinal == -1 else m.ordinal - 1
    return (state.listing.kind, items[index]) if 0 <= index < len(items) else None


def film_of_item(kind: str, item: dict) -> FilmRef | None:
    if kind in ("films", "rentals") and item.get("film_id"):
        return FilmRef(item["film_id"], item.get("title"), confirmed=True)
    return None


def customer_of_item(kind: str, item: dict) -> CustomerRef | None:
    if kind == "customers":
        return CustomerRef(item["customer_id"], item.get("name"), confirmed=True)
    if kind == "rentals" and item.get("customer_id"):
        return CustomerRef(item["customer_id"], item.get("customer"), confirmed=True)
    return None


def film_by_words(words: list[str]) -> FilmRef | None:
    words = [w for w in words if w]
    return FilmRef(title=" ".join(words).upper()) if words else None


FILLER = (t.STOP - {"show", "find", "list", "tell", "look", "see", "get", "give", "know", "want",
                     "need", "check", "bring", "take", "pull", "brought", "took", "gave", "good",
                     "best", "new", "out", "back", "all", "ever"}) | {"?", "#", "@"}


def entity_only(m: Mentions, filler=FILLER) -> bool:
    """Nothing but names, ids and filler words: "Mary Smith", "and at store 1?"."""
    return all(w in filler or w in m.loose or w.isdigit() for w in m.free())
