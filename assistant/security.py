"""The admin token: compared in constant time, never stored, logged or shown.

A clerk may type the token into the chat text by mistake: `redacted` takes it out of anything
before it reaches the model, the history, the data layer or the log.
"""

import hmac
import os
import secrets
from typing import Any

from assistant.settings import Settings

REDACTED = "[admin token removed]"


def token_matches(given: str, settings: Settings) -> bool:
    """Constant-time comparison, so the token cannot be guessed byte by byte from timings."""
    expected = settings.admin_token.get_secret_value()
    return hmac.compare_digest(given.strip().encode(), expected.encode())


def redacted(value: Any, settings: Settings) -> Any:
    """`value` (a string, or dicts and lists of them) with every copy of the token replaced."""
    return redact_secrets(value, [settings.admin_token.get_secret_value()])


def redact_secrets(value: Any, secrets: list[str]) -> Any:
    if isinstance(value, str):
        for secret in secrets:
            if secret and secret in value:
                value = value.replace(secret, REDACTED)
        return value
    if isinstance(value, dict):
        return {key: redact_secrets(item, secrets) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(redact_secrets(item, secrets) for item in value)
    return value


AUTH_SECRET_FILE = "chainlit-auth-secret"


def chainlit_auth_secret(settings: Settings) -> str:
    """The key that signs the chat's sign-in cookies: CHAINLIT_AUTH_SECRET when set; with the
    embedded database, one generated on first start and kept in PAGILA_HOME (so sign-ins
    survive a restart); with an external database it must be set, as every instance needs the
    same one."""
    if settings.chainlit_auth_secret:
        return settings.chainlit_auth_secret.get_secret_value()
    if settings.pagila_dsn:
        raise RuntimeError("CHAINLIT_AUTH_SECRET must be set when PAGILA_DSN is (every instance "
                           "signs sign-in cookies with it); make one with `openssl rand -hex 32`")
    path = settings.pagila_home.expanduser() / AUTH_SECRET_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process starting at the same moment made it
            pass
        else:
            with os.fdopen(descriptor, "w") as file:
                file.write(secrets.token_hex(32))
    return path.read_text().strip()
