"""Migrations against a real PostgreSQL: fresh schema, official Pagila, invariants, downgrades.

The official data is loaded once for the module (the `official` fixture); tests that use it
either only read or roll their writes back.
"""

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Connection, make_url, text
from sqlalchemy.exc import IntegrityError

from assistant.db import make_sync_engine
from assistant.migrate import (
    BASE_REVISION,
    DatabaseNotEmpty,
    MigrationError,
    current_revision,
    downgrade,
    head_revision,
    load_pagila,
    status,
    upgrade,
)

OFFICIAL_TABLES = (
    "actor", "address", "category", "city", "country", "customer", "film", "film_actor",
    "film_category", "inventory", "language", "payment", "rental", "staff", "store",
)  # fmt: skip
LAST_UPDATE_TABLES = tuple(t for t in OFFICIAL_TABLES if t != "payment")
OFFICIAL_INDEXES = {
    "film_fulltext_idx", "idx_actor_last_name", "idx_fk_address_id", "idx_fk_city_id",
    "idx_fk_country_id", "idx_fk_film_id", "idx_fk_inventory_id", "idx_fk_language_id",
    "idx_fk_original_language_id", "idx_fk_store_id", "idx_last_name", "idx_store_id_film_id",
    "idx_title", "idx_unq_manager_staff_id", "idx_unq_rental_rental_date_inventory_id_customer_id",
}  # fmt: skip
STREAMING_INDEXES = {"idx_film_title_streaming", "idx_fk_streaming_subscription_customer_id"}
RENTAL_INDEXES = {
    "rental_one_open_per_copy", "idx_rental_customer_date", "idx_rental_open",
    "idx_category_lower_name",
}  # fmt: skip
SCALE_INDEXES = {
    "idx_film_title_bigrams", "idx_film_upper_title", "idx_film_length",
    "idx_film_length_desc", "idx_film_rental_rate", "idx_film_rental_rate_desc",
    "idx_film_release_year", "idx_film_release_year_desc", "idx_film_rental_duration",
    "idx_film_category_category", "idx_inventory_film", "idx_actor_upper_name",
    "idx_actor_upper_first_name", "idx_actor_upper_last_name", "idx_customer_lower_name",
    "idx_customer_lower_first_name", "idx_customer_lower_last_name", "idx_customer_lower_email",
    "idx_payment_date",
}  # fmt: skip
TOTALS_VIEWS = {"stats_as_of", "rental_totals", "rental_period_totals", "payment_days",
                "payment_category_days", "rental_days", "rental_category_days", "store_totals"}
STORE_FUNCTIONS = (
    "inventory_in_stock", "film_in_stock", "film_not_in_stock", "get_customer_balance",
    "inventory_held_by_customer", "last_day", "last_updated",
)  # fmt: skip
VIEWS = ("film_list", "customer_list", "staff_list")


# --- helpers -----------------------------------------------------------------------------


@contextmanager
def connect(url: str, autocommit: bool = False) -> Iterator[Connection]:
    """A connection whose work is rolled back at the end unless the caller commits."""
    engine = make_sync_engine(url)
    # CREATE/DROP DATABASE refuse to run in a transaction.
    options = {"isolation_level": "AUTOCOMMIT"} if autocommit else {}
    try:
        with engine.connect().execution_options(**options) as conn:
            yield conn
    finally:
        engine.dispose()


def rows(conn: Connection, sql: str, **params) -> list[tuple]:
    return [tuple(r) for r in conn.execute(text(sql), params)]


def load_official_without_upgrade(url: str, directory: Path) -> None:
    load_pagila(url, directory, migrate=False)


def columns(conn: Connection, kinds: str = "rp") -> dict[str, list[tuple]]:
    """Per table (or view): columns in order with type, NOT NULL and default."""
    found: dict[str, list[tuple]] = {}
    for table, *column in rows(
        conn,
        """
        SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
               pg_get_expr(d.adbin, d.adrelid)
        FROM pg_class c
        JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public'
        JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
        LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
        WHERE c.relkind = ANY(:kinds) AND NOT c.relispartition
        ORDER BY c.relname, a.attnum
        """,
        kinds=list(kinds),
    ):
        found.setdefault(table, []).append(tuple(column))
    return found


def constraints(conn: Connection) -> set[tuple]:
    return set(
        rows(
            conn,
            """
            SELECT c.relname, k.conname, pg_get_constraintdef(k.oid)
            FROM pg_constraint k
            JOIN pg_class c ON c.oid = k.conrelid AND NOT c.relispartition
            JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public'
            """,
        )
    )


def indexes(conn: Connection) -> set[tuple]:
    return set(
        rows(
            conn,
            """
            SELECT i.tablename, i.indexname, i.indexdef FROM pg_indexes i
            JOIN pg_class c ON c.relname = i.tablename AND c.relnamespace = 'public'::regnamespace
            WHERE i.schemaname = 'public' AND NOT c.relispartition
            """,
        )
    )


def triggers(conn: Connection) -> set[tuple]:
    return set(
        rows(
            conn,
            """
            SELECT c.relname, t.tgname, pg_get_triggerdef(t.oid) FROM pg_trigger t
            JOIN pg_class c ON c.oid = t.tgrelid AND c.relnamespace = 'public'::regnamespace
            WHERE NOT t.tgisinternal
            """,
        )
    )


def functions(conn: Connection) -> set[tuple]:
    return set(
        rows(
            conn,
            """
            SELECT p.proname, pg_get_function_identity_arguments(p.oid),
                   pg_get_function_result(p.oid)
            FROM pg_proc p WHERE p.pronamespace = 'public'::regnamespace
              AND p.proname = ANY(:names)
            """,
            names=list(STORE_FUNCTIONS),
        )
    )


def types(conn: Connection) -> set[tuple]:
    """The mpaa_rating labels and the year domain's base type and check."""
    return set(
        rows(
            conn,
            "SELECT 'mpaa_rating', string_agg(enumlabel, ',' ORDER BY enumsortorder) "
            "FROM pg_enum WHERE enumtypid = 'mpaa_rating'::regtype",
        )
    ) | set(
        rows(
            conn,
            "SELECT t.typname || ' ' || format_type(t.typbasetype, t.typtypmod), "
            "pg_get_constraintdef(k.oid) FROM pg_type t JOIN pg_constraint k "
            "ON k.contypid = t.oid WHERE t.typname = 'year'",
        )
    )


def snapshot(url: str, table_columns: dict[str, list[tuple]]) -> dict[str, tuple]:
    """Row count and checksum of every table, over the columns it had when first seen."""
    taken = {}
    with connect(url) as conn:
        for table, cols in table_columns.items():
            row = "ROW(" + ", ".join(f'"{name}"' for name, *_ in cols) + ")::text"
            checksum = f"md5(string_agg({row}, '|' ORDER BY {row}))"
            taken[table] = tuple(
                conn.execute(text(f"SELECT count(*), {checksum} FROM {table}")).one()
            )
    return taken


def public_relations(url: str) -> set[str]:
    with connect(url) as conn:
        return set(
            conn.scalars(
                text(
                    "SELECT relname FROM pg_class WHERE relnamespace = 'public'::regnamespace "
                    "AND relkind IN ('r', 'p', 'v', 'm', 'S')"
                )
            )
        )


# --- fixtures ----------------------------------------------------------------------------


@dataclass
class OfficialPagila:
    url: str
    revision_before: str | None
    before: dict[str, tuple]
    upgrade_message: str
    after: dict[str, tuple]


@pytest.fixture(scope="module")
def fresh_url(new_database) -> str:
    url = new_database("fresh")
    upgrade(url)
    return url


@pytest.fixture(scope="module")
def official(new_database, pagila_dir) -> OfficialPagila:
    """Official Pagila loaded as-is, snapshotted, upgraded, snapshotted again."""
    url = new_database("official")
    load_official_without_upgrade(url, pagila_dir)
    with connect(url) as conn:
        table_columns = columns(conn)  # payment's partitions are read through payment
    revision_before = current_revision(url)
    before = snapshot(url, table_columns)
    message = upgrade(url)
    return OfficialPagila(url, revision_before, before, message, snapshot(url, table_columns))


# --- tests -------------------------------------------------------------------------------


def test_upgrade_empty_database_reaches_head(fresh_url):
    assert current_revision(fresh_url) == head_revision()
    with connect(fresh_url) as conn:
        cols = columns(conn)
        assert set(OFFICIAL_TABLES) | {"streaming_subscription"} <= set(cols)
        assert ("streaming_available", "boolean", True, "false") in cols["film"]
        assert [c[:2] for c in cols["streaming_subscription"]] == [
            ("id", "integer"), ("customer_id", "integer"), ("plan_name", "text"),
            ("start_date", "date"), ("end_date", "date"),
            ("last_update", "timestamp with time zone"),
        ]  # fmt: skip
        names = {name for _, name, _ in indexes(conn)}
        assert names >= OFFICIAL_INDEXES | STREAMING_INDEXES | RENTAL_INDEXES
        last_updated = {table for table, name, _ in triggers(conn) if name == "last_updated"}
        assert last_updated == set(LAST_UPDATE_TABLES) | {"streaming_subscription"}
        assert {name for name, *_ in functions(conn)} == set(STORE_FUNCTIONS)


def test_fresh_schema_matches_official(fresh_url, official):
    with connect(fresh_url) as fresh, connect(official.url) as loaded:
        fresh_cols, official_cols = columns(fresh), columns(loaded)
        for table in OFFICIAL_TABLES:  # both have film.streaming_available after the upgrade
            assert fresh_cols[table] == official_cols[table], table
        fresh_views, official_views = columns(fresh, kinds="v"), columns(loaded, kinds="v")
        for view in VIEWS:
            assert [c[:2] for c in fresh_views[view]] == [c[:2] for c in official_views[view]]

        # Keys, indexes and triggers are the same, except on payment: one plain table here,
        # partitions with their own keys there.
        def without_payment(items: set[tuple]) -> set[tuple]:
            return {item for item in items if item[0] != "payment"}

        assert without_payment(constraints(fresh)) == without_payment(constraints(loaded))
        assert without_payment(indexes(fresh)) == without_payment(indexes(loaded))
        assert triggers(fresh) == triggers(loaded)
        assert {(t, name) for t, name, _ in constraints(fresh) if t == "payment"} == {
            ("payment", "payment_pkey"), ("payment", "payment_customer_id_fkey"),
            ("payment", "payment_rental_id_fkey"), ("payment", "payment_staff_id_fkey"),
        }  # fmt: skip
        assert functions(fresh) == functions(loaded)
        assert types(fresh) == types(loaded)


def test_upgrade_over_official_changes_no_row(official):
    assert official.revision_before is None
    assert "stamped at 0001_pagila_base" in official.upgrade_message
    assert current_revision(official.url) == head_revision()
    assert official.after == official.before
    assert official.before["film"][0] == 1000 and official.before["rental"][0] == 16044
    with connect(official.url) as conn:
        assert conn.scalar(text("SELECT count(*) FROM film WHERE streaming_available")) == 0
    assert status(official.url) == {
        "revision": head_revision(),
        "head": head_revision(),
        "up_to_date": True,
        "counts": {"film": 1000, "customer": 599, "rental": 16044, "inventory": 4581},
    }
    assert upgrade(official.url).startswith("already at")


def materialized_views(conn: Connection) -> set[str]:
    return set(conn.scalars(text("SELECT matviewname FROM pg_matviews "
                                 "WHERE schemaname = 'public'")))


def test_reads_at_scale_on_both_schemas(fresh_url, official):
    """Migration 0006 adds the same indexes and views to the fresh and the official schema
    (the official one's partitioned payment gets an index on payment_id too), and the views
    over the official data hold its totals as of the upgrade."""
    for url in (fresh_url, official.url):
        with connect(url) as conn:
            assert {name for _, name, _ in indexes(conn)} >= SCALE_INDEXES
            assert materialized_views(conn) == TOTALS_VIEWS
            assert conn.scalar(text("SELECT text_bigrams('Ab c')")) == ["ab", "b ", " c"]
            assert conn.scalar(text("SELECT text_trigrams('Ab c')")) == ["ab ", "b c"]
            assert "USING gin (fulltext)" in conn.scalar(text(
                "SELECT indexdef FROM pg_indexes WHERE indexname = 'film_fulltext_idx'"))
            # Migrations 0010 and 0013: the catalogue's sort indexes are keyed on a list's
            # whole order and cover its filters (index-only).
            covering = dict(conn.execute(text(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'film'")).all())
            for name, key in (("idx_title", "(title, film_id)"),
                              ("idx_film_length_desc", "(length DESC NULLS LAST, title, film_id)"),
                              ("idx_film_release_year", "(release_year, title, film_id)")):
                assert f"{key} INCLUDE (" in covering[name] and "rating" in covering[name]
    with connect(official.url) as conn:
        assert conn.scalar(text(
            "SELECT count(*) FROM pg_indexes WHERE indexname = 'idx_payment_id'")) == 1
        mark = conn.execute(text("SELECT * FROM stats_as_of")).mappings().one()
        assert (mark["last_rental_id"], mark["last_payment_id"], mark["films"]) == (
            conn.scalar(text("SELECT max(rental_id) FROM rental")),
            conn.scalar(text("SELECT max(payment_id) FROM payment")), 1000)
        rentals, revenue = conn.execute(text(
            "SELECT sum(rentals), sum(revenue) FROM rental_totals "
            "WHERE kind = 'films' AND store_id = 0")).one()
        assert (rentals, revenue) == conn.execute(text(
            "SELECT count(*), (SELECT sum(amount) FROM payment) FROM rental")).one()
        assert conn.scalar(text("SELECT count(*) FROM rental_totals "
                                "WHERE kind = 'films' AND store_id = 0")) == 1000
        assert conn.scalar(text("SELECT sum(amount) FROM payment_days")) == conn.scalar(
            text("SELECT sum(amount) FROM payment"))
        assert conn.execute(text(
            "SELECT sum(copies), sum(customers) FROM store_totals")).one() == (4581, 599)


def test_a_copy_cannot_be_out_twice(official):
    with connect(official.url) as conn:
        rental_id, inventory_id = conn.execute(
            text("SELECT rental_id, inventory_id FROM rental WHERE return_date IS NULL LIMIT 1")
        ).one()
        second_rental = text(
            "INSERT INTO rental (rental_date, inventory_id, customer_id, staff_id) "
            "VALUES (now(), :inventory_id, 1, 1)"
        )
        with pytest.raises(IntegrityError, match="rental_one_open_per_copy"):
            conn.execute(second_rental, {"inventory_id": inventory_id})
        conn.rollback()
        # Once the copy is back, it can go out again.
        conn.execute(
            text("UPDATE rental SET return_date = now() WHERE rental_id = :id"), {"id": rental_id}
        )
        conn.execute(second_rental, {"inventory_id": inventory_id})
        conn.rollback()


def test_downgrade_to_base_removes_enhancements_then_upgrade_again(new_database):
    url = new_database("down")
    upgrade(url)
    downgrade(url, BASE_REVISION)
    assert current_revision(url) == BASE_REVISION
    with connect(url) as conn:
        cols = columns(conn)
        assert "streaming_subscription" not in cols
        assert "streaming_available" not in {name for name, *_ in cols["film"]}
        names = {name for _, name, _ in indexes(conn)}
        assert names >= OFFICIAL_INDEXES
        assert not names & (STREAMING_INDEXES | RENTAL_INDEXES | SCALE_INDEXES)
        assert not materialized_views(conn)
        assert "USING gist (fulltext)" in conn.scalar(text(
            "SELECT indexdef FROM pg_indexes WHERE indexname = 'film_fulltext_idx'"))
    assert upgrade(url) == f"upgraded from {BASE_REVISION} to {head_revision()}"
    assert current_revision(url) == head_revision()


def test_downgrade_to_base_drops_everything(new_database):
    url = new_database("base")
    upgrade(url)
    downgrade(url, "base")
    assert current_revision(url) is None
    assert public_relations(url) == {"alembic_version"}
    with connect(url) as conn:
        left = conn.scalar(
            text(
                "SELECT count(*) FROM pg_type WHERE typnamespace = 'public'::regnamespace "
                "AND typname IN ('year', 'mpaa_rating')"
            )
        )
        left += conn.scalar(
            text("SELECT count(*) FROM pg_proc WHERE pronamespace = 'public'::regnamespace")
        )
    assert left == 0


def test_fulltext_and_last_update_triggers_in_fresh_schema(fresh_url):
    with connect(fresh_url) as conn:
        conn.execute(text("INSERT INTO language (language_id, name) VALUES (1, 'English')"))
        film_id = conn.scalar(
            text(
                "INSERT INTO film (title, description, language_id, last_update) "
                "VALUES ('ACADEMY DINOSAUR', 'A Epic Drama of a Feminist', 1, '2020-01-01') "
                "RETURNING film_id"
            )
        )
        found = conn.scalar(
            text("SELECT film_id FROM film WHERE fulltext @@ to_tsquery('english', 'dinosaurs')")
        )
        assert found == film_id
        conn.execute(text("UPDATE film SET length = 86 WHERE film_id = :id"), {"id": film_id})
        assert conn.scalar(text("SELECT last_update > '2020-01-01' FROM film"))
        conn.rollback()


def test_load_pagila_refuses_a_non_empty_database(official, pagila_dir):
    with pytest.raises(DatabaseNotEmpty, match="not empty"):
        load_pagila(official.url, pagila_dir)
    assert status(official.url)["counts"]["film"] == 1000


def test_upgrade_refuses_unknown_tables(new_database):
    url = new_database("foreign")
    with connect(url) as conn:
        conn.execute(text("CREATE TABLE film (id int)"))
        conn.commit()
    with pytest.raises(MigrationError, match="neither migration history"):
        upgrade(url)
    assert current_revision(url) is None


def test_load_pagila_as_a_role_that_is_not_superuser(
    server_url, new_database, pagila_dir, tmp_path
):
    """OWNER TO lines are skipped and COPY streams; a tiny data file keeps this test fast."""
    role = f"clerk_{os.getpid()}"
    admin_url = new_database("admin")
    url = make_url(server_url).set(username=role, password="clerk", database=f"{role}_db")
    rendered = url.render_as_string(hide_password=False)
    try:
        with connect(admin_url) as conn:
            conn.execute(text(f"CREATE ROLE {role} LOGIN PASSWORD 'clerk'"))
            conn.commit()
    except Exception as error:  # an external server may not let the tests create roles
        pytest.skip(f"cannot create a test role: {error}")
    try:
        with connect(admin_url, autocommit=True) as conn:
            conn.execute(text(f"CREATE DATABASE {role}_db OWNER {role}"))

        shutil.copy(pagila_dir / "pagila-schema.sql", tmp_path)
        (tmp_path / "pagila-data.sql").write_text(
            "SET client_encoding = 'UTF8';\n"
            "SELECT pg_catalog.set_config('search_path', '', false);\n\n"
            "--\n-- Data for Name: language\n--\n\n"
            "COPY public.language (language_id, name, last_update) FROM stdin;\n"
            "1\tEnglish\t2022-02-15 10:02:19+00\n"
            "2\tItalian\t2022-02-15 10:02:19+00\n"
            "\\.\n\n"
            "SELECT pg_catalog.setval('public.language_language_id_seq', 2, true);\n"
        )
        load_pagila(rendered, tmp_path)

        assert current_revision(rendered) == head_revision()
        with connect(rendered) as conn:
            assert conn.scalar(text("SELECT count(*) FROM language")) == 2
            assert conn.scalar(text("SELECT nextval('language_language_id_seq')")) == 3
            owners = conn.scalars(
                text("SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = 'public'")
            ).all()
            assert owners == [role]
    finally:
        with connect(admin_url, autocommit=True) as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {role}_db WITH (FORCE)"))
            conn.execute(text(f"DROP ROLE {role}"))
