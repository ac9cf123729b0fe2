"""The store's late-fee rule in one place, a working get_customer_balance(), and payments of
any date.

- `rental_days_late()` and `rental_late_fee()`: the rule the counter applies ($1 a day past
  the film's rental duration; kept more than twice the duration, the replacement cost
  instead). The app reads every late fee from them, and so does the balance.
- `get_customer_balance()` is replaced in both schemas: rental fees, plus late fees (a rental
  still out counts as of the effective date), minus payments. The official body calls IF(),
  which PostgreSQL doesn't have, and never applies the replacement cost its comment promises.
- The official `payment` is partitioned by month and its partitions end in 2022-07: a default
  partition (with the partitions' keys and indexes) takes a payment of any other date, so
  renting today can record its fee. The fresh schema's `payment` is one plain table.

Revision ID: 0004_late_fees_and_payments
Revises: 0003_rental_invariants
"""

from collections.abc import Sequence

from alembic import op
from sqlalchemy import text

revision: str = "0004_late_fees_and_payments"
down_revision: str | None = "0003_rental_invariants"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

RULE = """
CREATE FUNCTION rental_days_late(rented timestamptz, returned timestamptz, duration integer)
RETURNS integer LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT greatest(0, floor(extract(epoch FROM returned - rented - duration * interval '1 day')
                             / 86400))::integer
$$;

CREATE FUNCTION rental_kept_too_long(rented timestamptz, returned timestamptz, duration integer)
RETURNS boolean LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT returned - rented > 2 * duration * interval '1 day'
$$;

-- $1 a day past the rental duration; kept more than twice the duration: the replacement cost.
CREATE FUNCTION rental_late_fee(rented timestamptz, returned timestamptz, duration integer,
                                replacement numeric) RETURNS numeric
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN rental_kept_too_long(rented, returned, duration) THEN replacement
                ELSE 1.00 * rental_days_late(rented, returned, duration) END
$$;

CREATE OR REPLACE FUNCTION get_customer_balance(p_customer_id integer,
                                                p_effective_date timestamptz) RETURNS numeric
LANGUAGE sql STABLE AS $$
    SELECT coalesce((
        SELECT sum(f.rental_rate + rental_late_fee(
                   r.rental_date, least(coalesce(r.return_date, p_effective_date),
                                        p_effective_date),
                   f.rental_duration, f.replacement_cost))
        FROM rental r JOIN inventory i USING (inventory_id) JOIN film f USING (film_id)
        WHERE r.customer_id = p_customer_id AND r.rental_date <= p_effective_date), 0)
      - coalesce((
        SELECT sum(p.amount) FROM payment p
        WHERE p.customer_id = p_customer_id AND p.payment_date <= p_effective_date), 0)
$$;
"""

# The 0001 body, for a downgrade (whole days past the duration, no replacement cost).
PREVIOUS_BALANCE = """
CREATE OR REPLACE FUNCTION get_customer_balance(p_customer_id integer,
                                                p_effective_date timestamptz) RETURNS numeric
LANGUAGE sql STABLE AS $$
    SELECT coalesce((
        SELECT sum(f.rental_rate + greatest(
                   r.return_date::date - r.rental_date::date - f.rental_duration, 0))
        FROM rental r JOIN inventory i USING (inventory_id) JOIN film f USING (film_id)
        WHERE r.customer_id = p_customer_id AND r.rental_date <= p_effective_date), 0)
      - coalesce((
        SELECT sum(p.amount) FROM payment p
        WHERE p.customer_id = p_customer_id AND p.payment_date <= p_effective_date), 0)
$$;
"""

DEFAULT_PARTITION = """
CREATE TABLE payment_default PARTITION OF payment DEFAULT;
ALTER TABLE payment_default
    ADD CONSTRAINT payment_default_customer_id_fkey FOREIGN KEY (customer_id)
        REFERENCES customer (customer_id),
    ADD CONSTRAINT payment_default_rental_id_fkey FOREIGN KEY (rental_id)
        REFERENCES rental (rental_id),
    ADD CONSTRAINT payment_default_staff_id_fkey FOREIGN KEY (staff_id)
        REFERENCES staff (staff_id);
CREATE INDEX idx_fk_payment_default_customer_id ON payment_default (customer_id);
CREATE INDEX idx_fk_payment_default_staff_id ON payment_default (staff_id);
"""


def _partitioned() -> bool:
    return bool(op.get_bind().scalar(text(
        "SELECT EXISTS (SELECT 1 FROM pg_partitioned_table "
        "WHERE partrelid = 'payment'::regclass)"
    )))


def upgrade() -> None:
    # The official function is plpgsql with another body; drop it so the SQL one replaces it.
    op.execute("DROP FUNCTION IF EXISTS get_customer_balance(integer, timestamptz)")
    op.execute(RULE)
    if _partitioned():
        op.execute(DEFAULT_PARTITION)
    # A rental's payments (its fee, a late fee) are looked up by rental.
    op.execute("CREATE INDEX idx_payment_rental ON payment (rental_id)")


def downgrade() -> None:
    op.execute("DROP INDEX idx_payment_rental")
    if _partitioned():
        op.execute("DROP TABLE payment_default")  # holds only payments made since the upgrade
    op.execute(PREVIOUS_BALANCE)
    op.execute("DROP FUNCTION rental_late_fee(timestamptz, timestamptz, integer, numeric), "
               "rental_kept_too_long(timestamptz, timestamptz, integer), "
               "rental_days_late(timestamptz, timestamptz, integer)")
