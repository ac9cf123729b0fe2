"""`film_rows` runs its query on the plan it keeps, whatever the number of films asked.

PL/pgSQL keeps the plan of `film_rows`'s query (migration 0014) in the session's plan cache,
which, as for any prepared statement, tries five custom plans and then keeps the generic one
only if it costs no more than they did. A custom plan for one film (a film by id, an exact
title) is estimated cheaper than the generic plan, made for a list of films of unknown length,
so the query was planned again at every call: 0.6 to 0.9 ms for one film at x1 and x100,
against 0.25 to 0.3 ms on the generic plan (the same plan the custom ones chose: each film by
its key). Lists of 10 and 100 films took the same time either way. The function now always
uses its generic plan.

Revision ID: 0018_film_rows_generic_plan
Revises: 0017_title_words
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0018_film_rows_generic_plan"
down_revision: str | None = "0017_title_words"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("ALTER FUNCTION film_rows(integer[]) SET plan_cache_mode = force_generic_plan")


def downgrade() -> None:
    op.execute("ALTER FUNCTION film_rows(integer[]) RESET plan_cache_mode")
