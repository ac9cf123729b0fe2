"""The catalogue's sort indexes keyed on the whole order a film list asks for.

A film list is ordered by its sort column, then title, then film_id (assistant.films._order),
so that pages never overlap. The indexes of migration 0010 were keyed on the sort column
alone: PostgreSQL walked one and sorted each run of equal keys again (an incremental sort,
which takes at least 32 rows at a time). Filtered by a category, one film in 16, the first
page of ten walked 511 titles for the 33 it sorted. Keyed on the whole order, the walk gives
the films in order and stops at the page's end; the other covered columns stay INCLUDEd.

Revision ID: 0013_film_order_keys
Revises: 0012_title_bigram_counts
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0013_film_order_keys"
down_revision: str | None = "0012_title_bigram_counts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# As migration 0010's (its copy: migrations keep their history).
COVERED = ("film_id", "title", "length", "rental_rate", "release_year", "rating",
           "streaming_available", "language_id")
SORTS = {  # name: the sort column, as the list orders it
    "idx_title": "title",
    "idx_film_length": "length",
    "idx_film_length_desc": "length DESC NULLS LAST",
    "idx_film_rental_rate": "rental_rate",
    "idx_film_rental_rate_desc": "rental_rate DESC NULLS LAST",
    "idx_film_release_year": "release_year",
    "idx_film_release_year_desc": "release_year DESC NULLS LAST",
}


def _rebuild(keys: dict[str, str]) -> None:
    for name, key in keys.items():
        columns = [part.split()[0] for part in key.split(", ")]
        included = ", ".join(c for c in COVERED if c not in columns)
        op.execute(f"DROP INDEX {name}")
        op.execute(f"CREATE INDEX {name} ON film ({key}) INCLUDE ({included})")
    op.execute("ANALYZE film")


def upgrade() -> None:
    _rebuild({name: f"{sort}, film_id" if sort == "title" else f"{sort}, title, film_id"
              for name, sort in SORTS.items()})


def downgrade() -> None:
    _rebuild(SORTS)
