"""The words of the titles, and the films whose title holds each, kept by the database.

A title search's `total` counts every match. A fragment of four letters or more has no kept
count (migrations 0012, 0016), so each match was read through the bigram index, a visit to
the film table each: at x100, `dinosaur` (593 films) 2 of the search's 3 ms in the database,
and 2.3 times its x1 time over REST.

A fragment without a space lies within one word of a title (words split at spaces, lowered as
ILIKE lowers). So the films matching it are the films of the vocabulary's words that hold it:
- `title_words(word, films)`, the vocabulary, with how many films hold each word: a few
  hundred words at x100 (read whole for the words that hold a fragment), tens of thousands
  for a real chain's titles (read through an index of their bigrams);
- `film_title_words(word, title, film_id)`, one row for each word of each title, its
  primary key in that order: a word's films, their count, and its first films by title are
  read off the index alone (with the table vacuumed: the demo load does it, autovacuum after).

Statement triggers on film keep both in the writing transaction, as migration 0012's counts:
one pass per statement over the titles it added, changed or removed (an UPDATE that leaves the
titles alone changes nothing); TRUNCATE empties them. Words are written in word order, so two
writers lock them in the same order.

Revision ID: 0017_title_words
Revises: 0016_title_trigram_counts
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0017_title_words"
down_revision: str | None = "0016_title_trigram_counts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WORDS = """
CREATE TABLE title_words (
    word text PRIMARY KEY,
    films bigint NOT NULL
);

-- A large vocabulary (a real chain's titles: tens of thousands of words) is searched through
-- the words' bigrams, as the titles are (migration 0006).
CREATE INDEX title_words_bigrams ON title_words USING gin (text_bigrams(word));

CREATE TABLE film_title_words (
    word text NOT NULL,
    film_id integer NOT NULL,
    title text NOT NULL,
    PRIMARY KEY (word, title, film_id)  -- each word's films in title order
);

-- Each word once, lowered; split at spaces only, so a fragment without one lies within a word.
CREATE FUNCTION words_of(title text) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $$
    SELECT ARRAY(SELECT DISTINCT word FROM unnest(string_to_array(lower(title), ' ')) AS word
                 WHERE word <> '' ORDER BY word)
$$;

CREATE TYPE film_title AS (film_id integer, title text);

-- `came` and `went`: the titles added and removed (a retitled film in both). Each title's
-- words are made once (a bulk load's 100,000 titles: they were made twice).
CREATE FUNCTION change_title_words(came film_title[], went film_title[]) RETURNS void
LANGUAGE sql AS $$
    WITH changed AS MATERIALIZED (
        SELECT c.change, w.word, c.title, c.film_id
        FROM (SELECT 1 AS change, * FROM unnest(came)
              UNION ALL SELECT -1, * FROM unnest(went)) AS c
        CROSS JOIN LATERAL unnest(words_of(c.title)) AS w(word)),
    removed AS (
        DELETE FROM film_title_words w USING changed g
        WHERE g.change = -1 AND (w.word, w.title, w.film_id) = (g.word, g.title, g.film_id)),
    added AS (
        INSERT INTO film_title_words (word, title, film_id)
        SELECT word, title, film_id FROM changed WHERE change = 1 ORDER BY 1, 2, 3)
    INSERT INTO title_words AS t (word, films)
    SELECT word, sum(change) FROM changed
    GROUP BY word
    HAVING sum(change) <> 0
    ORDER BY word
    ON CONFLICT (word) DO UPDATE SET films = t.films + excluded.films;

    DELETE FROM title_words
    WHERE films = 0 AND word IN (SELECT unnest(words_of(title)) FROM unnest(went));
$$;

CREATE FUNCTION keep_title_words() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM change_title_words(
            ARRAY(SELECT (film_id, title)::film_title FROM new_films), '{}');
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM change_title_words(
            '{}', ARRAY(SELECT (film_id, title)::film_title FROM old_films));
    ELSE  -- only the titles the UPDATE changed
        PERFORM change_title_words(
            ARRAY(SELECT (film_id, title)::film_title FROM new_films n WHERE NOT EXISTS (
                SELECT FROM old_films o WHERE o.film_id = n.film_id AND o.title = n.title)),
            ARRAY(SELECT (film_id, title)::film_title FROM old_films o WHERE NOT EXISTS (
                SELECT FROM new_films n WHERE n.film_id = o.film_id AND n.title = o.title)));
    END IF;
    RETURN NULL;
END $$;

-- TRUNCATE, not DELETE: a bulk load truncates the films first (data/demo.py), and the words
-- then written to new files skip the write-ahead log (wal_level minimal), as the films do.
CREATE FUNCTION forget_title_words() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    TRUNCATE film_title_words, title_words;
    RETURN NULL;
END $$;

CREATE TRIGGER title_words_insert AFTER INSERT ON film
    REFERENCING NEW TABLE AS new_films
    FOR EACH STATEMENT EXECUTE FUNCTION keep_title_words();
CREATE TRIGGER title_words_update AFTER UPDATE ON film
    REFERENCING OLD TABLE AS old_films NEW TABLE AS new_films
    FOR EACH STATEMENT EXECUTE FUNCTION keep_title_words();
CREATE TRIGGER title_words_delete AFTER DELETE ON film
    REFERENCING OLD TABLE AS old_films
    FOR EACH STATEMENT EXECUTE FUNCTION keep_title_words();
CREATE TRIGGER title_words_truncate AFTER TRUNCATE ON film
    FOR EACH STATEMENT EXECUTE FUNCTION forget_title_words();
"""


def upgrade() -> None:
    # First, so that no film is written between the triggers' creation and the words' count.
    op.execute("LOCK TABLE film IN SHARE MODE")
    op.execute(WORDS)
    op.execute("SELECT change_title_words(ARRAY(SELECT (film_id, title)::film_title FROM film), "
               "'{}')")


def downgrade() -> None:
    for event in ("insert", "update", "delete", "truncate"):
        op.execute(f"DROP TRIGGER title_words_{event} ON film")
    op.execute("DROP FUNCTION keep_title_words(), forget_title_words(), "
               "change_title_words(film_title[], film_title[]), words_of(text)")
    op.execute("DROP TYPE film_title")
    op.execute("DROP TABLE film_title_words, title_words")
