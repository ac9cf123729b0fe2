"""How many films hold each two-letter piece of a title, kept by the database as titles come,
change and go.

A title search's `total` counts every match. For two plain letters (`q=an`) the bigram index
of migration 0006 is exact, but counting through it still visits every matching film: 18,000
at x100, about 5 ms of each request. `title_bigram_counts` holds the number of films whose
title holds each bigram (lowercased, as `text_bigrams()` makes them), so that count is one
lookup. Statement triggers on film keep it in the writing transaction, as migration 0011's
`film_counts`: one pass per statement over the titles it added, changed or removed (an UPDATE
that leaves the titles alone changes nothing), a bulk load included; TRUNCATE empties it.
Counts are updated in bigram order, so two writers lock them in the same order.

Revision ID: 0012_title_bigram_counts
Revises: 0011_film_counts
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0012_title_bigram_counts"
down_revision: str | None = "0011_film_counts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COUNTS = """
CREATE TABLE title_bigram_counts (
    bigram text PRIMARY KEY,
    films bigint NOT NULL
);

-- `came` and `went`: titles added and removed (each title once per film).
CREATE FUNCTION add_title_bigrams(came text[], went text[]) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO title_bigram_counts AS t (bigram, films)
    SELECT b.bigram, sum(c.change)
    FROM (SELECT 1 AS change, title FROM unnest(came) AS title
          UNION ALL SELECT -1, title FROM unnest(went) AS title) AS c
    CROSS JOIN LATERAL (SELECT DISTINCT unnest(text_bigrams(c.title)) AS bigram) AS b
    GROUP BY b.bigram
    HAVING sum(c.change) <> 0
    ORDER BY b.bigram
    ON CONFLICT (bigram) DO UPDATE SET films = t.films + excluded.films
$$;

CREATE FUNCTION count_title_bigrams() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM add_title_bigrams(ARRAY(SELECT title FROM new_films), '{}');
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM add_title_bigrams('{}', ARRAY(SELECT title FROM old_films));
    ELSE  -- only the titles the UPDATE changed
        PERFORM add_title_bigrams(
            ARRAY(SELECT title FROM new_films n WHERE NOT EXISTS (
                SELECT FROM old_films o WHERE o.film_id = n.film_id AND o.title = n.title)),
            ARRAY(SELECT title FROM old_films o WHERE NOT EXISTS (
                SELECT FROM new_films n WHERE n.film_id = o.film_id AND n.title = o.title)));
    END IF;
    RETURN NULL;
END $$;

CREATE FUNCTION uncount_title_bigrams() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM title_bigram_counts;
    RETURN NULL;
END $$;

CREATE TRIGGER title_bigram_counts_insert AFTER INSERT ON film
    REFERENCING NEW TABLE AS new_films
    FOR EACH STATEMENT EXECUTE FUNCTION count_title_bigrams();
CREATE TRIGGER title_bigram_counts_update AFTER UPDATE ON film
    REFERENCING OLD TABLE AS old_films NEW TABLE AS new_films
    FOR EACH STATEMENT EXECUTE FUNCTION count_title_bigrams();
CREATE TRIGGER title_bigram_counts_delete AFTER DELETE ON film
    REFERENCING OLD TABLE AS old_films
    FOR EACH STATEMENT EXECUTE FUNCTION count_title_bigrams();
CREATE TRIGGER title_bigram_counts_truncate AFTER TRUNCATE ON film
    FOR EACH STATEMENT EXECUTE FUNCTION uncount_title_bigrams();

-- Taken with the table locked, so no write slips between the count and the triggers.
LOCK TABLE film IN SHARE MODE;
SELECT add_title_bigrams(ARRAY(SELECT title FROM film), '{}');
"""


def upgrade() -> None:
    op.execute(COUNTS)


def downgrade() -> None:
    for event in ("insert", "update", "delete", "truncate"):
        op.execute(f"DROP TRIGGER title_bigram_counts_{event} ON film")
    op.execute("DROP FUNCTION count_title_bigrams(), uncount_title_bigrams(), "
               "add_title_bigrams(text[], text[])")
    op.execute("DROP TABLE title_bigram_counts")
