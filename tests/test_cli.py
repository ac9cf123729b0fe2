"""The `pagila-assistant` command: help, the db commands, errors, and serve on the embedded DB."""

import json
import os
import subprocess
import sys
import time

import httpx

from tests.conftest import sql_runner
from tests.test_races import free_port


def cli(*args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "assistant.cli", *args],
        env={**os.environ, "LOG_LEVEL": "WARNING", **env},
        capture_output=True, text=True, timeout=120,
    )


def test_help_explains_each_command():
    top = cli("--help")
    assert top.returncode == 0 and "serve" in top.stdout and "db" in top.stdout
    db = cli("db", "--help")
    for command in ("upgrade", "load-pagila", "demo", "totals", "status"):
        assert command in db.stdout
    assert "--scale" in cli("db", "demo", "--help").stdout


def test_db_upgrade_demo_and_status(new_database):
    url = new_database("cli")
    upgraded = cli("db", "upgrade", PAGILA_DSN=url)
    assert upgraded.returncode == 0 and "upgraded from an empty database" in upgraded.stdout
    demo = cli("db", "demo", PAGILA_DSN=url)
    assert demo.returncode == 0 and json.loads(demo.stdout)["film"] == 1000
    # The totals over all history are left to the server (or to `db totals`).
    mark = "SELECT last_rental_id FROM stats_as_of"
    with sql_runner(url) as run:
        assert run(mark) == [(0,)]
        totals = cli("db", "totals", PAGILA_DSN=url)
        assert totals.returncode == 0 and "Totals computed in" in totals.stderr
        assert run(mark) == run("SELECT max(rental_id) FROM rental")
    status = json.loads(cli("db", "status", PAGILA_DSN=url).stdout)
    assert status["revision"] == status["head"] and status["counts"]["film"] == 1000
    again = cli("db", "demo", PAGILA_DSN=url)
    assert again.returncode == 1
    assert again.stderr.strip().splitlines()[-1].startswith("pagila-assistant: error:")
    assert "Traceback" not in again.stderr


def test_load_pagila_then_refuses_a_non_empty_database(new_database, pagila_dir):
    url = new_database("cli_pagila")
    loaded = cli("db", "load-pagila", str(pagila_dir), PAGILA_DSN=url)
    assert loaded.returncode == 0, loaded.stderr
    assert json.loads(cli("db", "status", PAGILA_DSN=url).stdout)["counts"]["rental"] == 16044
    refused = cli("db", "load-pagila", str(pagila_dir), PAGILA_DSN=url)
    assert refused.returncode == 1 and "not empty" in refused.stderr
    missing = cli("db", "load-pagila", "/no/such/folder", PAGILA_DSN=new_database("cli_missing"))
    assert missing.returncode == 1 and "not found" in missing.stderr
    assert "Traceback" not in refused.stderr + missing.stderr


def test_serve_on_the_embedded_database_loads_the_demo_store(tmp_path):
    """What `make run` does: no PAGILA_DSN, a new PAGILA_HOME, then /health and the films."""
    port = free_port()
    env = {key: value for key, value in os.environ.items() if key != "PAGILA_DSN"}
    server = subprocess.Popen(
        [sys.executable, "-m", "assistant.cli", "serve", "--port", str(port)],
        env={**env, "PAGILA_HOME": str(tmp_path / "home"), "LOG_LEVEL": "WARNING"},
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 90
        while True:
            assert server.poll() is None, server.stderr.read().decode()[-2000:]
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/health", timeout=2)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "serve did not start"
                time.sleep(0.3)
        assert health.json()["status"] == "healthy"
        films = httpx.get(f"http://127.0.0.1:{port}/api/v1/films").json()
        assert films["total"] == 1000 and len(films["films"]) == 10
        assert httpx.get(f"http://127.0.0.1:{port}/chat/").status_code == 200
    finally:
        server.terminate()  # SIGTERM, as docker stop or systemd would
        server.wait(timeout=30)
    pgdata = tmp_path / "home" / "pgdata"
    assert (pgdata / "PG_VERSION").exists()
    assert not (pgdata / "postmaster.pid").exists(), "the embedded PostgreSQL was left running"
