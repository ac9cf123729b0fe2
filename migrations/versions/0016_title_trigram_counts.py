"""The kept counts of title pieces (migration 0012) hold three-letter pieces too.

A title search's `total` counts every match. For two plain letters it is one lookup in the
counts migration 0012 keeps; for three (`q=the`, a clerk typing a word) it was counted through
the bigram index, which visits every candidate film: at x100, 1,700 films and 4 ms for `the`,
with the page read through them again. A title holds three plain letters if and only if it
holds their trigram, so the counts now hold each title's trigrams beside its bigrams, and the
table is renamed for what it holds: `title_piece_counts(piece, films)`. The same statement
triggers keep them, in the writing transaction.

Revision ID: 0016_title_trigram_counts
Revises: 0015_rental_days
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0016_title_trigram_counts"
down_revision: str | None = "0015_rental_days"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def counting(table: str, column: str, add: str, pieces: str) -> str:
    """The functions that keep `table`'s counts of title `pieces` (an SQL expression of
    `c.title`): `add`(came, went) for titles added and removed (each title once per film), and
    the trigger functions migration 0012 made, which call it."""
    return f"""
CREATE FUNCTION {add}(came text[], went text[]) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO {table} AS t ({column}, films)
    SELECT p.piece, sum(c.change)
    FROM (SELECT 1 AS change, title FROM unnest(came) AS title
          UNION ALL SELECT -1, title FROM unnest(went) AS title) AS c
    CROSS JOIN LATERAL (SELECT DISTINCT unnest({pieces}) AS piece) AS p
    GROUP BY p.piece
    HAVING sum(c.change) <> 0
    ORDER BY p.piece
    ON CONFLICT ({column}) DO UPDATE SET films = t.films + excluded.films
$$;

CREATE OR REPLACE FUNCTION count_title_bigrams() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM {add}(ARRAY(SELECT title FROM new_films), '{{}}');
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM {add}('{{}}', ARRAY(SELECT title FROM old_films));
    ELSE  -- only the titles the UPDATE changed
        PERFORM {add}(
            ARRAY(SELECT title FROM new_films n WHERE NOT EXISTS (
                SELECT FROM old_films o WHERE o.film_id = n.film_id AND o.title = n.title)),
            ARRAY(SELECT title FROM old_films o WHERE NOT EXISTS (
                SELECT FROM new_films n WHERE n.film_id = o.film_id AND n.title = o.title)));
    END IF;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION uncount_title_bigrams() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM {table};
    RETURN NULL;
END $$;
"""


TRIGRAMS = """
CREATE FUNCTION text_trigrams(value text) RETURNS text[]
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE STRICT AS $$
DECLARE
    lowered text := lower(value);
    trigrams text[] := '{}';
BEGIN
    FOR i IN 1 .. length(lowered) - 2 LOOP
        trigrams := trigrams || substr(lowered, i, 3);
    END LOOP;
    RETURN trigrams;
END
$$;
"""


def upgrade() -> None:
    # First, so that no film is written between the functions' change and the trigrams'
    # count (as in 0012: the count is taken with the table locked).
    op.execute("LOCK TABLE film IN SHARE MODE")
    op.execute(TRIGRAMS)
    op.execute("ALTER TABLE title_bigram_counts RENAME TO title_piece_counts")
    op.execute("ALTER TABLE title_piece_counts RENAME COLUMN bigram TO piece")
    op.execute("ALTER INDEX title_bigram_counts_pkey RENAME TO title_piece_counts_pkey")
    op.execute(counting("title_piece_counts", "piece", "add_title_pieces",
                        "text_bigrams(c.title) || text_trigrams(c.title)"))
    op.execute("DROP FUNCTION add_title_bigrams(text[], text[])")
    # The trigrams of the titles there are.
    op.execute("""
        INSERT INTO title_piece_counts (piece, films)
        SELECT piece, count(*) FROM film CROSS JOIN LATERAL (
            SELECT DISTINCT unnest(text_trigrams(title)) AS piece) AS p
        GROUP BY piece""")


def downgrade() -> None:
    op.execute("DELETE FROM title_piece_counts WHERE length(piece) <> 2")
    op.execute("ALTER TABLE title_piece_counts RENAME COLUMN piece TO bigram")
    op.execute("ALTER TABLE title_piece_counts RENAME TO title_bigram_counts")
    op.execute("ALTER INDEX title_piece_counts_pkey RENAME TO title_bigram_counts_pkey")
    op.execute(counting("title_bigram_counts", "bigram", "add_title_bigrams",
                        "text_bigrams(c.title)"))
    op.execute("DROP FUNCTION add_title_pieces(text[], text[])")
    op.execute("DROP FUNCTION text_trigrams(text)")
