"""What a message mentions: the store's names, ids, stores, prices, ratings, topics.

`Mentions.read(message, lexicon)` finds them; the words they take up are set aside, so the
cue words that remain ("rent", "in stock", "overdue") say what the clerk wants done.

Chat shorthand is spelled out first ("rn", "atm", "pls", "rev", "cust", "$$": offline.text),
so it is never taken for a name. Ids come labelled ("customer no. 11", "cust #11", "rental
16050") or bare ("#11": the id of whatever the request is about). Periods are said in words
("May 2022", "July 20th", "last month", "of all time"), moved ("the month before"), or as a
year said with rentals or money ("most rented films 2022": rented in 2022, not released then);
a store id is one of the store's, or small ("store 2022" is a year). Money said of returning
late ("a buck a day") is the late fee, not a film's price.
"""

import re
from dataclasses import dataclass, field

from assistant.offline import quantities as q
from assistant.offline import text as t
from assistant.offline.lexicon import LOOSE_NAME_CUTOFF, Found, Lexicon
from assistant.offline.quantities import Bound, Order

_RATING_TOKENS = {"pg": "PG", "pg13": "PG-13", "nc17": "NC-17"}
_ID_MARKS = {"#", "id", "number", "no", "num", "nr"}
_TOPIC_CUES = {"about", "featuring", "involving", "regarding", "concerning", "where"}
_TOPIC_END = {
    "to", "for", "at", "under", "below", "that", "which", "please", "?", "rated", "in",
    "cheaper", "less", "costing", "we", "you", "i", "can", "could", "do", "available",
}
_PEOPLE = t.CUSTOMER_WORDS | {"someone", "somebody", "anyone", "person", "guy", "lady", "woman",
                              "man", "people"}
_MONTH = ("january|february|march|april|may|june|july|august|september|october|november|"
          "december|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec")
_COUNTS = r"\d+|two|three|four|five|six|seven|eight|nine|ten|twelve|fifteen|twenty|thirty|ninety"
_DAY = r"(?:[1-9]|0[1-9]|[12][0-9]|3[01])(?:st|nd|rd|th)?"
_ORDINAL_DAY = r"(?:[1-9]|0[1-9]|[12][0-9]|3[01])(?:st|nd|rd|th)"
_YEAR = r"(?:19|20)[0-9][0-9]"
_PERIODS = [re.compile(p) for p in (
    # one day: "july 20th 2022", "nov 11", "the 20th of july", "20 july 2022"
    rf"\b(?:{_MONTH}) {_DAY}(?: {_YEAR})?\b",
    rf"\b(?:the )?{_ORDINAL_DAY} (?:of )?(?:{_MONTH})(?: {_YEAR})?\b",  # not "top 10 june"
    rf"\b(?:the )?(?:last|past|previous) (?:{_COUNTS}) (?:days?|weeks?|months?|years?)\b",
    r"\b(?:this|last|past|previous) (?:week|month|year)\b",
    r"\b(?:today|yesterday)\b",
    rf"\b(?:{_MONTH}) (?:19|20)\d\d\b",
    rf"\b(?:in|for|during|of) (?:{_MONTH})\b",
)]

# Words after a number that make it a quantity, not an id ("a film 3 days late").
_UNITS_AFTER = {"day", "days", "week", "weeks", "month", "months", "year", "years", "hour",
                "hours", "minute", "minutes", "mins", "min", "dollars", "dollar", "bucks", "buck",
                "cents", "times", "percent", "nights", "night"}
_POSSESSIVE = re.compile(r"\b([a-z]+)['\u2019]s\b")  # "deborah's balance"
_UNIT = r"(?P<unit>day|week|month|year)"
_STEPS = {"before": -1, "prior": -1, "earlier": -1, "previous": -1, "preceding": -1,
          "after": 1, "later": 1, "next": 1, "following": 1}
_SHIFTS = [(re.compile(p), "unit", "step") for p in (
    rf"\b(?:the |a )?{_UNIT} (?P<step>before|prior|earlier|after|later)(?: that| it| this)?\b",
    rf"\bthe (?P<step>previous|prior|preceding|next|following) {_UNIT}\b",
)]
_ALL_TIME = re.compile(r"\b(?:(?:of|for|in|over) )?(?:all (?:of )?time|overall)\b")


@dataclass
class Mentions:
    message: str
    words: list[str]
    emails: list[str] = field(default_factory=list)
    films: list[Found] = field(default_factory=list)  # whole titles, best first
    customers: list[Found] = field(default_factory=list)  # whole names, best first
    customer_ids: list[int] = field(default_factory=list)
    rental_ids: list[int] = field(default_factory=list)
    film_ids: list[int] = field(default_factory=list)
    numbers: list[int] = field(default_factory=list)  # bare integers, no unit or label
    store_id: int | None = None
    ratings: list[str] = field(default_factory=list)
    category: str | None = None
    bounds: list[Bound] = field(default_factory=list)  # ranges of money, minutes, years
    order: Order | None = None  # "the cheapest", "the longest"
    actors: list[Found] = field(default_factory=list)
    language: str | None = None
    feature: str | None = None  # a special feature: "deleted scenes"
    period: str | None = None  # "this month", "last 30 days", "May 2022", "all time"
    shift: tuple[str, int] | None = None  # "the month before": ("month", -1)
    bare_ids: list[int] = field(default_factory=list)  # "#11": an id of what is asked about
    month: str | None = None  # a month's name on its own ("what about june?"), not taken
    next_page: bool = False  # "the next ones", "show me more"
    page: int | None = None
    ordinal: int | None = None  # 1-based; -1 is "the last one"
    limit: int | None = None
    topic: str | None = None  # what a film is about: "mad scientist"
    topic_cue: bool = False  # the topic came after "about", "featuring", ...
    title_query: str | None = None  # "with ALIEN in the title"
    name_query: str | None = None  # "a customer named Willie"
    name_words: list[str] = field(default_factory=list)  # first or last names on their own
    title_words: list[str] = field(default_factory=list)  # title words on their own
    loose: set[str] = field(default_factory=set)  # words of name_words and title_words
    possessive: set[str] = field(default_factory=set)  # words said with 's: "Deborah's"
    fees: list[Bound] = field(default_factory=list)  # money said of late fees: "a buck a day"
    used: set[int] = field(default_factory=set)  # positions taken by the above

    @classmethod
    def read(cls, message: str, lexicon: Lexicon) -> "Mentions":
        emails = t.EMAIL.findall(message)
        rest = t.EMAIL.sub(" ", message)
        m = cls(message=message, words=t.chat_tokens(rest), emails=emails,
                possessive=set(_POSSESSIVE.findall(t.EMAIL.sub(" ", message.lower()))))
        m._names(lexicon)
        m._labelled_numbers(lexicon)
        m._paging()
        m._period()
        m._quantities()
        m._year_as_period()
        m._fee_amounts()
        m._ratings(rest)
        m._category(lexicon)
        m._language_and_feature(lexicon)
        m._ordinal_and_limit()
        m._title_query()
        m._topic(lexicon)
        m._loose_names(lexicon)
        return m

    # --- what is left once the names and numbers are set aside --------------------------

    def free(self) -> list[str]:
        return [w for i, w in enumerate(self.words) if i not in self.used]

    def has(self, *words: str) -> bool:
        free = set(self.free())
        return any(w in free for w in words)

    def has_any(self, vocabulary) -> bool:
        return any(w in vocabulary for w in self.free())

    def phrase(self, *sequence: str) -> bool:
        free, n = self.free(), len(sequence)
        return any(tuple(free[i:i + n]) == sequence for i in range(len(free) - n + 1))

    def first_word(self, everything: bool = False) -> str:
        """The first word that is not a name or filler ("please", "ok"); with everything=True,
        the first word of the message, names included."""
        words = self.words if everything else self.free()
        words = [w for w in words if w not in ("please", "hey", "so", "ok", "okay", "and")]
        return words[0] if words else ""

    def says_return(self) -> bool:
        """Returning said in any words: "returns", "checked in", "brings a dvd back"."""
        if self.has_any(t.RETURN_WORDS) or any(self.phrase(*p) for p in t.RETURN_PHRASES):
            return True
        free = self.free()
        return any(w in t.RETURN_VERBS and "back" in free[i + 1:i + 5]
                   for i, w in enumerate(free))

    def rest(self) -> list[str]:
        """Free words that carry meaning: not everyday words, not numbers."""
        return [w for w in self.free() if w not in t.COMMON and w.isalpha()]

    # --- finders -------------------------------------------------------------------------

    def _take(self, *positions: int) -> None:
        self.used.update(positions)

    def _names(self, lexicon: Lexicon) -> None:
        films = lexicon.films.find(self.words)
        best = _non_overlapping(films)
        customers = lexicon.customers.find(self.words)
        # An actor is recognised by the whole name, spelled closely (customers may share it:
        # which one is meant is for the function that takes the name to say).
        self.actors = [a for a in _non_overlapping(lexicon.actors.find(self.words))
                       if a.score >= 0.9]
        # A word may be part of both a title and a name: the closer spelling wins.
        chosen_customers = []
        for c in _non_overlapping(customers):
            clash = [f for f in best if set(f.positions) & set(c.positions)]
            if clash and clash[0].score >= c.score:
                continue
            best = [f for f in best if f not in clash]
            chosen_customers.append(c)
        # Keep ties (a typo as close to two titles) next to the best: the clerk is asked.
        self.films = [f for f in films if f in best or _tied(f, best)]
        self.customers = [c for c in customers if c in chosen_customers
                          or _tied(c, chosen_customers)]
        for found in self.films + self.customers + self.actors:
            self._take(*found.positions)

    def _labelled_numbers(self, lexicon: Lexicon) -> None:
        w = self.words
        for i, word in enumerate(w):
            if i in self.used:
                continue
            number, end = _number_at(w, i + 1)
            if number is None and i + 1 < len(w) and w[i + 1] in _ID_MARKS:
                number, end = _number_at(w, i + 2)
            if number is None or (end < len(w) and w[end] in _UNITS_AFTER):
                continue  # "a film 3 days late": a length of time, not film 3
            target = {"customer": self.customer_ids, "client": self.customer_ids,
                      "member": self.customer_ids, "account": self.customer_ids,
                      "rental": self.rental_ids, "film": self.film_ids,
                      "movie": self.film_ids}.get(word)
            if target is not None:
                target.append(number)
                self._take(*range(i, end))
            elif word in t.STORE_WORDS and _store_id(number, lexicon):
                self.store_id = number
                self._take(*range(i, end))
        for i, word in enumerate(w):
            if i in self.used:
                continue
            if word in t.STORE_WORDS and i > 0 and w[i - 1] in t.ORDINALS:
                self.store_id = t.ORDINALS[w[i - 1]]
                self._take(i - 1, i)

        if self.store_id is not None and self.store_id < 0:
            self.store_id = lexicon.stores[-1] if lexicon.stores else None

    def _paging(self) -> None:
        w = self.words
        for i, word in enumerate(w):
            if i in self.used:
                continue
            after = w[i + 1] if i + 1 < len(w) else ""
            if word == "page" and after.isdigit():
                self.page = int(after)
                self._take(i, i + 1)
            elif word == "next" and after in ("page", "ones", "one", "few", "batch", "lot",
                                              "10", "ten", "", "?", "films", "movies"):
                self.next_page = True
                self._take(i, *([i + 1] if after and after != "?" else []))
            elif word == "more" and (after in ("", "?", "please", "of", "results", "films",
                                               "movies", "ones") and i + 1 >= len(w) - 2):
                self.next_page = True  # "show me more", "more please"
                self._take(i)

    def _period(self) -> None:
        """A period said in words; its meaning is for the function that takes it. "The month
        before" shifts the period of the request it follows; "of all time" is all history."""
        joined = " ".join(self.words)
        for pattern, unit, step in _SHIFTS:
            match = pattern.search(joined)
            if match:
                first = len(joined[:match.start()].split())
                self.shift = (match.group(unit), _STEPS[match.group(step)])
                self._take(*range(first, first + len(match.group(0).split())))
                if self.shift[1] < 0 and match.group(0).startswith("the ") and \
                        match.group(0).split()[1] == match.group(step):
                    self.period = f"last {match.group(unit)}"  # asked afresh: the last one
                break
        for pattern in _PERIODS:
            match = pattern.search(joined)
            if match:
                first = len(joined[:match.start()].split())
                span = range(first, first + len(match.group(0).split()))
                if not set(span) & self.used:
                    self.period = match.group(0)
                    self._take(*span)
                    return
        self.month = next((w for i, w in enumerate(self.words) if i not in self.used
                           and re.fullmatch(_MONTH, w)), None)
        match = _ALL_TIME.search(joined)
        if match:
            first = len(joined[:match.start()].split())
            span = range(first, first + len(match.group(0).split()))
            if not set(span) & self.used:
                self.period = "all time"
                self._take(*span)

    def _year_as_period(self) -> None:
        """A year said with rentals or money taken ("most rented films 2022", "rev per store
        2022"), or with figures by month (no film has one), is when they
        happened, not when a film came out: the period of the figures ("rental count by month
        for 2026"). "Released in 2006", "films from 2006" stay a film's release year."""
        if self.period is not None:
            return
        activity = (self.order is not None and self.order.quantity in (q.POPULARITY, q.REVENUE)
                    ) or self.has_any(t.ACTIVITY_WORDS | t.TIME_GROUPS)
        for bound in list(self.bounds):
            first = min(bound.positions)
            before = set(self.words[max(0, first - 2):first]) | set(bound.text.split()[:1])
            if bound.quantity != q.YEAR or bound.low != bound.high or not activity or \
                    before & t.RELEASE_WORDS:
                continue
            self.bounds.remove(bound)
            self.period = str(bound.low)
            return

    def _fee_amounts(self) -> None:
        """Money said of returning late is the late fee, not a film's price: "do they keep
        paying a buck a day forever?", "is it $1 per day late?", "more than $5 in fines"."""
        if self.has("price", "priced", "prices", "rate", "rates", "costing"):
            return  # "films that rent for $1 a day": a price after all
        for bound in [b for b in self.bounds if b.quantity == q.MONEY]:
            end = max(bound.positions) + 1
            after = self.words[end:end + 2]
            per_day = after[:1] == ["daily"] or (len(after) == 2 and after[0] in (
                "a", "per", "each", "every", "an") and after[1] in ("day", "night", "week"))
            late = self.has_any(t.FEE_WORDS | {"late", "overdue", "lateness"})
            if per_day or late or self.says_return():
                self.bounds.remove(bound)
                self.fees.append(bound)
                if per_day:
                    self._take(end, end + 1)

    def _quantities(self) -> None:
        self.bounds = q.bounds(self.words, self.used)
        decade = q.decade(self.words, self.used)
        if decade:
            self.bounds.append(decade)
        for bound in self.bounds:
            self._take(*bound.positions)
        self.order = q.order(self.words, self.used)
        if self.order is None and self.has_any(t.PRICE_WORDS):
            at = next(i for i, w in enumerate(self.words) if w in t.PRICE_WORDS)
            self.order = q.Order(q.MONEY, False, (at,), self.words[at])  # "cheap": cheapest first
        if self.order:
            self._take(*self.order.positions)

    def bound(self, quantity: str) -> tuple:
        """The lowest and highest of a quantity that the message allows (None: open)."""
        low = high = None
        for b in self.bounds:
            if b.quantity == quantity:
                low = b.low if b.low is not None else low
                high = b.high if b.high is not None else high
        return low, high

    def _ratings(self, original: str) -> None:
        for i, word in enumerate(self.words):
            if i in self.used:
                continue
            rating = _RATING_TOKENS.get(word)
            if word in ("r", "g"):
                near = self.words[max(0, i - 1):i] + self.words[i + 1:i + 2]
                beside = self.words[max(0, i - 2):i] + self.words[i + 1:i + 3]
                listed = {"or", "and"} & set(near) and set(_RATING_TOKENS) & set(beside)
                if "rated" in near or "rating" in near or listed or \
                        re.search(rf"(?<![\w']){word.upper()}(?![\w'])", original):
                    rating = word.upper()
            if rating and rating not in self.ratings:
                self.ratings.append(rating)
                self._take(i)
        for i, word in enumerate(self.words):
            if word in ("rated", "rating") and i not in self.used and self.ratings:
                self._take(i)

    def _language_and_feature(self, lexicon: Lexicon) -> None:
        w = self.words
        for i, word in enumerate(w):
            if i in self.used:
                continue
            language = next((x for x in lexicon.languages if x.lower() == word), None)
            after = w[i + 1] if i + 1 < len(w) else ""
            if language and (self.has_any(t.FILM_WORDS) or i > 0 and w[i - 1] in ("in", "with")
                             or after == "language" or after in t.CATEGORY_ALIASES):
                self.language = language
                self._take(i, *([i - 1] if i > 0 and w[i - 1] == "in" else []))
        for i, word in enumerate(w):
            if i in self.used:
                continue
            pair = tuple(w[i:i + 2])
            triple = tuple(w[i:i + 3])
            if triple == ("behind", "the", "scenes"):
                self.feature, span = "Behind the Scenes", 3
            elif pair in (("deleted", "scenes"), ("deleted", "scene")):
                self.feature, span = "Deleted Scenes", 2
            elif word in ("commentary", "commentaries"):
                self.feature, span = "Commentaries", 1
                if i > 0 and w[i - 1] in ("director", "directors", "audio", "cast"):
                    i -= 1  # "director commentary"
                    span = 2
            elif word in ("trailer", "trailers"):
                self.feature, span = "Trailers", 1
            else:
                continue
            self._take(*range(i, i + span))
            return

    def _category(self, lexicon: Lexicon) -> None:
        w = self.words
        for i, word in enumerate(w):
            alias = t.CATEGORY_ALIASES.get(word)
            if i in self.used or alias is None:
                continue
            name = lexicon.category(alias)
            if name is None:
                continue
            near_film = any(x in t.FILM_WORDS or x in ("ones", "releases", "genre", "stuff")
                            for x in w[i + 1:i + 3]) or (i > 0 and w[i - 1] in (
                                "something", "anything"))
            filtered = self.ratings or self.bounds or self.order or self.has_any(t.STREAM_WORDS)
            if word in t.GENRE_ON_THEIR_OWN or near_film or filtered:
                self.category = name
                self._take(i)
                if word == "science" and i + 1 < len(w) and w[i + 1] == "fiction":
                    self._take(i + 1)
                return

    def _ordinal_and_limit(self) -> None:
        w = self.words
        for i, word in enumerate(w):
            if i in self.used:
                continue
            after = w[i + 1] if i + 1 < len(w) else ""
            if word in ("top", "first", "last") and after.isdigit():
                self.limit = int(after)
                self._take(i, i + 1)
            elif word in t.ORDINALS and not after.isdigit() and after not in (
                "rentals", "films", "movies", "customers", "time", "name"
            ):
                self.ordinal = t.ORDINALS[word]
                self._take(i)
            elif word in ("#", "id") and after.isdigit() and len(after) < 9:
                self.bare_ids.append(int(after))  # "#11 - what's their balance"
                if word == "#":
                    self.ordinal = int(after)  # or an item of the last list: "option #2"
                self._take(i, i + 1)
            elif word in ("number", "option", "choice", "#", "no") and (
                after.isdigit() or after in t.NUMBER_WORDS
            ):
                self.ordinal = int(after) if after.isdigit() else t.NUMBER_WORDS[after]
                self._take(i, i + 1)
            elif (word.isdigit() or word in t.NUMBER_WORDS) and (
                after in t.FILM_WORDS or after in t.CATEGORY_ALIASES or after == "rentals"
                or any(x in t.FILM_WORDS for x in w[i + 2:i + 4])
            ) and i not in self.used:
                self.limit = int(word) if word.isdigit() else t.NUMBER_WORDS[word]
                self._take(i)
        for i, word in enumerate(w):
            if i not in self.used and word.isdigit() and len(word) < 9:
                self.numbers.append(int(word))

    def _title_query(self) -> None:
        w, found = self.words, None
        for i, word in enumerate(w):
            if word in ("titled", "called", "named"):
                found = _span(w, i + 1, stop=_TOPIC_END | {"in"})
                if any(x in _PEOPLE for x in w[max(0, i - 3):i]):
                    words = [w[j] for j in found if w[j] not in t.STOP]
                    self.name_query = " ".join(words) or None
                    self._take(i, *found)
                    return
            elif word in ("title", "titles", "name") and i > 0 and w[i - 1] in (
                "the", "its", "their", "in"
            ) and "in" in w[max(0, i - 2):i]:
                start = i - 2 if w[i - 1] != "in" else i - 1
                j = start
                while j > 0 and w[j - 1] not in ("with", "containing", "having", "has", "have",
                                                 "films", "movies", "titles", "any", "word"):
                    j -= 1
                found = list(range(j, start))
            elif word in ("title", "titles") and i + 1 < len(w) and w[i + 1] in (
                "containing", "contains", "with", "including", "like", "has", "matching",
                "starting", "beginning", "that", "which", "start", "begin", "begins", "starts"
            ):
                start = i + 2
                while start < len(w) and w[start] in ("with", "start", "starts", "begin",
                                                      "begins", "contain", "contains", "have"):
                    start += 1
                if w[start:start + 2] in (["the", "word"], ["the", "words"]):
                    start += 2  # "titles with the word weekend"
                elif w[start:start + 1] in (["word"], ["words"]):
                    start += 1
                found = _span(w, start, stop=_TOPIC_END)
            if found:
                break
        quoted = re.findall(r"[\"\u201c]([^\"\u201d]+)[\"\u201d]", self.message)
        if quoted and not found:
            self.title_query = " ".join(t.tokens(quoted[0])).upper()
            return
        words = [w[j] for j in (found or []) if w[j] not in t.STOP and w[j] not in t.FILM_WORDS]
        if words:
            self.title_query = " ".join(words).upper()
            self._take(*found)

    def _topic(self, lexicon: Lexicon) -> None:
        w = self.words
        for i, word in enumerate(w):
            if i in self.used or i + 1 >= len(w):
                continue
            cue = word in _TOPIC_CUES or (word == "with" and (
                w[i + 1] in ("a", "an", "some")
                or (i > 0 and w[i - 1] in t.FILM_WORDS | {"something", "anything", "ones"})))
            if word == "where" and (i == 0 or w[i - 1] not in t.FILM_WORDS | {"one", "something"}):
                cue = False  # "where can I find X?" is not what a film is about
            if word == "about" and i > 0 and w[i - 1] in ("me", "us", "what", "how"):
                cue = False  # "tell me about ...", "what about ...": not a topic
            if not cue:
                continue
            span = [j for j in _span(w, i + 1, stop=_TOPIC_END, go_on=_topic_goes_on)
                    if j not in self.used]
            words = [w[j] for j in span if w[j] not in t.STOP and w[j] not in t.FILM_WORDS
                     and w[j] not in ("word", "words")
                     and w[j].isalpha()]
            if words:
                self.topic, self.topic_cue = " ".join(words), True
                self._take(i, *span)
                return
        # "dinosaur movies", "shark films": the words just before a film word.
        for i, word in enumerate(w):
            if word not in t.FILM_WORDS or i in self.used:
                continue
            j = i
            while j > 0 and j - 1 not in self.used and w[j - 1] not in t.COMMON \
                    and w[j - 1].isalpha() and lexicon.category(w[j - 1]) is None:
                j -= 1
            if j < i:
                self.topic = " ".join(w[j:i])
                self._take(*range(j, i))
                return

    def _loose_names(self, lexicon: Lexicon) -> None:
        free = set(range(len(self.words))) - self.used
        skip = set(range(len(self.words))) - free
        names = lexicon.customers.partial(self.words, skip, cutoff=LOOSE_NAME_CUTOFF)
        titles = lexicon.films.partial(self.words, skip)
        exact_titles = {i for i, _, score in titles if score == 1.0}
        exact_names = {i for i, _, score in names if score == 1.0}
        # A word spelled exactly as one kind of name is not a typo of the other kind.
        names = [n for n in names if n[0] not in exact_titles or n[0] in exact_names]
        titles = [t for t in titles if t[0] not in exact_names or t[0] in exact_titles]
        if not any(w in t.FILM_WORDS for w in self.words):
            titles = [t for t in titles if t[2] == 1.0]  # "rain" is not a typo of "train" here
        self.name_words = [word for _, word, _ in names]
        self.title_words = [word for _, word, _ in titles]
        self.loose = {self.words[i] for i, _, _ in names + titles}


def _non_overlapping(found: list[Found]) -> list[Found]:
    chosen, taken = [], set()
    for f in found:
        if not taken & set(f.positions):
            chosen.append(f)
            taken.update(f.positions)
    return chosen


def _tied(f: Found, best: list[Found]) -> bool:
    return any(b.score == f.score and set(b.positions) & set(f.positions) and b is not f
               for b in best)


def _store_id(number: int, lexicon: Lexicon) -> bool:
    """A store's id is one of the store's, or at least small: "store 2022" is a year."""
    return number in lexicon.stores or number < 100


def _number_at(words: list[str], i: int) -> tuple[int | None, int]:
    return t.number_at(words, i)


def _span(words: list[str], start: int, stop: set[str], go_on=None) -> list[int]:
    end = start
    while end < len(words) and (words[end] not in stop or (go_on and go_on(words, end))):
        end += 1
    return list(range(start, end))


def _topic_goes_on(words: list[str], i: int) -> bool:
    """ "love in Nigeria" is one topic; "... in stock", "... in store 2" end it."""
    after = words[i + 1] if i + 1 < len(words) else ""
    return words[i] == "in" and after not in t.STOCK_WORDS | t.STORE_WORDS | {
        "the", "our", "your", "its", "title", "titles", "?", ""}
