"""Health, admin check, correlation ids and error shapes of the REST API."""

import pytest
from fastapi import Request
from fastapi.testclient import TestClient

from assistant import __version__
from assistant.api.app import create_app
from tests.conftest import ADMIN_TOKEN, make_settings


def test_health_reports_version_and_database(client):
    response = client.get("/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "healthy"
    assert body["version"] == __version__
    assert body["database"] == "reachable"


def test_health_is_503_when_the_database_is_unreachable():
    app = create_app(make_settings("postgresql+psycopg://nobody@127.0.0.1:1/none"), prepare=False)
    with TestClient(app) as unreachable:
        response = unreachable.get("/health")
    assert response.status_code == 503
    assert response.json()["status"] == "unhealthy"


def test_root_redirects_to_the_chat(client):
    response = client.get("/", follow_redirects=False)
    assert response.status_code in (302, 307)
    assert response.headers["location"] == "/chat"


@pytest.mark.parametrize(
    ("headers", "detail"),
    [
        ({}, "Not authenticated"),
        ({"Authorization": f"Basic {ADMIN_TOKEN}"}, "Not authenticated"),
        ({"Authorization": "Bearer"}, "Not authenticated"),
        ({"Authorization": "Bearer wrong-token"}, "Invalid authentication token"),
    ],
)
def test_protected_refuses_without_the_right_token(client, headers, detail):
    response = client.get("/protected", headers=headers)
    assert response.status_code == 401
    assert response.json() == {"detail": detail}
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.headers["x-correlation-id"]


def test_protected_names_the_admin_never_the_token(client, admin_headers):
    response = client.get("/protected", headers=admin_headers)
    assert response.status_code == 200
    assert response.json() == {"message": "Access granted", "user": "dvd_admin"}
    assert ADMIN_TOKEN not in response.text


def test_auth_is_checked_before_path_and_body(client):
    for response in (
        client.post("/api/v1/customers/abc/rentals", content=b"{not json"),
        client.post("/api/v1/customers/0/rentals", json={}),
        client.put("/api/v1/rentals/abc/return"),
    ):
        assert response.status_code == 401, response.text
        assert response.json() == {"detail": "Not authenticated"}


def test_a_well_formed_correlation_id_is_reused(client):
    response = client.get("/api/v1/films/1", headers={"X-Correlation-ID": "abc-DEF_12345"})
    assert response.headers["x-correlation-id"] == "abc-DEF_12345"


@pytest.mark.parametrize("bad", ["short", "has spaces in it", "x" * 65, "semi;colon!!"])
def test_a_malformed_correlation_id_is_replaced(client, bad):
    response = client.get("/api/v1/films/1", headers={"X-Correlation-ID": bad})
    generated = response.headers["x-correlation-id"]
    assert generated != bad
    assert 8 <= len(generated) <= 64


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("get", "/api/v1/films/999999", 404),
        ("get", "/api/v1/films/0", 400),
        ("get", "/api/v1/films/abc", 422),
        ("get", "/protected", 401),
        ("get", "/no/such/path", 404),
        ("delete", "/api/v1/films/1", 405),
    ],
)
def test_errors_are_json_with_a_correlation_id(client, method, path, status):
    response = getattr(client, method)(path)
    assert response.status_code == status
    assert response.headers["content-type"].startswith("application/json")
    assert "detail" in response.json()
    assert response.headers["x-correlation-id"]
    assert "Traceback" not in response.text


def test_an_unexpected_error_is_a_json_500_with_the_correlation_id(official_url):
    app = create_app(make_settings(official_url))

    @app.get("/boom")
    async def boom():
        raise RuntimeError("secret internals")

    with TestClient(app, raise_server_exceptions=False) as local:
        response = local.get("/boom", headers={"X-Correlation-ID": "trace-me-123"})
    assert response.status_code == 500
    assert response.json() == {"detail": "Internal server error", "correlation_id": "trace-me-123"}
    assert response.headers["x-correlation-id"] == "trace-me-123"
    assert "secret internals" not in response.text


async def test_a_client_gone_before_its_request_was_read_is_no_500(official_url, capfd):
    """A client that hangs up while sending its request (Starlette's ClientDisconnect) is
    logged as a 499, without a traceback, and is sent nothing."""
    app = create_app(make_settings(official_url).model_copy(update={"log_level": "INFO"}))

    @app.post("/echo")
    async def echo(request: Request):
        return await request.json()

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
             "method": "POST", "scheme": "http", "path": "/echo", "raw_path": b"/echo",
             "query_string": b"", "root_path": "", "client": ("127.0.0.1", 5000),
             "server": ("127.0.0.1", 8000),
             "headers": [(b"host", b"127.0.0.1:8000"), (b"content-type", b"application/json")]}
    sent = []

    async def receive():
        return {"type": "http.disconnect"}

    async def send(message):
        sent.append(message)

    capfd.readouterr()
    await app(scope, receive, send)
    err = capfd.readouterr().err
    assert sent == []
    assert "request_failed" not in err and "Traceback" not in err
    assert [line for line in err.splitlines() if "path=/echo" in line and "status=499" in line]


def test_openapi_docs_are_served(client):
    assert client.get("/docs").status_code == 200
    paths = client.get("/openapi.json").json()["paths"]
    assert "/api/v1/films" in paths
    assert "/api/v1/rentals/{rental_id}/return" in paths
