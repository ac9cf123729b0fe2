"""The totals over all history summed from the yearly totals, not aggregated from the rentals
again.

`rental_totals` (migration 0006) and `rental_period_totals` (0008) each read every rental and
payment up to the same mark. Over all history a key's figures are the sum of its years, so
`rental_totals` now adds up the yearly rows of `rental_period_totals` (refreshed just before
it, in the same transaction: assistant.totals.VIEWS): at x100 (1.6 million rentals) its
refresh took 19 s, and now well under one. Same columns, rows and indexes as before; its mark
is that of `stats_as_of`, as for the other views.

Revision ID: 0009_totals_from_period_totals
Revises: 0008_rental_period_totals
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0009_totals_from_period_totals"
down_revision: str | None = "0008_rental_period_totals"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = """
CREATE UNIQUE INDEX rental_totals_key ON rental_totals (kind, store_id, key);
CREATE INDEX rental_totals_by_rentals ON rental_totals (kind, store_id, rentals DESC);
CREATE INDEX rental_totals_by_revenue ON rental_totals (kind, store_id, revenue DESC);
ANALYZE rental_totals;
"""

SUMMED = """
DROP MATERIALIZED VIEW rental_totals;
CREATE MATERIALIZED VIEW rental_totals AS
WITH years AS (SELECT * FROM rental_period_totals WHERE length(period) = 4)  -- 'YYYY'
SELECT kind, store_id, key, sum(rentals)::bigint AS rentals, sum(revenue) AS revenue
FROM years GROUP BY kind, store_id, key
UNION ALL  -- every film over all stores, those never rented too (a popularity of 0)
SELECT 'films', 0, f.film_id, 0, 0 FROM film f, stats_as_of mark
WHERE f.film_id <= mark.last_film_id
  AND NOT EXISTS (SELECT 1 FROM years
                  WHERE years.kind = 'films' AND years.store_id = 0 AND years.key = f.film_id);
""" + INDEXES

# Migration 0006's definition, which aggregated the rentals itself.
AGGREGATED = """
DROP MATERIALIZED VIEW rental_totals;
CREATE MATERIALIZED VIEW rental_totals AS
WITH mark AS (SELECT now() - interval '5 minutes' AS cutoff,
                     (SELECT coalesce(max(rental_id), 0) FROM rental) AS last_rental_id,
                     (SELECT coalesce(max(payment_id), 0) FROM payment) AS last_payment_id,
                     (SELECT coalesce(max(film_id), 0) FROM film) AS last_film_id),
paid AS (
    SELECT p.rental_id, sum(p.amount) AS amount FROM payment p, mark
    WHERE p.payment_id <= mark.last_payment_id AND p.payment_date < mark.cutoff
    GROUP BY p.rental_id),
counted AS (
    SELECT i.store_id, i.film_id, r.customer_id, coalesce(paid.amount, 0) AS amount
    FROM rental r JOIN inventory i USING (inventory_id) CROSS JOIN mark
    LEFT JOIN paid ON paid.rental_id = r.rental_id
    WHERE r.rental_id <= mark.last_rental_id AND r.rental_date < mark.cutoff),
films AS (
    SELECT coalesce(store_id, 0) AS store_id, film_id, count(*) AS rentals, sum(amount) AS revenue
    FROM counted GROUP BY GROUPING SETS ((store_id, film_id), (film_id)))
SELECT 'films'::text AS kind, store_id, film_id AS key, rentals, revenue FROM films
UNION ALL
SELECT 'films', 0, f.film_id, 0, 0 FROM film f CROSS JOIN mark
WHERE f.film_id <= mark.last_film_id
  AND NOT EXISTS (SELECT 1 FROM films WHERE films.store_id = 0 AND films.film_id = f.film_id)
UNION ALL
SELECT 'customers', coalesce(store_id, 0), customer_id, count(*), sum(amount)
FROM counted GROUP BY GROUPING SETS ((store_id, customer_id), (customer_id))
UNION ALL
SELECT 'categories', films.store_id, fc.category_id, sum(rentals)::bigint, sum(revenue)
FROM films JOIN film_category fc USING (film_id) GROUP BY films.store_id, fc.category_id
UNION ALL
SELECT 'actors', films.store_id, fa.actor_id, sum(rentals)::bigint, sum(revenue)
FROM films JOIN film_actor fa USING (film_id) GROUP BY films.store_id, fa.actor_id;
""" + INDEXES


def upgrade() -> None:
    op.execute(SUMMED)


def downgrade() -> None:
    op.execute(AGGREGATED)
