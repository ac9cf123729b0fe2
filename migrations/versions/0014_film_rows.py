"""A film as the store shows it, in one database function: `film_rows(ids)`.

Every read of films (a list's page, a film by id, an exact title) selected the same fourteen
columns, the film's category and language among them by subqueries. Written into each
statement, they were parsed and planned with it: a title search, planned for its fragment
(assistant.films), took 0.7 to 1 ms to plan, more than its run, and half or more of that was
those columns and the join that fetched them (0.35 ms without them, measured at x1 and x100).
`film_rows` returns the films of `ids`, in that order (`position`, from 1), with those
columns. A PL/pgSQL function keeps the plan of its query for the session, so a statement now
plans only which films match, in which order.

The columns are cast to the types the app reads (the official schema's `year` domain is an
integer, a language's name a `character(20)`), so the function reads the same on the fresh
and the official schema.

Revision ID: 0014_film_rows
Revises: 0013_film_order_keys
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0014_film_rows"
down_revision: str | None = "0013_film_order_keys"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FILM_ROWS = """
CREATE FUNCTION film_rows(ids integer[]) RETURNS TABLE (
    film_id integer, title text, description text, release_year integer,
    rental_duration smallint, rental_rate numeric, length smallint, rating text,
    streaming_available boolean, last_update timestamptz, category text, language text,
    replacement_cost numeric, special_features text[], "position" bigint)
LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
BEGIN
    RETURN QUERY
    SELECT f.film_id, f.title::text, f.description::text, f.release_year::integer,
           f.rental_duration::smallint, f.rental_rate::numeric, f.length::smallint,
           f.rating::text, f.streaming_available, f.last_update::timestamptz,
           -- the film's first category (Pagila gives each film one)
           (SELECT c.name::text FROM film_category fc JOIN category c USING (category_id)
             WHERE fc.film_id = f.film_id ORDER BY c.category_id LIMIT 1),
           (SELECT trim(l.name)::text FROM language l WHERE l.language_id = f.language_id),
           f.replacement_cost::numeric, f.special_features::text[], wanted.position
    FROM unnest(ids) WITH ORDINALITY AS wanted (film_id, position)
    JOIN film f ON f.film_id = wanted.film_id
    ORDER BY wanted.position;
END
$$;
"""


def upgrade() -> None:
    op.execute(FILM_ROWS)


def downgrade() -> None:
    op.execute("DROP FUNCTION film_rows(integer[])")
