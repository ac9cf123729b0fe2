"""The front desk's defences at the HTTP level, wired once from the settings.

- Origins: the chat's socket (Engine.IO's origin check), its routes' CORS, the REST API's CORS
  and the same-origin check on writes all accept only `Settings.allowed_origins` (from
  PAGILA_PUBLIC_URL), never "*".
- Cookies and sessions: Chainlit's sign-in cookie is SameSite=Strict (and Secure when the
  public URL is https) and lasts PAGILA_SESSION_HOURS, as does the token in it; a token whose
  clerk signed out or is inactive is taken off the request (SignedOutTokensMiddleware).
- Headers: a Content-Security-Policy per kind of page (the chat, the API docs, the API), with
  the hashes of the exact inline scripts those pages serve; nosniff, no framing, no referrer.
- The client's address for sign-in throttling, from X-Forwarded-For only behind a proxy listed
  in PAGILA_TRUSTED_PROXIES.

Chainlit's app is one per process: `configure_chat` (re)applies the settings to it.
"""

import base64
import hashlib
import re
from collections.abc import Callable

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from assistant.api.middleware import (
    ClientAddressMiddleware,
    SameOriginWritesMiddleware,
    SecurityHeadersMiddleware,
    SignedOutTokensMiddleware,
)
from assistant.settings import Settings

_INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", re.S | re.I)

# Where Chainlit's page gets its fonts and stylesheets from (its index.html links them):
# Google's Inter font and KaTeX's stylesheet. Without network access they simply don't load.
CHAT_STYLE_HOSTS = "https://fonts.googleapis.com https://cdn.jsdelivr.net"
CHAT_FONT_HOSTS = "https://fonts.gstatic.com https://cdn.jsdelivr.net"


def protect(app: FastAPI, settings: Settings, *, chat_path: str, auth_secret: str) -> None:
    """Add the defences to `app` (after its routes and the chat's mount, before it serves).

    Outermost first: the client's address (through the proxy headers when trusted), the
    security headers (so the correlation middleware's last-resort 500 gets them too), then
    the app's own middlewares (the correlation id), then the same-origin check on writes, the
    signed-out tokens and CORS, then the routes."""
    origins = settings.allowed_origins
    policies = content_security_policies(app, settings, chat_path)
    headers = {
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "no-referrer",
        "Cross-Origin-Opener-Policy": "same-origin",
    }
    if settings.served_over_https:
        headers["Strict-Transport-Security"] = "max-age=31536000"

    outer = [Middleware(ClientAddressMiddleware),
             Middleware(SecurityHeadersMiddleware, headers=headers, policy_for=policies)]
    if settings.pagila_trusted_proxies.strip():
        outer.insert(0, Middleware(ProxyHeadersMiddleware,
                                   trusted_hosts=settings.pagila_trusted_proxies))
    inner = [
        Middleware(SameOriginWritesMiddleware, allowed_origins=origins),
        Middleware(SignedOutTokensMiddleware, chat_path=chat_path, secret=auth_secret,
                   database_of=lambda scope: scope["app"].state.database),
        Middleware(CORSMiddleware, allow_origins=origins, allow_credentials=False,
                   allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
                   allow_headers=["Authorization", "Content-Type", "X-Correlation-ID"],
                   expose_headers=["X-Correlation-ID"]),
    ]
    app.user_middleware[0:0] = outer
    app.user_middleware.extend(inner)
    configure_chat(settings)


def configure_chat(settings: Settings) -> None:
    """Apply the settings to Chainlit's (process-wide) app: allowed origins for its CORS and its
    socket, the sign-in token's and cookie's lifetime, the cookie's SameSite and Secure."""
    import chainlit.auth.cookie as chainlit_cookie
    from chainlit.config import config
    from chainlit.server import app as chainlit_app
    from chainlit.server import sio

    origins = settings.allowed_origins
    config.project.allow_origins = origins
    config.project.user_session_timeout = settings.session_seconds
    cors = [m for m in chainlit_app.user_middleware if m.cls is CORSMiddleware]
    if len(cors) != 1:
        raise RuntimeError("Chainlit's CORS middleware was not found: check assistant.api."
                           "protection against this Chainlit version")
    cors[0].kwargs["allow_origins"] = origins
    chainlit_app.middleware_stack = None  # rebuilt with the above on its next request
    # Engine.IO checks a connection's Origin header against this (an empty list, Chainlit's
    # default, switches the check off: any site's page could open the socket).
    sio.eio.cors_allowed_origins = origins
    for name in ("_cookie_samesite", "_cookie_secure"):
        if not hasattr(chainlit_cookie, name):
            raise RuntimeError(f"chainlit.auth.cookie.{name} is gone: check assistant.api."
                               "protection against this Chainlit version")
    chainlit_cookie._cookie_samesite = "strict"
    chainlit_cookie._cookie_secure = settings.served_over_https


def content_security_policies(app: FastAPI, settings: Settings,
                              chat_path: str) -> Callable[[str], str]:
    """path -> the Content-Security-Policy of what is served there."""
    from chainlit.server import get_html_template

    sockets = " ".join(origin.replace("http", "ws", 1) for origin in settings.allowed_origins)
    chat = policy(
        "default-src 'self'",
        # Chainlit compiles custom elements (the masked admin-token field) in the browser and
        # runs them with `new Function`: 'unsafe-eval' is the price of that element.
        f"script-src 'self' 'unsafe-eval' {script_hashes(get_html_template(chat_path))}",
        f"style-src 'self' 'unsafe-inline' {CHAT_STYLE_HOSTS}",
        f"font-src 'self' data: {CHAT_FONT_HOSTS}",
        "img-src 'self' data: blob:",
        "media-src 'self' data: blob:",
        f"connect-src 'self' {sockets}",
        "worker-src 'self' blob:",
        "frame-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
    docs_pages = (
        get_swagger_ui_html(openapi_url=app.root_path + (app.openapi_url or ""), title="",
                            oauth2_redirect_url=app.swagger_ui_oauth2_redirect_url,
                            swagger_ui_parameters=app.swagger_ui_parameters).body.decode()
        + get_swagger_ui_oauth2_redirect_html().body.decode())
    docs = policy(
        "default-src 'self'",
        f"script-src 'self' {script_hashes(docs_pages)}",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "worker-src 'self' blob:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
    api = policy("default-src 'none'", "base-uri 'none'", "form-action 'none'",
                 "frame-ancestors 'none'")
    docs_paths = {"/docs", "/redoc", app.swagger_ui_oauth2_redirect_url}
    chat_prefix = chat_path + "/"

    def policy_for(path: str) -> str:
        if path == chat_path or path.startswith(chat_prefix):
            return chat
        return docs if path in docs_paths else api

    return policy_for


def policy(*directives: str) -> str:
    return "; ".join(" ".join(d.split()) for d in directives)


def script_hashes(html: str) -> str:
    """'sha256-...' sources allowing exactly the inline scripts of `html`."""
    hashes = dict.fromkeys(
        "'sha256-" + base64.b64encode(hashlib.sha256(body.encode()).digest()).decode() + "'"
        for body in _INLINE_SCRIPT.findall(html))
    return " ".join(hashes)
