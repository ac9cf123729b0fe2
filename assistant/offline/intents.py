"""What the clerk wants: the rules that read a request from a message's mentions.

Writes come first and need the clerk's own words ("rent", "return" as a request, not in a
question); then rentals, films, customers; what is left is general (for the LLMAgent) or
not understood.
"""

from dataclasses import replace

from assistant.offline import text as t
from assistant.offline.dialogue import (
    WRITES,
    CustomerRef,
    DialogueState,
    Intent,
    customer_named,
    customer_of_item,
    customer_of_state,
    entity_only,
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


def classify(m: Mentions, state: DialogueState, lexicon: Lexicon) -> Intent:
    if not m.words and not m.emails:
        return Intent("help")
    small_talk = _small_talk(m)
    if small_talk:
        return Intent(small_talk)
    film = film_named(m, lexicon)
    customer = customer_named(m, lexicon)
    listed = listed_item(m, state)
    filters = dict(category=m.category, rating=m.rating, max_rate=m.max_rate,
                   limit=m.limit or 10)

    if _wants_return(m, customer):
        return _return_intent(m, state, film, customer, listed)
    if _wants_rent(m, customer):
        return _rent_intent(m, state, film, customer, listed)
    if m.rental_ids:
        return Intent("rental", rental_id=m.rental_ids[0])
    if (m.has("fee", "fees", "fine", "fines") or m.has("if") and m.has_any(t.OVERDUE_WORDS)) \
            and customer is None:
        return Intent("unsupported")  # fees are worked out on a return, for one rental
    who = customer or (customer_of_state(state) if says_customer_pronoun(m) else None)
    if who is None and listed:
        who = customer_of_item(*listed) if listed[0] == "customers" else None
    if m.has_any(t.OVERDUE_WORDS) or m.phrase("past", "due"):
        if who is not None or (m.name_words and not film):
            who = who or CustomerRef(query=" ".join(m.name_words))
            return Intent("customer_rentals", customer=who, open_only=True, overdue_only=True,
                          limit=25)
        return Intent("overdue", limit=m.limit or 10, store_id=m.store_id)
    if _asks_rentals(m):
        if who is None and m.name_words and not film:
            who = CustomerRef(query=" ".join(m.name_words))
        if who is None and not film and m.has_any(t.RENTING_WORDS | t.RENTAL_WORDS):
            who = _unknown_person(m)  # "what is Jane Doe renting?": say no one matches
        if who is not None:
            return Intent("customer_rentals", customer=who, open_only=_open_only(m),
                          limit=m.limit or 10)
        if says_customer_pronoun(m):
            return Intent("customer_rentals", ask="customer")
    if _asks_active(m) and who is None:
        return Intent("active", limit=m.limit or 10, store_id=m.store_id)
    if m.title_query:
        return Intent("titles", title_query=m.title_query, limit=25)
    if entity_only(m) and (follow := _follow_up(m, state, film, customer)):
        return follow
    if m.first_word() in ("who", "whom") and m.has_any(
        t.RENTING_WORDS | t.RENT_VERBS | t.RENTAL_WORDS | t.RETURN_WORDS | {"has", "have", "got"}
    ) and (film is not None or says_film_pronoun(m)):
        rental = state.rental
        if rental and (film is None or film.film_id == rental.get("film_id")):
            return Intent("rental", rental_id=rental["rental_id"])
        return Intent("unsupported", film=film)  # no function looks rentals up by film
    film_intent = _film_question(m, state, film, listed)
    if film_intent is not None:
        return film_intent
    if m.has_any(t.STREAM_WORDS):
        return Intent("streaming", streaming=True, **filters)
    if _asks_recommendation(m):
        if m.topic:
            return Intent("search", topic=m.topic, category=m.category, limit=m.limit or 10)
        return Intent("recommend", category=m.category, limit=m.limit or 10)
    if m.topic and _film_context(m):
        return Intent("search", topic=m.topic, category=m.category, limit=m.limit or 10)
    if (m.category or m.rating or m.max_rate is not None) and not (
        _general_topic(m) and not m.has_any(t.FILM_WORDS)  # "what does PG-13 mean?"
    ):
        return Intent("films", **filters)
    if customer is not None:
        return Intent("customer", customer=customer)
    if m.has_any(t.CUSTOMER_WORDS) and not film and (person := _unknown_person(m)):
        return Intent("customer", customer=person)  # "find customer Jane Doe": not a film
    if listed:
        return _about_item(*listed)
    if m.name_words and not m.title_words and (
        m.has_any(t.CUSTOMER_WORDS) or entity_only(m)
        or m.has("find", "look", "lookup", "search", "who") and not _general_topic(m)
    ):  # "who is the president of France?" is not a customer named FRANCES
        return Intent("customer", customer=CustomerRef(query=" ".join(m.name_words)))
    if m.has_any(t.FILM_WORDS) and _lists(m) and not _general_topic(m):
        return Intent("films", **filters)
    if m.title_words and (entity_only(m) or m.has_any(t.FILM_WORDS | t.DETAIL_WORDS)) \
            and not _general_topic(m):
        return Intent("film", film=film_by_words(m.title_words))
    if m.has_any(t.RENT_VERBS) and not _general_topic(m):
        return Intent("films", **filters)  # "what can I rent?"
    if m.has("search", "find", "look") and not _general_topic(m) and (m.title_words or m.rest()):
        return Intent("search", topic=" ".join(m.title_words or m.rest()), limit=m.limit or 10)
    return Intent("general" if _general(m) else "unknown")


def _small_talk(m: Mentions) -> str | None:
    free = [w for w in m.free() if w not in ("?", "!")]
    how_do_i = m.phrase("how", "do", "i") or m.phrase("how", "can", "i")
    if m.has_any(t.HELP_WORDS) or m.phrase("what", "can", "you", "do") or \
            m.phrase("what", "can", "i", "ask") or m.phrase("how", "does", "this", "work") or \
            (how_do_i and m.has_any(t.RENT_VERBS | t.RETURN_WORDS) and not m.films):
        return "help" if len(free) <= 8 and not (m.films or m.customers) else None
    chat = t.GREETINGS | t.THANKS_WORDS | {"you", "so", "much", "very", "a", "lot", "there",
                                           "good", "great", "ok", "okay", "cool", "bye",
                                           "goodbye", "nice", "perfect", "awesome", "all"}
    if free and all(w in chat for w in free) and not (m.films or m.customers):
        return "thanks" if m.has_any(t.THANKS_WORDS) else "greeting"
    return None


def _wants_return(m: Mentions, customer: CustomerRef | None) -> bool:
    said = m.has_any(t.RETURN_WORDS) or any(m.phrase(*p) for p in t.RETURN_PHRASES)
    if not said or _asks_or_supposes(m) or m.has("policy"):
        return False
    if m.has("returned") and not m.has("return", "returning"):
        # "Mary returned it" asks for the return; "rentals returned today" only describes
        return customer is not None or says_customer_pronoun(m)
    return True


def _asks_or_supposes(m: Mentions) -> bool:
    """A question or a supposition, not a request: "what did she rent?", "what if I return
    it late?", "should I rent it to her?"."""
    return m.first_word(everything=True) in _QUESTION_STARTS or m.has("if")


def _wants_rent(m: Mentions, customer: CustomerRef | None) -> bool:
    free = m.free()
    spots = [i for i, w in enumerate(free) if w in t.RENT_VERBS]
    spots += [i for i in range(len(free) - 1) if free[i:i + 2] == ["check", "out"]]
    if not spots:
        return False
    spot = min(spots)
    before = free[spot - 2:spot] if spot >= 2 else free[:spot]
    if "to" in before and any(w in t.FILM_WORDS | {"something", "anything", "good", "available",
                                                   "what", "which", "best"} for w in free[:spot]):
        return False  # "a good film to rent", "what is available to rent"
    if m.has("much", "cost", "costs", "price") or (spot > 0 and free[spot - 1] == "for"):
        return False  # "how much to rent ...", "for rent"
    if _asks_or_supposes(m):
        return False
    if customer is not None or says_customer_pronoun(m):
        return True
    lead = {"please", "can", "could", "would", "will", "you", "i", "we", "want", "wanna", "to",
            "like", "id", "need", "lets", "let", "us", "go", "ahead", "and", "just", "ok",
            "okay", "now", "gonna", "going", "the", "customer", "wants", "so", "then", "also"}
    return all(w in lead for w in free[:spot])


_QUESTION_STARTS = frozenset({
    "what", "which", "did", "does", "do", "has", "have", "when", "how", "who", "whom", "why",
    "where", "was", "were", "is", "are", "whats", "should", "shall",
})


def _rent_parts(m: Mentions) -> tuple[list[str], list[str]]:
    """Loose words naming the film and the customer: "rent <film> to <customer>",
    "<customer> wants to rent <film>"."""
    w = m.words
    rent_at = next((i for i, x in enumerate(w) if x in t.RENT_VERBS or x == "check"), 0)
    to_at = next((i for i in range(rent_at + 1, len(w)) if w[i] in ("to", "for")), None)
    loose = [i for i, x in enumerate(w) if i not in m.used and x not in t.COMMON and x.isalpha()]
    if to_at is not None:
        film = [w[i] for i in loose if rent_at < i < to_at]
        person = [w[i] for i in loose if i > to_at]
    else:
        film = [w[i] for i in loose if i > rent_at]
        person = [w[i] for i in loose if i < rent_at]
    return film, person


def _rent_intent(m, state, film, customer, listed) -> Intent:
    film_words, person_words = _rent_parts(m)
    if film is None and listed:
        film = film_of_item(*listed)
    if film is None and says_film_pronoun(m):
        film = film_of_state(state)
        if film is None:
            return Intent("rent", customer=customer, ask="film")
    film = film or film_by_words(film_words)
    if customer is None and says_customer_pronoun(m):
        customer = customer_of_state(state)
        if customer is None:
            return Intent("rent", film=film, ask="customer")
    if customer is None and listed and listed[0] == "customers":
        customer = customer_of_item(*listed)
    if customer is None and person_words:
        customer = CustomerRef(query=" ".join(person_words))
    ask = "film" if film is None else "customer" if customer is None else None
    return Intent("rent", film=film, customer=customer, ask=ask)


def _return_intent(m, state, film, customer, listed) -> Intent:
    rental_id = (m.rental_ids or m.numbers or [None])[0]
    if rental_id is None and listed and listed[0] == "rentals":
        rental_id = listed[1]["rental_id"]
    if customer is None and says_customer_pronoun(m):
        customer = customer_of_state(state)
    if customer is None and m.name_words:
        customer = CustomerRef(query=" ".join(m.name_words))
    if film is None and m.title_words:
        film = film_by_words(m.title_words)
    if rental_id is None and film is None and customer is None:
        if (says_film_pronoun(m) or m.has("rental")) and state.rental:
            rental_id = state.rental["rental_id"]
        elif says_film_pronoun(m) and state.film and state.customer:
            film, customer = film_of_state(state), customer_of_state(state)
    if rental_id is None and customer is None:
        return Intent("return", film=film, ask="rental")
    return Intent("return", rental_id=rental_id, film=film, customer=customer)


def _unknown_person(m: Mentions) -> CustomerRef | None:
    """The words left for a person the store does not know (one to three of them), when the
    request is plainly not about films; the lookup then says that no customer matches."""
    if m.topic or m.category or m.rating or m.has_any(t.FILM_WORDS) or _general_topic(m):
        return None
    words = [w for w in m.rest() if w not in _NOT_A_NAME]
    return CustomerRef(query=" ".join(words)) if 1 <= len(words) <= 3 else None


_NOT_A_NAME = (t.CUSTOMER_WORDS | t.RENTING_WORDS | t.RENTAL_WORDS | t.RENT_VERBS | t.OPEN_WORDS
               | t.RETURN_WORDS | {"find", "look", "lookup", "search", "history", "show", "list"})


def _asks_rentals(m: Mentions) -> bool:
    return (m.has_any(t.RENTING_WORDS | t.RENTAL_WORDS | t.RENT_VERBS)
            or m.has("have", "has", "got", "history")
            or m.phrase("checked", "out") or m.phrase("check", "out") or m.has_any(t.OPEN_WORDS))


def _open_only(m: Mentions) -> bool:
    if m.has("renting", "borrowing", "now", "currently", "current", "open", "out", "active",
             "outstanding", "unreturned"):
        return True
    return m.has("have", "has", "got") and not m.has("rented", "had")


def _asks_active(m: Mentions) -> bool:
    if m.phrase("out", "of"):
        return False
    open_words = m.has_any(t.OPEN_WORDS) or m.phrase("not", "returned") or m.has("unreturned")
    about_rentals = m.has_any(t.RENTAL_WORDS | t.FILM_WORDS) or m.has("rented") or \
        m.first_word() in ("what", "whats", "which", "who")
    return (open_words and about_rentals) or m.phrase("rented", "out")


def _follow_up(m, state, film, customer) -> Intent | None:
    """ "and at store 1?", "what about ALIEN CENTER?": the last request, with this changed."""
    last = state.last
    if last is None or last.kind in WRITES:
        return None
    if film is not None and last.kind in ("stock", "film"):
        return replace(last, film=film, ask=None)
    if (m.store_id is not None or m.all_stores) and last.kind in ("stock", "film"):
        target = film_of_state(state) or last.film
        return Intent("stock", film=target, store_id=m.store_id, ask=None if target else "film")
    if customer is not None and last.kind in ("customer_rentals", "customer"):
        return replace(last, customer=customer, ask=None)
    if (m.category or m.rating or m.max_rate is not None) and last.kind in (
        "films", "streaming", "recommend"
    ):
        changes = {k: v for k, v in dict(category=m.category, rating=m.rating,
                                         max_rate=m.max_rate).items() if v is not None}
        return replace(last, **changes)
    return None


def _film_question(m: Mentions, state: DialogueState, film, listed) -> Intent | None:
    if film is None and listed and (listed[0] == "films" or _tell_about(m)
                                    or m.has_any(t.DETAIL_WORDS | t.STOCK_WORDS)):
        film = film_of_item(*listed)  # of a rental too: "tell me about the first one"
    cue = (m.has_any(t.STOCK_WORDS | t.DETAIL_WORDS | t.STREAM_WORDS) or _tell_about(m)
           or m.phrase("how", "much")
           or m.store_id is not None or m.all_stores or m.phrase("who", "is", "in")
           or m.phrase("in", "it") or m.has("about"))
    if film is None and says_film_pronoun(m) and cue:
        film = film_of_state(state)
        if film is None:
            return Intent("stock" if _asks_stock(m) else "film", ask="film")
    if film is None and m.title_words and cue and not m.name_words and not (
        _general_topic(m) and not m.has_any(t.FILM_WORDS)  # "the weather in Paris"
    ):
        film = film_by_words(m.title_words)  # part of a title: the store says which films
    if film is None:
        return None
    if _asks_stock(m) and not (_aspect(m) == "actors" and not m.has_any(t.STOCK_WORDS)):
        return Intent("stock", film=film, store_id=m.store_id)  # "who is in X?" is the cast
    return Intent("film", film=film, aspect=_aspect(m))


def _tell_about(m: Mentions) -> bool:
    return m.phrase("tell", "me", "about") or m.phrase("tell", "us", "about") or \
        (m.has("about") and m.free()[-1:] in (["about"], ["?"]))


def _asks_stock(m: Mentions) -> bool:
    return (m.has_any(t.STOCK_WORDS) or m.store_id is not None or m.all_stores
            or m.has("where", "out") or m.free()[-2:] in (["in"], ["in", "?"])
            or m.has_any(t.STORE_WORDS)
            or (m.has("have", "got") and m.first_word() in ("do", "does", "have", "got", "is",
                                                             "are", "any")))


def _aspect(m: Mentions) -> str | None:
    if m.has_any(t.STREAM_WORDS):
        return "stream"
    if m.has("price", "cost", "costs", "much", "rate"):
        return "price"
    if m.has("actors", "actor", "cast", "starring", "stars", "acts", "plays", "appears") \
            or m.phrase("who", "is", "in") or m.phrase("who", "was", "in"):
        return "actors"
    if m.has("long", "length", "runtime", "minutes"):
        return "length"
    return None


def _asks_recommendation(m: Mentions) -> bool:
    if m.has("recommend", "recommended", "recommendation", "recommendations", "suggest",
             "suggestion", "suggestions", "mature") or m.phrase("what", "should", "i", "watch"):
        return not (m.has_any(t.GENERAL_MARKERS) and not m.has_any(t.FILM_WORDS))
    soft = m.has("good", "best", "popular", "favorite", "favourite", "worth")
    return soft and not _general_topic(m) and (
        m.has_any(t.FILM_WORDS) or m.has("something", "anything") or len(m.free()) <= 4
    )


def _film_context(m: Mentions) -> bool:
    if m.topic_cue:
        general = m.has_any(t.GENERAL_MARKERS) and not m.has_any(t.FILM_WORDS)
        return (m.has_any(t.FILM_WORDS) or m.has("something", "anything", "stuff")
                or _lists(m)) and not general
    return m.first_word() not in ("who", "when", "where", "why", "how") and not _general_topic(m)


def _lists(m: Mentions) -> bool:
    """Asks for films in general: "show me films", "what movies do you have?"."""
    verbs = (t.LIST_WORDS - {"what", "which"}) | t.COUNT_WORDS | {"all", "every"}
    return m.has_any(verbs) or m.first_word() in t.FILM_WORDS or any(
        m.phrase(q, f) for q in ("what", "which") for f in t.FILM_WORDS)


def _general_topic(m: Mentions) -> bool:
    return m.has_any(t.GENERAL_MARKERS) or m.phrase("of", "all", "time")


def _general(m: Mentions) -> bool:
    """Shaped like a general-knowledge question or task, with nothing of the store in it."""
    if _general_topic(m):
        return True
    store_words = (t.CUSTOMER_WORDS | t.RENTAL_WORDS | t.RENT_VERBS | t.RENTING_WORDS
                   | t.OVERDUE_WORDS | t.STOCK_WORDS | t.STREAM_WORDS | t.STORE_WORDS
                   | {"recommend", "suggest"})
    if m.has_any(store_words):
        return False
    return m.first_word() in t.GENERAL_STARTS or m.free()[-1:] == ["?"]


def _about_item(kind: str, item: dict) -> Intent:
    if kind == "customers":
        return Intent("customer", customer=customer_of_item(kind, item))
    if kind == "rentals":
        return Intent("rental", rental_id=item["rental_id"])
    return Intent("film", film=film_of_item(kind, item))
