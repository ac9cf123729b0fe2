"""Rentals per day, as payments per day are: "how many rentals last month", "rentals per
store in 2022", "rentals by category this week" (assistant.stats.rental_counts).

`rental_days`: rentals made per UTC day and store (the rented copy's), and
`rental_category_days` the same per category, up to the mark of `stats_as_of` (migration
0006), refreshed with the other views (assistant.totals). Counting a year's rentals at x100
otherwise reads hundreds of thousands of them; read per day, it is a few hundred rows, the
rentals since the mark added live.

Revision ID: 0015_rental_days
Revises: 0014_film_rows
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0015_rental_days"
down_revision: str | None = "0014_film_rows"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

VIEWS = """
CREATE MATERIALIZED VIEW rental_days AS
SELECT date_trunc('day', r.rental_date, 'UTC') AS day, i.store_id, count(*) AS rentals
FROM rental r JOIN inventory i USING (inventory_id) CROSS JOIN stats_as_of mark
WHERE r.rental_id <= mark.last_rental_id AND r.rental_date < mark.cutoff
GROUP BY 1, 2;
CREATE UNIQUE INDEX rental_days_key ON rental_days (day, store_id);

CREATE MATERIALIZED VIEW rental_category_days AS
SELECT date_trunc('day', r.rental_date, 'UTC') AS day, i.store_id, fc.category_id,
       count(*) AS rentals
FROM rental r JOIN inventory i USING (inventory_id) JOIN film_category fc USING (film_id)
CROSS JOIN stats_as_of mark
WHERE r.rental_id <= mark.last_rental_id AND r.rental_date < mark.cutoff
GROUP BY 1, 2, 3;
CREATE UNIQUE INDEX rental_category_days_key
    ON rental_category_days (day, store_id, category_id);
"""


def upgrade() -> None:
    op.execute(VIEWS)


def downgrade() -> None:
    op.execute("DROP MATERIALIZED VIEW rental_category_days, rental_days")
