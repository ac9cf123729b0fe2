"""Test fixtures: one embedded PostgreSQL per test session, a fresh database per need."""

import itertools
import os
from collections.abc import Callable
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
