"""Quantities in what the clerk types: money, lengths, years and their bounds, and orders.

"under $5 over $4", "shorter than an hour and a half", "between 60 and 90 minutes", "from
2006", "released after 2005", "the cheapest", "the longest", "by revenue", "by $$", "the
biggest spenders", "who rented the most". A bound is a range of one quantity (either end may
be open); an order is a quantity and a direction. Which function parameter takes them is
decided from the parameters' own names and values (offline.engine). A period in words can be
moved by months or years ("the month before" July 2022 is June 2022).
"""

import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from assistant.offline.text import UNITS, number_at

MONEY, MINUTES, YEAR, POPULARITY, TITLE = "money", "minutes", "year", "popularity", "title"
REVENUE = "revenue"  # money taken: a ranking "by revenue", "by $$", "the biggest spenders"

# Which quantity a parameter or sort key is about, from a word of its name.
QUANTITY_OF_WORD = {
    "rate": MONEY, "price": MONEY, "cost": MONEY, "fee": MONEY, "amount": MONEY,
    "length": MINUTES, "minutes": MINUTES, "runtime": MINUTES, "duration": MINUTES,
    "year": YEAR, "popularity": POPULARITY, "rentals": POPULARITY, "title": TITLE,
    "relevance": "relevance",  # a sort key no clerk's word orders by: "about" implies it
}  # fmt: skip

STEP = {MONEY: Decimal("0.01"), MINUTES: 1, YEAR: 1}  # "under $5" is at most $4.99

_BELOW = {"under", "below", "less", "cheaper", "shorter", "lower", "beneath", "before",
          "earlier", "older", "within"}
_ABOVE = {"over", "above", "more", "longer", "dearer", "pricier", "after", "later", "newer",
          "greater", "higher", "exceeding"}
_AT_MOST = [("at", "most"), ("up", "to"), ("no", "more"), ("not", "more"), ("max",),
            ("maximum",), ("or", "less"), ("or", "under"), ("tops",), ("or", "cheaper"),
            ("or", "shorter"), ("or", "earlier"), ("or", "before")]
_AT_LEAST = [("at", "least"), ("min",), ("minimum",), ("or", "more"), ("or", "over"),
             ("or", "longer"), ("or", "later"), ("or", "after"), ("and", "up"), ("plus",),
             ("since",), ("no", "less"), ("not", "less")]
_DOLLARS = {"dollar", "dollars", "bucks", "buck", "usd"}
_CENTS = {"cents", "cent"}
_MINUTE_WORDS = {"minutes", "minute", "min", "mins"}
_HOUR_WORDS = {"hours", "hour", "hr", "hrs", "h"}


@dataclass(frozen=True)
class Amount:
    quantity: str  # MONEY, MINUTES or YEAR
    value: Decimal | int
    start: int
    end: int  # position after the last word


@dataclass(frozen=True)
class Bound:
    """A range of one quantity; low and high are inclusive, either may be None."""

    quantity: str
    low: Decimal | int | None
    high: Decimal | int | None
    positions: tuple[int, ...]
    text: str  # the clerk's own words, to name it if no function can use it


@dataclass(frozen=True)
class Order:
    quantity: str  # MONEY, MINUTES, YEAR, POPULARITY or TITLE
    descending: bool
    positions: tuple[int, ...]
    text: str


# --- amounts -------------------------------------------------------------------------------


def amount_at(words: list[str], i: int) -> Amount | None:
    """Money, a length or a year starting at position i."""
    word = words[i]
    after = words[i + 1] if i + 1 < len(words) else ""
    if word.startswith("$") and _decimal(word[1:]) is not None:
        return Amount(MONEY, _decimal(word[1:]), i, i + 1)
    duration = _duration_at(words, i)
    if duration is not None:
        return duration
    if word in ("a", "an") and after in _DOLLARS:
        return Amount(MONEY, Decimal(1), i, i + 2)
    if _decimal(word) is not None and "." in word and after not in _MINUTE_WORDS | _HOUR_WORDS:
        return Amount(MONEY, _decimal(word), i, i + 2 if after in _DOLLARS else i + 1)
    number, end = number_at(words, i)
    if number is None:
        return None
    unit = words[end] if end < len(words) else ""
    if unit in _DOLLARS:
        cents, stop = number_at(words, end + 1)  # "two dollars fifty"
        if cents is not None and cents < 100 and stop <= len(words):
            return Amount(MONEY, Decimal(number) + Decimal(cents) / 100, i, stop)
        return Amount(MONEY, Decimal(number), i, end + 1)
    if unit in _CENTS:
        return Amount(MONEY, Decimal(number) / 100, i, end + 1)
    if 1900 <= number <= 2100 and words[i].isdigit():
        return Amount(YEAR, number, i, end)
    return None


def _duration_at(words: list[str], i: int) -> Amount | None:
    """ "90 minutes", "2 hours", "an hour and a half", "1.5 hours", "half an hour",
    "two and a half hours", "3h"."""
    w = words
    if w[i] == "half" and w[i + 1:i + 3] in (["an", "hour"], ["a", "hour"]):
        return Amount(MINUTES, 30, i, i + 3)
    if w[i] in ("an", "a") and i + 1 < len(w) and w[i + 1] in _HOUR_WORDS:
        hours, end = Decimal(1), i + 2
    else:
        value = _decimal(w[i]) if re.fullmatch(r"[0-9]+\.[0-9]+", w[i]) else None
        end = i + 1
        if value is None:
            number, end = number_at(w, i)
            if number is None:
                match = re.fullmatch(r"([0-9]+)(h|hr|hrs|min|mins)", w[i])
                if not match:
                    return None
                n = int(match.group(1))
                return Amount(MINUTES, n * 60 if match.group(2).startswith("h") else n, i, i + 1)
            value = Decimal(number)
        half = w[end:end + 3] == ["and", "a", "half"]
        if half and end + 3 < len(w) and w[end + 3] in _HOUR_WORDS:
            return Amount(MINUTES, int((value + Decimal("0.5")) * 60), i, end + 4)
        unit = w[end] if end < len(w) else ""
        if unit in _MINUTE_WORDS:
            return Amount(MINUTES, int(value), i, end + 1)
        if unit not in _HOUR_WORDS:
            return None
        hours, end = value, end + 1
    if w[end:end + 3] == ["and", "a", "half"]:
        hours, end = hours + Decimal("0.5"), end + 3
    elif w[end:end + 2] == ["and", "half"]:
        hours, end = hours + Decimal("0.5"), end + 2
    else:
        extra, stop = number_at(w, end + 1 if w[end:end + 1] == ["and"] else end)
        if extra is not None and stop < len(w) and w[stop] in _MINUTE_WORDS:
            return Amount(MINUTES, int(hours * 60) + extra, i, stop + 1)
    return Amount(MINUTES, int(hours * 60), i, end)


def _decimal(text: str) -> Decimal | None:
    return Decimal(text) if re.fullmatch(r"[0-9]+(\.[0-9]+)?", text) else None


# --- bounds ----------------------------------------------------------------------------------


def bounds(words: list[str], taken: set[int]) -> list[Bound]:
    """Every bound the message states, each with the positions of the words it takes."""
    found: list[Bound] = []
    i = 0
    while i < len(words):
        if i in taken:
            i += 1
            continue
        bound = _range_at(words, i)
        if bound is None:
            amount = amount_at(words, i)
            bound = _bound(words, amount) if amount else None
        if bound is None:
            i += 1
            continue
        found.append(bound)
        i = max(bound.positions) + 1
    return found


def _range_at(words: list[str], i: int) -> Bound | None:
    """ "between 60 and 90 minutes", "from $1 to $3", "60 to 90 minutes", "2000-2005"."""
    lead = words[i] in ("between", "from")
    start = i + 1 if lead else i
    if start >= len(words):
        return None
    low = amount_at(words, start)
    number, end = number_at(words, start)
    if low is not None:
        end = low.end
    elif number is None:
        return None
    joint = words[end] if end < len(words) else ""
    if joint not in ("and", "to", "through", "until", "till", "or") or (
        joint == "and" and words[i] != "between"
    ) or (joint == "or" and low is not None):
        return None
    high = amount_at(words, end + 1) if end + 1 < len(words) else None
    if high is None:
        return None
    if low is None or low.quantity != high.quantity:
        # A bare first number is in the second's unit: "1.5 to 2 hrs" is 90 to 120 minutes.
        # A first amount with a unit of its own ("$1", "2 dollars to 3 hours") or a year is no
        # range of the second's quantity.
        bare = _decimal(words[start]) if number is None else Decimal(number)
        said_its_unit = low is not None and (low.quantity == YEAR or low.end > start + 1)
        if bare is None or said_its_unit:
            return None
        if high.quantity == MINUTES and words[high.end - 1] in _HOUR_WORDS:
            low_value = int(bare * 60)
        else:
            low_value = bare if high.quantity == MONEY else int(bare)
    else:
        low_value = low.value
    return Bound(high.quantity, min(low_value, high.value), max(low_value, high.value),
                 tuple(range(i, high.end)), " ".join(words[i:high.end]))


_SHORT_BEFORE = {"than", "to", "of", "for", "is", "are", "costing", "runs", "running",
                 "lasting", "released", "made", "in", "from", "rent", "rents", "cost", "costs",
                 "around", "about", "roughly", "approximately", "exactly", "just", "only",
                 "a", "an", "the", "be", "was", "were", "that", "which", "and"}


def _side_before(words: list[str], i: int) -> tuple[str | None, int]:
    """The comparison said before position i ("under", "at least", "no more than")."""
    for k in range(i - 1, max(-1, i - 5), -1):
        pair = tuple(words[k - 1:k + 1]) if k > 0 else ()
        if pair in _AT_MOST or pair in (("no", "later"), ("not", "after")):
            return "high", k - 1
        if pair in _AT_LEAST or pair in (("no", "earlier"), ("not", "before")):
            return "low", k - 1
        if (words[k],) in _AT_MOST:
            return "high", k
        if (words[k],) in _AT_LEAST:
            return "low", k
        # "no longer than", "nothing over 75 mins": at most
        negated = k > 0 and words[k - 1] in ("no", "not", "nothing", "none")
        if words[k] in _BELOW:
            return ("low", k - 1) if negated else ("high_strict", k)
        if words[k] in _ABOVE:
            return ("high", k - 1) if negated else ("low_strict", k)
        if words[k] not in _SHORT_BEFORE:
            break
    return None, i


def _bound(words: list[str], amount: Amount) -> Bound | None:
    i, end = amount.start, amount.end
    side, first = _side_before(words, i)
    last = end
    if side is None:
        after = tuple(words[end:end + 2])
        for tail in _AT_MOST + _AT_LEAST:
            if after[:len(tail)] == tail and tail != ("since",):
                side, last = ("high" if tail in _AT_MOST else "low"), end + len(tail)
                break
    exact = side is None and i > 0 and words[i - 1] in ("for", "at", "costing", "exactly")
    if side == "high_strict" and words[first] == "within":
        side = "high"
    value = amount.value
    step = STEP[amount.quantity]
    text, positions = " ".join(words[first:last]), tuple(range(first, last))
    if side == "high_strict":
        return Bound(amount.quantity, None, value - step, positions, text)
    if side == "low_strict":
        return Bound(amount.quantity, value + step, None, positions, text)
    if side == "high":
        return Bound(amount.quantity, None, value, positions, text)
    if side == "low":
        return Bound(amount.quantity, value, None, positions, text)
    # No comparison: a year is that year; money is the most it may cost ("$1 films");
    # a length is about that long.
    lead = i - 1 if i > 0 and words[i - 1] in ("from", "in", "of", "around", "about") else i
    text, positions = " ".join(words[lead:end]), tuple(range(lead, end))
    if amount.quantity == YEAR:
        return Bound(YEAR, value, value, positions, text)
    if amount.quantity == MONEY:  # "$1 films": at most; "dramas that rent for 4.99": that
        return Bound(MONEY, value if exact else None, value, positions, text)
    return Bound(MINUTES, max(0, value - 5), value + 5, positions, text)


# --- decades -------------------------------------------------------------------------------

_DECADE_WORDS = {"twenties": 20, "thirties": 30, "forties": 40, "fifties": 50, "sixties": 60,
                 "seventies": 70, "eighties": 80, "nineties": 90}


def decade(words: list[str], taken: set[int]) -> Bound | None:
    """ "from the 90s", "the nineties", "2000s"."""
    for i, word in enumerate(words):
        if i in taken:
            continue
        match = re.fullmatch(r"(19|20)?([0-9])0s", word)
        if match:
            start = int((match.group(1) or "19") + match.group(2) + "0")
        elif word in _DECADE_WORDS:
            start = 1900 + _DECADE_WORDS[word]
        else:
            continue
        first = i - 1 if i > 0 and words[i - 1] == "the" else i
        first = first - 1 if first > 0 and words[first - 1] in ("from", "in", "of") else first
        return Bound(YEAR, start, start + 9, tuple(range(first, i + 1)),
                     " ".join(words[first:i + 1]))
    return None


# --- periods ---------------------------------------------------------------------------------

_MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august",
           "september", "october", "november", "december"]


def shifted(period: str, unit: str, step: int, today: date) -> str | None:
    """A period in words moved by whole months or years ("the month before" July 2022 is
    June 2022; "the year before" 2022 is 2021), or a day by days ("the day before" July 20th
    2022 is July 19 2022), in words again; None when it cannot be."""
    words = re.sub(r"^(?:in|for|during|over|of|on) ", "", " ".join(period.lower().split()))
    month = year = None
    if day := _day(words, today):  # "the day before" July 20th 2022 is July 19th 2022
        if unit in ("day", "week"):
            day += timedelta(days=step * (7 if unit == "week" else 1))
        else:
            total = day.year * 12 + day.month - 1 + (step if unit == "month" else 12 * step)
            day = day.replace(year=total // 12, month=total % 12 + 1, day=min(day.day, 28))
        return f"{_MONTHS[day.month - 1].title()} {day.day} {day.year}"
    if match := re.fullmatch(r"([a-z]+)(?: (\d{4}))?", words):
        name = next((m for m in _MONTHS if match.group(1) in (m, m[:3], m[:4])), None)
        if name:
            month, year = _MONTHS.index(name) + 1, int(match.group(2) or today.year)
    elif match := re.fullmatch(r"(this|last|past|previous) (month|year)", words):
        back = 0 if match.group(1) == "this" else 1
        if match.group(2) == "month":
            total = today.year * 12 + today.month - 1 - back
            month, year = total % 12 + 1, total // 12
        else:
            year = today.year - back
            if unit == "year":
                return str(year + step)
            return None
    elif re.fullmatch(r"\d{4}", words):
        return str(int(words) + step) if unit == "year" else None
    if month is None or unit not in ("month", "year"):
        return None
    total = year * 12 + month - 1 + (step if unit == "month" else 12 * step)
    return f"{_MONTHS[total % 12].title()} {total // 12}"


def _day(words: str, today: date) -> date | None:
    """One day in words: "july 20th 2022", "the 20th of july", "nov 11" (this year)."""
    words = " ".join(re.findall(r"[a-z0-9]+", words))
    match = (re.fullmatch(r"(?P<m>[a-z]+) (?P<d>\d{1,2})(?:st|nd|rd|th)?(?: (?P<y>\d{4}))?", words)
             or re.fullmatch(r"(?:the )?(?P<d>\d{1,2})(?:st|nd|rd|th)? (?:of )?(?P<m>[a-z]+)"
                             r"(?: (?P<y>\d{4}))?", words))
    name = match and next((m for m in _MONTHS if match["m"] in (m, m[:3], m[:4])), None)
    if not name:
        return None
    try:
        return date(int(match["y"] or today.year), _MONTHS.index(name) + 1, int(match["d"]))
    except ValueError:
        return None


# --- orders ----------------------------------------------------------------------------------

_SUPERLATIVES = {
    "cheapest": (MONEY, False), "priciest": (MONEY, True), "dearest": (MONEY, True),
    "longest": (MINUTES, True), "shortest": (MINUTES, False), "newest": (YEAR, True),
    "latest": (YEAR, True), "oldest": (YEAR, False), "earliest": (YEAR, False),
    "alphabetical": (TITLE, False), "alphabetically": (TITLE, False),
}  # fmt: skip
# Words for money taken, and for taking it: "by $$" (money), "by spend", "who spent the
# most", "the biggest spenders", "top grossing".
_REVENUE_WORDS = {"revenue", "money", "spend", "spending", "sales", "takings", "income",
                  "earnings", "dollars", "bucks", "cash", "payments", "gross"}
_REVENUE_VERBS = {"spent", "spend", "spends", "paid", "pay", "pays", "made", "make", "makes",
                  "earned", "earn", "earns", "grossed", "took", "taken", "brought"}
_REVENUE_DOERS = {"spenders", "spender", "payers", "payer", "earners", "earner", "grossing",
                  "earning", "paying", "spending", "grossers"}
_RENTAL_VERBS = {"rented", "rent", "rents", "renting", "borrowed", "watched"}
_MOST = {
    "expensive": (MONEY, True), "popular": (POPULARITY, True), "rented": (POPULARITY, True),
    "recent": (YEAR, True), "watched": (POPULARITY, True), "wanted": (POPULARITY, True),
    "rentals": (POPULARITY, True),
    **{w: (REVENUE, True) for w in _REVENUE_WORDS},
}  # fmt: skip


def order(words: list[str], taken: set[int]) -> Order | None:
    """The order a superlative asks for: "the cheapest" -> money, ascending. A measure named
    with "by" ("top films by revenue") says more than "top" alone."""
    return _measure(words, taken) or _superlative(words, taken)


def _measure(words: list[str], taken: set[int]) -> Order | None:
    """ "by revenue", "by $$", "by spend"; "spent the most", "rented the most", "made us the
    most money"; "the biggest spenders", "top grossing"."""
    for i, word in enumerate(words):
        if i in taken:
            continue
        after = words[i + 1] if i + 1 < len(words) else ""
        if word == "by" and after in _REVENUE_WORDS:
            return Order(REVENUE, True, (i, i + 1), f"by {after}")
        counted = _counted_rentals(words, i)
        if counted:  # "by number of rentals", "by the count of rentals", "by rental count"
            return Order(POPULARITY, True, tuple(range(i, counted)), " ".join(words[i:counted]))
        third = words[i + 2] if i + 2 < len(words) else ""
        if word == "by" and after in ("amount", "total", "sum", "money") and \
                third in _REVENUE_VERBS:  # "by amount paid", "by total spent"
            return Order(REVENUE, True, (i, i + 1, i + 2), f"by {after} {third}")
        if word in ("biggest", "top", "best", "highest", "largest", "big") and \
                after in _REVENUE_DOERS:  # the doer is left to say who: "spenders"
            return Order(REVENUE, True, (i,), f"{word} {after}")
        if word in _REVENUE_VERBS | _RENTAL_VERBS:
            rest = [w for w in words[i + 1:i + 5] if w not in ("us", "we", "the", "in", "out")]
            if rest[:1] in (["most"], ["least"]) and (len(rest) < 2 or rest[1] not in _MOST):
                quantity = REVENUE if word in _REVENUE_VERBS else POPULARITY
                end = words.index(rest[0], i + 1) + 1  # the verb is left to say what is done
                return Order(quantity, rest[0] == "most", tuple(range(i + 1, end)),
                             " ".join(words[i:end]))
    return None


_COUNT_WORDS = {"number", "count", "no", "num", "total", "amount"}
_RENTAL_NOUNS = {"rentals", "rental", "rents", "loans", "checkouts"}


def _counted_rentals(words: list[str], i: int) -> int | None:
    """After "by": a count of rentals ("number of rentals", "the rental count"); where the
    words end, or None."""
    if words[i] != "by":
        return None
    j = i + 1
    while j < len(words) and words[j] in ("the", "a", "total"):
        j += 1
    rest = words[j:j + 3]
    if rest[:1] and rest[0] in _COUNT_WORDS:
        k = j + 2 if rest[1:2] == ["of"] else j + 1
        return k + 1 if k < len(words) and words[k] in _RENTAL_NOUNS else None
    if rest[:1] and rest[0] in ("rental", "rentals") and rest[1:2] and rest[1] in _COUNT_WORDS:
        return j + 2
    return None


def _superlative(words: list[str], taken: set[int]) -> Order | None:
    for i, word in enumerate(words):
        if i in taken:
            continue
        after = words[i + 1] if i + 1 < len(words) else ""
        if word in _SUPERLATIVES:
            quantity, descending = _SUPERLATIVES[word]
            span = (i, i + 1) if after == "first" else (i,)  # "longest first"
            return Order(quantity, descending, span, " ".join(words[i:i + len(span)]))
        if word in ("most", "least") and after in _MOST:
            quantity, descending = _MOST[after]
            return Order(quantity, descending if word == "most" else not descending,
                         (i, i + 1), f"{word} {after}")
        if word in ("top", "best", "hottest") and after in ("rented", "renting", "sellers",
                                                            "rentals", "films", "movies", ""):
            return Order(POPULARITY, True, (i,), word)
        if word == "by" and (after in QUANTITY_OF_WORD or after == "name"):
            quantity = QUANTITY_OF_WORD.get(after, TITLE)
            return Order(quantity, quantity in (POPULARITY,), (i, i + 1), f"by {after}")
    return None


__all__ = ["MONEY", "MINUTES", "YEAR", "POPULARITY", "TITLE", "REVENUE", "Bound", "Order",
           "UNITS", "amount_at", "bounds", "decade", "order", "shifted"]
