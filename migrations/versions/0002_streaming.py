"""Streaming: which films can be streamed, and customers' streaming subscriptions.

Adding a NOT NULL column with a constant default is a catalog-only change in PostgreSQL 11+:
existing film rows are neither rewritten nor touched by their triggers (last_update stays).

Revision ID: 0002_streaming
Revises: 0001_pagila_base
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002_streaming"
down_revision: str | None = "0001_pagila_base"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("ALTER TABLE film ADD COLUMN streaming_available boolean NOT NULL DEFAULT false")
    # "What can I stream?" lists streamable titles in order; the partial index holds only those.
    op.execute("CREATE INDEX idx_film_title_streaming ON film (title) WHERE streaming_available")
    op.execute(
        """
        CREATE TABLE streaming_subscription (
            id serial NOT NULL,
            customer_id integer NOT NULL,
            plan_name text NOT NULL,
            start_date date NOT NULL,
            end_date date,
            last_update timestamp with time zone DEFAULT now() NOT NULL,
            CONSTRAINT streaming_subscription_pkey PRIMARY KEY (id),
            CONSTRAINT streaming_subscription_customer_id_fkey FOREIGN KEY (customer_id)
                REFERENCES customer (customer_id) ON DELETE CASCADE,
            CONSTRAINT streaming_subscription_end_date_check
                CHECK (end_date >= start_date)
        )
        """
    )
    op.execute(
        "CREATE INDEX idx_fk_streaming_subscription_customer_id "
        "ON streaming_subscription (customer_id)"
    )
    op.execute(
        "CREATE TRIGGER last_updated BEFORE UPDATE ON streaming_subscription "
        "FOR EACH ROW EXECUTE FUNCTION last_updated()"
    )


def downgrade() -> None:
    op.execute("DROP TABLE streaming_subscription")  # its serial sequence goes with it
    op.execute("DROP INDEX idx_film_title_streaming")
    op.execute("ALTER TABLE film DROP COLUMN streaming_available")
