"""Structured logging: one structlog setup, with the request's correlation id bound per context."""

import logging
import re
import sys
import uuid

import structlog

_CORRELATION_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


def configure_logging(level: str = "INFO", fmt: str = "console") -> None:
    renderer = (
        structlog.processors.JSONRenderer()
        if fmt == "json"
        else structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())
    )
    processors = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.format_exc_info,
        renderer,
    ]
    structlog.configure(
        processors=processors,
        wrapper_class=structlog.make_filtering_bound_logger(
            logging.getLevelNamesMapping().get(level.upper(), logging.INFO)
        ),
        logger_factory=structlog.PrintLoggerFactory(_CurrentStderr()),
        cache_logger_on_first_use=False,  # a later configure_logging (tests, CLI) takes effect
    )
    # Third-party stdlib loggers (uvicorn, alembic) go through the same level.
    logging.basicConfig(level=level.upper(), stream=sys.stderr, format="%(name)s %(message)s")
    # pgserver narrates initdb and every pg_ctl call at INFO; its warnings are what matter.
    logging.getLogger("pgserver").setLevel(max(logging.WARNING, logging.getLogger().level))


class _CurrentStderr:
    """Whatever sys.stderr is when a line is written (it is swapped by test runners, and a
    closed stream must never make a request fail)."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()


def correlation_id_from(header_value: str | None) -> str:
    """Reuse a well-formed incoming id, else make a new one."""
    if header_value and _CORRELATION_ID.match(header_value):
        return header_value
    return uuid.uuid4().hex


def get_logger(name: str | None = None) -> structlog.stdlib.BoundLogger:
    return structlog.get_logger(name)
