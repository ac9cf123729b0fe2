"""Words: how the offline model reads a message (tokens), and the small vocabularies it knows.

Everything here is plain data and pure functions; the store's own words (titles, names,
categories) live in the Lexicon.
"""

import re

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_RATING_FORMS = [
    (re.compile(r"\bnc\s*-?\s*17\b"), " nc17 "),
    (re.compile(r"\bpg\s*-?\s*13\b"), " pg13 "),
    (re.compile(r"\bsci\s*-?\s*fi\b"), " scifi "),
]
_TOKEN = re.compile(r"\$?[a-z0-9]+(?:\.[0-9]+)?|[@#?]")


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


def normalise(text: str) -> str:
    """Lower case, straight quotes, no possessive 's, rating and genre spellings unified."""
    text = text.replace("\u2019", "'").replace("\u2018", "'").lower()
    text = re.sub(r"n't\b", " not", text)
    text = re.sub(r"'s\b", "", text)
    text = text.replace("'", "")
    for pattern, replacement in _RATING_FORMS:
        text = pattern.sub(replacement, text)
    return text


def tokens(text: str) -> list[str]:
    """The message's words, normalised: "PG-13 films under $1?" -> pg13 films under $1 ?"""
    return _TOKEN.findall(normalise(text))


# Chat shorthand, as clerks type it, and what it stands for. Expanded in what the clerk
# types (never in the store's own names), so that "rn" is "right now", never a name.
SHORTHAND = {
    "rn": "right now", "atm": "at the moment", "rite": "right", "nw": "now", "u": "you",
    "ur": "your", "pls": "please", "plz": "please", "plez": "please", "thx": "thanks",
    "thnx": "thanks", "thanx": "thanks", "tx": "thanks", "rev": "revenue", "revs": "revenue",
    "amt": "amount", "amts": "amounts", "avg": "average", "cust": "customer",
    "custs": "customers", "acct": "account", "yr": "year", "yrs": "years", "mo": "month",
    "mos": "months", "mnth": "month", "wk": "week", "wks": "weeks", "yday": "yesterday",
    "yest": "yesterday", "2day": "today", "tot": "total", "pmt": "payment", "pymt": "payment",
    "pmts": "payments", "pymts": "payments", "b4": "before", "prev": "previous",
    "w": "with", "bc": "because", "cuz": "because", "nite": "night", "qty": "quantity",
    "tmrw": "tomorrow", "recs": "recommendations", "hw": "how", "wat": "what", "wut": "what",
    "wht": "what", "abt": "about", "bout": "about", "cud": "could", "hv": "have",
    "disc": "copy", "discs": "copies",  # at a DVD counter, a disc is a copy
}  # fmt: skip
# Chat filler that means nothing for the request.
CHAT_FILLER = _words("lol btw fyi asap k kk hmm hm um uh ya yeah yep yup nah pls")
_MONEY_SIGNS = re.compile(r"\$+(?![0-9.])")  # "by $$", "$ per store": money
_NUMBER_SIGN = re.compile(r"#\s*(?=[A-Za-z])")  # "# of rentals": the number of
_PERCENT_SIGN = re.compile(r"(?<=[0-9])\s*%")  # "15%": 15 percent


def chat_tokens(text: str) -> list[str]:
    """What the clerk typed as words, chat shorthand spelled out: "how many out rn" -> how
    many out right now; "top custs by $$" -> top customers by money; "# of" -> number of;
    "15%" -> 15 percent."""
    text = _NUMBER_SIGN.sub(" number ", _MONEY_SIGNS.sub(" money ", text))
    text = _PERCENT_SIGN.sub(" percent ", text)
    words: list[str] = []
    said = tokens(text)
    for i, word in enumerate(said):
        if word == "r" and _are(said, i):
            words.append("are")  # "how many films r overdue"; not "R-rated", "PG or R"
            continue
        words.extend(SHORTHAND[word].split() if word in SHORTHAND else [word])
    return words


_BEFORE_ARE = _words("""
how many what which who where when why there they we you u these those films movies dvds
rentals customers copies titles ones people
""")


def _are(words: list[str], i: int) -> bool:
    """ "r" for "are": after a question word, a pronoun or a plural, and not next to a rating
    or a film word ("which R films", "rated r", "pg or r")."""
    before = words[i - 1] if i > 0 else ""
    after = words[i + 1] if i + 1 < len(words) else ""
    return before in _BEFORE_ARE and after not in FILM_WORDS | {
        "rated", "rating", "or", "and", "movies", "comedies", "horror", "dramas", "?", ""}


def words_of(name: str) -> tuple[str, ...]:
    """A store name (title, customer name, category) as comparable words."""
    return tuple(t for t in tokens(name) if t not in "@#?")


UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19,
}  # fmt: skip
TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
        "eighty": 80, "ninety": 90}
NUMBER_WORDS = {**UNITS, **TENS}


def _below_hundred(words: list[str], i: int) -> tuple[int | None, int]:
    """ "fifty four", "fifty-four" (already split), "twelve", "7" at position i."""
    if i >= len(words):
        return None, i
    word = words[i]
    if word in TENS:
        if i + 1 < len(words) and words[i + 1] in UNITS and 0 < UNITS[words[i + 1]] < 10:
            return TENS[word] + UNITS[words[i + 1]], i + 2
        return TENS[word], i + 1
    if word in UNITS:
        return UNITS[word], i + 1
    return None, i


def number_at(words: list[str], i: int) -> tuple[int | None, int]:
    """A whole number at position i, in digits or in words, and where it ends:
    "354", "three fifty four" (354), "one hundred and two", "twenty one", "a hundred",
    "nineteen ninety nine" (1999), "two thousand six" (2006)."""
    if i >= len(words):
        return None, i
    if words[i].isdigit() and len(words[i]) < 10:
        return int(words[i]), i + 1
    if words[i] in ("a", "one") and i + 1 < len(words) and words[i + 1] == "hundred":
        first, end = 1, i + 1
    else:
        first, end = _below_hundred(words, i)
    if first is None:
        return None, i
    word = words[end] if end < len(words) else ""
    if word == "thousand":
        total, end = first * 1000, end + 1
        if end < len(words) and words[end] == "and":
            end += 1
        rest, after = _hundreds(words, end)
        return (total + rest, after) if rest is not None else (total, end)
    if word == "hundred":
        total, end = first * 100, end + 1
        if end < len(words) and words[end] == "and":
            end += 1
        rest, after = _below_hundred(words, end)
        return (total + rest, after) if rest is not None else (total, end)
    if 0 < first < 100 and (first < 10 or first in UNITS.values()) and word in TENS:
        rest, after = _below_hundred(words, end)  # "three fifty four", "nineteen ninety"
        return first * 100 + rest, after
    return first, end


def _hundreds(words: list[str], i: int) -> tuple[int | None, int]:
    first, end = _below_hundred(words, i)
    if first is None:
        return None, i
    if end < len(words) and words[end] == "hundred":
        rest, after = _below_hundred(words, end + 2 if end + 1 < len(words)
                                     and words[end + 1] == "and" else end + 1)
        return first * 100 + (rest or 0), after if rest is not None else end + 1
    return first, end


ORDINALS = {
    "first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4,
    "fifth": 5, "5th": 5, "sixth": 6, "6th": 6, "seventh": 7, "7th": 7, "eighth": 8, "8th": 8,
    "ninth": 9, "9th": 9, "tenth": 10, "10th": 10, "last": -1,
}  # fmt: skip

# Everyday words that never name a film or a customer on their own: they are matched to
# store names only exactly, never as a typo of one.
STOP = _words("""
a an the of for to in on at by with and or but is are was were be been being am do does did
done have has had having i me my mine we us our you your it its itself this that these those
there here what whats which who whom whose when where why how please pls can could would will
wil should shall may might must any some all just also too very really now right currently
ok okay hey hi hello thanks thank so then than up out about from into as if not no yes get
got give show list find tell look see know want wanna like need let lets im ive id one ones
s t more most much many fewer fewest less least each every both either neither other another
only same such own
again ever still yet already today tonight go going gonna new good best nice great else
something anything everything nothing someone anyone somebody anybody thing things stuff
he him his she her hers they them their theirs please kindly quick quickly maybe perhaps
okay sure cool well also pull bring brought back take took check checked give gave per
different distinct unique various separate individual
""") | CHAT_FILLER

FILM_WORDS = _words("film films movie movies dvd dvds title titles flick flicks picture pictures")
CUSTOMER_WORDS = _words("customer customers client clients member members account")
RENTAL_WORDS = _words("rental rentals")
STORE_WORDS = _words("store stores branch branches shop shops location")

# Category words people use, mapped to words of the store's category names.
CATEGORY_ALIASES = {
    "comedy": "comedy", "comedies": "comedy", "funny": "comedy",
    "horror": "horror", "horrors": "horror", "scary": "horror",
    "scifi": "scifi", "science": "scifi",
    "documentary": "documentary", "documentaries": "documentary", "docs": "documentary",
    "drama": "drama", "dramas": "drama", "dramatic": "drama",
    "animation": "animation", "animated": "animation", "cartoon": "animation",
    "cartoons": "animation", "anime": "animation",
    "classic": "classics", "classics": "classics",
    "action": "action", "family": "family", "foreign": "foreign", "music": "music",
    "musical": "music", "musicals": "music", "travel": "travel", "sport": "sports",
    "sports": "sports", "games": "games", "game": "games", "children": "children",
    "childrens": "children", "kids": "children", "kid": "children", "new": "new",
}  # fmt: skip
# Genre words that say "films" on their own; the others need a film word next to them
# ("action films", "travel movies"), or "how do I travel to Paris?" would be a store question.
GENRE_ON_THEIR_OWN = _words(
    "comedy comedies horror horrors scifi documentary documentaries drama dramas animation "
    "animated cartoon cartoons anime classics musicals scary"
)

# Words that make a question general knowledge rather than the store's business.
GENERAL_MARKERS = _words("""
invented invent inventor history president capital weather forecast news won win winner
world cup election recipe cook cooking poem poems joke jokes translate translation
director directed directs oscar oscars award awards box office imdb review reviews
population planet meaning life explain define definition calculate math sum song lyrics
author wrote written novel book books essay code program python bitcoin ever
restaurant restaurants food hotel hotels nearby mean means stand stands
convert conversion plus minus times divided multiply multiplied percent squared root
cm km mm inch inches mile miles meter meters metre metres kg kilogram kilograms gram grams
pound pounds ounce ounces feet foot yard yards liter liters litre litres gallon gallons
celsius fahrenheit haiku limerick
euro euros yen peso pesos currency exchange profit profits margin margins markup tax taxes
vat interest inflation difference
""")
GENERAL_STARTS = _words(
    "who when where why how what which whats is are was were do does did can could "
    "should would will write compose tell explain translate define calculate summarize "
    "summarise give describe name list"
)

# Words of rentals made and money taken: a year said with them is when that happened
# ("most rented films 2022"); with a release word it is when a film came out.
ACTIVITY_WORDS = _words("""
rented rentals renting revenue sales money takings income earnings spent spend paid payments
earned made make take took taken gross grossed customers top best popular busiest
""")
# Figures by month (not "day" or "week": "a 3 day rental" is a film's rental duration).
TIME_GROUPS = _words("month months monthly weekly daily")
RELEASE_WORDS = _words("released release from came out made year")

# --- Cue words: what the clerk wants done ------------------------------------------------

RENT_VERBS = _words("rent lend loan hire")
RETURN_WORDS = _words("return returns returning returned checkin")
RETURN_PHRASES = (
    ("bring", "back"), ("bringing", "back"), ("brought", "back"), ("give", "back"),
    ("giving", "back"), ("gave", "back"), ("take", "back"), ("taking", "back"),
    ("took", "back"), ("check", "in"), ("checking", "in"), ("checked", "in"),
    ("drop", "off"), ("dropping", "off"), ("dropped", "off"), ("hand", "back"),
    ("handed", "back"), ("handing", "back"), ("brings", "back"), ("gives", "back"),
    ("takes", "back"), ("hands", "back"),
)  # fmt: skip
RETURN_VERBS = frozenset(verb for verb, particle in RETURN_PHRASES if particle == "back")
RENTING_WORDS = _words("renting rented borrowing borrowed")
HISTORY_WORDS = _words("history past previous before ever all")
# Money handed over by a customer, in everyday verbs: "what has she paid", "given us so far",
# "handed over", "spent with us", "forked out", "shelled out", "coughed up".
PAID_VERBS = _words("""
paid pay pays paying spent spend spends spending given give gives gave giving handed hand
hands handing forked fork forking shelled shell coughed cough chipped parted
""")
PAID_PARTICLES = _words("out up over in")
# What returning late costs, in the clerk's words.
FEE_WORDS = _words("fee fees charge charges charged charging fine fines penalty penalties")
# A supposition ("what if she never returns it?", "suppose they keep it") asks for a rule.
SUPPOSE_WORDS = _words("if suppose supposing assuming")
# Everyday words of time and keeping that name no film or customer on their own (a title with
# one of them is still recognised whole: "FOREVER CANDIDATE").
EVERYDAY = _words("""
forever never always ages sometimes often soon later keep keeps kept keeping stop stops
brings bringing takes taking gives giving
""")
OVERDUE_WORDS = _words("overdue late lateness delinquent owe owes owing")
OPEN_WORDS = _words("active open outstanding unreturned current currently out")
STOCK_WORDS = _words(
    "stock instock available availability shelf shelves copies copy carry inventory"
)
DETAIL_WORDS = _words("""
info information details detail describe description summary plot synopsis actors actor
cast starring stars long length runtime minutes price cost costs rating features language
year released special replacement
""")
TITLE_WORDS = _words("title titled titles called named name containing contains")
STREAM_WORDS = _words("streaming stream streamable streamed streams online")
RECOMMEND_WORDS = _words("""
recommend recommended recommendation recommendations suggest suggestion suggestions mature
watch pick picks good best favorite favourite popular worth
""")
LIST_WORDS = _words("list show find search any which what got have browse display")
COUNT_WORDS = _words("count many number")
HELP_WORDS = _words("help commands capabilities")
GREETINGS = _words("hi hello hey morning afternoon evening yo hiya howdy")
THANKS_WORDS = _words("thanks thank cheers thx ty")
CANCEL_WORDS = _words("cancel nevermind forget none neither abort")
PRICE_WORDS = _words("cheap cheaper cheapest budget inexpensive bargain")
CUSTOMER_PRONOUNS = _words("her him she he them they his hers their theirs")
FILM_PRONOUNS = _words("it that this")

COMMON = (
    STOP | FILM_WORDS | CUSTOMER_WORDS | RENTAL_WORDS | STORE_WORDS | RENT_VERBS | RETURN_WORDS
    | RENTING_WORDS | HISTORY_WORDS | OVERDUE_WORDS | OPEN_WORDS | STOCK_WORDS | DETAIL_WORDS
    | TITLE_WORDS | STREAM_WORDS | RECOMMEND_WORDS | LIST_WORDS | COUNT_WORDS | HELP_WORDS
    | GREETINGS | THANKS_WORDS | CANCEL_WORDS | PRICE_WORDS | frozenset(CATEGORY_ALIASES)
    | GENERAL_MARKERS | PAID_VERBS | FEE_WORDS | SUPPOSE_WORDS | EVERYDAY
    | frozenset(NUMBER_WORDS) | frozenset(ORDINALS)
    | _words("under below less cheaper over dollar dollars bucks cents cent rated due "
                "top option number fee fees fine fines")
)
