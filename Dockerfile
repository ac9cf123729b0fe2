# The app against an external PostgreSQL (PAGILA_DSN); see docker-compose.yml.
FROM python:3.12-slim

COPY --from=ghcr.io/astral-sh/uv:0.5 /uv /usr/local/bin/uv
ENV UV_COMPILE_BYTECODE=1 UV_LINK_MODE=copy PYTHONUNBUFFERED=1

RUN useradd --create-home --uid 1000 pagila
WORKDIR /app
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --frozen --no-dev --no-install-project
COPY . .
RUN uv sync --frozen --no-dev && chown -R pagila /app
USER pagila

ENV PAGILA_HOST=0.0.0.0 PAGILA_PORT=8000 LOG_FORMAT=json
EXPOSE 8000
CMD ["/app/.venv/bin/pagila-assistant", "serve"]
