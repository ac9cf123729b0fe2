"""Films: the catalogue, search, details, stock and the recommendation rule."""

import re
from dataclasses import dataclass, replace
from decimal import Decimal

from rapidfuzz import fuzz, process
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from assistant.db import prepared
from assistant.errors import FilmNotFound
from assistant.models import Actor, Film, FilmDetails, FilmList, StoreStock
from assistant.totals import FRESH_RENTAL, MARK_HELD, Count, count_sql, read_with_mark

RATINGS = ("G", "PG", "PG-13", "R", "NC-17")
MATURE_RATINGS = ("R", "NC-17")
RECOMMENDED_BELOW = Decimal("3.00")
RECOMMENDED_RULE = f"rated {' or '.join(MATURE_RATINGS)} and renting under ${RECOMMENDED_BELOW}"

# A category by its name, whatever the case (names are unique so, migration 0011).
_CATEGORY_ID = "SELECT c.category_id FROM category c WHERE lower(c.name) = lower(:category)"
# Every read of films goes through film_rows(ids) (migration 0014): the films of an array of
# ids, in its order, with every column a film shows.


def is_recommended(rating: str | None, rental_rate: Decimal | None) -> bool:
    """The store's rule: mature and cheap (R or NC-17, under $3.00)."""
    return rating in MATURE_RATINGS and rental_rate is not None and rental_rate < RECOMMENDED_BELOW


SORTS = {  # how a film list can be ordered: by which column of the matches, said how
    "title": ("title", "by title"),
    "rate": ("rental_rate", "by rental rate"),
    "length": ("length", "by length"),
    "year": ("release_year", "by release year"),
    "popularity": ("popularity", "by number of rentals"),
    "relevance": ("relevance", "best match first"),  # full-text rank against `about`
}
SPECIAL_FEATURES = ("Trailers", "Commentaries", "Deleted Scenes", "Behind the Scenes")


@dataclass(frozen=True)
class FilmFilter:
    """What a film list can be narrowed by, combined freely; every field is optional.

    Bounds are inclusive: "under $5" arrives as max_rate 4.99, "shorter than 90 minutes" as
    max_length 89. `describe()` says the filter in words, so an answer shows what was applied.
    """

    category: str | None = None
    ratings: tuple[str, ...] = ()
    min_rate: Decimal | None = None
    max_rate: Decimal | None = None
    min_length: int | None = None  # minutes
    max_length: int | None = None
    min_year: int | None = None  # release year
    max_year: int | None = None
    actor: str | None = None  # the actor's full name, any case
    language: str | None = None
    special_feature: str | None = None  # one of SPECIAL_FEATURES, any case
    title_contains: str | None = None
    about: str | None = None  # full-text search over title and description
    streaming: bool | None = None
    in_stock_at: int | None = None  # store id: a copy on that store's shelf now
    recommended: bool = False  # only films the store recommends (is_recommended, in SQL)

    def where(self, counting: bool = False, category_id: int | None = None) -> tuple[str, dict]:
        """The filter as SQL over film f, and its parameters. `counting`: for counting the
        matches only, which can leave out what the index answers exactly. `category_id`: the
        category's, looked up by the caller and written into the statement: the planner then
        knows how many films it holds (from the column's statistics), which it cannot from the
        name, and a prepared statement's plan is the category's own."""
        clauses, params = ["true"], {}

        def add(clause: str, **values) -> None:
            clauses.append(clause)
            params.update(values)

        if self.category is not None:
            known = int(category_id) if category_id is not None else f"({_CATEGORY_ID})"
            add("EXISTS (SELECT 1 FROM film_category fc WHERE fc.film_id = f.film_id"
                f" AND fc.category_id = {known})", category=self.category.strip(),
                category_id=category_id)
        if self.ratings:  # as mpaa_rating, whose statistics the planner has
            add("f.rating = ANY(CAST(:ratings AS mpaa_rating[]))",
                ratings=[r for r in (r.upper() for r in self.ratings) if r in RATINGS])
        for column, low, high in (("f.rental_rate", self.min_rate, self.max_rate),
                                  ("f.length", self.min_length, self.max_length),
                                  ("f.release_year", self.min_year, self.max_year)):
            name = column.split(".")[1]
            if low is not None:
                add(f"{column} >= :min_{name}", **{f"min_{name}": low})
            if high is not None:
                add(f"{column} <= :max_{name}", **{f"max_{name}": high})
        if self.actor is not None:
            add("EXISTS (SELECT 1 FROM film_actor fa JOIN actor a USING (actor_id)"
                " WHERE fa.film_id = f.film_id"
                " AND upper(a.first_name || ' ' || a.last_name) = upper(:actor))",
                actor=" ".join(self.actor.split()))
        if self.language is not None:
            add("EXISTS (SELECT 1 FROM language l WHERE l.language_id = f.language_id"
                " AND lower(trim(l.name)) = lower(:language))", language=self.language.strip())
        if self.special_feature is not None:
            add("f.special_features @> ARRAY[:feature]::text[]",
                feature=_feature(self.special_feature))
        if self.title_contains is not None:
            fragment = self.title_contains.strip()
            # Through the bigram index (migration 0006): a title holding the fragment holds
            # its every bigram; the ILIKE keeps it exact (and, cheaper than the bigrams, is
            # what a scan along the titles checks first). Counting two plain letters, the
            # index alone is exact: their one bigram is the fragment.
            if len(fragment) >= 2:
                add("text_bigrams(f.title) @> text_bigrams(:title_fragment)",
                    title_fragment=fragment)
            if not (counting and _one_bigram(fragment)):
                add("f.title ILIKE :title_pattern ESCAPE '\\'",
                    title_pattern=f"%{_escape_like(fragment)}%")
        if self.about is not None:
            add("f.fulltext @@ websearch_to_tsquery('english', :about)", about=self.about)
        if self.streaming is not None:
            add("f.streaming_available = :streaming", streaming=self.streaming)
        if self.in_stock_at is not None:
            add("EXISTS (SELECT 1 FROM inventory i WHERE i.film_id = f.film_id"
                " AND i.store_id = :stock_store AND NOT EXISTS (SELECT 1 FROM rental r"
                " WHERE r.inventory_id = i.inventory_id AND r.return_date IS NULL))",
                stock_store=self.in_stock_at)
        if self.recommended:
            add("f.rating::text = ANY(:mature) AND f.rental_rate < :below",
                mature=list(MATURE_RATINGS), below=RECOMMENDED_BELOW)
        return " AND ".join(clauses), params

    def describe(self) -> str:
        """The filter in the store's words: "R or NC-17 Horror films, 60 to 89 minutes long,
        renting for at most $2.99, with PENELOPE GUINESS, in stock at store 2"."""
        head = " or ".join(self.ratings)
        noun = f"{self.category} films" if self.category else "films"
        noun = f"{head} {noun}" if head else noun
        if self.streaming is not None:
            noun += " available for streaming" if self.streaming else " not streaming"
        if self.recommended:
            noun += f" that the store recommends ({RECOMMENDED_RULE})"
        parts = [noun]
        parts += [_range("renting for", self.min_rate, self.max_rate, money=True),
                  _range("", self.min_length, self.max_length, unit=" minutes long"),
                  _range("released", self.min_year, self.max_year, year=True)]
        if self.actor:
            parts.append(f"with {self.actor.upper()}")
        if self.language:
            parts.append(f"in {self.language.strip().title()}")
        if self.special_feature:
            parts.append(f"with {_feature(self.special_feature)}")
        if self.title_contains:
            parts.append(f"with '{self.title_contains.strip()}' in the title")
        if self.about:
            parts.append(f"about '{self.about}'")
        if self.in_stock_at is not None:
            parts.append(f"in stock at store {self.in_stock_at}")
        noun, *qualifiers = [p for p in parts if p]
        return " ".join([noun, ", ".join(qualifiers)]) if qualifiers else noun


def _range(lead: str, low, high, *, money=False, unit="", year=False) -> str:
    """"renting for $1.00 to $2.99", "at most 89 minutes long", "released 2006 or later"."""
    if low is None and high is None:
        return ""
    show = (lambda v: f"${v:.2f}") if money else str
    lead = f"{lead} " if lead else ""
    if low is not None and high is not None:
        said = show(low) if low == high else f"{show(low)} to {show(high)}"
    elif high is not None:
        said = f"{show(high)} or earlier" if year else f"at most {show(high)}"
    else:
        said = f"{show(low)} or later" if year else f"at least {show(low)}"
    return f"{lead}{said}{unit}"


def _feature(value: str) -> str:
    """The special feature as Pagila spells it ("deleted scenes" -> "Deleted Scenes")."""
    wanted = " ".join(value.split()).lower()
    return next((f for f in SPECIAL_FEATURES if f.lower() == wanted), value.strip())


def _escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def film_order(filters: FilmFilter, sort: str | None, descending: bool) -> tuple[str, bool]:
    """The order a list really gets: by default the best match of `about` when there is one,
    else by title; relevance is always best first, and needs `about` to rank by."""
    if sort is None:
        sort = "relevance" if filters.about else "title"
    if sort not in SORTS:
        raise ValueError(f"unknown sort {sort!r}; one of {', '.join(SORTS)}")
    if sort == "relevance":
        return ("relevance", True) if filters.about else ("title", False)
    return sort, descending


def order_in_words(sort: str, descending: bool) -> str:
    largest = descending and sort not in ("title", "relevance")
    return SORTS[sort][1] + (", largest first" if largest else "")


def _order(sort: str, descending: bool) -> str:
    column = SORTS[sort][0]
    way = "DESC NULLS LAST" if descending else "ASC NULLS LAST"
    return f"{column} {way}, title, film_id" if sort != "title" else f"title {way}, film_id"


async def list_films(
    conn: AsyncConnection,
    filters: FilmFilter = FilmFilter(),
    skip: int = 0,
    limit: int = 10,
    sort: str | None = "title",
    descending: bool = False,
    count_bound: int | None = None,
) -> FilmList:
    """A page of matching films in the order asked for (title by default), with the count of
    all matches (exact, or up to `count_bound`: then `total_is_lower_bound`), in one round trip
    (two with a category and another filter: the category's id is looked up first).

    A list of one category, or of one title fragment, has a statement of its own, prepared:
    `_category_page` and `_title_page` choose their way when they run from the count the
    database keeps, `_word_page` reads a fragment without a space off the titles' words, and
    `_counted_page` reads any other fragment's matches once. Otherwise the count and the
    page are two subqueries, each planned on its own: the count through the
    filter's most selective index, the page along the order's index when it has one (stopping
    at the page's end). The page's films are then read, with every column a film shows, by
    film_rows (migration 0014), whose plan the session keeps: planned with the statement,
    those columns took half or more of a search's planning (0.35 ms left of 0.7 to 1)."""
    sort, descending = film_order(filters, sort, descending)
    keys = "f.film_id, f.title"
    if sort == "relevance":
        keys += ", ts_rank(f.fulltext, websearch_to_tsquery('english', :about)) AS relevance"
    elif sort not in ("title", "popularity"):
        keys += f", f.{SORTS[sort][0]}"
    order = _order(sort, descending)
    kept = kept_count(filters)
    own = None if sort == "popularity" else _own_page(filters, kept, sort, keys, order, skip,
                                                      limit, count_bound)
    if own is not None:
        statement, params = own
        rows = (await conn.execute(prepared(statement), params)).mappings().all()
        return _film_list(rows, None, skip, limit)  # counted exactly
    category_id = None
    if filters.category is not None:
        category_id = await conn.scalar(prepared(_CATEGORY_ID),
                                      {"category": filters.category.strip()})
        if category_id is None:  # no such category, no film (and no walk through them all)
            return FilmList(films=[], total=0, skip=skip, limit=limit)
    where, params = filters.where(category_id=category_id)
    counting, count_params = filters.where(counting=True, category_id=category_id)
    params |= count_params
    matches = f"SELECT {keys} FROM film f WHERE {where}"
    if sort == "popularity":
        matches = _by_popularity(where, descending)
        params["window"] = skip + limit
    if kept is None:
        counted = count_sql(f"SELECT 1 FROM film f WHERE {counting}", count_bound)
    else:  # exact, whatever the bound
        counted, count_bound = kept, None
    uses_totals = sort == "popularity"
    statement = f"""
            SELECT ({counted}) AS total, {MARK_HELD if uses_totals else "true"} AS mark_held,
                   page.*
            FROM (SELECT 1) AS one
            LEFT JOIN LATERAL film_rows(ARRAY(
                SELECT film_id FROM ({matches}) AS matches
                ORDER BY {order} LIMIT {int(limit)} OFFSET {int(skip)})) AS page ON true
            ORDER BY page.position"""
    if uses_totals:
        rows = await read_with_mark(conn, statement, params)
    elif _plan_for_any_page(filters, sort):
        rows = (await conn.execute(prepared(statement), params)).mappings().all()
    else:
        rows = (await conn.execute(text(statement), params)).mappings().all()
    return _film_list(rows, count_bound, skip, limit)


def _film_list(rows: list, count_bound: int | None, skip: int, limit: int) -> FilmList:
    """The list from a page's rows, each with the count of all matches (`total`) and, when
    the page is empty, one row of that count alone."""
    films = [Film.model_validate(row) for row in rows if row["film_id"] is not None]
    total = Count.of(rows[0]["total"], count_bound)
    return FilmList(films=films, total=total.n, total_is_lower_bound=total.more, skip=skip,
                    limit=limit)


def _own_page(filters: FilmFilter, kept: str | None, sort: str, keys: str, order: str,
              skip: int, limit: int, count_bound: int | None) -> tuple[str, dict] | None:
    """The statement of its own, and its parameters, of a list of one category or of one title
    fragment, counted exactly; None for any other list."""
    if kept is _CATEGORY_FILMS:
        return _category_page(keys, order, skip, limit), {"category": filters.category.strip()}
    if not _title_only(filters):
        return None
    where, params = filters.where()
    fragment = filters.title_contains.strip()
    # A fragment without a space lies within one word of a title (migration 0017).
    by_words = sort == "title" and " " not in fragment
    if kept is _TITLE_PIECE_FILMS:
        return _title_page(where, keys, order, skip, limit, by_words=by_words), params
    if by_words:
        return _word_page(order, skip, limit), {"title_fragment": fragment,
                                                "title_pattern": params["title_pattern"]}
    if count_bound is None:
        return _counted_page(where, keys, order, skip, limit), params
    return None


# A category's films, for a list filtered by nothing else: fewer of them than this, and
# reading them all to sort them costs less than walking the order's index to find a page.
_CATEGORY_WALK_FROM = 1000


def _category_page(keys: str, order: str, skip: int, limit: int) -> str:
    """A page of the films of the category named :category, with their count, in one
    statement prepared for any category (where looking its id up first took two round trips).

    Which way the page is read is decided when it runs, from the category's kept count: a
    large category along the order's index, each film's category checked, stopping at the
    page's end (at x100, 6,000 films: a page within a few hundred titles); a small one (a
    walk could cross the whole catalogue to fill a page) by its own index, each film looked
    up by key (OFFSET 0 keeps it a lookup whatever the planner guesses of its size), then
    sorted. A name no category has reads nothing."""
    page = f"ORDER BY {order} LIMIT {int(limit)} OFFSET {int(skip)}"
    return f"""
        WITH wanted AS (SELECT c.category_id, coalesce(n.films, 0) AS films
                        FROM category c
                        LEFT JOIN film_counts n ON n.kind = 'category' AND n.key = c.category_id
                        WHERE lower(c.name) = lower(:category))
        SELECT coalesce((SELECT films FROM wanted), 0) AS total, page.*
        FROM (SELECT 1) AS one
        LEFT JOIN LATERAL film_rows(CASE
            WHEN (SELECT films FROM wanted) >= {_CATEGORY_WALK_FROM} THEN ARRAY(
                SELECT film_id FROM (
                    SELECT {keys} FROM film f WHERE EXISTS (
                        SELECT 1 FROM film_category fc WHERE fc.film_id = f.film_id
                          AND fc.category_id = (SELECT category_id FROM wanted))) AS matches
                {page})
            ELSE ARRAY(
                SELECT film_id FROM (
                    SELECT f.* FROM film_category fc CROSS JOIN LATERAL (
                        SELECT {keys} FROM film f WHERE f.film_id = fc.film_id OFFSET 0) AS f
                    WHERE fc.category_id = (SELECT category_id FROM wanted)) AS matches
                {page})
            END) AS page ON true
        ORDER BY page.position"""


def _title_only(filters: FilmFilter) -> bool:
    """Filtered by a title fragment and nothing else."""
    return filters.title_contains is not None and replace(
        filters, title_contains=None) == FilmFilter()


def _counted_page(where: str, keys: str, order: str, skip: int, limit: int) -> str:
    """A page of the films matching `where` and the count of them all, from one reading of
    the matches: for a title search counted exactly, with neither a kept count nor the words'
    way (a fragment with a space, or a list not in title order), whose count reads every
    match through the bigram index anyway. The page read them through it again: at x100,
    `dinosaur` (593 titles) 1.6 ms each time. Every match being read, the plan is the same
    for any fragment (through the bigram index): it is prepared."""
    return f"""
        WITH matches AS MATERIALIZED (SELECT {keys} FROM film f WHERE {where})
        SELECT (SELECT count(*) FROM matches) AS total, page.*
        FROM (SELECT 1) AS one
        LEFT JOIN LATERAL film_rows(ARRAY(
            SELECT film_id FROM matches
            ORDER BY {order} LIMIT {int(limit)} OFFSET {int(skip)})) AS page ON true
        ORDER BY page.position"""


# The words of the titles that hold :title_fragment (which has no space), off the vocabulary
# the database keeps (migration 0017): through its bigram index when it is large (60,000
# words: 0.4 ms, where reading them all took 13), then lower(word) LIKE lower(pattern), which
# is ILIKE's own test, the pattern lowered once (lower() of a parameter lowers it again for
# every word).
_WORDS = """words AS (SELECT ARRAY(
                SELECT word FROM title_words
                WHERE text_bigrams(word) @> text_bigrams(:title_fragment)
                  AND word LIKE (SELECT lower(:title_pattern)) ESCAPE '\\') AS words)"""


def _by_words(order: str, skip: int, limit: int) -> str:
    """SQL: the ids of a page, in title `order`, of the films of `words` (_WORDS): a fragment
    without a space lies within one word of each title holding it. Each word's first
    skip + limit films by title, read off the index alone, hold the page's (a film ranks no
    lower among its word's films than among them all); a title with two such words once."""
    return f"""ARRAY(
        SELECT film_id FROM (
            SELECT DISTINCT f.film_id, f.title
            FROM unnest((SELECT words FROM words)) AS m(word) CROSS JOIN LATERAL (
                SELECT w.film_id, w.title FROM film_title_words w WHERE w.word = m.word
                ORDER BY {order} LIMIT {int(skip) + int(limit)}) AS f) AS matches
        ORDER BY {order} LIMIT {int(limit)} OFFSET {int(skip)})"""


def _word_page(order: str, skip: int, limit: int) -> str:
    """A page of the films whose title holds :title_fragment, which has no space and no kept
    count (four letters or more, or not plain letters), in title order, with the count of
    them all: both off the titles' words (_by_words), by index alone. Through the bigram
    index, each match was a visit to the film table: at x100, `dinosaur` (593 films) 3.9 ms
    in the database, 0.9 ms so. The count reads every match's id, so one plan suits every
    fragment."""
    return f"""
        WITH {_WORDS}
        SELECT (SELECT count(DISTINCT film_id) FROM film_title_words
                WHERE word = ANY (CAST((SELECT words FROM words) AS text[]))) AS total, page.*
        FROM (SELECT 1) AS one
        LEFT JOIN LATERAL film_rows({_by_words(order, skip, limit)}) AS page ON true
        ORDER BY page.position"""


# How many walked titles cost as much as one film read through the bigram index (measured at
# x100: about 0.7 microseconds a walked title, 2 to 4 a film read through the index).
_TITLE_WALK_WEIGHT = 4
# How many walked titles cost as much as one film of a word read off the titles' words, a
# page's worth from each word (at x100: about 1 microsecond a walked title, 2 to 3 such a
# film: `an`, 39 words, 1.5 ms for a page of 10).
_WORDS_WALK_WEIGHT = 2


def _title_page(where: str, keys: str, order: str, skip: int, limit: int, *,
                by_words: bool) -> str:
    """A page of the films whose title holds :title_fragment, two or three plain letters
    (matched by `where`), with their count, which the database keeps: one statement, prepared
    for any fragment.

    Which way the page is read is decided when it runs, from that count: a common fragment
    along the order's index, each title checked, stopping at the page's end (at x100, `an`:
    18,000 titles, a page within 30); a rarer one off the titles' words (`by_words`: no
    space, in title order; `the`, 1,700 titles in 4 words, 0.8 ms where the walk took 1.8),
    else through the bigram index, its films then sorted. Planned for its value, a search
    misjudged how many titles hold a fragment (its two conditions taken as independent):
    `ee`, 2,700 titles at x100, was read through the bigram index and sorted, 10 ms. The
    fences (OFFSET 0) keep each way's plan whatever the planner guesses, so one plan suits
    every fragment."""
    page = f"ORDER BY {order} LIMIT {int(limit)} OFFSET {int(skip)}"
    # A walk meets a match every catalogue / count titles.
    if by_words:
        # The words' way reads a page's worth of films from each word: walk when
        # catalogue / count < weight * words.
        words = f", {_WORDS}"
        walks = f"""(SELECT {_WORDS_WALK_WEIGHT} * films * cardinality((SELECT words FROM words))
                     FROM counted) >= ({CATALOGUE_FILMS})"""
        otherwise = _by_words(order, skip, limit)
    else:
        # Reading the matches through the bigram index costs at least count films, each some
        # times a walked title.
        words = ""
        walks = f"""(SELECT {_TITLE_WALK_WEIGHT} * films * films FROM counted)
                    >= {int(skip) + int(limit)} * ({CATALOGUE_FILMS})"""
        otherwise = f"""ARRAY(
                SELECT film_id FROM (SELECT {keys} FROM film f WHERE {where} OFFSET 0) AS f
                {page})"""
    return f"""
        WITH counted AS (SELECT ({_TITLE_PIECE_FILMS}) AS films){words}
        SELECT (SELECT films FROM counted) AS total, page.*
        FROM (SELECT 1) AS one
        LEFT JOIN LATERAL film_rows(CASE
            WHEN {walks} THEN ARRAY(
                SELECT film_id FROM (SELECT {keys} FROM film f ORDER BY {order} OFFSET 0) AS f
                -- ILIKE's own test (lower() of both, then LIKE), the pattern lowered once:
                -- ILIKE, or lower() of a parameter, lowers it again for every title (a
                -- quarter of a walk's time)
                WHERE lower(f.title) LIKE (SELECT lower(:title_pattern)) ESCAPE '\\'
                {page})
            ELSE {otherwise}
            END) AS page ON true
        ORDER BY page.position"""


# The counts the database keeps: the whole catalogue, the streaming films, the films of a
# category (migration 0011); the titles holding two or three letters (migrations 0012, 0016).
CATALOGUE_FILMS = "SELECT films FROM film_counts WHERE kind = 'catalogue'"
_STREAMING_FILMS = "SELECT films FROM film_counts WHERE kind = 'streaming'"
_CATEGORY_FILMS = """SELECT coalesce(sum(films), 0) FROM film_counts
                     WHERE kind = 'category' AND key = :category_id"""
_TITLE_PIECE_FILMS = """SELECT coalesce(sum(films), 0) FROM title_piece_counts
                        WHERE piece = lower(:title_fragment)"""


def kept_count(filters: FilmFilter) -> str | None:
    """SQL reading the number of films matching `filters` off the counts the database keeps,
    when it keeps that number (no filter, only streaming, only a category, only two or three
    plain letters of the title); else None. A category's is read by its :category_id."""
    if filters == FilmFilter():
        return CATALOGUE_FILMS
    if filters.streaming is not None and replace(filters, streaming=None) == FilmFilter():
        return _STREAMING_FILMS if filters.streaming else (
            f"SELECT ({CATALOGUE_FILMS}) - ({_STREAMING_FILMS})")
    if filters.category is not None and replace(filters, category=None) == FilmFilter():
        return _CATEGORY_FILMS
    if _title_only(filters):
        fragment = filters.title_contains.strip()
        if _kept_piece(fragment):
            return _TITLE_PIECE_FILMS
    return None


def _one_bigram(fragment: str) -> bool:
    """Two plain letters: a title holds them if and only if it holds their one bigram, so the
    bigram index alone finds the matches exactly (lower() and ILIKE agree on ASCII)."""
    return len(fragment) == 2 and fragment.isascii()


def _kept_piece(fragment: str) -> bool:
    """Two or three plain letters: a title holds them if and only if it holds them as one of
    its pieces, whose counts the database keeps (title_piece_counts)."""
    return len(fragment) in (2, 3) and fragment.isascii()


def _by_popularity(where: str, descending: bool) -> str:
    """The films matching `where` that can be among the first :window by popularity (times
    rented, over all history): film_id, title and popularity.

    Popularity is the precomputed total (rental_totals, assistant.totals: every film, 0 when
    never rented) plus the rentals since. Three kinds of film: rented since the totals (few:
    counted in full); the others in the totals (of these, only the :window first, ties
    included, read off the totals' index by rentals); added since the totals and never
    rented (popularity 0). So the order is exact without the popularity of every film.

    OFFSET 0 keeps the lookup of each film a lookup (an optimisation fence): the planner
    cannot tell how few totals the :window-th value leaves, and would otherwise read every
    film to join them."""
    way, reach, beyond = ("DESC", ">=", "-1") if descending else ("ASC", "<=", str(2**63 - 1))
    return f"""
        WITH fresh AS (SELECT i.film_id, count(*) AS rentals
                       FROM rental r JOIN inventory i USING (inventory_id)
                       WHERE {FRESH_RENTAL} GROUP BY i.film_id),
        totalled AS NOT MATERIALIZED (  -- each film looked up by key as the index gives it
            SELECT f.film_id, f.title, t.rentals
            FROM rental_totals t CROSS JOIN LATERAL (
                SELECT f.film_id, f.title FROM film f WHERE f.film_id = t.key AND {where}
                OFFSET 0) AS f
            WHERE t.kind = 'films' AND t.store_id = 0
              AND t.key NOT IN (SELECT film_id FROM fresh))
        SELECT f.film_id, f.title, coalesce(t.rentals, 0) + fresh.rentals AS popularity
        FROM fresh JOIN film f USING (film_id)
        LEFT JOIN rental_totals t ON t.kind = 'films' AND t.store_id = 0 AND t.key = f.film_id
        WHERE {where}
        UNION ALL
        SELECT film_id, title, rentals FROM totalled
        WHERE rentals {reach} coalesce((SELECT rentals FROM totalled
                                        ORDER BY rentals {way} OFFSET :window - 1 LIMIT 1),
                                       CAST({beyond} AS bigint))
        UNION ALL
        SELECT f.film_id, f.title, 0 FROM film f
        WHERE f.film_id > :mark_last_film_id AND {where}
          AND f.film_id NOT IN (SELECT film_id FROM fresh)"""


def _plan_for_any_page(filters: FilmFilter, sort: str) -> bool:
    """Whether one plan suits a list's every page: its parameters are then only the page's
    bounds (and the category's id, for its kept count), so it is prepared: planning was half
    of the statement's time at x100. A category's id is written into the statement (`where`);
    a streaming filter splits the films in two. Any other filter's values steer the plan (a
    rare actor's films are read through the actor, a common rating's along the order), and so
    do the marks a ranking by popularity is read with."""
    return sort != "popularity" and replace(filters, category=None, streaming=None) == FilmFilter()


async def get_film(conn: AsyncConnection, film_id: int) -> Film:
    row = (
        await conn.execute(
            prepared("SELECT * FROM film_rows(ARRAY("
                     "SELECT f.film_id FROM film f WHERE f.film_id = :film_id))"),
            {"film_id": film_id},
        )
    ).mappings().first()
    if row is None:
        raise FilmNotFound(film_id)
    return Film.model_validate(row)


async def find_films_by_title(conn: AsyncConnection, title: str, limit: int = 10) -> list[Film]:
    """Films whose title is `title` (any case), else those containing it."""
    exact = await conn.execute(
        text("SELECT * FROM film_rows(ARRAY(SELECT f.film_id FROM film f"
             " WHERE upper(f.title) = upper(:title) ORDER BY f.film_id))"),
        {"title": title.strip()},
    )
    films = [Film.model_validate(row) for row in exact.mappings()]
    if films:
        return films
    found = await list_films(conn, FilmFilter(title_contains=title), limit=limit, count_bound=0)
    return found.films


async def closest_titles(conn: AsyncConnection, title: str, limit: int = 5) -> list[str]:
    """Titles the store carries that look most like `title` (for "do you have X?" when it
    has no X): titles sharing the most words, or the first letters of a word (a typo)."""
    words = [w for w in re.findall(r"[a-z0-9]+", title.lower()) if w not in _ARTICLES]
    patterns = [f"%{_escape_like(w[:4])}%" for w in words if len(w) >= 3]
    if not patterns:
        return []
    # Each pattern's bigrams narrow the films through the title index (migration 0006).
    pieces = {f"piece{i}": w[:4] for i, w in enumerate(words) if len(w) >= 3}
    narrow = " OR ".join(f"text_bigrams(f.title) @> text_bigrams(:{name})" for name in pieces)
    rows = await conn.execute(
        text(f"""
            SELECT f.title FROM film f,
                 LATERAL (SELECT count(*) AS n FROM unnest(CAST(:patterns AS text[])) p
                          WHERE f.title ILIKE p) AS shared
            WHERE ({narrow}) AND f.title ILIKE ANY(CAST(:patterns AS text[]))
            ORDER BY shared.n DESC, f.title LIMIT :limit
        """),
        {"patterns": patterns, "limit": limit, **pieces},
    )
    return list(rows.scalars())


_ARTICLES = {"the", "a", "an", "of", "and"}


async def find_actors(conn: AsyncConnection, name: str, limit: int = 10) -> list[Actor]:
    """Actors by name, forgiving typos: the full name, else every word a first or last name,
    else the closest names (rapidfuzz: pgserver ships no pg_trgm)."""
    said = " ".join(name.upper().split())
    query = """
        SELECT a.actor_id, a.first_name || ' ' || a.last_name AS name,
               (SELECT count(*) FROM film_actor fa WHERE fa.actor_id = a.actor_id) AS films
        FROM actor a WHERE {} ORDER BY a.last_name, a.first_name, a.actor_id LIMIT :limit"""
    words = said.split()
    for where, params in (
        ("upper(a.first_name || ' ' || a.last_name) = :name", {"name": said}),
        (" AND ".join(f"(upper(a.first_name) = :w{i} OR upper(a.last_name) = :w{i})"
                      for i in range(len(words))) or "false",
         {f"w{i}": w for i, w in enumerate(words)}),
    ):
        rows = await conn.execute(text(query.format(where)), {**params, "limit": limit})
        found = [Actor.model_validate(row) for row in rows.mappings()]
        if found:
            return found
    # The closest names among those sharing a word's first two letters with a first or last
    # name (a typo there in every word of the name is not forgiven), through the prefix indexes.
    prefixes = {f"p{i}": w[:2] + "%" for i, w in enumerate(dict.fromkeys(words))
                if len(w) >= 2 and not any(c in w[:2] for c in "%_\\")}
    if not prefixes:
        return []
    nearby = " OR ".join(f"upper(first_name) LIKE :{p} OR upper(last_name) LIKE :{p}"
                         for p in prefixes)
    everyone = await conn.execute(
        text(f"SELECT actor_id, first_name || ' ' || last_name FROM actor WHERE {nearby}"),
        prefixes)
    names = {actor_id: full for actor_id, full in everyone}
    close = process.extract(said, names, scorer=fuzz.WRatio, score_cutoff=85, limit=3)
    ids = [actor_id for _, _, actor_id in close]
    if not ids:
        return []
    rows = await conn.execute(
        text(query.format("a.actor_id = ANY(:ids)")), {"ids": ids, "limit": limit})
    return [Actor.model_validate(row) for row in rows.mappings()]


async def film_stock(conn: AsyncConnection, film_id: int) -> list[StoreStock]:
    """Copies of a film per store, and how many are on the shelf (not out on a rental)."""
    # Per store, its copies of the film through the (film_id, store_id) index, and for each
    # copy whether it is out: a few index probes, whatever the size of the inventory.
    rows = await conn.execute(
        text("""
            SELECT s.store_id, copies.n AS copies, copies.n - copies.out AS in_stock
            FROM store s, LATERAL (
                SELECT count(*) AS n,
                       count(*) FILTER (WHERE EXISTS (
                           SELECT 1 FROM rental r WHERE r.inventory_id = i.inventory_id
                           AND r.return_date IS NULL)) AS out
                FROM inventory i WHERE i.film_id = :film_id AND i.store_id = s.store_id
            ) AS copies
            ORDER BY s.store_id
        """),
        {"film_id": film_id},
    )
    return [StoreStock.model_validate(row, from_attributes=False) for row in rows.mappings()]


async def film_details(conn: AsyncConnection, film_id: int) -> FilmDetails:
    film = await get_film(conn, film_id)
    actors = await conn.scalars(
        text("""
            SELECT a.first_name || ' ' || a.last_name
            FROM film_actor fa JOIN actor a USING (actor_id)
            WHERE fa.film_id = :film_id ORDER BY a.last_name, a.first_name
        """),
        {"film_id": film_id},
    )
    return FilmDetails(
        **film.model_dump(),
        actors=list(actors),
        stock=await film_stock(conn, film_id),
        recommended=is_recommended(film.rating, film.rental_rate),
    )


async def copy_in_stock(conn: AsyncConnection, film_id: int, store_id: int) -> int | None:
    """A copy of the film on the shelf at the store (lowest id first), or None."""
    return await conn.scalar(
        text("""
            SELECT i.inventory_id FROM inventory i
            WHERE i.film_id = :film_id AND i.store_id = :store_id
              AND NOT EXISTS (SELECT 1 FROM rental r
                              WHERE r.inventory_id = i.inventory_id AND r.return_date IS NULL)
            ORDER BY i.inventory_id LIMIT 1
        """),
        {"film_id": film_id, "store_id": store_id},
    )


async def categories(conn: AsyncConnection) -> list[str]:
    return list(await conn.scalars(text("SELECT name FROM category ORDER BY name")))


async def languages(conn: AsyncConnection) -> list[str]:
    return list(await conn.scalars(text("SELECT trim(name) FROM language ORDER BY 1")))


async def checked_filter(
    conn: AsyncConnection, filters: FilmFilter
) -> tuple[FilmFilter, list[str]]:
    """The filter with the store's own spelling of its category, actor, language and feature
    ("sci fi" -> Sci-Fi, "penelope guinnes" -> PENELOPE GUINESS), and a note for each one the
    store does not have; such a filter stays in, so the answer shows 0 rather than too much."""
    changes, notes = {}, []

    def settle(field: str, said: str, known: list[str], what: str) -> None:
        exact = next((k for k in known if k.lower() == said.strip().lower()), None)
        close = exact or _closest(said, known)
        if close is not None:
            changes[field] = close
            if exact is None:
                notes.append(f"Read {what} '{said.strip()}' as {close}.")
        else:
            notes.append(f"The store has no {what} '{said.strip()}' "
                         f"(it has: {', '.join(known)}).")

    if filters.category is not None:
        settle("category", filters.category, await categories(conn), "category")
    if filters.language is not None:
        settle("language", filters.language, await languages(conn), "language")
    if filters.special_feature is not None:
        settle("special_feature", filters.special_feature, list(SPECIAL_FEATURES),
               "special feature")
    if filters.actor is not None:
        actors = await find_actors(conn, filters.actor)
        names = list(dict.fromkeys(a.name for a in actors))
        if len(names) == 1:
            changes["actor"] = names[0]
            if names[0] != " ".join(filters.actor.upper().split()):
                notes.append(f"Read actor '{filters.actor.strip()}' as {names[0]}.")
        elif names:
            notes.append(f"Several actors match '{filters.actor.strip()}': "
                         f"{', '.join(names)}. Which one?")
        else:
            notes.append(f"No actor of the store is called '{filters.actor.strip()}'.")
    return replace(filters, **changes), notes


def _closest(said: str, known: list[str]) -> str | None:
    """The known name that `said` is a near spelling of ("scifi", "comedies"), if any."""
    squeeze = {re.sub(r"[^a-z0-9]", "", k.lower()): k for k in known}
    wanted = re.sub(r"[^a-z0-9]", "", said.lower())
    found = process.extractOne(wanted, list(squeeze), scorer=fuzz.ratio, score_cutoff=80)
    return squeeze[found[0]] if found else None
