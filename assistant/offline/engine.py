"""Reads, driven by the functions' own declarations.

A message is read into values (a film, a customer, an actor, a category, ratings, a range
of money, minutes or years, an order, a store, a page, ...; offline.mentions). Each value
fits the parameters it can fill, judged from the parameter's name and type alone: a range
of money fills `min_*`/`max_*` parameters whose name says rate, price or cost; an order
fills an enum parameter with a matching value and `descending`; a customer fills
`customer_id` (looked up first through `find_customer` when only a name is known) or the
query of `find_customer`; a store fills the integer parameter that names a store; a yes/no
parameter `streaming_only` is set when the clerk says streaming. The function chosen is the
one whose parameters take the most of what was said and whose name and description share
the most of the clerk's other words; whatever it cannot take is named in the answer.

A bare id ("#11") fills the id parameter the chosen function requires (a rental's, or the
customer's). A "how many" weighs what it counts ("how many active customers": not a function
of rentals), and everyday verbs of takings ("how much did we take last month", "what came in on
July 20th") ask for revenue. A first name said alone is a customer's when the words ask what
the functions of one customer answer ("Deborah's balance"); money a customer handed over
("given us", "forked out", "spent with us") asks for their payments; money said of returning
late ("a buck a day") and suppositions about returning ("what if they never bring it back?")
ask for the fee rule; a period said with a ranking ("most rented films last month") is only
answered by a function that takes the period.

Adding a read function therefore needs no change here, as long as its parameters are named
the way the store names things.
"""

from dataclasses import dataclass, field, replace
from typing import Any

from assistant.offline import quantities as q
from assistant.offline import text as t
from assistant.offline.declarations import Tool, stem
from assistant.offline.dialogue import (
    CustomerRef,
    DialogueState,
    customer_named,
    customer_of_item,
    customer_of_state,
    film_by_words,
    film_named,
    film_of_item,
    film_of_state,
    listed_item,
    says_customer_pronoun,
    says_film_pronoun,
)
from assistant.offline.lexicon import Lexicon
from assistant.offline.mentions import Mentions

# Clerks' words for what the declarations say: each maps to stems used in names and
# descriptions of functions and parameters.
SYNONYMS = {
    "late": ("overdue",), "overdu": ("overdue",), "due": ("overdue",),
    "out": ("active", "open"), "current": ("open",), "currently": ("open",),
    "now": ("open",), "moment": ("open",), "rent": ("rental",),
    "renting": ("rental", "open", "active"),
    "borrow": ("rental", "open"), "unreturned": ("active", "open"), "outstand": ("active",),
    "cast": ("actor",), "star": ("actor",), "starr": ("actor",),
    "shelf": ("stock", "shelf"), "available": ("stock", "shelf"), "availability": ("stock",),
    "copy": ("copi", "stock"), "copi": ("copi", "stock"), "carry": ("stock",),
    "inventory": ("stock",), "instock": ("stock",),
    "movie": ("film",), "movies": ("film",), "movy": ("film",), "dvd": ("film",),
    "titles": ("film",), "titl": ("film",),
    "flick": ("film",), "picture": ("film",),
    "client": ("customer",), "member": ("customer",), "account": ("customer",),
    "history": ("history",), "ever": ("history",), "past": ("history",),
    "info": ("detail", "everyth"), "information": ("detail", "everyth"),
    "tell": ("detail", "everyth"), "describe": ("detail", "description"),
    "plot": ("description",), "synopsi": ("description", "summary"),
    "price": ("rate",), "cost": ("rate",), "much": ("rate",), "long": ("length",),
    "runtime": ("length",), "recommend": ("recommend",), "suggest": ("recommend",),
    "suggestion": ("recommend",), "worth": ("recommend",), "good": ("recommend",),
    "stream": ("stream",), "online": ("stream",), "look": ("find",), "lookup": ("find",),
    "search": ("find", "search"), "who's": ("actor",), "feature": ("feature",),
    "about": ("description",), "charge": ("fee",), "charges": ("fee",), "policy": ("rule",),
    "paid": ("payment",), "pay": ("payment",), "spent": ("payment",),
    "money": ("revenue",), "sales": ("revenue",), "income": ("revenue",), "earn": ("revenue",),
    "earned": ("revenue",), "made": ("revenue",), "takings": ("revenue",), "best": ("top",),
    "genre": ("category",), "number": ("count",), "total": ("count",), "rank": ("top",),
    "ranking": ("top",), "popular": ("top",), "daily": ("day",), "weekly": ("week",),
    "monthly": ("month",), "make": ("revenue",), "makes": ("revenue",),
    "gross": ("revenue",), "grossed": ("revenue",),
    "earnings": ("revenue",), "turnover": ("revenue",), "cash": ("revenue",),
    "spender": ("customer", "revenue"), "spenders": ("customer", "revenue"),
    "biggest": ("top",), "per": ("count",), "each": ("count",),
    "owe": ("balance", "overdue"), "owes": ("balance", "overdue"), "owing": ("balance",),
}

# Words too common in requests to say which function is meant.
_NOT_CUES = frozenset({
    "a", "an", "the", "of", "to", "in", "on", "at", "is", "are", "was", "were", "be", "been",
    "what", "whats", "which", "i", "me", "my", "we", "us", "our", "you", "your", "do", "does",
    "did", "can", "could", "would", "will", "should", "please", "it", "its", "this", "that",
    "these", "those", "and", "or", "for", "with", "there", "any", "some", "show", "list",
    "give", "get", "have", "has", "got", "tell", "know", "want", "need", "see", "let", "lets",
    "?", "#", "@",
})


# A stem, and how much it counts: the clerk's own word more than what it may stand for
# ("late" may mean overdue, or a late fee).
Cues = dict[str, float]


@dataclass(frozen=True)
class Value:
    """Something the clerk said that a parameter may take."""

    kind: str
    value: Any
    text: str  # in the clerk's words, to name it if nothing can use it
    strong: bool = True  # False: read from loose words, it counts less
    guess: bool = False  # a name the store doesn't know, in a request about the store


@dataclass(frozen=True)
class Read:
    """A call to a read function: its arguments, and what of the request it leaves out."""

    tool: str
    args: dict = field(default_factory=dict)
    film: bool = False  # the film of the intent goes into title / film_id
    customer: str | None = None  # the parameter the intent's customer goes into
    unused: tuple[str, ...] = ()  # the clerk's words no parameter could take
    focus: tuple[str, ...] = ()  # cue words, to put the field asked about first
    asked: bool = False  # the clerk's words name what the function does ("overdue")
    missing: tuple[str, ...] = ()  # required parameters nothing said fills: asked back
    question: str = ""  # the question back for what is missing


# --- reading values ---------------------------------------------------------------------


def values_of(m: Mentions, state: DialogueState, lexicon: Lexicon,
              vocabulary: frozenset[str] = frozenset(),
              about_one_customer: frozenset[str] = frozenset()) -> list[Value]:
    """What the message says that parameters may take, with references resolved.
    `vocabulary`: the functions' own words, which are never taken for a name;
    `about_one_customer`: the words of what the functions of one customer answer ("balance",
    "payment"), which make a first name said on its own a customer's ("Deborah's balance")."""
    values: list[Value] = []
    film = film_named(m, lexicon)
    customer = customer_named(m, lexicon)
    listed = listed_item(m, state)
    if listed and listed[0] == "rentals" and not (film or customer):
        if m.has_any(t.FILM_WORDS | t.STOCK_WORDS | t.DETAIL_WORDS) or m.has(
                "tell", "about", "describe", "info", "information"):
            film = film_of_item(*listed)  # "tell me about the first one": its film
        else:
            values.append(Value("rental", listed[1]["rental_id"], "that rental"))
    elif listed and film is None and listed[0] == "films":
        film = film_of_item(*listed)
    elif listed and customer is None and listed[0] == "customers":
        customer = customer_of_item(*listed)
    if film is None and says_film_pronoun(m) and state.film:
        film = film_of_state(state)
    if customer is None and _says_person(m, state):
        customer = customer_of_state(state)
        if customer is None and not (m.rental_ids or listed and listed[0] == "rentals"):
            customer = CustomerRef()  # none yet: ask which (with a rental: its customer)
    if film is not None:
        values.append(Value("film", film, film.title or f"film {film.film_id}"))
    elif m.title_words and _about_films(m):
        phrase = _name_phrase(m) if _asks_for_a_film(m) else []
        if phrase and [w for w in phrase if w not in ("of", "and")] != m.title_words:
            name = " ".join(phrase)  # "do you have the godfather?": not GODFATHER DIARY
            values.append(Value("unknown_film", name.upper(), name))
        else:
            ref = film_by_words(m.title_words)
            values.append(Value("film", ref, ref.title, strong=False))
    if customer is not None:
        values.append(Value("customer", customer, customer.name or customer.query or "them"))
    elif (names := [w for w in m.name_words if not _function_word(w, vocabulary)]) and (
            _about_customers(m) or _only_names(m) or m.possessive & m.loose
            or cue_stems(m).keys() & about_one_customer):  # "per day late": not COURTNEY DAY
        words = " ".join(names)
        values.append(Value("customer", CustomerRef(query=words), words, strong=False))
    for actor in m.actors[:1]:
        values.append(Value("actor", actor.entry.name, actor.entry.name))
    if m.category:
        values.append(Value("category", m.category, m.category))
    if m.ratings:
        values.append(Value("ratings", list(m.ratings), " or ".join(m.ratings)))
    if m.language:
        values.append(Value("language", m.language, m.language))
    if m.feature:
        values.append(Value("feature", m.feature, m.feature))
    for bound in m.bounds:
        values.append(Value("bound", bound, bound.text))
    if m.order:
        values.append(Value("order", m.order, m.order.text))
    if m.topic:
        values.append(Value("topic", m.topic, f"about {m.topic}", strong=_film_context(m)))
    if m.title_query:
        values.append(Value("title_words", m.title_query, f"'{m.title_query}' in the title"))
    if m.store_id is not None:
        values.append(Value("store", m.store_id, f"store {m.store_id}"))
    for rental_id in m.rental_ids[:1]:
        values.append(Value("rental", rental_id, f"rental {rental_id}"))
    if m.bare_ids and not (customer or film or m.rental_ids or listed):
        values.append(Value("id", m.bare_ids[0], f"#{m.bare_ids[0]}"))
    if m.limit:
        values.append(Value("limit", m.limit, str(m.limit), strong=False))
    if m.page:
        values.append(Value("page", m.page, f"page {m.page}"))
    if m.period:  # weak: "today" in "can they grab it today?" is no request for figures;
        # strong with a ranking by rentals or money ("most rented films last month"): only a
        # function that takes the period answers it (all of time, any function answers)
        ranking = m.order is not None and m.order.quantity in (q.POPULARITY, q.REVENUE)
        values.append(Value("period", m.period, m.period,
                            strong=ranking and m.period != "all time"))
    if not values and not (m.name_words or m.title_words):
        values.extend(_unknown_name(m, vocabulary))
    return values


def _says_person(m: Mentions, state: DialogueState) -> bool:
    """ "she", "him", "the customer"; "them" only when the last list was not of films."""
    if m.has("her", "him", "she", "he", "his", "hers") or m.phrase("the", "customer"):
        return True
    listing = state.listing.kind if state.listing else None
    return says_customer_pronoun(m) and listing != "films" and state.customer is not None


def _about_films(m: Mentions) -> bool:
    return not m.name_words or m.has_any(t.FILM_WORDS | t.STOCK_WORDS | t.DETAIL_WORDS)


def _about_customers(m: Mentions) -> bool:
    return m.has_any(t.CUSTOMER_WORDS | t.RENTING_WORDS | t.OVERDUE_WORDS | t.RENTAL_WORDS
                     | t.OPEN_WORDS)


def _only_names(m: Mentions) -> bool:
    """Nothing but a person's names and filler: "willie", "look up Prescott", "who is
    Willie?" (not "how's your day going", nor "who was the first guy on the moon")."""
    if m.first_word(everything=True) in ("how", "when", "where", "why", "what", "whats"):
        return False
    names = set(m.name_words)
    return all(w in t.STOP or w in names or w in ("?", "find", "look", "lookup", "up")
               for w in m.free())


def _film_context(m: Mentions) -> bool:
    """A topic is what a film is about only when films are what is asked for ("films about a
    mad scientist"), not in "write a haiku about rainy days"."""
    if m.has_any(t.GENERAL_MARKERS) and not m.has_any(t.FILM_WORDS):
        return False
    if m.topic_cue:
        return m.has_any(t.FILM_WORDS | t.RENT_VERBS | t.STOCK_WORDS) or m.has(
            "something", "anything", "stuff", "show", "find", "list", "any", "got", "have")
    return m.first_word() not in ("who", "when", "where", "why", "how", "write", "compose")


# Words of a request around a name the store doesn't know: "do we have <title> in stock?"
_REQUEST_WORDS = (t.CUSTOMER_WORDS | t.RENT_VERBS | t.RENTING_WORDS | t.STOCK_WORDS
                  | t.FILM_WORDS | t.OVERDUE_WORDS | t.RENTAL_WORDS | t.STORE_WORDS | {
    "do", "does", "did", "we", "you", "i", "they", "he", "she", "have", "has", "got", "is",
    "are", "any", "can", "could", "asking", "asked", "wants", "want", "looking", "for", "it",
    "in", "on", "there", "please", "still", "find", "look", "lookup", "search", "show", "whats",
    "what", "who", "where", "up", "?", "out", "right", "now", "renting", "of", "our", "us",
})


def _asks_for_a_film(m: Mentions) -> bool:
    return m.has_any(t.STOCK_WORDS | t.RENT_VERBS | {"have", "got"}) and \
        m.first_word() not in ("how", "why", "when", "where") and not _counts_films(m)


def _counts_films(m: Mentions) -> bool:
    """A count of films in general ("the total number of films we have on file", "how many
    movies do we have"): no one title is asked for."""
    free = m.free()
    for i, word in enumerate(free[:-1]):
        if word in ("many", "of") and i > 0 and free[i - 1] in ("how", "number", "count",
                                                                 "total"):
            later = [w for w in free[i + 1:i + 3] if w not in t.STOP]
            return bool(later) and later[0] in t.FILM_WORDS
    return False


def _function_word(word: str, vocabulary: frozenset[str]) -> bool:
    """One of the functions' own words, or a clerk's word for one ("charge", "owe")."""
    return bool({word, stem(word)} & vocabulary) or word in SYNONYMS or stem(word) in SYNONYMS


def _name_phrase(m: Mentions, vocabulary: frozenset[str] = frozenset()) -> list[str]:
    """The words of a name among the words of a request: "do we have back to the future"."""
    free = m.free()
    spots = [i for i, w in enumerate(free) if w not in t.COMMON and w.isalpha()
             and not _function_word(w, vocabulary) or w in m.loose]
    if not spots:
        return []
    first, last = spots[0], spots[-1]
    while first > 0 and free[first - 1] not in _REQUEST_WORDS:
        first -= 1
    while last + 1 < len(free) and free[last + 1] not in _REQUEST_WORDS:
        last += 1
    words = free[first:last + 1]
    while words and words[0] in ("of", "to", "and", "a", "an"):
        words = words[1:]
    return words


def _after_article(m: Mentions, word: str) -> bool:
    """The word comes after an article or a quantifier ("a cap", "the limit", "any cap"),
    as a person's name never does."""
    return any(m.words[i - 1] in ("a", "an", "the", "any", "some", "no", "every", "each")
               for i, w in enumerate(m.words) if w == word and i > 0)


def _unknown_name(m: Mentions, vocabulary: frozenset[str]) -> list[Value]:
    """A name the store doesn't know, in a request about customers or films: the lookup
    then says that no one matches ("what is Zebulon Quux renting?"), or that the store
    doesn't carry the film and which titles are closest ("do you have The Godfather?")."""
    words = _name_phrase(m, vocabulary)
    name = " ".join(words)
    if words and _after_article(m, words[0]):
        return []  # "is there a cap on late charges?": a thing, not a person's name
    # A person's name has none of the functions' own words ("how do late fees work?"), and a
    # guess counts less than what a function's own words point at.
    plain = not any(_function_word(w, vocabulary) for w in words)
    if _about_customers(m) and 1 <= len(words) <= 3 and plain and not m.has_any(
            t.FILM_WORDS | t.STOCK_WORDS):
        return [Value("customer", CustomerRef(query=name), name, strong=False, guess=True)]
    if words and _asks_for_a_film(m):
        return [Value("unknown_film", name.upper(), name, strong=False, guess=True)]
    return []


# --- what a value fills ---------------------------------------------------------------------


def _quantity(param_words: tuple[str, ...]) -> str | None:
    return next((q.QUANTITY_OF_WORD[w] for w in param_words if w in q.QUANTITY_OF_WORD), None)


def fill(tool: Tool, value: Value) -> dict | None:
    """The arguments this value gives this function, or None if it has no place for it."""
    params = {p.name: p for p in tool.params}
    kind, v = value.kind, value.value
    if kind == "film":
        if tool.noun == "film" and tool.required:  # a lookup: for a film not yet identified
            return {tool.required[0].name: v.title} if v.title and not v.film_id else None
        if "title" in params or "film_id" in params:
            return {"__film__": True}
        return None
    if kind == "unknown_film":
        return {tool.required[0].name: v} if tool.noun == "film" and tool.required else None
    if kind == "customer":
        if tool.noun == "customer" and tool.required:  # the query of a lookup
            return {"__customer__": tool.required[0].name}
        return {"__customer__": "customer_id"} if "customer_id" in params else None
    if kind == "actor":
        if tool.noun == "actor" and tool.required:
            return {tool.required[0].name: v}
        return {"actor": v} if "actor" in params else None
    if kind in ("category", "language"):
        return {kind: v} if kind in params else None
    if kind == "feature":
        name = next((p for p in params if "feature" in p), None)
        return {name: v} if name else None
    if kind == "ratings":
        if "ratings" in params:
            return {"ratings": v}
        return {"rating": v[0]} if "rating" in params and len(v) == 1 else None
    if kind == "bound":
        return _bound_args(tool, v)
    if kind == "order":
        return _order_args(tool, v)
    if kind == "topic":
        return {"about": v} if "about" in params else None
    if kind == "title_words":
        name = next((p for p in params if p.startswith("title_")), None)
        return {name: v} if name else None
    if kind == "store":
        name = next((p.name for p in tool.params if "store" in p.words and p.type == "integer"),
                    None)
        return {name: v} if name else None
    if kind == "id":  # "#11": the id the function is about, whatever it names
        if "rental_id" in params and params["rental_id"].required:
            return {"rental_id": v}
        return {"__customer__": "customer_id"} if "customer_id" in params and not tool.noun \
            else None
    if kind in ("rental", "page"):
        return {f"{kind}_id" if kind == "rental" else kind: v} if (
            (f"{kind}_id" if kind == "rental" else kind) in params) else None
    if kind == "period":
        return {"period": v} if "period" in params else None
    if kind == "limit":
        name = next((p for p in ("page_size", "limit") if p in params), None)
        return {name: v} if name else None
    return None


def as_customer(value: Value) -> Value:
    """An id that went into `customer_id` ("#11"): the customer with that id."""
    if value.kind != "id":
        return value
    return Value("customer", CustomerRef(value.value, query=str(value.value)), value.text,
                 value.strong)


def _bound_args(tool: Tool, bound: q.Bound) -> dict | None:
    if bound.quantity == q.YEAR and bound.low == bound.high and tool.param("period") and not any(
            "year" in p.words for p in tool.params):
        return {"period": str(bound.low)}  # "revenue in 2022": a period
    args = {}
    for end, value in (("min", bound.low), ("max", bound.high)):
        if value is None:
            continue
        name = next((p.name for p in tool.params if p.words[0] == end
                     and _quantity(p.words[1:]) == bound.quantity), None)
        if name is None:
            return None
        args[name] = float(value) if bound.quantity == q.MONEY else int(value)
    return args


def _order_args(tool: Tool, order: q.Order) -> dict | None:
    for p in tool.params:
        choice = next((e for e in p.enum if order.quantity in (q.QUANTITY_OF_WORD.get(e), e)),
                      None)
        if choice is not None:
            args = {p.name: choice}
            if tool.param("descending"):
                args["descending"] = order.descending
            return args
    return None


def flags(tool: Tool, cues: Cues) -> dict:
    """Yes/no parameters ("streaming_only") the clerk's words switch on."""
    args = {}
    for p in tool.params:
        if p.type != "boolean" or p.name == "descending":
            continue
        key = {stem(w) for w in p.words if w != "only"}
        if key & cues.keys():
            args[p.name] = True
    return args


def choices(tool: Tool, cues: Cues, args: dict) -> dict:
    """Enum parameters named by the clerk's words ("which category rents most": categories;
    of several, the first said: "which actors' films rent most": actors). Sort keys are left
    to orders ("the longest"), and lists to their own values (ratings)."""
    chosen = {}
    for p in tool.params:
        if not p.enum or p.type == "array" or p.name in args or all(
                e in q.QUANTITY_OF_WORD for e in p.enum):
            continue
        named = sorted((cues[stem(e)], e) for e in p.enum if stem(e) in cues)
        if named:
            chosen[p.name] = named[-1][1]
    return chosen


def cue_stems(m: Mentions) -> Cues:
    """The clerk's words that are not values, as stems, with what they stand for."""
    found: Cues = {}
    free = m.free()
    for position, word in enumerate(free):
        if word == "about" and position > 0 and free[position - 1] in ("what", "how"):
            continue  # "what about store 2?": the request before, changed
        if word in t.PAID_PARTICLES and position > 0 and free[position - 1] in t.PAID_VERBS:
            continue  # "forked out", "coughed up": the verb says it, not "out" (rentals out)
        if word in t.FEE_WORDS:
            found["fee"] = 1.0  # "fines", "charges", "penalty": a fee
        if _film_terms(free, position):
            found["rate"] = max(found.get("rate", 0), 1.0)  # what a film rents for
            continue
        if word in t.OVERDUE_WORDS and free[position + 1:position + 2] and \
                free[position + 1] in t.FEE_WORDS:
            found["late"] = max(found.get("late", 0), 1.0)  # "overdue fines": late fees,
            continue  # not overdue rentals
        if word == "late" and not set(free) & _MONEY_OR_RETURNED:
            found["overdue"] = max(found.get("overdue", 0), 1.0)  # "late on anything?":
            continue  # rentals overdue, where nothing says money or a return
        s = stem(word)
        for meant in SYNONYMS.get(word, ()) + SYNONYMS.get(s, ()):
            found.setdefault(meant, 0.6)
        if word not in _NOT_CUES and word.isalpha() and found.get(s, 0) < 1.0:
            found[s] = 1.0 + 0.001 * (len(free) - position)  # said first: a hair more
    if m.phrase("who", "is", "in") or m.phrase("who", "in") or m.phrase("whos", "in"):
        found["actor"] = 1.0
    if m.phrase("how", "many") or _says_number_of(free):
        found[ASKS_COUNT] = 0.0  # what kind of figure is asked, for the answer to lead with
        found["count"] = 1.0  # "number of customers at store 2", "# of rentals out"
        for part in ("number", stem("total")):  # "the total number of": part of the count
            found.pop(part, None)
        counted = _counted(free)
        if counted:
            found[COUNTED + counted] = 0.0
    if _compares_stores(m, free):
        for word in ("more", "most", "fewer", "less", "least", "number"):
            found.pop(word, None)  # which store has more (the numbers): a count per store
        found["count"], found["each"] = 1.0, 1.0
    if m.phrase("how", "much"):
        found[ASKS_AMOUNT] = 0.0
    if _says_money_taken(m, free):
        found["revenue"] = 1.0  # "how much did we take last month", "what did we bring in"
    if _says_paid(m, free):
        found["payment"] = 1.0  # "how much has she given us", "what has he forked out"
        if ASKS_COUNT not in found:
            found[ASKS_AMOUNT] = 0.0  # what was handed over: an amount
    if m.ordinal == -1 or m.has("latest", "newest", "recent"):
        found.setdefault("latest", 0.0)  # "when did she last pay?": the newest of a list
    if m.fees:
        found["fee"] = 1.0  # "a buck a day": the late fee
        found.setdefault("late", 0.6)
    if _supposes_a_return(m, free):
        found["rule"] = 1.0  # "what if someone never returns it?": the rule, not a record
    if m.order and m.order.quantity in (q.REVENUE, q.POPULARITY) and "who" in free:
        found.setdefault("customer", 0.6)  # "who spent the most": a person, a customer
    return found


# Words that make "late" a late fee or a late return rather than rentals overdue now.
_MONEY_OR_RETURNED = t.FEE_WORDS | {"much", "owe", "owes", "owed", "owing", "pay", "paid",
                                   "money", "cost", "costs", "balance", "returned", "return",
                                   "returns", "brought", "back", "rule", "policy"}


def _film_terms(free: list[str], position: int) -> bool:
    """"Rental rate", "rental price", "what do they rent for": what a film rents for, a term
    of the film, not rentals made ("rental rate of films from 2006" is no ranking of 2006's
    rentals)."""
    word, after = free[position], free[position + 1:position + 2]
    return (word == "rental" and after in (["rate"], ["rates"], ["price"], ["prices"])) or (
        word == "rent" and after == ["for"] and "how" not in free[:position])


COUNTED = "counted:"  # a cue naming what a "how many" counts: "counted:customer"
ASKS_COUNT, ASKS_AMOUNT = "asks:count", "asks:amount"  # "how many", "how much" (weightless)
# What can be counted, by the function names' stems: customers, or rentals (a film, a DVD or
# a copy counted is one out, one rented).
_COUNTED_KINDS = {"customer": "customer", "rental": "rental", "film": "rental"}


def _counted(free: list[str]) -> str | None:
    """What a "how many" counts: the first thing named after it ("how many active customers
    at store 1": customers)."""
    for i, word in enumerate(free):
        if word in ("many", "of") and i > 0 and free[i - 1] in ("how", "number", "count",
                                                                 "total"):
            for later in free[i + 1:i + 4]:
                if later in t.CUSTOMER_WORDS:
                    return "customer"
                if later in t.RENTAL_WORDS | t.FILM_WORDS | t.RENTING_WORDS | {"copies",
                                                                               "copy"}:
                    return "rental"
            return None
    return None


_MONEY_VERBS = frozenset({
    "take", "took", "taken", "taking", "make", "made", "making", "earn", "earned", "earning",
    "gross", "grossed", "bring", "brought", "bringing", "pull", "pulled", "rake", "raked",
    "clear", "cleared", "net", "netted", "do", "did", "sell", "sold", "bank", "banked",
    "come", "came", "coming", "comes",
})


def _says_paid(m: Mentions, free: list[str]) -> bool:
    """Money a customer handed over, in everyday verbs: "how much money has Austin given us",
    "what has she forked out", "the total he has spent with us"."""
    someone = (m.customers or m.customer_ids or m.emails or m.name_words or m.name_query
               or says_customer_pronoun(m))
    return bool(someone) and m.has_any(t.PAID_VERBS)


_KEEPING = frozenset({"keep", "keeps", "kept", "keeping", "hang", "hangs", "hanging", "hold",
                      "holds", "holding", "never", "lose", "loses", "lost"})


def _supposes_a_return(m: Mentions, free: list[str]) -> bool:
    """A supposition about returning, keeping or paying late ("what if someone never returns
    it?", "if somebody hangs on to a dvd for ages, ...?") asks for the store's rule, when no
    record (a film, a customer, a rental) is named."""
    if not m.has_any(t.SUPPOSE_WORDS) and not m.phrase("what", "happens"):
        return False
    returning = m.has_any(t.FEE_WORDS | _KEEPING | {"late", "overdue"}) or bool(m.fees) or \
        m.says_return()
    named = m.films or m.customers or m.customer_ids or m.rental_ids or m.emails
    return returning and not named


# What each store holds and its counts give: its films, copies and customers.
_HELD_BY_A_STORE = t.FILM_WORDS | t.CUSTOMER_WORDS | {"copies", "copy", "stock", "inventory"}


def _compares_stores(m: Mentions, free: list[str]) -> bool:
    """ "Which store has more copies, 1 or 2?", "what branch has the most customers": the
    stores' counts side by side (not money, nor rentals over a period: those rank stores by
    other functions)."""
    return (any(m.phrase(w, s) for w in ("which", "what") for s in t.STORE_WORDS)
            and bool({"more", "most", "fewer", "less", "least"} & set(free))
            and m.has_any(_HELD_BY_A_STORE) and m.period is None
            and not m.has_any(t.RENT_VERBS | t.RENTING_WORDS | t.RENTAL_WORDS)
            and not m.has_any({"money", "revenue", "sales", "takings", "paid", "spent"}))


def _says_number_of(free: list[str]) -> bool:
    """ "number of", "count of", "total number": how many (not "by number of rentals")."""
    for i, word in enumerate(free[:-1]):
        if word in ("number", "count", "total") and free[i + 1] == "of" and (
                i == 0 or free[i - 1] != "by"):
            return True
    return False


def _says_money_taken(m: Mentions, free: list[str]) -> bool:
    """The store's takings asked with an everyday verb: "how much did we take last month",
    "what did we bring in", "how much money did store 2 make in 2022": a verb of taking
    money, said of the store (we, us, the store) or of a period, with nobody's name."""
    if not set(free) & _MONEY_VERBS or m.customers or m.customer_ids or m.emails:
        return False
    how_much = m.phrase("how", "much") or m.has("money", "revenue", "sales", "cash")
    ours = m.has("we", "us", "our") or m.store_id is not None or m.period is not None
    verbs = [w for w in free if w in _MONEY_VERBS]
    verb = next((w for w in verbs if w not in ("do", "did")), verbs[0])
    if verb in ("do", "did"):  # "how much business did we do": only with money words
        return ours and m.has("money", "business", "sales", "revenue")
    if verb in ("bring", "brought", "bringing", "pull", "pulled", "rake", "raked") and not (
            m.has("in") or m.period is not None):
        return False  # "bring back" is a return
    if verb in ("come", "came", "coming", "comes") and not m.has("in"):
        return False  # "what came in on July 20th": takings; "came back": a return
    return ours and (how_much or m.has("what") or m.period is not None)


# --- choosing the function ----------------------------------------------------------------


@dataclass
class Choice:
    tool: Tool
    score: float
    args: dict
    used: list[Value]
    unused: list[Value]
    customer: str | None = None
    film: bool = False


def fits(tools: list[Tool], values: list[Value], cues: Cues,
         known: frozenset[str] = frozenset()) -> list[Choice]:
    """How well each read function takes the request, best first. `known`: parameters a
    request this one follows has filled already ("and by rentals?" keeps what is ranked)."""
    reads = [tool for tool in tools if not tool.writes]
    spread = {c: sum(1 for tool in reads if c in tool.name_stems | tool.text_stems)
              for c in cues}
    ranked = [(_fit(tool, values, cues, spread, known), position)
              for position, tool in enumerate(reads)]
    # A tie: the lookup of the thing said ("customer 500": who that is), then the function
    # the request is about (its required parameters said: "rentals of customer 148" is that
    # customer's rentals), then the simplest; but a figure asked ("how much has she given
    # us?") is never what a lookup answers.
    figure = ASKS_AMOUNT in cues or ASKS_COUNT in cues
    ranked.sort(key=lambda cp: (-cp[0].score, bool(cp[0].tool.noun) == figure,
                                -_required_said(cp[0]), len(cp[0].tool.params), cp[1]))
    return [choice for choice, _ in ranked]


def _required_said(choice: Choice) -> int:
    said = set(choice.args) | {choice.customer}
    return sum(1 for p in choice.tool.required if p.name in said)


def choose(tools: list[Tool], values: list[Value], cues: Cues) -> Choice | None:
    """The read function that takes the most of the request, and its arguments."""
    ranked = fits(tools, values, cues)
    return ranked[0] if ranked else None


def _fit(tool: Tool, values: list[Value], cues: Cues, spread: dict,
         known: frozenset[str] = frozenset()) -> Choice:
    args, used, unused, customer, film = {}, [], [], None, False
    required = {p.name for p in tool.required}
    score = 0.0
    for value in values:
        given = fill(tool, value)
        if given is None:
            unused.append(value)
            continue
        film = film or given.pop("__film__", False)
        customer = given.pop("__customer__", None) or customer
        used.append(as_customer(value) if value.kind == "id" and customer else value)
        args.update(given)
        if required & (set(given) | {customer}) and not tool.noun and _asked_for(tool, cues):
            score += 1.5  # what the function is about, not one of its optional filters
    switched = flags(tool, cues)
    chosen = choices(tool, cues, args)
    args.update(switched | chosen)
    score += len(switched) + (0.5 * len(chosen) if _asked_beyond(tool, cues, chosen) else 0)
    # All of time restricts nothing: a function without a period answers for all of time too
    # ("the most rented film overall"), so it counts neither for nor against a function.
    used_, unused_ = ([v for v in vs if not _all_time(v)] for vs in (used, unused))
    score += sum(3.0 if v.strong else 1.0 for v in used_)
    score -= sum(4.0 if v.strong else 0.5 for v in unused_)
    for c, weight in cues.items():
        if spread.get(c):
            if c in tool.name_stems:
                score += weight * 2.0 / spread[c]
            elif c in tool.text_stems:
                score += weight * 1.0 / spread[c]
    filled = set(args) | set(known) | ({customer} if customer else set()) | (
        {"title", "film_id"} if film else set())
    missing = [p for p in tool.required if p.name not in filled]
    score -= 6.0 * len(missing)
    counted = next((c.removeprefix(COUNTED) for c in cues if c.startswith(COUNTED)), None)
    named = {_COUNTED_KINDS[s] for s in tool.name_stems if s in _COUNTED_KINDS}
    if counted and named and counted not in named:
        score -= 3.0  # "how many (active) customers": no function of rentals or films
    if ASKS_COUNT in cues and "rank" in tool.name_stems and "top" not in cues and not any(
            v.kind == "order" for v in used):
        score -= 3.0  # "how many films were rented last month": a count, not a ranking
    if tool.noun and not tool.required:
        score -= 1.0
    return Choice(tool, score, args, used, unused, customer, film)


_ENTITY_STEMS = {"customer", "film", "actor", "rental", "store"}


def _all_time(value: Value) -> bool:
    return value.kind == "period" and value.value == "all time"


def _asked_beyond(tool: Tool, cues: Cues, chosen: dict) -> bool:
    """Asked for, by words other than the options chosen: "films" picks what a ranking
    ranks, but doesn't ask for a ranking ("films from 2006")."""
    options = {stem(v) for v in chosen.values()}
    return _asked_for(tool, {c: w for c, w in cues.items() if c not in options})


def _asked_for(tool: Tool, cues: Cues) -> bool:
    """The clerk's words name what the function does, beyond the thing it is about."""
    return bool((cues.keys() - _ENTITY_STEMS) & (tool.name_stems | tool.text_stems))


_KIND_WORDS = {"film": "the film", "unknown_film": "the title", "customer": "the customer",
               "actor": "the actor", "category": "the category", "ratings": "rated",
               "bound": "", "order": "", "store": "", "rental": "", "topic": "films"}


def understood(values: list[Value]) -> tuple[tuple[str, str], ...]:
    """What was understood, in words: (("the film", "ALIEN CENTER"), ...)."""
    return tuple((_KIND_WORDS.get(v.kind, ""), v.text) for v in values if v.text)


def unanswered(tools: list[Tool], choice: Choice, m: Mentions) -> set[str]:
    """The clerk's own words (not what they may stand for) that name what another function
    does, not this one: "who rented ALIEN CENTER?" names rentals; a film's details don't
    answer it."""
    said = {stem(w) for w in m.free() if w not in _NOT_CUES and w.isalpha()}
    named = {s for tool in tools if not tool.writes for s in tool.name_stems}
    own = choice.tool.name_stems | choice.tool.text_stems
    return (said & named) - own - _ENTITY_STEMS - {"find", "search"}


def vocabulary(tools: list[Tool]) -> frozenset[str]:
    return frozenset(s for tool in tools for s in tool.name_stems | tool.text_stems)


def about_one_customer(tools: list[Tool]) -> frozenset[str]:
    """What the read functions that require a customer's id are named for ("balance",
    "payment"), beyond the things they are about."""
    return frozenset(s for tool in tools if not tool.writes and tool.param("customer_id")
                     and tool.param("customer_id").required for s in tool.name_stems
                     ) - _ENTITY_STEMS


def plan_read(m: Mentions, state: DialogueState, lexicon: Lexicon,
              tools: list[Tool]) -> tuple[Read | None, list[Value]] | None:
    """The read this message asks for and the values it uses; None when it asks for none of
    the functions; (None, values) when it asks what none of them answers."""
    values = values_of(m, state, lexicon, vocabulary(tools), about_one_customer(tools))
    cues = cue_stems(m)
    choice = choose(tools, values, cues)
    if choice is None:
        return None
    # A match this weak is no request for it. Each word's weight is shared by the functions
    # that have it (15 say "store"), so the bar sits below half a word's.
    if not any(v.strong for v in choice.used) and choice.score < 0.45:
        return None
    chosen = choices(choice.tool, cues, {})
    if not choice.used and not flags(choice.tool, cues) and not (
            chosen and _asked_beyond(choice.tool, cues, chosen)) and not (
            cues.keys() & choice.tool.name_stems):
        return None  # nothing said fills it, nor names it: "how's your day going?"
    focus = tuple(sorted(cues))
    asked = _asked_for(choice.tool, cues)
    if not asked and unanswered(tools, choice, m):
        return None, choice.used
    read = Read(choice.tool.name, choice.args, film=choice.film, customer=choice.customer,
                unused=tuple(v.text for v in choice.unused if v.strong), focus=focus,
                asked=asked)
    return completed(read, choice.tool), choice.used


def completed(read: Read, tool: Tool) -> Read:
    """The read with what it still lacks to be called, and the question that asks for it."""
    lacking = missing(tool, read.args, read.customer, read.film)
    question = " ".join(question_for(tool, name) for name in lacking)
    return replace(read, missing=lacking, question=question)


def missing(tool: Tool, args: dict, customer: str | None = None,
            film: bool = False) -> tuple[str, ...]:
    """The required parameters the arguments leave empty (the customer's and the film's are
    filled when the plan runs)."""
    filled = set(args) | ({customer} if customer else set()) | (
        {"title", "film_id"} if film else set())
    return tuple(p.name for p in tool.required if p.name not in filled)


def question_for(tool: Tool, name: str) -> str:
    """A question back for a required parameter nothing said fills, from its declaration:
    "What to rank: films, categories, actors or customers?"."""
    param = tool.param(name)
    what = (param.description if param and param.description else name.replace("_", " "))
    options = list(param.enum) if param else []
    if len(options) > 1:
        return f"{what.rstrip('.?')}: {', '.join(options[:-1])} or {options[-1]}?"
    return f"{what.rstrip('.?')}?"
