"""Per-request correlation id, access log with duration, and the last-resort 500; and the
hardening middlewares (client address, security headers, same-origin writes, signed-out
sign-in tokens), wired by assistant.api.protection."""

import json
import time

import structlog
from starlette.requests import ClientDisconnect, cookie_parser
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from assistant.logging import correlation_id_from, get_logger
from assistant.sessions import token_refusal
from assistant.throttle import CLIENT_ADDRESS

log = get_logger("assistant.http")


class CorrelationMiddleware:
    """Pure ASGI (no BaseHTTPMiddleware): it sits on the hot path of every request."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = next(
            (v.decode("latin-1") for k, v in scope["headers"] if k == b"x-correlation-id"), None
        )
        correlation_id = correlation_id_from(incoming)
        started = time.perf_counter()
        status = 500
        response_started = False

        async def send_with_id(message: Message) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                status = message["status"]
                response_started = True
                message["headers"] = [
                    *message.get("headers", []),
                    (b"x-correlation-id", correlation_id.encode()),
                ]
            await send(message)

        structlog.contextvars.bind_contextvars(correlation_id=correlation_id)
        try:
            await self.app(scope, receive, send_with_id)
        except ClientDisconnect:
            # The client went away before its request was read: no one to answer, nothing
            # failed (logged as nginx does, 499, and not as a 500 with a traceback).
            status = 499
        except Exception:
            log.exception("request_failed", method=scope["method"], path=scope["path"])
            if not response_started:
                body = json.dumps(
                    {"detail": "Internal server error", "correlation_id": correlation_id}
                ).encode()
                await send_with_id({
                    "type": "http.response.start",
                    "status": 500,
                    "headers": [(b"content-type", b"application/json"),
                                (b"content-length", str(len(body)).encode())],
                })
                await send({"type": "http.response.body", "body": body})
        finally:
            log.info(
                "request",
                method=scope["method"],
                path=scope["path"],
                status=status,
                duration_ms=round((time.perf_counter() - started) * 1000, 2),
                reused_id=incoming == correlation_id,
            )
            structlog.contextvars.unbind_contextvars("correlation_id")


# --------------------------------------------------------------------------- hardening
# Wired by assistant.api.protection, which says in which order and with what settings.


class ClientAddressMiddleware:
    """The client's address (scope["client"], which uvicorn's ProxyHeadersMiddleware rewrites
    from X-Forwarded-For when PAGILA_TRUSTED_PROXIES says so) in CLIENT_ADDRESS, for the code
    that only gets arguments (Chainlit's password callback: sign-in throttling)."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        token = CLIENT_ADDRESS.set(client[0] if client else "unknown")
        try:
            await self.app(scope, receive, send)
        finally:
            CLIENT_ADDRESS.reset(token)


class SecurityHeadersMiddleware:
    """Headers on every response: `headers` for all, and a Content-Security-Policy chosen by
    path (`policy_for`). Ours replace any of the same name set further in."""

    def __init__(self, app: ASGIApp, headers: dict[str, str], policy_for):
        self.app = app
        self.headers = [(k.lower().encode(), v.encode()) for k, v in headers.items()]
        self.policy_for = policy_for

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        policy = self.policy_for(scope["path"]).encode()
        ours = [*self.headers, (b"content-security-policy", policy)]
        names = {name for name, _ in ours}

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                kept = [(k, v) for k, v in message.get("headers", []) if k.lower() not in names]
                message["headers"] = [*kept, *ours]
            await send(message)

        await self.app(scope, receive, send_with_headers)


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class SameOriginWritesMiddleware:
    """A request that changes something (POST, PUT, PATCH, DELETE) and says it comes from a
    page of another origin is refused with 403, whatever its cookies: no cross-site request
    forgery of a sign-in, a sign-out or a chat call. Requests without an Origin header (curl,
    scripts) are the REST API's Bearer-token business."""

    def __init__(self, app: ASGIApp, allowed_origins: list[str]):
        self.app = app
        self.allowed = frozenset(allowed_origins)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] not in SAFE_METHODS:
            origin = next((v.decode("latin-1") for k, v in scope["headers"] if k == b"origin"),
                          None)
            if origin is not None and origin not in self.allowed:
                log.warning("foreign_origin_refused", origin=origin[:100], path=scope["path"])
                refused = JSONResponse({"detail": "Cross-origin request refused"}, 403)
                await refused(scope, receive, send)
                return
        await self.app(scope, receive, send)


class SignedOutTokensMiddleware:
    """Under the chat's path: a sign-in token that no longer signs anyone in (its clerk signed
    out after it was issued, or is inactive: assistant.sessions) is taken off the request, so
    Chainlit sees nobody signed in (its routes answer 401, its socket refuses to connect, its
    pages go to the sign-in form). Chainlit's token refresh route (`/auth/jwt`, which would
    extend a session past its shift and which the chat's pages never call) is not served."""

    def __init__(self, app: ASGIApp, chat_path: str, secret: str, database_of):
        self.app = app
        self.chat_path = chat_path
        self.refresh_path = f"{chat_path}/auth/jwt"
        # Files that need no sign-in: no database round trip for them.
        self.static = tuple(f"{chat_path}/{part}" for part in (
            "assets/", "public/", "avatars/", "favicon", "logo"))
        self.secret = secret
        self.database_of = database_of  # scope -> the app's Database

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if (scope["type"] not in ("http", "websocket")
                or not (path == self.chat_path or path.startswith(self.chat_path + "/"))
                or path.startswith(self.static)):
            await self.app(scope, receive, send)
            return
        if scope["type"] == "http" and path.rstrip("/") == self.refresh_path:
            await JSONResponse({"detail": "Not Found"}, 404)(scope, receive, send)
            return
        token = token_of(scope["headers"])
        if token and await self._refused(scope, token):
            scope = {**scope, "headers": without_token(scope["headers"])}
        await self.app(scope, receive, send)

    async def _refused(self, scope: Scope, token: str) -> bool:
        try:
            reason = await token_refusal(self.database_of(scope), token, self.secret)
        except Exception:  # no way to check it: the token signs nobody in
            log.exception("sign_in_token_not_checked")
            return True
        if reason:
            log.info("sign_in_token_refused", reason=reason, path=scope["path"])
        return reason is not None


AUTH_COOKIE = "access_token"  # Chainlit's (CHAINLIT_AUTH_COOKIE_NAME), chunked as access_token_0...


def token_of(headers: list[tuple[bytes, bytes]]) -> str | None:
    """The sign-in token a request carries: Chainlit's cookie (whole or in chunks), else a
    Bearer header, as Chainlit reads it."""
    cookies: dict[str, str] = {}
    authorization = None
    for name, value in headers:
        if name == b"cookie":
            cookies.update(cookie_parser(value.decode("latin-1")))
        elif name == b"authorization":
            authorization = value.decode("latin-1")
    if cookies.get(AUTH_COOKIE):
        return cookies[AUTH_COOKIE]
    chunks = []
    while f"{AUTH_COOKIE}_{len(chunks)}" in cookies:
        chunks.append(cookies[f"{AUTH_COOKIE}_{len(chunks)}"])
    if chunks:
        return "".join(chunks)
    if authorization and authorization[:7].lower() == "bearer ":
        return authorization[7:].strip() or None
    return None


def without_token(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """The headers without the sign-in cookie(s) and the Authorization header."""
    kept = []
    for name, value in headers:
        if name == b"authorization":
            continue
        if name == b"cookie":
            others = [part for part in value.decode("latin-1").split(";")
                      if part.split("=", 1)[0].strip() != AUTH_COOKIE
                      and not part.split("=", 1)[0].strip().startswith(f"{AUTH_COOKIE}_")]
            if not others:
                continue
            value = ";".join(others).strip().encode("latin-1")
        kept.append((name, value))
    return kept
