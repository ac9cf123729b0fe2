"""The front desk's defences: sign-in throttling kept in the database and audited, one set of
allowed origins for the chat's socket and the REST API's CORS, security headers on every
page, sessions that last a shift and end on the server when the clerk signs out, and a
disabled clerk's next message refused. (The browser side: tests/e2e/test_hardening.py.)"""

import asyncio
import base64
import hashlib
import json
import re
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import jwt
import pytest
import socketio
import uvicorn
from chainlit.auth import create_jwt
from fastapi.testclient import TestClient

from assistant import chat_ui, throttle
from assistant.api.app import create_app
from assistant.api.protection import configure_chat
from assistant.db import Database
from assistant.sessions import record_sign_out, token_refusal
from assistant.settings import Settings
from assistant.staff import Clerk, hash_password
from assistant.throttle import ThrottlePolicy, attempt_sign_in
from tests.chat_harness import ChatSession, clerk
from tests.conftest import AUTH_SECRET, make_settings
from tests.test_cli import cli
from tests.test_races import free_port

USERNAME, PASSWORD = "guarded_clerk", "guarded-pass"
FOREIGN = "http://evil.example"
ALLOWED = "http://localhost:8000"  # the test settings' public address (the default one)
REFUSED_BODY = {"detail": "credentialssignin"}  # Chainlit's answer to a refused sign-in
# Small numbers, short waits: the same rules, quicker to run out.
FAST = ThrottlePolicy(free_failures=2, lock_after=4, address_free_failures=6,
                      address_lock_after=10, first_delay=0.01, max_delay=0.04)


@pytest.fixture
def guarded(sql):
    """A clerk of this test's making at store 2; their sign-in counts and audit start empty."""
    (staff_id,) = sql("""
        INSERT INTO staff (first_name, last_name, address_id, email, store_id, active, username,
                           password)
        VALUES ('Guarded', 'Clerk', 4, 'guarded.clerk@example.com', 2, true, :u, :p)
        RETURNING staff_id""", u=USERNAME, p=hash_password(PASSWORD))[0]
    sql("DELETE FROM sign_in_throttle")
    sql("DELETE FROM sign_in_audit WHERE username = :u", u=USERNAME)
    yield staff_id
    sql("DELETE FROM sign_in_throttle")
    sql("DELETE FROM conversation WHERE staff_id = :s", s=staff_id)
    sql("DELETE FROM staff WHERE staff_id = :s", s=staff_id)


@pytest.fixture
def fast(monkeypatch):
    monkeypatch.setattr(throttle, "POLICY", FAST)
    return FAST


def sign_in(client, password: str = PASSWORD, username: str = USERNAME, **headers):
    client.cookies.clear()
    return client.post("/chat/login", data={"username": username, "password": password},
                       headers=headers)


def trail(sql, username: str = USERNAME) -> list[tuple]:
    return sql("SELECT outcome, address, detail FROM sign_in_audit WHERE username = :u "
               "ORDER BY audit_id", u=username)


# --------------------------------------------------------------------------- 1. throttling


def test_failed_sign_ins_lock_the_username_and_a_lock_answers_like_a_wrong_password(
        client, guarded, fast, sql):
    wrong = [sign_in(client, "not-it") for _ in range(fast.lock_after)]
    assert {(r.status_code, json.dumps(r.json())) for r in wrong} == {
        (401, json.dumps(REFUSED_BODY))}
    locked = sign_in(client)  # the right password, now locked
    assert (locked.status_code, locked.json()) == (wrong[0].status_code, wrong[0].json())
    assert "access_token" not in client.cookies
    assert [row[0] for row in trail(sql)] == ["refused"] * (fast.lock_after - 1) + [
        "locked", "locked"]
    assert "password was not checked" in trail(sql)[-1][2]
    (until,) = sql("SELECT locked_until FROM sign_in_throttle WHERE subject = :s",
                   s=f"user:{USERNAME}")[0]
    assert until > datetime.now(UTC) + timedelta(minutes=fast.lock_minutes - 1)

    sql("UPDATE sign_in_throttle SET locked_until = now() - interval '1 second'")  # time passes
    assert sign_in(client).status_code == 200
    assert sql("SELECT count(*) FROM sign_in_throttle WHERE subject = :s",
               s=f"user:{USERNAME}") == [(0,)]  # a success clears the count
    assert trail(sql)[-1][:2] == ("signed_in", "testclient")
    client.cookies.clear()


async def test_the_counts_are_in_the_database_so_another_instance_sees_the_lock(
        official_url, guarded, fast):
    first, second = Database(official_url, pool_size=2), Database(official_url, pool_size=2)
    try:
        for _ in range(fast.lock_after):
            assert await attempt_sign_in(first, USERNAME, "not-it", "192.0.2.1") is None
        # another instance (its own pool), another address: still locked
        assert await attempt_sign_in(second, USERNAME, PASSWORD, "192.0.2.2") is None
    finally:
        await first.close()
        await second.close()


async def test_a_success_clears_the_username_count(database, guarded, fast, sql, monkeypatch):
    waits = []

    async def wait(seconds):
        waits.append(seconds)

    monkeypatch.setattr(throttle, "_wait", wait)
    for _ in range(fast.lock_after - 1):
        assert await attempt_sign_in(database, USERNAME, "not-it", "192.0.2.1") is None
    assert await attempt_sign_in(database, USERNAME, PASSWORD, "192.0.2.1") is not None
    waits.clear()
    for _ in range(fast.lock_after - 1):  # a fresh start: the free failures are free again
        assert await attempt_sign_in(database, USERNAME, "not-it", "192.0.2.1") is None
    assert waits[:fast.free_failures] == [0.0] * fast.free_failures
    assert await attempt_sign_in(database, USERNAME, PASSWORD, "192.0.2.1") is not None


async def test_the_waits_grow_after_the_free_failures(database, guarded, fast, monkeypatch):
    waits = []

    async def wait(seconds):
        waits.append(seconds)

    monkeypatch.setattr(throttle, "_wait", wait)
    for _ in range(fast.lock_after + 1):
        await attempt_sign_in(database, USERNAME, "not-it", "192.0.2.1")
    # free, free, then 0.01, 0.02 (the lock_after-th failure locks), then locked: the longest
    assert waits == [0.0, 0.0, 0.01, 0.02, 0.04]


async def test_the_waits_never_block_the_server(database, guarded, monkeypatch):
    monkeypatch.setattr(throttle, "POLICY", ThrottlePolicy(lock_after=1, max_delay=0.5))
    await attempt_sign_in(database, USERNAME, "not-it", "192.0.2.1")  # locks
    ticks = 0

    async def tick():
        nonlocal ticks
        while True:
            await asyncio.sleep(0.02)
            ticks += 1

    ticker = asyncio.create_task(tick())
    started = time.perf_counter()
    await attempt_sign_in(database, USERNAME, PASSWORD, "192.0.2.1")  # waits 0.5 s, locked
    took = time.perf_counter() - started
    ticker.cancel()
    assert took >= 0.5
    assert ticks >= 0.5 / 0.02 * 0.5  # the loop kept running while the attempt waited


async def test_a_burst_of_parallel_guesses_is_counted_in_full(database, guarded, fast, sql):
    attempts = [attempt_sign_in(database, USERNAME, f"guess-{i}", "192.0.2.1")
                for i in range(2 * fast.lock_after)]
    assert await asyncio.gather(*attempts) == [None] * len(attempts)
    outcomes = trail(sql)
    unchecked = [row for row in outcomes if "not checked" in (row[2] or "")]
    assert len(unchecked) == fast.lock_after  # only the first lock_after were checked
    assert await attempt_sign_in(database, USERNAME, PASSWORD, "192.0.2.3") is None


async def test_one_address_trying_many_usernames_is_locked(database, guarded, fast):
    for i in range(fast.address_lock_after):
        assert await attempt_sign_in(database, f"nobody-{i}", "x", "198.51.100.7") is None
    assert await attempt_sign_in(database, USERNAME, PASSWORD, "198.51.100.7") is None
    assert await attempt_sign_in(database, USERNAME, PASSWORD, "198.51.100.8") is not None


async def test_a_locked_sign_in_takes_as_long_as_a_wrong_password(database, guarded,
                                                                  monkeypatch):
    """With the waits off, what is left is the password check (argon2, tens of ms or more):
    a lock that skipped it would answer in a few ms, and tell an outsider it is a lock."""
    monkeypatch.setattr(throttle, "POLICY", ThrottlePolicy(free_failures=10, lock_after=3,
                                                           first_delay=0, max_delay=0))

    async def timed(password: str) -> float:
        started = time.perf_counter()
        assert await attempt_sign_in(database, USERNAME, password, "192.0.2.1") is None
        return time.perf_counter() - started

    wrong = [await timed("not-it") for _ in range(3)]  # the third locks
    locked = [await timed(PASSWORD) for _ in range(3)]
    assert min(locked) >= 0.5 * min(wrong), (wrong, locked)


def test_the_address_is_the_connection_unless_the_proxy_is_trusted(client, official_url,
                                                                   guarded, fast, sql):
    spoofed = {"X-Forwarded-For": "203.0.113.9"}
    sign_in(client, "not-it", **spoofed)
    assert trail(sql)[-1][1] == "testclient"  # not trusted: the header is ignored
    behind = make_settings(official_url, pagila_trusted_proxies="testclient")
    try:
        with TestClient(create_app(behind, prepare=False)) as proxied:
            sign_in(proxied, "not-it", **spoofed)
    finally:
        configure_chat(make_settings(official_url))
    assert trail(sql)[-1][1] == "203.0.113.9"


def test_the_audit_command_shows_sign_ins(client, official_url, guarded, fast):
    sign_in(client, "not-it")
    sign_in(client)
    client.post("/chat/logout")
    client.cookies.clear()
    printed = cli("audit", "--staff", USERNAME, PAGILA_DSN=official_url)
    assert printed.returncode == 0, printed.stderr
    lines = [line for line in printed.stdout.splitlines() if "sign_in" in line]
    assert [line.split()[5] for line in lines] == ["refused", "signed_in", "signed_out"]
    assert all(USERNAME in line and "address=testclient" in line for line in lines)


# --------------------------------------------------------------------------- 2. origins


def test_the_allowed_origins_come_from_the_public_url():
    assert Settings(_env_file=None).allowed_origins == [
        "http://localhost:8000", "http://127.0.0.1:8000"]
    assert Settings(_env_file=None, pagila_port=9000).allowed_origins[0] == (
        "http://localhost:9000")
    assert Settings(_env_file=None, pagila_public_url="https://Desk.Example.com:443/chat/"
                    ).allowed_origins == ["https://desk.example.com"]
    with pytest.raises(ValueError, match="not an http"):
        _ = Settings(_env_file=None, pagila_public_url="desk.example.com").allowed_origins


@pytest.mark.parametrize("path", ["/api/v1/films", "/chat/project/threads", "/health"])
def test_a_preflight_from_another_origin_gets_no_allow_header(client, path):
    def preflight(origin: str):
        return client.options(path, headers={"Origin": origin,
                                             "Access-Control-Request-Method": "POST",
                                             "Access-Control-Request-Headers": "content-type"})

    foreign = preflight(FOREIGN)
    assert "access-control-allow-origin" not in foreign.headers
    assert foreign.headers.get("access-control-allow-credentials") != "true"
    assert preflight(ALLOWED).headers["access-control-allow-origin"] == ALLOWED


def test_a_simple_request_from_another_origin_is_not_shared(client):
    response = client.get("/api/v1/films", params={"limit": 1}, headers={"Origin": FOREIGN})
    assert "access-control-allow-origin" not in response.headers


@pytest.mark.parametrize("path", ["/chat/login", "/chat/logout", "/api/v1/ai/handoff"])
def test_a_write_from_a_page_of_another_origin_is_refused(client, guarded, fast, path):
    client.cookies.clear()
    refused = client.post(path, data={"username": USERNAME, "password": PASSWORD},
                          headers={"Origin": FOREIGN})
    assert refused.status_code == 403
    assert "access_token" not in client.cookies
    allowed = client.post("/chat/login", data={"username": USERNAME, "password": PASSWORD},
                          headers={"Origin": ALLOWED})
    assert allowed.status_code == 200
    client.cookies.clear()


@pytest.fixture
def live(official_url):
    """The app served by uvicorn on a free port (a socket.io client needs a real server). For
    one test only: while it runs, the chat's front desk is this app's (Chainlit's is global)."""
    port = free_port()
    settings = make_settings(official_url, pagila_port=port)
    server = uvicorn.Server(uvicorn.Config(create_app(settings, prepare=False),
                                           host="127.0.0.1", port=port, log_config=None,
                                           proxy_headers=False))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "the app did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        configure_chat(make_settings(official_url))  # Chainlit's app is one per process


async def socket_connects(base: str, token: str, origin: str) -> bool:
    """Open the chat's socket.io connection as the page does, from a page at `origin`."""
    sio = socketio.AsyncClient(reconnection=False)
    try:
        await sio.connect(base, socketio_path="/chat/ws/socket.io", transports=["websocket"],
                          headers={"Cookie": f"access_token={token}", "Origin": origin},
                          auth={"sessionId": str(uuid.uuid4()), "clientType": "webapp",
                                "userEnv": "{}", "chatProfile": None, "threadId": None},
                          wait_timeout=10)
    except socketio.exceptions.ConnectionError:
        return False
    await sio.disconnect()
    return True


async def live_sign_in(base: str) -> str:
    async with httpx.AsyncClient(base_url=base) as http:
        response = await http.post("/chat/login", data={"username": USERNAME,
                                                        "password": PASSWORD})
        assert response.status_code == 200, response.text
        return response.cookies["access_token"]


async def test_the_chat_socket_refuses_a_page_of_another_origin(live, guarded, fast):
    token = await live_sign_in(live)
    assert not await socket_connects(live, token, FOREIGN)
    assert not await socket_connects(live, token, "null")
    assert await socket_connects(live, token, live)  # the page's own origin connects


# --------------------------------------------------------------------------- 3. headers


@pytest.mark.parametrize("path", ["/chat", "/chat/login", "/api/v1/films?limit=1", "/health",
                                  "/docs", "/redoc", "/openapi.json", "/no-such-page", "/"])
def test_every_response_carries_the_security_headers(client, path):
    response = client.get(path, follow_redirects=False)
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] == "no-referrer"
    policy = directives(response.headers["content-security-policy"])
    assert policy["frame-ancestors"] == ["'none'"]
    assert "'unsafe-inline'" not in policy.get("script-src", [])
    assert "*" not in " ".join(sum(policy.values(), []))


@pytest.mark.parametrize("path", ["/chat", "/chat/login", "/docs", "/redoc",
                                  "/docs/oauth2-redirect"])
def test_the_pages_inline_scripts_are_exactly_those_their_policy_allows(client, path):
    response = client.get(path)
    assert response.status_code == 200 and "text/html" in response.headers["content-type"]
    allowed = directives(response.headers["content-security-policy"])["script-src"]
    for body in re.findall(r"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", response.text, re.S):
        digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in allowed, body[:80]


def test_the_chat_may_open_its_socket_to_its_own_address_only(client):
    policy = directives(client.get("/chat").headers["content-security-policy"])
    assert policy["connect-src"] == ["'self'", "ws://localhost:8000", "ws://127.0.0.1:8000"]
    assert policy["object-src"] == ["'none'"]


def directives(policy: str) -> dict[str, list[str]]:
    return {name: values for name, *values in (part.split() for part in policy.split(";"))}


# --------------------------------------------------------------------------- 4. sessions


def test_the_sign_in_lasts_one_shift_in_a_strict_cookie(client, guarded, fast):
    response = sign_in(client)
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Max-Age=28800" in cookie
    assert "Secure" not in cookie  # served over http here
    claims = jwt.decode(client.cookies["access_token"], AUTH_SECRET, algorithms=["HS256"])
    assert claims["exp"] - claims["iat"] == 8 * 3600
    client.cookies.clear()


def test_the_shift_length_and_https_come_from_the_settings(official_url, guarded, fast):
    settings = make_settings(official_url, pagila_session_hours=2,
                             pagila_public_url="https://desk.example.com")
    try:
        with TestClient(create_app(settings, prepare=False)) as https_client:
            response = sign_in(https_client)
            assert response.headers["strict-transport-security"].startswith("max-age=")
    finally:
        configure_chat(make_settings(official_url))
    cookie = response.headers["set-cookie"]
    assert "Secure" in cookie and "Max-Age=7200" in cookie
    token = re.search(r"access_token=([^;]+)", cookie)[1]
    claims = jwt.decode(token, AUTH_SECRET, algorithms=["HS256"])
    assert claims["exp"] - claims["iat"] == 2 * 3600


def test_signing_out_ends_the_session_on_the_server(client, guarded, fast, sql):
    assert sign_in(client).status_code == 200
    token = client.cookies["access_token"]
    assert client.get("/chat/user").status_code == 200
    assert client.post("/chat/logout").json() == {"success": True}
    assert "access_token" not in client.cookies  # Chainlit cleared the cookie...
    client.cookies.clear()
    # ...and the token itself, kept or copied, signs nobody in any more
    assert client.get("/chat/user", headers={"Cookie": f"access_token={token}"}
                      ).status_code == 401
    assert client.get("/chat/user", headers={"Authorization": f"Bearer {token}"}
                      ).status_code == 401
    assert client.post("/chat/project/threads", headers={"Cookie": f"access_token={token}"},
                       json={"pagination": {"first": 5, "cursor": None}, "filter": {}}
                       ).status_code == 401
    # Signing in again, at once, works (the new token is newer than the sign-out).
    assert sign_in(client).status_code == 200
    assert client.get("/chat/user").status_code == 200
    client.cookies.clear()


async def test_a_signed_out_token_cannot_open_the_chat_socket(live, guarded, fast):
    token = await live_sign_in(live)
    async with httpx.AsyncClient(base_url=live) as http:
        http.cookies.set("access_token", token)
        assert (await http.post("/chat/logout")).status_code == 200
    assert not await socket_connects(live, token, live)


def test_a_disabled_clerks_token_is_refused(client, guarded, fast, sql):
    assert sign_in(client).status_code == 200
    assert client.get("/chat/user").status_code == 200
    sql("UPDATE staff SET active = false WHERE staff_id = :s", s=guarded)
    assert client.get("/chat/user").status_code == 401
    client.cookies.clear()


def test_the_token_refresh_route_is_not_served(client, guarded, fast):
    """Chainlit's /auth/jwt swaps any valid token for a new one: a session would never end."""
    assert sign_in(client).status_code == 200
    token = client.cookies["access_token"]
    client.cookies.clear()
    refreshed = client.post("/chat/auth/jwt", headers={"Authorization": f"Bearer {token}"})
    assert refreshed.status_code == 404 and "access_token" not in refreshed.cookies


def history_of(sql, thread_id: str) -> tuple:
    """The conversation's saved history and when it was last written."""
    rows = sql("SELECT messages::text, updated_at FROM conversation "
               "WHERE thread_id = CAST(:t AS uuid)", t=thread_id)
    return tuple(rows[0]) if rows else ()


async def test_a_disabled_clerks_next_message_is_refused_and_does_nothing(front_desk, guarded,
                                                                          sql):
    chat = await ChatSession(user=clerk(USERNAME, staff_id=guarded, store_id=2)).start()
    await chat.say("comedies under $1")
    tools, saved = len(chat.steps_of_type("tool")), history_of(sql, chat.thread_id)
    assert tools == 1 and saved
    sql("UPDATE staff SET active = false WHERE staff_id = :s", s=guarded)
    replies = await chat.say("comedies under $1")
    assert len(replies) == 1 and "not active" in replies[0]["output"]
    assert len(chat.steps_of_type("tool")) == tools  # no store function ran
    assert history_of(sql, chat.thread_id) == saved  # nothing was added to the history


def token(**times) -> str:
    """A sign-in token of the test's clerk, as Chainlit makes them (issued a minute ago)."""
    now = int(time.time())
    claims = {"identifier": USERNAME, "display_name": None, "metadata": {},
              "iat": now - 60, "exp": now + 3600, **times}
    return jwt.encode(claims, AUTH_SECRET, algorithm="HS256")


async def test_a_signed_out_or_expired_sessions_next_message_is_refused(front_desk, guarded,
                                                                        monkeypatch):
    monkeypatch.setenv("CHAINLIT_AUTH_SECRET", AUTH_SECRET)
    chat = await ChatSession(user=clerk(USERNAME, staff_id=guarded, store_id=2)).start()
    chat.session.token = token()
    assert len(chat.steps_of_type("tool")) == 0
    await chat.say("comedies under $1")
    assert len(chat.steps_of_type("tool")) == 1  # a current token acts

    await record_sign_out(front_desk.database, chat.session.token, AUTH_SECRET, "192.0.2.1")
    replies = await chat.say("comedies under $1")
    assert "signed out" in replies[0]["output"]
    chat.session.token = token(iat=int(time.time()) - 7200, exp=int(time.time()) - 60)
    replies = await chat.say("comedies under $1")
    assert "expired" in replies[0]["output"]
    assert len(chat.steps_of_type("tool")) == 1


async def test_a_sign_in_right_after_signing_out_gets_a_token_that_outlives_it(
        front_desk, guarded, monkeypatch):
    """A token's `iat` counts whole seconds: a sign-in within the second of a sign-out waits
    for the next one, or its new token would count as signed out."""

    async def at_once(database, username, password, address):  # no password hashing's time
        return Clerk(guarded, USERNAME, "Guarded Clerk", 2)

    monkeypatch.setattr(chat_ui, "attempt_sign_in", at_once)
    monkeypatch.setenv("CHAINLIT_AUTH_SECRET", AUTH_SECRET)
    await asyncio.sleep(1.01 - time.time() % 1)  # the start of a second
    await record_sign_out(front_desk.database, token(), AUTH_SECRET, "192.0.2.1")
    user = await chat_ui.sign_in_clerk(USERNAME, PASSWORD)
    issued = create_jwt(user)  # what Chainlit does with the user, at once
    assert await token_refusal(front_desk.database, issued, AUTH_SECRET) is None
