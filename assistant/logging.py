"""Structured logging: one structlog setup, with the request's correlation id bound per context."""

import logging
import re
import sys
import uuid

import structlog

from assistant.security import redact_secrets

_CORRELATION_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


# Libraries that log whole messages (chat text, customer names and emails) or requests at INFO.
CHATTY_LIBRARIES = ("semantic_kernel", "in_process_runtime", "openai", "httpx", "httpcore")
_secrets: list[str] = []  # never written out, whatever logs them


def configure_logging(level: str = "INFO", fmt: str = "console", *,
                      secrets: list[str] = (), libraries: str = "WARNING") -> None:
    """`secrets` are replaced in every line; the CHATTY_LIBRARIES log at `libraries`."""
    _secrets[:] = [secret for secret in secrets if secret]
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
        _without_secrets,
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
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, _SecretFilter) for f in handler.filters):
            handler.addFilter(_SecretFilter())
    for name in CHATTY_LIBRARIES:
        logging.getLogger(name).setLevel(libraries.upper())
    # pgserver narrates initdb and every pg_ctl call at INFO; its warnings are what matter.
    logging.getLogger("pgserver").setLevel(max(logging.WARNING, logging.getLogger().level))


def _without_secrets(logger, method: str, event: dict) -> dict:
    return redact_secrets(event, _secrets) if _secrets else event


class _SecretFilter(logging.Filter):
    """The same for the standard library's records (Chainlit, uvicorn, Semantic Kernel)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if _secrets:
            message = record.getMessage()
            cleaned = redact_secrets(message, _secrets)
            if cleaned is not message:
                record.msg, record.args = cleaned, None
        return True


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
