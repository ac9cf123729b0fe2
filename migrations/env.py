"""Alembic environment, configured from code (assistant/migrate.py); there is no alembic.ini.

The migrations are hand-written SQL (op.execute), so there is no target metadata to compare.
assistant.migrate hands over an open connection in `config.attributes["connection"]` so that
detecting, stamping and upgrading share one transaction; otherwise `sqlalchemy.url` is used.
"""

from alembic import context

from assistant.db import make_sync_engine

config = context.config


def run_offline() -> None:
    context.configure(url=config.get_main_option("sqlalchemy.url"), literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_on(connection) -> None:
    context.configure(connection=connection, target_metadata=None)
    # When the caller's connection is already in a transaction this joins it, and the caller
    # commits; otherwise Alembic opens and commits its own.
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        run_on(connection)
        return
    engine = make_sync_engine(config.get_main_option("sqlalchemy.url"))
    try:
        with engine.connect() as connection:
            run_on(connection)
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
