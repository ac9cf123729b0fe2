"""Bringing the store's database up to date before serving."""

from sqlalchemy import text

from assistant.db import make_sync_engine
from assistant.logging import get_logger

log = get_logger(__name__)


def store_is_empty(url: str) -> bool:
    engine = make_sync_engine(url)
    try:
        with engine.connect() as conn:
            return not conn.scalar(text("SELECT EXISTS (SELECT 1 FROM film)"))
    finally:
        engine.dispose()


def prepare_store(url: str) -> None:
    """Migrate; fill an empty store with the demo data; leave a stocked one alone."""
    from assistant.migrate import upgrade

    log.info("migrated", outcome=upgrade(url))
    if store_is_empty(url):
        from data import words
        from data.demo import DEMO_PASSWORD, generate  # only an empty store needs it

        counts = generate(url)
        log.info("demo_data_loaded", **counts)
        # The totals over all history: the app's background refresh, which finds them behind.
        clerks = " or ".join(f"{username} (store {store})"
                             for store, (_, _, username) in enumerate(words.STAFF, 1))
        print(f"Demo store loaded. Sign in to the chat as {clerks}, password {DEMO_PASSWORD!r} "
              "(change it: pagila-assistant staff set-password USERNAME).", flush=True)
