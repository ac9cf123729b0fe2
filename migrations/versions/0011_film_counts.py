"""How many films the catalogue, its streaming shelf and each category hold, kept by the
database as films come and go.

A film list's `total` is the count of every match. Counting the films of a category or the
streaming ones reads an index entry per film (at x100: 6,000 and 30,000 of them, 3 to 6 ms of
each request), and the precomputed totals (migration 0006) miss a film changed or removed
until their next refresh. `film_counts` holds the three counts, kept exact in the writing
transaction by statement triggers on film and film_category (one update per statement, a bulk
load included; TRUNCATE empties them). Films change seldom, so the few rows they update are
no point of contention.

A category is matched by name whatever the case (the REST `category` filter, the chat): two
categories whose names differ only in case would make one name mean two categories, so such
names are now refused by a unique index (replacing the plain one of migration 0003).

Revision ID: 0011_film_counts
Revises: 0010_covering_film_indexes
"""

from collections.abc import Sequence

from alembic import op
from sqlalchemy import text

revision: str = "0011_film_counts"
down_revision: str | None = "0010_covering_film_indexes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COUNTS = """
CREATE TABLE film_counts (
    kind text NOT NULL CHECK (kind IN ('catalogue', 'streaming', 'category')),
    key integer NOT NULL DEFAULT 0,  -- the category_id; 0 for the others
    films bigint NOT NULL,
    PRIMARY KEY (kind, key)
);

CREATE FUNCTION count_films() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    more_films bigint := 0;
    more_streaming bigint := 0;
BEGIN
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        SELECT count(*), count(*) FILTER (WHERE streaming_available)
        INTO more_films, more_streaming FROM new_films;
    END IF;
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        SELECT more_films - count(*), more_streaming - count(*) FILTER (WHERE streaming_available)
        INTO more_films, more_streaming FROM old_films;
    END IF;
    IF more_films <> 0 OR more_streaming <> 0 THEN
        UPDATE film_counts
        SET films = films + CASE kind WHEN 'catalogue' THEN more_films ELSE more_streaming END
        WHERE kind IN ('catalogue', 'streaming');
    END IF;
    RETURN NULL;
END $$;

CREATE FUNCTION count_category_films() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO film_counts AS c (kind, key, films)
        SELECT 'category', category_id, count(*) FROM new_links GROUP BY category_id
        ON CONFLICT (kind, key) DO UPDATE SET films = c.films + excluded.films;
    END IF;
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        UPDATE film_counts c SET films = c.films - gone.films
        FROM (SELECT category_id, count(*) AS films FROM old_links GROUP BY category_id) gone
        WHERE c.kind = 'category' AND c.key = gone.category_id;
    END IF;
    RETURN NULL;
END $$;

CREATE FUNCTION uncount_films() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE film_counts SET films = 0
    WHERE TG_TABLE_NAME = 'film' AND kind IN ('catalogue', 'streaming')
       OR TG_TABLE_NAME = 'film_category' AND kind = 'category';
    RETURN NULL;
END $$;

CREATE TRIGGER film_counts_insert AFTER INSERT ON film
    REFERENCING NEW TABLE AS new_films FOR EACH STATEMENT EXECUTE FUNCTION count_films();
CREATE TRIGGER film_counts_update AFTER UPDATE ON film
    REFERENCING OLD TABLE AS old_films NEW TABLE AS new_films
    FOR EACH STATEMENT EXECUTE FUNCTION count_films();
CREATE TRIGGER film_counts_delete AFTER DELETE ON film
    REFERENCING OLD TABLE AS old_films FOR EACH STATEMENT EXECUTE FUNCTION count_films();
CREATE TRIGGER film_counts_truncate AFTER TRUNCATE ON film
    FOR EACH STATEMENT EXECUTE FUNCTION uncount_films();

CREATE TRIGGER film_counts_insert AFTER INSERT ON film_category
    REFERENCING NEW TABLE AS new_links
    FOR EACH STATEMENT EXECUTE FUNCTION count_category_films();
CREATE TRIGGER film_counts_update AFTER UPDATE ON film_category
    REFERENCING OLD TABLE AS old_links NEW TABLE AS new_links
    FOR EACH STATEMENT EXECUTE FUNCTION count_category_films();
CREATE TRIGGER film_counts_delete AFTER DELETE ON film_category
    REFERENCING OLD TABLE AS old_links
    FOR EACH STATEMENT EXECUTE FUNCTION count_category_films();
CREATE TRIGGER film_counts_truncate AFTER TRUNCATE ON film_category
    FOR EACH STATEMENT EXECUTE FUNCTION uncount_films();

-- Taken with the tables locked, so no write slips between the count and the triggers.
LOCK TABLE film, film_category IN SHARE MODE;
INSERT INTO film_counts (kind, key, films)
SELECT 'catalogue', 0, count(*) FROM film
UNION ALL SELECT 'streaming', 0, count(*) FILTER (WHERE streaming_available) FROM film
UNION ALL SELECT 'category', category_id, count(*) FROM film_category GROUP BY category_id;
"""


def upgrade() -> None:
    clash = op.get_bind().scalar(text(
        "SELECT string_agg(name, ', ' ORDER BY name) FROM category GROUP BY lower(name) "
        "HAVING count(*) > 1 LIMIT 1"))
    if clash:
        raise RuntimeError(f"the categories {clash} differ only in case: rename or merge them, "
                           "then upgrade again")
    op.execute("DROP INDEX idx_category_lower_name")
    op.execute("CREATE UNIQUE INDEX idx_category_lower_name ON category (lower(name))")
    op.execute(COUNTS)


def downgrade() -> None:
    for table in ("film", "film_category"):
        for event in ("insert", "update", "delete", "truncate"):
            op.execute(f"DROP TRIGGER film_counts_{event} ON {table}")
    op.execute("DROP FUNCTION count_films(), count_category_films(), uncount_films()")
    op.execute("DROP TABLE film_counts")
    op.execute("DROP INDEX idx_category_lower_name")
    op.execute("CREATE INDEX idx_category_lower_name ON category (lower(name))")
