"""Rankings over a calendar month or year precomputed, as those over all history are.

`rental_period_totals`: rentals and revenue (payments of those rentals) per film, customer,
category and actor, per store (the copy's) and over all stores (store_id 0), per UTC month
(`period` '2022-05') and year ('2022'), up to the mark of `stats_as_of` (migration 0006), and
refreshed with the other views (assistant.totals), after `stats_as_of` and in the same
transaction: its mark is read from there, so it is that of the other views even when made
here, long after them. A ranking "last month" or "in 2022" at a
chain's size otherwise aggregates hundreds of thousands of rentals (7 s at x100, measured);
read off this view's index by value it takes milliseconds, the rentals since the mark added
live.

Revision ID: 0008_rental_period_totals
Revises: 0007_sign_in_throttle
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0008_rental_period_totals"
down_revision: str | None = "0007_sign_in_throttle"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

VIEW = """
CREATE MATERIALIZED VIEW rental_period_totals AS
WITH mark AS (SELECT cutoff, last_rental_id, last_payment_id FROM stats_as_of),
paid AS (
    SELECT p.rental_id, sum(p.amount) AS amount FROM payment p, mark
    WHERE p.payment_id <= mark.last_payment_id AND p.payment_date < mark.cutoff
    GROUP BY p.rental_id),
counted AS (
    SELECT i.store_id, i.film_id, r.customer_id, coalesce(paid.amount, 0) AS amount,
           to_char(r.rental_date AT TIME ZONE 'UTC', 'YYYY-MM') AS month,
           to_char(r.rental_date AT TIME ZONE 'UTC', 'YYYY') AS year
    FROM rental r JOIN inventory i USING (inventory_id) CROSS JOIN mark
    LEFT JOIN paid ON paid.rental_id = r.rental_id
    WHERE r.rental_id <= mark.last_rental_id AND r.rental_date < mark.cutoff),
films AS (
    SELECT coalesce(store_id, 0) AS store_id, coalesce(month, year) AS period, film_id,
           count(*) AS rentals, sum(amount) AS revenue
    FROM counted GROUP BY GROUPING SETS ((store_id, film_id, month), (film_id, month),
                                         (store_id, film_id, year), (film_id, year)))
SELECT 'films'::text AS kind, store_id, period, film_id AS key, rentals, revenue FROM films
UNION ALL
SELECT 'customers', coalesce(store_id, 0), coalesce(month, year), customer_id, count(*),
       sum(amount)
FROM counted GROUP BY GROUPING SETS ((store_id, customer_id, month), (customer_id, month),
                                     (store_id, customer_id, year), (customer_id, year))
UNION ALL
SELECT 'categories', films.store_id, films.period, fc.category_id, sum(rentals)::bigint,
       sum(revenue)
FROM films JOIN film_category fc USING (film_id)
GROUP BY films.store_id, films.period, fc.category_id
UNION ALL
SELECT 'actors', films.store_id, films.period, fa.actor_id, sum(rentals)::bigint, sum(revenue)
FROM films JOIN film_actor fa USING (film_id) GROUP BY films.store_id, films.period, fa.actor_id;
CREATE UNIQUE INDEX rental_period_totals_key ON rental_period_totals (kind, store_id, period, key);
CREATE INDEX rental_period_totals_by_rentals
    ON rental_period_totals (kind, store_id, period, rentals DESC);
CREATE INDEX rental_period_totals_by_revenue
    ON rental_period_totals (kind, store_id, period, revenue DESC);
ANALYZE rental_period_totals;
"""


def upgrade() -> None:
    op.execute(VIEW)


def downgrade() -> None:
    op.execute("DROP MATERIALIZED VIEW rental_period_totals")
