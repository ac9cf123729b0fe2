"""The store's own names, to recognise them in what the clerk types.

Film titles, customer names and emails, actors, categories, languages, ratings, store ids
and rental rates are read once from the database. A name is recognised when every one of its
words appears in the message, in any order, close together, each spelled exactly or with a
small typo
("acadmy dinosaur", "smith mary"). Typos are looked up with difflib among words of about
the same length, and remembered.
"""

import asyncio
import contextlib
import difflib
import gc
import time
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import text

from assistant.db import Database
from assistant.films import RATINGS
from assistant.films import categories as store_categories
from assistant.films import languages as store_languages
from assistant.logging import get_logger
from assistant.offline.text import COMMON, words_of

log = get_logger(__name__)

TYPO_CUTOFF = 0.8  # difflib ratio: "acadmy"/"academy" is 0.92, "smth"/"smith" 0.89
MIN_TYPO_LENGTH = 4  # shorter words must be spelled exactly
LOOSE_TYPO_CUTOFF = 0.85  # one word alone says less: "alien" is not a typo of "alvin" (0.8)
LOOSE_NAME_CUTOFF = 0.9  # nor "days" of "day" (0.86); "wilie" of "willie" is 0.91


@dataclass(frozen=True)
class Name:
    """A film title or a customer's full name, as the store has it."""

    id: int
    name: str
    words: tuple[str, ...]
    email: str | None = None


@dataclass(frozen=True)
class Found:
    """A name recognised in a message: which one, at which word positions, how closely."""

    entry: Name
    positions: tuple[int, ...]
    score: float  # 1.0 when every word is spelled exactly


@dataclass
class _Vocabulary:
    """Words of a set of names, with the names each word is part of."""

    names: list[Name]
    index: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    by_length: dict[int, list[str]] = field(default_factory=lambda: defaultdict(list))
    memo: dict[str, list[tuple[str, float]]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for i, entry in enumerate(self.names):
            for word in dict.fromkeys(entry.words):
                self.index[word].append(i)
        for word in sorted(self.index):
            self.by_length[len(word)].append(word)

    def spellings(self, word: str) -> list[tuple[str, float]]:
        """Words of the vocabulary this word may be: itself, or the closest typo matches."""
        if word in self.index:
            return [(word, 1.0)]
        if len(word) < MIN_TYPO_LENGTH or word in COMMON or not word.isalpha():
            return []
        if word not in self.memo:
            if len(self.memo) > 50_000:
                self.memo.clear()
            near = [w for n in range(len(word) - 2, len(word) + 3) for w in self.by_length[n]]
            close = difflib.get_close_matches(word, near, n=3, cutoff=TYPO_CUTOFF)
            self.memo[word] = [(w, difflib.SequenceMatcher(None, word, w).ratio()) for w in close]
        return self.memo[word]

    def find(self, words: list[str], skip: set[int] = frozenset()) -> list[Found]:
        """Names all of whose words are in `words` (close together), best first."""
        options = [[] if i in skip else self.spellings(w) for i, w in enumerate(words)]
        hits: dict[int, dict[str, list[tuple[int, float]]]] = defaultdict(lambda: defaultdict(list))
        for position, spelled in enumerate(options):
            for word, score in spelled:
                for i in self.index[word]:
                    hits[i][word].append((position, score))
        found = []
        for i, by_word in hits.items():
            entry = self.names[i]
            if len(by_word) < len(set(entry.words)):
                continue
            placed = _place(entry.words, by_word)
            if placed is None:
                continue
            positions = tuple(p for p, _ in placed)
            if max(positions) - min(positions) > len(entry.words) + 1:
                continue  # words far apart: a coincidence, not a name
            score = sum(s for _, s in placed) / len(placed)
            found.append(Found(entry, tuple(sorted(positions)), score))
        found.sort(key=lambda f: (-f.score, -len(f.positions), f.positions, f.entry.id))
        return found

    def partial(
        self, words: list[str], skip: set[int] = frozenset(), cutoff: float = LOOSE_TYPO_CUTOFF
    ) -> list[tuple[int, str, float]]:
        """Words that are some name's word on their own (a first name, one title word):
        position, the word as the store spells it, and how closely."""
        found = []
        for i, word in enumerate(words):
            if i in skip or word in COMMON:
                continue
            spelled = [(w, s) for w, s in self.spellings(word) if s >= cutoff]
            if spelled:
                found.append((i, *spelled[0]))
        return found


def _place(name_words, by_word) -> list[tuple[int, float]] | None:
    """Give each word of the name its own position in the message (best spelled first)."""
    used, placed = set(), []
    for word in name_words:
        spots = sorted(by_word[word], key=lambda ps: (-ps[1], ps[0]))
        spot = next((ps for ps in spots if ps[0] not in used), None)
        if spot is None:
            return None
        used.add(spot[0])
        placed.append(spot)
    return placed


class Lexicon:
    """What the store calls things, loaded from its database."""

    def __init__(
        self,
        films: list[Name],
        customers: list[Name],
        categories: list[str],
        ratings: list[str],
        stores: list[int],
        rates: list[Decimal],
        actors: list[Name] = (),
        languages: list[str] = (),
    ):
        self.films = _Vocabulary(films)
        self.customers = _Vocabulary(customers)
        self.actors = _Vocabulary(list(actors))
        self.languages = list(languages)
        self.categories = categories
        self.ratings = ratings
        self.stores = stores
        self.rates = rates
        self._films_by_id = {f.id: f for f in films}
        self._films_by_title = {f.name.upper(): f for f in films}
        self._customers_by_id = {c.id: c for c in customers}
        self._emails = {c.email.lower(): c for c in customers if c.email}

    @classmethod
    async def load(cls, database: Database) -> "Lexicon":
        """Read and index the store's names (seconds of CPU at a chain's size: 100,000 titles,
        60,000 customers) without making anyone wait more than a few milliseconds: the rows
        a page at a time (_names), the indexing in a worker thread, the collector paused."""
        with _collector_paused():
            async with database.reading() as conn:
                films = await _names(conn, _FILMS, lambda i, title: Name(i, title, words_of(title)))
                people = await _names(conn, _CUSTOMERS, _person)
                cast = await _names(conn, _ACTORS, _person)
                categories = await store_categories(conn)
                languages = await store_languages(conn)
                present = set(await conn.scalars(text("SELECT DISTINCT rating::text FROM film")))
                stores = list(await conn.scalars(text("SELECT store_id FROM store ORDER BY 1")))
                rates = list(await conn.scalars(text(
                    "SELECT DISTINCT rental_rate FROM film WHERE rental_rate IS NOT NULL ORDER BY 1"
                )))
            ratings = [r for r in RATINGS if r in present]
            return await asyncio.to_thread(cls, films, people, categories, ratings, stores, rates,
                                           cast, languages)

    def film(self, film_id: int) -> Name | None:
        return self._films_by_id.get(film_id)

    def film_titled(self, title: str) -> Name | None:
        return self._films_by_title.get(title.strip().upper())

    def customer(self, customer_id: int) -> Name | None:
        return self._customers_by_id.get(customer_id)

    def customer_by_email(self, email: str) -> Name | None:
        return self._emails.get(email.lower())

    def category(self, word: str) -> str | None:
        """The store's category whose name is (or starts with) this word."""
        for name in self.categories:
            words = words_of(name)
            if words and (words[0] == word or "".join(words) == word):
                return name
        return None



# Names are read in pages of this many rows, each made into names in a worker thread. Read
# whole, a chain's 100,000 titles held the event loop 30 ms to fetch and 90 to 120 ms more to
# free; a page takes a millisecond or two.
_PAGE = 5000
_FILMS = "SELECT film_id, title FROM film WHERE film_id > :after ORDER BY film_id LIMIT :page"
_CUSTOMERS = """SELECT customer_id, first_name, last_name, email FROM customer
                WHERE customer_id > :after ORDER BY customer_id LIMIT :page"""
_ACTORS = """SELECT actor_id, first_name, last_name FROM actor
             WHERE actor_id > :after ORDER BY actor_id LIMIT :page"""


def _person(i: int, first: str, last: str, email: str | None = None) -> Name:
    full = f"{first} {last}"
    return Name(i, full, words_of(full), email)


async def _names(conn, sql: str, make) -> list[Name]:
    """Every row of `sql` (its first column the key it pages by), made into a Name."""
    names: list[Name] = []
    after = -(2**31)
    while rows := (await conn.execute(text(sql), {"after": after, "page": _PAGE})).all():
        names += await asyncio.to_thread(lambda rows=rows: [make(*row) for row in rows])
        after = rows[-1][0]
    return names


@contextlib.contextmanager
def _collector_paused():
    """The cyclic collector off while a lexicon is built (it makes no cycles), and what was
    built kept out of its passes afterwards (gc.freeze), as the app's startup objects are.
    At x100 its full passes walked the half-built lexicon, 150 ms each, four times a build,
    and its first pass after it the 500,000 new objects, 60 ms: each holding every thread,
    the event loop's included. Replaced, a lexicon is freed all the same (by reference
    counts: it holds no cycles).

    What else is frozen is never collected if it becomes cyclic garbage: the garbage already
    there is collected first (one pass over what is not frozen yet, as the collector's own
    passes make), so what stays is what requests leave during the build (a chat turn leaves
    about 1,100 objects in cycles) and what they hold when it ends."""
    enabled = gc.isenabled()
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


# Whether the store's names changed since a lexicon was built: the rows, and the newest
# change (the `last_updated` trigger stamps every update) of the tables it reads names from.
# A few milliseconds of reading at a chain's size, against seconds to rebuild the lexicon.
NAMES_VERSION = """
    SELECT (SELECT (count(*), max(last_update))::text FROM film),
           (SELECT (count(*), max(last_update))::text FROM customer),
           (SELECT (count(*), max(last_update))::text FROM actor),
           (SELECT (count(*), max(last_update))::text FROM category),
           (SELECT (count(*), max(last_update))::text FROM language),
           (SELECT count(*) FROM store)"""


class StoreLexicon:
    """The lexicon, kept fresh without stalling anyone: the first request waits for it; once
    it is `max_age` seconds old, the next request starts one reload in the background and
    every request goes on with the current lexicon until the new one is ready; the reload
    builds a new lexicon only when the names changed. Films and customers added or renamed
    while the app runs are recognised within about a minute. If the
    database is unreachable at a reload, the last good lexicon is kept."""

    def __init__(self, database: Database, max_age: float = 60.0):
        self.database = database
        self.max_age = max_age
        self._lexicon: Lexicon | None = None
        self._version: tuple | None = None  # of the names the lexicon was built from
        self._loaded_at = 0.0
        self._reload: asyncio.Task | None = None  # at most one at a time
        self.reloads = 0  # how many were started (for tests and logs)

    async def current(self) -> Lexicon:
        if self._lexicon is None:
            await asyncio.shield(self._start_reload())  # a cancelled turn leaves it running
        elif time.monotonic() - self._loaded_at > self.max_age:
            self._start_reload()
        return self._lexicon

    def warm_up(self) -> None:
        """Start reading the lexicon now, in the background, so that the first question finds
        it ready (seconds at a chain's size). A failure is left to that first question."""
        if self._lexicon is None:
            self._start_reload().add_done_callback(
                lambda task: task.cancelled() or task.exception())  # retrieved: no warning

    async def close(self) -> None:
        """Stop a reading under way (the app is stopping, its database closing)."""
        if self._reload is not None and not self._reload.done():
            self._reload.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reload

    def _start_reload(self) -> asyncio.Task:
        if self._reload is None or self._reload.done():
            self.reloads += 1
            self._reload = asyncio.create_task(self._load())
        return self._reload

    async def _load(self) -> None:
        started = time.monotonic()
        try:
            async with self.database.reading() as conn:
                version = tuple((await conn.execute(text(NAMES_VERSION))).one())
            if self._lexicon is not None and version == self._version:
                self._loaded_at = time.monotonic()  # the names are those it was built from
                return
            self._lexicon, self._version = await Lexicon.load(self.database), version
            self._loaded_at = time.monotonic()
            log.info("lexicon_loaded", duration_ms=round((self._loaded_at - started) * 1000, 1))
        except Exception:
            if self._lexicon is None:
                raise
            self._loaded_at = time.monotonic()  # try again in max_age, not on every request
            log.warning("lexicon_reload_failed", exc_info=True)
