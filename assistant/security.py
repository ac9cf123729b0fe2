"""The admin token: compared in constant time, never stored, logged or shown."""

import hmac

from assistant.settings import Settings


def token_matches(given: str, settings: Settings) -> bool:
    """Constant-time comparison, so the token cannot be guessed byte by byte from timings."""
    expected = settings.admin_token.get_secret_value()
    return hmac.compare_digest(given.strip().encode(), expected.encode())
