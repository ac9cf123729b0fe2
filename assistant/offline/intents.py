"""What the clerk wants: small talk, one of the two writes, a read, or something general.

Writes come first and need the clerk's own words ("rent", "return" as a request, not in a
question: "Rental 5 hasn't been brought back. How much is the fee?" asks a figure, and no
sentence of a write request is a question). Reads are planned from the functions' declarations
(offline.engine), or continue the last read ("the next ones", "just the PG ones", "and by
rentals?", "what about store 2?", "and the month before?", "what about june?"); either is then
completed from the conversation: a month or day without its year takes the year talked about,
and a required argument nothing said fills is the last call's of the same function, or asked
for (never a call without it). What is left is general (for the LLMAgent: arithmetic at the
counter too, "15% off 4.99", "change from a twenty") or not understood. "Of all time" and
"ever" are general knowledge only when nothing of the store's own figures (rentals, customers,
categories, money taken, a ranking) is said with them.
"""

import re
from dataclasses import replace
from datetime import date

from assistant.offline import engine
from assistant.offline import quantities as q
from assistant.offline import text as t
from assistant.offline.declarations import Tool, stem
from assistant.offline.dialogue import (
    FILLER,
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
from assistant.offline.engine import Read
from assistant.offline.lexicon import Lexicon
from assistant.offline.mentions import Mentions


def classify(m: Mentions, state: DialogueState, lexicon: Lexicon, tools: list[Tool]) -> Intent:
    if not m.words and not m.emails:
        return Intent("help")
    small_talk = _small_talk(m)
    if small_talk:
        return Intent(small_talk)
    film = film_named(m, lexicon)
    customer = customer_named(m, lexicon)
    listed = listed_item(m, state)
    if _wants_return(m, customer):
        return _return_intent(m, state, film, customer, listed)
    if _wants_rent(m, customer):
        return _rent_intent(m, state, film, customer, listed)
    if _general(m):
        return Intent("general")
    if _retry(m) and state.last is not None and state.last.kind == "read":
        return state.last
    follow = _continued(m, state, lexicon, tools)
    if follow is not None:
        return _in_context(follow, state, tools)
    planned = engine.plan_read(m, state, lexicon, tools)
    if planned is not None and planned[0] is None:
        return Intent("cannot", understood=engine.understood(planned[1]))
    if planned is not None and (planned[0].asked or any(v.strong or v.guess for v in planned[1])
                                or not _general(m, loose=True)):
        # not "how do I travel to Paris?" (PARIS WEEKEND)
        return _in_context(_read_intent(*planned), state, tools)
    values = engine.values_of(m, state, lexicon, engine.vocabulary(tools))
    if any(v.strong for v in values):  # a store question no offered function answers
        return Intent("store", understood=engine.understood(values))
    if _general(m, loose=True):
        return Intent("general")
    return Intent("unknown", understood=engine.understood(values))


_YEAR = re.compile(r"\b(?:19|20)[0-9][0-9]\b")
_MONTH_NAME = re.compile(r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\b")


def _in_context(intent: Intent, state: DialogueState, tools: list[Tool]) -> Intent:
    """A read completed from the conversation: a month or a day said without its year is of
    the year of the period talked about ("revenue by store in July 2022" ... "same for
    june?"), and the required arguments nothing said fills are those of the same function's
    last call ("top films by rentals in 2022" ... "now rank them by revenue"); what is still
    missing is asked for."""
    read = intent.read
    tool = next((x for x in tools if x.name == read.tool), None)
    if tool is None:
        return intent
    args = dict(read.args)
    last = state.last.read if state.last is not None and state.last.kind == "read" else None
    said = args.get("period")
    before = (last.args.get("period") or "") if last else ""
    if isinstance(said, str) and _MONTH_NAME.search(said.lower()) and not _YEAR.search(said) \
            and _YEAR.search(before):
        args["period"] = f"{said} {_YEAR.search(before).group(0)}"
    if last is not None and last.tool == read.tool:
        lacking = engine.missing(tool, args, read.customer, read.film)
        args.update({k: last.args[k] for k in lacking if k in last.args})
    return replace(intent, read=engine.completed(replace(read, args=args), tool))


def _read_intent(read: Read, used: list[engine.Value]) -> Intent:
    film = next((v.value for v in used if v.kind == "film"), None)
    customer = next((v.value for v in used if v.kind == "customer"), None)
    return Intent("read", film=film, customer=customer, read=read)


_CONTINUING = {"just", "only", "and", "now", "also", "but", "same", "what", "how", "then", "ok",
               "okay", "sort", "order", "any", "which"}
_LAST_ONES = {"those", "these", "them", "ones", "same"}


def _retry(m: Mentions) -> bool:
    """ "try again", "can you try that again", "one more time", "redo"."""
    free = set(m.free()) - {"?", "please", "pls", "can", "you", "could", "that", "it", "do",
                            "hmm", "ok", "okay", "just", "oh", "the", "search"}
    return free in ({"try", "again"}, {"again"}, {"one", "more", "time"}, {"retry"},
                    {"redo"}, {"repeat"}, {"run", "again"}, {"one", "more", "time", "try"})


def _continued(m: Mentions, state: DialogueState, lexicon: Lexicon,
               tools: list[Tool]) -> Intent | None:
    """The last read again, with this changed: "the next ones", "just the PG ones", "and at
    store 1?", "what about ALIEN CENTER?"."""
    last = state.last
    if last is None or last.kind != "read":
        return None
    tool = next((x for x in tools if x.name == last.read.tool), None)
    if tool is None:
        return None
    args = {k: v for k, v in last.read.args.items() if k != "page"}
    if m.next_page and tool.param("page"):
        page = last.read.args.get("page", 1) + 1
        return replace(last, read=replace(last.read, args={**args, "page": page}))
    free = [w for w in m.free() if w not in ("?", "please")]
    period = _changed_period(m, last.read.args, tool)
    values = engine.values_of(m, state, lexicon, engine.vocabulary(tools))
    if period is not None:  # "and the month before?", "what about june?": another period
        values = [v for v in values if v.kind != "period" and v.text != m.month]
        args["period"] = period
    # Only a measure, a store or a period, for figures over a period: "by spend?", "store 2?"
    figures_only = bool(values) and tool.param("period") is not None and all(
        v.kind in ("order", "store", "period", "limit") for v in values)
    # Another of the function's own options: "per store" after revenue per month, "and
    # actors?" after a ranking of films.
    options, rest = _changed_options(m, tool, args, free)
    if options and all(w in _CONTINUING or w in FILLER for w in rest):
        args.update(options)
        free = []
    elif period is None and not (figures_only and not free) and (
            not free or free[0] not in _CONTINUING and not entity_only(m)
            and not _LAST_ONES & set(free)):
        return None
    others = {s for x in tools if x.name != tool.name for s in x.name_stems} - tool.name_stems
    if free and engine.cue_stems(m).keys() & others:
        return None  # it says what it wants ("and what has he rented before?"): a new read
    given = [engine.fill(tool, v) for v in values]
    if not (values or period or options) or any(g is None for g in given):
        return None
    kinds = {v.kind for v in values}
    carried = [engine.Value(kind, ref, "") for kind, ref, wanted in (
        ("film", last.film, last.read.film), ("customer", last.customer, last.read.customer)
    ) if wanted and ref is not None and kind not in kinds]  # what the last read was about
    cues = engine.cue_stems(m)
    ranked = engine.fits(tools, values, cues)
    same = engine.fits([tool], values + carried, cues, frozenset(args))[0]
    if free and ranked[0].tool.name != tool.name and ranked[0].score > same.score:
        return None  # "what's it about?" after its stock: another function fits better
    changes: dict = {}
    for value, g in zip(values, given, strict=True):
        if g.pop("__film__", False):
            changes["film"] = value.value
        if g.pop("__customer__", None):
            changes["customer"] = value.value
        args.update(g)
    args.update(engine.flags(tool, engine.cue_stems(m)))
    return replace(last, read=replace(last.read, args=args), **changes)


def _changed_options(m: Mentions, tool: Tool, args: dict,
                     free: list[str]) -> tuple[dict, list[str]]:
    """The function's options (its enum parameters) the words choose anew, and the words
    left once those naming them ("per store", "actors") are set aside."""
    chosen = engine.choices(tool, engine.cue_stems(m), {})
    options = {k: v for k, v in chosen.items() if args.get(k) != v}
    if not options:
        return {}, free
    named = {stem(v) for v in options.values()}
    rest = [w for w in free if w not in ("per", "by", "each", "instead", "for", "of")
            and not ({stem(w), *engine.SYNONYMS.get(w, ())} & named)]
    return options, rest


def _changed_period(m: Mentions, args: dict, tool: Tool) -> str | None:
    """ "The month before", "the year after": the last request's period moved; "what about
    june?": that month, of the last request's year."""
    if tool.param("period") is None or not args.get("period"):
        return None
    if m.shift is not None:
        return q.shifted(args["period"], *m.shift, date.today())
    if m.month and m.period is None and not m.customers:
        year = re.search(r"\b(?:19|20)\d\d\b", args["period"])
        return f"{m.month} {year.group(0)}" if year else m.month
    return None  # a period said in full, or with a month and no year ("same for june?"),
    # is the period said (offline.intents._in_context gives it the year talked about)


def _small_talk(m: Mentions) -> str | None:
    if m.next_page or m.page or m.numbers or m.bounds or m.order:
        return None  # "ok next 10"
    free = [w for w in m.free() if w not in ("?", "!")]
    how_do_i = m.phrase("how", "do", "i") or m.phrase("how", "can", "i")
    if m.has_any(t.HELP_WORDS) or m.phrase("what", "can", "you", "do") or \
            m.phrase("what", "can", "i", "ask") or m.phrase("how", "does", "this", "work") or \
            (how_do_i and m.has_any(t.RENT_VERBS | t.RETURN_WORDS) and not m.films):
        return "help" if len(free) <= 8 and not (m.films or m.customers) else None
    chat = t.GREETINGS | t.THANKS_WORDS | {"you", "so", "much", "very", "a", "lot", "there",
                                           "good", "great", "ok", "okay", "cool", "bye",
                                           "goodbye", "nice", "perfect", "awesome", "all",
                                           "that", "thats", "for", "now", "is", "it", "today",
                                           "again", "have", "day", "night", "see", "later"}
    if free and all(w in chat for w in free) and not (m.films or m.customers):
        return "thanks" if m.has_any(t.THANKS_WORDS) else "greeting"
    if free and free[0] in t.GREETINGS and not _store_values(m) and not (
            m.category or m.ratings or m.free()[-1:] == ["?"]
            or m.has_any(_STORE_WORDS | t.FILM_WORDS | t.FEE_WORDS | t.RECOMMEND_WORDS)):
        return "greeting"  # "hiya! quiet one today huh": a greeting, and chat (no request:
        # "hi, anything good for a rainy day?" asks for films)
    return None


def _wants_return(m: Mentions, customer: CustomerRef | None) -> bool:
    said = m.has_any(t.RETURN_WORDS) or any(m.phrase(*p) for p in t.RETURN_PHRASES) or any(
        m.phrase(verb, thing, particle) for verb, particle in t.RETURN_PHRASES
        for thing in ("it", "them", "that", "this", "those", "everything")
    ) or m.phrase("it", "back") or m.phrase("they", "are", "back")  # "it's back"
    if not said or _asks_or_supposes(m) or m.has("policy"):
        return False
    if m.has("returned") and not m.has("return", "returning"):
        # "Mary returned it" asks for the return; "rentals returned today" only describes
        return customer is not None or says_customer_pronoun(m)
    return True


def _asks_or_supposes(m: Mentions) -> bool:
    """A question or a supposition, not a request: "what did she rent?", "what if I return
    it late?", "should I rent it to her?"; or a question for a figure in any of its sentences
    ("Rental 5 still hasn't been brought back. How much is the late fee?", "paying with a
    twenty, how much change do I hand back?"): "brought back" there is what happened, not a
    request to return it."""
    if m.first_word(everything=True) in _QUESTION_STARTS or m.has("if"):
        return True
    if m.phrase("how", "much") or m.phrase("how", "many") or m.phrase("how", "long"):
        return True
    for sentence in _SENTENCE.split(m.message):
        words = [w for w in t.chat_tokens(sentence) if w not in _LEAD_FILLER]
        if words and words[0] in _QUESTION_STARTS - {"did", "does", "do", "has", "have"}:
            return True
    return False


_SENTENCE = re.compile(r"[.!?;,:]+(?:\s|$)|\s[-\u2013\u2014]+\s")
_LEAD_FILLER = frozenset({"please", "hey", "so", "ok", "okay", "and", "but", "oh", "well",
                          "also", "then", "now", "quick", "q"})


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


def _store_values(m: Mentions) -> bool:
    return bool(m.films or m.customers or m.actors or m.customer_ids or m.rental_ids
                or m.film_ids or m.store_id is not None or m.emails)


_OPERATORS = {"+", "-", "*", "/", "x", "times", "plus", "minus", "divided", "multiplied", "add",
              "subtract", "percent", "of", "and", "by", "change", "sum", "tip", "split",
              "altogether", "off", "discount", "discounted", "tax", "vat", "tips"}


def _arithmetic(m: Mentions) -> bool:
    """Sums and conversions: "whats 250 divided by 5", "add 4.99 and 2.99", "how many
    minutes in 3 hours"."""
    numbers = [w for w in m.words if w.lstrip("$").replace(".", "", 1).isdigit()
               or w in t.NUMBER_WORDS]
    operators = set(m.words) & (_OPERATORS - {"of", "and", "by"})
    if any(w.startswith("$") or "." in w for w in numbers):  # money: "2 rentals at 2.99 each"
        operators |= set(m.words) & {"each", "apiece"}
    if len(numbers) >= 2 and operators and not _store_values(m):
        return True
    units = {"minutes", "hours", "seconds", "days", "weeks", "months", "years", "min", "mins",
             "hr", "hrs", "secs"}
    return (m.phrase("how", "many") and bool(set(m.words) & units)
            and bool({"in", "is", "are", "make", "makes"} & set(m.words))
            and not m.has_any(t.FILM_WORDS) and not _store_values(m))


def _general_topic(m: Mentions) -> bool:
    """Words of general knowledge; "ever" and "of all time" only when nothing of the store's
    own figures is said with them."""
    if m.has_any(t.GENERAL_MARKERS - {"ever"}):
        return True
    all_time = m.has("ever") or " of all time " in f" {' '.join(m.words)} "
    return all_time and not _store_figures(m)


# The store's own figures: rentals, its customers, its categories, money taken. Said with "of
# all time" or "ever", they are all of the store's history ("the most popular category of all
# time", "our revenue of all time"), not general knowledge.
_STORE_FIGURES = t.CUSTOMER_WORDS | t.RENTAL_WORDS | t.RENTING_WORDS | {
    "category", "categories", "revenue", "sales", "takings", "spenders", "spender"}
# What else the store ranks, when a superlative ranks it: "the most popular actor ever".
_STORE_RANKED = t.FILM_WORDS | {"actor", "actors"}


def _store_figures(m: Mentions) -> bool:
    return m.has_any(_STORE_FIGURES) or _store_ranking(m)


def _store_ranking(m: Mentions) -> bool:
    """A superlative of what the store ranks, or by what it ranks: "the most popular
    category", "the most rented actors", "the biggest spenders"."""
    return bool(m.order) and (m.has_any(_STORE_RANKED | _STORE_FIGURES)
                              or m.order.quantity == q.REVENUE
                              or m.order.text.split()[-1] in t.RENTING_WORDS)


_STORE_WORDS = (t.CUSTOMER_WORDS | t.RENTAL_WORDS | t.RENT_VERBS | t.RENTING_WORDS
                | t.OVERDUE_WORDS | t.STOCK_WORDS | t.STREAM_WORDS | t.STORE_WORDS
                | {"recommend", "suggest"})


def _general(m: Mentions, loose: bool = False) -> bool:
    """Shaped like a general-knowledge question or task, with nothing of the store in it;
    `loose`: also any question that names nothing of the store."""
    if _general_topic(m) and not _store_values(m) and not _store_ranking(m) and not (
        (m.order or m.bounds or m.category or m.ratings) and m.has_any(t.FILM_WORDS)
    ):  # "what does PG-13 mean?" is general; "our most rented movie ever" is the store's
        return True
    if _arithmetic(m):
        return True
    if not loose:
        return False
    if m.has_any(_STORE_WORDS):
        return False
    return m.first_word() in t.GENERAL_STARTS or m.free()[-1:] == ["?"]


