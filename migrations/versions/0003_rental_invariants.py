"""Rental invariants and the indexes the counter's queries need.

Revision ID: 0003_rental_invariants
Revises: 0002_streaming
"""

from collections.abc import Sequence

from alembic import op
from sqlalchemy import text

revision: str = "0003_rental_invariants"
down_revision: str | None = "0002_streaming"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # An existing database may already break the rule; say which copies instead of failing on
    # an anonymous "could not create unique index".
    doubles = (
        op.get_bind()
        .execute(
            text(
                "SELECT inventory_id FROM rental WHERE return_date IS NULL "
                "GROUP BY inventory_id HAVING count(*) > 1 ORDER BY inventory_id LIMIT 20"
            )
        )
        .scalars()
        .all()
    )
    if doubles:
        raise RuntimeError(
            "cannot add rental_one_open_per_copy: these copies (inventory_id) have more than "
            f"one rental not yet returned: {doubles}; return the extra rentals and upgrade again"
        )
    # A copy can be out only once: at most one rental without a return date per inventory item.
    op.execute(
        "CREATE UNIQUE INDEX rental_one_open_per_copy ON rental (inventory_id) "
        "WHERE return_date IS NULL"
    )
    # A customer's history, newest first, paged by (rental_date, rental_id).
    op.execute(
        "CREATE INDEX idx_rental_customer_date "
        "ON rental (customer_id, rental_date DESC, rental_id DESC)"
    )
    # Active and overdue lists: only the rentals still out, newest first.
    op.execute(
        "CREATE INDEX idx_rental_open ON rental (rental_date DESC, rental_id DESC) "
        "WHERE return_date IS NULL"
    )
    # Case-insensitive category lookups (lower(name) = lower(:name)).
    op.execute("CREATE INDEX idx_category_lower_name ON category (lower(name))")


def downgrade() -> None:
    op.execute(
        "DROP INDEX idx_category_lower_name, idx_rental_open, idx_rental_customer_date, "
        "rental_one_open_per_copy"
    )
