"""Races between separate server processes: the database decides, exactly one wins."""

import os
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from tests.conftest import ADMIN_TOKEN, AUTH_SECRET

HEADERS = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def servers(official_url):
    """Two independent `pagila-assistant serve` processes on the same database."""
    env = {**os.environ, "PAGILA_DSN": official_url, "ADMIN_TOKEN": ADMIN_TOKEN,
           "CHAINLIT_AUTH_SECRET": AUTH_SECRET, "LOG_LEVEL": "WARNING"}
    ports = [free_port(), free_port()]
    processes = [
        subprocess.Popen([sys.executable, "-m", "assistant.cli", "serve", "--port", str(port)],
                         env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        for port in ports
    ]
    urls = [f"http://127.0.0.1:{port}" for port in ports]
    try:
        deadline = time.monotonic() + 180  # two app start-ups on a busy 2-core CI machine
        for url, process in zip(urls, processes, strict=True):
            while True:
                if process.poll() is not None:
                    pytest.fail(f"server exited: {process.stderr.read().decode()[-2000:]}")
                try:
                    if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline:
                    pytest.fail("server did not start")
                time.sleep(0.2)
        yield urls
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=20)


def race(calls):
    """Run the calls at the same moment, each in its own thread; return their responses."""
    gate = threading.Barrier(len(calls))

    def run(call):
        gate.wait()
        return call()

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


def test_many_clerks_renting_one_copy_make_one_rental(servers, sql):
    copy = sql("""
        SELECT i.inventory_id FROM inventory i WHERE i.store_id = 1 AND NOT EXISTS (
            SELECT 1 FROM rental r WHERE r.inventory_id = i.inventory_id AND r.return_date IS NULL)
        ORDER BY i.inventory_id DESC LIMIT 1
    """)[0][0]
    attempts = 24
    calls = [
        lambda n=n: httpx.post(
            f"{servers[n % 2]}/api/v1/customers/{10 + n}/rentals",
            json={"inventory_id": copy, "staff_id": 1}, headers=HEADERS, timeout=30,
        )
        for n in range(attempts)
    ]
    responses = race(calls)
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] + [422] * (attempts - 1), [r.text for r in responses]
    for refused in (r for r in responses if r.status_code == 422):
        assert refused.json() == {
            "detail": f"Rental validation failed: Inventory item with ID {copy} is already rented out"
        }
    assert sql("SELECT count(*) FROM rental WHERE inventory_id = :i AND return_date IS NULL",
               i=copy) == [(1,)]
    # the one rental recorded its fee once, taken by the clerk; the refused ones charged nothing
    winner = next(r for r in responses if r.status_code == 200).json()
    assert sql("""
        SELECT p.customer_id, p.staff_id, p.amount = f.rental_rate FROM payment p
        JOIN rental r USING (rental_id) JOIN inventory i USING (inventory_id)
        JOIN film f USING (film_id) WHERE p.rental_id = :r""", r=winner["rental_id"]) == [
        (winner["customer_id"], 1, True)]
    assert sql("SELECT count(*) FROM payment p JOIN rental r USING (rental_id) "
               "WHERE r.inventory_id = :i AND p.payment_date > now() - interval '5 minutes'",
               i=copy) == [(1,)]


def test_many_returns_of_one_rental_give_one_success_and_one_late_fee(servers, sql):
    rental_id, replacement = sql("""
        SELECT r.rental_id, f.replacement_cost FROM rental r JOIN inventory i USING (inventory_id)
        JOIN film f USING (film_id) WHERE r.return_date IS NULL
        ORDER BY r.rental_id LIMIT 1""")[0]  # out since 2022: the replacement cost is due
    paid_before = sql("SELECT count(*) FROM payment WHERE rental_id = :r", r=rental_id)[0][0]
    attempts = 20
    calls = [
        lambda n=n: httpx.put(f"{servers[n % 2]}/api/v1/rentals/{rental_id}/return",
                              headers=HEADERS, timeout=30)
        for n in range(attempts)
    ]
    responses = race(calls)
    assert sorted(r.status_code for r in responses) == [200] + [400] * (attempts - 1)
    assert sql("SELECT count(*), sum(amount) FROM payment WHERE rental_id = :r "
               "AND payment_date > now() - interval '5 minutes'", r=rental_id) == [
        (1, replacement)]
    assert sql("SELECT count(*) FROM payment WHERE rental_id = :r", r=rental_id) == [
        (paid_before + 1,)]
    stored = sql("SELECT return_date FROM rental WHERE rental_id = :id", id=rental_id)
    winner = next(r for r in responses if r.status_code == 200).json()
    assert stored[0][0] is not None and winner["return_date"] is not None
