"""Test fixtures: one embedded PostgreSQL per test session, a fresh database per need."""

import itertools
import os
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import make_url

from assistant.db import create_database_if_missing, start_embedded_server

PAGILA_DIR = Path(os.environ.get("PAGILA_DIR", Path(__file__).resolve().parents[2] / "shared" / "pagila"))

_counter = itertools.count()


@pytest.fixture(scope="session")
def server_url(tmp_path_factory) -> str:
    """URL of the session's server (database `postgres`). PAGILA_TEST_DSN points at another server."""
    external = os.environ.get("PAGILA_TEST_DSN")
    if external:
        return external
    home = tmp_path_factory.mktemp("pg")
    return start_embedded_server(home, database="postgres")


@pytest.fixture(scope="session")
def new_database(server_url) -> Callable[[str], str]:
    """Make an empty database with a unique name and return its URL."""

    def make(prefix: str = "t") -> str:
        url = make_url(server_url).set(database=f"{prefix}_{os.getpid()}_{next(_counter)}")
        rendered = url.render_as_string(hide_password=False)
        create_database_if_missing(rendered)
        return rendered

    return make


@pytest.fixture(scope="session")
def pagila_dir() -> Path:
    if not (PAGILA_DIR / "pagila-schema.sql").exists():
        pytest.fail(f"official Pagila files not found in {PAGILA_DIR} (set PAGILA_DIR)")
    return PAGILA_DIR


@pytest.fixture(scope="session")
def official_url(new_database, pagila_dir) -> str:
    """A database holding the official Pagila schema and data, upgraded; loaded once a session."""
    from assistant.migrate import load_pagila

    url = new_database("official")
    load_pagila(url, pagila_dir)
    return url


@pytest.fixture(scope="session")
def demo_url(new_database) -> str:
    """A database holding the demo store (upgraded schema, generated data); made once a session.
    Tests that use it read their expectations from it at run time, so writes don't upset them."""
    return fresh_demo_store(new_database("demo"))


def fresh_demo_store(url: str) -> str:
    """Migrate the empty database at `url` and fill it with the demo store."""
    from assistant.migrate import upgrade
    from data.demo import generate

    upgrade(url)
    generate(url)
    return url


@contextmanager
def sql_runner(url: str):
    """run("SELECT ...", **params) on the database at `url`, in autocommit: rows, or None."""
    from sqlalchemy import text

    from assistant.db import make_sync_engine

    engine = make_sync_engine(url).execution_options(isolation_level="AUTOCOMMIT")

    def run(statement: str, **params):
        with engine.connect() as conn:
            result = conn.execute(text(statement), params)
            return result.all() if result.returns_rows else None

    try:
        yield run
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def sql(official_url):
    """Run SQL on the official database (autocommit): sql("SELECT ...", **params)."""
    with sql_runner(official_url) as run:
        yield run


ADMIN_TOKEN = "test-admin-token-5f2c"
AUTH_SECRET = "test-chainlit-auth-secret-0b7e4c1d9a2f"


def make_settings(dsn: str, **overrides):
    from assistant.settings import Settings

    return Settings(_env_file=None, pagila_dsn=dsn, admin_token=ADMIN_TOKEN,
                    chainlit_auth_secret=AUTH_SECRET, log_level="WARNING", **overrides)


@pytest.fixture
async def database(official_url):
    """The app's Database (an async pool) on the official data."""
    from assistant.db import Database

    database = Database(official_url, pool_size=2)
    yield database
    await database.close()


@pytest.fixture
async def conn(database):
    """A read connection of `database`."""
    async with database.reading() as connection:
        yield connection


@pytest.fixture(scope="session")
def client(official_url):
    """The REST API over the official data, run in-process with its lifespan."""
    from fastapi.testclient import TestClient

    from assistant.api.app import create_app

    with TestClient(create_app(make_settings(official_url))) as test_client:
        yield test_client


@pytest.fixture
def admin_headers() -> dict[str, str]:
    return {"Authorization": f"Bearer {ADMIN_TOKEN}"}


def pytest_terminal_summary(terminalreporter):
    """The evaluation suite's scores (tests/test_evals.py records them as `eval_summary`)."""
    lines = dict.fromkeys(
        value
        for kind in ("passed", "failed")
        for report in terminalreporter.stats.get(kind, [])
        for name, value in getattr(report, "user_properties", ())
        if name == "eval_summary"
    )
    if lines:
        terminalreporter.section("evaluation suite")
        for line in lines:
            terminalreporter.write_line(line)


# --------------------------------------------------------------------------- the chat


@pytest.fixture(scope="module")
async def front_desk(official_url):
    """The chat's front desk (database, settings, offline model) on the official data."""
    from assistant.db import Database
    from assistant.frontdesk import FrontDesk, open_front_desk
    from assistant.llm import make_chat_service

    settings = make_settings(official_url)
    database = Database(official_url, pool_size=4)
    desk = FrontDesk(database, settings, make_chat_service(settings, database))
    before = open_front_desk(desk)
    yield desk
    open_front_desk(before)  # an app of a session-wide fixture may have opened its own
    await database.close()


def film_on_the_shelf(sql, store_id: int):
    """A film with a copy on the shelf at `store_id`: (film_id, title). Its title names it
    alone: two words, and no film is called by them the other way round (TEEN APOLLO and
    APOLLO TEEN are both films, and the chat rightly asks which)."""
    return sql("""
        SELECT f.film_id, f.title FROM film f JOIN inventory i USING (film_id)
        WHERE i.store_id = :store AND NOT EXISTS (SELECT 1 FROM rental r
              WHERE r.inventory_id = i.inventory_id AND r.return_date IS NULL)
          AND f.title NOT LIKE '% % %'
          AND NOT EXISTS (SELECT 1 FROM film g WHERE g.title =
                          split_part(f.title, ' ', 2) || ' ' || split_part(f.title, ' ', 1))
        ORDER BY random() LIMIT 1
    """, store=store_id)[0]


@pytest.fixture
def free_film(sql):
    """A film with a copy on the shelf at store 1 (the default clerk's)."""
    return film_on_the_shelf(sql, 1)


@pytest.fixture
def lockout_cleared(sql):
    """The lockout is kept in the database: start from none, and lift it for the tests after."""
    sql("DELETE FROM write_lockout")
    yield
    sql("DELETE FROM write_lockout")
