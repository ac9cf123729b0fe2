"""Clerks sign in: argon2 hashes, the official dump's SHA-1 upgraded once, inactive staff refused,
`staff set-password`, the chat's /login route, and the serve command's listening rule."""

import os
import subprocess
import sys

import pytest

from assistant.staff import hash_password, sign_in
from tests.test_cli import cli

OFFICIAL_PASSWORD = "12345"  # Sakila's, stored in the dump as its SHA-1


@pytest.fixture
def own_clerk(sql):
    """A clerk of this test's making at store 2, with password 'counter-pass'."""
    (staff_id,) = sql("""
        INSERT INTO staff (first_name, last_name, address_id, email, store_id, active, username,
                           password)
        VALUES ('Test', 'Clerk', 4, 'test.clerk@example.com', 2, true, 'test_clerk', :p)
        RETURNING staff_id""", p=hash_password("counter-pass"))[0]
    yield staff_id
    sql("DELETE FROM staff WHERE staff_id = :s", s=staff_id)


async def test_official_staff_sign_in_with_12345_and_their_hash_is_upgraded(database, sql):
    async with database.writing() as conn:
        mike = await sign_in(conn, "Mike", OFFICIAL_PASSWORD)
    assert mike is not None and (mike.staff_id, mike.store_id) == (1, 1)
    assert mike.name == "Mike Hillyer"
    stored = sql("SELECT password FROM staff WHERE username = 'Mike'")[0][0]
    assert stored.startswith("$argon2id$")  # the SHA-1 is gone after the first sign-in
    async with database.writing() as conn:
        assert await sign_in(conn, "Mike", OFFICIAL_PASSWORD) == mike  # and the new hash works
        assert await sign_in(conn, "Mike", "wrong") is None
    assert sql("SELECT password FROM staff WHERE username = 'Mike'")[0][0] == stored


async def test_jon_signs_in_at_store_2(database):
    async with database.writing() as conn:
        jon = await sign_in(conn, "Jon", OFFICIAL_PASSWORD)
    assert jon is not None and (jon.staff_id, jon.store_id) == (2, 2)


@pytest.mark.parametrize(("username", "password"), [
    ("test_clerk", "wrong-pass"), ("nobody", "counter-pass"), ("", ""),
    ("test_clerk' OR '1'='1", "x"), ("test_clerk", "x" * 10_000)])
async def test_wrong_passwords_and_unknown_users_are_refused(database, own_clerk, username,
                                                             password):
    async with database.writing() as conn:
        assert await sign_in(conn, username, password) is None


async def test_inactive_staff_are_refused_even_with_the_right_password(database, own_clerk, sql):
    async with database.writing() as conn:
        assert await sign_in(conn, "test_clerk", "counter-pass") is not None
    sql("UPDATE staff SET active = false WHERE staff_id = :s", s=own_clerk)
    async with database.writing() as conn:
        assert await sign_in(conn, "test_clerk", "counter-pass") is None


def test_set_password_reads_it_twice_and_stores_an_argon2_hash(official_url, own_clerk, sql):
    def set_password(*lines: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "assistant.cli", "staff", "set-password", "test_clerk"],
            input="".join(f"{line}\n" for line in lines), capture_output=True, text=True,
            env={**os.environ, "LOG_LEVEL": "WARNING", "PAGILA_DSN": official_url}, timeout=60)

    done = set_password("a-new-password", "a-new-password")
    assert done.returncode == 0, done.stderr
    stored = sql("SELECT password FROM staff WHERE staff_id = :s", s=own_clerk)[0][0]
    assert stored.startswith("$argon2id$") and "a-new-password" not in stored
    differ = set_password("a-new-password", "another-one")
    assert differ.returncode == 1 and "differ" in differ.stderr
    short = set_password("short", "short")
    assert short.returncode == 1 and "at least" in short.stderr
    assert sql("SELECT password FROM staff WHERE staff_id = :s", s=own_clerk)[0][0] == stored


def test_the_chat_login_route_signs_clerks_in(client, own_clerk):
    client.cookies.clear()
    refused = client.post("/chat/login", data={"username": "test_clerk", "password": "nope"})
    assert refused.status_code == 401
    assert client.get("/chat/user").status_code == 401
    signed_in = client.post("/chat/login",
                            data={"username": "test_clerk", "password": "counter-pass"})
    assert signed_in.status_code == 200 and "access_token" in client.cookies
    user = client.get("/chat/user").json()
    assert user["identifier"] == "test_clerk"
    assert user["metadata"] == {"staff_id": own_clerk, "store_id": 2}
    client.cookies.clear()


def test_serve_refuses_a_network_interface_with_the_default_admin_token():
    refused = cli("serve", "--host", "0.0.0.0", "--port", "1", ADMIN_TOKEN="dvd_admin")
    assert refused.returncode == 1
    assert "default admin token" in refused.stderr and "Traceback" not in refused.stderr
